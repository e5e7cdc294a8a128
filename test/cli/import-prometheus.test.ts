// `suanli import prometheus` against a real Prometheus (Debian's prometheus 2.42, started by the test on a loopback
// port), on both engines. The series are those of NVIDIA dcgm-exporter (scraped every 15 s) and Huawei npu-exporter
// (every 30 s), backfilled into the TSDB with promtool; exporters that stamp their samples are scraped live.
// What must hold (issue 14): the records do not depend on how the window is cut (whole, hour by hour, overlapping);
// a workload-hour whose samples changed is a conflict, stored only by an explicit --replace that supersedes the stored
// records; records imported before the re-keying migration are compared, not billed again; a series ends one scrape
// interval after its last sample, with or without a staleness marker.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { undoRoundingAndGroups } from '../support/migrations.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, freshDatabase, type EngineDb } from '../support/engines.js';
import { createParties, testApi, type Parties } from '../support/api.js';
import {
  describeWithPrometheus,
  exposition,
  promQuery,
  startBackfilledPrometheus,
  startExporter,
  startScrapedPrometheus,
  waitForSamples,
  type RealPrometheus,
} from '../support/prometheus.js';
import { importPrometheus, type PrometheusImportOptions } from '../../src/ingest/prometheus/prometheus-import.js';
import type { PrometheusMappingFile } from '../../src/ingest/prometheus/mapping-file.js';
import { UsageIngest } from '../../src/ingest/usage-pipeline.js';
import { migrate } from '../../src/store/database.js';
import { between, scraped, seriesWhile } from '../fixtures/prometheus/series.js';
import { dcgm_series, dcgm_window } from '../fixtures/prometheus/dcgm-series.js';
import { ascend_series, ascend_window } from '../fixtures/prometheus/ascend-series.js';
import { createHash } from 'node:crypto';

const T = (iso: string) => Date.parse(iso);
const now_ms = T('2026-12-04T08:00:00Z');
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/** The record id the importer gave before issue 14: SHA-256 over the run's start (kept here to test the re-keying). */
const oldRecordId = (cluster: string, namespace: string, pod: string, model: string, start_ms: number) =>
  `prom-${createHash('sha256')
    .update([cluster, namespace, pod, model, new Date(start_ms).toISOString()].join('\n'))
    .digest('hex')
    .slice(0, 40)}`;

