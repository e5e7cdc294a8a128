// Errors are mapped once, here: a stable code becomes an HTTP status and { error: { code, message, details } }.
// The codes form a closed list, documented in docs/errors.md (a test keeps the two in step).
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable, unavailable_retry_after_s } from '../store/unavailable.js';
import { fen_storage_max, isSumOverflow } from '../store/sum-overflow.js';
import { describeIssue, type ErrorDetail, type ValidationIssue } from '../ingest/schema-issue.js';
import { Refusal, type RefusalCode, type RefusalParams } from '../domain/refusal.js';
import { renderRefusal, wireParams } from './messages.js';

export type { ErrorDetail };

export const error_statuses = {
  validation_failed: 400,
  malformed_json: 400,
  malformed_request: 400,
  batch_too_large: 400,
  invalid_credit_code: 422,
  invalid_inventory: 422,
  invalid_accelerator: 422,
  all_records_rejected: 422,
  invalid_program: 422,
  not_eligible: 422,
  invalid_period: 422,
  no_rule_set: 422,
  no_records: 422,
  amount_too_large: 422,
  invalid_public_key: 422,
  invalid_password: 422,
  invalid_invitation: 422,
  signature_required: 422,
  replacement_refused: 422,
  idempotency_key_reused: 422,
  illegal_transition: 409,
  budget_exhausted: 409,
  open_findings: 409,
  nothing_payable: 409,
  program_fields_fixed: 409,
  records_taken: 409,
  unauthorized: 401,
  invalid_credentials: 401,
  bad_signature: 401,
  forbidden: 403,
  csrf_failed: 403,
  too_many_attempts: 429,
  rate_limited: 429,
  not_found: 404,
  request_timeout: 408,
  precondition_failed: 412,
  range_not_satisfiable: 416,
  expectation_failed: 417,
  headers_too_large: 431,
  already_exists: 409,
  body_too_large: 413,
  unsupported_media_type: 415,
  database_unavailable: 503,
  internal_error: 500,
} as const;
export type ErrorCode = keyof typeof error_statuses;
// Every refusal code is an error code (and so documented in docs/errors.md): a compile error otherwise.
const refusal_codes_are_error_codes: RefusalCode extends ErrorCode ? true : never = true;
void refusal_codes_are_error_codes;

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
  get status(): number {
    return error_statuses[this.code];
  }
}

/** No such object, or one of another organization (the two answer alike); `fields` when a body field named it. */
export const notFound = (what: RefusalParams['not_found']['what'], id: string, fields: readonly string[] = []) =>
  new Refusal('not_found', { what, id }, { fields });

/** A page size from the query string: 100 when absent, else 1 to `max` (a 400 naming querystring.limit otherwise). */
export function pageLimit(raw: string | undefined, max: number): number {
  const limit = raw === undefined ? 100 : Number(raw);
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= max)) {
    throw new ApiError('validation_failed', `limit must be between 1 and ${max}`, [{ field: 'querystring.limit', message: 'out of range' }]);
  }
  return limit;
}

// A NUL character, or a UTF-16 surrogate without its partner (not a character at all): no text field may hold one.
const forbidden_text = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The path of the first string (key or value) holding NUL or a lone surrogate, or null. Iterative: no deep recursion. */
export function badTextPath(value: unknown, root: string): string | null {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (forbidden_text.test(v)) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (forbidden_text.test(k)) return `${path}${path === '' ? '' : '.'}(key)`;
        stack.push([x, path === '' ? k : `${path}.${k}`]);
      }
    }
  }
  return null;
}

/** preValidation guard: NUL and lone surrogates anywhere in params, query or body answer 400 naming the field. */
export async function rejectBadText(request: FastifyRequest): Promise<void> {
  for (const [where, value] of [
    ['params', request.params],
    ['querystring', request.query],
    ['', request.body],
  ] as const) {
    const path = badTextPath(value, where);
    if (path !== null) {
      const field = path === '' ? '(body)' : path;
      throw new ApiError('validation_failed', `${field}: holds a NUL character or an unpaired UTF-16 surrogate`, [
        { field, message: 'holds a NUL character or an unpaired UTF-16 surrogate' },
      ]);
    }
  }
}

/** Client errors (4xx) that Fastify, Node or a plugin raise, by status: our code and message for each. */
export const client_error_codes: Readonly<Record<number, readonly [ErrorCode, string]>> = {
  400: ['malformed_request', 'the request cannot be read as HTTP/1.1'],
  403: ['not_found', 'no such file'], // the file server refusing a path outside its root: answered as a missing file
  404: ['not_found', 'no such file'],
  408: ['request_timeout', 'the request was not complete in time'],
  412: ['precondition_failed', 'a precondition (If-Match, If-Unmodified-Since) does not hold'],
  413: ['body_too_large', 'the request body is larger than the server accepts'],
  415: ['unsupported_media_type', 'send the body as application/json'],
  416: ['range_not_satisfiable', 'the requested range lies outside the file'],
  431: ['headers_too_large', 'the request line and headers are larger than the server accepts'],
};

/** A 4xx raised by the framework or a plugin (a FastifyError, or an http-errors error of the file server), else null. */
function clientErrorOf(error: unknown): { code: ErrorCode; status: number; message: string; content_range: string | null } | null {
  const e = error as { statusCode?: unknown; status?: unknown; headers?: unknown };
  const status = typeof e.statusCode === 'number' ? e.statusCode : typeof e.status === 'number' ? e.status : null;
  if (status === null || status < 400 || status > 499) return null;
  const [code, message] = client_error_codes[status] ?? client_error_codes[400]!;
  const range = typeof e.headers === 'object' && e.headers !== null ? (e.headers as Record<string, unknown>)['Content-Range'] : undefined;
  return { code, status, message, content_range: typeof range === 'string' ? range : null };
}

