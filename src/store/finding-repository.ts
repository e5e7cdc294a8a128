// Integrity findings: stored once per deterministic key (a re-run never duplicates one, never reopens a dismissed
// one), listed with filters and a cursor, resolved by the office; and the usage reads the checks stream over.
import { sql, type Kysely } from 'kysely';
import { findingKey, type Finding, type FindingKind, type FindingSeverity, type Json } from '../domain/integrity/finding.js';
import type { DuplicateRecord } from '../domain/integrity/duplicates.js';
import type { PriceRecord } from '../domain/integrity/price.js';
import type { Database, FindingsTable } from './schema.js';
import { newId } from './ids.js';
import { appendAudit, appendAuditMany, type AuditActor, type AuditEvent } from './audit-repository.js';
import type { Connection } from './database.js';
import { writeTransaction } from './write-transaction.js';
import { scanCapacity, SqliteCapacityReader, type ScannedRecord } from './capacity-records.js';

/** superseded: an open capacity overrun that a later check found larger (the larger one replaces it). */
export const finding_statuses = ['open', 'dismissed', 'confirmed', 'superseded'] as const;
export type FindingStatus = (typeof finding_statuses)[number];

export interface StoredFinding extends Finding {
  id: string;
  key: string;
  status: FindingStatus;
  created_at_ms: number;
  updated_at_ms: number;
  resolution_reason: string | null;
  /** The API key id (or the operator) that dismissed or confirmed it. */
  resolved_by: string | null;
}

export interface FindingFilter {
  status?: FindingStatus;
  kind?: FindingKind;
  severity?: FindingSeverity;
  /** Only findings naming this usage record. */
  record_seq?: number;
  /** Only findings naming a record this claim holds. */
  claim_id?: string;
  /** next_cursor of the previous page. */
  cursor?: string;
  limit: number;
}

export type ResolveOutcome = { status: 'resolved'; finding: StoredFinding } | { status: 'not_found' } | { status: 'illegal_transition'; state: FindingStatus };

/** Rows per multi-row INSERT: 14 parameters a finding stays well under SQLite's 32,766. */
const insert_findings_rows_max = 500;
const insert_seqs_rows_max = 5000;

const cursorOf = (f: { created_at_ms: number; id: string }) => `${f.created_at_ms}.${f.id}`;

function parseCursor(cursor: string): { created_at_ms: number; id: string } | null {
  const m = /^(\d{1,16})\.([a-z0-9_]{1,64})$/.exec(cursor);
  return m ? { created_at_ms: Number(m[1]), id: m[2]! } : null;
}

export class FindingRepository {
  private readonly reader: SqliteCapacityReader | null;

  constructor(private readonly connection: Connection) {
    this.reader = connection.sqlite === null ? null : new SqliteCapacityReader(connection.sqlite.name);
  }
  private get db(): Kysely<Database> {
    return this.connection.db;
  }

  /** Stops the capacity reader thread (SQLite). */
  async close(): Promise<void> {
    await this.reader?.close();
  }

  /**
   * Stores the findings whose key is new, with their records, in one transaction; answers how many were new.
   * A finding already stored under its key is left as it is, whatever its status.
   */
  async upsert(findings: readonly Finding[], actor: AuditActor, now_ms: number): Promise<number> {
    const by_key = new Map<string, Finding>();
    for (const f of findings) by_key.set(findingKey(f), f);
    if (by_key.size === 0) return 0;
    const rows = [...by_key.entries()].map(([key, f]): FindingsTable => ({
      id: newId('fnd'),
      key,
      kind: f.kind,
      severity: f.severity,
      status: 'open',
      subject: JSON.stringify(f.subject),
      message: f.message,
      evidence: JSON.stringify(f.evidence),
      interval_from_ms: f.interval?.from_ms ?? null,
      interval_to_ms: f.interval?.to_ms ?? null,
      created_at_ms: now_ms,
      updated_at_ms: now_ms,
      resolution_reason: null,
      resolved_by: null,
    }));
    return writeTransaction(this.connection, async (trx, engine) => {
      let created = 0;
      const audit: AuditEvent[] = [];
      for (let i = 0; i < rows.length; i += insert_findings_rows_max) {
        const chunk = rows.slice(i, i + insert_findings_rows_max);
        const inserted = await trx
          .insertInto('findings')
          .values(chunk)
          .onConflict((oc) => oc.column('key').doNothing())
          .returning(['id', 'key'])
          .execute();
        created += inserted.length;
        const seqs = inserted.flatMap((r) => [...new Set(by_key.get(r.key)!.record_seqs)].map((record_seq) => ({ finding_id: r.id, record_seq })));
        for (let j = 0; j < seqs.length; j += insert_seqs_rows_max) {
          await trx
            .insertInto('finding_records')
            .values(seqs.slice(j, j + insert_seqs_rows_max))
            .execute();
        }
        for (const r of inserted) {
          const f = by_key.get(r.key)!;
          audit.push({
            action: 'finding.create',
            subject: { kind: 'finding', id: r.id },
            after: { key: r.key, kind: f.kind, severity: f.severity, subject: f.subject, records: f.record_seqs.length, interval: f.interval },
          });
        }
      }
      await appendAuditMany(trx, engine, actor, audit, now_ms);
      return created;
    });
  }

