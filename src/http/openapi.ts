// The OpenAPI document is completed from what every route already declares, so that a new route is documented without
// anyone remembering to: its access rule (config.access) gives the roles, the security requirement and the 401/403
// answers; its schema gives the 400/404/413/415 answers; a short list below adds the business codes its handler answers.
// Success schemas, summaries, descriptions and tags stay in the route files; examples live in openapi-examples.ts.
// Only the document changes here (swagger's `transform`): what Fastify validates and serializes is untouched.
import { Type } from 'typebox';
import type { FastifySchema, RouteOptions } from 'fastify';
import type { Access } from './auth.js';
import { error_statuses, refusalAnswer, type ErrorCode } from './errors.js';
import { Refusal, type RefusalCode } from '../domain/refusal.js';
import { route_examples, type Example } from './openapi-examples.js';
import { Rejection } from './schemas.js';

/** Where the API lives; routes outside it (the dashboard's files, the explorer) are left out of the document. */
export const api_prefix = '/api/v1';

/** The component every error answer refers to. */
export const error_schema_id = 'Error';

const error_codes = Object.keys(error_statuses) as ErrorCode[];

/** `{ error: { code, message, details, params? } }`: the one shape of every error answer (docs/errors.md). */
export const ErrorSchema = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.Unsafe<ErrorCode>({ type: 'string', enum: error_codes, description: 'stable; never renamed once shipped (docs/errors.md)' }),
        message: Type.String({ description: 'for people; may change' }),
        details: Type.Array(
          Type.Object(
            {
              field: Type.String({ description: 'the offending field path, e.g. records[3].amount_fen, querystring.limit, header.suanli-signature' }),
              message: Type.String(),
            },
            { additionalProperties: true },
          ),
          { description: 'one entry per offending field; empty when no field is at fault' },
        ),
        params: Type.Optional(
          Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Array(Type.String())]), {
            description:
              "a business refusal's named parameters (ids, counts, states; amounts in fen as decimal strings), from which `message` is written: " +
              'stable per code (docs/errors.md), for clients that write their own words',
          }),
        ),
      },
      { additionalProperties: false },
    ),
    // What some codes carry beside `error`, so that a client reads them as values rather than from the message.
    accepted: Type.Optional(Type.Integer({ description: 'all_records_rejected: records stored (0)' })),
    duplicates: Type.Optional(Type.Integer({ description: 'all_records_rejected: records stored before (0)' })),
    rejected: Type.Optional(Type.Array(Rejection, { description: "all_records_rejected: every record's rejection, by its index in the batch" })),
    state: Type.Optional(Type.String({ description: "illegal_transition: the claim's or finding's current state" })),
    finding_ids: Type.Optional(Type.Array(Type.String(), { description: "open_findings: the open high-severity findings on the claim's records" })),
  },
  {
    $id: error_schema_id,
    additionalProperties: true,
    description:
      'Some codes carry more beside `error`: all_records_rejected the batch outcome (accepted, duplicates, rejected), ' +
      'illegal_transition the current `state`, open_findings the `finding_ids`.',
  },
);

export const security_schemes = {
  apiKey: {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key issued by the program office (POST /api/v1/api-keys), sent as `Authorization: Bearer <key>`. Machines use keys.',
  },
  session: {
    type: 'apiKey',
    in: 'cookie',
    name: 'suanli_session',
    description:
      'The session cookie POST /api/v1/auth/login sets (people, in the browser). Every state-changing call made with it ' +
      'also sends the CSRF token login answered in `x-csrf-token` (else 403 csrf_failed).',
  },
} as const;

