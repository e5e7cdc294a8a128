// `suanli program simulate`: reads the candidate rules and prints the replay side by side.
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { checkRuleSet, type RuleSetBody } from '../domain/policy/rule-set.js';
import type { OfficeCalendar } from '../domain/calendar.js';
import type { Program } from '../domain/program/program.js';
import type { simulate } from '../service/claims.js';
import { yuanOfFen } from '../report/money.js';

export function readCandidateRules(file: string): RuleSetBody {
  const text = fs.readFileSync(file, 'utf8');
  const data = (/\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text)) as Record<string, unknown>;
  const source = Array.isArray(data.programs as unknown[] | undefined) ? ((data.programs as Record<string, unknown>[])[0] ?? {}) : data;
  const rules = (source.rule_set as { rules?: unknown } | undefined)?.rules ?? source.rules;
  const checked = checkRuleSet({ rules });
  if (!checked.ok) throw new Error(`${file}: ${checked.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
  return checked.rule_set;
}

/** ¥1,234.56 from fen, exactly (no float on the way). */
const yuan = (fen: number | bigint) => {
  const [whole, cents] = yuanOfFen(fen).split('.');
  return `¥${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents!}`;
};

export function printSimulation(p: Program, r: Awaited<ReturnType<typeof simulate>>, calendar: OfficeCalendar): void {
  const [current, candidate] = r.variants;
  if (!current || !candidate) return;
  console.log(`${p.code} (${p.name_en}) from ${calendar.formatInstant(r.period_start_ms)} to ${calendar.formatInstant(r.period_end_ms)}`);
  const row = (label: string, a: string, b: string) => console.log(`  ${label.padEnd(34)} ${a.padStart(20)} ${b.padStart(20)}`);
  row('', `current (v${current.rule_set_version ?? '-'})`, 'candidate');
  row('beneficiaries', String(current.beneficiaries), String(candidate.beneficiaries));
  row('computed', yuan(current.computed_fen), yuan(candidate.computed_fen));
  row('granted (after caps)', yuan(current.granted_fen), yuan(candidate.granted_fen));
  row('on domestic chips', yuan(current.domestic_fen), yuan(candidate.domestic_fen));
  row('on foreign chips', yuan(current.foreign_fen), yuan(candidate.foreign_fen));
  const price = (v: number | null) => (v === null ? '-' : yuan(v));
  row('net price per PFLOP·h, domestic', price(current.net_fen_per_pflop_h.domestic), price(candidate.net_fen_per_pflop_h.domestic));
  row('net price per PFLOP·h, foreign', price(current.net_fen_per_pflop_h.foreign), price(candidate.net_fen_per_pflop_h.foreign));
  row(`budget ${yuan(current.budget_fen)} runs out on`, current.budget_runs_out_on ?? 'not in the period', candidate.budget_runs_out_on ?? 'not in the period');
  console.log('  by vendor (candidate):');
  for (const v of candidate.per_vendor.slice(0, 10)) console.log(`    ${v.vendor.padEnd(20)} ${yuan(v.fen).padStart(20)}`);
  console.log('  top beneficiaries (candidate):');
  for (const b of candidate.per_beneficiary.slice(0, 10)) console.log(`    ${b.name.slice(0, 40).padEnd(42)} ${yuan(b.granted_fen).padStart(20)}`);
}
