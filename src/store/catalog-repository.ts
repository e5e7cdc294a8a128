// The accelerator catalog: seeded from catalog/accelerators.csv on migrate, corrected and extended by administrators.
import { sql, type Kysely } from 'kysely';
import type { AcceleratorModel } from '../domain/catalog/accelerator.js';
import { acceleratorThroughput } from '../domain/catalog/accelerator.js';
import type { AcceleratorsTable, Database } from './schema.js';
import { appendAudit, system_actor, type AuditActor } from './audit-repository.js';
import type { Connection } from './database.js';
import { writeTransaction } from './write-transaction.js';
import { readFenSum, sumFen } from './exact-sum.js';

type Row = AcceleratorsTable;

function toModel(row: Pick<Row, keyof AcceleratorModel>): AcceleratorModel {
  return {
    id: row.id,
    vendor: row.vendor,
    model: row.model,
    domestic: row.domestic === 1,
    year: row.year,
    process_nm: row.process_nm,
    fp32_tflops: row.fp32_tflops,
    bf16_tflops_dense: row.bf16_tflops_dense,
    fp16_tflops_dense: row.fp16_tflops_dense,
    int8_tops_dense: row.int8_tops_dense,
    memory_gb: row.memory_gb,
    memory_type: row.memory_type,
    memory_bw_gbs: row.memory_bw_gbs,
    tdp_w: row.tdp_w,
    comparable_to: row.comparable_to,
    verified: row.verified as AcceleratorModel['verified'],
    notes: row.notes,
    source: row.source,
  };
}

function toRow(m: AcceleratorModel, now_ms: number): Row {
  const t = acceleratorThroughput(m);
  return {
    ...m,
    domestic: m.domestic ? 1 : 0,
    dense_gflops: t?.gflops ?? null,
    dense_basis: t?.basis ?? null,
    updated_at_ms: now_ms,
  };
}

export class CatalogRepository {
  constructor(private readonly connection: Connection) {}
  private get db(): Kysely<Database> {
    return this.connection.db;
  }

  /** Inserts the models that are not there yet; an administrator's corrections are never overwritten. */
  async seed(models: readonly AcceleratorModel[], now_ms: number): Promise<number> {
    if (models.length === 0) return 0;
    return writeTransaction(this.connection, async (tx, engine) => {
      const inserted = await tx
        .insertInto('accelerators')
        .values(models.map((m) => toRow(m, now_ms)))
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .execute();
      if (inserted.length > 0) {
        await appendAudit(
          tx,
          engine,
          system_actor,
          { action: 'catalog.seed', subject: { kind: 'catalog', id: 'accelerators.csv' }, after: { added: inserted.map((r) => r.id).sort() } },
          now_ms,
        );
      }
      return inserted.length;
    });
  }

  async list(filter: { domestic?: boolean; vendor?: string }): Promise<AcceleratorModel[]> {
    let q = this.db.selectFrom('accelerators').selectAll().orderBy('id');
    if (filter.domestic !== undefined) q = q.where('domestic', '=', filter.domestic ? 1 : 0);
    if (filter.vendor !== undefined) q = q.where('vendor', '=', filter.vendor);
    return (await q.execute()).map(toModel);
  }

  async get(id: string): Promise<AcceleratorModel | null> {
    const row = await this.db.selectFrom('accelerators').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toModel(row) : null;
  }

  /** false when the id is taken. */
  async create(model: AcceleratorModel, actor: AuditActor, now_ms: number): Promise<boolean> {
    return writeTransaction(this.connection, async (tx, engine) => {
      const result = await tx
        .insertInto('accelerators')
        .values(toRow(model, now_ms))
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
      await appendAudit(tx, engine, actor, { action: 'catalog.create', subject: { kind: 'accelerator', id: model.id }, after: model }, now_ms);
      return true;
    });
  }

  async replace(model: AcceleratorModel, actor: AuditActor, now_ms: number): Promise<boolean> {
    const { id, ...rest } = toRow(model, now_ms);
    return writeTransaction(this.connection, async (tx, engine) => {
      const before = await tx.selectFrom('accelerators').selectAll().where('id', '=', id).executeTakeFirst();
      if (!before) return false;
      await tx.updateTable('accelerators').set(rest).where('id', '=', id).execute();
      await appendAudit(tx, engine, actor, { action: 'catalog.replace', subject: { kind: 'accelerator', id }, before: toModel(before), after: model }, now_ms);
      return true;
    });
  }

