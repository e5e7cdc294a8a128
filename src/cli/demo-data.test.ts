import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { Value } from 'typebox/value';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageRecordWire } from '../ingest/usage-schema.js';
import { checkCreditCode, isOrganizationCodeValid } from '../domain/org/credit-code.js';
import { checkInventory, type InventoryInterval } from '../domain/org/organization.js';
import { inventoryOver } from '../domain/usage/validate-usage.js';
import { demoDataSet, type DemoDataSet, type DemoOptions, type DemoUsage } from './demo-data.js';
import { OfficeCalendar } from '../domain/calendar.js';

const calendar = new OfficeCalendar('Asia/Shanghai');
const options: DemoOptions = { seed: 20260801, start: '2026-08-01T00:00:00+08:00', months: 3, records_min: 100_000, calendar };
const T0 = Date.parse('2026-08-01T00:00:00+08:00');
const T1 = Date.parse('2026-11-01T00:00:00+08:00');
const DAY_MS = 86_400_000;

const catalogRows = parse(readFileSync(new URL('../../catalog/accelerators.csv', import.meta.url)), { columns: true, skip_empty_lines: true }) as Record<
  string,
  string
>[];
const catalog = new Map(catalogRows.map((r) => [r.id!, { domestic: r.domestic === 'true', tdp_w: r.tdp_w ? Number(r.tdp_w) : null }]));

/** Rough market rent in fen per card-hour, for a plausibility band. */
const nominalPrice: Record<string, number> = {
  'huawei-ascend-910b': 1000,
  'huawei-ascend-910c': 1700,
  'cambricon-mlu370-x8': 500,
  'hygon-dcu-z100': 400,
  'moore-threads-mtt-s4000': 400,
  'biren-br100': 850,
  'metax-c500': 750,
  'kunlunxin-p800': 900,
  'nvidia-a800-80gb-pcie': 1250,
  'nvidia-a100-80gb-sxm': 1400,
  'nvidia-h800-sxm': 2000,
  'nvidia-h20': 1000,
  'nvidia-l20': 500,
  'nvidia-rtx-4090': 250,
};

