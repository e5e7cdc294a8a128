// Clusters of a provider and their inventory intervals (what makes physical-capacity checks possible).
import type { Kysely } from 'kysely';
import { appendAudit, type AuditActor } from './audit-repository.js';
import type { Connection } from './database.js';
import { writeTransaction } from './write-transaction.js';
import type { Cluster, InventoryInterval } from '../domain/org/organization.js';
import type { ClustersTable, Database } from './schema.js';
import { newId } from './ids.js';

export class ClusterRepository {
  constructor(private readonly connection: Connection) {}
  private get db(): Kysely<Database> {
    return this.connection.db;
  }

  /** Creates the cluster with its inventory in one transaction; null when the provider already has that name. */
  async create(
    c: { provider_id: string; name: string; region: string; inventory: InventoryInterval[] },
    actor: AuditActor,
    now_ms: number,
  ): Promise<Cluster | null> {
    const row: ClustersTable = { id: newId('c'), provider_id: c.provider_id, name: c.name, region: c.region, created_at_ms: now_ms };
    return writeTransaction(this.connection, async (trx, engine) => {
      const result = await trx
        .insertInto('clusters')
        .values(row)
        .onConflict((oc) => oc.columns(['provider_id', 'name']).doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) !== 1) return null;
      if (c.inventory.length > 0) {
        await trx
          .insertInto('inventory')
          .values(
            c.inventory.map((i) => ({
              cluster_id: row.id,
              accelerator_id: i.accelerator,
              count: i.count,
              valid_from_ms: i.valid_from_ms,
              valid_to_ms: i.valid_to_ms,
            })),
          )
          .execute();
      }
      await appendAudit(
        trx,
        engine,
        actor,
        {
          action: 'cluster.create',
          subject: { kind: 'cluster', id: row.id },
          after: { provider_id: c.provider_id, name: c.name, region: c.region, inventory: c.inventory },
        },
        now_ms,
      );
      return { ...row, created_at_ms: now_ms, inventory: c.inventory };
    });
  }

  /** Replaces the whole inventory of a cluster atomically. */
  async replaceInventory(cluster_id: string, inventory: InventoryInterval[], actor: AuditActor, now_ms: number): Promise<void> {
    await writeTransaction(this.connection, async (trx, engine) => {
      const before = await trx
        .selectFrom('inventory')
        .select(['accelerator_id', 'count', 'valid_from_ms', 'valid_to_ms'])
        .where('cluster_id', '=', cluster_id)
        .orderBy('accelerator_id')
        .orderBy('valid_from_ms')
        .execute();
      await trx.deleteFrom('inventory').where('cluster_id', '=', cluster_id).execute();
      if (inventory.length > 0) {
        await trx
          .insertInto('inventory')
          .values(
            inventory.map((i) => ({
              cluster_id,
              accelerator_id: i.accelerator,
              count: i.count,
              valid_from_ms: i.valid_from_ms,
              valid_to_ms: i.valid_to_ms,
            })),
          )
          .execute();
      }
      await appendAudit(
        trx,
        engine,
        actor,
        {
          action: 'cluster.inventory',
          subject: { kind: 'cluster', id: cluster_id },
          before: {
            inventory: before.map((b) => ({ accelerator: b.accelerator_id, count: b.count, valid_from_ms: b.valid_from_ms, valid_to_ms: b.valid_to_ms })),
          },
          after: { inventory },
        },
        now_ms,
      );
    });
  }

  async get(id: string): Promise<Cluster | null> {
    const row = await this.db.selectFrom('clusters').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    return (await this.attachInventory([row]))[0] ?? null;
  }

  /** All clusters, or one provider's. */
  async list(provider_id?: string): Promise<Cluster[]> {
    let q = this.db.selectFrom('clusters').selectAll().orderBy('provider_id').orderBy('name');
    if (provider_id !== undefined) q = q.where('provider_id', '=', provider_id);
    return this.attachInventory(await q.execute());
  }

  private async attachInventory(rows: ClustersTable[]): Promise<Cluster[]> {
    if (rows.length === 0) return [];
    const inv = await this.db
      .selectFrom('inventory')
      .selectAll()
      .where(
        'cluster_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('cluster_id')
      .orderBy('accelerator_id')
      .orderBy('valid_from_ms')
      .execute();
    const by = new Map<string, InventoryInterval[]>();
    for (const i of inv) {
      const list = by.get(i.cluster_id) ?? [];
      list.push({
        accelerator: i.accelerator_id,
        count: i.count,
        valid_from_ms: Number(i.valid_from_ms),
        valid_to_ms: i.valid_to_ms === null ? null : Number(i.valid_to_ms),
      });
      by.set(i.cluster_id, list);
    }
    return rows.map((r) => ({
      id: r.id,
      provider_id: r.provider_id,
      name: r.name,
      region: r.region,
      created_at_ms: Number(r.created_at_ms),
      inventory: by.get(r.id) ?? [],
    }));
  }
}
