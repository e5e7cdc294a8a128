// The mapping file of `suanli import prometheus` (YAML or JSON): which suanli cluster each node belongs to, which
// enterprise each Kubernetes namespace bills, which catalog model each exporter model name is (over the built-in
// table), and the price per card-hour of each model (Prometheus carries no bill). One TypeBox schema gives the check
// and the type; problems name the field.
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import {
  MappingFileError,
  MappingProblems,
  mapping_file_limits,
  ModelId,
  parseMappingText,
  price_table_key,
  PriceTable,
  readMappingText,
  schemaProblems,
  type MappingProblem,
} from '../mapping-file.js';

export const prometheus_mapping_limits = {
  ...mapping_file_limits,
  hosts_max: 100_000,
  namespaces_max: 100_000,
  models_max: 1_000,
} as const;

const id_pattern = '^[A-Za-z0-9_-]{1,64}$';
/** Kubernetes namespace names are DNS labels (RFC 1123): at most 63 lower-case letters, digits and '-'. */
const namespace_pattern = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
const host_pattern = '^[^\\s]{1,253}$';
const label_name_pattern = '^[a-zA-Z_][a-zA-Z0-9_]{0,127}$';

export const PrometheusMappingFile = Type.Object(
  {
    clusters: Type.Object(
      {
        default: Type.Optional(Type.String({ pattern: id_pattern, description: 'the suanli cluster of every node not listed in by_host' })),
        by_host: Type.Optional(
          Type.Record(Type.String({ pattern: host_pattern }), Type.String({ pattern: id_pattern }), {
            additionalProperties: false,
            maxProperties: prometheus_mapping_limits.hosts_max,
            description: "node (the host label's value) → suanli cluster id",
          }),
        ),
        host_label: Type.Optional(
          Type.String({ pattern: label_name_pattern, description: 'the label naming the node (default Hostname for dcgm, instance for ascend)' }),
        ),
      },
      { additionalProperties: false },
    ),
    enterprises: Type.Record(Type.String({ pattern: namespace_pattern }), Type.String({ pattern: id_pattern }), {
      additionalProperties: false,
      minProperties: 1,
      maxProperties: prometheus_mapping_limits.namespaces_max,
      description: 'Kubernetes namespace → enterprise id',
    }),
    models: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 128 }), ModelId, {
        maxProperties: prometheus_mapping_limits.models_max,
        description: 'exporter model name (modelName, model_name) → catalog model id, over the built-in table',
      }),
    ),
    // the catalog model of series that carry no model label: the ascend-npu-exporter before MindCluster labels
    // container_npu_utilization only with id, namespace, pod_name and container_name
    unlabelled_model: Type.Optional(ModelId),
    price_fen_per_card_h: PriceTable,
    selector: Type.Optional(
      Type.String({ maxLength: 1000, pattern: '^[^{}]*$', description: 'PromQL label matchers added to the query, e.g. cluster="sh-a"' }),
    ),
    workload: Type.Optional(Type.Enum(['training', 'inference'], { description: 'the workload of every record' })),
  },
  { additionalProperties: false },
);
export type PrometheusMappingFile = Static<typeof PrometheusMappingFile>;

const check = Compile(PrometheusMappingFile);

const key_names: Record<string, { pattern: string; what: string }> = {
  'clusters.by_host': { pattern: host_pattern, what: 'a host name (no spaces, at most 253 characters)' },
  enterprises: { pattern: namespace_pattern, what: 'a Kubernetes namespace (lower-case letters, digits and -, at most 63)' },
  price_fen_per_card_h: price_table_key,
};

/** The problems of a parsed mapping file (at most 20), none when it is valid. */
export function mappingProblems(data: unknown): MappingProblem[] {
  const problems = new MappingProblems();
  if (!check.Check(data)) {
    schemaProblems(check, data, key_names, problems);
    return problems.list;
  }
  if (data.clusters.default === undefined && Object.keys(data.clusters.by_host ?? {}).length === 0) {
    problems.add({ field: 'clusters', message: 'set clusters.default, or map hosts in clusters.by_host' });
  }
  return problems.list;
}

export function readPrometheusMapping(file: string): PrometheusMappingFile {
  const data = parseMappingText(readMappingText(file), file);
  const problems = mappingProblems(data);
  if (problems.length > 0) throw new MappingFileError(file, problems);
  return data as PrometheusMappingFile;
}
