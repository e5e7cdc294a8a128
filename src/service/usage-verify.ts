// `suanli usage verify`: every signed batch is checked again from what is stored — the body still hashes to its
// recorded SHA-256, the signature still verifies under the key that signed it (revoked keys included: they were valid
// when they signed), and every record the batch delivered is still stored exactly as the signed body says.
import { createHash } from 'node:crypto';
import { formatSignatureHeader, verifyBatchSignature } from '../domain/integrity/signature.js';
import { sameUsageContent, type UsageInput } from '../domain/usage/validate-usage.js';
import { parseUsageRecord } from '../ingest/usage-pipeline.js';
import type { Store } from '../store/store.js';

export type BatchProblemCode = 'body_changed' | 'unknown_key' | 'bad_signature' | 'body_unreadable' | 'record_changed' | 'record_not_in_body' | 'wrong_provider';

export interface BatchProblem { batch_id: number; code: BatchProblemCode; record_id: string | null; message: string }

export interface UsageVerifyResult { batches: number; records: number; problems: BatchProblem[] }

/** Problems reported at most; the count of batches and records checked is always complete. */
const problems_max = 1000;

export async function verifySignedUsage(store: Store, onProgress?: (batches: number) => void): Promise<UsageVerifyResult> {
  const result: UsageVerifyResult = { batches: 0, records: 0, problems: [] };
  const problem = (p: BatchProblem) => { if (result.problems.length < problems_max) result.problems.push(p); };
  const keys = new Map((await store.signingKeys.list()).map((k) => [k.id, k]));
  for await (const b of store.signingKeys.batches()) {
    result.batches++;
    if (result.batches % 100 === 0) onProgress?.(result.batches);
    const sha = createHash('sha256').update(b.body).digest('hex');
    if (sha !== b.body_sha256) problem({ batch_id: b.id, code: 'body_changed', record_id: null, message: `batch ${b.id}: the stored body hashes to ${sha}, not the recorded ${b.body_sha256}` });
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
    for (const r of await store.signingKeys.batchRecords(b.id)) {
      result.records++;
      const stored: UsageInput = {
        record_id: r.record_id, cluster_id: r.cluster_id, enterprise_id: r.enterprise_id, accelerator: r.accelerator_id, count: Number(r.count),
        started_at_ms: Number(r.started_at_ms), ended_at_ms: Number(r.ended_at_ms), amount_fen: Number(r.amount_fen), job_ref: r.job_ref,
        workload: r.workload as UsageInput['workload'], energy_wh: r.energy_wh === null ? null : Number(r.energy_wh),
      };
      if (r.provider_id !== b.provider_id) problem({ batch_id: b.id, code: 'wrong_provider', record_id: r.record_id, message: `record ${r.record_id} is stored under provider ${r.provider_id}, but batch ${b.id} came from ${b.provider_id}` });
      const original = signed.get(r.record_id);
      if (original === undefined) problem({ batch_id: b.id, code: 'record_not_in_body', record_id: r.record_id, message: `record ${r.record_id} points at batch ${b.id}, whose signed body does not hold it` });
      else if (!sameUsageContent(original, stored)) problem({ batch_id: b.id, code: 'record_changed', record_id: r.record_id, message: `record ${r.record_id} differs from what batch ${b.id} signed` });
    }
  }
  return result;
}