describeWithPrometheus('suanli import prometheus against a real Prometheus', () => {
  let prom: RealPrometheus;
  beforeAll(async () => {
    prom = await startBackfilledPrometheus([...scraped(dcgm_series, dcgm_window, 15), ...scraped(ascend_series, ascend_window, 30, 250)]);
  }, 120_000);
  afterAll(async () => {
    await prom?.close();
  });

  describeEachEngine('backfilled DCGM and Ascend series', (db) => {
    let p: Parties;
    let mapping: PrometheusMappingFile;
    let late: RealPrometheus | null = null;
    afterAll(async () => {
      await late?.close();
    });

    const run = (options: Partial<PrometheusImportOptions> & Pick<PrometheusImportOptions, 'from_ms' | 'to_ms'>) => {
      const lines: string[] = [];
      const summary = importPrometheus(db().store, db().config, {
        url: prom.url,
        exporter: 'dcgm',
        mapping,
        min_util: null,
        replace: false,
        timeout_ms: 10_000,
        batch_records: 10,
        progress: false,
        now_ms,
        out: (l) => lines.push(l),
        ...options,
      });
      return { summary, lines };
    };
    const stored = async () => db().store.usage.list({ provider_id: p.provider_id, cluster_id: p.cluster_id, from_ms: T('2026-09-01T00:00:00Z') }, 1000);
    const card_s = (records: { card_s: number }[]) => records.reduce((n, r) => n + r.card_s, 0);

    it('sets up parties; records an earlier version imported are re-keyed by the migration', async () => {
      p = await createParties(await testApi(db()), 'prom');
      mapping = {
        clusters: { default: p.cluster_id },
        enterprises: { 'team-a': p.enterprise_id, 'team-b': p.enterprise_id },
        price_fen_per_card_h: { 'nvidia-a800-80gb-pcie': 1250, 'huawei-ascend-910b': 1800 },
        workload: 'training',
      };
      // What the importer of the previous version stored for team-a/llm-eval-0 (2 GPUs, 08:00–09:00 on 10-02).
      const start = T('2026-10-02T08:00:00Z');
      const old_id = oldRecordId(p.cluster_id, 'team-a', 'llm-eval-0', 'nvidia-a800-80gb-pcie', start);
      const ingest = new UsageIngest(db().store, db().config);
      expect(
        await ingest.ingest(
          p.provider_id,
          [
            {
              record_id: old_id,
              cluster_id: p.cluster_id,
              enterprise_id: p.enterprise_id,
              accelerator: 'nvidia-a800-80gb-pcie',
              count: 2,
              started_at: '2026-10-02T08:00:00Z',
              ended_at: '2026-10-02T09:00:00Z',
              amount_fen: 2500,
              job_ref: 'k8s:team-a/llm-eval-0',
              workload: 'training',
            },
          ],
          now_ms,
        ),
      ).toMatchObject({ accepted: 1 });
      // The database as it was before migration 0013, then migrated (0014, the office calendar, and the later ones after it again).
      const conn = db().store.connection;
      const later = await undoRoundingAndGroups(conn);
      await sql`DROP TABLE usage_superseded`.execute(conn.db);
      await sql`DROP TABLE usage_replacements`.execute(conn.db);
      await sql`DROP TABLE office_calendar`.execute(conn.db);
      await sql`DELETE FROM kysely_migration WHERE name IN ('0013-usage-replacement', '0014-office-calendar')`.execute(conn.db);
      expect(await migrate(conn)).toEqual(['0013-usage-replacement', '0014-office-calendar', ...later]);
      await db().store.migrate(now_ms); // settles the zone again (the rollups rebuilt in it)
      const [rekeyed] = await stored();
      expect(rekeyed!.record_id).toMatch(/^prom-[0-9a-f]{40}\.0$/);
      expect(rekeyed!.record_id).not.toBe(old_id);
      const audit = await db().store.audit.list({ action: 'usage.rekey' }, 10);
      expect(audit).toHaveLength(1);
      expect(audit[0]!.after).toMatchObject({ records: 1 });
    });

    it('imports DCGM series: one record per pod, model and run in each hour, exactly as scheduled; skips with reasons', async () => {
      const { summary, lines } = run({ from_ms: T(dcgm_window.from), to_ms: T(dcgm_window.to) });
      const s = await summary;
      expect(s).toMatchObject({
        query: 'DCGM_FI_DEV_GPU_UTIL',
        hours: 48,
        series: 15,
        series_idle: 4,
        runs: 27, // each series once, over both days records: 23, rejected: 0, skipped: 4, conflicts: 0,
        accepted: 22,
        duplicates: 1, // llm-eval-0's hour was stored by the earlier version: re-keyed, it is the same record
        card_s_stored: 237_480 + 2_400 + 7_200,
        skipped_by_reason: {
          unmapped_namespace: { count: 1, card_s: 7_200, examples: ['k8s:research/sweep-3: namespace "research" is not in enterprises'] },
          mig_instance: { count: 2, card_s: 7_200 },
          unmapped_model: { count: 1, card_s: 3_600, examples: ['k8s:team-a/b200-probe: model "NVIDIA B200" is neither in models nor in the built-in table'] },
        },
      });
      expect(lines[1]).toBe('23 records: 22 accepted, 1 duplicates, 0 rejected; 4 runs skipped; 68.63 card-hours stored, in ' + lines[1]!.split(', in ')[1]);
      expect(lines).toContain('  skipped mig_instance: 2 runs, 2.00 card-hours');

      const records = await stored();
      expect(records).toHaveLength(23);
      expect(card_s(records)).toBe(237_480 + 2_400 + 7_200);
      const train = records.filter((r) => r.job_ref === 'k8s:team-a/llm-train-0').sort((a, b) => a.started_at_ms - b.started_at_ms);
      expect(train).toHaveLength(19);
      expect(train.slice(2, 5).map((r) => [new Date(r.started_at_ms).toISOString(), new Date(r.ended_at_ms).toISOString(), r.count, r.amount_fen])).toEqual([
        ['2026-10-01T12:00:00.000Z', '2026-10-01T12:10:00.000Z', 4, 833], // 4 × 600 s × 1250 / 3600 = 833.3
        ['2026-10-01T12:10:00.000Z', '2026-10-01T12:12:00.000Z', 3, 125], // GPU 3 missing for two minutes
        ['2026-10-01T12:12:00.000Z', '2026-10-01T13:00:00.000Z', 4, 4000],
      ]);
      expect(train.at(-1)).toMatchObject({
        started_at_ms: T('2026-10-02T02:00:00Z'),
        ended_at_ms: T('2026-10-02T02:30:00Z'),
        count: 4,
        accelerator: 'nvidia-a800-80gb-pcie',
        workload: 'training',
        enterprise_id: p.enterprise_id,
      });
      const infer = records.filter((r) => r.job_ref === 'k8s:team-b/infer-7f9c-x8k2p').map((r) => [hhmm(r.started_at_ms), hhmm(r.ended_at_ms)]);
      expect(infer.sort()).toEqual([
        ['00:30', '00:50'],
        ['00:55', '01:00'],
        ['01:00', '01:15'],
      ]); // a gap closes the record
      expect(records.filter((r) => r.job_ref === 'k8s:team-a/llm-eval-0')).toMatchObject([{ count: 2, started_at_ms: T('2026-10-02T08:00:00Z') }]); // exported_pod
      expect(records.every((r) => /^prom-[0-9a-f]{40}\.\d+$/.test(r.record_id))).toBe(true);
    }, 60_000);

    it('stores the same records once however the window is cut: again, hour by hour, overlapping', async () => {
      const again = await run({ from_ms: T(dcgm_window.from), to_ms: T(dcgm_window.to) }).summary;
      expect(again).toMatchObject({ records: 23, accepted: 0, duplicates: 23, rejected: 0, conflicts: 0 });
      let accepted = 0,
        duplicates = 0;
      for (let h = T(dcgm_window.from); h < T(dcgm_window.to); h += 3_600_000) {
        const s = await run({ from_ms: h, to_ms: h + 3_600_000 }).summary;
        accepted += s.accepted;
        duplicates += s.duplicates;
        expect(s.conflicts).toBe(0);
      }
      expect([accepted, duplicates]).toEqual([0, 23]);
      const overlap = await run({ from_ms: T('2026-10-01T12:00:00Z'), to_ms: T('2026-10-02T12:00:00Z'), batch_records: 1000 }).summary;
      expect(overlap).toMatchObject({ hours: 24, records: 18, accepted: 0, duplicates: 18, rejected: 0, conflicts: 0 });
      expect(await stored()).toHaveLength(23);
    }, 120_000);

    it('a workload-hour whose samples changed is a conflict; --replace supersedes the stored records, in the rollups too', async () => {
      // The same data with infer-7f9c's five missing minutes scraped late.
      late = await startBackfilledPrometheus(
        scraped(
          [
            ...dcgm_series.filter((s) => s.metric.pod !== 'infer-7f9c-x8k2p'),
            ...dcgm_series
              .filter((s) => s.metric.pod === 'infer-7f9c-x8k2p')
              .map((s) => seriesWhile(s.metric, between('2026-10-01T00:30:00Z', '2026-10-01T01:15:00Z'), 35)),
          ],
          dcgm_window,
          15,
        ),
      );
      const before = await stored();
      const conflict = run({ url: late.url, from_ms: T('2026-10-01T00:00:00Z'), to_ms: T('2026-10-01T02:00:00Z') });
      expect(await conflict.summary).toMatchObject({ records: 2, accepted: 0, duplicates: 1, conflicts: 1, replaced: 0 });
      expect(conflict.lines.join('\n')).toContain(
        'k8s:team-b/infer-7f9c-x8k2p nvidia-a800-80gb-pcie 2026-10-01 08:00 (UTC+8): stored 1 × 08:30:00–08:50:00, 1 × 08:55:00–09:00:00; Prometheus now says 1 × 08:30:00–09:00:00',
      );
      expect(await stored()).toEqual(before);

      const replaced = await run({ url: late.url, from_ms: T('2026-10-01T00:00:00Z'), to_ms: T('2026-10-01T02:00:00Z'), replace: true }).summary;
      expect(replaced).toMatchObject({ records: 2, accepted: 1, duplicates: 1, conflicts: 0, replaced: 2, replaced_hours: 1 });
      const after = await stored();
      const infer = after.filter((r) => r.job_ref === 'k8s:team-b/infer-7f9c-x8k2p').sort((a, b) => a.started_at_ms - b.started_at_ms);
      expect(infer.map((r) => [hhmm(r.started_at_ms), hhmm(r.ended_at_ms), r.amount_fen])).toEqual([
        ['00:30', '01:00', 625],
        ['01:00', '01:15', 313],
      ]);
      expect(card_s(after)).toBe(card_s(before) + 300);
      // the superseded records are kept, unchanged, naming their replacement; the chain says what replaced what
      const superseded = await db().store.connection.db.selectFrom('usage_superseded').selectAll().execute();
      expect(superseded.map((r) => [hhmm(Number(r.started_at_ms)), hhmm(Number(r.ended_at_ms))]).sort()).toEqual([
        ['00:30', '00:50'],
        ['00:55', '01:00'],
      ]);
      const [entry] = await db().store.audit.list({ action: 'usage.replace' }, 10);
      expect(entry!.before).toMatchObject({ provider_id: p.provider_id, records: [{ count: 1 }, { count: 1 }] });
      // the rollups (dashboard, summaries) hold what stands
      const [summary] = await db().store.usage.summary('provider', { provider_id: p.provider_id });
      expect([summary!.records, summary!.card_s]).toEqual([after.length, BigInt(card_s(after))]);

      const again = await run({ url: late.url, from_ms: T('2026-10-01T00:00:00Z'), to_ms: T('2026-10-01T02:00:00Z'), replace: true }).summary;
      expect(again).toMatchObject({ accepted: 0, duplicates: 2, conflicts: 0, replaced: 0 });
    }, 120_000);

    it('imports Ascend npu-exporter series, counting only samples at or above --min-util', async () => {
      const { summary } = run({ exporter: 'ascend', from_ms: T(ascend_window.from), to_ms: T(ascend_window.to), min_util: 5 });
      expect(await summary).toMatchObject({
        query: 'container_npu_utilization',
        hours: 12,
        series: 12,
        series_idle: 0,
        samples_below_min_util: 60,
        runs: 4,
        records: 4,
        accepted: 4,
        rejected: 0,
        skipped: 0,
        card_s_stored: 8 * 7200 - 1800 + 4 * 2700,
      });
      const npu = (await stored())
        .filter((r) => r.accelerator === 'huawei-ascend-910b')
        .sort((a, b) => a.started_at_ms - b.started_at_ms)
        .map((r) => [r.job_ref, hhmm(r.started_at_ms), hhmm(r.ended_at_ms), r.count, r.amount_fen]);
      expect(npu).toEqual([
        ['k8s:team-a/pangu-sft-0', '02:00', '03:00', 8, 14_400],
        ['k8s:team-a/pangu-sft-0', '03:00', '03:30', 7, 6_300], // NPU 7 at 0% is not counted with --min-util 5
        ['k8s:team-a/pangu-sft-0', '03:30', '04:00', 8, 7_200],
        ['k8s:team-b/qwen-infer-5d8f-2pqx', '06:00', '06:45', 4, 5_400],
      ]);
    }, 60_000);

    it('refuses to replace records that are part of a claim, storing nothing of the replacement', async () => {
      const api = await testApi(db(), () => now_ms);
      const program = await api.call('POST', '/api/v1/programs', {
        body: {
          code: 'prom-voucher',
          name_zh: '测试算力券',
          name_en: 'Test compute voucher',
          kind: 'compute_rent',
          beneficiary_kind: 'enterprise',
          funding_layer: 'prom-layer',
          window: { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
          budget_fen: 10_000_000,
          first_stage_bp: 5000,
          rule_set: { effective_from: '2026-01-01T00:00:00Z', rules: [{ id: 'domestic', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 3000 } }] },
        },
      });
      expect(program.statusCode, program.body).toBe(201);
      const claim = await api.call('POST', '/api/v1/claims', {
        key: p.enterprise_key,
        body: { program_id: (program.json() as { id: string }).id, period_start: '2026-10-01T00:00:00Z', period_end: '2026-11-01T00:00:00Z' },
      });
      expect(claim.statusCode, claim.body).toBe(201);
      const before = await stored();
      // Without --min-util NPU 7 counts from 03:00 to 03:30 too: the claimed hour would change.
      const { summary, lines } = run({ exporter: 'ascend', from_ms: T(ascend_window.from), to_ms: T(ascend_window.to), replace: true });
      expect(await summary).toMatchObject({ accepted: 0, replaced: 0, rejected: 1, rejected_by_code: { replacement_refused: { count: 1 } } });
      expect(lines.join('\n')).toMatch(/rejected replacement_refused: 1\n.*record_claimed: record prom-[0-9a-f]{40}\.\d is part of a claim/);
      expect(await stored()).toEqual(before);
    }, 60_000);

    it('says so when no series matches in the whole window, and exits 1 as a command; --step is accepted and unused', async () => {
      const none = run({ from_ms: T(dcgm_window.from), to_ms: T(dcgm_window.to), mapping: { ...mapping, selector: 'job="no-such-job"' } });
      expect(await none.summary).toMatchObject({ series: 0, records: 0 });
      expect(none.lines).toEqual([
        'DCGM_FI_DEV_GPU_UTIL{job="no-such-job"} from 2026-10-01 08:00 (UTC+8) to 2026-10-03 08:00 (UTC+8): no series matched in the whole window — check --url, --exporter and the mapping file\'s selector',
      ]);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-prom-cli-'));
      const file = path.join(dir, 'mapping.json');
      const database_url = db().config.database_url;
      const env = {
        ...process.env,
        SUANLI_LOG_LEVEL: 'silent',
        SUANLI_DATA_DIR: db().config.data_dir,
        ...(database_url === null ? {} : { DATABASE_URL: database_url }),
      };
      const suanli = (...args: string[]) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'import', 'prometheus', ...args], { env }, (error, stdout, stderr) =>
            resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
          );
        });
      fs.writeFileSync(file, JSON.stringify({ ...mapping, selector: 'job="no-such-job"' }));
      const empty = await suanli('--url', prom.url, '--from', dcgm_window.from, '--to', dcgm_window.to, '--mapping', file, '--no-progress');
      expect(empty.code).toBe(1);
      expect(empty.stdout).toContain('no series matched in the whole window');
      fs.writeFileSync(file, JSON.stringify(mapping));
      for (const step of ['1s', '15s', '60s']) {
        const ok = await suanli(
          '--url',
          prom.url,
          '--from',
          '2026-10-01T10:00:00Z',
          '--to',
          '2026-10-01T14:00:00Z',
          '--mapping',
          file,
          '--step',
          step,
          '--no-progress',
        );
        expect(ok.code, ok.stderr).toBe(0);
        expect(ok.stderr).toContain(`--step ${step} is not used any more: every scraped sample is read`);
        expect(ok.stdout).toContain('6 records: 0 accepted, 6 duplicates, 0 rejected');
      }
      const flag = await suanli('--url', prom.url, '--from', dcgm_window.from, '--to', dcgm_window.to, '--mapping', file, '--exporter', 'rocm');
      expect(flag.code).toBe(1);
      expect(flag.stderr).toMatch(/--exporter.*Allowed choices are dcgm, ascend/);
    }, 120_000);

    it('stops at a Prometheus error: the hours before it stay, nothing of its hour is written', async () => {
      await late?.close();
      const gone = late!;
      late = null;
      await expect(run({ url: gone.url, from_ms: T(dcgm_window.from), to_ms: T(dcgm_window.to) }).summary).rejects.toThrow(
        /^hour 2026-10-01 08:00 \(UTC\+8\) – 2026-10-01 09:00 \(UTC\+8\) not imported: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query cannot be reached: ECONNREFUSED/,
      );
    });
  });
});

