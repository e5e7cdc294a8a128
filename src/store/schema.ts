// Table types as Kysely sees them. Rows are not domain objects: repositories map them before returning.
import type { Generated } from 'kysely';

/** int8 columns that stay far below 2^53 (instants in ms, counts): numbers on both engines (see database.ts). */
type Int8 = number;
/**
 * int8 columns that may pass 2^53 (compute in GFLOP, sums of money): both engines hand back a number while it is exact
 * and a bigint beyond (database.ts); read them with BigInt(), write bigints.
 */
type Int8Big = number | bigint;

export interface OrganizationsTable {
  id: string;
  kind: 'office' | 'provider' | 'enterprise';
  name: string;
  credit_code: string | null;
  region: string | null;
  sector: string | null;
  size: string | null;
  /** JSON array of category tags (startup, sme, research_institution, …) */
  categories: string;
  created_at_ms: Int8;
}

export interface AcceleratorsTable {
  id: string;
  vendor: string;
  model: string;
  domestic: number;
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
  verified: string;
  notes: string;
  source: string;
  dense_gflops: number | null;
  dense_basis: string | null;
  updated_at_ms: Int8;
}

export interface ApiKeysTable {
  id: string;
  org_id: string;
  role: 'administrator' | 'provider' | 'enterprise' | 'auditor';
  label: string;
  key_hash: string;
  key_prefix: string;
  created_at_ms: Int8;
  revoked_at_ms: Int8 | null;
}

export interface ClustersTable {
  id: string;
  provider_id: string;
  name: string;
  region: string;
  created_at_ms: Int8;
}

export interface InventoryTable {
  id: Generated<number>;
  cluster_id: string;
  accelerator_id: string;
  count: number;
  valid_from_ms: Int8;
  valid_to_ms: Int8 | null;
}

export interface UsageRecordsTable {
  seq: Generated<number>;
  provider_id: string;
  record_id: string;
  cluster_id: string;
  enterprise_id: string;
  accelerator_id: string;
  count: number;
  started_at_ms: Int8;
  ended_at_ms: Int8;
  amount_fen: Int8;
  job_ref: string | null;
  workload: string | null;
  energy_wh: Int8 | null;
  card_s: Int8;
  compute_gflop: Int8Big | null;
  received_at_ms: Int8;
  /** the signed batch that delivered the record (usage_batches.id); null when it came unsigned */
  batch_id: Int8 | null;
}

export interface UsageRollupsTable {
  provider_id: string;
  enterprise_id: string;
  accelerator_id: string;
  day: string; // YYYY-MM-DD (UTC) of started_at
  records: Int8;
  card_s: Int8Big;
  compute_gflop: Int8Big;
  amount_fen: Int8Big;
}

/**
 * Usage groups (migration 0016): records summed by everything a rule condition or a figure of pay looks at — enterprise,
 * provider, cluster (its region), model, workload, office day, price bucket (domain/policy/price-key.ts) and whether a
 * signed batch delivered them — so that claims and the replay are computed from aggregates (issue 17).
 */
export interface UsageGroupsTable {
  enterprise_id: string;
  day: string; // YYYY-MM-DD, the office's day of started_at
  provider_id: string;
  cluster_id: string;
  accelerator_id: string;
  workload: string; // '' when the records name none
  price_key: Int8; // ceil(amount_fen × 3600 / card_s); -1: a bill on 0 card-seconds (above every ceiling)
  signed: number; // 1: delivered in signed batches
  records: Int8;
  card_s: Int8Big;
  amount_fen: Int8Big;
  metered_records: Int8;
  metered_wh: Int8Big;
  unmetered_card_s: Int8Big;
  first_started_at_ms: Int8;
  last_started_at_ms: Int8;
}

/** Monthly rollups (migration 0006): provider × enterprise × model × UTC month of started_at, kept by triggers on usage_rollups. */
export interface UsageRollupsMonthlyTable {
  month: string; // YYYY-MM (UTC) of started_at
  provider_id: string;
  enterprise_id: string;
  accelerator_id: string;
  records: Int8;
  card_s: Int8Big;
  compute_gflop: Int8Big;
  amount_fen: Int8Big;
}

