// Examples for the OpenAPI document: a request body and a success answer for every route, keyed by the route as Fastify
// registers it ("METHOD /api/v1/path/:id"). They tell one story (a provider in Shanghai reports a job on Ascend 910B
// cards for an enterprise, which claims a compute voucher), and test/api/openapi.test.ts validates each against its
// schema, so an example cannot drift from the schema it illustrates. Error answers get theirs in openapi.ts.

export interface Example {
  name: string;
  summary: string;
  value: unknown;
}
export interface RouteExamples {
  request?: readonly Example[];
  response?: readonly Example[];
}

const ids = {
  office: 'o_95qsqi4sddf6iri5b7fe',
  provider: 'p_gvnp6zuj5wjpdvy46jsn',
  enterprise: 'e_n748cruuvsrq4r52auqb',
  cluster: 'c_ry9h7ypar5pf5q5jbqk2',
  admin_key: 'k_t5zf5bg4xmyyg53peker',
  provider_key: 'k_85x64hrq66n7pv63pp2v',
  signing_key: 'sk_e3aixnw8aa6fuxiam8yt',
  program: 'prg_9msssk25xm7icwkrgxyg',
  claim: 'clm_pqiqdph4vtjqdgifnfm8',
  finding: 'fnd_w3k8d2mq6tz9xhn4rb5c',
  user: 'u_5kkaf5pftxxrafk2d9ga',
} as const;

const one = (value: unknown, summary = 'example', name = 'example'): Example[] => [{ name, summary, value }];

const ascend_910b = {
  id: 'huawei-ascend-910b',
  vendor: 'Huawei',
  model: 'Ascend 910B',
  domestic: true,
  year: 2023,
  process_nm: '7',
  fp32_tflops: null,
  bf16_tflops_dense: null,
  fp16_tflops_dense: '320',
  int8_tops_dense: null,
  memory_gb: '64',
  memory_type: 'HBM2e',
  memory_bw_gbs: null,
  tdp_w: 310,
  comparable_to: 'nvidia-a100-80gb-sxm',
  verified: 'uncertain',
  notes: "FP16 'approximately 320'; sources disagree on memory (32 vs 64 GB) and bandwidth (0.4 vs 1.2 TB/s) and power",
  source: 'https://boardor.com/blog/huawei-ascend-910b-outperforms-h20-910c-approaches-h100',
  normalization: {
    basis: 'fp16_dense',
    dense_tflops: '320',
    counts: 'compute',
    reference_accelerator: 'nvidia-a100-80gb-sxm',
    reference_ratio: '1.026',
    note: 'normalized compute uses the dense FP16 figure',
  },
};

const new_model = {
  id: 'acme-x1',
  vendor: 'Acme',
  model: 'X1',
  domestic: true,
  year: 2026,
  process_nm: '7',
  fp32_tflops: '60',
  bf16_tflops_dense: '400',
  fp16_tflops_dense: '400',
  int8_tops_dense: '800',
  memory_gb: '96',
  memory_type: 'HBM3',
  memory_bw_gbs: '3200',
  tdp_w: 550,
  comparable_to: 'nvidia-h100-sxm',
  verified: 'partly',
  notes: 'vendor datasheet figures',
  source: 'https://acme.example/x1-datasheet',
};
const new_model_view = {
  ...new_model,
  normalization: {
    basis: 'bf16_dense',
    dense_tflops: '400',
    counts: 'compute',
    reference_accelerator: 'nvidia-a100-80gb-sxm',
    reference_ratio: '1.282',
    note: 'normalized compute uses the dense BF16 figure',
  },
};

const provider_org = {
  id: ids.provider,
  kind: 'provider',
  name: 'Pujiang Compute',
  credit_code: null,
  region: '310000',
  sector: null,
  size: null,
  categories: ['data_centre_operator'],
  created_at: '2026-09-01T02:00:00.000Z',
};
const enterprise_org = {
  id: ids.enterprise,
  kind: 'enterprise',
  name: 'Lanxu AI',
  credit_code: '91310000MA1FL8TQ23',
  region: '310000',
  sector: 'large_models',
  size: 'small',
  categories: ['startup'],
  created_at: '2026-09-01T02:01:00.000Z',
};

const inventory_in = [{ accelerator: 'huawei-ascend-910b', count: 64, valid_from: '2026-01-01T00:00:00Z' }];
const cluster_view = {
  id: ids.cluster,
  provider_id: ids.provider,
  name: 'sh-a',
  region: '310000',
  created_at: '2026-09-01T02:05:00.000Z',
  inventory: [{ accelerator: 'huawei-ascend-910b', count: 64, valid_from: '2026-01-01T00:00:00.000Z', valid_to: null }],
};

