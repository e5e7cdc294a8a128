#!/usr/bin/env node
// The `suanli` command for operators: serve, migrate, demo, import usage, keys.
import { Command, InvalidArgumentError } from 'commander';
import { operator_actor } from '../store/audit-repository.js';
import { loadConfig, ConfigError } from '../config.js';
import { Store } from '../store/store.js';
import { roles, type Role } from '../domain/org/organization.js';
import { fenOfInput } from '../domain/money/fen.js';
import { openStore } from './open-store.js';
import { Refusal } from '../domain/refusal.js';
import { renderRefusal } from '../http/messages.js';
import * as importSacct from './commands/import-sacct.js';
import * as importPrometheus from './commands/import-prometheus.js';
import * as collect from './commands/collect.js';
import * as report from './commands/report.js';
import * as calendar from './commands/calendar.js';
import { TimeZoneMismatch } from '../store/office-calendar.js';

function role(value: string): Role {
  if (!(roles as readonly string[]).includes(value)) throw new InvalidArgumentError(`one of ${roles.join(', ')}`);
  return value as Role;
}

const program = new Command('suanli').description('suanli 算力 — runs compute-subsidy programs for AI work on domestically made accelerators').version('0.1.0');

program
  .command('serve')
  .description('start the HTTP API (applies migrations first)')
  .option('--demo', 'load the demo data set first when the database is empty, and print its keys')
  .action(async (opts: { demo?: boolean }) => {
    const { serve } = await import('./serve.js');
    await serve(loadConfig(), { demo: opts.demo === true });
  });