export function errorHandler(
  error: FastifyError & { validation?: ValidationIssue[]; validationContext?: string },
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (error instanceof Refusal) {
    const a = refusalAnswer(error);
    void reply.status(a.status).send(a.body);
    return;
  }
  if (error instanceof ApiError) {
    void reply.status(error.status).send({ error: { code: error.code, message: error.message, details: error.details } });
    return;
  }
  if (error.validation) {
    const where = error.validationContext ?? 'body';
    const details = error.validation.map((v) => describeIssue(v, where === 'body' ? '' : `${where}.`));
    void reply
      .status(400)
      .send({ error: { code: 'validation_failed', message: `invalid ${where}: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, details } });
    return;
  }
  const fastify_codes: Record<string, [ErrorCode, string]> = {
    FST_ERR_CTP_BODY_TOO_LARGE: ['body_too_large', 'the request body is larger than the server accepts'],
    FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'send the body as application/json'],
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['validation_failed', 'content-length does not match the body'],
    FST_ERR_CTP_EMPTY_JSON_BODY: ['malformed_json', 'the body is empty'],
    FST_ERR_CTP_INVALID_JSON_BODY: ['malformed_json', 'the body is not valid JSON'],
  };
  const mapped = error.code ? fastify_codes[error.code] : undefined;
  if (mapped) {
    void reply.status(error_statuses[mapped[0]]).send({ error: { code: mapped[0], message: mapped[1], details: [] } });
    return;
  }
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON|proto|constructor/i.test(error.message))) {
    // JSON.parse errors and Fastify's prototype-poisoning guard
    void reply.status(400).send({ error: { code: 'malformed_json', message: `the body is not acceptable JSON: ${error.message.slice(0, 200)}`, details: [] } });
    return;
  }
  // The database cannot be used right now (PostgreSQL restarting, a connection cut, SQLite's disk full): 503 with
  // Retry-After; the transaction was rolled back, and re-sending is safe (ingestion and money actions are idempotent).
  // Checked before the client-abort case below: a cut database connection says ECONNRESET too.
  if (isDatabaseUnavailable(error) && request.raw.socket?.destroyed !== true) {
    request.log.warn({ err: error }, 'database unavailable');
    void reply
      .status(503)
      .header('retry-after', String(unavailable_retry_after_s))
      .send({
        error: {
          code: 'database_unavailable',
          message: `the database cannot be reached or written right now (restarting, or out of disk space): send the same request again in ${unavailable_retry_after_s} s`,
          details: [],
        },
      });
    return;
  }
  // A stored sum of fen would pass the storage's bound: the write was rolled back, nothing rounded.
  if (isSumOverflow(error)) {
    const limit = `a stored sum of fen may not pass ${fen_storage_max} (2^63 − 1)`;
    void reply
      .status(422)
      .send({ error: { code: 'amount_too_large', message: `${limit}: nothing of this request was stored`, details: [{ field: '(body)', message: limit }] } });
    return;
  }
  // The client went away mid-request: nothing to answer, and not a server error.
  if ((error as { code?: string }).code === 'ECONNRESET' || error.message === 'aborted') {
    request.log.info({ reqId: request.id }, 'client closed the connection before the request was complete');
    void reply.status(400).send({ error: { code: 'validation_failed', message: 'the request ended before its body was complete', details: [] } });
    return;
  }
  // PostgreSQL refusing text it cannot store (the input guard catches these first; this is the safety net)
  const pg_code = (error as { code?: string }).code;
  if (pg_code === '22021' || pg_code === '22P05') {
    void reply
      .status(400)
      .send({ error: { code: 'validation_failed', message: 'a text value holds characters that cannot be stored (NUL or invalid UTF-8)', details: [] } });
    return;
  }
  // A client error Fastify or a plugin raised (the file server's refusals, ranges, preconditions): the client's fault,
  // answered in our shape with a documented code and logged as such, never a 500.
  const client = clientErrorOf(error);
  if (client !== null) {
    request.log.info({ code: client.code, status: client.status }, `client error: ${error.message.slice(0, 200)}`);
    if (client.content_range !== null) void reply.header('content-range', client.content_range);
    void reply.status(error_statuses[client.code]).send({ error: { code: client.code, message: client.message, details: [] } });
    return;
  }
  request.log.error({ err: error }, 'unexpected error');
  void reply.status(500).send({ error: { code: 'internal_error', message: `internal error (request ${request.id})`, details: [] } });
}

// Business refusals are answered here, and only here: the Refusal the services throw, in the words of the catalog
// (messages.ts), with its parameters beside them.

/** Parameters some codes also carry at the top level of the answer, beside `error` (kept from before `params`). */
const top_level_params: Partial<Record<RefusalCode, readonly string[]>> = {
  illegal_transition: ['state'],
  open_findings: ['finding_ids'],
};

/** A refusal as the API answers it: the code's status and `{ error: { code, message, details, params } }`. */
export function refusalAnswer(r: Refusal): { status: number; body: Record<string, unknown> } {
  const { message, details } = renderRefusal(r);
  const params = wireParams(r.params as Readonly<Record<string, unknown>>);
  const top = Object.fromEntries((top_level_params[r.code] ?? []).map((name) => [name, params[name]]));
  return { status: error_statuses[r.code], body: { ...r.answer, ...top, error: { code: r.code, message, details, params } } };
}
