// A program's money records survive a lost disk: `suanli backup FILE` runs while providers keep sending batches to a
// running `suanli serve`, `suanli restore FILE` brings it back into an empty data dir (SQLite) or an empty database
// (PostgreSQL), and there every record acknowledged before the backup started is found, the ledger balances and the
// audit chain verifies. SQLite and PostgreSQL.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.js';
import { Store } from '../../src/store/store.js';
import { killAllServers, repo_root, serverEnv, startServer, type ServerProcess } from './server-process.js';
import { postUsage, rng, sharedDatabase, testSeed, validRecord, type SharedDatabase } from './workload.js';
import { testApi, usageRecord } from '../support/api.js';
import { admin_key } from '../support/engines.js';
import { createDatabase, dropDatabase } from '../support/postgres.js';

/** Bounds: concurrent senders, records per batch, records sent before the backup starts. */
const senders = 3;
const batch_records = 500;
const records_before_backup_min = 15_000;

/** Runs the CLI as an operator does (tsx from source), with the settings of a server's environment. */
function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repo_root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString('utf8');
    });
    child.once('close', (code) => resolve({ code, output }));
  });
}

for (const engine of ['sqlite', 'postgres'] as const) {
  const unavailable = engine === 'postgres' && inject('postgresUrl') === null;
  describe.skipIf(unavailable)(`backup during ingestion, restore into an empty database [${engine}]`, () => {
    let shared: SharedDatabase | null = null;
    let server: ServerProcess | null = null;
    const cleanups: (() => Promise<void> | void)[] = [];
    afterAll(async () => {
      killAllServers();
      for (const c of cleanups.reverse()) await c();
      await shared?.dispose();
    });

    it('finds every record acknowledged before the backup started, a balanced ledger and a verifying audit chain', async () => {
      shared = await sharedDatabase(engine, `backup-${engine}`);
      const p = shared.parties;
      // money in the ledger: a program, a claim approved and paid its first stage
      {
        const store = shared.open();
        const api = await testApi({ engine, config: shared.config, store });
        const program = await api.call('POST', '/api/v1/programs', {
          body: {
            code: 'backup-voucher',
            name_zh: '备份测试算力券',
            name_en: 'Backup voucher',
            kind: 'compute_rent',
            beneficiary_kind: 'enterprise',
            funding_layer: 'backup-layer',
            window: { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
            budget_fen: 10_000_000,
            first_stage_bp: 5000,
            rule_set: { effective_from: '2026-01-01T00:00:00Z', rules: [{ id: 'domestic', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 3000 } }] },
          },
        });
        expect(program.statusCode, program.body).toBe(201);
        expect(
          (
            await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records: [usageRecord(p, 'claimed-1'), usageRecord(p, 'claimed-2')] } })
          ).json().accepted,
        ).toBe(2);
        const claim = await api.call('POST', '/api/v1/claims', {
          key: p.enterprise_key,
          body: { program_id: program.json().id, period_start: '2026-10-01T00:00:00Z', period_end: '2026-11-01T00:00:00Z' },
        });
        expect(claim.statusCode, claim.body).toBe(201);
        const id = claim.json().id as string;
        expect((await api.call('POST', `/api/v1/claims/${id}/submit`, { key: p.enterprise_key, body: {} })).statusCode).toBe(200);
        expect((await api.call('POST', `/api/v1/claims/${id}/approve`, { body: { reason: 'checked' } })).statusCode).toBe(200);
        expect((await api.call('POST', `/api/v1/claims/${id}/pay`, { body: {} })).statusCode).toBe(200);
        await api.app.close();
        await store.close();
      }

      server = await startServer(shared.settings);
      const seed = testSeed(`backup ${engine}`);
      const acked = new Map<string, number>(); // record id → when its batch's answer arrived (ms)
      let batch_n = 0;
      let sending = true;
      const failures: string[] = [];
      const send = async (sender: number) => {
        while (sending) {
          const n = batch_n++;
          const random = rng((seed + n) >>> 0);
          const records = Array.from({ length: batch_records }, (_, i) => validRecord(p, `b${seed}-${sender}-${n}-${i}`, random));
          const r = await postUsage(server!.url, p.provider_key, records);
          const at = Date.now();
          if (!r.ok) failures.push(`${r.status}: ${r.error}`);
          else for (const rec of records) acked.set(rec.record_id, at);
        }
      };
      const running = Array.from({ length: senders }, (_, i) => send(i));
      while (acked.size < records_before_backup_min && failures.length === 0) await new Promise((r) => setTimeout(r, 50));

      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-backup-')), 'suanli.backup');
      cleanups.push(() => fs.rmSync(path.dirname(file), { recursive: true, force: true }));
      const backup_started_ms = Date.now();
      const backup = await cli(['backup', file], serverEnv(shared.settings));
      const backup_ended_ms = Date.now();
      const acked_during_backup = [...acked.values()].filter((t) => t >= backup_started_ms).length;
      sending = false;
      await Promise.all(running);
      expect(failures).toEqual([]);
      expect(backup.code, backup.output).toBe(0);
      expect(backup.output).toMatch(/backup written to .*: \d+ bytes in \d+ ms/);
      console.log(
        `[backup ${engine}] ${backup.output.trim()} — ${acked.size} records acknowledged in all, ${acked_during_backup} while the backup ran (${backup_ended_ms - backup_started_ms} ms with process start)`,
      );
      expect(acked_during_backup).toBeGreaterThan(0); // the backup really ran under ingestion
      // a second backup to the same name is refused, the first one untouched
      const again = await cli(['backup', file], serverEnv(shared.settings));
      expect(again.code).toBe(1);
      expect(again.output).toContain('exists already');
      await server.stop();

      // restore into an empty place
      const target_dir = fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-restored-'));
      cleanups.push(() => fs.rmSync(target_dir, { recursive: true, force: true }));
      let target_url: string | null = null;
      if (engine === 'postgres') {
        const admin_url = inject('postgresUrl')!;
        const name = `t_${randomBytes(6).toString('hex')}`;
        target_url = await createDatabase(admin_url, name);
        cleanups.push(() => dropDatabase(admin_url, name));
      }
      const target = { database_url: target_url, data_dir: target_dir, admin_key };
      const restored = await cli(['restore', file], serverEnv(target));
      expect(restored.code, restored.output).toBe(0);
      expect(restored.output).toMatch(/audit chain holds: \d+ entries/);
      expect(restored.output).toMatch(/ledger holds: \d+ transfers, every invariant true/);
      // restoring again over the restored database is refused
      const over = await cli(['restore', file], serverEnv(target));
      expect(over.code).toBe(1);
      expect(over.output).toMatch(/empty data directory|empty database/);

      const store = Store.open(loadConfig({}, { data_dir: target_dir, database_url: target_url, log_level: 'silent' }));
      cleanups.push(() => store.close());
      const before = [...acked].filter(([, t]) => t < backup_started_ms).map(([id]) => id);
      const stored = new Set(
        (await sql<{ record_id: string }>`select record_id from usage_records where provider_id = ${p.provider_id}`.execute(store.connection.db)).rows.map(
          (r) => r.record_id,
        ),
      );
      const missing = before.filter((id) => !stored.has(id));
      expect(missing.slice(0, 5)).toEqual([]);
      expect(stored.has('claimed-1') && stored.has('claimed-2')).toBe(true);
      // nothing in the backup that was never sent
      expect(stored.size).toBeLessThanOrEqual(acked.size + 2);
      console.log(`[backup ${engine}] restored ${stored.size} records; all ${before.length} acknowledged before the backup started are there`);
      const claims = await sql<{ state: string; paid_fen: number | string | bigint }>`select state, paid_fen from claims`.execute(store.connection.db);
      expect(claims.rows.map((c) => [c.state, String(c.paid_fen)])).toEqual([['approved', String(claims.rows[0]!.paid_fen)]]);
      expect(Number(claims.rows[0]!.paid_fen)).toBeGreaterThan(0);
    }, 240_000);
  });
}
