// JSON-schema errors (TypeBox's, or Fastify's ajv) as the field path and message a person can act on.

/** '/records/3/count' → 'records[3].count'; `extra` appends a property (a missing or unknown one). */
export function fieldPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').filter((p) => p !== '');
  if (extra !== undefined) parts.push(extra);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc === '' ? p : `${acc}.${p}`), '');
}

export interface SchemaIssue {
  instancePath: string;
  keyword: string;
  params: unknown;
  message?: string;
}

/**
 * The field an error is about and a plain message: a missing property is named itself ('is required'), as is an unknown
 * one ('is not a known field': TypeBox reports it as `schema is false` at its own path, ajv as additionalProperties).
 */
export function schemaProblem(e: SchemaIssue, prefix = ''): { field: string; message: string; kind: 'required' | 'unknown' | 'other' } {
  const params = (e.params ?? {}) as Record<string, unknown>;
  if (e.keyword === 'required') {
    const missing = (params.missingProperty as string | undefined) ?? (params.requiredProperties as string[] | undefined)?.[0];
    return { field: fieldPath(prefix + e.instancePath, missing), message: 'is required', kind: 'required' };
  }
  if (e.keyword === 'additionalProperties') {
    const extra = (params.additionalProperty as string | undefined) ?? (params.additionalProperties as string[] | undefined)?.[0];
    return { field: fieldPath(prefix + e.instancePath, extra), message: 'is not a known field', kind: 'unknown' };
  }
  if (e.keyword === 'boolean' && e.message === 'schema is false')
    return { field: fieldPath(prefix + e.instancePath), message: 'is not a known field', kind: 'unknown' };
  return { field: fieldPath(prefix + e.instancePath), message: e.message ?? 'is invalid', kind: 'other' };
}
