import { expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

it('applies explicit defaults', () => {
  const c = loadConfig({});
  expect(c).toMatchObject({
    port: 8080,
    host: '127.0.0.1',
    database_url: null,
    admin_key: null,
    batch_records_max: 10_000,
    sqlite_synchronous: 'FULL',
    reference_accelerator: 'nvidia-a100-80gb-sxm',
  });
  expect(c.data_dir.endsWith('/data')).toBe(true);
  expect(Object.isFrozen(c)).toBe(true);
});

it('reads and validates settings', () => {
  const c = loadConfig({
    PORT: '9000',
    DATABASE_URL: 'postgres://u@h/db',
    SUANLI_ADMIN_KEY: 'a'.repeat(16),
    SUANLI_BATCH_RECORDS_MAX: '500',
    SUANLI_LOG_LEVEL: 'warn',
  });
  expect(c).toMatchObject({ port: 9000, database_url: 'postgres://u@h/db', batch_records_max: 500, log_level: 'warn' });
});

it.each([
  [{ SUANLI_TYPO: '1' }, /unknown setting SUANLI_TYPO/],
  [{ PORT: 'eighty' }, /PORT must be a whole number/],
  [{ PORT: '70000' }, /PORT must be between/],
  [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must start with postgres/],
  [{ SUANLI_ADMIN_KEY: 'short' }, /at least 16/],
  [{ SUANLI_SQLITE_SYNCHRONOUS: 'OFF' }, /one of FULL, NORMAL/],
  [{ SUANLI_BATCH_RECORDS_MAX: '0' }, /between 1 and/],
])('rejects %o', (env, message) => {
  expect(() => loadConfig(env)).toThrow(ConfigError);
  expect(() => loadConfig(env)).toThrow(message);
});

it("sets the dashboard's domestic target: 70% by 2027-12 with its source by default, or as the operator says", () => {
  expect(loadConfig({}).domestic_target).toEqual({
    share_bp: 7000,
    month: '2027-12',
    source: expect.stringMatching(/^https:\/\/preview\.deepnewz\.com\//),
    note: expect.stringContaining('70%'),
  });
  expect(loadConfig({ SUANLI_DOMESTIC_TARGET_BP: '10000', SUANLI_DOMESTIC_TARGET_MONTH: '2030-01' }).domestic_target).toMatchObject({
    share_bp: 10_000,
    month: '2030-01',
    source: null,
  });
  expect(loadConfig({ SUANLI_DOMESTIC_TARGET_BP: '0' }).domestic_target).toMatchObject({ share_bp: 0, month: '2027-12', source: null });
  for (const [env, message] of [
    [{ SUANLI_DOMESTIC_TARGET_BP: '10001' }, /SUANLI_DOMESTIC_TARGET_BP must be between 0 and 10000/],
    [{ SUANLI_DOMESTIC_TARGET_BP: '70%' }, /SUANLI_DOMESTIC_TARGET_BP must be a whole number/],
    [{ SUANLI_DOMESTIC_TARGET_MONTH: '2027-13' }, /SUANLI_DOMESTIC_TARGET_MONTH must be a month YYYY-MM/],
    [{ SUANLI_DOMESTIC_TARGET_MONTH: '2027' }, /SUANLI_DOMESTIC_TARGET_MONTH must be a month YYYY-MM/],
  ] as const) {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  }
});

it('trusts no proxy by default, or a hop count, or the proxies named (never everyone)', () => {
  expect(loadConfig({}).trust_proxy).toBe(false);
  expect(loadConfig({ SUANLI_TRUST_PROXY: 'off' }).trust_proxy).toBe(false);
  expect(loadConfig({ SUANLI_TRUST_PROXY: '2' }).trust_proxy).toBe(2);
  expect(loadConfig({ SUANLI_TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,loopback,fd00::/8' }).trust_proxy).toEqual([
    '10.0.0.5',
    '10.1.0.0/16',
    'loopback',
    'fd00::/8',
  ]);
  for (const [raw, message] of [
    ['0', /hop count must be between 1 and 10/],
    ['11', /hop count must be between 1 and 10/],
    ['true', /SUANLI_TRUST_PROXY must be off, a hop count, or addresses/],
    ['10.0.0.0/33', /got "10.0.0.0\/33"/],
    ['proxy.example.org', /got "proxy.example.org"/],
    [',', /lists no address/],
  ] as const)
    expect(() => loadConfig({ SUANLI_TRUST_PROXY: raw })).toThrow(message);
});
