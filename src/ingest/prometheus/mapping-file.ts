// The mapping file of `suanli import prometheus` (YAML or JSON): which suanli cluster each node belongs to, which
// enterprise each Kubernetes namespace bills, which catalog model each exporter model name is (over the built-in
// table), and the price per card-hour of each model (Prometheus carries no bill). One TypeBox schema gives the check
// and the type; problems name the field.
import fs from 'node:fs';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { parse as parseYaml } from 'yaml';
import { accelerator_id_pattern } from '../../domain/catalog/accelerator.js';
import { schemaProblem } from '../../domain/schema-path.js';

export const prometheus_mapping_limits = {
  file_bytes_max: 4 * 1024 * 1024,
  hosts_max: 100_000,
  namespaces_max: 100_000,
  models_max: 1_000,
  prices_max: 1_000,
  /** 100,000 yuan per card-hour: far above any real price, and every product stays an exact BigInt */
  fen_per_card_h_max: 10_000_000,
} as const;

const id_pattern = '^[A-Za-z0-9_-]{1,64}$';
/** Kubernetes namespace names are DNS labels (RFC 1123): at most 63 lower-case letters, digits and '-'. */
const namespace_pattern = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
const host_pattern = '^[^\\s]{1,253}$';
const label_name_pattern = '^[a-zA-Z_][a-zA-Z0-9_]{0,127}$';
const ModelId = Type.String({ pattern: accelerator_id_pattern, maxLength: 64, description: 'catalog model id, e.g. huawei-ascend-910b' });

export const PrometheusMappingFile = Type.Object({
  clusters: Type.Object({
    default: Type.Optional(Type.String({ pattern: id_pattern, description: 'the suanli cluster of every node not listed in by_host' })),
    by_host: Type.Optional(Type.Record(Type.String({ pattern: host_pattern }), Type.String({ pattern: id_pattern }), {
      additionalProperties: false, maxProperties: prometheus_mapping_limits.hosts_max, description: 'node (the host label\'s value) → suanli cluster id',
    })),
    host_label: Type.Optional(Type.String({ pattern: label_name_pattern, description: 'the label naming the node (default Hostname for dcgm, instance for ascend)' })),
  }, { additionalProperties: false }),
  enterprises: Type.Record(Type.String({ pattern: namespace_pattern }), Type.String({ pattern: id_pattern }), {
    additionalProperties: false, minProperties: 1, maxProperties: prometheus_mapping_limits.namespaces_max, description: 'Kubernetes namespace → enterprise id',
  }),
  models: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 128 }), ModelId, {
    maxProperties: prometheus_mapping_limits.models_max, description: 'exporter model name (modelName, model_name) → catalog model id, over the built-in table',
  })),
  price_fen_per_card_h: Type.Record(Type.String({ pattern: accelerator_id_pattern }), Type.Integer({ minimum: 0, maximum: prometheus_mapping_limits.fen_per_card_h_max }), {
    additionalProperties: false, minProperties: 1, maxProperties: prometheus_mapping_limits.prices_max, description: 'catalog model id → price per card-hour in fen',
  }),
  selector: Type.Optional(Type.String({ maxLength: 1000, pattern: '^[^{}]*$', description: 'PromQL label matchers added to the query, e.g. cluster="sh-a"' })),
  workload: Type.Optional(Type.Enum(['training', 'inference'], { description: 'the workload of every record' })),
}, { additionalProperties: false });
export type PrometheusMappingFile = Static<typeof PrometheusMappingFile>;

const check = Compile(PrometheusMappingFile);

export interface MappingProblem { field: string; message: string }

export class PrometheusMappingError extends Error {
  constructor(readonly file: string, readonly problems: readonly MappingProblem[]) {
    super(`${file}: ${problems.map((p) => (p.field === '' ? p.message : `${p.field}: ${p.message}`)).join('; ')}`);
  }
}

const key_names: Record<string, { pattern: string; what: string }> = {
  'clusters.by_host': { pattern: host_pattern, what: 'a host name (no spaces, at most 253 characters)' },
  enterprises: { pattern: namespace_pattern, what: 'a Kubernetes namespace (lower-case letters, digits and -, at most 63)' },
  price_fen_per_card_h: { pattern: accelerator_id_pattern, what: 'a catalog model id (lower-case words joined by -)' },
};

/** The problems of a parsed mapping file (at most 20), none when it is valid. */
export function mappingProblems(data: unknown): MappingProblem[] {
  const problems: MappingProblem[] = [];
  const add = (p: MappingProblem) => { if (problems.length < 20 && !problems.some((q) => q.field === p.field)) problems.push(p); };
  if (!check.Check(data)) {
    for (const e of check.Errors(data)) {
      if (e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
      const p = schemaProblem(e);
      const map = Object.keys(key_names).find((m) => p.field.startsWith(`${m}.`));
      const key = map === undefined ? '' : p.field.slice(map.length + 1);
      // a key of one of the maps that fails its pattern is reported as an unknown field: say what it should be
      const message = p.kind === 'unknown' && map !== undefined && key !== '' && !new RegExp(key_names[map]!.pattern).test(key)
        ? `is not ${key_names[map]!.what}` : p.message;
      add({ field: p.field, message });
    }
    return problems;
  }
  if (data.clusters.default === undefined && Object.keys(data.clusters.by_host ?? {}).length === 0) {
    add({ field: 'clusters', message: 'set clusters.default, or map hosts in clusters.by_host' });
  }
  return problems;
}

export function readPrometheusMapping(file: string): PrometheusMappingFile {
  const size = fs.statSync(file).size;
  if (size > prometheus_mapping_limits.file_bytes_max) throw new PrometheusMappingError(file, [{ field: '', message: `larger than ${prometheus_mapping_limits.file_bytes_max} bytes` }]);
  const text = fs.readFileSync(file, 'utf8');
  const json = /\.json$/i.test(file);
  let data: unknown;
  try {
    data = json ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new PrometheusMappingError(file, [{ field: '', message: `not valid ${json ? 'JSON' : 'YAML'}: ${(error as Error).message}` }]);
  }
  const problems = mappingProblems(data);
  if (problems.length > 0) throw new PrometheusMappingError(file, problems);
  return data as PrometheusMappingFile;
}
