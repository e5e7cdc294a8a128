// The record ids of `suanli import prometheus` (docs/prometheus.md, "The method"): one prefix per workload's hour —
// cluster, Kubernetes namespace and pod, catalog model, whole UTC hour — and the run's place in that hour. Pure, so
// that the importer and the migration that re-keyed older imports (store/migrations/0013) compute the same ids.
import { createHash } from 'node:crypto';

export const hour_ms = 3_600_000;

/** `prom-` and 40 hex digits of SHA-256 over (cluster, namespace, pod, model, the hour as ISO 8601), one per line. */
export function prometheusHourPrefix(cluster_id: string, namespace: string, pod: string, accelerator: string, hour_start_ms: number): string {
  const digest = createHash('sha256')
    .update([cluster_id, namespace, pod, accelerator, new Date(hour_start_ms).toISOString()].join('\n'))
    .digest('hex');
  return `prom-${digest.slice(0, 40)}`;
}

/** The id of the run `part` (0, 1, … in time order) of a workload's hour. */
export const prometheusRecordId = (prefix: string, part: number): string => `${prefix}.${part}`;

/** `k8s:<namespace>/<pod>` → its two names; null for any other job ref. */
export function kubernetesWorkload(job_ref: string | null): { namespace: string; pod: string } | null {
  const m = job_ref === null ? null : /^k8s:([^/]+)\/(.+)$/.exec(job_ref);
  return m === null ? null : { namespace: m[1]!, pod: m[2]! };
}
