// Providers' Ed25519 public keys (raw 32 bytes, base64) and the signed batches kept as evidence.
import type { Kysely } from 'kysely';
import { appendAudit, type AuditActor } from './audit-repository.js';
import type { Connection } from './database.js';
import { newId } from './ids.js';
import type { Database, SigningKeysTable } from './schema.js';
import { writeTransaction } from './write-transaction.js';

export interface SigningKey { id: string; provider_id: string; label: string; public_key: string; created_at_ms: number; revoked_at_ms: number | null }

export interface StoredBatch { id: number; provider_id: string; key_id: string; signature: string; body: Buffer; body_sha256: string; received_at_ms: number }

function toKey(r: SigningKeysTable): SigningKey {
  return { id: r.id, provider_id: r.provider_id, label: r.label, public_key: r.public_key, created_at_ms: Number(r.created_at_ms), revoked_at_ms: r.revoked_at_ms === null ? null : Number(r.revoked_at_ms) };
}

export class SigningKeyRepository {
  constructor(private readonly connection: Connection) {}
  private get db(): Kysely<Database> { return this.connection.db; }

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
      await appendAudit(tx, engine, actor, { action: 'signing_key.revoke', subject: { kind: 'signing_key', id }, before: { revoked: false }, after: { revoked: true } }, now_ms);
      return true;
    });
  }

  /**
   * Whether a batch from this provider naming these enterprises must be signed: the provider registered a key (it
   * cannot fall back to unsigned), or a program that requires signed usage and is still running (window not ended)
   * has the provider or one of the enterprises enrolled.
   */
  async signatureRequired(provider_id: string, enterprise_ids: readonly string[], now_ms: number): Promise<{ required: boolean; why: string }> {
    const key = await this.db.selectFrom('signing_keys').select('id').where('provider_id', '=', provider_id).where('revoked_at_ms', 'is', null).executeTakeFirst();
    if (key) return { required: true, why: 'this provider registered a signing key, so its batches must be signed' };
    const ids = [provider_id, ...new Set(enterprise_ids)];
    // Every id of the batch, in chunks (a batch may name thousands): one enrolled party anywhere in it requires the signature.
    for (let i = 0; i < ids.length; i += 500) {
      const program = await this.db.selectFrom('programs as p').innerJoin('program_enrollments as e', 'e.program_id', 'p.id')
        .select(['p.code', 'e.beneficiary_id']).where('p.requires_signed_usage', '=', 1).where('p.window_end_ms', '>', now_ms)
        .where('e.beneficiary_id', 'in', ids.slice(i, i + 500)).orderBy('p.code').executeTakeFirst();
      if (program) return { required: true, why: `program ${program.code} requires signed usage and ${program.beneficiary_id} is enrolled in it` };
    }
    return { required: false, why: '' };
  }

  /** Signed batches in id order, a page at a time (for `suanli usage verify`). */
  async *batches(page_rows = 200): AsyncGenerator<StoredBatch> {
    let after = 0;
    for (;;) {
      const rows = await this.db.selectFrom('usage_batches').selectAll().where('id', '>', after).orderBy('id').limit(page_rows).execute();
      for (const r of rows) {
        yield { id: Number(r.id), provider_id: r.provider_id, key_id: r.key_id, signature: r.signature, body: Buffer.from(r.body), body_sha256: r.body_sha256, received_at_ms: Number(r.received_at_ms) };
      }
      const last = rows[rows.length - 1];
      if (rows.length < page_rows || last === undefined) return;
      after = Number(last.id);
    }
  }

  /** The stored records that a signed batch delivered, as stored now. */
  async batchRecords(batch_id: number) {
    return this.db.selectFrom('usage_records').select(['record_id', 'cluster_id', 'enterprise_id', 'accelerator_id', 'count', 'started_at_ms', 'ended_at_ms',
      'amount_fen', 'job_ref', 'workload', 'energy_wh', 'provider_id']).where('batch_id', '=', batch_id).orderBy('seq').execute();
  }
}
