// Answers that carry secrets or personal data (keys, tokens, logins, people's names) must not be kept by a browser or
// a proxy cache: a route says so with `config: { no_store: true }`, and this one hook sends `Cache-Control: no-store`
// on each of its answers, errors included. test/security/http-edges.test.ts lists the routes that must carry it.
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    no_store?: boolean;
  }
}

export function registerNoStore(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.routeOptions.config.no_store === true) void reply.header('cache-control', 'no-store');
    return payload;
  });
}
