// Generated from the server's OpenAPI document (the routes' TypeBox schemas) by `npm run contract`
// (src/cli/contract.ts, src/http/contract.ts). Do not edit: change the schema and run `npm run contract`;
// test/api/contract.test.ts fails when this file and the server differ.

/** The shared schemas the document names (#/components/schemas). */
export interface Components {
  Error: {
    error: {
      /** stable; never renamed once shipped (docs/errors.md) */
      code: 'validation_failed' | 'malformed_json' | 'malformed_request' | 'batch_too_large' | 'invalid_credit_code' | 'invalid_inventory' | 'invalid_accelerator' | 'all_records_rejected' | 'invalid_program' | 'not_eligible' | 'invalid_period' | 'no_rule_set' | 'no_records' | 'amount_too_large' | 'invalid_public_key' | 'invalid_password' | 'invalid_invitation' | 'signature_required' | 'replacement_refused' | 'idempotency_key_reused' | 'illegal_transition' | 'budget_exhausted' | 'open_findings' | 'nothing_payable' | 'program_fields_fixed' | 'records_taken' | 'unauthorized' | 'invalid_credentials' | 'bad_signature' | 'forbidden' | 'csrf_failed' | 'too_many_attempts' | 'rate_limited' | 'not_found' | 'request_timeout' | 'precondition_failed' | 'range_not_satisfiable' | 'expectation_failed' | 'headers_too_large' | 'already_exists' | 'body_too_large' | 'unsupported_media_type' | 'database_unavailable' | 'internal_error';
      /** for people; may change */
      message: string;
      /** one entry per offending field; empty when no field is at fault */
      details: {
        /** the offending field path, e.g. records[3].amount_fen, querystring.limit, header.suanli-signature */
        field: string;
        message: string;
        [key: string]: unknown;
      }[];
      /** a business refusal's named parameters (ids, counts, states; amounts in fen as decimal strings), from which `message` is written: stable per code (docs/errors.md), for clients that write their own words */
      params?: {
        [key: string]: string | number | string[];
      };
    };
    /** all_records_rejected: records stored (0) */
    accepted?: number;
    /** all_records_rejected: records stored before (0) */
    duplicates?: number;
    /** all_records_rejected: every record's rejection, by its index in the batch */
    rejected?: Rejection[];
    /** illegal_transition: the claim's or finding's current state */
    state?: string;
    /** open_findings: the open high-severity findings on the claim's records */
    finding_ids?: string[];
    [key: string]: unknown;
  };
  UsageRecord: {
    /** provider-scoped idempotency key of the record */
    record_id: string;
    /** cluster the work ran on (one of the provider's own) */
    cluster_id: string;
    /** enterprise that bought the compute */
    enterprise_id: string;
    /** accelerator model id from the catalog, e.g. huawei-ascend-910b */
    accelerator: string;
    /** cards used */
    count: number;
    /** RFC 3339 instant */
    started_at: string;
    /** RFC 3339 instant, after started_at */
    ended_at: string;
    /** billed amount in fen (integer) */
    amount_fen: number;
    /** scheduler job reference, e.g. slurm:4711 */
    job_ref?: string;
    workload?: 'training' | 'inference';
    /** metered energy in watt-hours */
    energy_wh?: number;
  };
}

// The answers and the views they share, each named by its schema's title.
export interface Accelerator {
  id: string;
  vendor: string;
  model: string;
  /** designed by a Chinese company (the subsidy-eligible side) */
  domestic: boolean;
  year: number | null;
  process_nm: string | null;
  fp32_tflops: string | null;
  bf16_tflops_dense: string | null;
  fp16_tflops_dense: string | null;
  int8_tops_dense: string | null;
  memory_gb: string | null;
  memory_type: string | null;
  memory_bw_gbs: string | null;
  tdp_w: number | null;
  comparable_to: string | null;
  verified: 'yes' | 'partly' | 'no' | 'uncertain';
  notes: string;
  /** where the figures come from (addresses) */
  source: string;
  normalization: Normalization;
}

export interface AcceleratorList {
  items: Accelerator[];
}

export interface ApiKey {
  id: string;
  org_id: string;
  role: Role;
  label: string;
  key_prefix: string;
  created_at: string;
  revoked_at: string | null;
}

export interface ApiKeyIssued {
  id: string;
  /** shown once; only its hash is stored */
  key: string;
}

export interface ApiKeyList {
  items: ApiKey[];
}

export interface ApiKeyRevoked {
  id: string;
  revoked: boolean;
}

export interface AuditEntry {
  seq: number;
  at: string;
  at_ms: number;
  actor: {
    org_id: string | null;
    key_id: string | null;
    role: string | null;
  };
  /** e.g. organization.create, api_key.revoke, claim.approve, ledger.transfer, finding.dismiss */
  action: string;
  subject: {
    kind: string;
    id: string;
  };
  /** summary of the subject before the change (null on creation) */
  before: unknown;
  /** summary after the change */
  after: unknown;
  /** null, or which fields are withheld from the reader's role (answered as null) and why; the entry's hash still covers them: GET /api/v1/audit/verify walks the whole chain */
  withheld: {
    fields: string[];
    reason: string;
  } | null;
  prev_hash: string;
  /** SHA-256 of the canonical encoding (docs/integrity.md) */
  hash: string;
}

