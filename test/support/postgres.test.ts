import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { expect, inject, it } from 'vitest';
import { createDatabase, dropDatabase } from './postgres.js';

const postgresUrl = inject('postgresUrl');
const SKIP_REASON = 'PostgreSQL not available: no server binaries and no TEST_DATABASE_URL (see the warning printed by test/support/global-setup.ts)';

it('creates, uses and drops a database on the test PostgreSQL server', async (ctx) => {
  if (postgresUrl === null) return ctx.skip(SKIP_REASON);

  const name = `support_test_${randomUUID().replaceAll('-', '')}`;
  const url = await createDatabase(postgresUrl, name);
  expect(new URL(url).pathname).toBe(`/${name}`);
  try {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows: current } = await client.query<{ db: string }>('SELECT current_database() AS db');
      expect(current[0]?.db).toBe(name);
      await client.query('CREATE TABLE item (id integer PRIMARY KEY, label text NOT NULL)');
      await client.query('INSERT INTO item (id, label) VALUES ($1, $2), ($3, $4)', [1, 'één', 2, '二']);
      const { rows } = await client.query<{ id: number; label: string }>('SELECT id, label FROM item ORDER BY id');
      expect(rows).toEqual([
        { id: 1, label: 'één' },
        { id: 2, label: '二' },
      ]);
    } finally {
      await client.end();
    }
  } finally {
    // WITH (FORCE): works even if the client above failed to disconnect.
    await dropDatabase(postgresUrl, name);
  }

  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    expect(rowCount).toBe(0);
  } finally {
    await admin.end();
  }
});
