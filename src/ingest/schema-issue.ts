// JSON-schema errors (Fastify's ajv or TypeBox) as the field path and message a client can act on, at the edge.
import { schemaProblem, type SchemaIssue } from '../domain/schema-path.js';

export type ValidationIssue = SchemaIssue;

export interface ErrorDetail {
  field: string;
  message: string;
  [key: string]: unknown;
}

/** A JSON-schema error as field + message, naming the missing or unknown field itself. */
export function describeIssue(issue: ValidationIssue, prefix = ''): ErrorDetail {
  const p = schemaProblem(issue);
  const name =
    p.field
      .split('.')
      .pop()
      ?.replace(/\[\d+\]$/, '') ?? '';
  if (p.kind === 'required') return { field: prefix + p.field, message: `${name} is required` };
  if (p.kind === 'unknown') return { field: prefix + p.field, message: `unknown field ${name}`.trim() };
  return { field: prefix + (p.field === '' ? '(body)' : p.field), message: p.message };
}