/** The business codes each route's handler may answer, beyond those its access rule and schema imply. */
export const route_error_codes: Readonly<Record<string, readonly ErrorCode[]>> = {
  'POST /api/v1/accelerators': ['invalid_accelerator', 'already_exists'],
  'PATCH /api/v1/accelerators/:id': ['invalid_accelerator'],
  'POST /api/v1/enterprises': ['invalid_credit_code', 'already_exists'],
  'POST /api/v1/providers/:id/clusters': ['invalid_inventory', 'already_exists'],
  'PUT /api/v1/clusters/:id/inventory': ['invalid_inventory'],
  'POST /api/v1/api-keys': ['not_found'],
  'POST /api/v1/usage': ['batch_too_large', 'bad_signature', 'signature_required', 'all_records_rejected'],
  'GET /api/v1/usage': ['not_found'],
  'GET /api/v1/usage/summary': ['not_found'],
  'GET /api/v1/usage/rejections': ['not_found'],
  'POST /api/v1/programs': ['invalid_program', 'already_exists'],
  'POST /api/v1/programs/:id/rule-sets': ['invalid_program'],
  'POST /api/v1/programs/:id/estimate': ['invalid_period', 'not_eligible', 'no_rule_set'],
  'POST /api/v1/programs/:id/simulate': ['invalid_program', 'invalid_period'],
  'POST /api/v1/claims': ['not_found', 'invalid_period', 'not_eligible', 'no_rule_set', 'no_records', 'records_taken'],
  'GET /api/v1/claims': ['not_found'],
  'POST /api/v1/claims/:id/submit': ['illegal_transition'],
  'POST /api/v1/claims/:id/withdraw': ['illegal_transition'],
  'POST /api/v1/claims/:id/approve': ['illegal_transition', 'budget_exhausted', 'open_findings'],
  'POST /api/v1/claims/:id/reject': ['illegal_transition'],
  'POST /api/v1/claims/:id/pay': ['illegal_transition', 'nothing_payable', 'amount_too_large', 'idempotency_key_reused'],
  'POST /api/v1/claims/:id/claw-back': ['illegal_transition', 'amount_too_large'],
  'POST /api/v1/claims/:id/accept-progress-report': ['illegal_transition'],
  'POST /api/v1/findings/:id/dismiss': ['illegal_transition'],
  'POST /api/v1/findings/:id/confirm': ['illegal_transition'],
  'POST /api/v1/providers/:id/signing-keys': ['invalid_public_key'],
  'POST /api/v1/signing-keys/:id/revoke': ['illegal_transition'],
  'POST /api/v1/auth/login': ['invalid_credentials', 'too_many_attempts'],
  'POST /api/v1/auth/password': ['invalid_credentials', 'invalid_password'],
  'POST /api/v1/auth/accept-invitation': ['invalid_invitation', 'invalid_password'],
  'POST /api/v1/users/invite': ['not_found', 'already_exists'],
  'POST /api/v1/users/:id/disable': ['illegal_transition'],
  // a provider or an enterprise naming another organization in a filter
  'GET /api/v1/reports/usage-summary': ['not_found'],
  'GET /api/v1/reports/claims': ['not_found'],
};

/** An example answer per request-error code (a generic one for a code not listed). */
const error_examples: Partial<Record<ErrorCode, { message: string; details?: { field: string; message: string }[] }>> = {
  validation_failed: {
    message: 'invalid body: name: must NOT have fewer than 1 characters',
    details: [{ field: 'name', message: 'must NOT have fewer than 1 characters' }],
  },
  malformed_json: { message: 'the body is not valid JSON' },
  unauthorized: { message: 'unknown or revoked API key' },
  invalid_credentials: { message: 'wrong login or password' },
  bad_signature: {
    message: 'the signature does not match the body bytes under key "sk_e3aixnw8aa6fuxiam8yt"; nothing was stored',
    details: [{ field: 'header.suanli-signature', message: 'bad_signature' }],
  },
  forbidden: { message: 'a provider key may not call this' },
  csrf_failed: { message: "a state-changing call made with the session cookie needs the session's CSRF token in the x-csrf-token header" },
  too_many_attempts: { message: 'too many failed sign-ins: try again in 4 s' },
  rate_limited: { message: 'more than 12000 requests in a minute: try again in 31 s' },
  body_too_large: { message: 'the request body is larger than the server accepts' },
  unsupported_media_type: { message: 'send the body as application/json' },
  internal_error: { message: 'internal error (request req-1f)' },
};

