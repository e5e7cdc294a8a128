// Action routes whose body is optional (every field optional: submit, withdraw, approve, pay …) accept no body at all:
// a POST without a body and without Content-Type is read as `{}` before validation, instead of failing the schema's
// "must be object". One rule for every route, decided from its own body schema.
import type { FastifyInstance, FastifyRequest, preValidationHookHandler } from 'fastify';

/** A body schema that an empty object satisfies: an object with no required property. */
export function bodyIsOptional(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  const s = schema as { type?: unknown; required?: unknown };
  return s.type === 'object' && (!Array.isArray(s.required) || s.required.length === 0);
}

async function emptyBodyAsObject(request: FastifyRequest): Promise<void> {
  if (request.body === undefined) request.body = {};
}

export function registerOptionalBodies(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (!bodyIsOptional(route.schema?.body)) return;
    const own = route.preValidation === undefined ? [] : Array.isArray(route.preValidation) ? route.preValidation : [route.preValidation];
    route.preValidation = [emptyBodyAsObject as preValidationHookHandler, ...own];
  });
}