// Independent implementations of the two check characters (GB 32100-2015, GB 11714).
const CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
function creditCheck(code17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CHARS.indexOf(code17[i]!) * (3 ** i % 31);
  return CHARS[(31 - (sum % 31)) % 31]!;
}
function orgCheck(digits8: string): string {
  const w = [3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...digits8].reduce((s, ch, i) => s + Number(ch) * w[i]!, 0);
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

function hashAll(ds: DemoDataSet): { hash: string; n: number } {
  const h = createHash('sha256');
  h.update(JSON.stringify([ds.providers, ds.enterprises, ds.clusters]));
  let n = 0;
  for (const u of ds.usage()) {
    h.update(JSON.stringify(u));
    h.update('\n');
    n++;
  }
  return { hash: h.digest('hex'), n };
}

let ds: DemoDataSet;
let usage: DemoUsage[];
let generation_ms: number;

beforeAll(() => {
  const t = performance.now();
  ds = demoDataSet(options);
  usage = [];
  for (const u of ds.usage()) usage.push(u);
  generation_ms = performance.now() - t;
  const cards = { domestic: 0, foreign: 0 };
  for (const c of ds.clusters) for (const i of c.inventory) cards[catalog.get(i.accelerator)?.domestic ? 'domestic' : 'foreign'] += i.count;
  console.log(
    `demo data: ${ds.providers.length} providers, ${ds.clusters.length} clusters, ${ds.enterprises.length} enterprises, ` +
      `inventory rows ${cards.domestic} domestic / ${cards.foreign} foreign cards, ${usage.length} usage records, ` +
      `generated in ${generation_ms.toFixed(0)} ms`,
  );
});

describe('demoDataSet', () => {
  it('is deterministic: the same options give byte-identical output, another seed another', () => {
    const t = performance.now();
    const a = hashAll(demoDataSet(options));
    const b = hashAll(demoDataSet(options));
    console.log(`hash run: ${((performance.now() - t) / 2).toFixed(0)} ms per run`);
    expect(a).toEqual(b);
    expect(a.n).toBe(usage.length);
    const c = hashAll(demoDataSet({ ...options, seed: options.seed + 1 }));
    expect(c.hash).not.toBe(a.hash);
  });

  it('generates at least records_min records, fast', () => {
    expect(usage.length).toBeGreaterThanOrEqual(options.records_min);
    expect(generation_ms).toBeLessThan(5000); // well under 2 s on a normal machine; slack for loaded CI
  });

  it('has ~5 providers with 1-3 clusters each and ~30 enterprises, keys unique', () => {
    expect(ds.providers.length).toBeGreaterThanOrEqual(4);
    expect(ds.providers.length).toBeLessThanOrEqual(8);
    for (const p of ds.providers) {
      expect(p.region).toMatch(/^\d{6}$/);
      const n = ds.clusters.filter((c) => c.provider_key === p.key).length;
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(3);
    }
    expect(ds.enterprises.length).toBeGreaterThanOrEqual(25);
    for (const list of [ds.providers, ds.clusters, ds.enterprises]) {
      expect(new Set(list.map((x) => x.key)).size).toBe(list.length);
    }
    const sizes = ds.enterprises.map((e) => e.size);
    expect(sizes.filter((s) => s === 'small' || s === 'medium').length).toBeGreaterThan(ds.enterprises.length / 2);
    expect(new Set(sizes).size).toBe(4);
    expect(new Set(ds.enterprises.map((e) => e.sector)).size).toBeGreaterThanOrEqual(5);
  });

  it('gives enterprises valid unified social credit codes matching their region', () => {
    for (const e of ds.enterprises) {
      expect(e.credit_code).toMatch(/^91\d{6}\d{8}[0-9X][0-9A-HJ-NP-RTUW-Y]$/);
      expect(e.credit_code.slice(2, 8)).toBe(e.region);
      expect(orgCheck(e.credit_code.slice(8, 16))).toBe(e.credit_code[16]);
      expect(creditCheck(e.credit_code.slice(0, 17))).toBe(e.credit_code[17]);
      expect(checkCreditCode(e.credit_code)).toEqual({ ok: true, code: e.credit_code });
      expect(isOrganizationCodeValid(e.credit_code.slice(8, 17))).toBe(true);
    }
    expect(new Set(ds.enterprises.map((e) => e.credit_code)).size).toBe(ds.enterprises.length);
  });

  it('uses only catalog models, in realistic non-overlapping inventories, domestic share rising', () => {
    let domesticStart = 0;
    let foreignStart = 0;
    let domesticEnd = 0;
    let foreignEnd = 0;
    for (const c of ds.clusters) {
      expect(c.region).toMatch(/^\d{6}$/);
      const intervals: InventoryInterval[] = c.inventory.map((i) => ({
        accelerator: i.accelerator,
        count: i.count,
        valid_from_ms: Date.parse(i.valid_from),
        valid_to_ms: i.valid_to === undefined ? null : Date.parse(i.valid_to),
      }));
      expect(checkInventory(intervals)).toBeNull();
      for (const i of c.inventory) {
        expect(catalog.has(i.accelerator), i.accelerator).toBe(true);
        expect(i.count % 8).toBe(0);
        expect(i.count).toBeGreaterThanOrEqual(128);
        expect(i.count).toBeLessThanOrEqual(4096);
        expect(i.valid_from).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      }
      for (const i of intervals) {
        const domestic = catalog.get(i.accelerator)!.domestic;
        const at = (t: number): boolean => i.valid_from_ms <= t && (i.valid_to_ms === null || t < i.valid_to_ms);
        if (at(T0)) {
          if (domestic) domesticStart += i.count;
          else foreignStart += i.count;
        }
        if (at(T1 - 1)) {
          if (domestic) domesticEnd += i.count;
          else foreignEnd += i.count;
        }
      }
    }
    expect(domesticStart).toBeGreaterThan(0);
    expect(foreignStart).toBeGreaterThan(0);
    expect(domesticEnd / (domesticEnd + foreignEnd)).toBeGreaterThan(domesticStart / (domesticStart + foreignStart));
    console.log(`cards at start: ${domesticStart} domestic / ${foreignStart} foreign; at end: ${domesticEnd} / ${foreignEnd}`);
  });

  it('writes records that fit the wire schema, their cluster inventory and the window', () => {
    const clusters = new Map(ds.clusters.map((c) => [c.key, c]));
    const intervalsOf = new Map(
      ds.clusters.map((c) => [
        c.key,
        c.inventory.map((i): InventoryInterval => ({
          accelerator: i.accelerator,
          count: i.count,
          valid_from_ms: Date.parse(i.valid_from),
          valid_to_ms: i.valid_to === undefined ? null : Date.parse(i.valid_to),
        })),
      ]),
    );
    const enterprises = new Set(ds.enterprises.map((e) => e.key));
    const ts = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
    const uuid4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const problems: string[] = [];
    const check = (ok: boolean, what: string, u: DemoUsage): void => {
      if (!ok && problems.length < 20) problems.push(`${what}: ${JSON.stringify(u)}`);
    };
    let previousStart = 0;
    let priced = 0;
    for (const [n, u] of usage.entries()) {
      const r = u.record;
      const cluster = clusters.get(u.cluster_key);
      check(cluster !== undefined && cluster.provider_key === u.provider_key, 'cluster of the provider', u);
      check(enterprises.has(u.enterprise_key), 'known enterprise', u);
      if (n % 97 === 0) check(Value.Check(UsageRecordWire, { ...r, cluster_id: 'c_1', enterprise_id: 'e_1' }), 'wire schema', u);
      check(ts.test(r.started_at) && ts.test(r.ended_at), 'whole-second RFC 3339', u);
      check(uuid4.test(r.record_id), 'v4 UUID record id', u);
      const s = Date.parse(r.started_at);
      const e = Date.parse(r.ended_at);
      check(e > s, 'ended after started', u);
      check(s >= T0 && e <= T1, 'inside the window', u);
      check(e - s <= 31 * DAY_MS, 'at most 31 days', u);
      check(s >= previousStart, 'stream in start-time order', u);
      previousStart = s;
      // Inside one inventory interval of the model, and no more cards than it holds.
      const own = intervalsOf.get(u.cluster_key)!.filter((i) => i.accelerator === r.accelerator);
      const inside = own.find((i) => i.valid_from_ms <= s && (i.valid_to_ms === null || e <= i.valid_to_ms));
      check(inside !== undefined && r.count <= inside.count, 'inside one inventory interval, count within it', u);
      check((inventoryOver(own, s, e) ?? 0) >= r.count, 'domain inventoryOver agrees', u);
      check([1, 2, 4, 8].includes(r.count) || r.count % 8 === 0, 'card count 1/2/4/8 or a multiple of 8', u);
      check(Number.isInteger(r.amount_fen) && r.amount_fen >= 0, 'integer amount', u);
      check(r.workload === 'training' || r.workload === 'inference', 'workload', u);
      check(/^slurm:\d+$/.test(r.job_ref ?? ''), 'job ref', u);
      const card_h = (r.count * (e - s)) / 3_600_000;
      if (card_h >= 1) {
        const price = r.amount_fen / card_h;
        const nominal = nominalPrice[r.accelerator]!;
        check(price > nominal * 0.6 && price < nominal * 1.4, 'price per card-hour plausible', u);
        priced++;
      }
      const tdp = catalog.get(r.accelerator)!.tdp_w;
      if (r.energy_wh !== undefined) {
        check(
          tdp !== null && r.energy_wh >= Math.floor(card_h * tdp * 0.6) - 1 && r.energy_wh <= Math.ceil(card_h * tdp * 0.9) + 1,
          'energy = card-hours x TDP x 0.6-0.9',
          u,
        );
      }
    }
    expect(problems).toEqual([]);
    expect(priced).toBeGreaterThan(1000);
    expect(usage.some((u) => u.record.energy_wh !== undefined)).toBe(true);
    expect(usage.some((u) => u.record.energy_wh === undefined)).toBe(true);
  });

  it('never overbooks: a sweep over start/end events stays within inventory on every cluster and model', () => {
    const pools = new Map<string, { s: number; e: number; count: number }[]>();
    for (const u of usage) {
      const k = `${u.cluster_key}|${u.record.accelerator}`;
      const list = pools.get(k) ?? [];
      list.push({ s: Date.parse(u.record.started_at), e: Date.parse(u.record.ended_at), count: u.record.count });
      pools.set(k, list);
    }
    expect(pools.size).toBeGreaterThanOrEqual(10);
    let peakShare = 0;
    for (const [k, jobs] of pools) {
      const [clusterKey, model] = k.split('|') as [string, string];
      const inv = ds.clusters.find((c) => c.key === clusterKey)!.inventory.filter((i) => i.accelerator === model);
      const capacityAt = (t: number): number =>
        inv.filter((i) => Date.parse(i.valid_from) <= t && (i.valid_to === undefined || t < Date.parse(i.valid_to))).reduce((sum, i) => sum + i.count, 0);
      const events: [number, number][] = [];
      for (const j of jobs) events.push([j.s, j.count], [j.e, -j.count]);
      events.sort((a, b) => a[0] - b[0] || a[1] - b[1]); // at equal times, ends (negative) first: [s, e) intervals
      let busy = 0;
      let peak = 0;
      for (let i = 0; i < events.length; i++) {
        const [t, delta] = events[i]!;
        busy += delta;
        if (delta > 0 && (i + 1 === events.length || events[i + 1]![0] !== t || events[i + 1]![1] > 0)) {
          const cap = capacityAt(t);
          if (busy > cap) throw new Error(`${k}: ${busy} cards busy at ${new Date(t).toISOString()}, inventory ${cap}`);
          peak = Math.max(peak, busy / cap);
        }
      }
      expect(busy).toBe(0);
      peakShare = Math.max(peakShare, peak);
    }
    expect(peakShare).toBeGreaterThan(0.8); // some pool runs close to full
  });

  it('keeps record ids unique per provider and job refs unique per cluster', () => {
    const ids = new Map<string, Set<string>>();
    const refs = new Map<string, Set<string>>();
    const duplicates: string[] = [];
    for (const u of usage) {
      const i = ids.get(u.provider_key) ?? new Set();
      if (i.has(u.record.record_id)) duplicates.push(`record_id ${u.record.record_id}`);
      i.add(u.record.record_id);
      ids.set(u.provider_key, i);
      const r = refs.get(u.cluster_key) ?? new Set();
      if (r.has(u.record.job_ref!)) duplicates.push(`job_ref ${u.cluster_key} ${u.record.job_ref}`);
      r.add(u.record.job_ref!);
      refs.set(u.cluster_key, r);
    }
    expect(duplicates).toEqual([]);
    expect(ids.size).toBe(ds.providers.length);
  });

  it('looks like real usage: heavy-tailed job lengths, both origins, enterprises on 1-3 providers', () => {
    const hours = usage.map((u) => (Date.parse(u.record.ended_at) - Date.parse(u.record.started_at)) / 3_600_000).sort((a, b) => a - b);
    const median = hours[Math.floor(hours.length / 2)]!;
    expect(median).toBeLessThan(3);
    expect(hours.filter((h) => h < 1).length / hours.length).toBeGreaterThan(0.3);
    expect(hours.filter((h) => h > 72).length).toBeGreaterThan(50);
    expect(hours[hours.length - 1]!).toBeLessThanOrEqual(31 * 24);

    const training = usage.filter((u) => u.record.workload === 'training');
    expect(training.length).toBeGreaterThan(usage.length * 0.03);
    expect(training.length).toBeLessThan(usage.length * 0.5);

    const domestic = usage.filter((u) => catalog.get(u.record.accelerator)!.domestic).length;
    expect(domestic).toBeGreaterThan(usage.length * 0.2);
    expect(domestic).toBeLessThan(usage.length * 0.8);

    const providersOf = new Map<string, Set<string>>();
    for (const u of usage) {
      const set = providersOf.get(u.enterprise_key) ?? new Set();
      set.add(u.provider_key);
      providersOf.set(u.enterprise_key, set);
    }
    expect(providersOf.size).toBe(ds.enterprises.length);
    for (const set of providersOf.values()) {
      expect(set.size).toBeGreaterThanOrEqual(1);
      expect(set.size).toBeLessThanOrEqual(3);
    }
  });

  it('works for a short window and a month-end start; rejects bad options', () => {
    const small = demoDataSet({ seed: 7, start: '2027-01-31T00:00:00Z', months: 1, records_min: 2000, calendar });
    let n = 0;
    const end = Date.parse('2027-02-28T00:00:00Z');
    for (const u of small.usage()) {
      n++;
      expect(Date.parse(u.record.ended_at)).toBeLessThanOrEqual(end);
      expect(Date.parse(u.record.started_at)).toBeGreaterThanOrEqual(Date.parse('2027-01-31T00:00:00Z'));
    }
    expect(n).toBeGreaterThanOrEqual(2000);
    expect(() => demoDataSet({ ...options, start: 'yesterday' })).toThrow(RangeError);
    expect(() => demoDataSet({ ...options, months: 0 })).toThrow(RangeError);
  });
});
