// `suanli report …`: the exports of /api/v1/reports/* written to files by the operator — the same builders and writers,
// with the office's view (every organization's names, billed amounts shown).
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InvalidArgumentError, type Command } from 'commander';
import type { Report } from '../../report/report.js';
import { dayOrInstantMs, isCalendarDay, isInstant } from '../../report/report-period.js';
import type { Store } from '../../store/store.js';

type Format = 'csv' | 'xlsx' | 'json';
interface OutputOptions {
  format?: string;
  out?: string;
}

const formats: readonly Format[] = ['csv', 'xlsx', 'json'];

function format(value: string): Format {
  if (!(formats as readonly string[]).includes(value)) throw new InvalidArgumentError(`one of ${formats.join(', ')}`);
  return value as Format;
}

/** The format asked for, else the one --out's extension names, else CSV. */
function formatOf(o: OutputOptions): Format {
  if (o.format !== undefined) return o.format as Format;
  const ext = o.out === undefined ? '' : path.extname(o.out).slice(1).toLowerCase();
  return (formats as readonly string[]).includes(ext) ? (ext as Format) : 'csv';
}

const day = (value: string, name: string): string => {
  if (!isCalendarDay(value)) throw new InvalidArgumentError(`${name}: a day YYYY-MM-DD of the office (SUANLI_TIME_ZONE)`);
  return value;
};

/** A day of the office or an RFC 3339 instant, checked as the option is read; made an instant once the calendar is known. */
function dayOrInstant(value: string): string {
  if (!isCalendarDay(value) && !isInstant(value)) throw new InvalidArgumentError('a day YYYY-MM-DD of the office (its first instant) or an RFC 3339 instant');
  return value;
}

/**
 * Writes the report to --out (default: the export's own file name in the current directory; `-` for standard output)
 * and says where. A partial file is removed when the export fails.
 */
export async function writeReport(report: Report, o: OutputOptions, log: (line: string) => void = (l) => console.error(l)): Promise<string> {
  const f = formatOf(o);
  const { safeFileName } = await import('../../report/file-name.js');
  const file = o.out ?? `${safeFileName(report.filename.unicode)}.${f}`;
  const to_stdout = file === '-';
  const out = to_stdout ? process.stdout : fs.createWriteStream(file);
  try {
    if (f === 'json') {
      const { reportJson } = await import('../../report/json-writer.js');
      await pipeline([JSON.stringify(await reportJson(report), null, 2) + '\n'], out, { end: !to_stdout });
    } else if (f === 'csv') {
      const { csvStream } = await import('../../report/csv-writer.js');
      await pipeline(csvStream(report), out, { end: !to_stdout });
    } else {
      const { writeXlsx } = await import('../../report/xlsx-writer.js');
      if (to_stdout) {
        const { PassThrough } = await import('node:stream');
        const pass = new PassThrough();
        await Promise.all([writeXlsx(report, pass), pipeline(pass, out, { end: false })]);
      } else {
        await writeXlsx(report, out);
        await new Promise<void>((resolve, reject) => (out as fs.WriteStream).close((e) => (e ? reject(e) : resolve())));
      }
    }
  } catch (error) {
    if (!to_stdout) {
      (out as fs.WriteStream).destroy();
      fs.rmSync(file, { force: true });
    }
    throw error;
  }
  if (!to_stdout) log(`wrote ${file} (${fs.statSync(file).size} bytes, ${f})`);
  return file;
}

async function programOf(store: Store, ref: string) {
  const p = (await store.programs.get(ref)) ?? (await store.programs.getByCode(ref));
  if (!p) throw new Error(`program ${ref} not found`);
  return p;
}

/** Runs one export: the store opened, the report built and written, the store closed whatever happens. */
async function run(o: OutputOptions, build: (store: Store) => Promise<Report>): Promise<void> {
  const { loadConfig } = await import('../../config.js');
  const { openStore } = await import('../open-store.js');
  const store = await openStore(loadConfig());
  try {
    await writeReport(await build(store), o);
  } finally {
    await store.close();
  }
}

const withOutput = (c: Command) =>
  c
    .option('--format <format>', "csv | xlsx | json (default: from --out's extension, else csv)", format)
    .option('--out <file>', 'where to write ("-": standard output; default: the export\'s file name here)');

