// The OpenAPI document is completed from what every route already declares, so that a new route is documented without
// anyone remembering to: its access rule (config.access) gives the roles, the security requirement and the 401/403
// answers; its schema gives the 400/404/413/415 answers; a short list below adds the business codes its handler answers.
// Success schemas, summaries, descriptions and tags stay in the route files; examples live in openapi-examples.ts.
// Only the document changes here (swagger's `transform`): what Fastify validates and serializes is untouched.
import { Type } from 'typebox';
import type { FastifySchema, RouteOptions } from 'fastify';
import type { Access } from './auth.js';
import { error_statuses, type ErrorCode } from './errors.js';
import { route_examples, type Example } from './openapi-examples.js';
import { Rejection } from './schemas.js';

/** Where the API lives; routes outside it (the dashboard's files, the explorer) are left out of the document. */
export const api_prefix = '/api/v1';

/** The component every error answer refers to. */
export const error_schema_id = 'Error';

const error_codes = Object.keys(error_statuses) as ErrorCode[];

/** `{ error: { code, message, details, params? } }`: the one shape of every error answer (docs/errors.md). */
export const ErrorSchema = Type.Object({
  error: Type.Object({
    code: Type.Unsafe<ErrorCode>({ type: 'string', enum: error_codes, description: 'stable; never renamed once shipped (docs/errors.md)' }),
    message: Type.String({ description: 'for people; may change' }),
    details: Type.Array(Type.Object({
      field: Type.String({ description: 'the offending field path, e.g. records[3].amount_fen, querystring.limit, header.suanli-signature' }),
      message: Type.String(),
    }, { additionalProperties: true }), { description: 'one entry per offending field; empty when no field is at fault' }),
    params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Array(Type.String())]), {
      description: 'a business refusal\'s named parameters (ids, counts, states; amounts in fen as decimal strings), from which `message` is written: '
        + 'stable per code (docs/errors.md), for clients that write their own words',
    })),
  }, { additionalProperties: false }),
  // What some codes carry beside `error`, so that a client reads them as values rather than from the message.
  accepted: Type.Optional(Type.Integer({ description: 'all_records_rejected: records stored (0)' })),
  duplicates: Type.Optional(Type.Integer({ description: 'all_records_rejected: records stored before (0)' })),
  rejected: Type.Optional(Type.Array(Rejection, { description: 'all_records_rejected: every record\'s rejection, by its index in the batch' })),
  state: Type.Optional(Type.String({ description: 'illegal_transition: the claim\'s or finding\'s current state' })),
  finding_ids: Type.Optional(Type.Array(Type.String(), { description: 'open_findings: the open high-severity findings on the claim\'s records' })),
}, {
  $id: error_schema_id,
  additionalProperties: true,
  description: 'Some codes carry more beside `error`: all_records_rejected the batch outcome (accepted, duplicates, rejected), '
    + 'illegal_transition the current `state`, open_findings the `finding_ids`.',
});

