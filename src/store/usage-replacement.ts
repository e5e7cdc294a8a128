// A replacement of usage records (migration 0013): in one write transaction, the records a provider stored for some
// work move unchanged to usage_superseded and the records that replace them are stored — or nothing happens. Refused
// when a record to replace is no longer stored as the caller read it (someone replaced it first) or is part of a claim
// (a claimed record stands: the office decides on it, not the provider), and when a new id is taken. The rollups lose
// the superseded records and gain the new ones; the windows of both are queued for the incremental checks; one
// `usage.replace` audit entry names both lists.
import { sql } from 'kysely';
import { sameUsageContent, type UsageInput } from '../domain/usage/validate-usage.js';
import { appendAudit, type AuditActor } from './audit-repository.js';
import type { Connection } from './database.js';
import { checkWindows, existingToInput, rollupDeltas, type ExistingRow, type SignedBatch, type UsageRow } from './usage-repository.js';
import { deliveredDigest, sortIds } from '../domain/integrity/batch-delivery.js';
import { lockRows, writeTransaction, type Tx } from './write-transaction.js';

/** PostgreSQL advisory lock key: exclusive for a replacement, shared while a claim takes its records (claim-repository.ts). */
export const usage_replacement_lock = 0x5375_5265; // "SuRe"

export type ReplaceOutcome =
  | { ok: true; replacement_id: number }
  | { ok: false; code: 'conflict' | 'record_claimed'; record_id: string; message: string };

const record_columns = ['seq', 'provider_id', 'record_id', 'cluster_id', 'enterprise_id', 'accelerator_id', 'count', 'started_at_ms', 'ended_at_ms',
  'amount_fen', 'job_ref', 'workload', 'energy_wh', 'card_s', 'compute_gflop', 'received_at_ms', 'batch_id'] as const;

async function addRollups(tx: Tx, provider_id: string, rows: readonly UsageRow[], sign: 1n | -1n): Promise<void> {
  for (const d of rollupDeltas(provider_id, rows)) {
    const records = BigInt(d.records) * sign, card_s = BigInt(d.card_s) * sign, compute = d.compute_gflop * sign, amount = d.amount_fen.total * sign;
    await sql`INSERT INTO usage_rollups (provider_id, enterprise_id, accelerator_id, day, records, card_s, compute_gflop, amount_fen)
      VALUES (${d.provider_id}, ${d.enterprise_id}, ${d.accelerator_id}, ${d.day}, ${records}, ${card_s}, ${compute}, ${amount})
      ON CONFLICT (provider_id, enterprise_id, accelerator_id, day) DO UPDATE SET
        records = usage_rollups.records + excluded.records, card_s = usage_rollups.card_s + excluded.card_s,
        compute_gflop = usage_rollups.compute_gflop + excluded.compute_gflop, amount_fen = usage_rollups.amount_fen + excluded.amount_fen`.execute(tx);
  }
  if (sign < 0n) {
    // a day left with nothing is no day of usage
    await tx.deleteFrom('usage_rollups').where('provider_id', '=', provider_id).where('records', '=', 0).execute();
  }
}

