// The audit log's storage. `appendAudit` runs inside the caller's write transaction, so an entry exists exactly when
// the change it describes was committed; it locks the head row first (FOR UPDATE on PostgreSQL; SQLite's BEGIN
// IMMEDIATE already serializes writers), so appends from several processes queue up and the chain never forks.
import type { Kysely } from 'kysely';
import { appendEntry, ChainVerifier, GENESIS_PREV_HASH, type AuditActor, type AuditEntry, type AuditJson, type ChainVerdict } from '../domain/audit/chain.js';
import type { Connection } from './database.js';
import type { Engine } from './engine.js';
import type { AuditLogTable, Database } from './schema.js';
import { lockRows, type Tx } from './write-transaction.js';

export type { AuditActor };

/** Changes made by the server itself (migrations seeding the catalog, the incremental checker). */
export const system_actor: AuditActor = { org_id: null, key_id: null, role: 'system' };
/** Changes made by an operator at the command line (`suanli program apply`, `suanli keys create`, …). */
export const operator_actor: AuditActor = { org_id: null, key_id: null, role: 'operator' };

export interface AuditEvent {
  action: string;
  subject: { kind: string; id: string };
  before?: unknown;
  after?: unknown;
}

/**
 * A summary value as the canonical encoding accepts it: integers stay numbers; other numbers and bigints become
 * strings (exact, no float ever hashed); undefined members are left out; Dates become ISO strings.
 */
export function toAuditJson(value: unknown, depth = 0): AuditJson {
  if (depth > 16) return '…';
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      return Number.isSafeInteger(value) ? (Object.is(value, -0) ? 0 : value) : String(value);
    case 'bigint':
      return Number.isSafeInteger(Number(value)) && BigInt(Number(value)) === value ? Number(value) : value.toString();
    case 'object': {
      if (value instanceof Date) return value.toISOString();
      if (Array.isArray(value)) return value.map((v) => toAuditJson(v, depth + 1));
      const out: { [key: string]: AuditJson } = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v !== undefined && typeof v !== 'function') out[k] = toAuditJson(v, depth + 1);
      }
      return out;
    }
    default:
      return String(value);
  }
}

/** Appends one entry for a change made in `tx`; call it last in the transaction (the head lock is then held briefly). */
export async function appendAudit(tx: Tx, engine: Engine, actor: AuditActor, event: AuditEvent, at_ms: number): Promise<AuditEntry> {
  return (await appendAuditMany(tx, engine, actor, [event], at_ms))[0]!;
}

/** Rows per multi-row INSERT of entries (12 parameters a row, under SQLite's 32,766). */
const insert_entries_rows_max = 1000;

/** Appends entries for several changes made in `tx`, in order: one head lock, multi-row inserts, one head move. */
export async function appendAuditMany(tx: Tx, engine: Engine, actor: AuditActor, events: readonly AuditEvent[], at_ms: number): Promise<AuditEntry[]> {
  if (events.length === 0) return [];
  const head = await lockRows(tx.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1), engine).executeTakeFirst();
  if (!head) throw new Error('audit_head is missing: the database was not migrated');
  let prev: Pick<AuditEntry, 'seq' | 'hash'> | null = Number(head.seq) === 0 ? null : { seq: Number(head.seq), hash: head.hash };
  const entries: AuditEntry[] = [];
  const rows: AuditLogTable[] = [];
  for (const event of events) {
    const before = event.before === undefined ? null : toAuditJson(event.before);
    const after = event.after === undefined ? null : toAuditJson(event.after);
    const entry = appendEntry(prev, { at_ms, actor, action: event.action, subject: event.subject, before, after });
    entries.push(entry);
    rows.push({
      seq: entry.seq,
      at_ms,
      actor_org_id: actor.org_id,
      actor_key_id: actor.key_id,
      actor_role: actor.role,
      action: entry.action,
      subject_kind: entry.subject.kind,
      subject_id: entry.subject.id,
      before_json: before === null ? null : JSON.stringify(before),
      after_json: after === null ? null : JSON.stringify(after),
      prev_hash: entry.prev_hash,
      hash: entry.hash,
    });
    prev = entry;
  }
  for (let i = 0; i < rows.length; i += insert_entries_rows_max)
    await tx
      .insertInto('audit_log')
      .values(rows.slice(i, i + insert_entries_rows_max))
      .execute();
  const last = entries[entries.length - 1]!;
  await tx.updateTable('audit_head').set({ seq: last.seq, hash: last.hash }).where('id', '=', 1).execute();
  return entries;
}

