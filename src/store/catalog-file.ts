// Reads the accelerator catalog that ships with suanli (catalog/accelerators.csv, facts with their sources).
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { acceleratorFromCsvRow, type AcceleratorModel } from '../domain/catalog/accelerator.js';

export const catalog_file = new URL('../../catalog/accelerators.csv', import.meta.url);

export function readCatalogFile(file: URL | string = catalog_file): AcceleratorModel[] {
  const rows = parse(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];
  return rows.map((row, i) => {
    const model = acceleratorFromCsvRow(row);
    if ('message' in model) throw new Error(`${String(file)} row ${i + 2}: ${model.field}: ${model.message}`);
    return model;
  });
}