const record = (record_id: string, overrides: Record<string, unknown> = {}) => ({
  record_id,
  cluster_id: ids.cluster,
  enterprise_id: ids.enterprise,
  accelerator: 'huawei-ascend-910b',
  count: 8,
  started_at: '2026-10-01T00:00:00Z',
  ended_at: '2026-10-01T06:30:00Z',
  amount_fen: 124800,
  job_ref: `slurm:${record_id.replace('job-', '')}`,
  workload: 'training',
  ...overrides,
});
const usage_view = {
  seq: 1,
  record_id: 'job-4711',
  provider_id: ids.provider,
  cluster_id: ids.cluster,
  enterprise_id: ids.enterprise,
  accelerator: 'huawei-ascend-910b',
  count: 8,
  started_at: '2026-10-01T00:00:00.000Z',
  ended_at: '2026-10-01T06:30:00.000Z',
  amount_fen: 124800,
  job_ref: 'slurm:4711',
  workload: 'training',
  energy_wh: null,
  card_hours: '52.000',
  compute_pflop_h: '16.640000',
  normalized: true,
  received_at: '2026-10-01T06:31:02.114Z',
  signed: { batch_id: 1, key_id: ids.signing_key },
};
const rejection = {
  index: 1,
  record_id: 'job-4712',
  code: 'count_exceeds_inventory',
  field: 'count',
  message: 'count 65 exceeds the 64 huawei-ascend-910b cards the cluster held then',
};
const summary_row = {
  records: 1,
  card_hours: '52.000',
  card_hours_unnormalized: '0.000',
  compute_pflop_h: '16.640000',
  reference_card_hours: '53.333',
  amount_fen: '124800',
};