export interface AuditEntryPage {
  items: AuditEntry[];
  /** send as `cursor` for the next page; null on the last page */
  next_cursor: string | null;
}

export interface AuditVerification {
  /** the chain holds, and holds the published head when one was given */
  ok: boolean;
  entries: number | null;
  head: {
    seq: number;
    hash: string;
  };
  first_bad_seq: number | null;
  problem: string | null;
  message: string | null;
  /** the check against the published head (null without head=) */
  published: {
    ok: boolean;
    problem: 'truncated' | 'forked' | null;
    message: string;
  } | null;
}

export interface Budget {
  /** funded (fen, decimal string: exact past 2^53) */
  budget_fen: string;
  /** not yet granted (fen, decimal string: exact past 2^53) */
  available_fen: string;
  /** granted, not yet paid (fen, decimal string: exact past 2^53) */
  reserved_fen: string;
  /** paid (fen, decimal string: exact past 2^53) */
  paid_fen: string;
}

export interface CheckRun {
  found: FindingCounts;
  created: number;
  truncated: boolean;
}

export interface Claim {
  id: string;
  program_id: string;
  beneficiary_id: string;
  funding_layer: string;
  period_start: string;
  /** exclusive */
  period_end: string;
  state: ClaimState;
  rule_set_version: number;
  /** usage records the claim holds */
  records: number;
  /** the bills (after ceilings) and energy costs of the subsidized records (fen, decimal string: exact past 2^53) */
  base_fen: string;
  /** before caps and budget (fen, decimal string: exact past 2^53) */
  computed_fen: string;
  /** reserved at approval; net of claw-backs (fen, decimal string: exact past 2^53) */
  granted_fen: string;
  /** net of recoveries (fen, decimal string: exact past 2^53) */
  paid_fen: string;
  /** fen, decimal string: exact past 2^53 */
  clawed_back_fen: string;
  progress_report_accepted: boolean;
  explanation: ClaimExplanation;
  created_at: string;
  updated_at: string;
}

export interface ClaimDetail {
  id: string;
  program_id: string;
  beneficiary_id: string;
  funding_layer: string;
  period_start: string;
  /** exclusive */
  period_end: string;
  state: ClaimState;
  rule_set_version: number;
  /** usage records the claim holds */
  records: number;
  /** the bills (after ceilings) and energy costs of the subsidized records (fen, decimal string: exact past 2^53) */
  base_fen: string;
  /** before caps and budget (fen, decimal string: exact past 2^53) */
  computed_fen: string;
  /** reserved at approval; net of claw-backs (fen, decimal string: exact past 2^53) */
  granted_fen: string;
  /** net of recoveries (fen, decimal string: exact past 2^53) */
  paid_fen: string;
  /** fen, decimal string: exact past 2^53 */
  clawed_back_fen: string;
  progress_report_accepted: boolean;
  explanation: ClaimExplanation;
  created_at: string;
  updated_at: string;
  /** the claim's life cycle, oldest first */
  events: ClaimEvent[];
  /** findings on the claim's records; shown to administrators and auditors only */
  findings?: {
    id: string;
    kind: string;
    severity: string;
    status: string;
    message: string;
  }[];
}

export interface ClaimEvent {
  action: string;
  from_state: string | null;
  to_state: string;
  actor_org_id: string | null;
  actor_key_id: string | null;
  reason: string | null;
  /** what the event moved in the ledger */
  amount_fen: string | null;
  at_ms: number;
  at: string;
}

export interface ClaimExplanation {
  /** one line per rule that matched, in rule order */
  lines: RuleLine[];
  unmatched: {
    records: number;
    card_s: number;
    /** fen, decimal string: exact past 2^53 */
    amount_fen: string;
    message: string;
  };
  /** records after the support period ended; null when none */
  period_excluded: {
    records: number;
    /** fen, decimal string: exact past 2^53 */
    amount_fen: string;
    support_ends_at_ms: number;
    message: string;
  } | null;
  /** the beneficiary's domestic share of compute in the period */
  domestic_share_bp: number | null;
  /** the bills (after ceilings) and energy costs of the subsidized records (fen, decimal string: exact past 2^53) */
  base_fen: string;
  /** before caps and budget (fen, decimal string: exact past 2^53) */
  computed_fen: string;
  cuts: Cut[];
  /** after caps (and, at approval, the budget) (fen, decimal string: exact past 2^53) */
  granted_fen: string;
  rounding: string;
  rule_set_version: number;
  /** the cuts applied again at approval, with the caps and budget of that moment */
  approval?: {
    /** fen, decimal string: exact past 2^53 */
    computed_fen: string;
    cuts: Cut[];
    /** fen, decimal string: exact past 2^53 */
    granted_fen: string;
  };
}

export interface ClaimPage {
  items: Claim[];
  /** send as `cursor` for the next page; null on the last page */
  next_cursor: string | null;
}

export type ClaimState = 'draft' | 'submitted' | 'approved' | 'rejected' | 'withdrawn' | 'paid' | 'clawed_back';

