// What every route is handed: the application's type and its shared context. A module of its own so that routes do not
// import app.ts, which imports the routes.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import type { UsageIngest } from '../ingest/usage-pipeline.js';

export interface AppContext {
  config: Config;
  store: Store;
  ingest: UsageIngest;
  /** The clock: injected so that every decision can be reproduced in a test. */
  now: () => number;
}

export type App = FastifyInstance<any, any, any, any, TypeBoxTypeProvider>; // eslint-disable-line @typescript-eslint/no-explicit-any
