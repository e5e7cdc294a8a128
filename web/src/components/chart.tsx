// One ECharts chart: SVG renderer, resized with its box, re-themed per language; every chart carries a text
// alternative — ECharts' generated aria description plus a data table a screen reader (or anyone) can open.
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart, ScatterChart } from 'echarts/charts';
import {
  AriaComponent,
  DatasetComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
} from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import { useI18n } from '../i18n/i18n.js';

echarts.use([
  BarChart,
  LineChart,
  PieChart,
  ScatterChart,
  AriaComponent,
  DatasetComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  SVGRenderer,
]);

export type ChartOption = echarts.EChartsCoreOption;

export interface ChartTable {
  columns: string[];
  rows: (string | number)[][];
}

export const palette = ['#c0392b', '#2c6fbb', '#e6a23c', '#3ba272', '#8e44ad', '#16a085', '#7f8c8d', '#d35400'];
/** Domestic parts in red (the colour the office's reports use), foreign in blue. */
export const domestic_color = '#c0392b';
export const foreign_color = '#2c6fbb';

export function Chart({
  option,
  label,
  table,
  height = 320,
  testId,
}: {
  option: ChartOption;
  label: string;
  table?: ChartTable;
  height?: number;
  testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const { locale, t } = useI18n();

  useEffect(() => {
    if (!box.current) return;
    const c = echarts.init(box.current, null, { renderer: 'svg', locale: locale === 'zh-CN' ? 'ZH' : 'EN' });
    chart.current = c;
    const observer = new ResizeObserver(() => c.resize());
    observer.observe(box.current);
    return () => {
      observer.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, [locale]);

  useEffect(() => {
    chart.current?.setOption({ color: palette, aria: { enabled: true, label: { description: label } }, animation: false, ...option }, { notMerge: true });
  }, [option, label, locale]);

  return (
    <figure className="chart" data-testid={testId}>
      <div ref={box} style={{ height, width: '100%' }} role="img" aria-label={label} />
      {table && table.rows.length > 0 && (
        <details className="chart-table">
          <summary>{t('chart.data_table')}</summary>
          <table>
            <caption className="visually-hidden">{label}</caption>
            <thead>
              <tr>
                {table.columns.map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.map((r, i) => (
                <tr key={i}>
                  {r.map((v, j) => (
                    <td key={j}>{v}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </figure>
  );
}