export interface Cluster {
  id: string;
  provider_id: string;
  name: string;
  region: string;
  created_at: string;
  inventory: {
    accelerator: string;
    count: number;
    valid_from: string;
    valid_to: string | null;
  }[];
}

export interface ClusterList {
  items: Cluster[];
}

export interface Created {
  id: string;
}

export interface Cut {
  kind: CutKind;
  /** fen, decimal string: exact past 2^53 */
  limit_fen: string;
  /** fen, decimal string: exact past 2^53 */
  cut_fen: string;
  message: string;
}

export type CutKind = 'share_cap' | 'program_cap' | 'year_cap' | 'budget';

export interface Eligibility {
  sizes?: ('micro' | 'small' | 'medium' | 'large')[];
  /** division-code prefixes the beneficiary must be registered in, e.g. 31 (Shanghai) or 310115 (Pudong) */
  regions?: string[];
  sectors?: string[];
  /** the beneficiary must carry at least one, e.g. startup, sme, research_institution */
  categories?: string[];
  /** only beneficiaries the office enrolled may claim */
  enrolled_only?: boolean;
}

export interface Enrollment {
  program_id: string;
  beneficiary_id: string;
}

export interface Estimate {
  program_id: string;
  beneficiary_id: string;
  /** RFC 3339, UTC */
  period_start: string;
  /** exclusive */
  period_end: string;
  rule_set_version: number;
  /** usage records the claim would hold */
  records: number;
  explanation: Explanation;
}

export interface Explanation {
  /** one line per rule that matched, in rule order */
  lines: RuleLine[];
  unmatched: {
    records: number;
    card_s: number;
    /** fen, decimal string: exact past 2^53 */
    amount_fen: string;
    message: string;
  };
  /** records after the support period ended; null when none */
  period_excluded: {
    records: number;
    /** fen, decimal string: exact past 2^53 */
    amount_fen: string;
    support_ends_at_ms: number;
    message: string;
  } | null;
  /** the beneficiary's domestic share of compute in the period */
  domestic_share_bp: number | null;
  /** the bills (after ceilings) and energy costs of the subsidized records (fen, decimal string: exact past 2^53) */
  base_fen: string;
  /** before caps and budget (fen, decimal string: exact past 2^53) */
  computed_fen: string;
  cuts: Cut[];
  /** after caps (and, at approval, the budget) (fen, decimal string: exact past 2^53) */
  granted_fen: string;
  rounding: string;
}

export interface Finding {
  id: string;
  kind: string;
  severity: string;
  status: string;
  subject: {
    [key: string]: string;
  };
  message: string;
  evidence: {
    [key: string]: unknown;
  };
  /** the usage records involved (may be capped: see evidence.record_count) */
  record_seqs: number[];
  interval: {
    from: string;
    to: string;
  } | null;
  created_at: string;
  updated_at: string;
  resolution: {
    reason: string;
    by: string | null;
  } | null;
}

export interface FindingCounts {
  capacity_overrun: number;
  duplicate_job: number;
  overlapping_job: number;
  price_outlier: number;
}

export interface FindingPage {
  items: Finding[];
  /** send as `cursor` for the next page; null on the last page */
  next_cursor: string | null;
}

export interface Health {
  status: 'ok';
  database: 'sqlite' | 'postgres';
}

export interface IngestOutcome {
  accepted: number;
  duplicates: number;
  rejected: Rejection[];
}

export interface Invitation {
  user: User;
  invitation: {
    token: string;
    expires_at: string;
    accept: string;
  };
}

export interface InvitationAccepted {
  user: User;
}

export interface Ledger {
  program_id: string;
  budget: Budget;
  accounts: {
    id: string;
    /** funding | available | payable | paid */
    kind: string;
    beneficiary_id: string | null;
    /** fen, decimal string: exact past 2^53 */
    balance_fen: string;
  }[];
  transfers: {
    id: number;
    /** the idempotency key */
    key: string;
    /** fund | approve | pay | release | recover */
    kind: string;
    debit: string;
    credit: string;
    /** fen, decimal string: exact past 2^53 */
    amount_fen: string;
    claim_id: string | null;
    program_id: string;
    at_ms: number;
    /** RFC 3339, UTC */
    at: string;
  }[];
}

export interface LedgerCheck {
  ok: boolean;
  problems: {
    /** unbalanced | negative_balance | balance_mismatch | claim_mismatch | transfer_not_in_chain | transfer_missing | transfer_differs | claim_not_in_chain | claim_missing | claim_differs */
    code: string;
    subject: string;
    message: string;
  }[];
}

export interface Me {
  key_id: string;
  org_id: string;
  role: Role;
  via: string;
  csrf_token: string | null;
  /** the program office's IANA time zone (SUANLI_TIME_ZONE): the days and months money is counted in, and the zone instants are shown in */
  time_zone: string;
}

export interface Normalization {
  basis: 'bf16_dense' | 'fp16_dense' | null;
  dense_tflops: string | null;
  counts: 'compute' | 'card_hours_only';
  reference_accelerator: string;
  /** one card-hour of this model in reference-card hours */
  reference_ratio: string | null;
  note: string;
}