export const security_schemes = {
  apiKey: {
    type: 'http', scheme: 'bearer',
    description: 'An API key issued by the program office (POST /api/v1/api-keys), sent as `Authorization: Bearer <key>`. Machines use keys.',
  },
  session: {
    type: 'apiKey', in: 'cookie', name: 'suanli_session',
    description: 'The session cookie POST /api/v1/auth/login sets (people, in the browser). Every state-changing call made with it '
      + 'also sends the CSRF token login answered in `x-csrf-token` (else 403 csrf_failed).',
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

/** An example error answer per code (a generic one for a code not listed). */
const error_examples: Partial<Record<ErrorCode, { message: string; details?: { field: string; message: string }[]; extra?: Record<string, unknown> }>> = {
  validation_failed: { message: 'invalid body: name: must NOT have fewer than 1 characters', details: [{ field: 'name', message: 'must NOT have fewer than 1 characters' }] },
  malformed_json: { message: 'the body is not valid JSON' },
  batch_too_large: { message: 'a batch holds at most 10000 records, this one 10001', details: [{ field: 'records', message: 'at most 10000 records' }] },
  unauthorized: { message: 'unknown or revoked API key' },
  invalid_credentials: { message: 'wrong login or password' },
  bad_signature: {
    message: 'the signature does not match the body bytes under key "sk_e3aixnw8aa6fuxiam8yt"; nothing was stored',
    details: [{ field: 'header.suanli-signature', message: 'bad_signature' }],
  },
  forbidden: { message: 'a provider key may not call this' },
  csrf_failed: { message: 'a state-changing call made with the session cookie needs the session\'s CSRF token in the x-csrf-token header' },
  too_many_attempts: { message: 'too many failed sign-ins: try again in 4 s' },
  rate_limited: { message: 'more than 12000 requests in a minute: try again in 31 s' },
  not_found: { message: 'provider p_gvnp6zuj5wjpdvy46jsn not found' },
  already_exists: { message: 'the provider already has a cluster named "sh-a"', details: [{ field: 'name', message: 'already exists' }] },
  body_too_large: { message: 'the request body is larger than the server accepts' },
  unsupported_media_type: { message: 'send the body as application/json' },
  invalid_credit_code: { message: 'the check digit is wrong', details: [{ field: 'credit_code', message: 'the check digit is wrong' }] },
  invalid_inventory: { message: 'inventory[0].accelerator "acme-x1" is not in the catalog', details: [{ field: 'inventory[0].accelerator', message: 'not in the catalog' }] },
  invalid_accelerator: { message: 'bf16_tflops_dense: a throughput must not be zero', details: [{ field: 'bf16_tflops_dense', message: 'a throughput must not be zero' }] },
  all_records_rejected: {
    message: 'all 1 records were rejected; nothing was stored',
    details: [{ field: 'records[0].count', message: 'count_exceeds_inventory: 65 cards, the cluster held 64' }],
    extra: { accepted: 0, duplicates: 0, rejected: [{ index: 0, record_id: 'job-4712', code: 'count_exceeds_inventory', field: 'count', message: '65 cards, the cluster held 64' }] },
  },
  invalid_program: { message: 'rule_set.rules[0] (all).pay.rate_bp: must be <= 10000', details: [{ field: 'rule_set.rules[0] (all).pay.rate_bp', message: 'must be <= 10000' }] },
  not_eligible: { message: 'the program pays small, micro enterprises', details: [{ field: 'beneficiary_id', message: 'the program pays small, micro enterprises' }] },
  invalid_period: { message: 'period_end must be after period_start', details: [{ field: 'period_end', message: 'period_end must be after period_start' }] },
  no_rule_set: { message: 'no rule-set version is in force at the start of the period', details: [{ field: 'period_start', message: 'no rule-set version is in force at the start of the period' }] },
  no_records: { message: 'no usage in the period that a claim of this funding layer does not already hold', details: [{ field: 'period_start', message: 'no usage in the period that a claim of this funding layer does not already hold' }] },
  amount_too_large: { message: 'at most 120000 fen', details: [{ field: 'amount_fen', message: 'at most 120000 fen' }] },
  illegal_transition: { message: 'the claim is draft; this needs submitted', details: [{ field: 'state', message: 'draft' }], extra: { state: 'draft' } },
  budget_exhausted: { message: 'the program has no budget left to grant', details: [{ field: 'budget', message: 'available 0 fen' }] },
  invalid_password: { message: 'a password has at least 12 characters', details: [{ field: 'new_password', message: 'a password has at least 12 characters' }] },
  invalid_invitation: { message: 'the invitation is unknown, used or expired', details: [{ field: 'token', message: 'not a live invitation' }] },
  invalid_public_key: { message: 'this is a private key: register the public key (openssl pkey -pubout) and keep the private key secret', details: [{ field: 'public_key', message: 'this is a private key' }] },
  signature_required: {
    message: 'the provider registered a signing key: sign the exact body bytes and send them with a Suanli-Signature header (docs/integrity.md); nothing was stored',
    details: [{ field: 'header.suanli-signature', message: 'is required' }],
  },
  open_findings: {
    message: 'the claim\'s usage has open high-severity findings (fnd_w3k8d2mq6tz9xhn4rb5c): review them, or approve with a written override_reason',
    details: [{ field: 'override_reason', message: 'required while high-severity findings are open' }], extra: { finding_ids: ['fnd_w3k8d2mq6tz9xhn4rb5c'] },
  },
  nothing_payable: { message: 'the claim is paid in full', details: [{ field: 'amount_fen', message: 'the claim is paid in full' }] },
  records_taken: { message: 'concurrent claims kept taking the same records; try again' },
  idempotency_key_reused: {
    message: 'the Idempotency-Key "pay-2027-03-0001" was used for this claim with another body: send a new key for a new payment',
    details: [{ field: 'headers.idempotency-key', message: 'used before with another body' }],
  },
  internal_error: { message: 'internal error (request req-1f)' },
};

export function errorExample(code: ErrorCode): Record<string, unknown> {
  const e = error_examples[code];
  return { ...(e?.extra ?? {}), error: { code, message: e?.message ?? code.replaceAll('_', ' '), details: e?.details ?? [] } };
}

const safe_methods = new Set(['GET', 'HEAD', 'OPTIONS']);
const status_names: Record<number, string> = {
  400: 'Bad request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not found', 409: 'Conflict', 413: 'Body too large',
  415: 'Unsupported media type', 422: 'Unprocessable', 429: 'Too many requests', 500: 'Internal error',
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
export function documentRoute({ schema, url, route }: { schema: FastifySchema | undefined; url: string; route: RouteOptions }): { schema: FastifySchema; url: string } {
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
  out.description = own.description === undefined || own.description === ''
    ? accessSentence(access)
    : `${own.description.trimEnd()}\n\n${accessSentence(access)}`;
  out.security = access === 'public' ? [] : [{ apiKey: [] }, { session: [] }];
  if (out.tags === undefined || out.tags.length === 0) out.tags = [url.slice(api_prefix.length + 1).split('/')[0] ?? 'api'];

  if (own.body !== undefined && examples?.request !== undefined) {
    out.body = { ...(own.body as object), 'x-examples': examplesObject(examples.request) };
  }

  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(own.response ?? {})) {
    const r = response as Record<string, unknown>;
    const ok = /^2/.test(status);
    const content = typeof r.content === 'object' && r.content !== null ? r.content as Record<string, Record<string, unknown>> : null;
    if (content !== null) {
      // An answer in several formats (an export as CSV, XLSX or JSON): the examples go with its JSON form.
      const json = Object.keys(content).find((type) => /^application\/(.+\+)?json/.test(type));
      responses[status] = !ok || json === undefined || examples?.response === undefined ? r
        : { ...r, content: { ...content, [json]: { ...content[json], examples: examplesObject(examples.response) } } };
      continue;
    }
    responses[status] = !ok ? r : {
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
  { name: 'system', description: 'Health and the caller\'s identity.' },
  { name: 'auth', description: 'Signing in and out, passwords, invitations (people; machines use API keys).' },
  { name: 'users', description: 'People\'s accounts.' },
  { name: 'organizations', description: 'The office, providers and enterprises.' },
  { name: 'keys', description: 'API keys (shown once, stored hashed).' },
  { name: 'catalog', description: 'Accelerator models and reference prices.' },
  { name: 'clusters', description: 'Providers\' clusters and their inventory.' },
  { name: 'integrity', description: 'Providers\' Ed25519 signing keys for usage batches (docs/integrity.md).' },
  { name: 'usage', description: 'Usage reports, listings, summaries and rejected records.' },
  { name: 'programs', description: 'Subsidy programs, rule sets, estimates and what-if replays.' },
  { name: 'claims', description: 'The claim life cycle.' },
  { name: 'ledger', description: 'The double-entry budget ledger.' },
  { name: 'findings', description: 'Integrity findings and checks.' },
  { name: 'audit', description: 'The hash-chained audit log.' },
  { name: 'dashboard', description: 'The program office\'s overview.' },
  { name: 'reports', description: 'Exports as CSV, XLSX or JSON.' },
];

/** Components are named after the shared schemas' $id (UsageRecord, Error) rather than def-0, def-1 … */
export function componentName(json: { $id?: unknown }, _base_uri: unknown, _fragment: unknown, i: number): string {
  return typeof json.$id === 'string' && /^[A-Za-z0-9_.-]+$/.test(json.$id) ? json.$id : `def-${i}`;
}
