// Uploading a usage file: JSON Lines (one usage record per line, the wire format of shared/DESIGN.md) or CSV with the
// same column names, read in the browser and sent in batches of 500 through POST /usage, with a determinate progress
// bar (records sent of the file) and a summary at the end: accepted, duplicates, rejected with their reasons.
import type { IngestOutcome } from '../contract.gen.js';
import { useRef, useState } from 'react';
import { parse } from 'csv-parse/browser/esm/sync';
import { api, ApiError } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { Progress } from '../components/progress.js';
import { known } from './claims-shared.js';

export const upload_bytes_max = 50 * 1024 * 1024;
const batch_records = 500;
const rejections_shown_max = 200;
const integer_columns = new Set(['count', 'amount_fen', 'energy_wh']);

interface Parsed {
  records: unknown[];
  lines: number[];
  errors: Rejected[];
  format: 'jsonl' | 'csv' | 'json';
}
export interface Rejected {
  line: number | null;
  record_id: string | null;
  code: string;
  field: string | null;
  message: string;
}

export function parseCsv(
  text: string,
  t: (k: 'provider.upload.csv_header' | 'provider.upload.csv_cells', v?: Record<string, string | number>) => string,
): Parsed {
  const out: Parsed = { records: [], lines: [], errors: [], format: 'csv' };
  let header: string[] | null = null;
  // csv-parse (the server's CSV reader, in its browser build): RFC 4180 quoting, a BOM, blank lines; a row's line is
  // where it starts (the line count after it, less the line breaks inside it).
  let rows: { record: string[]; raw: string; info: { lines: number } }[];
  try {
    rows = parse(text, {
      bom: true,
      info: true,
      raw: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n', '\r'],
    }) as unknown as typeof rows;
  } catch (e) {
    out.errors.push({ line: (e as { lines?: number }).lines ?? null, record_id: null, code: 'parse_error', field: null, message: (e as Error).message });
    return out;
  }
  for (const { record: cells, raw, info } of rows) {
    const line = info.lines - (raw.replace(/\r?\n$/, '').match(/\n/g)?.length ?? 0);
    if (header === null) {
      header = cells.map((c) => c.trim());
      if (!header.includes('record_id')) {
        out.errors.push({ line, record_id: null, code: 'parse_error', field: null, message: t('provider.upload.csv_header') });
        return out;
      }
      continue;
    }
    if (cells.length !== header.length) {
      out.errors.push({
        line,
        record_id: cells[header.indexOf('record_id')] ?? null,
        code: 'parse_error',
        field: null,
        message: t('provider.upload.csv_cells', { n: cells.length, m: header.length }),
      });
      continue;
    }
    const record: Record<string, unknown> = {};
    header.forEach((name, k) => {
      const v = cells[k]!.trim();
      if (v === '') return; // an empty cell is an absent optional field
      record[name] = integer_columns.has(name) && /^-?\d{1,16}$/.test(v) ? Number(v) : v;
    });
    out.records.push(record);
    out.lines.push(line);
  }
  return out;
}

export function parseJson(
  text: string,
  t: (k: 'provider.upload.not_object' | 'provider.upload.bad_json', v?: Record<string, string | number>) => string,
): Parsed {
  const trimmed = text.trimStart();
  // A whole JSON document: an array of records, or a batch body { "records": [...] }.
  if (trimmed.startsWith('[') || /^\{\s*"records"\s*:/.test(trimmed)) {
    try {
      const doc = JSON.parse(text) as unknown;
      const list = Array.isArray(doc) ? doc : (doc as { records?: unknown }).records;
      if (Array.isArray(list)) return { records: list, lines: list.map((_, k) => k + 1), errors: [], format: 'json' };
    } catch {
      /* fall through to lines */
    }
  }
  const out: Parsed = { records: [], lines: [], errors: [], format: 'jsonl' };
  const lines = text.split('\n');
  lines.forEach((raw, k) => {
    const s = raw.trim();
    if (s === '') return;
    try {
      const v = JSON.parse(s) as unknown;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        out.errors.push({ line: k + 1, record_id: null, code: 'parse_error', field: null, message: t('provider.upload.not_object') });
        return;
      }
      out.records.push(v);
      out.lines.push(k + 1);
    } catch (e) {
      out.errors.push({
        line: k + 1,
        record_id: /"record_id"\s*:\s*"([^"]{1,128})"/.exec(s)?.[1] ?? null,
        code: 'parse_error',
        field: null,
        message: t('provider.upload.bad_json', { error: (e as Error).message }),
      });
    }
  });
  return out;
}