  /** A page in creation order (oldest first); next_cursor is null on the last page. */
  async list(filter: FindingFilter): Promise<{ items: StoredFinding[]; next_cursor: string | null }> {
    let q = this.db.selectFrom('findings').selectAll().orderBy('created_at_ms').orderBy('id').limit(filter.limit);
    if (filter.status !== undefined) q = q.where('status', '=', filter.status);
    if (filter.kind !== undefined) q = q.where('kind', '=', filter.kind);
    if (filter.severity !== undefined) q = q.where('severity', '=', filter.severity);
    if (filter.record_seq !== undefined) {
      const seq = filter.record_seq;
      q = q.where('id', 'in', (eb) => eb.selectFrom('finding_records').select('finding_id').where('record_seq', '=', seq));
    }
    if (filter.claim_id !== undefined) {
      const claim_id = filter.claim_id;
      q = q.where('id', 'in', (eb) =>
        eb
          .selectFrom('finding_records as fr')
          .innerJoin('claim_records as cr', 'cr.record_seq', 'fr.record_seq')
          .select('fr.finding_id')
          .where('cr.claim_id', '=', claim_id),
      );
    }
    if (filter.cursor !== undefined) {
      const c = parseCursor(filter.cursor);
      if (c === null) return { items: [], next_cursor: null };
      q = q.where((eb) => eb.or([eb('created_at_ms', '>', c.created_at_ms), eb.and([eb('created_at_ms', '=', c.created_at_ms), eb('id', '>', c.id)])]));
    }
    const items = await this.withSeqs(await q.execute());
    const last = items[items.length - 1];
    return { items, next_cursor: items.length === filter.limit && last ? cursorOf(last) : null };
  }

  async get(id: string): Promise<StoredFinding | null> {
    const row = await this.db.selectFrom('findings').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? ((await this.withSeqs([row]))[0] ?? null) : null;
  }

