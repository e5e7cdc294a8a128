// The one path every usage record takes, from the HTTP API and from file imports alike:
// shape (TypeBox) → domain validation (time, inventory, parties) → idempotent write → an outcome per record.
import { Compile } from 'typebox/compile';
import { describeIssue } from './schema-issue.js';
import { sameUsageContent, validateUsage, type UsageContext, type UsageInput, type UsageRejectCode } from '../domain/usage/validate-usage.js';
import type { Store } from '../store/store.js';
import type { SignedBatch, UsageRow } from '../store/usage/rows.js';
import { operator_actor, type AuditActor } from '../store/audit-repository.js';
import { UsageRecordWire } from './usage-schema.js';
import { Refusal } from '../domain/refusal.js';
import { SIGNATURE_HEADER_NAME } from '../domain/integrity/signature.js';

const check = Compile(UsageRecordWire);

export interface Rejection {
  index: number;
  record_id: string | null;
  code: UsageRejectCode;
  field: string | null;
  message: string;
}
export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: Rejection[];
}

export interface IngestLimits {
  future_skew_s_max: number;
  usage_duration_s_max: number;
  incremental_checks: boolean;
}

function recordIdOf(raw: unknown): string | null {
  if (typeof raw === 'object' && raw !== null && 'record_id' in raw) {
    const id = (raw as { record_id: unknown }).record_id;
    if (typeof id === 'string') return id.slice(0, 128);
  }
  return null;
}

/** Shape check; the instants are parsed to epoch ms (RFC 3339 with any offset, stored as UTC). */
export function parseUsageRecord(raw: unknown): { ok: true; input: UsageInput } | { ok: false; field: string; message: string } {
  if (!check.Check(raw)) {
    const first = check.Errors(raw)[0];
    const d = first ? describeIssue(first) : { field: '(record)', message: 'is not a usage record' };
    return { ok: false, field: d.field === '(body)' ? '(record)' : d.field, message: d.message };
  }
  const started_at_ms = Date.parse(raw.started_at);
  const ended_at_ms = Date.parse(raw.ended_at);
  if (Number.isNaN(started_at_ms)) return { ok: false, field: 'started_at', message: 'is not a valid instant' };
  if (Number.isNaN(ended_at_ms)) return { ok: false, field: 'ended_at', message: 'is not a valid instant' };
  return {
    ok: true,
    input: {
      record_id: raw.record_id,
      cluster_id: raw.cluster_id,
      enterprise_id: raw.enterprise_id,
      accelerator: raw.accelerator,
      count: raw.count,
      started_at_ms,
      ended_at_ms,
      amount_fen: raw.amount_fen,
      job_ref: raw.job_ref ?? null,
      workload: raw.workload ?? null,
      energy_wh: raw.energy_wh ?? null,
    },
  };
}

/**
 * How a batch came in, which decides whether the signature rule applies to it.
 * - A provider's API call (POST /api/v1/usage, /usage/replacements) is a `ProviderAdmission`, made only by
 *   `UsageIngest.admit`: an unsigned batch is refused where a signature is required (the provider registered a key, or a
 *   running program requiring signed usage enrolls the provider or an enterprise of the batch).
 * - The command line (`suanli import usage|sacct|prometheus`, `suanli demo`) is `operator_delivery`: the operator has
 *   direct database access and no provider key, so the rule does not apply — its batches are stored unsigned, and a
 *   program requiring signed usage does not count them (docs/integrity.md).
 */
export type Delivery = ProviderAdmission | OperatorDelivery;
declare const admitted: unique symbol;
export interface ProviderAdmission {
  readonly via: 'provider_api';
  readonly signed: SignedBatch | null;
  readonly [admitted]: true;
}
export interface OperatorDelivery {
  readonly via: 'operator';
}
export const operator_delivery: OperatorDelivery = Object.freeze({ via: 'operator' });

function enterpriseIdsOf(records: readonly unknown[]): string[] {
  const ids = new Set<string>();
  for (const r of records) {
    if (typeof r === 'object' && r !== null && typeof (r as { enterprise_id?: unknown }).enterprise_id === 'string')
      ids.add((r as { enterprise_id: string }).enterprise_id);
  }
  return [...ids];
}

/** What failed after a batch committed: keeping its rejections, or sealing a signed batch into the audit chain. */
export type AfterCommitFailure = (error: unknown, what: 'rejections' | 'seal') => void;

export class UsageIngest {
  constructor(
    private readonly store: Store,
    private readonly limits: IngestLimits,
  ) {}

