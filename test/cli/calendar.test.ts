// `suanli calendar show|set-zone` as an operator runs them (child processes on the test's database, both engines):
// another SUANLI_TIME_ZONE is refused with a clean message until set-zone rebuilds the rollups in it, the change is
// audited, and an unknown zone is refused before anything is touched.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { createParties, testApi, usageRecord } from '../support/api.js';

const run = promisify(execFile);

describeEachEngine('suanli calendar', (db) => {
  const suanli = (zone: string, ...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: process.cwd(),
      env: {
        ...process.env,
        SUANLI_DATA_DIR: db().config.data_dir,
        SUANLI_LOG_LEVEL: 'silent',
        SUANLI_TIME_ZONE: zone,
        ...(db().config.database_url === null ? {} : { DATABASE_URL: db().config.database_url! }),
      },
    });
  const days = async () => (await db().store.usage.summary('day', {})).map((r) => [r.key, r.records]);

  it('refuses another zone cleanly, rebuilds the rollups in it with set-zone, and refuses an unknown zone', async () => {
    const api = await testApi(db(), () => Date.parse('2026-11-05T00:00:00Z'));
    const p = await createParties(api, 'calendar');
    const records = [
      usageRecord(p, 'nov', { count: 1, started_at: '2026-10-31T16:30:00Z', ended_at: '2026-10-31T17:00:00Z', amount_fen: 100 }),
      usageRecord(p, 'oct', { count: 1, started_at: '2026-10-31T15:00:00Z', ended_at: '2026-10-31T15:59:59Z', amount_fen: 100 }),
    ];
    expect((await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records } })).json()).toMatchObject({ accepted: 2 });
    await api.app.close();
    expect(await days()).toEqual([
      ['2026-10-31', 1],
      ['2026-11-01', 1],
    ]);

    const shown = await suanli('Asia/Shanghai', 'calendar', 'show');
    expect(shown.stdout).toMatch(
      /configured \(SUANLI_TIME_ZONE\) +Asia\/Shanghai\nrollups count days in +Asia\/Shanghai, since \d{4}-\d{2}-\d{2} \d{2}:\d{2} \(UTC\+8\)/,
    );

    // another zone: every command that opens the store refuses, with the way out and no stack trace; an unknown zone is
    // refused before anything is touched
    const failed = (e: unknown) => e as { code: number; stdout: string; stderr: string };
    const [refused, differ, unknown] = await Promise.all([
      suanli('UTC', 'program', 'list').then(() => null, failed),
      suanli('UTC', 'calendar', 'show').then(() => null, failed),
      suanli('UTC', 'calendar', 'set-zone', 'Mars/Olympus_Mons').then(() => null, failed),
    ]);
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toContain('configuration: the rollups count days in Asia/Shanghai, but SUANLI_TIME_ZONE is UTC');
    expect(refused?.stderr).toContain('suanli calendar set-zone UTC');
    expect(refused?.stderr).not.toMatch(/\n\s+at /);
    expect(differ).toMatchObject({ code: 1, stdout: expect.stringContaining('they differ: servers refuse to start') as unknown });
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('"Mars/Olympus_Mons" is not an IANA time zone') as unknown });
    expect(await days()).toEqual([
      ['2026-10-31', 1],
      ['2026-11-01', 1],
    ]);

    const set = await suanli('UTC', 'calendar', 'set-zone', 'UTC');
    expect(set.stdout).toContain('office time zone: Asia/Shanghai → UTC; 1 daily rollups rebuilt from 2 usage records');
    expect(set.stdout).not.toContain('start the servers with');
    expect(await days()).toEqual([['2026-10-31', 2]]);
    expect((await suanli('UTC', 'calendar', 'show')).stdout).toMatch(/rollups count days in +UTC, since/);
    expect((await suanli('UTC', 'program', 'list')).stderr).toBe('');

    // set back while SUANLI_TIME_ZONE still names the other zone: it says what to start the servers with
    const back = await suanli('UTC', 'calendar', 'set-zone', 'Asia/Shanghai');
    expect(back.stdout).toContain('office time zone: UTC → Asia/Shanghai; 2 daily rollups rebuilt from 2 usage records');
    expect(back.stdout).toContain('start the servers with SUANLI_TIME_ZONE=Asia/Shanghai');
    expect(await days()).toEqual([
      ['2026-10-31', 1],
      ['2026-11-01', 1],
    ]);

    const audited = (await db().store.audit.list({ action: 'calendar.set_zone' }, 10)).map((e) => [e.actor.role, e.before, e.after]);
    expect(audited).toEqual([
      ['operator', { time_zone: 'Asia/Shanghai' }, { time_zone: 'UTC', rollups: 1, records: 2 }],
      ['operator', { time_zone: 'UTC' }, { time_zone: 'Asia/Shanghai', rollups: 2, records: 2 }],
    ]);
  }, 120_000);
});
