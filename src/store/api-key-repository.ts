// API keys: only a SHA-256 of each key is stored (keys carry 256 random bits, so a fast hash is enough).
import type { Kysely } from 'kysely';
import { appendAudit, type AuditActor } from './audit-repository.js';
import type { Connection } from './database.js';
import { writeTransaction } from './write-transaction.js';
import type { Role } from '../domain/org/organization.js';
import type { Database } from './schema.js';
import { newId } from './ids.js';

export interface ApiKey {
  id: string;
  org_id: string;
  role: Role;
  label: string;
  key_prefix: string;
  created_at_ms: number;
  revoked_at_ms: number | null;
}

export class ApiKeyRepository {
  constructor(private readonly connection: Connection) {}
  private get db(): Kysely<Database> {
    return this.connection.db;
  }

  async create(k: { org_id: string; role: Role; label: string; key_hash: string; key_prefix: string }, actor: AuditActor, now_ms: number): Promise<ApiKey> {
    const row = { id: newId('k'), ...k, created_at_ms: now_ms, revoked_at_ms: null };
    await writeTransaction(this.connection, async (tx, engine) => {
      await tx.insertInto('api_keys').values(row).execute();
      // The key's hash is never audited: the prefix identifies it.
      await appendAudit(
        tx,
        engine,
        actor,
        {
          action: 'api_key.create',
          subject: { kind: 'api_key', id: row.id },
          after: { org_id: k.org_id, role: k.role, label: k.label, key_prefix: k.key_prefix },
        },
        now_ms,
      );
    });
    return { id: row.id, org_id: row.org_id, role: row.role, label: row.label, key_prefix: row.key_prefix, created_at_ms: now_ms, revoked_at_ms: null };
  }

  /** The active key with this hash, if any. */
  async findActive(key_hash: string): Promise<ApiKey | null> {
    const row = await this.db
      .selectFrom('api_keys')
      .select(['id', 'org_id', 'role', 'label', 'key_prefix', 'created_at_ms', 'revoked_at_ms'])
      .where('key_hash', '=', key_hash)
      .where('revoked_at_ms', 'is', null)
      .executeTakeFirst();
    return row ? { ...row, created_at_ms: Number(row.created_at_ms), revoked_at_ms: null } : null;
  }

  async list(): Promise<ApiKey[]> {
    const rows = await this.db
      .selectFrom('api_keys')
      .select(['id', 'org_id', 'role', 'label', 'key_prefix', 'created_at_ms', 'revoked_at_ms'])
      .orderBy('created_at_ms')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ ...r, created_at_ms: Number(r.created_at_ms), revoked_at_ms: r.revoked_at_ms === null ? null : Number(r.revoked_at_ms) }));
  }

  /** false when there is no such active key. */
  async revoke(id: string, actor: AuditActor, now_ms: number): Promise<boolean> {
    return writeTransaction(this.connection, async (tx, engine) => {
      const r = await tx.updateTable('api_keys').set({ revoked_at_ms: now_ms }).where('id', '=', id).where('revoked_at_ms', 'is', null).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await appendAudit(
        tx,
        engine,
        actor,
        { action: 'api_key.revoke', subject: { kind: 'api_key', id }, before: { revoked: false }, after: { revoked: true } },
        now_ms,
      );
      return true;
    });
  }

  async hasActiveAdministrator(): Promise<boolean> {
    const row = await this.db.selectFrom('api_keys').select('id').where('role', '=', 'administrator').where('revoked_at_ms', 'is', null).executeTakeFirst();
    return row !== undefined;
  }
}