export async function replaceUsage(
  connection: Connection, provider_id: string, replaced: readonly UsageInput[], rows: readonly UsageRow[],
  at_ms: number, reason: string, actor: AuditActor, queue_checks: boolean, signed: SignedBatch | null = null,
): Promise<ReplaceOutcome> {
  return writeTransaction(connection, async (tx, engine) => {
    if (engine === 'postgres') await sql`select pg_advisory_xact_lock(${usage_replacement_lock})`.execute(tx);
    const ids = replaced.map((r) => r.record_id);
    const stored = ids.length === 0 ? [] : await lockRows(tx.selectFrom('usage_records').select([...record_columns])
      .where('provider_id', '=', provider_id).where('record_id', 'in', ids).orderBy('seq'), engine).execute();
    const by_id = new Map(stored.map((s) => [s.record_id, s]));
    for (const r of replaced) {
      const s = by_id.get(r.record_id);
      if (s === undefined || !sameUsageContent(existingToInput(s as unknown as ExistingRow), r)) {
        return { ok: false, code: 'conflict', record_id: r.record_id, message: `record ${r.record_id} is no longer stored as it was read (replaced or changed since)` };
      }
    }
    const seqs = stored.map((s) => Number(s.seq));
    if (seqs.length > 0) {
      const claimed = await tx.selectFrom('claim_records').select('record_seq').where('record_seq', 'in', seqs).executeTakeFirst();
      if (claimed !== undefined) {
        const s = stored.find((x) => Number(x.seq) === Number(claimed.record_seq))!;
        return { ok: false, code: 'record_claimed', record_id: s.record_id, message: `record ${s.record_id} is part of a claim: a claimed record stands until the program office rejects or claws back the claim` };
      }
    }
    const new_ids = rows.map((r) => r.input.record_id);
    // an id is never used twice, superseded records included: a signed batch's records stay findable by id
    for (const table of ['usage_records', 'usage_superseded'] as const) {
      const taken = new_ids.length === 0 ? undefined : await tx.selectFrom(table).select('record_id')
        .where('provider_id', '=', provider_id).where('record_id', 'in', new_ids).executeTakeFirst();
      if (taken !== undefined) return { ok: false, code: 'conflict', record_id: taken.record_id, message: `record_id ${taken.record_id} is already stored` };
    }

    const sorted = (l: readonly string[]) => JSON.stringify([...l].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const rep = await tx.insertInto('usage_replacements').values({ provider_id, at_ms, reason, superseded_ids: sorted(ids), record_ids: sorted(new_ids) })
      .returning('id').executeTakeFirstOrThrow();
    const replacement_id = Number(rep.id);
    if (seqs.length > 0) {
      const columns = record_columns.join(', ');
      const xid = engine === 'postgres' ? sql.raw(', xid') : sql.raw('');
      await sql`INSERT INTO usage_superseded (${sql.raw(columns)}${xid}, replacement_id, superseded_at_ms)
        SELECT ${sql.raw(columns)}${xid}, ${replacement_id}, ${at_ms} FROM usage_records WHERE seq IN (${sql.join(seqs)})`.execute(tx);
      await tx.deleteFrom('usage_records').where('seq', 'in', seqs).execute();
      const old_rows: UsageRow[] = stored.map((s) => ({
        input: existingToInput(s as unknown as ExistingRow),
        derived: { card_s: Number(s.card_s), compute_gflop: s.compute_gflop === null ? null : BigInt(s.compute_gflop) },
      }));
      await addRollups(tx, provider_id, old_rows, -1n);
    }
    // A signed replacement is a signed batch like any other: its body kept, its records pointing at it, what it
    // delivered recorded for the seal (UsageIngest seals it after the commit).
    let batch_id: number | null = null;
    if (signed !== null) {
      const b = await tx.insertInto('usage_batches').values({ provider_id, key_id: signed.key_id, signature: signed.signature, body: signed.body, body_sha256: signed.body_sha256, received_at_ms: at_ms })
        .returning('id').executeTakeFirstOrThrow();
      batch_id = Number(b.id);
      const delivered = sortIds(new_ids);
      await tx.updateTable('usage_batches').set({ delivered_count: delivered.length, delivered_digest: deliveredDigest(signed.body_sha256, delivered), delivered_ids: JSON.stringify(delivered) })
        .where('id', '=', batch_id).execute();
    }
    for (const r of rows) {
      await tx.insertInto('usage_records').values({
        provider_id, record_id: r.input.record_id, cluster_id: r.input.cluster_id, enterprise_id: r.input.enterprise_id, accelerator_id: r.input.accelerator,
        count: r.input.count, started_at_ms: r.input.started_at_ms, ended_at_ms: r.input.ended_at_ms, amount_fen: r.input.amount_fen,
        job_ref: r.input.job_ref, workload: r.input.workload, energy_wh: r.input.energy_wh, card_s: r.derived.card_s,
        compute_gflop: r.derived.compute_gflop, received_at_ms: at_ms, batch_id,
      }).execute();
    }
    await addRollups(tx, provider_id, rows, 1n);
    for (const r of rows) {
      const d = r.input.ended_at_ms - r.input.started_at_ms;
      await sql`INSERT INTO usage_pair_stats (cluster_id, accelerator_id, duration_ms_max) VALUES (${r.input.cluster_id}, ${r.input.accelerator}, ${d})
        ON CONFLICT (cluster_id, accelerator_id) DO UPDATE SET duration_ms_max = ${sql.raw(engine === 'postgres' ? 'GREATEST' : 'max')}(usage_pair_stats.duration_ms_max, excluded.duration_ms_max)`.execute(tx);
    }
    if (queue_checks) {
      for (const w of checkWindows([...replaced, ...rows.map((r) => r.input)])) {
        await tx.insertInto('check_queue').values({ cluster_id: w.cluster_id, accelerator_id: w.accelerator_id, day: w.day }).execute();
      }
    }
    const summary = (l: readonly UsageInput[]) => l.map((r) => ({
      record_id: r.record_id, count: r.count, started_at_ms: r.started_at_ms, ended_at_ms: r.ended_at_ms, amount_fen: r.amount_fen,
    }));
    await appendAudit(tx, engine, actor, {
      action: 'usage.replace', subject: { kind: 'usage_replacement', id: String(replacement_id) },
      before: { provider_id, records: summary(replaced) },
      after: { provider_id, reason, records: summary(rows.map((r) => r.input)), signed: signed === null ? null : { batch_id, key_id: signed.key_id, body_sha256: signed.body_sha256 } },
    }, at_ms);
    return { ok: true, replacement_id };
  });
}
