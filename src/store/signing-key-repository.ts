// Providers' Ed25519 public keys (raw 32 bytes, base64) and the signed batches kept as evidence.
import type { Kysely } from 'kysely';
import { appendAudit, appendAuditMany, system_actor, type AuditActor } from './audit-repository.js';
import { deliveredDigest, sortIds } from '../domain/integrity/batch-delivery.js';
import type { Connection } from './database.js';
import { newId } from './ids.js';
import type { Database, SigningKeysTable } from './schema.js';
import { lockRows, writeTransaction } from './write-transaction.js';
import type { RefusalParams } from '../domain/refusal.js';

export interface SigningKey {
  id: string;
  provider_id: string;
  label: string;
  public_key: string;
  created_at_ms: number;
  revoked_at_ms: number | null;
}

export interface StoredBatch {
  id: number;
  provider_id: string;
  key_id: string;
  signature: string;
  body: Buffer;
  body_sha256: string;
  received_at_ms: number;
  /** What it stored (null for a batch from before migration 0010, until it is sealed). */
  delivered: { count: number; digest: string; ids: string[] } | null;
  sealed_at_ms: number | null;
}

const record_columns = [
  'record_id',
  'cluster_id',
  'enterprise_id',
  'accelerator_id',
  'count',
  'started_at_ms',
  'ended_at_ms',
  'amount_fen',
  'job_ref',
  'workload',
  'energy_wh',
  'provider_id',
  'batch_id',
] as const;

/** Batches sealed in one transaction at most (the rest in the next). */
export const seal_batches_max = 500;

const parseIds = (text: string): string[] => {
  const v: unknown = JSON.parse(text);
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : [];
};

function toKey(r: SigningKeysTable): SigningKey {
  return {
    id: r.id,
    provider_id: r.provider_id,
    label: r.label,
    public_key: r.public_key,
    created_at_ms: Number(r.created_at_ms),
    revoked_at_ms: r.revoked_at_ms === null ? null : Number(r.revoked_at_ms),
  };
}

export class SigningKeyRepository {
  constructor(private readonly connection: Connection) {}
  private get db(): Kysely<Database> {
    return this.connection.db;
  }

  async create(k: { provider_id: string; label: string; public_key: string }, actor: AuditActor, now_ms: number): Promise<SigningKey> {
    const row: SigningKeysTable = { id: newId('sk'), ...k, created_at_ms: now_ms, revoked_at_ms: null };
    await writeTransaction(this.connection, async (tx, engine) => {
      await tx.insertInto('signing_keys').values(row).execute();
      await appendAudit(tx, engine, actor, { action: 'signing_key.create', subject: { kind: 'signing_key', id: row.id }, after: k }, now_ms);
    });
    return toKey(row);
  }