/** Rejected usage records kept for their provider (migration 0007); id is both the order and the cursor. */
export interface UsageRejectionsTable {
  id: Generated<number>;
  provider_id: string;
  received_at_ms: Int8;
  /** the record's position in its batch */
  record_index: number;
  /** as sent, truncated; null when the record had none (or not a string) */
  record_id: string | null;
  code: string;
  field: string | null;
  message: string;
}

export interface ProgramsTable {
  id: string;
  code: string;
  name_zh: string;
  name_en: string;
  kind: string;
  source: string | null;
  beneficiary_kind: 'enterprise' | 'provider';
  funding_layer: string;
  window_start_ms: Int8;
  window_end_ms: Int8;
  budget_fen: Int8Big;
  cap_share_bp: number | null;
  cap_fen: Int8Big | null;
  cap_fen_year: Int8Big | null;
  support_months: number | null;
  first_stage_bp: number;
  eligibility: string; // JSON
  created_at_ms: Int8;
  requires_signed_usage: number;
}

export interface ProgramEnrollmentsTable {
  program_id: string;
  beneficiary_id: string;
  created_at_ms: Int8;
}

export interface RuleSetsTable {
  program_id: string;
  version: number;
  effective_from_ms: Int8;
  rules: string;
  created_at_ms: Int8;
  /** 'record' (versions from before migration 0015) or 'line' (domain/policy/evaluate-lines.ts) */
  rounding: 'record' | 'line';
}

export interface ClaimsTable {
  id: string;
  program_id: string;
  beneficiary_id: string;
  funding_layer: string;
  period_start_ms: Int8;
  period_end_ms: Int8;
  state: string;
  rule_set_version: number;
  records: number;
  base_fen: Int8Big;
  computed_fen: Int8Big;
  granted_fen: Int8Big;
  paid_fen: Int8Big;
  clawed_back_fen: Int8Big;
  first_record_at_ms: Int8 | null;
  progress_report_accepted: number;
  explanation: string; // JSON
  created_at_ms: Int8;
  updated_at_ms: Int8;
}

export interface ClaimRecordsTable {
  funding_layer: string;
  record_seq: Int8;
  claim_id: string;
  subsidy_fen: Int8;
}

export interface ClaimEventsTable {
  id: Generated<number>;
  claim_id: string;
  action: string;
  from_state: string | null;
  to_state: string;
  actor_org_id: string | null;
  actor_key_id: string | null;
  reason: string | null;
  amount_fen: Int8Big | null;
  at_ms: Int8;
}

export interface LedgerAccountsTable {
  id: string;
  program_id: string;
  kind: string;
  beneficiary_id: string | null;
  balance_fen: Int8Big;
}

export interface LedgerTransfersTable {
  id: Generated<number>;
  key: string;
  kind: string;
  program_id: string;
  claim_id: string | null;
  debit_account: string;
  credit_account: string;
  amount_fen: Int8Big;
  at_ms: Int8;
  /** SHA-256 of the request a client's Idempotency-Key first came with (keyed payments); null otherwise. */
  request_digest: string | null;
}

export interface FindingsTable {
  id: string;
  key: string;
  kind: string;
  severity: string;
  status: string;
  subject: string; // JSON
  message: string;
  evidence: string; // JSON
  interval_from_ms: Int8 | null;
  interval_to_ms: Int8 | null;
  created_at_ms: Int8;
  updated_at_ms: Int8;
  resolution_reason: string | null;
  resolved_by: string | null;
}

export interface FindingRecordsTable {
  finding_id: string;
  record_seq: Int8;
}

