// What each supported exporter's series says about a device and the Kubernetes workload holding it. Metric and label
// names are the exporters' documented ones (docs/prometheus.md cites them):
// - NVIDIA dcgm-exporter: DCGM_FI_DEV_GPU_UTIL{gpu, UUID, device, modelName, Hostname, pod, namespace, container};
//   the workload labels are pod_name/pod_namespace with its --use-old-namespace flag.
// - Huawei npu-exporter (MindCluster): container_npu_utilization{id, model_name, vdie_id, pcie_bus_info, namespace,
//   pod_name, container_name}, reported for the NPUs a container holds.
// When Prometheus scrapes with honor_labels: false and its target labels carry the same name (pod, namespace from
// Kubernetes service discovery), the exporter's label is renamed exported_<name>; that one is then the workload's.

export const exporter_names = ['dcgm', 'ascend'] as const;
export type ExporterName = (typeof exporter_names)[number];

export type SeriesReading =
  /** The device is held by no pod in this series (the exporter prints empty pod labels, which Prometheus drops). */
  { kind: 'idle' } | { kind: 'workload'; namespace: string; pod: string; model_name: string | null; device: string; mig: boolean };

export interface Exporter {
  name: ExporterName;
  metric: string;
  /** The label that names the node, for mapping hosts to clusters (the mapping file may name another). */
  host_label_default: string;
  read(labels: Readonly<Record<string, string>>): SeriesReading;
}

/** The first of the names the series carries (Prometheus stores no empty label, so present means set). */
function label(labels: Readonly<Record<string, string>>, ...names: string[]): string | null {
  for (const n of names) {
    if (Object.hasOwn(labels, n)) return labels[n]!;
  }
  return null;
}

function workload(labels: Readonly<Record<string, string>>, pod_labels: string[], namespace_labels: string[]): { namespace: string; pod: string } | null {
  const pod = label(labels, ...pod_labels);
  const namespace = label(labels, ...namespace_labels);
  if (pod === null || pod === '' || namespace === null || namespace === '') return null;
  return { namespace, pod };
}

export const dcgm_exporter: Exporter = {
  name: 'dcgm',
  metric: 'DCGM_FI_DEV_GPU_UTIL',
  host_label_default: 'Hostname',
  read(labels) {
    const w = workload(labels, ['exported_pod', 'pod', 'pod_name'], ['exported_namespace', 'namespace', 'pod_namespace']);
    if (w === null) return { kind: 'idle' };
    const uuid = label(labels, 'UUID');
    const gpu = label(labels, 'gpu');
    const host = label(labels, 'Hostname') ?? label(labels, 'instance') ?? '';
    // A MIG instance is a slice of a GPU; counting it as a card would overcount (GPU_I_ID names the instance).
    const instance = label(labels, 'GPU_I_ID');
    const base = uuid ?? `${host}/gpu${gpu ?? '?'}`;
    return {
      kind: 'workload',
      ...w,
      model_name: label(labels, 'modelName'),
      device: instance === null ? base : `${base}/mig${instance}`,
      mig: instance !== null,
    };
  },
};

export const ascend_exporter: Exporter = {
  name: 'ascend',
  metric: 'container_npu_utilization',
  host_label_default: 'instance',
  read(labels) {
    const w = workload(labels, ['exported_pod_name', 'pod_name'], ['exported_namespace', 'namespace']);
    if (w === null) return { kind: 'idle' };
    const vdie = label(labels, 'vdie_id');
    const id = label(labels, 'id');
    const host = label(labels, 'instance') ?? '';
    return { kind: 'workload', ...w, model_name: label(labels, 'model_name'), device: vdie ?? `${host}/npu${id ?? '?'}`, mig: false };
  },
};

export const exporters: Readonly<Record<ExporterName, Exporter>> = { dcgm: dcgm_exporter, ascend: ascend_exporter };

/** The PromQL the importer sends: the metric, narrowed by the mapping file's label matchers when it has some. */
export function exporterQuery(exporter: Exporter, selector: string | undefined): string {
  const s = selector?.trim() ?? '';
  return s === '' ? exporter.metric : `${exporter.metric}{${s}}`;
}