  async get(id: string): Promise<SigningKey | null> {
    const r = await this.db.selectFrom('signing_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toKey(r) : null;
  }

  /** A provider's keys, or every key; revoked ones included (they still verify what they signed before). */
  async list(provider_id?: string): Promise<SigningKey[]> {
    let q = this.db.selectFrom('signing_keys').selectAll().orderBy('created_at_ms').orderBy('id');
    if (provider_id !== undefined) q = q.where('provider_id', '=', provider_id);
    return (await q.execute()).map(toKey);
  }

  /** The keys a new batch of this provider may be signed with. */
  async active(provider_id: string): Promise<SigningKey[]> {
    const rows = await this.db.selectFrom('signing_keys').selectAll().where('provider_id', '=', provider_id).where('revoked_at_ms', 'is', null).execute();
    return rows.map(toKey);
  }

  async revoke(id: string, actor: AuditActor, now_ms: number): Promise<boolean> {
    return writeTransaction(this.connection, async (tx, engine) => {
      const r = await tx.updateTable('signing_keys').set({ revoked_at_ms: now_ms }).where('id', '=', id).where('revoked_at_ms', 'is', null).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await appendAudit(
        tx,
        engine,
        actor,
        { action: 'signing_key.revoke', subject: { kind: 'signing_key', id }, before: { revoked: false }, after: { revoked: true } },
        now_ms,
      );
      return true;
    });
  }

  /**
   * Whether a batch from this provider naming these enterprises must be signed: the provider registered a key (it
   * cannot fall back to unsigned), or a program that requires signed usage and is still running (window not ended)
   * has the provider or one of the enterprises enrolled. Answers why (the parameters of a signature_required refusal), or null.
   */
  async signatureRequired(provider_id: string, enterprise_ids: readonly string[], now_ms: number): Promise<RefusalParams['signature_required'] | null> {
    const key = await this.db
      .selectFrom('signing_keys')
      .select('id')
      .where('provider_id', '=', provider_id)
      .where('revoked_at_ms', 'is', null)
      .executeTakeFirst();
    if (key) return { reason: 'provider_key' };
    const ids = [provider_id, ...new Set(enterprise_ids)];
    // Every id of the batch, in chunks (a batch may name thousands): one enrolled party anywhere in it requires the signature.
    for (let i = 0; i < ids.length; i += 500) {
      const program = await this.db
        .selectFrom('programs as p')
        .innerJoin('program_enrollments as e', 'e.program_id', 'p.id')
        .select(['p.code', 'e.beneficiary_id'])
        .where('p.requires_signed_usage', '=', 1)
        .where('p.window_end_ms', '>', now_ms)
        .where('e.beneficiary_id', 'in', ids.slice(i, i + 500))
        .orderBy('p.code')
        .executeTakeFirst();
      if (program) return { reason: 'enrolled_party', program_code: program.code, party_id: program.beneficiary_id };
    }
    return null;
  }

  /** Signed batches in id order, a page at a time (for `suanli usage verify`). */
  async *batches(page_rows = 200): AsyncGenerator<StoredBatch> {
    let after = 0;
    for (;;) {
      const rows = await this.db.selectFrom('usage_batches').selectAll().where('id', '>', after).orderBy('id').limit(page_rows).execute();
      for (const r of rows) {
        let delivered: StoredBatch['delivered'] = null;
        if (r.delivered_count !== null || r.delivered_digest !== null || r.delivered_ids !== null) {
          let ids: string[];
          try {
            ids = parseIds(r.delivered_ids ?? '[]');
          } catch {
            ids = [];
          }
          delivered = { count: Number(r.delivered_count ?? -1), digest: r.delivered_digest ?? '', ids };
        }
        yield {
          id: Number(r.id),
          provider_id: r.provider_id,
          key_id: r.key_id,
          signature: r.signature,
          body: Buffer.from(r.body),
          body_sha256: r.body_sha256,
          received_at_ms: Number(r.received_at_ms),
          delivered,
          sealed_at_ms: r.sealed_at_ms === null ? null : Number(r.sealed_at_ms),
        };
      }
      const last = rows[rows.length - 1];
      if (rows.length < page_rows || last === undefined) return;
      after = Number(last.id);
    }
  }

  /**
   * Seals what signed batches delivered into the audit chain: one `usage.batch_sealed` entry per batch (count, digest,
   * body hash), in batch order, and the batch marked sealed — after that an edit of what it delivered, or of the batch
   * row, differs from the chain. A batch from before migration 0010 is sealed with the records that point at it now.
   * Safe from several processes (rows locked; a sealed batch is skipped). Returns how many were sealed.
   */
  async sealBatches(now_ms: number): Promise<number> {
    return writeTransaction(this.connection, async (tx, engine) => {
      const rows = await lockRows(
        tx
          .selectFrom('usage_batches')
          .select(['id', 'provider_id', 'key_id', 'body_sha256', 'delivered_count', 'delivered_digest', 'delivered_ids'])
          .where('sealed_at_ms', 'is', null)
          .orderBy('id')
          .limit(seal_batches_max),
        engine,
      ).execute();
      const events = [];
      for (const r of rows) {
        let count = r.delivered_count;
        let digest = r.delivered_digest;
        if (count === null || digest === null) {
          const ids = sortIds((await tx.selectFrom('usage_records').select('record_id').where('batch_id', '=', r.id).execute()).map((x) => x.record_id));
          count = ids.length;
          digest = deliveredDigest(r.body_sha256, ids);
          await tx
            .updateTable('usage_batches')
            .set({ delivered_count: count, delivered_digest: digest, delivered_ids: JSON.stringify(ids) })
            .where('id', '=', r.id)
            .execute();
        }
        events.push({
          action: 'usage.batch_sealed',
          subject: { kind: 'usage_batch', id: String(r.id) },
          after: { provider_id: r.provider_id, key_id: r.key_id, body_sha256: r.body_sha256, delivered_count: Number(count), delivered_digest: digest },
        });
      }
      if (events.length === 0) return 0;
      await tx
        .updateTable('usage_batches')
        .set({ sealed_at_ms: now_ms })
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .execute();
      await appendAuditMany(tx, engine, system_actor, events, now_ms);
      return events.length;
    });
  }

  /** The stored records that point at a signed batch, as stored now: standing, or superseded by a replacement (kept unchanged). */
  async batchRecords(batch_id: number) {
    const standing = await this.db
      .selectFrom('usage_records')
      .select([...record_columns, 'seq'])
      .where('batch_id', '=', batch_id)
      .execute();
    const superseded = await this.db
      .selectFrom('usage_superseded')
      .select([...record_columns, 'seq'])
      .where('batch_id', '=', batch_id)
      .execute();
    return [...standing, ...superseded].sort((a, b) => Number(a.seq) - Number(b.seq)).map(({ seq: _, ...r }) => r);
  }

  /** A provider's stored records with these ids (whatever batch they point at), as stored now, superseded ones included. */
  async recordsByIds(provider_id: string, ids: readonly string[]) {
    const out = [];
    for (let i = 0; i < ids.length; i += 1000) {
      for (const table of ['usage_records', 'usage_superseded'] as const) {
        out.push(
          ...(await this.db
            .selectFrom(table)
            .select([...record_columns])
            .where('provider_id', '=', provider_id)
            .where('record_id', 'in', ids.slice(i, i + 1000))
            .execute()),
        );
      }
    }
    return out;
  }
}
