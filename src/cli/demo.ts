// `suanli demo` and `suanli serve --demo`: loads the deterministic demo data set through the same paths as real data
// (organizations, clusters, then usage through the ingest pipeline) and issues demo keys.
// Demo keys are derived from the seed so that a restarted demo prints keys that still work; they are for a local
// demonstration database only.
import { createHash } from 'node:crypto';
import { operator_actor } from '../store/audit-repository.js';
import { hashPassword } from '../domain/people/password.js';
import type { Config } from '../config.js';
import type { Role } from '../domain/org/organization.js';
import type { Store } from '../store/store.js';
import { hashApiKey } from '../store/store.js';
import { operator_delivery, UsageIngest } from '../ingest/usage-pipeline.js';
import { demoDataSet } from './demo-data.js';
import fs from 'node:fs';
import { readProgramFile } from './program-file.js';
import { applyProgram, fileClaim } from '../service/claims.js';
import { Refusal } from '../domain/refusal.js';
import type { ClaimAction } from '../domain/claim/claim-state.js';

/** Three office months of usage from August 2026 (Beijing months by default: SUANLI_TIME_ZONE), and the claims' months. */
export const demo_options = { start_month: '2026-08', months: 3, records_min: 100_000, claim_months: ['2026-08', '2026-09', '2026-10'] } as const;

export interface DemoKey {
  role: Role;
  org_id: string;
  org_name: string;
  key: string;
}
export interface DemoLogin {
  role: Role;
  login: string;
  password: string;
  org_name: string;
}
export interface DemoResult {
  loaded: boolean;
  providers: number;
  enterprises: number;
  clusters: number;
  records: number;
  rejected: number;
  programs: number;
  claims: Record<string, number>;
  keys: DemoKey[];
  logins: DemoLogin[];
}

function demoKey(seed: number, who: string): string {
  return `sk_demo_${createHash('sha256').update(`suanli-demo:${seed}:${who}`).digest('base64url').slice(0, 32)}`;
}

