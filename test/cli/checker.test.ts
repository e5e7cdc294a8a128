// `suanli checker`: the incremental checker as its own process, for API processes started with
// SUANLI_INCREMENTAL_CHECKS=queue — they queue windows, it checks them.
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { freshDatabase } from '../support/engines.js';
import { createParties, testApi, usageRecord } from '../support/api.js';

it('checks the windows an API process queued, then stops cleanly on SIGTERM', async () => {
  const { db, dispose } = await freshDatabase('sqlite', { serve_runs_checker: false });
  try {
    const api = await testApi(db, () => Date.parse('2026-11-29T12:00:00Z'));
    const p = await createParties(api, 'checker');
    // 64 cards; 40 + 40 busy at once: an overrun
    const records = [
      usageRecord(p, 'c-1', { count: 40, started_at: '2026-08-01T00:00:00Z', ended_at: '2026-08-01T04:00:00Z' }),
      usageRecord(p, 'c-2', { count: 40, started_at: '2026-08-01T02:00:00Z', ended_at: '2026-08-01T06:00:00Z' }),
    ];
    expect((await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records } })).json()).toMatchObject({ accepted: 2 });
    expect(await db.store.findings.pendingWindowCount()).toBeGreaterThan(0);
    await api.app.close();

    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'checker'], {
      env: { ...process.env, SUANLI_DATA_DIR: db.config.data_dir, SUANLI_CHECK_INTERVAL_MS: '100', SUANLI_LOG_LEVEL: 'silent' },
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 200 && !out.includes('incremental integrity check'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain('checking queued usage windows every 100 ms (sqlite)');
    expect(out).toMatch(/incremental integrity check \{"windows":\d+,"capacity_overruns":1,/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await db.store.findings.pendingWindowCount()).toBe(0);
    expect((await db.store.findings.list({ kind: 'capacity_overrun', limit: 10 })).items).toHaveLength(1);
  } finally {
    await dispose();
  }
}, 60_000);