describeWithPrometheus('exporters that stamp their samples, scraped live', () => {
  // Huawei's npu-exporter writes each sample with the time it collected it (so does the older ascend-npu-exporter):
  // with honor_timestamps (Prometheus's default) no staleness marker is written when a series ends, and a query
  // evaluated at a step keeps seeing its last sample for 5 minutes. Two pods hold the same four chips one after the
  // other; each must be billed for the seconds it held them, and never more than four chips at once.
  let db: EngineDb;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ db, dispose } = await freshDatabase('sqlite'));
  });
  afterAll(async () => {
    await dispose?.();
  });

  for (const honor_timestamps of [true, false]) {
    it(`bills each pod for the seconds it held the chips, MindCluster's and the older exporter's labels (honor_timestamps: ${honor_timestamps})`, async () => {
      const p = await createParties(await testApi(db), `live-${honor_timestamps}`);
      // node-7 runs MindCluster's npu-exporter (model_name, vdie_id, pcie_bus_info); node-8 the older ascend-npu-exporter,
      // whose container_npu_utilization carries only id, namespace, pod_name and container_name
      const nodes = [
        {
          instance: 'node-7:8082',
          pods: ['pangu-a', 'pangu-b'],
          labels: (id: number) => ({
            id: String(id),
            model_name: '910B3-Ascend-V1',
            vdie_id: `VDIE-${honor_timestamps}-${id}`,
            pcie_bus_info: `0000:C${id}:00.0`,
          }),
        },
        { instance: 'node-8:8082', pods: ['qwen-a', 'qwen-b'], labels: (id: number) => ({ id: String(id) }) },
      ];
      const exporters = await Promise.all(nodes.map(() => startExporter()));
      let turn: 0 | 1 | null = 0; // which pod of each node holds its four chips; null: the exporters report nothing
      const serve = () => {
        const at = Date.now();
        nodes.forEach((node, i) =>
          exporters[i]!.set(
            turn === null
              ? ''
              : exposition(
                  'container_npu_utilization',
                  [0, 1, 2, 3].map((id) => ({
                    labels: { ...node.labels(id), namespace: 'team-a', pod_name: node.pods[turn!]!, container_name: 'main' },
                    value: 71,
                    timestamp_ms: at,
                  })),
                ),
          ),
        );
      };
      serve();
      const timer = setInterval(serve, 100);
      const prom = await startScrapedPrometheus(
        nodes.map((node, i) => ({
          job: `npu-exporter-${i}`,
          url: exporters[i]!.url,
          scrape_interval_s: 1,
          honor_timestamps,
          labels: { instance: node.instance },
        })),
      );
      try {
        await waitForSamples(prom, 'container_npu_utilization{pod_name=~"pangu-a|qwen-a"}', (s) => s.length === 8, 20_000);
        const a_from = Date.now();
        await new Promise((r) => setTimeout(r, 6000));
        turn = 1; // the chips go to other pods: the first pods' series end
        const a_to = Date.now();
        await waitForSamples(prom, 'container_npu_utilization{pod_name=~"pangu-b|qwen-b"}', (s) => s.length === 8, 10_000);
        await new Promise((r) => setTimeout(r, 6000));
        turn = null; // the exporters stop reporting: the second pods' series end too
        serve();
        clearInterval(timer);
        const b_to = Date.now();
        await new Promise((r) => setTimeout(r, 2500));
        if (honor_timestamps) {
          // the hazard: without staleness markers, the first pods still look present at a step after they ended
          expect(await promQuery(prom, 'count(container_npu_utilization{pod_name=~"pangu-a|qwen-a"})')).toMatchObject([{ samples: [[expect.any(Number), 8]] }]);
        }
        const from_ms = Math.floor(a_from / 3_600_000) * 3_600_000 - 3_600_000;
        const to_ms = Math.ceil((b_to + 1) / 3_600_000) * 3_600_000;
        const lines: string[] = [];
        const s = await importPrometheus(db.store, db.config, {
          url: prom.url,
          from_ms,
          to_ms,
          exporter: 'ascend',
          mapping: {
            clusters: { default: p.cluster_id },
            enterprises: { 'team-a': p.enterprise_id },
            unlabelled_model: 'huawei-ascend-910b',
            price_fen_per_card_h: { 'huawei-ascend-910b': 1800 },
          },
          min_util: null,
          replace: false,
          timeout_ms: 10_000,
          batch_records: 100,
          progress: false,
          now_ms: to_ms + 11 * 60_000,
          out: (l) => lines.push(l),
        });
        expect([s.rejected, s.skipped], lines.join('\n')).toEqual([0, 0]);
        const records = await db.store.usage.list({ provider_id: p.provider_id }, 100);
        const held = (name: string) => records.filter((r) => r.job_ref === `k8s:team-a/${name}`);
        const seconds = (name: string) => held(name).reduce((n, r) => n + r.card_s, 0) / 4;
        for (const [first, second] of nodes.map((n) => n.pods)) {
          // each pod: the seconds it was reported, to a scrape interval (1 s) and the collection's 100 ms
          expect(seconds(first!)).toBeGreaterThanOrEqual((a_to - a_from) / 1000 - 2);
          expect(seconds(first!)).toBeLessThanOrEqual((a_to - a_from) / 1000 + 8); // it was held from before a_from, at most the wait for the first scrape
          expect(seconds(second!)).toBeLessThanOrEqual((b_to - a_to) / 1000 + 2);
          expect(seconds(second!)).toBeGreaterThanOrEqual((b_to - a_to) / 1000 - 3);
          // never more than the four chips at once: the first pod's last record ends where the second's begins, give or take a second
          const a_end = Math.max(...held(first!).map((r) => r.ended_at_ms));
          const b_start = Math.min(...held(second!).map((r) => r.started_at_ms));
          expect(b_start - a_end).toBeGreaterThanOrEqual(-1000);
        }
        expect(records.every((r) => r.count === 4 && r.accelerator === 'huawei-ascend-910b')).toBe(true);
      } finally {
        clearInterval(timer);
        await prom.close();
        await Promise.all(exporters.map((e) => e.close()));
      }
    }, 90_000);
  }
});