export async function loadDemo(store: Store, config: Config, options: { seed: number; progress: boolean; only_if_empty?: boolean }): Promise<DemoResult> {
  const now = Date.now();
  const start = new Date(store.calendar.monthStartMs(demo_options.start_month)).toISOString();
  const data = demoDataSet({ seed: options.seed, start, months: demo_options.months, records_min: demo_options.records_min, calendar: store.calendar });
  const existing = await store.organizations.list('provider');
  const loaded = !(options.only_if_empty === true && existing.length > 0);
  const result: DemoResult = { loaded, providers: 0, enterprises: 0, clusters: 0, records: 0, rejected: 0, programs: 0, claims: {}, keys: [], logins: [] };
  const office = await store.organizations.office(now);

  const ensureKey = async (role: Role, org_id: string, org_name: string, who: string) => {
    const key = demoKey(options.seed, who);
    const hash = hashApiKey(key);
    if (!(await store.apiKeys.findActive(hash))) {
      await store.apiKeys.create({ org_id, role, label: `demo ${who}`, key_hash: hash, key_prefix: key.slice(0, 10) }, operator_actor, now);
    }
    result.keys.push({ role, org_id, org_name, key });
  };
  // One login per role for the dashboard, with a password derived from the seed (a local demo database only).
  const ensureLogin = async (role: Role, org_id: string, org_name: string) => {
    const login = `${role}@demo.suanli`;
    const password = `demo-${role}-${createHash('sha256').update(`suanli-demo-login:${options.seed}:${role}`).digest('base64url').slice(0, 10)}`;
    if (!(await store.people.byLogin(login))) {
      await store.people.create({ org_id, role, login, name: `Demo ${role}`, password_hash: await hashPassword(password) }, operator_actor, now);
    }
    result.logins.push({ role, login, password, org_name });
  };

  const ensureLogins = async () => {
    await ensureLogin('administrator', office.id, office.name);
    await ensureLogin('auditor', office.id, office.name);
    const provider = result.keys.find((k) => k.role === 'provider');
    if (provider) await ensureLogin('provider', provider.org_id, provider.org_name);
    const enterprise = result.keys.find((k) => k.role === 'enterprise');
    if (enterprise) await ensureLogin('enterprise', enterprise.org_id, enterprise.org_name);
  };

  if (!loaded) {
    // Already there: print the same deterministic keys, in the data set's order, for the organizations it created.
    const enterprises = await store.organizations.list('enterprise');
    await ensureKey('administrator', office.id, office.name, 'administrator');
    await ensureKey('auditor', office.id, office.name, 'auditor');
    for (const p of data.providers) {
      const org = existing.find((o) => o.name === p.name);
      if (org) await ensureKey('provider', org.id, org.name, `provider:${org.name}`);
    }
    for (const e of data.enterprises.slice(0, 3)) {
      const org = enterprises.find((o) => o.credit_code === e.credit_code);
      if (org) await ensureKey('enterprise', org.id, org.name, `enterprise:${org.name}`);
    }
    await ensureLogins();
    return result;
  }

  const provider_ids = new Map<string, string>();
  for (const p of data.providers) {
    const org = await store.organizations.create({ kind: 'provider', name: p.name, region: p.region }, operator_actor, now);
    if (!org) throw new Error(`could not create provider ${p.name}`);
    provider_ids.set(p.key, org.id);
    result.providers++;
  }
  const enterprise_ids = new Map<string, { id: string; name: string }>();
  for (const e of data.enterprises) {
    const org = await store.organizations.create(
      { kind: 'enterprise', name: e.name, credit_code: e.credit_code, region: e.region, sector: e.sector, size: e.size },
      operator_actor,
      now,
    );
    if (!org) throw new Error(`enterprise ${e.name}: credit code ${e.credit_code} already registered (load the demo into an empty database)`);
    enterprise_ids.set(e.key, { id: org.id, name: e.name });
    result.enterprises++;
  }
  const cluster_ids = new Map<string, string>();
  for (const c of data.clusters) {
    const created = await store.clusters.create(
      {
        provider_id: provider_ids.get(c.provider_key)!,
        name: c.name,
        region: c.region,
        inventory: c.inventory.map((i) => ({
          accelerator: i.accelerator,
          count: i.count,
          valid_from_ms: Date.parse(i.valid_from),
          valid_to_ms: i.valid_to ? Date.parse(i.valid_to) : null,
        })),
      },
      operator_actor,
      now,
    );
    if (!created) throw new Error(`could not create cluster ${c.name}`);
    cluster_ids.set(c.key, created.id);
    result.clusters++;
  }

  const ingest = new UsageIngest(store, config);
  const pending = new Map<string, unknown[]>();
  const flush = async (provider_id: string) => {
    const batch = pending.get(provider_id) ?? [];
    if (batch.length === 0) return;
    const r = await ingest.ingest(provider_id, batch, now, operator_delivery);
    result.records += r.accepted;
    result.rejected += r.rejected.length;
    pending.set(provider_id, []);
    if (options.progress) process.stderr.write(`\rdemo: ${result.records} usage records loaded`);
  };
  for (const u of data.usage()) {
    const provider_id = provider_ids.get(u.provider_key)!;
    const batch = pending.get(provider_id) ?? [];
    batch.push({ ...u.record, cluster_id: cluster_ids.get(u.cluster_key)!, enterprise_id: enterprise_ids.get(u.enterprise_key)!.id });
    pending.set(provider_id, batch);
    if (batch.length >= 5000) await flush(provider_id);
  }
  for (const provider_id of pending.keys()) await flush(provider_id);
  if (options.progress) process.stderr.write('\n');
  if (result.rejected > 0) throw new Error(`the demo data set produced ${result.rejected} rejected records: a bug in the generator`);

  await loadDemoPrograms(store, now, office.id, result);

  await ensureKey('administrator', office.id, office.name, 'administrator');
  await ensureKey('auditor', office.id, office.name, 'auditor');
  for (const p of data.providers) await ensureKey('provider', provider_ids.get(p.key)!, p.name, `provider:${p.name}`);
  for (const e of data.enterprises.slice(0, 3)) {
    const org = enterprise_ids.get(e.key)!;
    await ensureKey('enterprise', org.id, org.name, `enterprise:${org.name}`);
  }
  await ensureLogins();
  return result;
}

export const examples_dir = new URL('../../examples/programs/', import.meta.url);

/**
 * The example programs of examples/programs/, and claims in every state: the city voucher for Shanghai enterprises
 * month by month, the Pudong district layer on the same bills, the energy subsidy for the Guizhou provider, and the
 * normalized program for enterprises elsewhere.
 */
