// Organizations: the program office, compute providers and enterprises.
import { sql, type Kysely } from 'kysely';
import { appendAudit, system_actor, type AuditActor } from './audit-repository.js';
import type { Connection } from './database.js';
import { writeTransaction } from './write-transaction.js';
import type { EnterpriseSize, Organization, OrganizationKind } from '../domain/org/organization.js';
import type { Database, OrganizationsTable } from './schema.js';
import { newId } from './ids.js';

const prefix = { office: 'o', provider: 'p', enterprise: 'e' } as const;

function toOrganization(row: OrganizationsTable): Organization {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    credit_code: row.credit_code,
    region: row.region,
    sector: row.sector,
    size: row.size as EnterpriseSize | null,
    categories: JSON.parse(row.categories) as string[],
    created_at_ms: Number(row.created_at_ms),
  };
}

export interface NewOrganization {
  kind: OrganizationKind;
  name: string;
  credit_code?: string | null;
  region?: string | null;
  sector?: string | null;
  size?: EnterpriseSize | null;
  categories?: string[];
}

export interface OrganizationFilter {
  kind?: OrganizationKind;
  /** name contains this, case-insensitively (ASCII letters on SQLite, whose lower() folds only those) */
  name_contains?: string;
  /** tenancy: only this organization */
  only_id?: string;
  /** the cursor: organizations after this id */
  after_id?: string;
}

/** `s` matched literally by LIKE … ESCAPE '!'. */
const likeLiteral = (s: string) => s.replace(/[!%_]/g, (c) => `!${c}`);

export class OrganizationRepository {
  constructor(private readonly connection: Connection) {}
  private get db(): Kysely<Database> {
    return this.connection.db;
  }

  /** Returns null when the credit code is already registered. */
  async create(org: NewOrganization, actor: AuditActor, now_ms: number): Promise<Organization | null> {
    const row: OrganizationsTable = {
      id: newId(prefix[org.kind]),
      kind: org.kind,
      name: org.name,
      credit_code: org.credit_code ?? null,
      region: org.region ?? null,
      sector: org.sector ?? null,
      size: org.size ?? null,
      categories: JSON.stringify([...new Set(org.categories ?? [])].sort()),
      created_at_ms: now_ms,
    };
    return writeTransaction(this.connection, async (tx, engine) => {
      const result = await tx
        .insertInto('organizations')
        .values(row)
        .onConflict((oc) => oc.column('credit_code').doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) !== 1) return null;
      const created = toOrganization(row);
      const { id, created_at_ms: _, ...after } = created;
      await appendAudit(tx, engine, actor, { action: 'organization.create', subject: { kind: 'organization', id }, after }, now_ms);
      return created;
    });
  }

  async get(id: string): Promise<Organization | null> {
    const row = await this.db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toOrganization(row) : null;
  }

  async list(kind: OrganizationKind, only_id?: string): Promise<Organization[]> {
    let q = this.db.selectFrom('organizations').selectAll().where('kind', '=', kind).orderBy('name').orderBy('id');
    if (only_id !== undefined) q = q.where('id', '=', only_id);
    return (await q.execute()).map(toOrganization);
  }

  /** A page in id order (stable: ids never change, organizations are never deleted), filtered. */
  async page(filter: OrganizationFilter, limit: number): Promise<Organization[]> {
    let q = this.db.selectFrom('organizations').selectAll().orderBy('id').limit(limit);
    if (filter.kind !== undefined) q = q.where('kind', '=', filter.kind);
    if (filter.only_id !== undefined) q = q.where('id', '=', filter.only_id);
    if (filter.after_id !== undefined) q = q.where('id', '>', filter.after_id);
    if (filter.name_contains !== undefined) {
      const pattern = `%${likeLiteral(filter.name_contains.toLowerCase())}%`;
      q = q.where(sql<boolean>`lower(name) like ${pattern} escape '!'`);
    }
    return (await q.execute()).map(toOrganization);
  }

  /** The subset of ids that are enterprises. */
  async existingEnterprises(ids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db
        .selectFrom('organizations')
        .select('id')
        .where('kind', '=', 'enterprise')
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const r of rows) found.add(r.id);
    }
    return found;
  }

  /** The one office organization administrators and auditors belong to, created on first use. */
  async office(now_ms: number): Promise<Organization> {
    const existing = await this.list('office');
    if (existing[0]) return existing[0];
    const created = await this.create({ kind: 'office', name: 'Program office' }, system_actor, now_ms);
    if (!created) throw new Error('could not create the office organization');
    return created;
  }
}
