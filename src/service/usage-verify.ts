// `suanli usage verify`: every signed batch is checked again from what is stored — the body still hashes to its
// recorded SHA-256, the signature still verifies under the key that signed it (revoked keys included: they were valid
// when they signed), what it delivered (count, digest, ids) is what the audit chain sealed, and every record it
// delivered is still stored, still points at it, and is exactly as the signed body says: a record deleted, unlinked
// from its batch or edited is named.
import { createHash } from 'node:crypto';
import { formatSignatureHeader, verifyBatchSignature } from '../domain/integrity/signature.js';
import { sameUsageContent, type UsageInput } from '../domain/usage/validate-usage.js';
import { parseUsageRecord } from '../ingest/usage-pipeline.js';
import { deliveredDigest, sortIds } from '../domain/integrity/batch-delivery.js';
import type { Store } from '../store/store.js';

/** What the audit chain sealed of each batch (its newest usage.batch_sealed entry), by batch id. */
async function sealedDeliveries(store: Store): Promise<Map<number, Record<string, unknown>>> {
  const out = new Map<number, Record<string, unknown>>();
  let after_seq: number | undefined;
  for (;;) {
    const page = await store.audit.list({ action: 'usage.batch_sealed', ...(after_seq === undefined ? {} : { after_seq }) }, 1000);
    for (const e of page) out.set(Number(e.subject.id), (e.after ?? {}) as Record<string, unknown>);
    if (page.length < 1000) return out;
    after_seq = page[page.length - 1]!.seq;
  }
}

export type BatchProblemCode =
  | 'body_changed'
  | 'unknown_key'
  | 'bad_signature'
  | 'body_unreadable'
  | 'record_changed'
  | 'record_not_in_body'
  | 'wrong_provider'
  | 'not_sealed'
  | 'seal_missing'
  | 'delivery_changed'
  | 'record_missing'
  | 'record_unlinked'
  | 'record_relinked'
  | 'replacement_unaudited'
  | 'superseded_changed';

/** `batch_id`: the signed batch concerned; null for a superseded record that came unsigned. */
export interface BatchProblem {
  batch_id: number | null;
  code: BatchProblemCode;
  record_id: string | null;
  message: string;
}

/** What each `usage.replace` audit entry says it superseded: replacement id → record_id → the record's figures. */
async function auditedReplacements(store: Store): Promise<Map<number, Map<string, Record<string, unknown>>>> {
  const out = new Map<number, Map<string, Record<string, unknown>>>();
  let after_seq: number | undefined;
  for (;;) {
    const page = await store.audit.list({ action: 'usage.replace', ...(after_seq === undefined ? {} : { after_seq }) }, 1000);
    for (const e of page) {
      const records = ((e.before ?? {}) as { records?: Record<string, unknown>[] }).records ?? [];
      out.set(Number(e.subject.id), new Map(records.map((r) => [String(r.record_id), r])));
    }
    if (page.length < 1000) return out;
    after_seq = page[page.length - 1]!.seq;
  }
}

export interface UsageVerifyResult {
  batches: number;
  records: number;
  problems: BatchProblem[];
}

/** Problems reported at most; the count of batches and records checked is always complete. */
const problems_max = 1000;

