// API keys: only a SHA-256 of each key is stored (keys carry 256 random bits, so a fast hash is enough).
import type { Kysely } from 'kysely';
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
  constructor(private readonly db: Kysely<Database>) {}

  async create(k: { org_id: string; role: Role; label: string; key_hash: string; key_prefix: string }, now_ms: number): Promise<ApiKey> {
    const row = { id: newId('k'), ...k, created_at_ms: now_ms, revoked_at_ms: null };
    await this.db.insertInto('api_keys').values(row).execute();
    return { id: row.id, org_id: row.org_id, role: row.role, label: row.label, key_prefix: row.key_prefix, created_at_ms: now_ms, revoked_at_ms: null };
  }

  /** The active key with this hash, if any. */
  async findActive(key_hash: string): Promise<ApiKey | null> {
    const row = await this.db.selectFrom('api_keys').select(['id', 'org_id', 'role', 'label', 'key_prefix', 'created_at_ms', 'revoked_at_ms'])
      .where('key_hash', '=', key_hash).where('revoked_at_ms', 'is', null).executeTakeFirst();
    return row ? { ...row, created_at_ms: Number(row.created_at_ms), revoked_at_ms: null } : null;
  }

  async list(): Promise<ApiKey[]> {
    const rows = await this.db.selectFrom('api_keys').select(['id', 'org_id', 'role', 'label', 'key_prefix', 'created_at_ms', 'revoked_at_ms'])
      .orderBy('created_at_ms').orderBy('id').execute();
    return rows.map((r) => ({ ...r, created_at_ms: Number(r.created_at_ms), revoked_at_ms: r.revoked_at_ms === null ? null : Number(r.revoked_at_ms) }));
  }

  /** false when there is no such active key. */
  async revoke(id: string, now_ms: number): Promise<boolean> {
    const r = await this.db.updateTable('api_keys').set({ revoked_at_ms: now_ms }).where('id', '=', id)
      .where('revoked_at_ms', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async hasActiveAdministrator(): Promise<boolean> {
    const row = await this.db.selectFrom('api_keys').select('id').where('role', '=', 'administrator')
      .where('revoked_at_ms', 'is', null).executeTakeFirst();
    return row !== undefined;
  }
}
