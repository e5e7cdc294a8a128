// Exports for program offices as CSV, XLSX or JSON: usage summaries, claims (a list, or one with its explanation),
// a program's ledger statement and its report. Each reads exactly what the JSON route of the same data lets the caller
// read (another tenant's claim or usage answers 404). The builders in src/report are shared with `suanli report`.
import { PassThrough } from 'node:stream';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { claimsListReport, claimReport } from '../../report/claims.js';
import type { ClaimFilter } from '../../store/claim-repository.js';
import { csvStream } from '../../report/csv-writer.js';
import { contentDisposition } from '../../report/file-name.js';
import { reportJson } from '../../report/json-writer.js';
import { ledgerStatement } from '../../report/ledger-statement.js';
import type { NameScope } from '../../report/names.js';
import { programReport } from '../../report/program-report.js';
import { report_rows_max, ReportInvalid, ReportTooLarge, type Report } from '../../report/report.js';
import { dayOrInstantMs, isCalendarDay } from '../../report/report-period.js';
import type { OfficeCalendar } from '../../domain/calendar.js';
import { usageSummaryReport } from '../../report/usage-summary.js';
import { writeXlsx, xlsx_content_type } from '../../report/xlsx-writer.js';
import { summary_groups } from '../../store/usage/summary.js';
import { ClaimState } from '../schemas.js';
import type { App, AppContext } from '../context.js';
import { ownsOrganization, principalOf, readers, type Principal } from '../auth.js';
import { ApiError, notFound } from '../errors.js';
import { seesPrices, usageScope } from '../access.js';

export const csv_content_type = 'text/csv; charset=utf-8';
const formats = ['csv', 'xlsx', 'json'] as const;
type Format = (typeof formats)[number];

const Format = Type.Optional(
  Type.Union(
    formats.map((f) => Type.Literal(f)),
    {
      description: 'csv (default): UTF-8 with a byte order mark; xlsx: an Excel workbook, one sheet per section; json: the same columns and cells as the CSV',
    },
  ),
);
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a day YYYY-MM-DD of the office (SUANLI_TIME_ZONE)' });
const Bool = Type.Union([Type.Literal('true'), Type.Literal('false')]);

const Cell = Type.Union([Type.String(), Type.Number(), Type.Null()]);
/** format=json: the report as one document. */
export const JsonReport = Type.Object(
  {
    report: Type.String({ description: 'usage-summary, claims, claim, ledger or program' }),
    sections: Type.Array(
      Type.Object({
        name: Type.String(),
        columns: Type.Array(Type.String()),
        rows: Type.Array(Type.Array(Cell), {
          description:
            "cells in column order: fen as integers, yuan and quantities as exact decimal strings, instants as RFC 3339 with the office zone's offset, empty as null",
        }),
      }),
    ),
  },
  { title: 'Report' },
);

/** The 200 answer, declared by content type: CSV, XLSX, or (format=json) JsonReport with the CSV's columns and cells. */
const ok = {
  200: {
    description:
      'The export as an attachment (Content-Disposition: an ASCII filename and an RFC 5987 filename* for Chinese names). ' +
      "format=json answers application/json instead: { report, sections: [{ name, columns, rows }] } with the CSV's columns and cells.",
    content: {
      'text/csv': {
        schema: Type.String({
          description:
            'RFC 4180, CRLF, UTF-8 with a byte order mark; several sections each open with a row holding the section name, a blank line between them',
        }),
      },
      [xlsx_content_type]: { schema: Type.String({ format: 'binary', description: 'one sheet per section' }) },
      'application/json': { schema: JsonReport },
    },
  },
};
const produces = ['text/csv', xlsx_content_type, 'application/json'];
const limits = `At most ${report_rows_max} rows a section; a larger export answers 400 validation_failed naming the filter to narrow. docs/exports.md lists every column.`;

/** An office day (its first instant) or an RFC 3339 instant with a time zone; a 400 naming the field otherwise. */
function instantParam(value: string | undefined, field: string, calendar: OfficeCalendar): number | null {
  if (value === undefined) return null;
  const ms = dayOrInstantMs(value, calendar);
  if (ms !== null) return ms;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value))
    throw new ApiError('validation_failed', `${field} is not a calendar day`, [{ field, message: 'not a calendar day (YYYY-MM-DD)' }]);
  throw new ApiError('validation_failed', `${field} is not a day or an instant`, [{ field, message: 'a day YYYY-MM-DD of the office or an RFC 3339 instant' }]);
}

function nameScope(p: Principal): NameScope {
  return p.role === 'administrator' || p.role === 'auditor' ? { all: true } : { all: false, own_id: p.org_id };
}