export async function verifySignedUsage(store: Store, onProgress?: (batches: number) => void): Promise<UsageVerifyResult> {
  const result: UsageVerifyResult = { batches: 0, records: 0, problems: [] };
  const problem = (p: BatchProblem) => {
    if (result.problems.length < problems_max) result.problems.push(p);
  };
  const keys = new Map((await store.signingKeys.list()).map((k) => [k.id, k]));
  const seals = await sealedDeliveries(store);
  for await (const b of store.signingKeys.batches()) {
    result.batches++;
    if (result.batches % 100 === 0) onProgress?.(result.batches);
    const sha = createHash('sha256').update(b.body).digest('hex');
    if (sha !== b.body_sha256)
      problem({
        batch_id: b.id,
        code: 'body_changed',
        record_id: null,
        message: `batch ${b.id}: the stored body hashes to ${sha}, not the recorded ${b.body_sha256}`,
      });
    const key = keys.get(b.key_id);
    if (!key || key.provider_id !== b.provider_id) {
      problem({ batch_id: b.id, code: 'unknown_key', record_id: null, message: `batch ${b.id}: key ${b.key_id} is not a key of provider ${b.provider_id}` });
    } else {
      const check = verifyBatchSignature(b.body, formatSignatureHeader(b.key_id, Buffer.from(b.signature, 'base64')), new Map([[key.id, key.public_key]]));
      if (check.status !== 'valid') problem({ batch_id: b.id, code: 'bad_signature', record_id: null, message: `batch ${b.id}: ${check.message}` });
    }
    let signed: Map<string, UsageInput>;
    try {
      const body = JSON.parse(b.body.toString('utf8')) as { records?: unknown };
      signed = new Map();
      for (const raw of Array.isArray(body.records) ? body.records : []) {
        const p = parseUsageRecord(raw);
        if (p.ok && !signed.has(p.input.record_id)) signed.set(p.input.record_id, p.input);
      }
    } catch {
      problem({ batch_id: b.id, code: 'body_unreadable', record_id: null, message: `batch ${b.id}: the stored body is not the JSON batch it was` });
      continue;
    }
    // What the batch delivered: its own columns against their digest and against what the audit chain sealed.
    const d = b.delivered;
    const sealed = seals.get(b.id);
    if (b.sealed_at_ms === null || d === null) {
      problem({
        batch_id: b.id,
        code: 'not_sealed',
        record_id: null,
        message: `batch ${b.id}: what it delivered is not sealed into the audit chain yet (serve seals after each signed batch and at start)`,
      });
    } else if (sealed === undefined) {
      problem({
        batch_id: b.id,
        code: 'seal_missing',
        record_id: null,
        message: `batch ${b.id} is marked sealed, but the audit chain holds no usage.batch_sealed entry for it`,
      });
    } else if (String(sealed.delivered_count) !== String(d.count) || sealed.delivered_digest !== d.digest || sealed.body_sha256 !== b.body_sha256) {
      problem({
        batch_id: b.id,
        code: 'delivery_changed',
        record_id: null,
        message: `batch ${b.id}: delivered ${d.count} records (digest ${d.digest.slice(0, 12)}…), the audit chain sealed ${String(sealed.delivered_count)} (${String(sealed.delivered_digest).slice(0, 12)}…)`,
      });
    }
    let delivered: string[] | null = null;
    if (d !== null) {
      if (d.ids.length !== d.count || deliveredDigest(b.body_sha256, sortIds(d.ids)) !== d.digest) {
        problem({
          batch_id: b.id,
          code: 'delivery_changed',
          record_id: null,
          message: `batch ${b.id}: its list of delivered records no longer matches its count and digest`,
        });
      }
      delivered = d.ids;
    }
    const pointing = await store.signingKeys.batchRecords(b.id);
    const stored = new Map(pointing.map((r) => [r.record_id, r]));
    if (delivered !== null) {
      const elsewhere = delivered.filter((id) => !stored.has(id));
      for (const r of await store.signingKeys.recordsByIds(b.provider_id, elsewhere)) stored.set(r.record_id, r);
    }
    const delivered_set = new Set(delivered ?? pointing.map((r) => r.record_id));
    for (const id of delivered ?? []) {
      if (!stored.has(id))
        problem({ batch_id: b.id, code: 'record_missing', record_id: id, message: `record ${id}, delivered by batch ${b.id}, is no longer stored` });
    }
    for (const r of stored.values()) {
      result.records++;
      const input: UsageInput = {
        record_id: r.record_id,
        cluster_id: r.cluster_id,
        enterprise_id: r.enterprise_id,
        accelerator: r.accelerator_id,
        count: Number(r.count),
        started_at_ms: Number(r.started_at_ms),
        ended_at_ms: Number(r.ended_at_ms),
        amount_fen: Number(r.amount_fen),
        job_ref: r.job_ref,
        workload: r.workload as UsageInput['workload'],
        energy_wh: r.energy_wh === null ? null : Number(r.energy_wh),
      };
      if (r.provider_id !== b.provider_id)
        problem({
          batch_id: b.id,
          code: 'wrong_provider',
          record_id: r.record_id,
          message: `record ${r.record_id} is stored under provider ${r.provider_id}, but batch ${b.id} came from ${b.provider_id}`,
        });
      const linked = r.batch_id !== null && Number(r.batch_id) === b.id;
      if (!linked)
        problem({
          batch_id: b.id,
          code: 'record_unlinked',
          record_id: r.record_id,
          message: `record ${r.record_id}, delivered by batch ${b.id}, no longer points at it (${r.batch_id === null ? 'unsigned now' : `batch ${String(r.batch_id)}`})`,
        });
      else if (!delivered_set.has(r.record_id) && signed.has(r.record_id))
        problem({
          batch_id: b.id,
          code: 'record_relinked',
          record_id: r.record_id,
          message: `record ${r.record_id} points at batch ${b.id}, which did not deliver it (it was a duplicate there)`,
        });
      const original = signed.get(r.record_id);
      if (original === undefined)
        problem({
          batch_id: b.id,
          code: 'record_not_in_body',
          record_id: r.record_id,
          message: `record ${r.record_id} points at batch ${b.id}, whose signed body does not hold it`,
        });
      else if (!sameUsageContent(original, input))
        problem({ batch_id: b.id, code: 'record_changed', record_id: r.record_id, message: `record ${r.record_id} differs from what batch ${b.id} signed` });
    }
  }
  // A superseded record left the standing records by a replacement the audit chain names with the record's figures —
  // not by an edit of the database (a row moved to usage_superseded to hide it, or changed there).
  const audited = await auditedReplacements(store);
  for await (const r of store.usage.superseded()) {
    const said = audited.get(r.replacement_id)?.get(r.record_id);
    const batch_id = r.batch_id;
    if (said === undefined) {
      problem({
        batch_id,
        code: 'replacement_unaudited',
        record_id: r.record_id,
        message: `record ${r.record_id} is superseded by replacement ${r.replacement_id}, which no usage.replace audit entry records`,
      });
    } else if (
      String(said.count) !== String(r.count) ||
      String(said.started_at_ms) !== String(r.started_at_ms) ||
      String(said.ended_at_ms) !== String(r.ended_at_ms) ||
      String(said.amount_fen) !== String(r.amount_fen)
    ) {
      problem({
        batch_id,
        code: 'superseded_changed',
        record_id: r.record_id,
        message: `superseded record ${r.record_id} differs from what the usage.replace entry of replacement ${r.replacement_id} recorded`,
      });
    }
  }
  return result;
}
