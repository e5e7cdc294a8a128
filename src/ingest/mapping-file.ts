// What the importers' mapping files (`import sacct`, `import prometheus`) have in common: read from YAML or JSON
// with a size limit, checked against a TypeBox schema with problems that name the field (a key of one of the file's
// maps that fails its pattern says what it should be), the catalog model ids they map to and the price table.
import fs from 'node:fs';
import { Type } from 'typebox';
import type { Validator } from 'typebox/compile';
import { parse as parseYaml } from 'yaml';
import { accelerator_id_pattern } from '../domain/catalog/accelerator.js';
import { schemaProblem } from '../domain/schema-path.js';

export const mapping_file_limits = {
  file_bytes_max: 4 * 1024 * 1024,
  prices_max: 1_000,
  /** 100,000 yuan per card-hour: far above any real price, and every product stays an exact BigInt */
  fen_per_card_h_max: 10_000_000,
  problems_max: 20,
} as const;

export const ModelId = Type.String({ pattern: accelerator_id_pattern, maxLength: 64, description: 'catalog model id, e.g. huawei-ascend-910b' });

/** catalog model id → integer fen per card-hour: the bill the source does not carry. */
export const PriceTable = Type.Record(
  Type.String({ pattern: accelerator_id_pattern }),
  Type.Integer({ minimum: 0, maximum: mapping_file_limits.fen_per_card_h_max }),
  {
    additionalProperties: false,
    minProperties: 1,
    maxProperties: mapping_file_limits.prices_max,
    description: 'catalog model id → price per card-hour in fen',
  },
);

export const price_table_key = { pattern: accelerator_id_pattern, what: 'a catalog model id (lower-case words joined by -)' };

export interface MappingProblem {
  field: string;
  message: string;
}

export class MappingFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly MappingProblem[],
  ) {
    super(`${file}: ${problems.map((p) => (p.field === '' ? p.message : `${p.field}: ${p.message}`)).join('; ')}`);
  }
}

/** Problems, at most problems_max and one per field. */
export class MappingProblems {
  readonly list: MappingProblem[] = [];
  add(p: MappingProblem): void {
    if (this.list.length < mapping_file_limits.problems_max && !this.list.some((q) => q.field === p.field)) this.list.push(p);
  }
}

/**
 * Adds the schema's problems with invalid `data` to `out`. `maps` names the file's maps (by field path) with the
 * pattern of their keys: a key that fails it is reported as an unknown field, so the message says what it should be.
 */
export function schemaProblems(
  check: Pick<Validator, 'Errors'>,
  data: unknown,
  maps: Record<string, { pattern: string; what: string }>,
  out: MappingProblems,
): void {
  for (const e of check.Errors(data)) {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
    const p = schemaProblem(e);
    const map = Object.keys(maps).find((m) => p.field.startsWith(`${m}.`));
    const key = map === undefined ? '' : p.field.slice(map.length + 1);
    const message =
      p.kind === 'unknown' && map !== undefined && key !== '' && !new RegExp(maps[map]!.pattern).test(key) ? `is not ${maps[map]!.what}` : p.message;
    out.add({ field: p.field, message });
  }
}

/** The text of a mapping file, as data: JSON when the name ends in .json, YAML otherwise. */
export function parseMappingText(text: string, file: string): unknown {
  const json = /\.json$/i.test(file);
  try {
    return json ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new MappingFileError(file, [{ field: '', message: `not valid ${json ? 'JSON' : 'YAML'}: ${(error as Error).message}` }]);
  }
}

/** A mapping file's text, refused past file_bytes_max before it is read. */
export function readMappingText(file: string): string {
  const size = fs.statSync(file).size;
  if (size > mapping_file_limits.file_bytes_max) {
    throw new MappingFileError(file, [{ field: '', message: `is ${size} bytes, more than the ${mapping_file_limits.file_bytes_max} a mapping file may have` }]);
  }
  return fs.readFileSync(file, 'utf8');
}
