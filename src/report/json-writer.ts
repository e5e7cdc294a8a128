// The report as one JSON document (format=json): the same columns and cells as the CSV, for programs that would rather
// not parse CSV. Bounded by report_rows_max like every export, so it is built in memory.
import { outColumns, plainCells, type Report } from './report.js';

export interface JsonSection {
  name: string;
  columns: string[];
  rows: (string | number | null)[][];
}
export interface JsonReport {
  report: string;
  sections: JsonSection[];
}

export async function reportJson(report: Report): Promise<JsonReport> {
  const sections: JsonSection[] = [];
  for (const s of report.sections) {
    const rows: (string | number | null)[][] = [];
    for await (const row of s.rows) rows.push(plainCells(s.columns, row, report.calendar));
    for (const row of s.footer ?? []) rows.push(plainCells(s.columns, row, report.calendar));
    sections.push({ name: s.name, columns: outColumns(s.columns, report.calendar.time_zone).map((c) => c.header), rows });
  }
  return { report: report.kind, sections };
}
