// Card runs of Kubernetes workloads → usage records on the wire (src/ingest/usage-schema.ts), or a reason to skip
// the run: the mapping file names the cluster, enterprise, model and price. The record id is the workload's hour
// (cluster, namespace, pod, model, whole UTC hour) and the run's place in it — never the run's start, which moves when
// the samples do — so importing the same hour again finds the same ids, and an hour whose samples changed is seen as
// a change of the hour's stored records (prometheus-import.ts), never as new usage.
import { billedAmountFen } from '../../domain/usage/billed-amount.js';
import { prometheusHourPrefix, prometheusRecordId } from '../../domain/usage/prometheus-ids.js';
import { usage_limits, type UsageRecordWire } from '../usage-schema.js';
import { modelForName } from '../collect/model-names.js';
import type { PrometheusMappingFile } from './mapping-file.js';
import type { SampleRun } from './sample-runs.js';

/** Why a run became no record. A closed list; the summary counts runs and card-hours per reason. */
export const skip_reasons = ['unmapped_host', 'unmapped_namespace', 'unmapped_model', 'no_price', 'mig_instance'] as const;
export type SkipReason = (typeof skip_reasons)[number];

/** What a run is of: one pod's devices of one model on one cluster (or an unmapped host). */
export interface Workload {
  cluster_id: string | null;
  /** Kept only where the host maps to no cluster (to say which). */
  host: string;
  namespace: string;
  pod: string;
  model_name: string | null;
  mig: boolean;
}

/** The merge key of a workload: the cluster, not the host, so a pod is one workload wherever it runs in the cluster. */
export function workloadKey(w: Workload): string {
  return JSON.stringify([w.cluster_id ?? `?${w.host}`, w.namespace, w.pod, w.model_name ?? '', w.mig ? 1 : 0]);
}

export function workloadOfKey(key: string): Workload {
  const [cluster, namespace, pod, model_name, mig] = JSON.parse(key) as [string, string, string, string, number];
  const unmapped = cluster.startsWith('?');
  return {
    cluster_id: unmapped ? null : cluster,
    host: unmapped ? cluster.slice(1) : '',
    namespace,
    pod,
    model_name: model_name === '' ? null : model_name,
    mig: mig === 1,
  };
}

export function jobRef(namespace: string, pod: string): string {
  return `k8s:${namespace}/${pod}`.slice(0, usage_limits.job_ref_chars_max);
}

export type RunOutcome =
  { ok: true; record: UsageRecordWire; card_s: number; prefix: string } | { ok: false; reason: SkipReason; job_ref: string; card_s: number; detail: string };

export class RecordMapper {
  private readonly enterprises: ReadonlyMap<string, string>;
  private readonly models: ReadonlyMap<string, string>;
  private readonly prices: ReadonlyMap<string, number>;
  private readonly hosts: ReadonlyMap<string, string>;

  constructor(private readonly mapping: PrometheusMappingFile) {
    this.hosts = new Map(Object.entries(mapping.clusters.by_host ?? {}));
    this.enterprises = new Map(Object.entries(mapping.enterprises));
    this.models = new Map(Object.entries(mapping.models ?? {}));
    this.prices = new Map(Object.entries(mapping.price_fen_per_card_h));
  }

  /** The cluster of a node: clusters.by_host, else clusters.default, else null. */
  cluster(host: string): string | null {
    return this.hosts.get(host) ?? this.mapping.clusters.default ?? null;
  }

  accelerator(model_name: string): string | null {
    return modelForName(model_name, this.models);
  }

  /** `hour_ms`: the whole UTC hour the run lies in. */
  record(run: SampleRun, w: Workload, hour_ms: number): RunOutcome {
    const duration_s = (run.end_ms - run.start_ms) / 1000;
    const card_s = run.count * duration_s;
    const job_ref = jobRef(w.namespace, w.pod);
    const skip = (reason: SkipReason, detail: string): RunOutcome => ({ ok: false, reason, job_ref, card_s, detail });
    if (w.mig) return skip('mig_instance', `MIG instances of ${w.model_name ?? 'a GPU'} are not whole cards`);
    if (w.cluster_id === null) return skip('unmapped_host', `host "${w.host}" is in neither clusters.by_host nor clusters.default`);
    const enterprise_id = this.enterprises.get(w.namespace);
    if (enterprise_id === undefined) return skip('unmapped_namespace', `namespace "${w.namespace}" is not in enterprises`);
    if (w.model_name === null && this.mapping.unlabelled_model === undefined)
      return skip('unmapped_model', 'the series carries no model label (set unlabelled_model)');
    const accelerator = w.model_name === null ? this.mapping.unlabelled_model! : this.accelerator(w.model_name);
    if (accelerator === null) return skip('unmapped_model', `model "${w.model_name ?? ''}" is neither in models nor in the built-in table`);
    const price = this.prices.get(accelerator);
    if (price === undefined) return skip('no_price', `${accelerator} has no price in price_fen_per_card_h`);
    const prefix = prometheusHourPrefix(w.cluster_id, w.namespace, w.pod, accelerator, hour_ms);
    const record: UsageRecordWire = {
      record_id: prometheusRecordId(prefix, run.part),
      cluster_id: w.cluster_id,
      enterprise_id,
      accelerator,
      count: run.count,
      started_at: new Date(run.start_ms).toISOString(),
      ended_at: new Date(run.end_ms).toISOString(),
      amount_fen: billedAmountFen(run.count, duration_s, price),
      job_ref,
      ...(this.mapping.workload === undefined ? {} : { workload: this.mapping.workload }),
    };
    return { ok: true, record, card_s, prefix };
  }
}
