// The only reader of process.env: parses and validates the environment once and hands down a frozen object.
import path from 'node:path';
import { isIP } from 'node:net';
import { canonicalTimeZone, default_time_zone } from './domain/calendar.js';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly data_dir: string;
  /** postgres://… selects PostgreSQL; null means the embedded SQLite file under data_dir. */
  readonly database_url: string | null;
  readonly admin_key: string | null;
  readonly log_level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly body_bytes_max: number;
  readonly batch_records_max: number;
  readonly page_records_max: number;
  /** Identifies the accelerator that "reference-card hours" are measured against. */
  readonly reference_accelerator: string;
  /** How far in the future a usage record may end (clock skew between provider and us). */
  readonly future_skew_s_max: number;
  readonly usage_duration_s_max: number;
  /** SQLite `synchronous`: FULL makes every acknowledged batch survive power loss, not just a process kill. */
  readonly sqlite_synchronous: 'FULL' | 'NORMAL';
  readonly pg_pool_size_max: number;
  /** The program office's IANA time zone: its days, months and years count the money (src/domain/calendar.ts). */
  readonly time_zone: string;
  /** Queue each ingested usage window for the integrity checks, and run the checker in `serve`. */
  readonly incremental_checks: boolean;
  /** Run the checker inside `serve` (SUANLI_INCREMENTAL_CHECKS=on); `queue` leaves it to a `suanli checker` process. */
  readonly serve_runs_checker: boolean;
  /** How often the checker drains the queue of usage windows (ms). */
  readonly check_interval_ms: number;
  /** Price outliers: a record billed below low_bp or above high_bp of its model's reference price per card-hour. */
  readonly price_band: { readonly low_bp: number; readonly high_bp: number };
  /** How long a browser session lasts after sign-in. */
  readonly session_ttl_s: number;
  /** How long an invitation link stays valid. */
  readonly invitation_ttl_s: number;
  /** Requests per minute per API key, session or address (each process counts its own). */
  readonly rate_limit_per_min: number;
  /**
   * Which reverse proxies may tell the client's address and scheme (X-Forwarded-For / -Proto): false (none: the
   * socket's peer is the client), a hop count, or the proxies' addresses and CIDR ranges (Fastify's trustProxy).
   */
  readonly trust_proxy: false | number | readonly string[];
  /** The office's Ed25519 private key (PEM file, outside the database) that signs published audit heads. */
  readonly audit_key_file: string | null;
  /** Where `serve` publishes the signed audit head: http(s):// (POST JSON) or file:// (appended line), never the data dir. */
  readonly audit_publish_url: string | null;
  readonly audit_publish_interval_s: number;
  /** The domestic share of AI compute the dashboard measures progress against, and when it is due. */
  readonly domestic_target: DomesticTarget;
}

const known_keys = new Set([
  'PORT',
  'HOST',
  'SUANLI_DATA_DIR',
  'DATABASE_URL',
  'SUANLI_ADMIN_KEY',
  'SUANLI_LOG_LEVEL',
  'LOG_LEVEL',
  'SUANLI_BODY_BYTES_MAX',
  'SUANLI_BATCH_RECORDS_MAX',
  'SUANLI_PAGE_RECORDS_MAX',
  'SUANLI_REFERENCE_ACCELERATOR',
  'SUANLI_FUTURE_SKEW_S_MAX',
  'SUANLI_USAGE_DURATION_S_MAX',
  'SUANLI_SQLITE_SYNCHRONOUS',
  'SUANLI_PG_POOL_SIZE_MAX',
  'SUANLI_INCREMENTAL_CHECKS',
  'SUANLI_CHECK_INTERVAL_MS',
  'SUANLI_PRICE_BAND_BP',
  'SUANLI_SESSION_TTL_S',
  'SUANLI_INVITATION_TTL_S',
  'SUANLI_RATE_LIMIT_PER_MIN',
  'SUANLI_TRUST_PROXY',
  'SUANLI_AUDIT_KEY_FILE',
  'SUANLI_AUDIT_PUBLISH_URL',
  'SUANLI_AUDIT_PUBLISH_INTERVAL_S',
  'SUANLI_DOMESTIC_TARGET_BP',
  'SUANLI_DOMESTIC_TARGET_MONTH',
  'SUANLI_TIME_ZONE',
]);

export class ConfigError extends Error {}

export interface DomesticTarget {
  /** Basis points of all compute (10,000 = 100%). */
  readonly share_bp: number;
  /** YYYY-MM: the month by whose end the share is due. */
  readonly month: string;
  /** Where the figure comes from; null when the operator set it. */
  readonly source: string | null;
  readonly note: string;
}

/**
 * The default target: several of China's largest cities aim to source at least 70% of their AI chips domestically by
 * 2027 (Nikkei Asia, relayed by deepnewz; shared/data/programs.md section 4: a secondary source).
 */