  /** Sets (or replaces) a model's reference price per card-hour, with where it comes from. */
  async setReferencePrice(accelerator_id: string, fen_per_card_h: number, source: string, actor: AuditActor, now_ms: number): Promise<void> {
    await writeTransaction(this.connection, async (tx, engine) => {
      const before = await tx
        .selectFrom('reference_prices')
        .select(['fen_per_card_h', 'source'])
        .where('accelerator_id', '=', accelerator_id)
        .executeTakeFirst();
      await tx
        .insertInto('reference_prices')
        .values({ accelerator_id, fen_per_card_h, source, updated_at_ms: now_ms })
        .onConflict((oc) => oc.column('accelerator_id').doUpdateSet({ fen_per_card_h, source, updated_at_ms: now_ms }))
        .execute();
      await appendAudit(
        tx,
        engine,
        actor,
        { action: 'catalog.reference_price', subject: { kind: 'accelerator', id: accelerator_id }, before: before ?? null, after: { fen_per_card_h, source } },
        now_ms,
      );
    });
  }

  /** false when the model had no reference price. */
  async removeReferencePrice(accelerator_id: string, actor: AuditActor, now_ms: number): Promise<boolean> {
    return writeTransaction(this.connection, async (tx, engine) => {
      const before = await tx
        .selectFrom('reference_prices')
        .select(['fen_per_card_h', 'source'])
        .where('accelerator_id', '=', accelerator_id)
        .executeTakeFirst();
      if (!before) return false;
      await tx.deleteFrom('reference_prices').where('accelerator_id', '=', accelerator_id).execute();
      await appendAudit(
        tx,
        engine,
        actor,
        { action: 'catalog.reference_price', subject: { kind: 'accelerator', id: accelerator_id }, before, after: null },
        now_ms,
      );
      return true;
    });
  }

  async referencePrices(): Promise<{ accelerator_id: string; fen_per_card_h: number; source: string; updated_at_ms: number }[]> {
    const rows = await this.db.selectFrom('reference_prices').selectAll().orderBy('accelerator_id').execute();
    return rows.map((r) => ({
      accelerator_id: r.accelerator_id,
      fen_per_card_h: Number(r.fen_per_card_h),
      source: r.source,
      updated_at_ms: Number(r.updated_at_ms),
    }));
  }

  /**
   * The market price per card-hour of each model over all stored usage (from the daily rollups): total billed / total
   * card-hours, rounded down, with how many providers and records it rests on.
   */
  async marketPrices(): Promise<{ accelerator_id: string; fen_per_card_h: number; providers: number; records: number }[]> {
    const rows = await this.db
      .selectFrom('usage_rollups')
      .select((eb) => [
        'accelerator_id',
        sumFen(this.connection.engine, sql.ref('amount_fen')).as('amount'),
        eb.fn.sum<string | number | bigint>('card_s').as('card_s'),
        eb.fn.count<string | number>('provider_id').distinct().as('providers'),
        eb.fn.sum<string | number | bigint>('records').as('records'),
      ])
      .groupBy('accelerator_id')
      .orderBy('accelerator_id')
      .execute();
    return rows
      .filter((r) => BigInt(r.card_s ?? 0) > 0n)
      .map((r) => ({
        accelerator_id: r.accelerator_id,
        fen_per_card_h: Number((readFenSum(r.amount) * 3600n) / BigInt(r.card_s)),
        providers: Number(r.providers),
        records: Number(r.records),
      }));
  }

  /** id → dense GFLOPS (null: counts card-hours only) and board power, for ingest and summaries. */
  async throughputs(): Promise<Map<string, { gflops: number | null; domestic: boolean; vendor: string; tdp_w: number | null }>> {
    const rows = await this.db.selectFrom('accelerators').select(['id', 'dense_gflops', 'domestic', 'vendor', 'tdp_w']).execute();
    return new Map(
      rows.map((r) => [
        r.id,
        { gflops: r.dense_gflops === null ? null : Number(r.dense_gflops), domestic: r.domestic === 1, vendor: r.vendor, tdp_w: r.tdp_w },
      ]),
    );
  }
}
