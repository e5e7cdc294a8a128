// The migrations and src/store/schema.ts agree: an empty database migrated on each engine has exactly the tables and
// columns schema.ts declares (Database, plus PostgresOnlyColumns on PostgreSQL), and a column may hold null exactly
// when its declared type includes null.
import { sql } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import type { Engine } from '../../src/store/engine.js';
import { declaredTables, schema_file, type DeclaredTables } from '../support/declared-schema.js';
import { describeEachEngine, type EngineDb } from '../support/engines.js';

/** table → sorted column names, each `name` or `name: null` (may be null): a difference reads as one line in the diff. */
type Shape = Record<string, string[]>;

let declared: Record<string, DeclaredTables>;
beforeAll(() => {
  declared = declaredTables(schema_file, ['Database', 'PostgresOnlyColumns']);
});

function expectedShape(engine: Engine): Shape {
  const tables = declared.Database!;
  const postgres_only = declared.PostgresOnlyColumns!;
  const shape: Shape = {};
  for (const [table, columns] of Object.entries(tables)) {
    const all = { ...columns, ...(engine === 'postgres' ? postgres_only[table] : {}) };
    shape[table] = Object.entries(all)
      .map(([name, c]) => (c.nullable ? `${name}: null` : name))
      .sort();
  }
  for (const table of Object.keys(postgres_only))
    if (tables[table] === undefined) throw new Error(`PostgresOnlyColumns names ${table}, which Database does not`);
  return shape;
}

/** The tables the migrations made (not Kysely's own bookkeeping), read from the database's catalog. */
async function actualShape({ engine, store }: EngineDb): Promise<Shape> {
  const db = store.connection.db;
  const rows =
    engine === 'sqlite'
      ? // SQLite lets NULL into a primary key column unless it is the INTEGER PRIMARY KEY (the rowid) or declared NOT NULL,
        // an old quirk it keeps for compatibility, and the migrations' one-column text and bigint keys (organizations.id,
        // audit_log.seq, usage_superseded.seq, …) say primary key without not null. suanli never writes a null key and
        // PostgreSQL refuses one, so a key column counts as not null here.
        (
          await sql<{ table_name: string; column_name: string; nullable: number }>`
        SELECT m.name AS table_name, c.name AS column_name, (c."notnull" = 0 AND c.pk = 0) AS nullable
        FROM sqlite_master m, pragma_table_info(m.name) c
        WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE 'kysely_%'`.execute(db)
        ).rows
      : (
          await sql<{ table_name: string; column_name: string; nullable: boolean }>`
        SELECT c.table_name, c.column_name, c.is_nullable = 'YES' AS nullable
        FROM information_schema.columns c JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.table_name NOT LIKE 'kysely_%'`.execute(db)
        ).rows;
  const shape: Shape = {};
  for (const r of rows) (shape[r.table_name] ??= []).push(r.nullable ? `${r.column_name}: null` : r.column_name);
  for (const columns of Object.values(shape)) columns.sort();
  return shape;
}

describeEachEngine('migrations and schema.ts', (db) => {
  it('the migrated database has exactly the tables and columns schema.ts declares, null where it says null', async () => {
    const expected = expectedShape(db().engine);
    const actual = await actualShape(db());
    expect(actual).toEqual(expected);
  });

  it('reads both sides (not two empty lists that agree)', async () => {
    const expected = expectedShape(db().engine);
    const actual = await actualShape(db());
    expect(Object.keys(expected).length).toBeGreaterThan(30);
    expect(actual.usage_records).toContain('seq');
    expect(actual.usage_records).toContain('job_ref: null');
    expect(expected.usage_records!.includes('xid')).toBe(db().engine === 'postgres');
  });
});
