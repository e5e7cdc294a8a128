// Usage per accelerator model as a table (a usage summary grouped by accelerator): records, card-hours, PFLOP·h and
// the bill of each model, and their totals. The enterprise view and a claim's usage both show it.
import type { ReactNode } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { AcceleratorName, decimalUnits, DomesticBadge, shareBp } from './claims-shared.js';
import type { Accelerator, UsageSummary, UsageSummaryItem } from '../contract.gen.js';

export interface AcceleratorUsageTableProps {
  /** the rows, in the order shown */
  items: readonly UsageSummaryItem[];
  totals: UsageSummary['totals'];
  catalog: Map<string, Accelerator> | undefined;
  caption: string;
  testId?: string;
  /** a column with each model's share of the compute (PFLOP·h), and a mark on models whose card-hours are not all normalized */
  shares?: boolean;
  /** the total row in a tfoot of its own, not as the last row of the tbody */
  totalsInFoot?: boolean;
}

export function AcceleratorUsageTable({ items, totals, catalog, caption, testId, shares = false, totalsInFoot = false }: AcceleratorUsageTableProps) {
  const { t, int, decimal, fen, bp } = useI18n();
  const compute_total = decimalUnits(totals.compute_pflop_h);
  const billed = (amount_fen: UsageSummaryItem['amount_fen']): ReactNode => (amount_fen === null ? <span className="muted">—</span> : fen(amount_fen));
  const total_row = (
    <tr className="total">
      <th scope="row">{t('claims.total')}</th>
      <td className="num">{int(totals.records)}</td>
      <td className="num">{decimal(totals.card_hours, 1)}</td>
      <td className="num">{decimal(totals.compute_pflop_h, 1)}</td>
      {shares && <td className="num">{bp(compute_total === 0n ? null : 10_000)}</td>}
      <td className="num">{billed(totals.amount_fen)}</td>
    </tr>
  );
  return (
    <div className="table-wrap">
      <table data-testid={testId}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('claims.col.accelerator')}</th>
            <th scope="col" className="num">
              {t('claims.col.records')}
            </th>
            <th scope="col" className="num">
              {t('claims.col.card_hours')}
            </th>
            <th scope="col" className="num">
              {t('claims.col.pflop_h')}
            </th>
            {shares && (
              <th scope="col" className="num">
                {t('enterprise.col.share')}
              </th>
            )}
            <th scope="col" className="num">
              {t('claims.col.billed')}
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr key={r.key}>
              <th scope="row">
                <AcceleratorName id={r.key} catalog={catalog} /> <DomesticBadge domestic={catalog?.get(r.key)?.domestic} />
              </th>
              <td className="num">{int(r.records)}</td>
              <td className="num">{decimal(r.card_hours, 1)}</td>
              <td className="num">
                {decimal(r.compute_pflop_h, 1)}
                {shares && r.card_hours_unnormalized !== '0.000' && (
                  <span className="muted" title={t('enterprise.unnormalized')}>
                    {' '}
                    *
                  </span>
                )}
              </td>
              {shares && <td className="num">{bp(shareBp(decimalUnits(r.compute_pflop_h), compute_total))}</td>}
              <td className="num">{billed(r.amount_fen)}</td>
            </tr>
          ))}
          {!totalsInFoot && total_row}
        </tbody>
        {totalsInFoot && <tfoot>{total_row}</tfoot>}
      </table>
    </div>
  );
}