export interface OrgCompute {
  id: string;
  name: string;
  /** compute in the range */
  compute_pflop_h: string;
  /** compute on domestic models in the range */
  domestic_compute_pflop_h: string;
  /** domestic / all compute; null without compute */
  domestic_share_bp: number | null;
}

export interface Organization {
  id: string;
  kind: string;
  name: string;
  credit_code: string | null;
  region: string | null;
  sector: string | null;
  size: string | null;
  categories: string[];
  created_at: string;
}

export interface OrganizationList {
  items: Organization[];
}

export interface OrganizationPage {
  items: Organization[];
  /** send as `cursor` for the next page; null on the last page */
  next_cursor: string | null;
}

export interface Overview {
  generated_at: string;
  /** the office's IANA time zone: the months, month ends and days of this answer are its */
  time_zone: string;
  reference_accelerator: string;
  target: {
    share_bp: number;
    /** a UTC month, YYYY-MM */
    month: string;
    /** where the default target comes from; null when the operator set it */
    source: string | null;
    note: string;
  };
  months: OverviewMonth[];
  projection: {
    method: string;
    used: Trend;
    installed: Trend;
  };
  programs: OverviewProgram[];
  top_enterprises: OrgCompute[];
  top_providers: OrgCompute[];
  findings: {
    open_high: number;
    open_total: number;
    recent_high: {
      id: string;
      kind: string;
      severity: string;
      message: string;
      detected_at: string;
    }[];
  };
}

export interface OverviewMonth {
  /** a UTC month, YYYY-MM */
  month: string;
  /** usage records that started in the month */
  records: number;
  /** card-hours, all models */
  card_hours: string;
  /** card-hours on domestic models */
  domestic_card_hours: string;
  /** compute, PFLOP·h (models with a throughput figure) */
  compute_pflop_h: string;
  /** compute on domestic models, PFLOP·h */
  domestic_compute_pflop_h: string;
  /** domestic compute / all compute used in the month, rounded half up; null without compute */
  used_domestic_share_bp: number | null;
  /** dense PFLOPS of the inventory valid at the end of the month (count × dense throughput) */
  installed_pflops: string;
  /** the same, domestic models */
  domestic_installed_pflops: string;
  /** domestic installed / all installed, rounded half up; null when nothing is installed */
  installed_domestic_share_bp: number | null;
  /** approvals of the month, all programs (ledger transfers) (fen, decimal string: exact past 2^53) */
  subsidy_approved_fen: string;
  /** payments of the month, all programs (fen, decimal string: exact past 2^53) */
  subsidy_paid_fen: string;
  /** claw-backs of the month (unpaid grants released and payments recovered), all programs (fen, decimal string: exact past 2^53) */
  subsidy_clawed_back_fen: string;
}

export interface OverviewProgram {
  id: string;
  name_zh: string;
  name_en: string;
  /** fen, decimal string: exact past 2^53 */
  budget_fen: string;
  /** granted net of claw-backs, now (fen, decimal string: exact past 2^53) */
  committed_fen: string;
  /** paid net of recoveries, now (fen, decimal string: exact past 2^53) */
  paid_fen: string;
  /** fen, decimal string: exact past 2^53 */
  available_fen: string;
  burn: {
    /** a UTC month, YYYY-MM */
    month: string;
    /** cumulative, at the end of the month (fen, decimal string: exact past 2^53) */
    committed_fen: string;
  }[];
  /** the office day YYYY-MM-DD (time_zone) */
  projected_exhaustion_date: string | null;
  exhaustion_method: string;
}

export interface PasswordChanged {
  changed: boolean;
}

export interface Program {
  id: string;
  code: string;
  name_zh: string;
  name_en: string;
  kind: ProgramKind;
  source: string | null;
  beneficiary_kind: 'enterprise' | 'provider';
  funding_layer: string;
  window: {
    /** RFC 3339, UTC */
    start: string;
    /** exclusive */
    end: string;
  };
  /** fen, decimal string: exact past 2^53 */
  budget_fen: string;
  caps: {
    share_bp: number | null;
    /** per beneficiary over the program */
    fen: string | null;
    /** per beneficiary per calendar year */
    fen_year: string | null;
  };
  support_months: number | null;
  first_stage_bp: number;
  eligibility: Eligibility;
  requires_signed_usage: boolean;
  /** RFC 3339, UTC */
  created_at: string;
}

export interface ProgramDetail {
  id: string;
  code: string;
  name_zh: string;
  name_en: string;
  kind: ProgramKind;
  source: string | null;
  beneficiary_kind: 'enterprise' | 'provider';
  funding_layer: string;
  window: {
    /** RFC 3339, UTC */
    start: string;
    /** exclusive */
    end: string;
  };
  /** fen, decimal string: exact past 2^53 */
  budget_fen: string;
  caps: {
    share_bp: number | null;
    /** per beneficiary over the program */
    fen: string | null;
    /** per beneficiary per calendar year */
    fen_year: string | null;
  };
  support_months: number | null;
  first_stage_bp: number;
  eligibility: Eligibility;
  requires_signed_usage: boolean;
  /** RFC 3339, UTC */
  created_at: string;
  budget: Budget;
  rule_sets: RuleSetVersion[];
}