/** An example refusal per business code, answered as the API answers it (message from the catalog, params beside). */
const refusal_examples: { readonly [C in RefusalCode]?: Refusal<C> } = {
  not_found: new Refusal('not_found', { what: 'provider', id: 'p_gvnp6zuj5wjpdvy46jsn' }),
  already_exists: new Refusal('already_exists', { what: 'cluster', name: 'sh-a' }, { fields: ['name'] }),
  batch_too_large: new Refusal('batch_too_large', { records: 10_001, records_max: 10_000 }, { fields: ['records'] }),
  invalid_credit_code: new Refusal('invalid_credit_code', { reason: 'check_digit', character: 'X', expected: '4' }, { fields: ['credit_code'] }),
  invalid_inventory: new Refusal('invalid_inventory', { reason: 'not_in_catalog', index: 0, accelerator: 'acme-x1' }, { fields: ['inventory[0].accelerator'] }),
  invalid_accelerator: new Refusal('invalid_accelerator', { reason: 'zero', field: 'bf16_tflops_dense' }, { fields: ['bf16_tflops_dense'] }),
  all_records_rejected: new Refusal(
    'all_records_rejected',
    { records: 1 },
    {
      problems: [{ field: 'records[0].count', message: 'count_exceeds_inventory: 65 cards, the cluster held 64' }],
      answer: {
        accepted: 0,
        duplicates: 0,
        rejected: [{ index: 0, record_id: 'job-4712', code: 'count_exceeds_inventory', field: 'count', message: '65 cards, the cluster held 64' }],
      },
    },
  ),
  invalid_program: new Refusal(
    'invalid_program',
    { reason: 'definition', problems: 1 },
    { problems: [{ code: 'invalid_value', field: 'rule_set.rules[0] (all).pay.rate_bp', message: 'must be <= 10000' }] },
  ),
  not_eligible: new Refusal('not_eligible', { requirement: 'size', allowed: ['small', 'micro'] }, { fields: ['beneficiary_id'] }),
  invalid_period: new Refusal(
    'invalid_period',
    { reason: 'end_not_after_start', start_field: 'period_start', end_field: 'period_end' },
    { fields: ['period_end'] },
  ),
  no_rule_set: new Refusal('no_rule_set', {}, { fields: ['period_start'] }),
  no_records: new Refusal('no_records', {}, { fields: ['period_start'] }),
  amount_too_large: new Refusal('amount_too_large', { reason: 'above_allowed', amount_fen_max: 120_000n }, { fields: ['amount_fen'] }),
  illegal_transition: new Refusal('illegal_transition', { subject: 'claim', state: 'draft', allowed_from: ['submitted'] }, { fields: ['state'] }),
  budget_exhausted: new Refusal('budget_exhausted', { available_fen: 0n }, { fields: ['budget'] }),
  invalid_password: new Refusal('invalid_password', { reason: 'too_short', chars_min: 12 }, { fields: ['new_password'] }),
  invalid_invitation: new Refusal('invalid_invitation', { reason: 'not_live' }, { fields: ['token'] }),
  invalid_public_key: new Refusal('invalid_public_key', { reason: 'private_key' }, { fields: ['public_key'] }),
  signature_required: new Refusal('signature_required', { reason: 'provider_key' }, { fields: ['header.suanli-signature'] }),
  open_findings: new Refusal('open_findings', { finding_ids: ['fnd_w3k8d2mq6tz9xhn4rb5c'] }, { fields: ['override_reason'] }),
  nothing_payable: new Refusal('nothing_payable', { reason: 'paid_in_full' }, { fields: ['amount_fen'] }),
  records_taken: new Refusal('records_taken', { reason: 'taken' }),
  idempotency_key_reused: new Refusal('idempotency_key_reused', { idempotency_key: 'pay-2027-03-0001' }, { fields: ['headers.idempotency-key'] }),
};

