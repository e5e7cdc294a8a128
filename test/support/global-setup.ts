// vitest globalSetup: starts one throwaway PostgreSQL server for the whole run
// (or uses TEST_DATABASE_URL) and provides its URL to the tests as
// inject('postgresUrl'). Tests create their own databases on it
// (see createDatabase/dropDatabase in ./postgres.ts).
//
// Without PostgreSQL binaries and without TEST_DATABASE_URL, it provides null
// and warns loudly so the PostgreSQL tests are skipped; under CI it fails
// instead, because CI must always test against PostgreSQL.

import type { TestProject } from 'vitest/node';
import { findPostgresBinaries, startPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the test PostgreSQL server, or null when PostgreSQL is not available. */
    postgresUrl: string | null;
  }
}

function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

function warnUnavailable(): void {
  const bar = '!'.repeat(78);
  process.stderr.write(
    [
      '',
      bar,
      '!!!',
      '!!!  PostgreSQL NOT AVAILABLE — PostgreSQL tests will be SKIPPED',
      '!!!',
      '!!!  No PostgreSQL server binaries (initdb, postgres) were found via',
      '!!!  `pg_config --bindir`, /usr/lib/postgresql/*/bin or PATH, and',
      '!!!  TEST_DATABASE_URL is not set. Only SQLite is being tested.',
      '!!!',
      '!!!  Fix: install postgresql (apt-get install -y postgresql)',
      '!!!       or set TEST_DATABASE_URL=postgres://user@host:port/db',
      '!!!',
      bar,
      '',
      '',
    ].join('\n'),
  );
}

export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  if (!process.env.TEST_DATABASE_URL && !findPostgresBinaries()) {
    if (isCI()) {
      throw new Error(
        'PostgreSQL NOT AVAILABLE under CI: no PostgreSQL server binaries found (pg_config --bindir, ' +
          '/usr/lib/postgresql/*/bin, PATH) and TEST_DATABASE_URL is not set. ' +
          'Install postgresql (apt-get install -y postgresql) or set TEST_DATABASE_URL.',
      );
    }
    warnUnavailable();
    provide('postgresUrl', null);
    return async () => undefined;
  }

  const started = Date.now();
  const server = await startPostgres();
  if (!process.env.TEST_DATABASE_URL) {
    process.stderr.write(`[global-setup] PostgreSQL test server ready at ${server.url} in ${Date.now() - started} ms\n`);
  }
  provide('postgresUrl', server.url);
  return async () => {
    await server.stop();
  };
}