export type ProgramKind = 'compute_rent' | 'energy' | 'model' | 'data' | 'other';

export interface ProgramList {
  items: Program[];
}

export interface ReferencePrice {
  accelerator: string;
  fen_per_card_h: number;
  /** set by the office (with its source), or the market price of stored usage */
  basis: 'set' | 'market';
  source: string;
  /** the records and providers a market price was taken from; null for a set price */
  market: {
    records: number;
    providers: number;
  } | null;
}

export interface ReferencePriceList {
  items: ReferencePrice[];
}

export interface ReferencePriceRemoved {
  removed: boolean;
}

export interface Rejection {
  index: number;
  record_id: string | null;
  code: string;
  field: string | null;
  message: string;
}

export interface Replacement {
  replacement_id: number;
  replaced: number;
  accepted: number;
}

export interface Report {
  /** usage-summary, claims, claim, ledger or program */
  report: string;
  sections: {
    name: string;
    columns: string[];
    /** cells in column order: fen as integers, yuan and quantities as exact decimal strings, instants as RFC 3339 with the office zone's offset, empty as null */
    rows: ((string | number | null)[])[];
  }[];
}

export type Role = 'administrator' | 'provider' | 'enterprise' | 'auditor';

export interface Rule {
  /** names the rule in explanations */
  id: string;
  description?: string;
  match: RuleMatch;
  pay: RulePay;
  /** subsidize at most this price × card-hours */
  ceiling_fen_per_card_hour?: number;
  tier_bonus?: {
    /** beneficiary's domestic share of compute in the claim period at least (basis points: 10000 = 100%) */
    domestic_share_bp_min: number;
    /** extra rate (basis points: 10000 = 100%) */
    bonus_bp: number;
  };
}

export interface RuleLine {
  rule_id: string;
  basis: 'bill' | 'compute' | 'energy';
  records: number;
  card_s: number;
  /** exact GFLOP of the records with a throughput figure (a decimal string: may pass 2^53) */
  compute_gflop: string;
  energy_wh: number;
  /** records this rule matched but could not value */
  records_unvalued: number;
  /** fen, decimal string: exact past 2^53 */
  base_fen: string;
  rate_bp: number | null;
  fen_per_pflop_h: number | null;
  fen_per_kwh: number | null;
  ceiling_fen_per_card_hour: number | null;
  /** fen, decimal string: exact past 2^53 */
  ceiling_cut_fen: string;
  /** fen, decimal string: exact past 2^53 */
  layer_cut_fen: string;
  /** fen, decimal string: exact past 2^53 */
  subsidy_fen: string;
}

export interface RuleMatch {
  /** the model is domestically made (from the catalog) */
  domestic?: boolean;
  /** catalog vendor names, e.g. Huawei */
  vendor?: string[];
  /** catalog model ids */
  accelerator?: string[];
  /** workload kinds */
  workload?: ('training' | 'inference')[];
  /** region of the cluster the work ran on (the provider region): division-code prefixes, e.g. 31 or 310115 */
  region?: string[];
  /** provider ids (usage counts only at these) */
  provider?: string[];
  /** enterprise sizes */
  beneficiary_size?: ('micro' | 'small' | 'medium' | 'large')[];
  /** beneficiary categories, e.g. startup, research_institution */
  beneficiary_category?: string[];
}

export type RulePay = {
  basis: 'bill';
  /** share of the billed amount (basis points: 10000 = 100%) */
  rate_bp: number;
} | {
  basis: 'compute';
  /** fen per PFLOP·h of normalized compute */
  fen_per_pflop_h: number;
} | {
  basis: 'energy';
  /** share of the energy cost (basis points: 10000 = 100%) */
  rate_bp: number;
  /** electricity price the energy cost is valued at */
  fen_per_kwh: number;
};

export interface RuleSetCreated {
  program_id: string;
  version: number;
  /** RFC 3339, UTC */
  effective_from: string;
  rules: Rule[];
  /** line: each claim line floored once from exact sums (the default); record: each record floored (versions before 2026-12) */
  rounding: 'line' | 'record';
}

export interface RuleSetVersion {
  version: number;
  /** RFC 3339, UTC */
  effective_from: string;
  rules: Rule[];
  /** line: each claim line floored once from exact sums (the default); record: each record floored (versions before 2026-12) */
  rounding: 'line' | 'record';
  used_by_approved_claims: boolean;
  /** RFC 3339, UTC */
  created_at: string;
}

export interface SignedIn {
  user: User;
  csrf_token: string;
  expires_at: string;
}

export interface SignedOut {
  logged_out: boolean;
}

export interface SigningKey {
  /** the keyId to name in the Suanli-Signature header (at most 128 characters) */
  id: string;
  provider_id: string;
  label: string;
  /** the raw 32-byte Ed25519 public key, base64 */
  public_key: string;
  created_at: string;
  revoked_at: string | null;
}

export interface SigningKeyList {
  items: SigningKey[];
}

export interface Simulation {
  program_id: string;
  /** RFC 3339, UTC */
  from: string;
  /** exclusive */
  to: string;
  /** the program's current rules, then the candidate */
  variants: SimulationVariant[];
}