export function errorExample(code: ErrorCode): Record<string, unknown> {
  const r = (refusal_examples as Partial<Record<ErrorCode, Refusal>>)[code];
  if (r !== undefined) return refusalAnswer(r).body;
  const e = error_examples[code];
  return { error: { code, message: e?.message ?? code.replaceAll('_', ' '), details: e?.details ?? [] } };
}

const safe_methods = new Set(['GET', 'HEAD', 'OPTIONS']);
const status_names: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Body too large',
  415: 'Unsupported media type',
  422: 'Unprocessable',
  429: 'Too many requests',
  500: 'Internal error',
};

/** `METHOD /api/v1/path` as Fastify registers the route (`:id` for path parameters): the key of the tables. */
export const routeKey = (method: string, url: string) => `${method} ${url}`;

interface RouteSchema extends FastifySchema {
  summary?: string;
  description?: string;
  tags?: string[];
  response?: Record<string, unknown>;
}

/** The sentence every operation's description carries about who may call it. */
export function accessSentence(access: Access): string {
  return access === 'public' ? 'Public: no key or session needed.' : `Roles: ${access.join(', ')}.`;
}

/** The error codes a route can answer: from its access rule and schema, plus its handler's own (route_error_codes). */
export function routeErrorCodes(method: string, url: string, access: Access, schema: RouteSchema): ErrorCode[] {
  const codes = new Set<ErrorCode>();
  const has_body = schema.body !== undefined;
  if (has_body || schema.querystring !== undefined || schema.params !== undefined || schema.headers !== undefined) codes.add('validation_failed');
  if (has_body) for (const c of ['malformed_json', 'body_too_large', 'unsupported_media_type'] as const) codes.add(c);
  if (access !== 'public') {
    codes.add('unauthorized');
    codes.add('forbidden');
    if (!safe_methods.has(method)) codes.add('csrf_failed');
  }
  if (schema.params !== undefined || url.includes('/:')) codes.add('not_found');
  for (const c of route_error_codes[routeKey(method, url)] ?? []) codes.add(c);
  codes.add('rate_limited');
  codes.add('internal_error');
  return [...codes].sort((a, b) => error_statuses[a] - error_statuses[b] || (a < b ? -1 : 1));
}

/** Named OpenAPI examples from the module's list. */
function examplesObject(list: readonly Example[]): Record<string, { summary: string; value: unknown }> {
  return Object.fromEntries(list.map((e) => [e.name, { summary: e.summary, value: e.value }]));
}

/**
 * swagger's `transform`: the route's schema as the document shows it. The route's own schema objects are never changed
 * (they are shared between routes and used by Fastify); the parts that change are copied.
 */
