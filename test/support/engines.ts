// Runs a suite once per database engine: SQLite (a fresh file) and PostgreSQL (a fresh database on the test server).
// Store and API tests are written once and hold on both (STYLE.md: one contract suite per engine).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { Store } from '../../src/store/store.js';
import { createDatabase, dropDatabase } from './postgres.js';

export type EngineName = 'sqlite' | 'postgres';

export interface EngineDb {
  engine: EngineName;
  /** A config pointing at this test's own database (SQLite file or PostgreSQL database). */
  config: Config;
  store: Store;
}

export const admin_key = 'test-admin-key-0123456789abcdef';

/** A fresh database (migrated) for one engine; the caller closes it with the returned dispose. */
export async function freshDatabase(engine: EngineName, overrides: Partial<Config> = {}): Promise<{ db: EngineDb; dispose: () => Promise<void> }> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const data_dir = fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-test-'));
  let database_url: string | null = null;
  const admin_url = inject('postgresUrl');
  if (engine === 'postgres') {
    if (admin_url === null) throw new Error('PostgreSQL is not available');
    database_url = await createDatabase(admin_url, name);
  }
  const config = loadConfig({}, { data_dir, database_url, admin_key, log_level: 'silent', ...overrides });
  const store = Store.open(config);
  await store.migrate(Date.now());
  return {
    db: { engine, config, store },
    dispose: async () => {
      await store.close();
      if (engine === 'postgres' && admin_url !== null) await dropDatabase(admin_url, name);
      fs.rmSync(data_dir, { recursive: true, force: true });
    },
  };
}

export function availableEngines(): EngineName[] {
  return inject('postgresUrl') === null ? ['sqlite'] : ['sqlite', 'postgres'];
}

/** describe(name) once per engine with a fresh migrated database for the whole block. */
export function describeEachEngine(name: string, body: (db: () => EngineDb) => void, overrides: Partial<Config> = {}): void {
  for (const engine of ['sqlite', 'postgres'] as const) {
    const skip = engine === 'postgres' && inject('postgresUrl') === null;
    (skip ? describe.skip : describe)(`${name} [${engine}]`, () => {
      let current: EngineDb | null = null;
      let dispose: (() => Promise<void>) | null = null;
      beforeAll(async () => {
        const fresh = await freshDatabase(engine, overrides);
        current = fresh.db;
        dispose = fresh.dispose;
      });
      afterAll(async () => {
        await dispose?.();
      });
      body(() => {
        if (current === null) throw new Error('database not ready');
        return current;
      });
    });
  }
}