export interface SimulationVariant {
  label: 'current' | 'candidate';
  /** null for the candidate */
  rule_set_version: number | null;
  beneficiaries: number;
  /** fen, decimal string: exact past 2^53 */
  computed_fen: string;
  /** fen, decimal string: exact past 2^53 */
  granted_fen: string;
  /** fen, decimal string: exact past 2^53 */
  domestic_fen: string;
  /** fen, decimal string: exact past 2^53 */
  foreign_fen: string;
  per_beneficiary: {
    beneficiary_id: string;
    name: string;
    /** fen, decimal string: exact past 2^53 */
    computed_fen: string;
    /** fen, decimal string: exact past 2^53 */
    granted_fen: string;
  }[];
  per_vendor: {
    vendor: string;
    /** fen, decimal string: exact past 2^53 */
    fen: string;
  }[];
  /** what a PFLOP·h costs the buyer after the subsidy */
  net_fen_per_pflop_h: {
    domestic: number | null;
    foreign: number | null;
  };
  /** fen, decimal string: exact past 2^53 */
  budget_fen: string;
  /** the office day YYYY-MM-DD (SUANLI_TIME_ZONE) the budget would run out at this pace */
  budget_runs_out_on: string | null;
}

export interface StoredRejection {
  /** rises with time: the newest rejection has the highest id */
  id: number;
  provider_id: string;
  /** when the batch arrived */
  received_at: string;
  /** the record's position in its batch */
  index: number;
  /** as sent (at most 128 characters); null when the record had no string record_id */
  record_id: string | null;
  code: string;
  field: string | null;
  message: string;
}

export interface StoredRejectionPage {
  items: StoredRejection[];
  /** send as `cursor` for the next page; null on the last page */
  next_cursor: string | null;
}

export interface Trend {
  slope_bp_per_month: number | null;
  points: {
    /** a UTC month, YYYY-MM */
    month: string;
    share_bp: number;
  }[];
  /** the line at the target month, clamped to 0–10000 */
  share_bp_at_target: number | null;
  /** a UTC month, YYYY-MM */
  reaches_target_month: string | null;
}

export interface Usage {
  seq: number;
  record_id: string;
  provider_id: string;
  cluster_id: string;
  enterprise_id: string;
  accelerator: string;
  count: number;
  started_at: string;
  ended_at: string;
  /** the bill; null for auditors (prices are seen only by administrators and the parties themselves) */
  amount_fen: number | null;
  job_ref: string | null;
  workload: string | null;
  energy_wh: number | null;
  card_hours: string;
  compute_pflop_h: string | null;
  /** false: the model has no throughput figure and counts card-hours only */
  normalized: boolean;
  received_at: string;
  /** the signed batch that delivered the record and the key that signed it (evidence); null when unsigned */
  signed: {
    batch_id: number;
    key_id: string;
  } | null;
}

export interface UsagePage {
  items: Usage[];
  /** send as `cursor` for the next page; null on the last page */
  next_cursor: string | null;
}

export interface UsageSummary {
  group_by: string;
  reference_accelerator: string;
  items: UsageSummaryItem[];
  totals: UsageTotals;
}

export interface UsageSummaryItem {
  key: string;
  records: number;
  card_hours: string;
  /** card-hours on models without a throughput figure (not in compute_pflop_h) */
  card_hours_unnormalized: string;
  compute_pflop_h: string;
  reference_card_hours: string | null;
  /** billed, summed; null for auditors */
  amount_fen: string | null;
}

export interface UsageTotals {
  records: number;
  card_hours: string;
  /** card-hours on models without a throughput figure (not in compute_pflop_h) */
  card_hours_unnormalized: string;
  compute_pflop_h: string;
  reference_card_hours: string | null;
  /** billed, summed; null for auditors */
  amount_fen: string | null;
}

export interface User {
  id: string;
  org_id: string;
  role: Role;
  login: string;
  name: string;
  /** invited | active | disabled */
  status: string;
  created_at: string;
}

export interface UserList {
  items: User[];
}

