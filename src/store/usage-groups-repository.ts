// Reads of the usage groups (migration 0016): a beneficiary's usage of a period, or everyone's, summed per group and
// office day, for claims and the replay computed from aggregates (domain/policy/evaluate-lines.ts). Groups cover
// whole office days; a period that starts or ends inside a day leaves those parts to be read record by record
// (`edges`), as does a day on which the support period ends (the service reads it).
import { sql, type Kysely } from 'kysely';
import type { OfficeCalendar } from '../domain/calendar.js';
import type { EvalGroup } from '../domain/policy/evaluate-lines.js';
import type { Connection } from './database.js';
import type { Database } from './schema.js';
import { rawRows } from './raw-rows.js';

export interface DayGroup extends EvalGroup {
  day: string;
  enterprise_id: string;
  /** delivered in signed batches */
  signed: boolean;
}

/** The whole office days of [from, to) as [first_day, end_day), and the parts of days before and after them. */
export interface PeriodDays {
  first_day: string;
  end_day: string;
  /** ranges of instants inside [from, to) that no whole day covers: read record by record */
  edges: [number, number][];
}

/** The states of a claim that hold no records (they freed them). */
const freed_states = ['withdrawn', 'rejected'] as const;

export class UsageGroupsRepository {
  constructor(
    private readonly connection: Connection,
    private readonly calendar: () => OfficeCalendar,
  ) {}
  private get db(): Kysely<Database> {
    return this.connection.db;
  }

  periodDays(from_ms: number, to_ms: number): PeriodDays {
    const cal = this.calendar();
    const from_day = cal.day(from_ms);
    const first_day = cal.dayStartMs(from_day) === from_ms ? from_day : cal.nextDay(from_day);
    const end_day = cal.day(to_ms); // the days before the one `to` falls in end by `to`
    const whole_from = cal.dayStartMs(first_day);
    const whole_to = cal.dayStartMs(end_day);
    const edges: [number, number][] = [];
    if (whole_from >= whole_to) return { first_day, end_day: first_day, edges: [[from_ms, to_ms]] };
    if (from_ms < whole_from) edges.push([from_ms, whole_from]);
    if (whole_to < to_ms) edges.push([whole_to, to_ms]);
    return { first_day, end_day, edges };
  }

  /** A beneficiary's usage groups of the whole days [first_day, end_day), signed or not. */
  async forBeneficiary(kind: 'enterprise' | 'provider', beneficiary_id: string, days: PeriodDays): Promise<DayGroup[]> {
    if (days.first_day >= days.end_day) return [];
    const who = sql.ref(kind === 'enterprise' ? 'g.enterprise_id' : 'g.provider_id');
    const rows = await rawRows(
      this.connection,
      sql`select ${columns} from usage_groups g join clusters c on c.id = g.cluster_id
        where ${who} = ${beneficiary_id} and g.day >= ${days.first_day} and g.day < ${days.end_day}`,
      true,
    );
    return rows.map(toGroup);
  }

  /** Everyone's usage groups of the whole days, by beneficiary (the replay: claims ignored). */
  async forPeriod(kind: 'enterprise' | 'provider', days: PeriodDays): Promise<Map<string, DayGroup[]>> {
    const by = new Map<string, DayGroup[]>();
    if (days.first_day >= days.end_day) return by;
    const rows = await rawRows(
      this.connection,
      sql`select ${columns} from usage_groups g join clusters c on c.id = g.cluster_id where g.day >= ${days.first_day} and g.day < ${days.end_day}`,
      true,
    );
    for (const r of rows) {
      const g = toGroup(r);
      const who = kind === 'enterprise' ? g.enterprise_id : g.provider_id;
      let list = by.get(who);
      if (list === undefined) by.set(who, (list = []));
      list.push(g);
    }
    return by;
  }

  /**
   * Whether a claim may hold some of the beneficiary's usage of [from, to): a claim not withdrawn or rejected, over an
   * overlapping period, of the beneficiary or of a counterpart (the providers its usage ran at, or the enterprises
   * that ran at it). Then, and when a confirmed finding touches that usage, its claims are computed record by record.
   */
  async anyHolding(beneficiary_id: string, counterparts: readonly string[], from_ms: number, to_ms: number): Promise<boolean> {
    const ids = [beneficiary_id, ...counterparts];
    for (let i = 0; i < ids.length; i += 1000) {
      const hit = await this.db
        .selectFrom('claims')
        .select('id')
        .where('beneficiary_id', 'in', ids.slice(i, i + 1000))
        .where('state', 'not in', [...freed_states])
        .where('period_start_ms', '<', to_ms)
        .where('period_end_ms', '>', from_ms)
        .limit(1)
        .executeTakeFirst();
      if (hit !== undefined) return true;
    }
    return false;
  }

  /** Whether a confirmed finding names a record of the beneficiary's usage started in [from, to). */
  async anyConfirmedFinding(kind: 'enterprise' | 'provider', beneficiary_id: string, from_ms: number, to_ms: number): Promise<boolean> {
    const who = sql.ref(kind === 'enterprise' ? 'u.enterprise_id' : 'u.provider_id');
    const { rows } = await sql<{ one: number }>`select 1 as one from findings f
      join finding_records fr on fr.finding_id = f.id
      join usage_records u on u.seq = fr.record_seq
      where f.status = 'confirmed' and ${who} = ${beneficiary_id} and u.started_at_ms >= ${from_ms} and u.started_at_ms < ${to_ms}
      limit 1`.execute(this.db);
    return rows.length > 0;
  }
}

/** The columns toGroup reads, in its order. */
const columns = sql.raw(`g.enterprise_id, g.day, g.provider_id, c.region, g.accelerator_id, g.workload, g.price_key, g.records, g.card_s,
  g.amount_fen, g.metered_records, g.metered_wh, g.unmetered_card_s, g.first_started_at_ms, g.last_started_at_ms, g.signed`);

/** A row of `columns` (numbers, bigints or decimal strings, as the engine answers them). */
function toGroup(r: readonly unknown[]): DayGroup {
  const n = (v: unknown) => Number(v);
  const price_key = n(r[6]);
  return {
    enterprise_id: r[0] as string,
    day: r[1] as string,
    provider_id: r[2] as string,
    region: r[3] as string,
    accelerator: r[4] as string,
    workload: r[5] === '' ? null : (r[5] as EvalGroup['workload']),
    price_key: price_key < 0 ? null : price_key,
    records: n(r[7]),
    card_s: n(r[8]),
    amount_fen: BigInt(r[9] as number | string | bigint),
    metered_records: n(r[10]),
    metered_wh: BigInt(r[11] as number | string | bigint),
    unmetered_card_s: n(r[12]),
    first_started_at_ms: n(r[13]),
    last_started_at_ms: n(r[14]),
    signed: n(r[15]) === 1,
    other_layers_fen: 0n,
  };
}
