// The Fastify application: schemas from TypeBox (validation + OpenAPI), one auth hook, one error handler.
import Fastify from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApiError } from './errors.js';
import { componentName, document_tags, documentRoute, ErrorSchema, security_schemes } from './openapi.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import { UsageIngest } from '../ingest/usage-pipeline.js';
import type { App, AppContext } from './context.js';
import { rateLimitBucket, registerAuth } from './auth.js';
import { errorHandler, rejectBadText } from './errors.js';
import { clientErrorHandler, http_server_options, registerClientErrors } from './client-errors.js';
import { registerJsonBodyParser } from './json-body.js';
import { registerOptionalBodies } from './optional-body.js';
import { registerNoStore } from './no-store.js';
import { healthRoutes } from './routes/health.js';
import { acceleratorRoutes } from './routes/accelerators.js';
import { organizationRoutes } from './routes/organizations.js';
import { clusterRoutes } from './routes/clusters.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { usageRoutes } from './routes/usage.js';
import { programRoutes } from './routes/programs.js';
import { claimRoutes } from './routes/claims.js';
import { findingRoutes } from './routes/findings.js';
import { auditRoutes } from './routes/audit.js';
import { signingKeyRoutes } from './routes/signing-keys.js';
import { authRoutes } from './routes/auth.js';
import { userRoutes } from './routes/users.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { reportRoutes } from './routes/reports.js';

export interface AppOptions {
  config: Config;
  store: Store;
  now?: () => number;
  logger?: boolean | object;
}

export async function buildApp(options: AppOptions): Promise<App> {
  const { config, store } = options;
  const ctx: AppContext = { config, store, now: options.now ?? Date.now, ingest: new UsageIngest(store, config) };
  const app = Fastify({
    // Secrets never reach the logs: keys, cookies and the cookie a sign-in sets are redacted (a test greps the output).
    logger:
      options.logger === false
        ? false
        : {
            level: config.log_level,
            redact: {
              paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]'],
              censor: '[redacted]',
            },
            ...(typeof options.logger === 'object' ? options.logger : {}),
          },
    bodyLimit: config.body_bytes_max,
    // The client's address and scheme come from X-Forwarded-* only when the proxy is trusted (SUANLI_TRUST_PROXY).
    trustProxy: trustProxyOption(config.trust_proxy),
    // A client that sends headers and then stalls is cut off after a minute (Fastify's default waits forever).
    requestTimeout: 60_000,
    // What Node's parser refuses (bad request line or header, headers too large, a timeout) in our error shape.
    clientErrorHandler,
    http: http_server_options,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // Ids longer than a schema allows then answer its 400, not the router's 414.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 2048 },
    // The router's own refusals (a malformed %-escape in the URL) in the documented error shape.
    frameworkErrors: (error, _request, reply) => {
      void (reply as unknown as { status(n: number): { send(b: unknown): unknown } }).status(400).send({
        error: {
          code: 'validation_failed',
          message: `the URL cannot be read: ${error.message.slice(0, 200)}`,
          details: [{ field: 'url', message: 'malformed' }],
        },
      });
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}`, details: [] } });
  });
  registerClientErrors(app);
  registerJsonBodyParser(app);
  registerOptionalBodies(app);
  registerNoStore(app);
  await app.register(cookie);
  // Security headers on every answer (CSP, frame, sniffing, referrer, HSTS over TLS …).
  await app.register(helmet, { global: true });
  // Requests per minute per verified API key, else per session, else per address; a clear 429 with Retry-After. The
  // limit's hook is route-level, so it runs after registerAuth's onRequest has verified the credentials.
  await app.register(rateLimit, {
    global: true,
    max: config.rate_limit_per_min,
    timeWindow: 60_000,
    keyGenerator: rateLimitBucket,
    errorResponseBuilder: (_request, context) =>
      new ApiError('rate_limited', `more than ${context.max} requests in a minute: try again in ${Math.ceil(context.ttl / 1000)} s`),
  });
  registerAuth(app, store, ctx.now);
  app.addHook('preValidation', rejectBadText);

  // The document is completed from each route's access rule and schema (src/http/openapi.ts); the error shape is one component.
  app.addSchema(ErrorSchema);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'suanli API',
        version: '1',
        description: 'Compute-subsidy programs for AI work on domestically made accelerators. A walk-through: docs/api.md; error codes: docs/errors.md.',
      },
      components: { securitySchemes: security_schemes },
      security: [{ apiKey: [] }, { session: [] }],
      tags: document_tags,
    },
    refResolver: { buildLocalReference: componentName },
    transform: documentRoute,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });

  await app.register(
    async (api) => {
      // The API speaks JSON only: without this, Fastify's default text/plain parser hands a JSON-looking string to the
      // schema, which answers a confusing 400 "(body): must be object" instead of 415 unsupported_media_type.
      api.removeContentTypeParser('text/plain');
      healthRoutes(api as App, ctx);
      acceleratorRoutes(api as App, ctx);
      organizationRoutes(api as App, ctx);
      clusterRoutes(api as App, ctx);
      apiKeyRoutes(api as App, ctx);
      usageRoutes(api as App, ctx);
      programRoutes(api as App, ctx);
      claimRoutes(api as App, ctx);
      findingRoutes(api as App, ctx);
      auditRoutes(api as App, ctx);
      signingKeyRoutes(api as App, ctx);
      authRoutes(api as App, ctx);
      userRoutes(api as App, ctx);
      dashboardRoutes(api as App, ctx);
      reportRoutes(api as App, ctx);
    },
    { prefix: '/api/v1' },
  );

  await serveDashboard(app);
  return app;
}

/** SUANLI_TRUST_PROXY as Fastify takes it: a hop count trusts the nearest `hops` proxies (as Fastify's own number does). */
function trustProxyOption(trust: Config['trust_proxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (trust === false) return false;
  if (typeof trust === 'number') return (_address: string, hop: number) => hop < trust;
  return [...trust];
}

/**
 * The dashboard's static files (built by `npm run build` into dist/web; src/http and dist/http are both two levels
 * below the package root). Hashed assets are cached for a year; index.html is revalidated on every load so that a
 * new build is picked up at once. Without a build, `/` says how to make one.
 */
export const web_root = fileURLToPath(new URL('../../dist/web/', import.meta.url));

async function serveDashboard(app: App): Promise<void> {
  if (!fs.existsSync(`${web_root}index.html`)) {
    app.get('/', { config: { access: 'public' } }, async (_request, reply) =>
      reply.type('text/plain; charset=utf-8').send('The dashboard is not built: run `npm run build`. The API is under /api/v1, its explorer at /api/docs.\n'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: web_root,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    cacheControl: false,
    setHeaders: (reply, file) => {
      reply.header('cache-control', file.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
