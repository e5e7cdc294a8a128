// The mapping file of one Slurm cluster for `suanli import sacct` (YAML or JSON): which suanli cluster it is, which
// enterprise each Slurm account bills, which catalog model each GRES type is, and the price per card-hour of each
// model (sacct carries no bill). One TypeBox schema gives the check and the type; problems name the field.
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

export const sacct_mapping_limits = {
  ...mapping_file_limits,
  accounts_max: 100_000,
  gres_types_max: 1_000,
  partitions_max: 1_000,
} as const;

// Slurm names: whatever cannot clash with the `|` and `,` of sacct's output or with `=`/`:` of a TRES entry.
const slurm_name = '^[^|,=:\\s]{1,64}$';
const Workload = Type.Enum(['training', 'inference'], { description: 'the workload of every record of the partition' });

export const SacctMappingFile = Type.Object(
  {
    cluster_id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'the suanli cluster the Slurm cluster reports as (c_…)' }),
    slurm_cluster: Type.Optional(Type.String({ pattern: slurm_name, description: 'the Slurm cluster name; lines of another Cluster are refused' })),
    gres_name: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9_]{1,32}$', description: 'the GRES name of the cards (default gpu; some Ascend clusters use npu)' }),
    ),
    accounts: Type.Record(Type.String({ pattern: slurm_name }), Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), {
      additionalProperties: false,
      minProperties: 1,
      maxProperties: sacct_mapping_limits.accounts_max,
      description: 'Slurm account → enterprise id',
    }),
    gres_types: Type.Optional(
      Type.Record(Type.String({ pattern: slurm_name }), ModelId, {
        additionalProperties: false,
        maxProperties: sacct_mapping_limits.gres_types_max,
        description: 'GRES type (gres/gpu:TYPE) → catalog model id',
      }),
    ),
    gres_default: Type.Optional(ModelId),
    partitions: Type.Optional(
      Type.Record(
        Type.String({ pattern: slurm_name }),
        Type.Object(
          {
            gres_default: Type.Optional(ModelId),
            workload: Type.Optional(Workload),
          },
          { additionalProperties: false },
        ),
        { additionalProperties: false, maxProperties: sacct_mapping_limits.partitions_max },
      ),
    ),
    price_fen_per_card_h: PriceTable,
  },
  { additionalProperties: false },
);
export type SacctMappingFile = Static<typeof SacctMappingFile>;

const check = Compile(SacctMappingFile);

const slurm_key = (what: string) => ({ pattern: slurm_name, what: `${what} (no |, comma, =, : or space; at most 64 characters)` });
const maps = {
  accounts: slurm_key('a Slurm account name'),
  gres_types: slurm_key('a GRES type'),
  partitions: slurm_key('a partition name'),
  price_fen_per_card_h: price_table_key,
};

/** The problems of a parsed mapping file (at most 20), none when it is valid. */
export function mappingProblems(data: unknown): MappingProblem[] {
  const problems = new MappingProblems();
  const add = (p: MappingProblem) => problems.add(p);
  if (!check.Check(data)) {
    schemaProblems(check, data, maps, problems);
    return problems.list;
  }
  // every model the file maps to needs a price
  const used: [string, string][] = [];
  for (const [type, model] of Object.entries(data.gres_types ?? {})) used.push([`gres_types.${type}`, model]);
  if (data.gres_default !== undefined) used.push(['gres_default', data.gres_default]);
  for (const [name, p] of Object.entries(data.partitions ?? {}))
    if (p.gres_default !== undefined) used.push([`partitions.${name}.gres_default`, p.gres_default]);
  for (const [field, model] of used) {
    if (!Object.hasOwn(data.price_fen_per_card_h, model)) add({ field, message: `${model} has no price in price_fen_per_card_h` });
  }
  if (used.length === 0) add({ field: 'gres_types', message: 'map at least one GRES type, or set gres_default for untyped gres/gpu' });
  return problems.list;
}

/** A checked mapping with the lookups the importer makes per job. */
export class SacctMapping {
  readonly cluster_id: string;
  readonly slurm_cluster: string | null;
  readonly gres_name: string;
  readonly maps_partitions: boolean;
  private readonly accounts: ReadonlyMap<string, string>;
  private readonly gres_types: ReadonlyMap<string, string>;
  private readonly partitions: ReadonlyMap<string, { gres_default?: string; workload?: 'training' | 'inference' }>;
  private readonly prices: ReadonlyMap<string, number>;
  private readonly gres_default: string | null;

  constructor(file: SacctMappingFile) {
    this.cluster_id = file.cluster_id;
    this.slurm_cluster = file.slurm_cluster ?? null;
    this.gres_name = file.gres_name ?? 'gpu';
    this.accounts = new Map(Object.entries(file.accounts));
    this.gres_types = new Map(Object.entries(file.gres_types ?? {}));
    this.partitions = new Map(Object.entries(file.partitions ?? {}));
    this.maps_partitions = this.partitions.size > 0;
    this.prices = new Map(Object.entries(file.price_fen_per_card_h));
    this.gres_default = file.gres_default ?? null;
  }

  enterprise(account: string): string | null {
    return this.accounts.get(account) ?? null;
  }

  /** The model of cards of a GRES type, or of untyped cards (type null: the partition's default, else the file's). */
  model(type: string | null, partition: string | null): string | null {
    if (type !== null) return this.gres_types.get(type) ?? null;
    return (partition === null ? undefined : this.partitions.get(partition)?.gres_default) ?? this.gres_default;
  }

  workload(partition: string | null): 'training' | 'inference' | null {
    return partition === null ? null : (this.partitions.get(partition)?.workload ?? null);
  }

  /** Price per card-hour in fen; every model the file maps to has one (mappingProblems checks it). */
  fenPerCardHour(model: string): number {
    const price = this.prices.get(model);
    if (price === undefined) throw new Error(`internal: no price for ${model}`);
    return price;
  }
}

/** Parses the text of a mapping file: JSON when the name ends in .json, YAML otherwise. */
export function parseSacctMapping(text: string, file: string): SacctMapping {
  const data = parseMappingText(text, file);
  const problems = mappingProblems(data);
  if (problems.length > 0) throw new MappingFileError(file, problems);
  return new SacctMapping(data as SacctMappingFile);
}

export function readSacctMapping(file: string): SacctMapping {
  return parseSacctMapping(readMappingText(file), file);
}