export function register(parent: Command): void {
  const report = parent.command('report').description('export reports as CSV, XLSX or JSON (the same files as /api/v1/reports/*; docs/exports.md)');

  withOutput(
    report
      .command('usage')
      .description('usage summary: records, card-hours, PFLOP·h, billed amount per group (as GET /usage/summary)')
      .option('--group-by <group>', 'enterprise | provider | accelerator | domestic | day | month', 'month')
      .option('--enterprise <id>', 'only this enterprise')
      .option('--provider <id>', 'only this provider')
      .option('--accelerator <id>', 'only this model')
      .option('--domestic <bool>', 'true | false')
      .option('--from <day>', "first day YYYY-MM-DD of the office (a record counts on the office's day it started)", (v) => day(v, '--from'))
      .option('--to <day>', 'a day YYYY-MM-DD of the office, exclusive', (v) => day(v, '--to')),
  ).action(
    async (
      o: OutputOptions & { groupBy: string; enterprise?: string; provider?: string; accelerator?: string; domestic?: string; from?: string; to?: string },
    ) => {
      const { summary_groups } = await import('../../store/usage/summary.js');
      if (!(summary_groups as readonly string[]).includes(o.groupBy)) throw new InvalidArgumentError(`--group-by: one of ${summary_groups.join(', ')}`);
      if (o.domestic !== undefined && o.domestic !== 'true' && o.domestic !== 'false') throw new InvalidArgumentError('--domestic: true or false');
      const { usageSummaryReport } = await import('../../report/usage-summary.js');
      const { loadConfig } = await import('../../config.js');
      const reference_accelerator = loadConfig().reference_accelerator;
      await run(o, (store) =>
        usageSummaryReport(store, {
          group_by: o.groupBy as (typeof summary_groups)[number],
          filter: {
            ...(o.enterprise === undefined ? {} : { enterprise_id: o.enterprise }),
            ...(o.provider === undefined ? {} : { provider_id: o.provider }),
            ...(o.accelerator === undefined ? {} : { accelerator: o.accelerator }),
            ...(o.domestic === undefined ? {} : { domestic: o.domestic === 'true' }),
            ...(o.from === undefined ? {} : { from_day: o.from }),
            ...(o.to === undefined ? {} : { to_day: o.to }),
          },
          prices: true,
          names: { all: true },
          reference_accelerator,
        }),
      );
    },
  );

  withOutput(
    report
      .command('claims')
      .description('claims, one row each: program, beneficiary, state, period, base, computed, granted, paid, clawed back')
      .option('--program <id|code>', 'only this program')
      .option('--beneficiary <id>', 'only this beneficiary')
      .option('--state <state>', 'draft | submitted | approved | rejected | withdrawn | paid | clawed_back'),
  ).action(async (o: OutputOptions & { program?: string; beneficiary?: string; state?: string }) => {
    const { claim_states } = await import('../../domain/claim/claim-state.js');
    if (o.state !== undefined && !(claim_states as readonly string[]).includes(o.state))
      throw new InvalidArgumentError(`--state: one of ${claim_states.join(', ')}`);
    const { claimsListReport } = await import('../../report/claims.js');
    await run(o, async (store) =>
      claimsListReport(
        store,
        {
          ...(o.program === undefined ? {} : { program_id: (await programOf(store, o.program)).id }),
          ...(o.beneficiary === undefined ? {} : { beneficiary_id: o.beneficiary }),
          ...(o.state === undefined ? {} : { state: o.state as (typeof claim_states)[number] }),
        },
        { all: true },
      ),
    );
  });

  withOutput(report.command('claim <id>').description('one claim with its explanation: the claim, its rule lines, the cuts, the totals')).action(
    async (id: string, o: OutputOptions) => {
      const { claimReport } = await import('../../report/claims.js');
      await run(o, async (store) => {
        const c = await store.claims.get(id);
        if (!c) throw new Error(`claim ${id} not found`);
        return claimReport(store, c, { all: true });
      });
    },
  );

  withOutput(
    report
      .command('ledger <program>')
      .description("a program's ledger statement: every transfer in [from, to) with the running available balance, opening and closing balances")
      .option('--from <when>', "a day YYYY-MM-DD of the office (its first instant) or an RFC 3339 instant (default: the program's start)", dayOrInstant)
      .option('--to <when>', 'exclusive (default: now)', dayOrInstant),
  ).action(async (ref: string, o: OutputOptions & { from?: string; to?: string }) => {
    const { ledgerStatement } = await import('../../report/ledger-statement.js');
    await run(o, async (store) => {
      const at = (value: string | undefined) => (value === undefined ? null : dayOrInstantMs(value, store.calendar)!);
      return ledgerStatement(store, await programOf(store, ref), { from_ms: at(o.from), to_ms: at(o.to) ?? Date.now() });
    });
  });

  withOutput(
    report.command('program <program>').description("a program's report: budget, committed, paid, available; per beneficiary; per month; the domestic share"),
  ).action(async (ref: string, o: OutputOptions) => {
    const { programReport } = await import('../../report/program-report.js');
    await run(o, async (store) => programReport(store, await programOf(store, ref), Date.now()));
  });
}