  /** open → dismissed | confirmed, with the reason and who decided; any other state is an illegal transition. */
  async resolve(id: string, to: 'dismissed' | 'confirmed', reason: string, actor: AuditActor, now_ms: number): Promise<ResolveOutcome> {
    const resolved_by = actor.key_id ?? actor.role ?? 'unknown';
    const result = await writeTransaction(this.connection, async (tx, engine) => {
      const updated = await tx
        .updateTable('findings')
        .set({ status: to, resolution_reason: reason, resolved_by, updated_at_ms: now_ms })
        .where('id', '=', id)
        .where('status', '=', 'open')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 1) {
        await appendAudit(
          tx,
          engine,
          actor,
          {
            action: to === 'dismissed' ? 'finding.dismiss' : 'finding.confirm',
            subject: { kind: 'finding', id },
            before: { status: 'open' },
            after: { status: to, reason },
          },
          now_ms,
        );
      }
      return updated;
    });
    const finding = await this.get(id);
    if (finding === null) return { status: 'not_found' };
    if (Number(result.numUpdatedRows) !== 1) return { status: 'illegal_transition', state: finding.status };
    return { status: 'resolved', finding };
  }

  /**
   * Marks superseded the open capacity overruns of a cluster × model that meet `window` and lie inside `read` — the range
   * just swept, exact inside — but that the sweep did not find again (`kept`: the keys of every overrun it found
   * meeting the window): more usage made them part of a larger overrun.
   */
  async supersedeCapacity(
    cluster_id: string,
    accelerator: string,
    window: { from_ms: number; to_ms: number },
    read: { from_ms: number; to_ms: number },
    kept: ReadonlySet<string>,
    actor: AuditActor,
    now_ms: number,
  ): Promise<number> {
    const from_ms = read.from_ms;
    const to_ms = read.to_ms;
    const subject = JSON.stringify({ cluster_id, accelerator });
    const stale = (
      await this.db
        .selectFrom('findings')
        .select(['id', 'key'])
        .where('kind', '=', 'capacity_overrun')
        .where('status', '=', 'open')
        .where('subject', '=', subject)
        .where('interval_from_ms', '>=', from_ms)
        .where('interval_to_ms', '<=', to_ms)
        .where('interval_from_ms', '<', window.to_ms)
        .where('interval_to_ms', '>', window.from_ms)
        .execute()
    ).filter((f) => !kept.has(f.key));
    if (stale.length === 0) return 0;
    return writeTransaction(this.connection, async (tx, engine) => {
      const reason = 'a later check of this cluster and model found the overrun larger; see the open capacity_overrun finding over its interval';
      let n = 0;
      const audit: AuditEvent[] = [];
      for (const f of stale) {
        const r = await tx
          .updateTable('findings')
          .set({ status: 'superseded', resolution_reason: reason, resolved_by: actor.role ?? 'system', updated_at_ms: now_ms })
          .where('id', '=', f.id)
          .where('status', '=', 'open')
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) === 1) {
          n++;
          audit.push({ action: 'finding.supersede', subject: { kind: 'finding', id: f.id }, before: { status: 'open' }, after: { status: 'superseded' } });
        }
      }
      await appendAuditMany(tx, engine, actor, audit, now_ms);
      return n;
    });
  }

  /** Open high-severity findings naming any of these records (they hold a claim back). */
  async openHighSeverityForRecords(seqs: readonly number[]): Promise<StoredFinding[]> {
    const ids = new Set<string>();
    for (let i = 0; i < seqs.length; i += insert_seqs_rows_max) {
      const rows = await this.db
        .selectFrom('finding_records')
        .innerJoin('findings', 'findings.id', 'finding_records.finding_id')
        .select('findings.id')
        .distinct()
        .where('findings.status', '=', 'open')
        .where('findings.severity', '=', 'high')
        .where('finding_records.record_seq', 'in', seqs.slice(i, i + insert_seqs_rows_max))
        .execute();
      for (const r of rows) ids.add(r.id);
    }
    if (ids.size === 0) return [];
    const rows = await this.db
      .selectFrom('findings')
      .selectAll()
      .where('id', 'in', [...ids])
      .orderBy('created_at_ms')
      .orderBy('id')
      .execute();
    return this.withSeqs(rows);
  }

  /** Seqs of records under a confirmed finding (excluded from claims), ascending. */
  async confirmedRecordSeqs(): Promise<number[]> {
    const rows = await this.db
      .selectFrom('finding_records')
      .innerJoin('findings', 'findings.id', 'finding_records.finding_id')
      .select('finding_records.record_seq')
      .distinct()
      .where('findings.status', '=', 'confirmed')
      .orderBy('finding_records.record_seq')
      .execute();
    return rows.map((r) => Number(r.record_seq));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reads for the checks

  /**
   * Each cluster × model with a record running some time in [from_ms, to_ms), sorted: every pair with records is probed
   * with one index seek (usage_records_capacity), which costs the same however many records there are.
   */
  async usageClusterModels(from_ms: number, to_ms: number, duration_ms_max: number): Promise<{ cluster_id: string; accelerator: string }[]> {
    // Every pair that has records has a usage_pair_stats row (ingest writes it, the migration filled it for older records).
    const pairs = await this.db
      .selectFrom('usage_pair_stats')
      .select(['cluster_id', 'accelerator_id', 'duration_ms_max'])
      .orderBy('cluster_id')
      .orderBy('accelerator_id')
      .execute();
    const out: { cluster_id: string; accelerator: string }[] = [];
    for (const p of pairs) {
      const reach = Math.min(duration_ms_max, Number(p.duration_ms_max));
      const hit = await this.db
        .selectFrom('usage_records')
        .select('seq')
        .where('cluster_id', '=', p.cluster_id)
        .where('accelerator_id', '=', p.accelerator_id)
        .where('started_at_ms', '>=', from_ms - reach)
        .where('started_at_ms', '<', to_ms)
        .where('ended_at_ms', '>', from_ms)
        .limit(1)
        .executeTakeFirst();
      if (hit) out.push({ cluster_id: p.cluster_id, accelerator: p.accelerator_id });
    }
    return out;
  }

  /**
   * How long the longest stored record of a cluster × model ran (usage_pair_stats, kept by ingest), at most `limit`:
   * how far before a window its reads must start.
   */
  async longest(cluster_id: string, accelerator: string, limit: number): Promise<number> {
    const row = await this.db
      .selectFrom('usage_pair_stats')
      .select('duration_ms_max')
      .where('cluster_id', '=', cluster_id)
      .where('accelerator_id', '=', accelerator)
      .executeTakeFirst();
    return row === undefined ? limit : Math.min(limit, Number(row.duration_ms_max));
  }

  /** The same records handed to `visit` one at a time (a reused object), the fastest read for a sweep. */
  async scanCapacity(
    cluster_id: string,
    accelerator: string,
    from_ms: number,
    to_ms: number,
    duration_ms_max: number,
    visit: (r: ScannedRecord) => void,
  ): Promise<number> {
    return scanCapacity(
      this.db,
      this.reader,
      cluster_id,
      accelerator,
      from_ms,
      to_ms,
      from_ms - (await this.longest(cluster_id, accelerator, duration_ms_max)),
      visit,
    );
  }

  /**
   * Every record of these cluster × model pairs running some time in [from_ms, to_ms): one index range per pair
   * (usage_records_capacity), bounded below by the pair's longest record. The checks read dayCandidates instead; this
   * is the whole set a test holds the candidates against.
   */
  async windowRecords(
    pairs: readonly { cluster_id: string; accelerator: string }[],
    from_ms: number,
    to_ms: number,
    duration_ms_max: number,
  ): Promise<(DuplicateRecord & PriceRecord)[]> {
    const out: (DuplicateRecord & PriceRecord)[] = [];
    for (const p of pairs) {
      const reach = await this.longest(p.cluster_id, p.accelerator, duration_ms_max);
      const rows = await this.db
        .selectFrom('usage_records')
        .select(['seq', 'provider_id', 'enterprise_id', 'job_ref', 'accelerator_id', 'count', 'started_at_ms', 'ended_at_ms', 'amount_fen', 'card_s'])
        .where('cluster_id', '=', p.cluster_id)
        .where('accelerator_id', '=', p.accelerator)
        .where('started_at_ms', '>=', from_ms - reach)
        .where('started_at_ms', '<', to_ms)
        .where('ended_at_ms', '>', from_ms)
        .execute();
      for (const r of rows) {
        out.push({
          seq: Number(r.seq),
          provider_id: r.provider_id,
          enterprise_id: r.enterprise_id,
          job_ref: r.job_ref,
          accelerator: r.accelerator_id,
          count: Number(r.count),
          started_at_ms: Number(r.started_at_ms),
          ended_at_ms: Number(r.ended_at_ms),
          amount_fen: Number(r.amount_fen),
          card_s: Number(r.card_s),
        });
      }
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  /**
   * The records running some time in [from_ms, to_ms) that a duplicate or price check could flag, found by the database:
   * those sharing an (enterprise, job_ref) with another record, those whose (enterprise, model, card count) was reported
   * by two or more providers, and those billed outside the price band around their model's reference (loosened by
   * 0.1% here; the exact test is findPriceOutliers'). The duplicate and price checks over these give exactly what they
   * give over all the records, and a day of unique, fairly priced jobs returns nothing.
   */
  async dayCandidates(
    pairs: readonly { cluster_id: string; accelerator: string }[],
    from_ms: number,
    to_ms: number,
    duration_ms_max: number,
    references: ReadonlyMap<string, number>,
    band: { low_bp: number; high_bp: number },
  ): Promise<(DuplicateRecord & PriceRecord)[]> {
    if (pairs.length === 0) return [];
    const ranges = [];
    for (const p of pairs) {
      const reach = await this.longest(p.cluster_id, p.accelerator, duration_ms_max);
      ranges.push(sql`select seq, provider_id, enterprise_id, job_ref, accelerator_id, count, started_at_ms, ended_at_ms, amount_fen, card_s
        from usage_records where cluster_id = ${p.cluster_id} and accelerator_id = ${p.accelerator}
          and started_at_ms >= ${from_ms - reach} and started_at_ms < ${to_ms} and ended_at_ms > ${from_ms}`);
    }
    const refs = [...references].filter(([, fen]) => fen > 0);
    const priced =
      refs.length === 0
        ? sql``
        : sql`
      union
      select d.* from day d join prices p on p.accelerator_id = d.accelerator_id
      where d.card_s > 0 and (d.amount_fen * 36000000.0 > p.ref * d.card_s * cast(${band.high_bp * 0.999} as double precision)
        or d.amount_fen * 36000000.0 < p.ref * d.card_s * cast(${band.low_bp * 1.001} as double precision))`;
    const price_cte =
      refs.length === 0
        ? sql``
        : sql`, prices (accelerator_id, ref) as (values ${sql.join(refs.map(([m, fen]) => sql`(cast(${m} as text), cast(${fen} as bigint))`))})`;
    const q = sql<{
      seq: number;
      provider_id: string;
      enterprise_id: string;
      job_ref: string | null;
      accelerator_id: string;
      count: number;
      started_at_ms: number;
      ended_at_ms: number;
      amount_fen: number;
      card_s: number;
    }>`
      with day as (${sql.join(ranges, sql` union all `)}),
        refs as (select enterprise_id, job_ref from day where job_ref is not null group by enterprise_id, job_ref having count(*) > 1),
        shapes as (select enterprise_id, accelerator_id, count from day group by enterprise_id, accelerator_id, count having count(distinct provider_id) > 1)
        ${price_cte}
      select d.* from day d join refs r on r.enterprise_id = d.enterprise_id and r.job_ref = d.job_ref
      union
      select d.* from day d join shapes s on s.enterprise_id = d.enterprise_id and s.accelerator_id = d.accelerator_id and s.count = d.count
      ${priced}`;
    const rows = (await q.execute(this.db)).rows;
    return rows
      .map((r) => ({
        seq: Number(r.seq),
        provider_id: r.provider_id,
        enterprise_id: r.enterprise_id,
        job_ref: r.job_ref,
        accelerator: r.accelerator_id,
        count: Number(r.count),
        started_at_ms: Number(r.started_at_ms),
        ended_at_ms: Number(r.ended_at_ms),
        amount_fen: Number(r.amount_fen),
        card_s: Number(r.card_s),
      }))
      .sort((a, b) => a.seq - b.seq);
  }

  /** Every cluster × model pair some inventory holds. */
  async inventoryPairs(): Promise<{ cluster_id: string; accelerator: string }[]> {
    const rows = await this.db
      .selectFrom('inventory')
      .select(['cluster_id', 'accelerator_id'])
      .distinct()
      .orderBy('cluster_id')
      .orderBy('accelerator_id')
      .execute();
    return rows.map((r) => ({ cluster_id: r.cluster_id, accelerator: r.accelerator_id }));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The queue of windows the incremental checks have yet to look at (filled by ingest, in the records' transaction)

  /** The oldest queued windows (a window may be queued more than once: one row per batch that touched it). */
  async pendingWindows(limit: number): Promise<{ id: number; cluster_id: string; accelerator: string; day: number }[]> {
    const rows = await this.db.selectFrom('check_queue').selectAll().orderBy('id').limit(limit).execute();
    return rows.map((r) => ({ id: Number(r.id), cluster_id: r.cluster_id, accelerator: r.accelerator_id, day: Number(r.day) }));
  }

  /** Removes exactly the rows that were read and checked; rows queued since stay for the next round. */
  async clearWindows(windows: readonly { id: number }[]): Promise<void> {
    for (let i = 0; i < windows.length; i += 1000) {
      await this.db
        .deleteFrom('check_queue')
        .where(
          'id',
          'in',
          windows.slice(i, i + 1000).map((w) => w.id),
        )
        .execute();
    }
  }

  async pendingWindowCount(): Promise<number> {
    const r = await this.db
      .selectFrom('check_queue')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  private async withSeqs(rows: FindingsTable[]): Promise<StoredFinding[]> {
    if (rows.length === 0) return [];
    const seqs = await this.db
      .selectFrom('finding_records')
      .select(['finding_id', 'record_seq'])
      .where(
        'finding_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('finding_id')
      .orderBy('record_seq')
      .execute();
    const by = new Map<string, number[]>();
    for (const s of seqs) {
      const list = by.get(s.finding_id);
      if (list === undefined) by.set(s.finding_id, [Number(s.record_seq)]);
      else list.push(Number(s.record_seq));
    }
    return rows.map((r) => toFinding(r, by.get(r.id) ?? []));
  }
}

function toFinding(r: FindingsTable, record_seqs: number[]): StoredFinding {
  return {
    id: r.id,
    key: r.key,
    kind: r.kind as FindingKind,
    severity: r.severity as FindingSeverity,
    status: r.status as FindingStatus,
    subject: JSON.parse(r.subject) as Record<string, string>,
    message: r.message,
    evidence: JSON.parse(r.evidence) as { [key: string]: Json },
    record_seqs,
    interval: r.interval_from_ms === null || r.interval_to_ms === null ? null : { from_ms: Number(r.interval_from_ms), to_ms: Number(r.interval_to_ms) },
    created_at_ms: Number(r.created_at_ms),
    updated_at_ms: Number(r.updated_at_ms),
    resolution_reason: r.resolution_reason,
    resolved_by: r.resolved_by,
  };
}