/** Builder refusals in the documented error shape. */
async function built(build: Promise<Report>): Promise<Report> {
  try {
    return await build;
  } catch (e) {
    if (e instanceof ReportTooLarge)
      throw new ApiError('validation_failed', e.message, [{ field: e.field, message: `the export would pass ${e.rows_max} rows` }]);
    if (e instanceof ReportInvalid) throw new ApiError('validation_failed', e.message, [{ field: e.field, message: e.message }]);
    throw e;
  }
}

/**
 * Sends the report: CSV and XLSX stream row by row as attachments, never cached (they hold tenants' data); a failure
 * after the first byte can only cut the connection, so it is logged.
 */
async function send(reply: FastifyReply, report: Report, format: Format, log: FastifyBaseLogger): Promise<FastifyReply> {
  if (format === 'json') return reply.header('cache-control', 'no-store').send(await reportJson(report));
  void reply.header('content-disposition', contentDisposition(report.filename, format)).header('cache-control', 'no-store');
  if (format === 'csv') {
    const stream = csvStream(report);
    stream.on('error', (error) => log.error({ err: error }, `the ${report.kind} CSV export failed while streaming`));
    return reply.type(csv_content_type).send(stream);
  }
  const out = new PassThrough();
  writeXlsx(report, out).catch((error: unknown) => {
    if (!out.destroyed) log.error({ err: error }, `the ${report.kind} XLSX export failed while streaming`);
    out.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  return reply.type(xlsx_content_type).send(out);
}

export function reportRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/reports/usage-summary',
    {
      config: { access: ['administrator', 'auditor', 'provider', 'enterprise'] },
      schema: {
        tags: ['reports'],
        summary: 'Export a usage summary',
        description:
          "The totals of GET /usage/summary (the same daily rollups, groupings and filters; a record counts on the office's day it started, in SUANLI_TIME_ZONE) " +
          'with names and a total row: records, card-hours, PFLOP·h, reference-card hours and the billed amount (fen and yuan; empty for auditors). ' +
          `A provider or an enterprise exports its own usage. ${limits}`,
        querystring: Type.Object(
          {
            format: Format,
            group_by: Type.Optional(
              Type.Union(
                summary_groups.map((g) => Type.Literal(g)),
                { description: 'default month' },
              ),
            ),
            provider_id: Type.Optional(Type.String({ maxLength: 64 })),
            enterprise_id: Type.Optional(Type.String({ maxLength: 64 })),
            accelerator: Type.Optional(Type.String({ maxLength: 64 })),
            domestic: Type.Optional(Bool),
            from: Type.Optional(Day),
            to: Type.Optional(Type.String({ ...Day, description: 'exclusive: a day YYYY-MM-DD of the office' })),
          },
          { additionalProperties: false },
        ),
        produces,
        response: ok,
      },
    },
    async (request, reply) => {
      const q = request.query;
      for (const [name, day] of [
        ['from', q.from],
        ['to', q.to],
      ] as const) {
        if (day !== undefined && !isCalendarDay(day)) {
          throw new ApiError('validation_failed', `${name} is not a calendar day`, [
            { field: `querystring.${name}`, message: 'not a calendar day (YYYY-MM-DD)' },
          ]);
        }
      }
      const p = principalOf(request);
      const report = await built(
        usageSummaryReport(ctx.store, {
          group_by: q.group_by ?? 'month',
          filter: {
            ...usageScope(p, q),
            ...(q.accelerator === undefined ? {} : { accelerator: q.accelerator }),
            ...(q.domestic === undefined ? {} : { domestic: q.domestic === 'true' }),
            ...(q.from === undefined ? {} : { from_day: q.from }),
            ...(q.to === undefined ? {} : { to_day: q.to }),
          },
          prices: seesPrices(p),
          names: nameScope(p),
          reference_accelerator: ctx.config.reference_accelerator,
        }),
      );
      return send(reply, report, q.format ?? 'csv', request.log);
    },
  );

  app.get(
    '/reports/claims',
    {
      config: { access: ['administrator', 'auditor', 'enterprise', 'provider'] },
      schema: {
        tags: ['reports'],
        summary: 'Export a list of claims',
        description:
          'One row per claim the filter selects (in id order): program, beneficiary, state, period, records, domestic share, and base, computed, ' +
          `granted, paid and clawed-back amounts in fen and yuan. A beneficiary exports its own claims. ${limits}`,
        querystring: Type.Object(
          {
            format: Format,
            program_id: Type.Optional(Type.String({ maxLength: 64 })),
            beneficiary_id: Type.Optional(Type.String({ maxLength: 64 })),
            state: Type.Optional(ClaimState),
          },
          { additionalProperties: false },
        ),
        produces,
        response: ok,
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const q = request.query;
      let beneficiary_id = q.beneficiary_id;
      if (p.role === 'enterprise' || p.role === 'provider') {
        if (beneficiary_id !== undefined && beneficiary_id !== p.org_id) throw notFound('beneficiary', beneficiary_id);
        beneficiary_id = p.org_id;
      }
      const filter: ClaimFilter = {
        ...(q.program_id === undefined ? {} : { program_id: q.program_id }),
        ...(beneficiary_id === undefined ? {} : { beneficiary_id }),
        ...(q.state === undefined ? {} : { state: q.state }),
      };
      return send(reply, await built(claimsListReport(ctx.store, filter, nameScope(p))), q.format ?? 'csv', request.log);
    },
  );

  app.get(
    '/reports/claims/:id',
    {
      config: { access: ['administrator', 'auditor', 'enterprise', 'provider'] },
      schema: {
        tags: ['reports'],
        summary: 'Export one claim with its explanation',
        description:
          "Four sections (XLSX: four sheets; CSV: each opened by a row with its name, separated by a blank line): the claim's row as in the " +
          'claims export; its explanation lines (rule, records, card-hours, PFLOP·h, kWh, base, rate, ceiling and layer cuts, subsidy, with rows for ' +
          'records no rule matched and a total); the cuts at filing and at approval; and the totals from base to what is still unpaid. ' +
          "A beneficiary exports its own claims; another's answers 404.",
        params: IdParams,
        querystring: Type.Object({ format: Format }, { additionalProperties: false }),
        produces,
        response: ok,
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const c = await ctx.store.claims.get(request.params.id);
      if (!c || !ownsOrganization(p, c.beneficiary_id)) throw notFound('claim', request.params.id);
      return send(reply, await built(claimReport(ctx.store, c, nameScope(p))), request.query.format ?? 'csv', request.log);
    },
  );

  app.get(
    '/reports/programs/:id/ledger',
    {
      config: { access: readers },
      schema: {
        tags: ['reports'],
        summary: "Export a program's ledger statement",
        description:
          "Every ledger transfer of the program whose time falls in [from, to), in ledger order: time (in the office's zone, with its offset), kind, from and to account, " +
          "beneficiary, claim, amount, and the change and running balance of the program's available budget — between an opening_balance row " +
          `(the balance at from) and a closing_balance row (at to). from defaults to the program's start, to to now. ${limits}`,
        params: IdParams,
        querystring: Type.Object(
          {
            format: Format,
            from: Type.Optional(
              Type.String({ maxLength: 40, description: 'a day YYYY-MM-DD of the office (its first instant) or an RFC 3339 instant; inclusive' }),
            ),
            to: Type.Optional(
              Type.String({ maxLength: 40, description: 'a day YYYY-MM-DD of the office (its first instant) or an RFC 3339 instant; exclusive' }),
            ),
          },
          { additionalProperties: false },
        ),
        produces,
        response: ok,
      },
    },
    async (request, reply) => {
      const q = request.query;
      const from_ms = instantParam(q.from, 'querystring.from', ctx.store.calendar);
      const to_ms = instantParam(q.to, 'querystring.to', ctx.store.calendar) ?? ctx.now();
      const program = await ctx.store.programs.get(request.params.id);
      if (!program) throw notFound('program', request.params.id);
      return send(reply, await built(ledgerStatement(ctx.store, program, { from_ms, to_ms })), q.format ?? 'csv', request.log);
    },
  );

  app.get(
    '/reports/programs/:id',
    {
      config: { access: readers },
      schema: {
        tags: ['reports'],
        summary: "Export a program's report",
        description:
          'Three sections: the program with its budget, committed (granted net of claw-backs), reserved, paid and available amounts and the ' +
          'domestic share of the compute behind its granted claims; per beneficiary its claims, computed, granted, paid, unpaid and clawed-back ' +
          `amounts and domestic share; per office month the ledger's movements with committed, paid and available at the month's end. ${limits}`,
        params: IdParams,
        querystring: Type.Object({ format: Format }, { additionalProperties: false }),
        produces,
        response: ok,
      },
    },
    async (request, reply) => {
      const program = await ctx.store.programs.get(request.params.id);
      if (!program) throw notFound('program', request.params.id);
      return send(reply, await built(programReport(ctx.store, program, ctx.now())), request.query.format ?? 'csv', request.log);
    },
  );
}