interface Outcome {
  accepted: number;
  duplicates: number;
  rejected: number;
  rejections: Rejected[];
  not_sent: number;
  stopped: string | null;
  cancelled: boolean;
}

const recordIdOf = (r: unknown): string | null =>
  typeof r === 'object' && r !== null && typeof (r as { record_id?: unknown }).record_id === 'string' ? (r as { record_id: string }).record_id : null;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function UsageUpload({ onFinished }: { onFinished(): void }) {
  const { t, int } = useI18n();
  const input = useRef<HTMLInputElement>(null);
  const cancel = useRef(false);
  const [phase, setPhase] = useState<'idle' | 'reading' | 'sending' | 'done'>('idle');
  const [file, setFile] = useState<{ name: string; size: number } | null>(null);
  const [total, setTotal] = useState(0);
  const [done, setDone] = useState(0);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [error, setError] = useState<string | null>(null);

  const start = async (f: File) => {
    setError(null);
    setOutcome(null);
    setFile({ name: f.name, size: f.size });
    if (f.size > upload_bytes_max) {
      setError(t('provider.upload.too_large', { mb: int(Math.ceil(f.size / 1024 / 1024)), max: int(upload_bytes_max / 1024 / 1024) }));
      return;
    }
    setPhase('reading');
    let parsed: Parsed;
    try {
      const text = (await f.text()).replace(/^\uFEFF/, '');
      const csv = /\.csv$/i.test(f.name) || (!/\.(jsonl|ndjson|json)$/i.test(f.name) && !/^\s*[[{]/.test(text));
      parsed = csv ? parseCsv(text, t) : parseJson(text, t);
    } catch (e) {
      setError((e as Error).message);
      setPhase('idle');
      return;
    }
    const o: Outcome = {
      accepted: 0,
      duplicates: 0,
      rejected: parsed.errors.length,
      rejections: [...parsed.errors],
      not_sent: 0,
      stopped: null,
      cancelled: false,
    };
    setTotal(parsed.records.length);
    setDone(0);
    setPhase('sending');
    cancel.current = false;
    let sent = 0;
    for (let from = 0; from < parsed.records.length; from += batch_records) {
      if (cancel.current) {
        o.cancelled = true;
        break;
      }
      const batch = parsed.records.slice(from, from + batch_records);
      const lineOf = (index: number) => parsed.lines[from + index] ?? null;
      let attempt = 0;
      for (;;) {
        try {
          const r = await api.post<IngestOutcome>('/usage', { records: batch });
          o.accepted += r.accepted;
          o.duplicates += r.duplicates;
          o.rejected += r.rejected.length;
          for (const x of r.rejected) o.rejections.push({ line: lineOf(x.index), record_id: x.record_id, code: x.code, field: x.field, message: x.message });
          break;
        } catch (e) {
          if (e instanceof ApiError && e.code === 'all_records_rejected') {
            // The answer carries every record's rejection beside `error`, as a batch that stored some does.
            o.rejected += batch.length;
            const named = new Set<number>();
            for (const x of e.body?.rejected ?? []) {
              named.add(x.index);
              o.rejections.push({ line: lineOf(x.index), record_id: x.record_id, code: x.code, field: x.field, message: x.message });
            }
            batch.forEach((r, index) => {
              if (!named.has(index))
                o.rejections.push({ line: lineOf(index), record_id: recordIdOf(r), code: 'rejected', field: null, message: t('provider.upload.no_detail') });
            });
            break;
          }
          if (e instanceof ApiError && (e.status === 429 || e.status === 503) && attempt < 5) {
            attempt += 1;
            await sleep(1000 * attempt);
            continue;
          }
          o.stopped = e instanceof ApiError ? `${e.message} (${e.code})` : (e as Error).message;
          break;
        }
      }
      if (o.stopped !== null) break;
      sent = from + batch.length;
      setDone(sent);
    }
    o.not_sent = parsed.records.length - sent;
    o.rejections.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    setOutcome(o);
    setPhase('done');
    if (input.current) input.current.value = '';
    onFinished();
  };

  const busy = phase === 'reading' || phase === 'sending';
  return (
    <div className="upload">
      <label className={busy ? 'file-pick disabled' : 'file-pick'}>
        <input
          ref={input}
          type="file"
          className="visually-hidden"
          accept=".jsonl,.ndjson,.json,.csv,application/json,text/csv"
          disabled={busy}
          data-testid="usage-upload-input"
          aria-describedby="upload-help"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void start(f);
          }}
        />
        <span className="file-pick-button">{t('provider.upload.choose')}</span>
        <span className="muted">
          {file
            ? `${file.name} · ${file.size < 1024 * 1024 ? t('provider.upload.size_kb', { kb: int(Math.max(1, Math.ceil(file.size / 1024))) }) : t('provider.upload.size', { mb: (file.size / 1024 / 1024).toFixed(1) })}`
            : t('provider.upload.none_chosen')}
        </span>
      </label>
      <p id="upload-help" className="muted small">
        {t('provider.upload.help', { max: int(upload_bytes_max / 1024 / 1024), batch: int(batch_records) })}
      </p>
      {error !== null && (
        <div className="error-box" role="alert">
          {error}
        </div>
      )}
      {phase === 'reading' && <Progress label={t('provider.upload.reading', { name: file?.name ?? '' })} />}
      {phase === 'sending' && (
        <>
          <Progress label={t('provider.upload.sending', { name: file?.name ?? '' })} done={done} total={total} />
          <div className="actions">
            <button
              type="button"
              onClick={() => {
                cancel.current = true;
              }}
            >
              {t('provider.upload.cancel')}
            </button>
          </div>
        </>
      )}
      {phase === 'done' && outcome && <UploadResult outcome={outcome} name={file?.name ?? ''} total={total} />}
    </div>
  );
}