const rules = [{ id: 'domestic', description: 'domestic cards: 30% of the bill', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 3000 } }];
const program_view = {
  id: ids.program,
  code: 'sh-compute-2026',
  name_zh: '上海算力券',
  name_en: 'Shanghai compute vouchers',
  kind: 'compute_rent',
  source: null,
  beneficiary_kind: 'enterprise',
  funding_layer: 'city',
  window: { start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' },
  budget_fen: '100000000',
  caps: { share_bp: 3000, fen: null, fen_year: null },
  support_months: null,
  first_stage_bp: 10000,
  eligibility: { regions: ['31'] },
  requires_signed_usage: false,
  created_at: '2026-09-01T01:00:00.000Z',
};
const explanation = {
  lines: [
    {
      rule_id: 'domestic',
      basis: 'bill',
      records: 1,
      card_s: 187200,
      compute_gflop: '59904000000',
      energy_wh: 0,
      records_unvalued: 0,
      base_fen: '124800',
      rate_bp: 3000,
      fen_per_pflop_h: null,
      fen_per_kwh: null,
      ceiling_fen_per_card_hour: null,
      ceiling_cut_fen: '0',
      layer_cut_fen: '0',
      subsidy_fen: '37440',
    },
  ],
  unmatched: { records: 0, card_s: 0, amount_fen: '0', message: 'every record matched a rule' },
  period_excluded: null,
  domestic_share_bp: 10000,
  base_fen: '124800',
  computed_fen: '37440',
  cuts: [],
  granted_fen: '37440',
  rounding: "each record's subsidy is floored to whole fen (estimated energy to whole Wh); lines and totals are sums of those; cuts subtract whole fen",
};
const claim = (state: string, extra: Record<string, unknown> = {}) => ({
  id: ids.claim,
  program_id: ids.program,
  beneficiary_id: ids.enterprise,
  funding_layer: 'city',
  period_start: '2026-10-01T00:00:00.000Z',
  period_end: '2026-11-01T00:00:00.000Z',
  state,
  rule_set_version: 1,
  records: 1,
  base_fen: '124800',
  computed_fen: '37440',
  granted_fen: state === 'draft' || state === 'submitted' ? '0' : '37440',
  paid_fen: state === 'paid' ? '37440' : '0',
  clawed_back_fen: '0',
  progress_report_accepted: false,
  explanation: {
    ...explanation,
    rule_set_version: 1,
    ...(state === 'draft' || state === 'submitted' ? {} : { approval: { computed_fen: '37440', cuts: [], granted_fen: '37440' } }),
  },
  created_at: '2026-11-02T03:00:00.000Z',
  updated_at: '2026-11-02T03:00:00.000Z',
  ...extra,
});
const claim_action = (summary: string, request: unknown, state: string): RouteExamples => ({
  request: one(request, summary),
  response: one(claim(state, { updated_at: '2026-11-05T08:00:00.000Z' }), `the claim, now ${state}`),
});

const finding = (status: string) => ({
  id: ids.finding,
  kind: 'duplicate_job',
  severity: 'high',
  status,
  subject: { job_ref: 'slurm:4711', day: '2026-10-01' },
  message: 'Job slurm:4711 is reported by 2 providers on 2026-10-01.',
  evidence: { providers: [ids.provider, 'p_b2x7kq9wz4mn3tr8vc5h'], record_count: 2 },
  record_seqs: [1, 7],
  interval: { from: '2026-10-01T00:00:00.000Z', to: '2026-10-01T06:30:00.000Z' },
  created_at: '2026-10-02T00:00:05.000Z',
  updated_at: status === 'open' ? '2026-10-02T00:00:05.000Z' : '2026-10-03T09:00:00.000Z',
  resolution:
    status === 'open'
      ? null
      : {
          reason:
            status === 'dismissed'
              ? 'two tenants of one job, billed separately: checked with both providers'
              : 'confirmed with the provider: the job was billed twice',
          by: ids.admin_key,
        },
});

const signing_key = {
  id: ids.signing_key,
  provider_id: ids.provider,
  label: 'slurm exporter 2026',
  public_key: 'x6ize+DpM0xG7t/LEoDk3fjNFYrcGzXFWCVrNfn9NMY=',
  created_at: '2026-09-01T02:10:00.000Z',
  revoked_at: null,
};
const public_key_pem = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAx6ize+DpM0xG7t/LEoDk3fjNFYrcGzXFWCVrNfn9NMY=\n-----END PUBLIC KEY-----\n';

const user = (status: string) => ({
  id: ids.user,
  org_id: ids.provider,
  role: 'provider',
  login: 'ops@pujiang.example',
  name: 'Li Wei',
  status,
  created_at: '2026-09-01T02:20:00.000Z',
});

const audit_entry = {
  seq: 42,
  at: '2026-09-01T02:00:00.000Z',
  at_ms: 1788228000000,
  actor: { org_id: ids.office, key_id: ids.admin_key, role: 'administrator' },
  action: 'organization.create',
  subject: { kind: 'organization', id: ids.provider },
  before: null,
  after: { kind: 'provider', name: 'Pujiang Compute', credit_code: null, region: '310000', sector: null, size: null, categories: ['data_centre_operator'] },
  withheld: null,
  prev_hash: '45a4b33dc0b81b2f981fb6cf7eb08fdee914821d1099ca25ef2f862690038638',
  hash: '0c6a64fe196b5b8e9b1c0a4d3f2e7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f',
};
// The same log as an auditor reads it: a reference price entry with its content withheld.
const audit_entry_withheld = {
  seq: 57,
  at: '2026-09-02T01:00:00.000Z',
  at_ms: 1788310800000,
  actor: { org_id: ids.office, key_id: ids.admin_key, role: 'administrator' },
  action: 'catalog.reference_price',
  subject: { kind: 'accelerator', id: 'huawei-ascend-910b' },
  before: null,
  after: null,
  withheld: {
    fields: ['before', 'after'],
    reason: 'reference prices are shown to administrators only: the role auditor sees that the entry exists, not the prices',
  },
  prev_hash: '0c6a64fe196b5b8e9b1c0a4d3f2e7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f',
  hash: '7d3e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e',
};

const trend = (share: number) => ({
  slope_bp_per_month: 120,
  points: [
    { month: '2026-09', share_bp: share - 120 },
    { month: '2026-10', share_bp: share },
  ],
  share_bp_at_target: Math.min(10000, share + 14 * 120),
  reaches_target_month: '2027-02',
});

// The exports' JSON form (format=json): the CSV's sections, columns and cells as one document.
const claim_columns = [
  'claim_id',
  'program_id',
  'program_code',
  'program_name_zh',
  'program_name_en',
  'beneficiary_id',
  'beneficiary_name',
  'funding_layer',
  'state',
  'period_start_utc',
  'period_end_utc',
  'rule_set_version',
  'records',
  'domestic_share_bp',
  'base_fen',
  'base_yuan',
  'computed_fen',
  'computed_yuan',
  'granted_fen',
  'granted_yuan',
  'paid_fen',
  'paid_yuan',
  'clawed_back_fen',
  'clawed_back_yuan',
  'created_at_utc',
  'updated_at_utc',
];
const claim_row = [
  ids.claim,
  ids.program,
  'sh-compute-2026',
  '上海算力券',
  'Shanghai compute vouchers',
  ids.enterprise,
  'Lanxu AI',
  'city',
  'approved',
  '2026-10-01T00:00:00.000Z',
  '2026-11-01T00:00:00.000Z',
  1,
  1,
  10000,
  '124800',
  '1248.00',
  '37440',
  '374.40',
  '37440',
  '374.40',
  '0',
  '0.00',
  '0',
  '0.00',
  '2026-11-02T03:00:00.000Z',
  '2026-11-05T08:20:00.000Z',
];
const report_examples: Readonly<Record<string, RouteExamples>> = {
  'GET /api/v1/reports/usage-summary': {
    response: one(
      {
        report: 'usage-summary',
        sections: [
          {
            name: 'usage by accelerator',
            columns: [
              'accelerator',
              'name',
              'domestic',
              'records',
              'card_hours',
              'card_hours_unnormalized',
              'compute_pflop_h',
              'reference_card_hours',
              'amount_fen',
              'amount_yuan',
            ],
            rows: [
              ['huawei-ascend-910b', 'Huawei Ascend 910B', 'true', 1, '52.000', '0.000', '16.640000', '53.333', '124800', '1248.00'],
              ['total', null, null, 1, '52.000', '0.000', '16.640000', '53.333', '124800', '1248.00'],
            ],
          },
        ],
      },
      'format=json&group_by=accelerator',
    ),
  },
  'GET /api/v1/reports/claims': {
    response: one({ report: 'claims', sections: [{ name: 'claims', columns: claim_columns, rows: [claim_row] }] }, 'format=json'),
  },
  'GET /api/v1/reports/claims/:id': {
    response: one(
      {
        report: 'claim',
        sections: [
          { name: 'claim', columns: claim_columns, rows: [claim_row] },
          {
            name: 'lines',
            columns: [
              'rule_id',
              'basis',
              'records',
              'records_unvalued',
              'card_hours',
              'compute_pflop_h',
              'energy_kwh',
              'base_fen',
              'base_yuan',
              'rate_bp',
              'fen_per_pflop_h',
              'fen_per_kwh',
              'ceiling_fen_per_card_hour',
              'ceiling_cut_fen',
              'ceiling_cut_yuan',
              'layer_cut_fen',
              'layer_cut_yuan',
              'subsidy_fen',
              'subsidy_yuan',
              'note',
            ],
            rows: [
              [
                'domestic',
                'bill',
                1,
                0,
                '52.000',
                '16.640000',
                '0.000',
                '124800',
                '1248.00',
                3000,
                null,
                null,
                null,
                '0',
                '0.00',
                '0',
                '0.00',
                '37440',
                '374.40',
                null,
              ],
            ],
          },
          { name: 'cuts', columns: ['stage', 'kind', 'limit_fen', 'limit_yuan', 'cut_fen', 'cut_yuan', 'message'], rows: [] },
          {
            name: 'totals',
            columns: ['item', 'amount_fen', 'amount_yuan', 'note'],
            rows: [
              ['computed', '37440', '374.40', "the sum of the lines' subsidies, each record floored to whole fen"],
              ['granted', '37440', '374.40', 'now: net of claw-backs'],
              ['paid', '0', '0.00', 'now: net of recoveries'],
            ],
          },
        ],
      },
      'format=json (some rows left out)',
    ),
  },
  'GET /api/v1/reports/programs/:id/ledger': {
    response: one(
      {
        report: 'ledger',
        sections: [
          {
            name: 'ledger',
            columns: [
              'transfer_id',
              'at_utc',
              'kind',
              'from_account',
              'to_account',
              'beneficiary_id',
              'claim_id',
              'amount_fen',
              'amount_yuan',
              'available_change_fen',
              'available_change_yuan',
              'available_balance_fen',
              'available_balance_yuan',
              'transfer_key',
            ],
            rows: [
              [null, '2026-11-01T00:00:00.000Z', 'opening_balance', null, null, null, null, null, null, null, null, '100000000', '1000000.00', null],
              [
                2,
                '2026-11-05T08:20:00.000Z',
                'approve',
                `${ids.program}:available`,
                `${ids.program}:payable:${ids.enterprise}`,
                ids.enterprise,
                ids.claim,
                '37440',
                '374.40',
                '-37440',
                '-374.40',
                '99962560',
                '999625.60',
                `approve:${ids.claim}`,
              ],
              [null, '2026-12-01T00:00:00.000Z', 'closing_balance', null, null, null, null, null, null, '-37440', '-374.40', '99962560', '999625.60', null],
            ],
          },
        ],
      },
      'format=json, November',
    ),
  },
  'GET /api/v1/reports/programs/:id': {
    response: one(
      {
        report: 'program',
        sections: [
          {
            name: 'program',
            columns: [
              'program_id',
              'program_code',
              'name_zh',
              'name_en',
              'kind',
              'beneficiary_kind',
              'funding_layer',
              'window_start_utc',
              'window_end_utc',
              'budget_fen',
              'budget_yuan',
              'committed_fen',
              'committed_yuan',
              'reserved_fen',
              'reserved_yuan',
              'paid_fen',
              'paid_yuan',
              'available_fen',
              'available_yuan',
              'claims',
              'claims_approved',
              'beneficiaries_granted',
              'compute_pflop_h',
              'domestic_compute_pflop_h',
              'domestic_share_bp',
              'as_of_utc',
            ],
            rows: [
              [
                ids.program,
                'sh-compute-2026',
                '上海算力券',
                'Shanghai compute vouchers',
                'compute_rent',
                'enterprise',
                'city',
                '2026-01-01T00:00:00.000Z',
                '2027-01-01T00:00:00.000Z',
                '100000000',
                '1000000.00',
                '37440',
                '374.40',
                '37440',
                '374.40',
                '0',
                '0.00',
                '99962560',
                '999625.60',
                1,
                1,
                1,
                '16.640000',
                '16.640000',
                10000,
                '2026-11-29T12:00:00.000Z',
              ],
            ],
          },
        ],
      },
      'format=json (the program section)',
    ),
  },
};

export const route_examples: Readonly<Record<string, RouteExamples>> = {
  ...report_examples,
  'GET /api/v1/health': { response: one({ status: 'ok', database: 'sqlite' }, 'the server and its database answer') },
  'GET /api/v1/me': {
    response: [
      {
        name: 'key',
        summary: "a provider's API key",
        value: { key_id: ids.provider_key, org_id: ids.provider, role: 'provider', via: 'key', csrf_token: null, time_zone: 'Asia/Shanghai' },
      },
      {
        name: 'session',
        summary: 'a signed-in user',
        value: {
          key_id: ids.user,
          org_id: ids.provider,
          role: 'provider',
          via: 'session',
          csrf_token: 'Hk3v9XfT2mZ8wYp4LbN6cRqdK7hS5gAjeUtVxQyWz2c',
          time_zone: 'Asia/Shanghai',
        },
      },
    ],
  },

  'GET /api/v1/accelerators': { response: one({ items: [ascend_910b] }, 'domestic=true&vendor=Huawei (one of the models)') },
  'GET /api/v1/accelerators/:id': { response: one(ascend_910b, 'huawei-ascend-910b') },
  'POST /api/v1/accelerators': { request: one(new_model, 'a new model'), response: one(new_model_view, 'the model as stored') },
  'PATCH /api/v1/accelerators/:id': {
    request: one({ tdp_w: 550, notes: 'board power from the 2026 datasheet' }, 'correct two fields'),
    response: one({ ...new_model_view, notes: 'board power from the 2026 datasheet' }, 'the model after the change'),
  },
  'PUT /api/v1/accelerators/:id/reference-price': {
    request: one({ fen_per_card_h: 2400, source: 'Shanghai compute platform price list, 2026-09' }, '24 yuan per card-hour'),
    response: one(
      { accelerator: 'huawei-ascend-910b', fen_per_card_h: 2400, basis: 'set', source: 'Shanghai compute platform price list, 2026-09', market: null },
      'the price now in force',
    ),
  },
  'DELETE /api/v1/accelerators/:id/reference-price': { response: one({ removed: true }, 'removed') },
  'GET /api/v1/reference-prices': {
    response: one(
      {
        items: [
          { accelerator: 'huawei-ascend-910b', fen_per_card_h: 2400, basis: 'set', source: 'Shanghai compute platform price list, 2026-09', market: null },
          {
            accelerator: 'nvidia-a800-80gb-pcie',
            fen_per_card_h: 3150,
            basis: 'market',
            source: 'market: 312 records of 3 providers',
            market: { records: 312, providers: 3 },
          },
        ],
      },
      'a set price and a market price',
    ),
  },

  'POST /api/v1/providers': {
    request: one({ name: 'Pujiang Compute', region: '310000', categories: ['data_centre_operator'] }, 'a provider in Shanghai'),
    response: one({ id: ids.provider }, 'its id'),
  },
  'POST /api/v1/enterprises': {
    request: one(
      { name: 'Lanxu AI', credit_code: '91310000MA1FL8TQ23', region: '310000', sector: 'large_models', size: 'small', categories: ['startup'] },
      'an AI start-up',
    ),
    response: one({ id: ids.enterprise }, 'its id'),
  },
  'GET /api/v1/organizations': { response: one({ items: [provider_org, enterprise_org], next_cursor: null }, 'the last page') },
  'GET /api/v1/organizations/:id': { response: one(provider_org, 'a provider') },
  'GET /api/v1/providers': { response: one({ items: [provider_org] }, 'providers') },
  'GET /api/v1/providers/:id': { response: one(provider_org, 'a provider') },
  'GET /api/v1/enterprises': { response: one({ items: [enterprise_org] }, 'enterprises') },
  'GET /api/v1/enterprises/:id': { response: one(enterprise_org, 'an enterprise') },

  'POST /api/v1/providers/:id/clusters': {
    request: one({ name: 'sh-a', region: '310000', inventory: inventory_in }, '64 Ascend 910B cards since 2026'),
    response: one(cluster_view, 'the cluster'),
  },
  'GET /api/v1/providers/:id/clusters': { response: one({ items: [cluster_view] }, "the provider's clusters") },
  'GET /api/v1/clusters/:id': { response: one(cluster_view, 'a cluster') },
  'PUT /api/v1/clusters/:id/inventory': {
    request: one(
      {
        inventory: [
          { accelerator: 'huawei-ascend-910b', count: 64, valid_from: '2026-01-01T00:00:00Z', valid_to: '2026-12-01T00:00:00Z' },
          { accelerator: 'huawei-ascend-910b', count: 128, valid_from: '2026-12-01T00:00:00Z' },
        ],
      },
      'doubled from December',
    ),
    response: one(
      {
        ...cluster_view,
        inventory: [
          { accelerator: 'huawei-ascend-910b', count: 64, valid_from: '2026-01-01T00:00:00.000Z', valid_to: '2026-12-01T00:00:00.000Z' },
          { accelerator: 'huawei-ascend-910b', count: 128, valid_from: '2026-12-01T00:00:00.000Z', valid_to: null },
        ],
      },
      'the cluster with its new inventory',
    ),
  },

  'POST /api/v1/api-keys': {
    request: one({ org_id: ids.provider, role: 'provider', label: 'slurm exporter' }, "a key for a provider's exporter"),
    response: one({ id: ids.provider_key, key: 'sk_RYju1N66Qvyb9Jh7uXaOd2XelV8341F7Dsb22luE8Rc' }, 'the key, shown once'),
  },
  'GET /api/v1/api-keys': {
    response: one(
      {
        items: [
          {
            id: ids.provider_key,
            org_id: ids.provider,
            role: 'provider',
            label: 'slurm exporter',
            key_prefix: 'sk_RYju1N6',
            created_at: '2026-09-01T02:06:00.000Z',
            revoked_at: null,
          },
        ],
      },
      'keys by prefix',
    ),
  },
  'POST /api/v1/api-keys/:id/revoke': { response: one({ id: ids.provider_key, revoked: true }, 'revoked') },

  'POST /api/v1/usage': {
    request: [
      {
        name: 'batch',
        summary: 'two jobs',
        value: { records: [record('job-4711'), record('job-4712', { count: 65, job_ref: 'slurm:4712', workload: 'inference', energy_wh: 41600 })] },
      },
    ],
    response: [
      { name: 'accepted', summary: 'both records stored', value: { accepted: 2, duplicates: 0, rejected: [] } },
      { name: 'resent', summary: 'the same batch sent again: nothing changes', value: { accepted: 0, duplicates: 2, rejected: [] } },
      { name: 'partly_rejected', summary: 'one stored, one rejected', value: { accepted: 1, duplicates: 0, rejected: [rejection] } },
    ],
  },
  'POST /api/v1/usage/replacements': {
    request: one(
      {
        replaces: ['job-4711'],
        records: [record('job-4711-r1', { ended_at: '2026-10-01T05:00:00Z', amount_fen: 96000 })],
        reason: 'the job ended at 05:00, not 06:30',
      },
      'one record replaced by its correction',
    ),
    response: one({ replacement_id: 3, replaced: 1, accepted: 1 }, 'the correction stands; the replaced record is kept, superseded'),
  },
  'GET /api/v1/usage': { response: one({ items: [usage_view], next_cursor: '1' }, 'a page of one (limit=1): pass next_cursor as cursor for the next') },
  'GET /api/v1/usage/rejections': {
    response: one(
      { items: [{ id: 17, provider_id: ids.provider, received_at: '2026-10-01T06:31:02.114Z', ...rejection }], next_cursor: null },
      'the last page',
    ),
  },
  'GET /api/v1/usage/summary': {
    response: one(
      {
        group_by: 'accelerator',
        reference_accelerator: 'nvidia-a100-80gb-sxm',
        items: [{ key: 'huawei-ascend-910b', ...summary_row }],
        totals: summary_row,
      },
      'group_by=accelerator',
    ),
  },

  'POST /api/v1/programs': {
    request: one(
      {
        code: 'sh-compute-2026',
        name_zh: '上海算力券',
        name_en: 'Shanghai compute vouchers',
        kind: 'compute_rent',
        beneficiary_kind: 'enterprise',
        funding_layer: 'city',
        window: { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
        budget_fen: 100000000,
        caps: { share_bp: 3000 },
        eligibility: { regions: ['31'] },
        rule_set: { effective_from: '2026-01-01T00:00:00Z', rules },
      },
      '30% of the bill on domestic cards, for enterprises registered in Shanghai',
    ),
    response: one(program_view, 'the program'),
  },
  'GET /api/v1/programs': { response: one({ items: [program_view] }, 'programs') },
  'GET /api/v1/programs/:id': {
    response: one(
      {
        ...program_view,
        budget: { budget_fen: '100000000', available_fen: '99962560', reserved_fen: '37440', paid_fen: '0' },
        rule_sets: [
          {
            version: 1,
            effective_from: '2026-01-01T00:00:00.000Z',
            rules,
            rounding: 'line',
            used_by_approved_claims: true,
            created_at: '2026-09-01T01:00:00.000Z',
          },
        ],
      },
      'a program with its budget and rules',
    ),
  },
  'POST /api/v1/programs/:id/rule-sets': {
    request: one({ effective_from: '2027-01-01T00:00:00Z', rules: [{ ...rules[0], pay: { basis: 'bill', rate_bp: 2500 } }] }, '25% from 2027'),
    response: one(
      {
        program_id: ids.program,
        version: 2,
        effective_from: '2027-01-01T00:00:00.000Z',
        rules: [{ ...rules[0], pay: { basis: 'bill', rate_bp: 2500 } }],
        rounding: 'line',
      },
      'version 2',
    ),
  },
  'POST /api/v1/programs/:id/enrollments': {
    request: one({ beneficiary_id: ids.enterprise }, 'enrol an enterprise'),
    response: one({ program_id: ids.program, beneficiary_id: ids.enterprise }, 'enrolled'),
  },
  'POST /api/v1/programs/:id/estimate': {
    request: one({ period_start: '2026-10-01T00:00:00Z', period_end: '2026-11-01T00:00:00Z', beneficiary_id: ids.enterprise }, 'October, for an enterprise'),
    response: one(
      {
        program_id: ids.program,
        beneficiary_id: ids.enterprise,
        period_start: '2026-10-01T00:00:00.000Z',
        period_end: '2026-11-01T00:00:00.000Z',
        rule_set_version: 1,
        records: 1,
        explanation,
      },
      '30% of one bill',
    ),
  },
  'POST /api/v1/programs/:id/simulate': {
    request: one(
      {
        from: '2026-10-01T00:00:00Z',
        to: '2026-11-01T00:00:00Z',
        rules: [{ id: 'all', match: {}, pay: { basis: 'bill', rate_bp: 2000 } }],
        budget_fen: 50000000,
      },
      '20% of every bill, with half the budget',
    ),
    response: one(
      {
        program_id: ids.program,
        from: '2026-10-01T00:00:00.000Z',
        to: '2026-11-01T00:00:00.000Z',
        variants: [37440, 24960].map((fen, i) => ({
          label: i === 0 ? 'current' : 'candidate',
          rule_set_version: i === 0 ? 1 : null,
          beneficiaries: 1,
          computed_fen: String(fen),
          granted_fen: String(fen),
          domestic_fen: String(fen),
          foreign_fen: '0',
          per_beneficiary: [{ beneficiary_id: ids.enterprise, name: 'Lanxu AI', computed_fen: String(fen), granted_fen: String(fen) }],
          per_vendor: [{ vendor: 'Huawei', fen: String(fen) }],
          net_fen_per_pflop_h: { domestic: i === 0 ? 5250 : 6000, foreign: null },
          budget_fen: i === 0 ? '100000000' : '50000000',
          budget_runs_out_on: null,
        })),
      },
      'the current rules beside the candidate',
    ),
  },
  'GET /api/v1/programs/:id/ledger': {
    response: one(
      {
        program_id: ids.program,
        budget: { budget_fen: '100000000', available_fen: '99962560', reserved_fen: '37440', paid_fen: '0' },
        accounts: [
          { id: `${ids.program}:available`, kind: 'available', beneficiary_id: null, balance_fen: '99962560' },
          { id: `${ids.program}:funding`, kind: 'funding', beneficiary_id: null, balance_fen: '-100000000' },
          { id: `${ids.program}:payable:${ids.enterprise}`, kind: 'payable', beneficiary_id: ids.enterprise, balance_fen: '37440' },
        ],
        transfers: [
          {
            id: 1,
            key: `fund:${ids.program}:1`,
            kind: 'fund',
            debit: `${ids.program}:funding`,
            credit: `${ids.program}:available`,
            amount_fen: '100000000',
            claim_id: null,
            program_id: ids.program,
            at_ms: 1788224400000,
            at: '2026-09-01T01:00:00.000Z',
          },
          {
            id: 2,
            key: `approve:${ids.claim}`,
            kind: 'approve',
            debit: `${ids.program}:available`,
            credit: `${ids.program}:payable:${ids.enterprise}`,
            amount_fen: '37440',
            claim_id: ids.claim,
            program_id: ids.program,
            at_ms: 1793955600000,
            at: '2026-11-05T08:20:00.000Z',
          },
        ],
      },
      'funded, one approval',
    ),
  },
  'GET /api/v1/ledger/check': { response: one({ ok: true, problems: [] }, 'every invariant holds') },

  'POST /api/v1/claims': {
    request: one({ program_id: ids.program, period_start: '2026-10-01T00:00:00Z', period_end: '2026-11-01T00:00:00Z' }, 'an enterprise claims October'),
    response: one(claim('draft'), 'the draft claim'),
  },
  'GET /api/v1/claims': { response: one({ items: [claim('submitted')], next_cursor: null }, 'the last page') },
  'GET /api/v1/claims/:id': {
    response: one(
      {
        ...claim('approved'),
        events: [
          {
            action: 'create',
            from_state: null,
            to_state: 'draft',
            actor_org_id: ids.enterprise,
            actor_key_id: 'k_m4q8wz2tk6xn3hr7vbcd',
            reason: null,
            amount_fen: null,
            at_ms: 1793588400000,
            at: '2026-11-02T03:00:00.000Z',
          },
          {
            action: 'submit',
            from_state: 'draft',
            to_state: 'submitted',
            actor_org_id: ids.enterprise,
            actor_key_id: 'k_m4q8wz2tk6xn3hr7vbcd',
            reason: null,
            amount_fen: null,
            at_ms: 1793588460000,
            at: '2026-11-02T03:01:00.000Z',
          },
          {
            action: 'approve',
            from_state: 'submitted',
            to_state: 'approved',
            actor_org_id: ids.office,
            actor_key_id: ids.admin_key,
            reason: null,
            amount_fen: '37440',
            at_ms: 1793955600000,
            at: '2026-11-05T08:20:00.000Z',
          },
        ],
        findings: [],
      },
      'as the office reads it',
    ),
  },
  'POST /api/v1/claims/:id/submit': claim_action('submit', {}, 'submitted'),
  'POST /api/v1/claims/:id/withdraw': claim_action('withdraw, with a note', { reason: 'filed for the wrong month' }, 'withdrawn'),
  'POST /api/v1/claims/:id/approve': claim_action(
    'approve despite open findings, with the reason recorded',
    { override_reason: 'duplicate_job finding checked with both providers: separate jobs' },
    'approved',
  ),
  'POST /api/v1/claims/:id/reject': claim_action('reject, with the reason', { reason: 'the invoices do not match the reported usage' }, 'rejected'),
  'POST /api/v1/claims/:id/pay': claim_action('pay what is payable now', {}, 'paid'),
  'POST /api/v1/claims/:id/claw-back': claim_action(
    'claw back part of the payment',
    { reason: 'audit found 40 card-hours billed twice', amount_fen: 12000 },
    'clawed_back',
  ),
  'POST /api/v1/claims/:id/accept-progress-report': claim_action('accept the report', { reason: 'mid-term report received 2027-03-02' }, 'approved'),

  'GET /api/v1/findings': { response: one({ items: [finding('open')], next_cursor: null }, 'the last page') },
  'GET /api/v1/findings/:id': { response: one(finding('open'), 'an open finding') },
  'POST /api/v1/findings/:id/dismiss': {
    request: one({ reason: 'two tenants of one job, billed separately: checked with both providers' }, 'dismiss with a reason'),
    response: one(finding('dismissed'), 'dismissed'),
  },
  'POST /api/v1/findings/:id/confirm': {
    request: one({ reason: 'confirmed with the provider: the job was billed twice' }, 'confirm with a reason'),
    response: one(finding('confirmed'), 'confirmed'),
  },
  'POST /api/v1/checks/run': {
    request: one({ from: '2026-10-01T00:00:00Z', to: '2026-11-01T00:00:00Z' }, 'October'),
    response: one(
      { found: { capacity_overrun: 0, duplicate_job: 1, overlapping_job: 0, price_outlier: 2 }, created: 1, truncated: false },
      'three found, one new',
    ),
  },

  'GET /api/v1/audit': {
    response: [
      { name: 'example', summary: 'a page of one (limit=1): pass next_cursor as after_seq', value: { items: [audit_entry], next_cursor: '42' } },
      {
        name: 'withheld',
        summary: 'as an auditor reads a reference price entry: the content withheld, the chain fields kept',
        value: { items: [audit_entry_withheld], next_cursor: '57' },
      },
    ],
  },
  'GET /api/v1/audit/verify': {
    response: [
      {
        name: 'intact',
        summary: 'the chain is intact',
        value: {
          ok: true,
          entries: 1532,
          head: { seq: 1532, hash: '250c0c9d649cbd6dcd05a065530f7581d48543f9a3f4313c1149c15b845f08e8' },
          first_bad_seq: null,
          problem: null,
          message: null,
          published: null,
        },
      },
      {
        name: 'edited',
        summary: 'an entry was edited',
        value: {
          ok: false,
          entries: null,
          head: { seq: 1532, hash: '250c0c9d649cbd6dcd05a065530f7581d48543f9a3f4313c1149c15b845f08e8' },
          first_bad_seq: 42,
          problem: 'edited',
          message: 'entry 42 no longer hashes to its hash',
          published: null,
        },
      },
      {
        name: 'truncated',
        summary: 'head=1540:… was published, the chain was cut back to 1532 and its head row moved with it',
        value: {
          ok: false,
          entries: 1532,
          head: { seq: 1532, hash: '250c0c9d649cbd6dcd05a065530f7581d48543f9a3f4313c1149c15b845f08e8' },
          first_bad_seq: null,
          problem: null,
          message: null,
          published: { ok: false, problem: 'truncated', message: 'the chain ends at seq 1532, but seq 1540 was published: entries were removed' },
        },
      },
    ],
  },

  'POST /api/v1/providers/:id/signing-keys': {
    request: [
      { name: 'pem', summary: 'the PEM file `openssl pkey -pubout` writes', value: { label: 'slurm exporter 2026', public_key: public_key_pem } },
      {
        name: 'raw',
        summary: 'the raw 32-byte key in base64',
        value: { label: 'slurm exporter 2026', public_key: 'x6ize+DpM0xG7t/LEoDk3fjNFYrcGzXFWCVrNfn9NMY=' },
      },
    ],
    response: one(signing_key, 'the key; its id is the keyId of the Suanli-Signature header'),
  },
  'GET /api/v1/providers/:id/signing-keys': { response: one({ items: [signing_key] }, 'one active key') },
  'POST /api/v1/signing-keys/:id/revoke': { response: one({ ...signing_key, revoked_at: '2027-01-15T09:00:00.000Z' }, 'revoked') },

  'POST /api/v1/auth/login': {
    request: one({ login: 'ops@pujiang.example', password: 'correct horse battery staple' }, 'sign in'),
    response: one(
      { user: user('active'), csrf_token: 'Hk3v9XfT2mZ8wYp4LbN6cRqdK7hS5gAjeUtVxQyWz2c', expires_at: '2026-10-01T16:00:00.000Z' },
      'the session cookie is set; send csrf_token in x-csrf-token',
    ),
  },
  'POST /api/v1/auth/logout': { response: one({ logged_out: true }, 'the session ended') },
  'POST /api/v1/auth/password': {
    request: one({ current_password: 'correct horse battery staple', new_password: 'tr0ubador & 3 more words' }, 'change the password'),
    response: one({ changed: true }, 'changed; other sessions ended'),
  },
  'POST /api/v1/auth/accept-invitation': {
    request: one({ token: 'bcBHmRx-xdrtgja2aB-O7zTUjLXrS2_7sB0Qg4zw8DU', password: 'correct horse battery staple' }, 'set the first password'),
    response: one({ user: user('active') }, 'the account is active: sign in'),
  },
  'POST /api/v1/users/invite': {
    request: one({ org_id: ids.provider, role: 'provider', login: 'ops@pujiang.example', name: 'Li Wei' }, "invite a provider's operator"),
    response: one(
      {
        user: user('invited'),
        invitation: {
          token: 'bcBHmRx-xdrtgja2aB-O7zTUjLXrS2_7sB0Qg4zw8DU',
          expires_at: '2026-09-04T02:20:00.000Z',
          accept: 'POST /api/v1/auth/accept-invitation { token, password }',
        },
      },
      'the one-time token, shown once',
    ),
  },
  'GET /api/v1/users': { response: one({ items: [user('active')] }, 'users') },
  'POST /api/v1/users/:id/disable': { response: one(user('disabled'), 'disabled; its sessions ended') },

  'GET /api/v1/dashboard/overview': {
    response: one(
      {
        generated_at: '2026-11-01T00:00:00.000Z',
        time_zone: 'Asia/Shanghai',
        reference_accelerator: 'nvidia-a100-80gb-sxm',
        target: { share_bp: 7000, month: '2027-12', source: null, note: "the city's 2027 target" },
        months: [
          {
            month: '2026-10',
            records: 1,
            card_hours: '52.000',
            domestic_card_hours: '52.000',
            compute_pflop_h: '16.640000',
            domestic_compute_pflop_h: '16.640000',
            used_domestic_share_bp: 10000,
            installed_pflops: '20.480000',
            domestic_installed_pflops: '20.480000',
            installed_domestic_share_bp: 10000,
            subsidy_approved_fen: '37440',
            subsidy_paid_fen: '0',
            subsidy_clawed_back_fen: '0',
          },
        ],
        projection: { method: 'least-squares line through the monthly domestic share', used: trend(6200), installed: trend(5800) },
        programs: [
          {
            id: ids.program,
            name_zh: '上海算力券',
            name_en: 'Shanghai compute vouchers',
            budget_fen: '100000000',
            committed_fen: '37440',
            paid_fen: '0',
            available_fen: '99962560',
            burn: [{ month: '2026-10', committed_fen: '37440' }],
            projected_exhaustion_date: null,
            exhaustion_method: "the available budget divided by the net amount committed over the last 90 days of the office's calendar",
          },
        ],
        top_enterprises: [
          { id: ids.enterprise, name: 'Lanxu AI', compute_pflop_h: '16.640000', domestic_compute_pflop_h: '16.640000', domestic_share_bp: 10000 },
        ],
        top_providers: [
          { id: ids.provider, name: 'Pujiang Compute', compute_pflop_h: '16.640000', domestic_compute_pflop_h: '16.640000', domestic_share_bp: 10000 },
        ],
        findings: {
          open_high: 1,
          open_total: 3,
          recent_high: [
            {
              id: ids.finding,
              kind: 'duplicate_job',
              severity: 'high',
              message: 'Job slurm:4711 is reported by 2 providers on 2026-10-01.',
              detected_at: '2026-10-02T00:00:05.000Z',
            },
          ],
        },
      },
      'October 2026 (from=2026-10&to=2026-10)',
    ),
  },
};