export const domestic_target_default: DomesticTarget = Object.freeze({
  share_bp: 7000,
  month: '2027-12',
  source: 'https://preview.deepnewz.com/china/chinese-cities-set-70-domestic-ai-chip-goal-to-curb-reliance-on-nvidia-34dd7ff2',
  note: "Nikkei Asia (relayed by deepnewz, a secondary source): several of China's largest cities target sourcing at least 70% of AI chips domestically by 2027.",
});

function domesticTarget(env: Record<string, string | undefined>): DomesticTarget {
  const share_bp = integer(env, 'SUANLI_DOMESTIC_TARGET_BP', domestic_target_default.share_bp, 0, 10_000);
  const raw = env.SUANLI_DOMESTIC_TARGET_MONTH;
  const month = raw === undefined || raw === '' ? domestic_target_default.month : raw;
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m || Number(m[1]) < 2000 || Number(m[1]) > 2100 || Number(m[2]) < 1 || Number(m[2]) > 12) {
    throw new ConfigError(`SUANLI_DOMESTIC_TARGET_MONTH must be a month YYYY-MM from 2000-01 to 2100-12, got "${month}"`);
  }
  if (share_bp === domestic_target_default.share_bp && month === domestic_target_default.month) return domestic_target_default;
  return Object.freeze({ share_bp, month, source: null, note: 'set by the operator (SUANLI_DOMESTIC_TARGET_BP, SUANLI_DOMESTIC_TARGET_MONTH)' });
}

/** "LOW-HIGH" in basis points of the reference price, e.g. the default 3000-30000 (0.3× to 3×). */
function priceBand(raw: string | undefined): { low_bp: number; high_bp: number } {
  if (raw === undefined || raw === '') return { low_bp: 3000, high_bp: 30_000 };
  const m = /^(\d{1,5})-(\d{1,7})$/.exec(raw);
  const low = m ? Number(m[1]) : NaN;
  const high = m ? Number(m[2]) : NaN;
  if (!(low <= 10_000 && high >= 10_000))
    throw new ConfigError(`SUANLI_PRICE_BAND_BP must be LOW-HIGH in basis points with LOW ≤ 10000 ≤ HIGH (e.g. 3000-30000), got "${raw}"`);
  return { low_bp: low, high_bp: high };
}

/**
 * SUANLI_TRUST_PROXY: `off` (the default), a hop count 1–10, or a comma-separated list of addresses, CIDR ranges and
 * proxy-addr's names `loopback`, `linklocal`, `uniquelocal`. "Trust everything" is not offered: any client could then
 * claim any address and escape the sign-in throttle.
 */
function trustProxy(raw: string | undefined): false | number | readonly string[] {
  if (raw === undefined || raw === '' || raw === 'off') return false;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops < 1 || hops > 10) throw new ConfigError(`SUANLI_TRUST_PROXY as a hop count must be between 1 and 10, got ${hops}`);
    return hops;
  }
  const entries = raw
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  for (const e of entries) {
    if (['loopback', 'linklocal', 'uniquelocal'].includes(e)) continue;
    const [address, bits, ...rest] = e.split('/');
    const family = isIP(address ?? '');
    const bits_ok = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (family === 0 || !bits_ok || rest.length > 0) {
      throw new ConfigError(
        `SUANLI_TRUST_PROXY must be off, a hop count, or addresses/CIDR ranges separated by commas (e.g. 10.0.0.1,10.1.0.0/16, loopback), got "${e}"`,
      );
    }
  }
  if (entries.length === 0) throw new ConfigError('SUANLI_TRUST_PROXY lists no address');
  return Object.freeze(entries);
}

/** SUANLI_AUDIT_PUBLISH_URL: http(s) or file, and a file never inside the data dir (whoever rewrites one rewrites both). */
function auditPublishUrl(raw: string | undefined, data_dir: string, key_file: string | null): string | null {
  if (raw === undefined || raw === '') return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`SUANLI_AUDIT_PUBLISH_URL must be an http(s):// or file:// URL, got "${raw}"`);
  }
  if (!['http:', 'https:', 'file:'].includes(url.protocol))
    throw new ConfigError(`SUANLI_AUDIT_PUBLISH_URL must be an http(s):// or file:// URL, got "${raw}"`);
  if (url.protocol === 'file:') {
    const file = path.resolve(decodeURIComponent(url.pathname));
    if (file === data_dir || file.startsWith(data_dir + path.sep))
      throw new ConfigError('SUANLI_AUDIT_PUBLISH_URL must point outside SUANLI_DATA_DIR: a head kept beside the database is rewritten with it');
  }
  if (key_file === null) throw new ConfigError('SUANLI_AUDIT_PUBLISH_URL needs SUANLI_AUDIT_KEY_FILE: a published head is signed with the office key');
  return raw;
}

