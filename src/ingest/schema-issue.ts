// JSON-schema errors (Fastify's ajv or TypeBox) as the field path and message a client can act on.

export interface ErrorDetail { field: string; message: string; [key: string]: unknown }

/** 'body/records/3/count' or '/records/3/count' → 'records[3].count' */
export function fieldPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').filter((p) => p !== '');
  if (extra !== undefined) parts.push(extra);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc === '' ? p : `${acc}.${p}`), '');
}

export interface ValidationIssue { instancePath: string; keyword: string; params: Record<string, unknown>; message?: string }

/** A JSON-schema error (Fastify's ajv or TypeBox) as field + message, naming the missing or extra field itself. */
export function describeIssue(issue: ValidationIssue, prefix = ''): ErrorDetail {
  let field = fieldPath(issue.instancePath);
  const params = issue.params;
  if (issue.keyword === 'required') {
    const missing = (params.missingProperty as string | undefined) ?? (params.requiredProperties as string[] | undefined)?.[0];
    if (missing !== undefined) field = fieldPath(issue.instancePath, missing);
    return { field: prefix + field, message: `${missing ?? 'a field'} is required` };
  }
  if (issue.keyword === 'additionalProperties') {
    const extra = (params.additionalProperty as string | undefined) ?? (params.additionalProperties as string[] | undefined)?.[0];
    if (extra !== undefined) field = fieldPath(issue.instancePath, extra);
    return { field: prefix + field, message: `unknown field ${extra ?? ''}`.trim() };
  }
  if (issue.keyword === 'boolean' && issue.message === 'schema is false') {
    // TypeBox reports a field that additionalProperties: false forbids this way, at the field's own path
    return { field: prefix + field, message: `unknown field ${field.split('.').pop() ?? ''}`.trim() };
  }
  return { field: prefix + (field === '' ? '(body)' : field), message: issue.message ?? 'is invalid' };
}