program
  .command('checker')
  .description('run only the incremental integrity checker (for API processes started with SUANLI_INCREMENTAL_CHECKS=queue); stops on SIGINT/SIGTERM')
  .action(async () => {
    const { startChecker } = await import('./serve.js');
    const config = loadConfig();
    const store = await openStore(config);
    const checker = startChecker(store, config, {
      info: (o, m) => console.log(`${new Date().toISOString()} ${m} ${JSON.stringify(o)}`),
      error: (o, m) => console.error(`${new Date().toISOString()} ${m} ${String((o as { err?: unknown }).err)}`),
    });
    console.log(`checking queued usage windows every ${config.check_interval_ms} ms (${store.engine})`);
    const keep_alive = setInterval(() => undefined, 60_000); // the checker's own timer does not hold the process
    const stop = async () => {
      clearInterval(keep_alive);
      await checker.stop();
      await store.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  });

program
  .command('migrate')
  .description('apply pending database migrations and add missing catalog entries')
  .action(async () => {
    const config = loadConfig();
    const store = Store.open(config);
    const { migrations, catalog_added } = await store.migrate(Date.now());
    console.log(
      `${store.engine}: ${migrations.length === 0 ? 'no pending migrations' : `applied ${migrations.join(', ')}`}; catalog entries added: ${catalog_added}`,
    );
    await store.close();
  });

program
  .command('demo')
  .description('load the deterministic demo data set (providers, clusters, ~30 enterprises, three months of usage)')
  .option('--seed <n>', 'random seed', (v) => Number.parseInt(v, 10), 2027)
  .action(async (opts: { seed: number }) => {
    const { loadDemo, printDemoKeys } = await import('./demo.js');
    const config = loadConfig();
    const store = await openStore(config);
    const result = await loadDemo(store, config, { seed: opts.seed, progress: process.stderr.isTTY });
    printDemoKeys(result);
    await store.close();
  });

const importCommand = program.command('import').description('import data from files');
importCommand
  .command('usage <file>')
  .description('import usage records from a JSON Lines or CSV file for one provider (same validation and outcomes as the API)')
  .requiredOption('--provider <id>', 'the provider the records belong to')
  .option('--format <format>', 'jsonl or csv (default: from the file extension)')
  .option('--batch <n>', 'records per transaction', (v) => Number.parseInt(v, 10), 5000)
  .option('--no-progress', 'no progress bar')
  .action(async (file: string, opts: { provider: string; format?: string; batch: number; progress: boolean }) => {
    const { importUsageFile } = await import('./import-usage.js');
    const config = loadConfig();
    const store = await openStore(config);
    const summary = await importUsageFile(store, config, {
      file,
      provider_id: opts.provider,
      format: opts.format,
      batch_records: opts.batch,
      progress: opts.progress,
    });
    await store.close();
    if (summary.read === 0 || summary.accepted + summary.duplicates === 0) process.exitCode = 1;
  });

importSacct.register(importCommand); // import sacct FILE|-
importPrometheus.register(importCommand); // import prometheus --url …
collect.register(program); // collect nvidia-smi|npu-smi …
report.register(program); // report usage|claim|ledger|program …
calendar.register(program); // calendar show|set-zone

const programs = program.command('program').description('subsidy programs');
programs
  .command('apply <file>')
  .description('create the programs of a JSON or YAML file, or add a rule-set version where their rules changed')
  .action(async (file: string) => {
    const { readProgramFile } = await import('./program-file.js');
    const { applyProgram } = await import('../service/claims.js');
    const definitions = readProgramFile(file);
    const store = await openStore(loadConfig());
    for (const d of definitions) {
      const r = await applyProgram(store, d, operator_actor, Date.now());
      console.log(
        `${d.code}: ${r.created ? `created ${r.program.id} with rule-set version 1` : r.rule_set_version === null ? `unchanged (${r.program.id})` : `rule-set version ${r.rule_set_version} added (${r.program.id})`}`,
      );
    }
    await store.close();
  });
programs
  .command('list')
  .description('list programs with their budgets')
  .action(async () => {
    const store = await openStore(loadConfig());
    for (const p of await store.programs.list()) {
      const b = await store.programs.budget(p.id);
      console.log(
        [
          p.id,
          p.code.padEnd(32),
          p.funding_layer.padEnd(20),
          `budget ${b.budget_fen}`,
          `available ${b.available_fen}`,
          `reserved ${b.reserved_fen}`,
          `paid ${b.paid_fen}`,
        ].join('  '),
      );
    }
    await store.close();
  });
programs
  .command('simulate <program>')
  .description("replay a candidate rule set (a program file's rules, or a JSON { rules }) over a past period beside the current rules")
  .requiredOption('--rules <file>', 'JSON or YAML: a program definition (its rule_set is used) or { rules: [...] }')
  .requiredOption('--from <instant>', 'period start (RFC 3339)')
  .requiredOption('--to <instant>', 'period end, exclusive (RFC 3339)')
  .option('--budget <fen>', 'replay with this budget instead (whole fen)', (v) => {
    const fen = fenOfInput(v);
    if (!fen.ok) throw new InvalidArgumentError(fen.message);
    return fen.fen;
  })
  .option('--json', 'print the whole report as JSON')
  .action(async (program_ref: string, opts: { rules: string; from: string; to: string; budget?: bigint; json?: boolean }) => {
    const { readCandidateRules, printSimulation } = await import('./program-simulate.js');
    const { simulate } = await import('../service/claims.js');
    const store = await openStore(loadConfig());
    const p = (await store.programs.get(program_ref)) ?? (await store.programs.getByCode(program_ref));
    if (!p) throw new Error(`program ${program_ref} not found`);
    const r = await simulate(
      store,
      p.id,
      readCandidateRules(opts.rules),
      Date.parse(opts.from),
      Date.parse(opts.to),
      opts.budget === undefined ? {} : { budget_fen: opts.budget },
    );
    // Money as decimal strings, as the API writes it.
    if (opts.json) console.log(JSON.stringify(r, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2));
    else printSimulation(p, r, store.calendar);
    await store.close();
  });

const ledger = program.command('ledger').description('the budget ledger');
ledger
  .command('check')
  .description(
    'check the ledger invariants (balances sum to zero, none below zero but funding, balances equal transfers, claims equal their transfers) and the ledger and claims against what the audit chain recorded (exit 1 on a problem)',
  )
  .action(async () => {
    const { checkLedgerWhole } = await import('../service/verify-all.js');
    const store = await openStore(loadConfig());
    const r = await checkLedgerWhole(store);
    for (const l of r.lines) console.log(l.message);
    if (r.problems.length > 0) process.exitCode = 1;
    await store.close();
  });

program
  .command('check')
  .description('run the integrity checks (capacity overruns, duplicate and overlapping jobs) over the records running in [from, to); stores new findings')
  .requiredOption('--from <instant>', 'period start (RFC 3339)')
  .requiredOption('--to <instant>', 'period end, exclusive (RFC 3339)')
  .action(async (opts: { from: string; to: string }) => {
    const { runChecks } = await import('../service/checks.js');
    const from_ms = Date.parse(opts.from);
    const to_ms = Date.parse(opts.to);
    if (!(from_ms < to_ms)) throw new InvalidArgumentError('--from and --to must be instants with from before to');
    const config = loadConfig();
    const store = await openStore(config);
    const r = await runChecks(store, { from_ms, to_ms }, operator_actor, Date.now(), {
      duration_ms_max: config.usage_duration_s_max * 1000,
      price_band: config.price_band,
    });
    for (const [kind, n] of Object.entries(r.found)) console.log(`${kind.padEnd(18)} ${n}`);
    console.log(`new findings       ${r.created}${r.truncated ? ' (duplicate check stopped at its cap; narrow the period)' : ''}`);
    await store.close();
  });

const usageCommand = program.command('usage').description('usage records');
usageCommand
  .command('verify')
  .description('re-check every signed batch: body hash, signature, and that each record it delivered is stored as signed (exit 1 on a problem)')
  .action(async () => {
    const { verifySignedUsage } = await import('../service/usage-verify.js');
    const store = await openStore(loadConfig());
    const r = await verifySignedUsage(store);
    for (const p of r.problems) console.log(`${p.code}: ${p.message}`);
    console.log(`${r.batches} signed batches, ${r.records} records checked: ${r.problems.length === 0 ? 'all hold' : `${r.problems.length} problem(s)`}`);
    if (r.problems.length > 0) process.exitCode = 1;
    await store.close();
  });

program
  .command('verify')
  .description('run every verifier: the audit chain, the ledger invariants, every signed usage batch (exit 1 on a problem)')
  .action(async () => {
    const { verifyAll } = await import('../service/verify-all.js');
    const store = await openStore(loadConfig());
    const r = await verifyAll(store);
    for (const l of r.lines) console.log(`${l.check.padEnd(6)} ${l.message}`);
    if (!r.ok) process.exitCode = 1;
    await store.close();
  });

program
  .command('backup <file>')
  .description(
    'write a consistent backup of the whole database while the server runs (SQLite: VACUUM INTO; PostgreSQL: pg_dump, custom format); never overwrites a file (docs/operations.md)',
  )
  .action(async (file: string) => {
    const { backupDatabase } = await import('../store/backup.js');
    const config = loadConfig();
    const store = await openStore(config);
    try {
      const r = await backupDatabase(store.connection, config.database_url, file);
      console.log(
        `${r.engine} backup written to ${r.file}: ${r.bytes} bytes in ${r.duration_ms} ms; it holds everything committed before ${store.calendar.formatInstant(r.started_at_ms)}`,
      );
    } finally {
      await store.close();
    }
  });

program
  .command('restore <file>')
  .description(
    'restore a backup into an empty database (SQLite: a data dir without suanli.db; PostgreSQL: a database without tables), migrate it and run every verifier (exit 1 on a problem)',
  )
  .action(async (file: string) => {
    const { restoreDatabase } = await import('../store/backup.js');
    const { verifyAll } = await import('../service/verify-all.js');
    const path = await import('node:path');
    const config = loadConfig();
    await restoreDatabase(
      { engine: config.database_url === null ? 'sqlite' : 'postgres', sqlite_file: path.join(config.data_dir, 'suanli.db'), database_url: config.database_url },
      file,
    );
    const store = await openStore(config);
    const r = await verifyAll(store);
    console.log(`restored ${file} into ${config.database_url === null ? path.join(config.data_dir, 'suanli.db') : 'the PostgreSQL database'}`);
    for (const l of r.lines) console.log(`${l.check.padEnd(6)} ${l.message}`);
    if (!r.ok) process.exitCode = 1;
    await store.close();
  });

const audit = program.command('audit').description('the tamper-evident audit log');
audit
  .command('verify')
  .description(
    'walk the audit chain against its head; names the first entry that was edited, removed or reordered; with --head, also refuses a chain shorter than, or forked from, a published head (exit 1)',
  )
  .option(
    '--head <file>',
    'a published head: the JSON `suanli audit head` prints, or the JSON Lines file a file:// publisher appends to (its newest head counts)',
  )
  .option('--public-key <file>', "the office's public key (PEM or raw base64) to check the head's signature; default: the public half of SUANLI_AUDIT_KEY_FILE")
  .action(async (opts: { head?: string; publicKey?: string }) => {
    const { readPublishedHeads, trustedPublicKey, verifyAudit } = await import('../service/audit-head.js');
    const { auditLine } = await import('../service/verify-all.js');
    const config = loadConfig();
    const published =
      opts.head === undefined
        ? null
        : readPublishedHeads(opts.head, trustedPublicKey({ public_key_file: opts.publicKey ?? null, office_key_file: config.audit_key_file }));
    const store = await openStore(config);
    const v = await verifyAudit(store, published);
    console.log(auditLine(v).message);
    if (v.published !== null)
      console.log(v.published.ok ? `published head: ${v.published.message}` : `published head REFUSED (${v.published.problem}): ${v.published.message}`);
    if (!v.ok || (v.published !== null && !v.published.ok)) process.exitCode = 1;
    await store.close();
  });
audit
  .command('head')
  .description('print the audit head (seq, hash, time) signed with the office key (SUANLI_AUDIT_KEY_FILE), as one line of JSON')
  .option('--publish', 'also publish it to SUANLI_AUDIT_PUBLISH_URL')
  .action(async (opts: { publish?: boolean }) => {
    const { currentSignedHead, loadOfficeKey, publishHead } = await import('../service/audit-head.js');
    const config = loadConfig();
    if (config.audit_key_file === null)
      throw new InvalidArgumentError('set SUANLI_AUDIT_KEY_FILE to the office key (make one with `suanli audit keygen FILE`)');
    const key = loadOfficeKey(config.audit_key_file);
    const store = await openStore(config);
    try {
      const head = await currentSignedHead(store, key, Date.now());
      console.log(JSON.stringify(head));
      if (opts.publish) {
        if (config.audit_publish_url === null) throw new InvalidArgumentError('--publish needs SUANLI_AUDIT_PUBLISH_URL');
        await publishHead(config.audit_publish_url, head);
      }
    } finally {
      await store.close();
    }
  });
audit
  .command('keygen <file>')
  .description(
    "make the office's Ed25519 key for signing audit heads (PEM, mode 0600; never overwrites); prints its public key — keep the key outside the data dir and the database",
  )
  .action(async (file: string) => {
    const { generateOfficeKey } = await import('../service/audit-head.js');
    const { rawPublicKeyBase64 } = await import('../domain/integrity/signature.js');
    const pub = generateOfficeKey(file);
    console.log(
      `office key written to ${file}\npublic key (raw, base64): ${rawPublicKeyBase64(pub)}\n${String(pub.export({ format: 'pem', type: 'spki' })).trim()}`,
    );
  });

const users = program.command('users').description('people who sign in (the dashboard); machines use API keys');
users
  .command('create')
  .description('create an active user; the password is read from the first line of standard input')
  .requiredOption('--org <id>', 'organization id, or "office" for administrators and auditors')
  .requiredOption('--role <role>', roles.join(' | '), role)
  .requiredOption('--login <login>', 'e.g. an e-mail address')
  .option('--name <text>', 'display name', '')
  .action(async (opts: { org: string; role: Role; login: string; name: string }) => {
    const { hashPassword, passwordProblem } = await import('../domain/people/password.js');
    const { roleFitsOrganization } = await import('../domain/org/organization.js');
    const password = (await readStdinLine()).replace(/\r?\n$/, '');
    const problem = passwordProblem(password, opts.login);
    if (problem) throw new InvalidArgumentError(renderRefusal(new Refusal('invalid_password', problem)).message);
    const store = await openStore(loadConfig());
    const org = opts.org === 'office' ? await store.organizations.office(Date.now()) : await store.organizations.get(opts.org);
    if (!org) throw new InvalidArgumentError(`no organization ${opts.org}`);
    if (!roleFitsOrganization(opts.role, org.kind)) throw new InvalidArgumentError(`a ${opts.role} cannot belong to a ${org.kind} organization`);
    const user = await store.people.create(
      { org_id: org.id, role: opts.role, login: opts.login, name: opts.name || opts.login, password_hash: await hashPassword(password) },
      operator_actor,
      Date.now(),
    );
    console.log(user ? `user ${user.id} ${user.login} (${user.role} of ${org.name}) can sign in` : `the login ${opts.login} is taken`);
    if (!user) process.exitCode = 1;
    await store.close();
  });
users
  .command('invite')
  .description('create an invited user and print the one-time invitation token (the person sets a password with it)')
  .requiredOption('--org <id>', 'organization id, or "office"')
  .requiredOption('--role <role>', roles.join(' | '), role)
  .requiredOption('--login <login>', 'e.g. an e-mail address')
  .option('--name <text>', 'display name', '')
  .action(async (opts: { org: string; role: Role; login: string; name: string }) => {
    const { inviteUser } = await import('../http/routes/users.js');
    const config = loadConfig();
    const store = await openStore(config);
    const r = await inviteUser({ store, now: Date.now, config }, operator_actor, {
      org_id: opts.org,
      role: opts.role,
      login: opts.login,
      name: opts.name || opts.login,
    });
    console.log(
      `user   ${r.user.id} ${r.user.login} (${r.user.role}), invited\ntoken  ${r.token}\nvalid until ${store.calendar.formatInstant(r.expires_at_ms)}; accept with POST /api/v1/auth/accept-invitation { token, password }`,
    );
    await store.close();
  });
users
  .command('list')
  .description('list users (never passwords)')
  .action(async () => {
    const store = await openStore(loadConfig());
    for (const u of await store.people.list()) console.log(`${u.id}  ${u.status.padEnd(8)}  ${u.role.padEnd(13)}  ${u.login}  ${u.org_id}`);
    await store.close();
  });
users
  .command('disable <id>')
  .description('disable a user and end their sessions')
  .action(async (id: string) => {
    const store = await openStore(loadConfig());
    const ok = await store.people.disable(id, operator_actor, Date.now());
    console.log(ok ? `user ${id} disabled` : `no enabled user ${id}`);
    if (!ok) process.exitCode = 1;
    await store.close();
  });

async function readStdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0] ?? '';
}