function integer(env: Record<string, string | undefined>, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${key} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${key} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function timeZone(raw: string | undefined): string {
  if (raw === undefined || raw === '') return default_time_zone;
  const zone = canonicalTimeZone(raw);
  if (zone === null) throw new ConfigError(`SUANLI_TIME_ZONE: ${JSON.stringify(raw)} is not an IANA time zone (e.g. Asia/Shanghai)`);
  return zone;
}

function oneOf<T extends string>(env: Record<string, string | undefined>, key: string, values: readonly T[], fallback: T): T {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (!(values as readonly string[]).includes(raw)) throw new ConfigError(`${key} must be one of ${values.join(', ')}, got "${raw}"`);
  return raw as T;
}

export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<Config> = {}): Config {
  for (const key of Object.keys(env)) {
    if (key.startsWith('SUANLI_') && !known_keys.has(key)) throw new ConfigError(`unknown setting ${key}`);
  }
  const database_url = env.DATABASE_URL && env.DATABASE_URL !== '' ? env.DATABASE_URL : null;
  if (database_url !== null && !/^postgres(ql)?:\/\//.test(database_url)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// (leave it unset for the embedded SQLite database)');
  }
  const admin_key = env.SUANLI_ADMIN_KEY && env.SUANLI_ADMIN_KEY !== '' ? env.SUANLI_ADMIN_KEY : null;
  if (admin_key !== null && admin_key.length < 16) throw new ConfigError('SUANLI_ADMIN_KEY must be at least 16 characters');
  const config: Config = {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST && env.HOST !== '' ? env.HOST : '127.0.0.1',
    data_dir: path.resolve(env.SUANLI_DATA_DIR && env.SUANLI_DATA_DIR !== '' ? env.SUANLI_DATA_DIR : './data'),
    database_url,
    admin_key,
    log_level: oneOf(
      env,
      env.SUANLI_LOG_LEVEL ? 'SUANLI_LOG_LEVEL' : 'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      'info',
    ),
    body_bytes_max: integer(env, 'SUANLI_BODY_BYTES_MAX', 8 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    batch_records_max: integer(env, 'SUANLI_BATCH_RECORDS_MAX', 10_000, 1, 100_000),
    page_records_max: integer(env, 'SUANLI_PAGE_RECORDS_MAX', 1_000, 1, 100_000),
    reference_accelerator:
      env.SUANLI_REFERENCE_ACCELERATOR && env.SUANLI_REFERENCE_ACCELERATOR !== '' ? env.SUANLI_REFERENCE_ACCELERATOR : 'nvidia-a100-80gb-sxm',
    future_skew_s_max: integer(env, 'SUANLI_FUTURE_SKEW_S_MAX', 300, 0, 86_400),
    usage_duration_s_max: integer(env, 'SUANLI_USAGE_DURATION_S_MAX', 31 * 86_400, 1, 366 * 86_400),
    sqlite_synchronous: oneOf(env, 'SUANLI_SQLITE_SYNCHRONOUS', ['FULL', 'NORMAL'] as const, 'FULL'),
    pg_pool_size_max: integer(env, 'SUANLI_PG_POOL_SIZE_MAX', 10, 2, 1000), // 2 at least: the checker holds one while it drains
    time_zone: timeZone(env.SUANLI_TIME_ZONE),
    incremental_checks: oneOf(env, 'SUANLI_INCREMENTAL_CHECKS', ['on', 'queue', 'off'] as const, 'on') !== 'off',
    serve_runs_checker: oneOf(env, 'SUANLI_INCREMENTAL_CHECKS', ['on', 'queue', 'off'] as const, 'on') === 'on',
    check_interval_ms: integer(env, 'SUANLI_CHECK_INTERVAL_MS', 5000, 10, 3_600_000),
    price_band: priceBand(env.SUANLI_PRICE_BAND_BP),
    session_ttl_s: integer(env, 'SUANLI_SESSION_TTL_S', 8 * 3600, 60, 30 * 86_400),
    invitation_ttl_s: integer(env, 'SUANLI_INVITATION_TTL_S', 72 * 3600, 60, 30 * 86_400),
    rate_limit_per_min: integer(env, 'SUANLI_RATE_LIMIT_PER_MIN', 12_000, 1, 10_000_000),
    trust_proxy: trustProxy(env.SUANLI_TRUST_PROXY),
    audit_key_file: env.SUANLI_AUDIT_KEY_FILE && env.SUANLI_AUDIT_KEY_FILE !== '' ? path.resolve(env.SUANLI_AUDIT_KEY_FILE) : null,
    audit_publish_url: auditPublishUrl(
      env.SUANLI_AUDIT_PUBLISH_URL,
      path.resolve(env.SUANLI_DATA_DIR && env.SUANLI_DATA_DIR !== '' ? env.SUANLI_DATA_DIR : './data'),
      env.SUANLI_AUDIT_KEY_FILE && env.SUANLI_AUDIT_KEY_FILE !== '' ? env.SUANLI_AUDIT_KEY_FILE : null,
    ),
    audit_publish_interval_s: integer(env, 'SUANLI_AUDIT_PUBLISH_INTERVAL_S', 300, 1, 86_400),
    domestic_target: domesticTarget(env),
    ...overrides,
  };
  return Object.freeze(config);
}