/** What each operation answers on success (JSON only; `null` for no body), by `METHOD /path` below /api/v1. */
export interface Answers {
  'GET /accelerators': AcceleratorList;
  'POST /accelerators': Accelerator;
  'GET /accelerators/{id}': Accelerator;
  'PATCH /accelerators/{id}': Accelerator;
  'PUT /accelerators/{id}/reference-price': ReferencePrice;
  'DELETE /accelerators/{id}/reference-price': ReferencePriceRemoved;
  'GET /api-keys': ApiKeyList;
  'POST /api-keys': ApiKeyIssued;
  'POST /api-keys/{id}/revoke': ApiKeyRevoked;
  'GET /audit': AuditEntryPage;
  'GET /audit/verify': AuditVerification;
  'POST /auth/accept-invitation': InvitationAccepted;
  'POST /auth/login': SignedIn;
  'POST /auth/logout': SignedOut;
  'POST /auth/password': PasswordChanged;
  'POST /checks/run': CheckRun;
  'GET /claims': ClaimPage;
  'POST /claims': Claim;
  'GET /claims/{id}': ClaimDetail;
  'POST /claims/{id}/accept-progress-report': Claim;
  'POST /claims/{id}/approve': Claim;
  'POST /claims/{id}/claw-back': Claim;
  'POST /claims/{id}/pay': Claim;
  'POST /claims/{id}/reject': Claim;
  'POST /claims/{id}/submit': Claim;
  'POST /claims/{id}/withdraw': Claim;
  'GET /clusters/{id}': Cluster;
  'PUT /clusters/{id}/inventory': Cluster;
  'GET /dashboard/overview': Overview;
  'GET /enterprises': OrganizationList;
  'POST /enterprises': Created;
  'GET /enterprises/{id}': Organization;
  'GET /findings': FindingPage;
  'GET /findings/{id}': Finding;
  'POST /findings/{id}/confirm': Finding;
  'POST /findings/{id}/dismiss': Finding;
  'GET /health': Health;
  'GET /ledger/check': LedgerCheck;
  'GET /me': Me;
  'GET /organizations': OrganizationPage;
  'GET /organizations/{id}': Organization;
  'GET /programs': ProgramList;
  'POST /programs': Program;
  'GET /programs/{id}': ProgramDetail;
  'POST /programs/{id}/enrollments': Enrollment;
  'POST /programs/{id}/estimate': Estimate;
  'GET /programs/{id}/ledger': Ledger;
  'POST /programs/{id}/rule-sets': RuleSetCreated;
  'POST /programs/{id}/simulate': Simulation;
  'GET /providers': OrganizationList;
  'POST /providers': Created;
  'GET /providers/{id}': Organization;
  'GET /providers/{id}/clusters': ClusterList;
  'POST /providers/{id}/clusters': Cluster;
  'GET /providers/{id}/signing-keys': SigningKeyList;
  'POST /providers/{id}/signing-keys': SigningKey;
  'GET /reference-prices': ReferencePriceList;
  'GET /reports/claims': Report;
  'GET /reports/claims/{id}': Report;
  'GET /reports/programs/{id}': Report;
  'GET /reports/programs/{id}/ledger': Report;
  'GET /reports/usage-summary': Report;
  'POST /signing-keys/{id}/revoke': SigningKey;
  'GET /usage': UsagePage;
  'POST /usage': IngestOutcome;
  'GET /usage/rejections': StoredRejectionPage;
  'POST /usage/replacements': Replacement;
  'GET /usage/summary': UsageSummary;
  'GET /users': UserList;
  'POST /users/invite': Invitation;
  'POST /users/{id}/disable': User;
}