  private sealing: Promise<void> | null = null;
  private seal_again = false;

  /**
   * Seals what signed batches delivered into the audit chain (SigningKeyRepository.sealBatches), before their answer:
   * one run at a time, another once it ends when batches arrived meanwhile (a caller that came during a run waits for
   * that next run). A failure (the database away) is told to
   * `failed` and left for the next signed batch or the next start; verification reports a batch not yet sealed.
   */
  sealSignedBatches(now: () => number, failed: (error: unknown) => void = () => undefined): Promise<void> {
    if (this.sealing !== null) {
      this.seal_again = true;
      return this.sealing; // resolves after the do-while below has run once more, covering this batch
    }
    this.sealing = (async () => {
      try {
        do {
          this.seal_again = false;
          while ((await this.store.signingKeys.sealBatches(now())) > 0) {
            /* the next page */
          }
        } while (this.seal_again);
      } catch (error) {
        failed(error);
      } finally {
        this.sealing = null;
      }
    })();
    return this.sealing;
  }

  /**
   * The signature rule for a provider's batch: `signed` is its verified signature and exact body, or null when unsigned.
   * Answers the admission that `ingest` and `replace` take; an unsigned batch where a signature is required is refused
   * (Refusal signature_required: nothing may be stored).
   */
  async admit(provider_id: string, records: readonly unknown[], now_ms: number, signed: SignedBatch | null): Promise<ProviderAdmission> {
    if (signed === null) {
      const why = await this.store.signingKeys.signatureRequired(provider_id, enterpriseIdsOf(records), now_ms);
      if (why !== null) throw new Refusal('signature_required', why, { fields: [`header.${SIGNATURE_HEADER_NAME.toLowerCase()}`] });
    }
    return { via: 'provider_api', signed } as ProviderAdmission;
  }

  /**
   * `delivery`: a provider's admitted batch (with its verified signature and exact body, stored with the records as
   * evidence) or the operator's (unsigned, exempt from the signature rule: see Delivery). `not_kept`: told when
   * what follows the batch's commit failed — keeping its rejections (keepRejections; without `not_kept` that failure is
   * thrown) or sealing a signed batch (sealSignedBatches) — with which of the two; the records stay stored either way.
   */
  async ingest(
    provider_id: string,
    records: readonly unknown[],
    now_ms: number,
    delivery: Delivery = operator_delivery,
    not_kept?: AfterCommitFailure,
  ): Promise<IngestResult> {
    const signed = delivery.via === 'operator' ? null : delivery.signed;
    const { rows, rejected, resends } = await this.prepare(provider_id, records, now_ms);
    let duplicates = 0;

    const outcomes = await this.store.usage.insertBatch(provider_id, rows, now_ms, { signed, queue_checks: this.limits.incremental_checks });
    let accepted = 0;
    const stored_conflict = 'record_id was stored before with other content';
    outcomes.forEach((o, i) => {
      const row = rows[i]!;
      if (o === 'accepted') accepted++;
      else if (o === 'duplicate') duplicates++;
      else rejected.push({ index: row.index, record_id: row.input.record_id, code: 'conflict', field: 'record_id', message: stored_conflict });
    });
    for (const r of resends) {
      if (outcomes[r.first] === 'conflict')
        rejected.push({ index: r.index, record_id: rows[r.first]!.input.record_id, code: 'conflict', field: 'record_id', message: stored_conflict });
      else duplicates++;
    }
    rejected.sort((a, b) => a.index - b.index);
    if (rejected.length > 0) await this.keepRejections(provider_id, rejected, now_ms, not_kept);
    // A signed batch is sealed into the audit chain before it is answered (batches arriving together share one seal).
    if (signed !== null)
      await this.sealSignedBatches(
        () => now_ms,
        (error) => not_kept?.(error, 'seal'),
      );
    return { accepted, duplicates, rejected };
  }