const keys = program.command('keys').description('API keys');
keys
  .command('create')
  .description('issue a key (printed once)')
  .requiredOption('--org <id>', 'organization id (for administrator/auditor: the office, see `keys list`)')
  .requiredOption('--role <role>', roles.join(' | '), role)
  .option('--label <text>', 'what the key is for', 'cli')
  .action(async (opts: { org: string; role: Role; label: string }) => {
    const { issueApiKey } = await import('../http/routes/api-keys.js');
    const store = await openStore(loadConfig());
    const office = await store.organizations.office(Date.now());
    const org_id = opts.org === 'office' ? office.id : opts.org;
    const k = await issueApiKey({ store, now: Date.now }, operator_actor, org_id, opts.role, opts.label);
    console.log(`id   ${k.id}\nkey  ${k.key}\n(the key is shown once; only its hash is stored)`);
    await store.close();
  });
keys
  .command('list')
  .description('list keys (never the keys themselves)')
  .action(async () => {
    const store = await openStore(loadConfig());
    const office = await store.organizations.office(Date.now());
    console.log(`office organization: ${office.id}`);
    for (const k of await store.apiKeys.list()) {
      console.log(
        [
          k.id,
          k.role.padEnd(13),
          k.org_id,
          `${k.key_prefix}…`,
          k.revoked_at_ms === null ? 'active' : `revoked ${store.calendar.formatInstant(k.revoked_at_ms)}`,
          k.label,
        ].join('  '),
      );
    }
    await store.close();
  });
keys
  .command('revoke <id>')
  .description('revoke a key')
  .action(async (id: string) => {
    const store = await openStore(loadConfig());
    const ok = await store.apiKeys.revoke(id, operator_actor, Date.now());
    console.log(ok ? `revoked ${id}` : `no active key ${id}`);
    if (!ok) process.exitCode = 1;
    await store.close();
  });

// Output piped into a reader that stops early (`suanli … | head`): end quietly, as Unix tools do, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof TimeZoneMismatch) console.error(`configuration: ${error.message}`);
  else if (error instanceof Refusal) console.error(`error: ${renderRefusal(error as Refusal).message} (${String(error.code)})`);
  else if (error instanceof Error) console.error(`error: ${error.message}`);
  else console.error(error);
  process.exit(1);
});