export interface AuditLogTable {
  seq: Int8;
  at_ms: Int8;
  actor_org_id: string | null;
  actor_key_id: string | null;
  actor_role: string | null;
  action: string;
  subject_kind: string;
  subject_id: string;
  before_json: string | null;
  after_json: string | null;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadTable {
  id: number;
  seq: Int8;
  hash: string;
}

export interface SigningKeysTable {
  id: string;
  provider_id: string;
  label: string;
  public_key: string;
  created_at_ms: Int8;
  revoked_at_ms: Int8 | null;
}

export interface UsageBatchesTable {
  id: Generated<number>;
  provider_id: string;
  key_id: string;
  signature: string;
  body: Uint8Array;
  body_sha256: string;
  received_at_ms: Int8;
  /** What the batch stored (migration 0010): count, digest (batch-delivery.ts), the ids as a JSON array; null before. */
  delivered_count: number | null;
  delivered_digest: string | null;
  delivered_ids: string | null;
  /** When its delivery was sealed into the audit chain (a usage.batch_sealed entry); null until then. */
  sealed_at_ms: Int8 | null;
}

export interface ReferencePricesTable {
  accelerator_id: string;
  fen_per_card_h: Int8;
  source: string;
  updated_at_ms: Int8;
}

export interface UsagePairStatsTable {
  cluster_id: string;
  accelerator_id: string;
  duration_ms_max: Int8;
}

export interface UsageReplacementsTable {
  id: Generated<number>;
  provider_id: string;
  at_ms: Int8;
  reason: string;
  /** JSON arrays of record ids, sorted */
  superseded_ids: string;
  record_ids: string;
}
/** usage_records rows a replacement superseded, unchanged, with the replacement (migration 0013). */
export interface UsageSupersededTable extends Omit<UsageRecordsTable, 'seq'> {
  seq: Int8;
  replacement_id: Int8;
  superseded_at_ms: Int8;
}

export interface CheckQueueTable {
  id: Generated<number>;
  cluster_id: string;
  accelerator_id: string;
  day: number;
}

export interface UsersTable {
  id: string;
  org_id: string;
  role: string;
  login: string;
  name: string;
  password_hash: string | null;
  status: string;
  created_at_ms: Int8;
  updated_at_ms: Int8;
}
export interface InvitationsTable {
  token_hash: string;
  user_id: string;
  expires_at_ms: Int8;
  used_at_ms: Int8 | null;
}
export interface SessionsTable {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at_ms: Int8;
  expires_at_ms: Int8;
}
export interface LoginThrottleTable {
  key: string;
  failures: number;
  last_failure_ms: Int8;
  locked_until_ms: Int8;
}
export interface LoginDevicesTable {
  id_hash: string;
  user_id: string;
  created_at_ms: Int8;
  last_used_at_ms: Int8;
}

/** The zone the rollups' days are in (migration 0014), one row. */
export interface OfficeCalendarTable {
  id: number;
  time_zone: string;
  /** When an operator's zone was applied; null for the UTC days of versions before 0014. */
  settled_at_ms: Int8 | null;
}

export interface Database {
  users: UsersTable;
  invitations: InvitationsTable;
  sessions: SessionsTable;
  login_throttle: LoginThrottleTable;
  login_devices: LoginDevicesTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  signing_keys: SigningKeysTable;
  usage_batches: UsageBatchesTable;
  check_queue: CheckQueueTable;
  usage_replacements: UsageReplacementsTable;
  office_calendar: OfficeCalendarTable;
  usage_superseded: UsageSupersededTable;
  usage_pair_stats: UsagePairStatsTable;
  reference_prices: ReferencePricesTable;
  programs: ProgramsTable;
  program_enrollments: ProgramEnrollmentsTable;
  rule_sets: RuleSetsTable;
  claims: ClaimsTable;
  claim_records: ClaimRecordsTable;
  claim_events: ClaimEventsTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_transfers: LedgerTransfersTable;
  findings: FindingsTable;
  finding_records: FindingRecordsTable;
  organizations: OrganizationsTable;
  accelerators: AcceleratorsTable;
  api_keys: ApiKeysTable;
  clusters: ClustersTable;
  inventory: InventoryTable;
  usage_records: UsageRecordsTable;
  usage_rollups: UsageRollupsTable;
  usage_groups: UsageGroupsTable;
  usage_rollups_monthly: UsageRollupsMonthlyTable;
  usage_rejections: UsageRejectionsTable;
}

/**
 * Columns only PostgreSQL has, beside those of Database: the id of the transaction that inserted a usage record
 * (migration 0011; 0 for rows from before), so that readers page in commit order, and kept with a superseded record
 * (migration 0013). Not in Database, so that no query builder can name them on SQLite: they are read with raw SQL
 * on PostgreSQL only (src/store/usage/).
 */
export interface PostgresOnlyColumns {
  usage_records: { xid: Generated<Int8> };
  usage_superseded: { xid: Generated<Int8> };
}