  /**
   * Stores `records` in place of the stored records `replaced` (read by the caller, and still stored so), all or
   * nothing: every record must pass the same checks as in `ingest`, or nothing is written and every problem is
   * answered (the others as `replacement_refused`). The store refuses a replacement of a claimed record, or of one
   * that changed since it was read (src/store/usage/replacement.ts). `delivery` as in `ingest`.
   */
  async replace(
    provider_id: string,
    replaced: readonly UsageInput[],
    records: readonly unknown[],
    now_ms: number,
    reason: string,
    actor: AuditActor = operator_actor,
    delivery: Delivery = operator_delivery,
    not_kept?: AfterCommitFailure,
  ): Promise<{ ok: true; replacement_id: number } | { ok: false; rejected: Rejection[] }> {
    const signed = delivery.via === 'operator' ? null : delivery.signed;
    const { rows, rejected, resends } = await this.prepare(provider_id, records, now_ms);
    for (const r of resends)
      rejected.push({
        index: r.index,
        record_id: rows[r.first]!.input.record_id,
        code: 'conflict',
        field: 'record_id',
        message: 'record_id was already sent in this replacement',
      });
    const refuseRest = (why: string) => {
      const named = new Set(rejected.map((r) => r.index));
      for (const r of rows)
        if (!named.has(r.index)) rejected.push({ index: r.index, record_id: r.input.record_id, code: 'replacement_refused', field: null, message: why });
      rejected.sort((a, b) => a.index - b.index);
      return { ok: false as const, rejected };
    };
    if (rejected.length > 0) return refuseRest('another record of the replacement was refused: nothing of it was stored');
    const outcome = await this.store.usage.replace(provider_id, replaced, rows, now_ms, reason, actor, this.limits.incremental_checks, signed);
    if (outcome.ok) {
      if (signed !== null)
        await this.sealSignedBatches(
          () => now_ms,
          (error) => not_kept?.(error, 'seal'),
        );
      return outcome;
    }
    return refuseRest(`${outcome.code}: ${outcome.message}; nothing of the replacement was stored`);
  }

  /**
   * Shape and domain checks of a batch's records, in order: the rows to write, the rejections, and the re-sends (the
   * same record_id again with the same content, which share the first occurrence's fate; with other content, a conflict).
   */
  private async prepare(provider_id: string, records: readonly unknown[], now_ms: number) {
    const rejected: Rejection[] = [];
    const parsed: { index: number; input: UsageInput }[] = [];
    records.forEach((raw, index) => {
      const p = parseUsageRecord(raw);
      if (p.ok) parsed.push({ index, input: p.input });
      else rejected.push({ index, record_id: recordIdOf(raw), code: 'invalid_field', field: p.field, message: p.message });
    });

    const ctx = await this.context(
      provider_id,
      parsed.map((p) => p.input),
      now_ms,
    );
    const rows: (UsageRow & { index: number })[] = [];
    const first_by_id = new Map<string, number>(); // record_id → position in rows
    const resends: { index: number; first: number }[] = [];
    for (const { index, input } of parsed) {
      const v = validateUsage(input, ctx);
      if (!v.ok) {
        rejected.push({ index, record_id: input.record_id, ...v.problem });
        continue;
      }
      const first = first_by_id.get(input.record_id);
      if (first !== undefined) {
        if (sameUsageContent(rows[first]!.input, input)) resends.push({ index, first });
        else
          rejected.push({
            index,
            record_id: input.record_id,
            code: 'conflict',
            field: 'record_id',
            message: 'record_id was already sent in this batch with other content',
          });
        continue;
      }
      first_by_id.set(input.record_id, rows.length);
      rows.push({ index, input, derived: v.derived });
    }
    return { rows, rejected, resends };
  }

  /**
   * Keeps the rejections for GET /api/v1/usage/rejections, right after the batch's own transaction rather than inside it:
   * a rejection is diagnostic, and in the batch's transaction a failure to keep one would refuse the accepted records
   * with it (and on SQLite, conflicts with stored records are only known once the batch has committed). A crash between
   * the two loses rejections, never records. The answer waits for them, so a provider reading them next sees them.
   */
  private async keepRejections(provider_id: string, rejected: readonly Rejection[], now_ms: number, not_kept: AfterCommitFailure | undefined): Promise<void> {
    try {
      await this.store.usage.keepRejections(provider_id, rejected, now_ms);
    } catch (error) {
      if (not_kept === undefined) throw error;
      not_kept(error, 'rejections');
    }
  }

  private async context(provider_id: string, inputs: readonly UsageInput[], now_ms: number): Promise<UsageContext> {
    const enterprise_ids = [...new Set(inputs.map((i) => i.enterprise_id))];
    const [accelerators, clusters, enterprises] = await Promise.all([
      this.store.catalog.throughputs(),
      inputs.length === 0 ? Promise.resolve([]) : this.store.clusters.list(provider_id),
      this.store.organizations.existingEnterprises(enterprise_ids),
    ]);
    return {
      now_ms,
      future_skew_s_max: this.limits.future_skew_s_max,
      duration_s_max: this.limits.usage_duration_s_max,
      clusters: new Map(clusters.map((c) => [c.id, c])),
      enterprises,
      accelerators,
    };
  }
}
