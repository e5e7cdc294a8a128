// `suanli demo` loads a deterministic, realistic data set through the real ingest path; `suanli keys` and `migrate`
// work as commands (child processes, as an operator runs them).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { loadDemo } from '../../src/cli/demo.js';
import { hashApiKey } from '../../src/store/store.js';

const run = promisify(execFile);

describeEachEngine('suanli demo', (db) => {
  it('loads ≥ 100,000 records for 30 enterprises with no reject, and prints the same working keys on a second start', async () => {
    const { store, config } = db();
    const first = await loadDemo(store, config, { seed: 2027, progress: false, only_if_empty: true });
    expect(first).toMatchObject({ loaded: true, providers: 5, enterprises: 30, rejected: 0, programs: 6 });
    // the example programs come with claims in every state, and the ledger holds
    expect(Object.keys(first.claims).sort()).toEqual(['approved', 'clawed_back', 'draft', 'paid', 'rejected', 'submitted', 'withdrawn']);
    const { checkLedger } = await import('../../src/domain/ledger/ledger.js');
    expect(checkLedger(await store.ledger.transfers(), await store.ledger.balances(), await store.claims.amounts())).toEqual([]);
    expect(first.records).toBeGreaterThanOrEqual(100_000);
    expect(await store.usage.count()).toBe(first.records);
    const domestic = await store.usage.summary('domestic', {});
    expect(domestic.map((d) => d.key)).toEqual(['false', 'true']);
    // its months are Beijing months: three of usage, and every claim's period one of them
    expect((await store.usage.summary('month', {})).map((m) => m.key)).toEqual(['2026-08', '2026-09', '2026-10']);
    const months = ['2026-08', '2026-09', '2026-10', '2026-11'].map((m) => store.calendar.monthStartMs(m));
    expect(months[0]).toBe(Date.parse('2026-07-31T16:00:00Z'));
    const periods = new Set((await store.claims.list({}, 1000)).map((c) => `${c.period_start_ms}-${c.period_end_ms}`));
    expect([...periods].sort()).toEqual([0, 1, 2].map((i) => `${months[i]}-${months[i + 1]}`));
    const second = await loadDemo(store, config, { seed: 2027, progress: false, only_if_empty: true });
    expect(second.loaded).toBe(false);
    expect(second.keys.map((k) => k.key)).toEqual(first.keys.map((k) => k.key));
    for (const k of first.keys) expect((await store.apiKeys.findActive(hashApiKey(k.key)))?.role).toBe(k.role);
    // one sign-in per role, the same on the second start, each a working password
    expect(first.logins.map((l) => l.role)).toEqual(['administrator', 'auditor', 'provider', 'enterprise']);
    expect(second.logins).toEqual(first.logins);
    const { verifyPassword } = await import('../../src/domain/people/password.js');
    for (const l of first.logins) expect(await verifyPassword(l.password, (await store.people.byLogin(l.login))!.password_hash!)).toBe(true);
    expect(await store.usage.count()).toBe(first.records);
  }, 120_000);
});

it('suanli migrate, keys create / list / revoke as commands', async () => {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-cli-'));
  const env = { ...process.env, SUANLI_DATA_DIR: data, SUANLI_LOG_LEVEL: 'silent' };
  const suanli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env });
  expect((await suanli('migrate')).stdout).toMatch(
    /sqlite: applied 0001-core, 0002-programs, 0003-findings, 0004-integrity, 0005-people, 0006-dashboard, 0007-rejections, 0008-login-devices, 0009-request-digests, 0010-batch-delivery, 0011-commit-order, 0012-rollup-sum-bound, 0013-usage-replacement, 0014-office-calendar, 0015-rule-set-rounding, 0016-usage-groups; catalog entries added: \d+/,
  );
  expect((await suanli('migrate')).stdout).toMatch(/no pending migrations; catalog entries added: 0/);
  const created = (await suanli('keys', 'create', '--org', 'office', '--role', 'auditor', '--label', 'inspection')).stdout;
  const id = /id +(k_\w+)/.exec(created)![1]!;
  expect(created).toMatch(/key +sk_[\w-]{43}/);
  expect((await suanli('keys', 'list')).stdout).toMatch(new RegExp(`${id} +auditor .* active +inspection`));
  expect((await suanli('keys', 'revoke', id)).stdout).toContain(`revoked ${id}`);
  expect((await suanli('keys', 'list')).stdout).toMatch(new RegExp(`${id} .* revoked `));
  await expect(suanli('keys', 'create', '--org', 'office', '--role', 'boss')).rejects.toThrow(/one of administrator/);

  // users: create (password on stdin), invite, list, disable
  const withStdin = (input: string, ...args: string[]) =>
    new Promise<string>((resolve, reject) => {
      const child = execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env }, (error, stdout) =>
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an ExecFileException (an Error the rule does not recognize)
        error ? reject(error) : resolve(stdout),
      );
      child.stdin!.end(input);
    });
  const made = await withStdin('a careful long password\n', 'users', 'create', '--org', 'office', '--role', 'auditor', '--login', 'Inspector@Example.org');
  const user_id = /user (u_\w+) inspector@example.org \(auditor/.exec(made)![1]!;
  await expect(withStdin('short\n', 'users', 'create', '--org', 'office', '--role', 'auditor', '--login', 'x@example.org')).rejects.toThrow(
    /at least 12 characters/,
  );
  expect((await suanli('users', 'invite', '--org', 'office', '--role', 'administrator', '--login', 'new@example.org')).stdout).toMatch(/token +[\w-]{43}/);
  const listed = (await suanli('users', 'list')).stdout;
  expect(listed).toMatch(new RegExp(`${user_id} +active +auditor +inspector@example.org`));
  expect(listed).toMatch(/invited +administrator +new@example.org/);
  expect((await suanli('users', 'disable', user_id)).stdout).toContain(`user ${user_id} disabled`);
  expect((await suanli('users', 'list')).stdout).toMatch(new RegExp(`${user_id} +disabled`));
  fs.rmSync(data, { recursive: true, force: true });
}, 60_000);
