// Program definition files for `suanli program apply`: JSON or YAML, one definition or `programs: [ … ]`.
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { checkProgramDefinition, type CheckedProgramDefinition } from '../domain/program/program.js';

export class ProgramFileError extends Error {}

export function readProgramFile(file: string): CheckedProgramDefinition[] {
  const text = fs.readFileSync(file, 'utf8');
  let data: unknown;
  try {
    data = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new ProgramFileError(`${file}: not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
  const list = typeof data === 'object' && data !== null && 'programs' in data ? (data as { programs: unknown }).programs : [data];
  if (!Array.isArray(list) || list.length === 0) throw new ProgramFileError(`${file}: expected a program definition or programs: [ … ]`);
  return list.map((item, i) => {
    const checked = checkProgramDefinition(item);
    if (!checked.ok) {
      const where = list.length > 1 ? `programs[${i}]` : 'program';
      throw new ProgramFileError(`${file}: ${where}: ${checked.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
    }
    return checked.definition;
  });
}