async function loadDemoPrograms(store: Store, now: number, office_id: string, result: DemoResult): Promise<void> {
  for (const file of fs
    .readdirSync(examples_dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort()) {
    for (const d of readProgramFile(new URL(file, examples_dir).pathname)) {
      await applyProgram(store, d, operator_actor, now);
      result.programs++;
    }
  }
  const actor = { org_id: office_id, key_id: null, role: 'operator' };
  // a claim period is an office month: [its first instant, the next month's)
  const month = (m: string) => [store.calendar.monthStartMs(m), store.calendar.monthStartAfter(store.calendar.monthStartMs(m), 1)] as const;
  const [aug, sep, oct] = demo_options.claim_months;
  const steps: Record<string, ClaimAction[]> = {
    draft: [],
    submitted: ['submit'],
    approved: ['submit', 'approve'],
    paid: ['submit', 'approve', 'pay'],
    rejected: ['submit', 'reject'],
    withdrawn: ['submit', 'withdraw'],
    clawed_back: ['submit', 'approve', 'claw_back'],
  };
  const file = async (code: string, beneficiary_id: string, m: string, state: string) => {
    const program = await store.programs.getByCode(code);
    if (!program) return;
    const [from, to] = month(m);
    try {
      const claim = await fileClaim(store, program.id, beneficiary_id, from, to, actor, now);
      for (const action of steps[state] ?? []) {
        if (action === 'pay') await store.claims.transition(claim.id, 'accept_progress_report', actor, now, { program });
        const reason = action === 'reject' ? 'usage at a provider not listed by the program' : action === 'claw_back' ? 'audit found the usage inflated' : null;
        const r = await store.claims.transition(claim.id, action, actor, now, { program, reason });
        if (r.status !== 'ok') break;
      }
      const final = await store.claims.get(claim.id);
      if (final) result.claims[final.state] = (result.claims[final.state] ?? 0) + 1;
    } catch (error) {
      if (!(error instanceof Refusal)) throw error; // not eligible or nothing to claim: the demo moves on
    }
  };
  const enterprises = await store.organizations.list('enterprise');
  const shanghai = enterprises.filter((e) => e.region?.startsWith('31'));
  const cycle = ['paid', 'approved', 'submitted', 'draft', 'rejected', 'withdrawn', 'clawed_back'];
  let k = 0;
  for (const e of shanghai) {
    for (const m of [aug, sep, oct]) await file('sh-compute-voucher-city', e.id, m, m === aug ? 'paid' : cycle[k++ % cycle.length]!);
    for (const m of [aug, sep]) await file('pudong-compute-voucher-district', e.id, m, m === aug ? 'paid' : 'submitted');
  }
  for (const p of (await store.organizations.list('provider')).filter((o) => o.region?.startsWith('52'))) {
    for (const [m, state] of [
      [aug, 'paid'],
      [sep, 'approved'],
      [oct, 'submitted'],
    ] as const)
      await file('guizhou-energy-domestic', p.id, m, state);
  }
  for (const e of enterprises.filter((o) => !o.region?.startsWith('31')).slice(0, 8)) {
    for (const [m, state] of [
      [aug, 'paid'],
      [sep, 'approved'],
      [oct, 'draft'],
    ] as const)
      await file('normalized-domestic-compute', e.id, m, state);
  }
}

export function formatDemoKeys(result: DemoResult): string {
  const lines = [
    result.loaded
      ? `demo data loaded: ${result.providers} providers, ${result.clusters} clusters, ${result.enterprises} enterprises, ${result.records} usage records, ` +
        `${result.programs} programs, claims ${Object.entries(result.claims)
          .sort()
          .map(([state, n]) => `${n} ${state}`)
          .join(', ')}`
      : 'demo data already present; its keys:',
    'demo API keys (for this local demo database only; send as "Authorization: Bearer <key>"):',
  ];
  for (const k of result.keys) lines.push(`  ${k.role.padEnd(13)} ${k.key}  ${k.org_name} (${k.org_id})`);
  lines.push('demo sign-ins (POST /api/v1/auth/login, or the dashboard):');
  for (const l of result.logins) lines.push(`  ${l.role.padEnd(13)} ${l.login.padEnd(26)} ${l.password}  ${l.org_name}`);
  return lines.join('\n');
}

export function printDemoKeys(result: DemoResult): void {
  console.log(formatDemoKeys(result));
}
