// A program's ledger statement: every transfer of a period in ledger order, with the running balance of the program's
// available budget, between an opening and a closing balance — what a finance office reconciles against.
import { accountId } from '../domain/ledger/ledger.js';
import type { Program } from '../domain/program/program.js';
import type { Store } from '../store/store.js';
import { report_rows_max, ReportInvalid, ReportTooLarge, type Column, type Report, type Row } from './report.js';

/** [from, to): transfers whose time falls in it. from null: since the program began; to: normally now. */
export interface LedgerPeriod {
  from_ms: number | null;
  to_ms: number;
}

export const ledger_columns: readonly Column[] = [
  { key: 'transfer_id', kind: 'integer' },
  { key: 'at', kind: 'instant' },
  { key: 'kind', kind: 'text', width: 16 },
  { key: 'from_account', kind: 'text', width: 40 },
  { key: 'to_account', kind: 'text', width: 40 },
  { key: 'beneficiary_id', kind: 'text', width: 28 },
  { key: 'claim_id', kind: 'text', width: 28 },
  { key: 'amount', kind: 'money' },
  { key: 'available_change', kind: 'money', width: 20 },
  { key: 'available_balance', kind: 'money', width: 20 },
  { key: 'transfer_key', kind: 'text', width: 36 },
];

/** The beneficiary of a payable account (`<program>:payable:<beneficiary>`), else null. */
function beneficiaryOf(account: string): string | null {
  const i = account.indexOf(':payable:');
  return i < 0 ? null : account.slice(i + ':payable:'.length);
}

export async function ledgerStatement(store: Store, program: Program, period: LedgerPeriod, rows_max = report_rows_max): Promise<Report> {
  if (period.from_ms !== null && !(period.from_ms < period.to_ms)) throw new ReportInvalid('querystring.to', 'to must be after from');
  const available = accountId(program.id, 'available');
  const change = (t: { debit: string; credit: string; amount_fen: bigint }) =>
    (t.credit === available ? t.amount_fen : 0n) - (t.debit === available ? t.amount_fen : 0n);
  // Only the period's transfers are read: what came before is one sum in the database.
  const [opening, { transfers: in_period, more }] = await Promise.all([
    period.from_ms === null ? 0n : store.ledger.availableBefore(program.id, period.from_ms),
    store.ledger.transfersInPeriod({ program_id: program.id, from_ms: period.from_ms, to_ms: period.to_ms }, rows_max),
  ]);
  if (more) throw new ReportTooLarge('querystring.from', rows_max, 'transfers; choose a shorter period');

  let balance = opening;
  const rows: Row[] = [[null, period.from_ms ?? program.created_at_ms, 'opening_balance', null, null, null, null, null, null, opening, null]];
  for (const t of in_period) {
    const delta = change(t);
    balance += delta;
    rows.push([t.id, t.at_ms, t.kind, t.debit, t.credit, beneficiaryOf(t.debit) ?? beneficiaryOf(t.credit), t.claim_id, t.amount_fen, delta, balance, t.key]);
  }
  const day = (ms: number) => store.calendar.day(ms);
  const range = `${period.from_ms === null ? 'start' : day(period.from_ms)}_${day(period.to_ms)}`;
  return {
    kind: 'ledger',
    calendar: store.calendar,
    filename: { ascii: `${program.code}-ledger-${range}`, unicode: `${program.name_zh}-ledger-${range}` },
    sections: [
      {
        name: 'ledger',
        columns: ledger_columns,
        rows,
        footer: [[null, period.to_ms, 'closing_balance', null, null, null, null, null, balance - opening, balance, null]],
      },
    ],
  };
}