function UploadResult({ outcome: o, name, total }: { outcome: Outcome; name: string; total: number }) {
  const { t, int } = useI18n();
  const by_code = new Map<string, number>();
  for (const r of o.rejections) by_code.set(r.code, (by_code.get(r.code) ?? 0) + 1);
  return (
    <div className="upload-result" data-testid="usage-upload-result" role="status">
      <h3>{t('provider.upload.result_title', { name })}</h3>
      {o.stopped !== null && (
        <div className="error-box" role="alert">
          <strong>{t('provider.upload.stopped', { n: int(o.not_sent) })}</strong>
          <span>{o.stopped}</span>
        </div>
      )}
      {o.cancelled && <div className="warn-box">{t('provider.upload.cancelled', { n: int(o.not_sent) })}</div>}
      <dl className="kpi-row">
        <div className="kpi">
          <dt className="label">{t('provider.upload.records')}</dt>
          <dd className="value">{int(total + o.rejections.filter((r) => r.code === 'parse_error').length)}</dd>
        </div>
        <div className="kpi">
          <dt className="label">{t('provider.upload.accepted')}</dt>
          <dd className="value ok" data-testid="usage-upload-accepted">
            {int(o.accepted)}
          </dd>
        </div>
        <div className="kpi">
          <dt className="label">{t('provider.upload.duplicates')}</dt>
          <dd className="value" data-testid="usage-upload-duplicates">
            {int(o.duplicates)}
          </dd>
        </div>
        <div className="kpi">
          <dt className="label">{t('provider.upload.rejected')}</dt>
          <dd className={o.rejected > 0 ? 'value bad' : 'value'} data-testid="usage-upload-rejected">
            {int(o.rejected)}
          </dd>
        </div>
      </dl>
      {o.rejections.length > 0 && (
        <>
          <p className="muted">{[...by_code.entries()].map(([code, n]) => `${known(t, `provider.code.${code}`, code)} × ${int(n)}`).join(' · ')}</p>
          <div className="table-wrap scroll-y">
            <table>
              <caption className="visually-hidden">{t('provider.upload.rejections')}</caption>
              <thead>
                <tr>
                  <th scope="col" className="num">
                    {t('provider.upload.line')}
                  </th>
                  <th scope="col">{t('provider.col.record_id')}</th>
                  <th scope="col">{t('provider.col.code')}</th>
                  <th scope="col">{t('provider.col.field')}</th>
                  <th scope="col">{t('provider.col.message')}</th>
                </tr>
              </thead>
              <tbody>
                {o.rejections.slice(0, rejections_shown_max).map((r, k) => (
                  <tr key={k}>
                    <td className="num">{r.line ?? '—'}</td>
                    <RejectionCells r={r} />
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {o.rejections.length > rejections_shown_max && (
            <p className="muted small">{t('provider.upload.more_rejections', { shown: int(rejections_shown_max), n: int(o.rejections.length) })}</p>
          )}
        </>
      )}
    </div>
  );
}

/** A rejected record's cells after the first (line, or when it was received): record id, reason, field, message. */
export function RejectionCells({ r }: { r: { record_id: string | null; code: string; field: string | null; message: string } }) {
  const { t } = useI18n();
  return (
    <>
      <td>
        <code className="id">{r.record_id ?? '—'}</code>
      </td>
      <td>{known(t, `provider.code.${r.code}`, r.code)}</td>
      <td>{r.field === null ? <span className="muted">—</span> : <code>{r.field}</code>}</td>
      <td>{r.message}</td>
    </>
  );
}