/** The JSON body each operation takes, by `METHOD /path` below /api/v1. */
export interface Bodies {
  'POST /accelerators': {
    id: string;
    vendor: string;
    model: string;
    /** designed by a Chinese company (the subsidy-eligible side) */
    domestic: boolean;
    year: number | null;
    process_nm: string | null;
    fp32_tflops: string | null;
    bf16_tflops_dense: string | null;
    fp16_tflops_dense: string | null;
    int8_tops_dense: string | null;
    memory_gb: string | null;
    memory_type: string | null;
    memory_bw_gbs: string | null;
    tdp_w: number | null;
    comparable_to: string | null;
    verified: 'yes' | 'partly' | 'no' | 'uncertain';
    notes: string;
    /** where the figures come from (addresses) */
    source: string;
  };
  'PATCH /accelerators/{id}': {
    vendor?: string;
    model?: string;
    /** designed by a Chinese company (the subsidy-eligible side) */
    domestic?: boolean;
    year?: number | null;
    process_nm?: string | null;
    fp32_tflops?: string | null;
    bf16_tflops_dense?: string | null;
    fp16_tflops_dense?: string | null;
    int8_tops_dense?: string | null;
    memory_gb?: string | null;
    memory_type?: string | null;
    memory_bw_gbs?: string | null;
    tdp_w?: number | null;
    comparable_to?: string | null;
    verified?: 'yes' | 'partly' | 'no' | 'uncertain';
    notes?: string;
    /** where the figures come from (addresses) */
    source?: string;
  };
  'PUT /accelerators/{id}/reference-price': {
    fen_per_card_h: number;
    source: string;
  };
  'POST /api-keys': {
    org_id: string;
    role: Role;
    label: string;
  };
  'POST /auth/accept-invitation': {
    token: string;
    password: string;
  };
  'POST /auth/login': {
    login: string;
    password: string;
  };
  'POST /auth/password': {
    current_password: string;
    new_password: string;
  };
  'POST /checks/run': {
    from: string;
    to: string;
  };
  'POST /claims': {
    program_id: string;
    period_start: string;
    /** exclusive */
    period_end: string;
    /** administrators file for a beneficiary; others for themselves */
    beneficiary_id?: string;
  };
  'POST /claims/{id}/accept-progress-report': {
    reason?: string;
  };
  'POST /claims/{id}/approve': {
    reason?: string;
    /** approve despite open high-severity findings; recorded with the approval */
    override_reason?: string;
  };
  'POST /claims/{id}/claw-back': {
    reason: string;
    /** how much of what was paid to recover (default: all) (fen: a JSON integer up to 2^53 − 1, or a decimal string up to 2^63 − 1) */
    amount_fen?: number | string;
  };
  'POST /claims/{id}/pay': {
    reason?: string;
    /** how much to pay (default: all that is payable now) (fen: a JSON integer up to 2^53 − 1, or a decimal string up to 2^63 − 1) */
    amount_fen?: number | string;
  };
  'POST /claims/{id}/reject': {
    reason: string;
  };
  'POST /claims/{id}/submit': {
    reason?: string;
  };
  'POST /claims/{id}/withdraw': {
    reason?: string;
  };
  'PUT /clusters/{id}/inventory': {
    inventory: {
      accelerator: string;
      count: number;
      valid_from: string;
      valid_to?: string | null;
    }[];
  };
  'POST /enterprises': {
    name: string;
    /** 18-character unified social credit code (GB 32100-2015) */
    credit_code: string;
    /** administrative division code (GB/T 2260), e.g. 310000 for Shanghai */
    region: string;
    sector: string;
    size?: 'micro' | 'small' | 'medium' | 'large';
    /** tags programs select on, e.g. startup, sme, research_institution, data_centre_operator */
    categories?: string[];
  };
  'POST /findings/{id}/confirm': {
    reason: string;
  };
  'POST /findings/{id}/dismiss': {
    reason: string;
  };
  'POST /programs': {
    /** stable slug; `program apply` finds the program by it */
    code: string;
    name_zh: string;
    name_en: string;
    kind: ProgramKind;
    /** the policy this program models, with its address */
    source?: string;
    beneficiary_kind: 'enterprise' | 'provider';
    /** a record is subsidized at most once per layer; programs of different layers may share a bill, together at most all of it */
    funding_layer: string;
    window: {
      start: string;
      end: string;
    };
    /** the fixed budget (fen: a JSON integer up to 2^53 − 1, or a decimal string up to 2^63 − 1) */
    budget_fen: number | string;
    caps?: {
      /** at most this share of the bill per claim (basis points) */
      share_bp?: number;
      /** at most this much per beneficiary over the program (fen: a JSON integer up to 2^53 − 1, or a decimal string up to 2^63 − 1) */
      fen?: number | string;
      /** at most this much per beneficiary per calendar year (fen: a JSON integer up to 2^53 − 1, or a decimal string up to 2^63 − 1) */
      fen_year?: number | string;
    };
    /** support ends this many months after the beneficiary's first subsidized usage */
    support_months?: number;
    /** share paid on approval; the rest after the progress report is accepted (default 10000: all at once) (basis points) */
    first_stage_bp?: number;
    eligibility?: Eligibility;
    /** only usage delivered in batches signed with a registered provider key counts toward claims; providers of enrolled beneficiaries must sign (default false) */
    requires_signed_usage?: boolean;
    rule_set: {
      effective_from: string;
      rules: Rule[];
      /** line: each claim line floored once from exact sums (the default); record: each record floored (versions before 2026-12) */
      rounding?: 'line' | 'record';
    };
  };
  'POST /programs/{id}/enrollments': {
    beneficiary_id: string;
  };
  'POST /programs/{id}/estimate': {
    period_start: string;
    /** exclusive */
    period_end: string;
    beneficiary_id?: string;
  };
  'POST /programs/{id}/rule-sets': {
    effective_from: string;
    rules: Rule[];
    /** line: each claim line floored once from exact sums (the default); record: each record floored (versions before 2026-12) */
    rounding?: 'line' | 'record';
  };
  'POST /programs/{id}/simulate': {
    from: string;
    to: string;
    rules: Rule[];
    /** line: each claim line floored once from exact sums (the default); record: each record floored (versions before 2026-12) */
    rounding?: 'line' | 'record';
    /** the budget to replay with (fen: a JSON integer up to 2^53 − 1, or a decimal string up to 2^63 − 1) */
    budget_fen?: number | string;
    caps?: {
      share_bp?: number | null;
      fen?: (number | string) | null;
      fen_year?: (number | string) | null;
    };
  };
  'POST /providers': {
    name: string;
    /** administrative division code (GB/T 2260), e.g. 310000 for Shanghai */
    region?: string;
    /** tags programs select on, e.g. startup, sme, research_institution, data_centre_operator */
    categories?: string[];
  };
  'POST /providers/{id}/clusters': {
    name: string;
    /** administrative division code (GB/T 2260), e.g. 310000 for Shanghai */
    region: string;
    inventory: {
      accelerator: string;
      count: number;
      valid_from: string;
      valid_to?: string | null;
    }[];
  };
  'POST /providers/{id}/signing-keys': {
    label: string;
    public_key: string;
  };
  'POST /usage': {
    /** UsageRecord objects */
    records: unknown[];
  };
  'POST /usage/replacements': {
    /** record_id of each standing record replaced */
    replaces: string[];
    /** UsageRecord objects stored in their place (new record_ids) */
    records: unknown[];
    /** why, for the audit log */
    reason: string;
  };
  'POST /users/invite': {
    /** an organization id, or "office" */
    org_id: string;
    role: Role;
    /** e.g. an e-mail address; compared case-insensitively */
    login: string;
    name: string;
  };
}