export function documentRoute({ schema, url, route }: { schema: FastifySchema | undefined; url: string; route: RouteOptions }): {
  schema: FastifySchema;
  url: string;
} {
  const own = (schema ?? {}) as RouteSchema;
  if (!url.startsWith(api_prefix)) return { schema: { ...own, hide: true } as FastifySchema, url };
  const access = (route.config as { access?: Access } | undefined)?.access;
  if (access === undefined) throw new Error(`route ${String(route.method)} ${url} declares no access rule`);
  const method = Array.isArray(route.method) ? String(route.method[0]) : String(route.method);
  const key = routeKey(method, url);
  const examples = route_examples[key];
  const out: RouteSchema & Record<string, unknown> = { ...own };

  out['x-roles'] = access === 'public' ? [] : [...access];
  out['x-public'] = access === 'public';
  out.description =
    own.description === undefined || own.description === '' ? accessSentence(access) : `${own.description.trimEnd()}\n\n${accessSentence(access)}`;
  out.security = access === 'public' ? [] : [{ apiKey: [] }, { session: [] }];
  if (out.tags === undefined || out.tags.length === 0) out.tags = [url.slice(api_prefix.length + 1).split('/')[0] ?? 'api'];

  if (own.body !== undefined && examples?.request !== undefined) {
    out.body = { ...(own.body as object), 'x-examples': examplesObject(examples.request) };
  }

  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(own.response ?? {})) {
    const r = response as Record<string, unknown>;
    const ok = /^2/.test(status);
    const content = typeof r.content === 'object' && r.content !== null ? (r.content as Record<string, Record<string, unknown>>) : null;
    if (content !== null) {
      // An answer in several formats (an export as CSV, XLSX or JSON): the examples go with its JSON form.
      const json = Object.keys(content).find((type) => /^application\/(.+\+)?json/.test(type));
      responses[status] =
        !ok || json === undefined || examples?.response === undefined
          ? r
          : { ...r, content: { ...content, [json]: { ...content[json], examples: examplesObject(examples.response) } } };
      continue;
    }
    responses[status] = !ok
      ? r
      : {
          ...r,
          'x-response-description': typeof r.description === 'string' ? r.description : status === '201' ? 'Created' : 'OK',
          ...(examples?.response === undefined ? {} : { 'x-examples': examplesObject(examples.response) }),
        };
  }

  const by_status = new Map<number, ErrorCode[]>();
  for (const code of routeErrorCodes(method, url, access, own)) {
    const status = error_statuses[code];
    by_status.set(status, [...(by_status.get(status) ?? []), code]);
  }
  for (const [status, codes] of by_status) {
    if (responses[String(status)] !== undefined) continue;
    responses[String(status)] = {
      description: `${status_names[status] ?? 'Error'}: ${codes.map((c) => `\`${c}\``).join(', ')} (docs/errors.md)`,
      content: {
        'application/json': {
          schema: { $ref: `${error_schema_id}#` },
          examples: Object.fromEntries(codes.map((c) => [c, { summary: c, value: errorExample(c) }])),
        },
      },
    };
  }
  out.response = responses;
  return { schema: out as FastifySchema, url };
}

/** Tags in the order the explorer shows them, with what each holds. */
export const document_tags = [
  { name: 'system', description: "Health and the caller's identity." },
  { name: 'auth', description: 'Signing in and out, passwords, invitations (people; machines use API keys).' },
  { name: 'users', description: "People's accounts." },
  { name: 'organizations', description: 'The office, providers and enterprises.' },
  { name: 'keys', description: 'API keys (shown once, stored hashed).' },
  { name: 'catalog', description: 'Accelerator models and reference prices.' },
  { name: 'clusters', description: "Providers' clusters and their inventory." },
  { name: 'integrity', description: "Providers' Ed25519 signing keys for usage batches (docs/integrity.md)." },
  { name: 'usage', description: 'Usage reports, listings, summaries and rejected records.' },
  { name: 'programs', description: 'Subsidy programs, rule sets, estimates and what-if replays.' },
  { name: 'claims', description: 'The claim life cycle.' },
  { name: 'ledger', description: 'The double-entry budget ledger.' },
  { name: 'findings', description: 'Integrity findings and checks.' },
  { name: 'audit', description: 'The hash-chained audit log.' },
  { name: 'dashboard', description: "The program office's overview." },
  { name: 'reports', description: 'Exports as CSV, XLSX or JSON.' },
];

/** Components are named after the shared schemas' $id (UsageRecord, Error) rather than def-0, def-1 … */
export function componentName(json: { $id?: unknown }, _base_uri: unknown, _fragment: unknown, i: number): string {
  return typeof json.$id === 'string' && /^[A-Za-z0-9_.-]+$/.test(json.$id) ? json.$id : `def-${i}`;
}
