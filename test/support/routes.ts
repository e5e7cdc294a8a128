// Route discovery and error-shape helpers for the API suites. Every route the app registers is recorded by an onRoute
// hook added the moment the Fastify instance is created (see `withRouteRecorder`), so a suite can hold its expectation
// table against the routes that really exist, not against a list someone remembered to update.
import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';

export interface RegisteredRoute {
  method: string;
  url: string;
}

/** `METHOD url` of every route registered by any app built in this test file, e.g. `GET /api/v1/usage`. */
export const registered_routes = new Set<string>();

type Factory = (...args: never[]) => unknown;

/**
 * Wraps Fastify's factory so that each new instance records its routes. Used from a `vi.mock('fastify', …)` factory:
 * the app under test is built by its own code, unchanged, and its routes still reach the test.
 */
export function withRouteRecorder<F extends Factory>(factory: F): F {
  const wrapped = (...args: Parameters<F>) => {
    const app = factory(...args) as { addHook(name: 'onRoute', hook: (route: { method: string | string[]; url: string }) => void): unknown };
    app.addHook('onRoute', (route) => {
      for (const method of Array.isArray(route.method) ? route.method : [route.method]) registered_routes.add(`${method} ${route.url}`);
    });
    return app;
  };
  return wrapped as unknown as F;
}

/** The routes under a prefix, HEAD routes that Fastify adds beside each GET left out (they share its options). */
export function routesUnder(prefix: string): string[] {
  const all = [...registered_routes];
  return all
    .filter((r) => {
      const [method, url] = r.split(' ') as [string, string];
      if (!url.startsWith(prefix)) return false;
      return !(method === 'HEAD' && registered_routes.has(`GET ${url}`));
    })
    .sort();
}

export interface ErrorBody {
  error: { code: string; message: string; details: { field: string; message: string }[] };
}

/** The documented error shape `{ error: { code, message, details } }` with this status and code; returns the body. */
export function expectError(res: LightMyRequestResponse, status: number, code: string): ErrorBody {
  expect({ status: res.statusCode, body: res.body.slice(0, 600) }).toMatchObject({ status });
  const body = res.json() as ErrorBody;
  expect(body).toMatchObject({ error: { code, message: expect.any(String), details: expect.any(Array) } });
  expect(body.error.message.length).toBeGreaterThan(0);
  for (const d of body.error.details) expect(d).toMatchObject({ field: expect.any(String), message: expect.any(String) });
  return body;
}

/** As expectError, and some detail names `field`. */
export function expectFieldError(res: LightMyRequestResponse, status: number, code: string, field: string): ErrorBody {
  const body = expectError(res, status, code);
  expect(body.error.details.map((d) => d.field)).toContain(field);
  return body;
}