export interface AuditFilter {
  subject_kind?: string;
  subject_id?: string;
  action?: string;
  actor_org_id?: string;
  after_seq?: number;
}

/** A stored row as the chain sees it; a value that is not JSON any more (tampered) makes the entry fail its hash. */
export function toAuditEntry(r: AuditLogTable): AuditEntry {
  const parse = (text: string | null): AuditJson | null => {
    if (text === null) return null;
    try {
      return JSON.parse(text) as AuditJson;
    } catch {
      return `(not JSON: ${text.slice(0, 40)})`;
    }
  };
  return {
    seq: Number(r.seq),
    at_ms: Number(r.at_ms),
    actor: { org_id: r.actor_org_id, key_id: r.actor_key_id, role: r.actor_role },
    action: r.action,
    subject: { kind: r.subject_kind, id: r.subject_id },
    before: parse(r.before_json),
    after: parse(r.after_json),
    prev_hash: r.prev_hash,
    hash: r.hash,
  };
}

const verify_page_rows = 5000;

export class AuditRepository {
  constructor(private readonly connection: Connection) {}
  private get db(): Kysely<Database> {
    return this.connection.db;
  }

  async list(filter: AuditFilter, limit: number): Promise<AuditEntry[]> {
    let q = this.db.selectFrom('audit_log').selectAll().orderBy('seq').limit(limit);
    if (filter.subject_kind !== undefined) q = q.where('subject_kind', '=', filter.subject_kind);
    if (filter.subject_id !== undefined) q = q.where('subject_id', '=', filter.subject_id);
    if (filter.action !== undefined) q = q.where('action', '=', filter.action);
    if (filter.actor_org_id !== undefined) q = q.where('actor_org_id', '=', filter.actor_org_id);
    if (filter.after_seq !== undefined) q = q.where('seq', '>', filter.after_seq);
    return (await q.execute()).map(toAuditEntry);
  }

  /** The newest entry as the head row records it (seq 0: the chain is empty). */
  async head(): Promise<{ seq: number; hash: string }> {
    const row = await this.db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst();
    return row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: GENESIS_PREV_HASH };
  }

  /** The stored entry with this seq (its hash as stored), or null. */
  async entryAt(seq: number): Promise<{ seq: number; hash: string } | null> {
    const r = await this.db.selectFrom('audit_log').select(['seq', 'hash']).where('seq', '=', seq).executeTakeFirst();
    return r ? { seq: Number(r.seq), hash: r.hash } : null;
  }

  /** Every stored entry in seq order, a page at a time. */
  async *entries(): AsyncGenerator<AuditEntry> {
    let after = Number.MIN_SAFE_INTEGER;
    for (;;) {
      const rows = await this.db.selectFrom('audit_log').selectAll().where('seq', '>', after).orderBy('seq').limit(verify_page_rows).execute();
      for (const r of rows) yield toAuditEntry(r);
      const last = rows[rows.length - 1];
      if (rows.length < verify_page_rows || last === undefined) return;
      after = Number(last.seq);
    }
  }

  /**
   * Walks the whole chain against the head row. Rows are read in stored seq order; an entry whose seq was changed
   * is caught by its hash (seq is hashed). `onProgress` is called every page with the entries read so far.
   */
  async verify(onProgress?: (read: number) => void): Promise<ChainVerdict & { head: { seq: number; hash: string } }> {
    const head = await this.head();
    const verifier = new ChainVerifier(head.seq === 0 ? null : head);
    let read = 0;
    for await (const entry of this.entries()) {
      read++;
      if (verifier.push(entry) !== null) break;
      if (read % verify_page_rows === 0) onProgress?.(read);
    }
    const verdict = verifier.finish();
    if (verdict.ok && head.seq === 0 && verdict.entries > 0) {
      return {
        ok: false,
        first_bad_seq: 1,
        problem: 'edited',
        message: 'the head row says the chain is empty, but entries are stored: the head was reset',
        head,
      };
    }
    return { ...verdict, head };
  }
}
