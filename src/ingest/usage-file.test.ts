import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectUsageFileFormat, readUsageFile, usage_csv_columns, usage_file_limits, type UsageFileFormat, type UsageFileItem } from './usage-file.js';
import { UsageRecordWire } from './usage-schema.js';

/** A stream of `text` as UTF-8, cut into pieces of `chunk` bytes (0: one piece) to exercise chunk boundaries. */
function streamOf(text: string, chunk = 0): Readable {
  const bytes = Buffer.from(text, 'utf8');
  if (chunk <= 0) return Readable.from([bytes]);
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) pieces.push(bytes.subarray(i, i + chunk));
  return Readable.from(pieces);
}

async function collect(text: string, format: UsageFileFormat, chunk = 0): Promise<UsageFileItem[]> {
  const items: UsageFileItem[] = [];
  for await (const item of readUsageFile(streamOf(text, chunk), format)) items.push(item);
  return items;
}

/** Same items whatever the chunking: whole, byte by byte and in 7-byte pieces. */
async function collectAllWays(text: string, format: UsageFileFormat): Promise<UsageFileItem[]> {
  const whole = await collect(text, format);
  expect(await collect(text, format, 1)).toEqual(whole);
  expect(await collect(text, format, 7)).toEqual(whole);
  return whole;
}

const record = (n: number) => ({
  record_id: `r-${n}`,
  cluster_id: 'cl-1',
  enterprise_id: 'ent-1',
  accelerator: 'huawei-ascend-910b',
  count: 8,
  started_at: '2025-03-01T00:00:00Z',
  ended_at: '2025-03-01T01:00:00Z',
  amount_fen: 12_345 + n,
});

describe('detectUsageFileFormat', () => {
  it('goes by the extension, in any case', () => {
    expect(detectUsageFileFormat('usage.jsonl')).toBe('jsonl');
    expect(detectUsageFileFormat('/data/2025-03/usage.NDJSON')).toBe('jsonl');
    expect(detectUsageFileFormat('usage.Jsonl')).toBe('jsonl');
    expect(detectUsageFileFormat('./in/usage.csv')).toBe('csv');
    expect(detectUsageFileFormat('USAGE.CSV')).toBe('csv');
  });
  it('is null for anything else', () => {
    expect(detectUsageFileFormat('usage.json')).toBeNull();
    expect(detectUsageFileFormat('usage.csv.gz')).toBeNull();
    expect(detectUsageFileFormat('usage.tsv')).toBeNull();
    expect(detectUsageFileFormat('usage')).toBeNull();
    expect(detectUsageFileFormat('csv')).toBeNull();
    expect(detectUsageFileFormat('exports.csv/usage')).toBeNull();
    expect(detectUsageFileFormat('')).toBeNull();
  });
});

describe('readUsageFile, JSON Lines', () => {
  it('reads one object per line, skipping blank lines but counting them', async () => {
    const text = [JSON.stringify(record(1)), '', '   ', JSON.stringify(record(2)), '\t', JSON.stringify(record(3)), ''].join('\n');
    expect(await collectAllWays(text, 'jsonl')).toEqual([
      { line: 1, record: record(1) },
      { line: 4, record: record(2) },
      { line: 6, record: record(3) },
    ]);
  });

  it('reports a malformed line and reads on', async () => {
    const text = [JSON.stringify(record(1)), '{"record_id": "r-2", ', JSON.stringify(record(3))].join('\n');
    const items = await collectAllWays(text, 'jsonl');
    expect(items).toHaveLength(3);
    expect(items[0]).toEqual({ line: 1, record: record(1) });
    expect(items[1]).toMatchObject({ line: 2, error: { code: 'malformed_json', field: null } });
    expect(items[2]).toEqual({ line: 3, record: record(3) });
  });

  it('reports a line that is JSON but not an object', async () => {
    const items = await collect(['[1,2]', 'null', '42', '"x"', '{}'].join('\n'), 'jsonl');
    expect(items.map((i) => ('error' in i ? i.error.code : 'record'))).toEqual([
      'malformed_json',
      'malformed_json',
      'malformed_json',
      'malformed_json',
      'record',
    ]);
    expect(items[0]).toMatchObject({ line: 1, error: { message: expect.stringContaining('JSON object') } });
    expect(items[4]).toEqual({ line: 5, record: {} });
  });

  it('handles CRLF, a BOM, no final newline and characters split across chunks', async () => {
    const text = `\ufeff${JSON.stringify({ ...record(1), job_ref: '作业:4711' })}\r\n\r\n${JSON.stringify(record(2))}`;
    expect(await collectAllWays(text, 'jsonl')).toEqual([
      { line: 1, record: { ...record(1), job_ref: '作业:4711' } },
      { line: 3, record: record(2) },
    ]);
  });

  it('reads string chunks too (a stream with an encoding set)', async () => {
    const input = Readable.from([`${JSON.stringify(record(1))}\n{"a"`, ':1}\n'], { objectMode: true });
    const items: UsageFileItem[] = [];
    for await (const item of readUsageFile(input, 'jsonl')) items.push(item);
    expect(items).toEqual([
      { line: 1, record: record(1) },
      { line: 2, record: { a: 1 } },
    ]);
  });

  it('yields nothing for an empty file', async () => {
    expect(await collect('', 'jsonl')).toEqual([]);
    expect(await collect('\n\n', 'jsonl')).toEqual([]);
  });

  it('rejects an overlong line without holding it, and reads on', async () => {
    const long = `{"job_ref":"${'x'.repeat(usage_file_limits.record_chars_max)}"}`;
    const items = await collect([JSON.stringify(record(1)), long, JSON.stringify(record(3))].join('\n'), 'jsonl', 65_536);
    expect(items).toHaveLength(3);
    expect(items[1]).toMatchObject({ line: 2, error: { code: 'malformed_json', message: expect.stringContaining('longer than') } });
    expect(items[2]).toEqual({ line: 3, record: record(3) });
  });
});

const header = usage_csv_columns.join(',');

describe('readUsageFile, CSV', () => {
  it('has exactly the wire fields as columns', () => {
    expect([...usage_csv_columns].sort()).toEqual(Object.keys(UsageRecordWire.properties).sort());
  });

  it('reads records, converting integers and dropping empty optional cells', async () => {
    const text = [
      header,
      'r-1,cl-1,ent-1,huawei-ascend-910b,8,2025-03-01T00:00:00Z,2025-03-01T01:00:00Z,12346,slurm:4711,training,5000',
      'r-2,cl-1,ent-1,huawei-ascend-910b,8,2025-03-01T00:00:00Z,2025-03-01T01:00:00Z,12347,,,',
      '',
    ].join('\n');
    expect(await collectAllWays(text, 'csv')).toEqual([
      { line: 2, record: { ...record(1), job_ref: 'slurm:4711', workload: 'training', energy_wh: 5000 } },
      { line: 3, record: record(2) },
    ]);
  });

  it('handles quotes and commas in fields, CRLF, a BOM and reordered or left-out optional columns', async () => {
    const text =
      '\ufeffamount_fen,job_ref,record_id,cluster_id,enterprise_id,accelerator,count,started_at,ended_at\r\n' +
      '12346,"slurm:4711, array ""a""",r-1,cl-1,ent-1,huawei-ascend-910b,8,2025-03-01T00:00:00Z,2025-03-01T01:00:00Z\r\n' +
      '"12347","",r-2,cl-1,ent-1,huawei-ascend-910b,8,2025-03-01T00:00:00Z,2025-03-01T01:00:00Z\r\n';
    expect(await collectAllWays(text, 'csv')).toEqual([
      { line: 2, record: { ...record(1), job_ref: 'slurm:4711, array "a"' } },
      { line: 3, record: record(2) },
    ]);
  });

  it('keeps empty required cells as empty strings for the validator', async () => {
    const items = await collect(`${header}\n,cl-1,ent-1,huawei-ascend-910b,8,,2025-03-01T01:00:00Z,1,,,\n`, 'csv');
    expect(items).toEqual([{ line: 2, record: { ...record(0), record_id: '', started_at: '', amount_fen: 1 } }]);
  });

  it('counts physical lines: blank lines, multi-line quoted fields with CRLF, no final newline', async () => {
    const row = (id: string, jobRef: string) => `${id},cl-1,ent-1,huawei-ascend-910b,8,2025-03-01T00:00:00Z,2025-03-01T01:00:00Z,1,${jobRef},,`;
    const text = [header, '', row('r-1', '"two\r\nlines"'), row('r-2', '"three\r\n\r\nlines"'), '', row('r-3', ''), row('r-4', '"a\nb"')].join('\r\n');
    const items = await collectAllWays(text, 'csv');
    expect(items.map((i) => i.line)).toEqual([3, 5, 9, 10]);
    expect(items[1]).toMatchObject({ record: { record_id: 'r-2', job_ref: 'three\r\n\r\nlines' } });
    // Old Mac line ends (lone CR) count as line breaks too.
    const cr = await collect([header, row('r-1', ''), '', row('r-2', '')].join('\r'), 'csv');
    expect(cr.map((i) => i.line)).toEqual([2, 4]);
  });

  it('reports bad numbers with the field, one item per record, and reads on', async () => {
    const row = (count: string, amount: string, energy: string) =>
      `r,cl-1,ent-1,huawei-ascend-910b,${count},2025-03-01T00:00:00Z,2025-03-01T01:00:00Z,${amount},,,${energy}`;
    const rows = [
      row('8', '1.5', ''),
      row('8', '1e3', ''),
      row('8', '" 12"', ''),
      row('8', '12 ', ''),
      row('8', '0x10', ''),
      row('8', '+5', ''),
      row('8', '', ''), // required: empty is not a number
      row('8', '9007199254740993', ''),
      row('8', '1', '1.0'),
      row('eight', '1', ''),
      row('-3', '007', '-0'), // integers, even out of the schema's range: the validator judges those
      row('8', '9007199254740991', '12'),
    ];
    const items = await collect([header, ...rows].join('\n'), 'csv');
    expect(items.map((i) => ('error' in i ? `${i.line}:${i.error.code}:${i.error.field}` : `${i.line}:ok`))).toEqual([
      '2:bad_number:amount_fen',
      '3:bad_number:amount_fen',
      '4:bad_number:amount_fen',
      '5:bad_number:amount_fen',
      '6:bad_number:amount_fen',
      '7:bad_number:amount_fen',
      '8:bad_number:amount_fen',
      '9:bad_number:amount_fen',
      '10:bad_number:energy_wh',
      '11:bad_number:count',
      '12:ok',
      '13:ok',
    ]);
    expect(items[0]).toMatchObject({ error: { message: expect.stringContaining('"1.5"') } });
    expect(items[7]).toMatchObject({ error: { message: expect.stringContaining('safe integer range') } });
    expect(items[10]).toMatchObject({ record: { count: -3, amount_fen: 7, energy_wh: -0 } });
    expect(items[11]).toMatchObject({ record: { amount_fen: Number.MAX_SAFE_INTEGER, energy_wh: 12 } });
    expect(typeof (items[11] as { record: { count: unknown } }).record.count).toBe('number');
  });

  it('stops at an unknown column with one item for the header line', async () => {
    const text = `${header},region,zone\n${'r,c,e,a,1,s,t,1,,,,x,y\n'.repeat(5)}`;
    expect(await collectAllWays(text, 'csv')).toEqual([
      { line: 1, error: { code: 'malformed_csv', field: 'region', message: expect.stringContaining('"region", "zone"') } },
    ]);
  });

  it('stops at a missing required column', async () => {
    const text = `record_id,cluster_id,enterprise_id,accelerator,count,started_at,ended_at\nr,c,e,a,1,s,t\n`;
    expect(await collect(text, 'csv')).toEqual([
      { line: 1, error: { code: 'malformed_csv', field: 'amount_fen', message: expect.stringContaining('amount_fen') } },
    ]);
  });

  it('stops at a duplicated column, a malformed header or a missing header', async () => {
    expect(await collect(`${header},count\n`, 'csv')).toEqual([
      { line: 1, error: { code: 'malformed_csv', field: 'count', message: expect.stringContaining('more than once') } },
    ]);
    expect(await collect(`record_id,clus"ter_id\nr,c\n`, 'csv')).toEqual([
      { line: 1, error: { code: 'malformed_csv', field: null, message: expect.stringContaining('quote') } },
    ]);
    // Header names are exact: no trimming, no case folding.
    expect(await collect(`${header.replace('count', ' count')}\n`, 'csv')).toMatchObject([{ line: 1, error: { field: ' count' } }]);
    expect(await collect(`${header.replace('count', 'Count')}\n`, 'csv')).toMatchObject([{ line: 1, error: { field: 'Count' } }]);
    for (const empty of ['', '\ufeff', '\r\n\r\n']) {
      expect(await collect(empty, 'csv')).toEqual([{ line: 1, error: { code: 'malformed_csv', field: null, message: 'the file has no header row' } }]);
    }
    expect(await collect(`${header}\n`, 'csv')).toEqual([]);
  });

  it('reports records with the wrong number of fields or broken quotes, and reads on', async () => {
    const good = (id: string) => `${id},cl-1,ent-1,huawei-ascend-910b,8,2025-03-01T00:00:00Z,2025-03-01T01:00:00Z,1,,,`;
    const text = [
      header,
      'r-1,cl-1',
      `${good('r-2')},extra`,
      'r-3,cl-1,ent-1,huawei-ascend-910b,8,2025-03-01T00:00:00Z,2025-03-01T01:00:00Z,1,sl"urm,,',
      good('r-4'),
    ].join('\n');
    const items = await collectAllWays(text, 'csv');
    expect(items).toEqual([
      { line: 2, error: { code: 'malformed_csv', field: null, message: 'expected 11 fields as in the header row, found 2' } },
      { line: 3, error: { code: 'malformed_csv', field: null, message: 'expected 11 fields as in the header row, found 12' } },
      { line: 4, error: { code: 'malformed_csv', field: 'job_ref', message: expect.stringContaining('quote') } },
      { line: 5, record: { ...record(0), record_id: 'r-4', amount_fen: 1 } },
    ]);
  });

  it('reports a quote left open at the end of the file', async () => {
    const text = `${header}\nr-1,cl-1,ent-1,huawei-ascend-910b,8,2025-03-01T00:00:00Z,2025-03-01T01:00:00Z,1,"slurm:1\nr-2,c,e,a,1,s,t,1,,,\n`;
    expect(await collect(text, 'csv')).toEqual([
      { line: 2, error: { code: 'malformed_csv', field: 'job_ref', message: expect.stringContaining('not closed') } },
    ]);
  });

  it('stops at a runaway record (an unclosed quote) instead of holding the rest of the file', async () => {
    const rest = `r,c,e,a,1,s,t,1,,,\n`.repeat(Math.ceil((2 * usage_file_limits.record_chars_max) / 19));
    const text = `${header}\nr-1,c,e,a,1,s,t,1,,,\nr-2,c,e,a,1,s,t,1,"open,,\n${rest}`;
    const items = await collect(text, 'csv', 65_536);
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({ line: 2, record: { record_id: 'r-1' } });
    expect(items[1]).toMatchObject({ line: 3, error: { code: 'malformed_csv', message: expect.stringContaining('longer than') } });
  });
});

describe('readUsageFile, streaming', () => {
  // A lazily generated input: `produced` tells how far the reader has pulled it.
  function lazyInput(lines: number, line: (n: number) => string, first?: string) {
    const state = { produced: 0 };
    async function* generate(): AsyncGenerator<Buffer> {
      if (first !== undefined) yield Buffer.from(`${first}\n`);
      const batch: string[] = [];
      for (let n = 1; n <= lines; n++) {
        batch.push(line(n));
        if (batch.length === 100 || n === lines) {
          state.produced = n;
          yield Buffer.from(`${batch.join('\n')}\n`);
          batch.length = 0;
        }
      }
    }
    return { input: Readable.from(generate(), { objectMode: false, highWaterMark: 16_384 }), state };
  }
  const csvLine = (n: number) => `r-${n},cl-1,ent-1,huawei-ascend-910b,8,2025-03-01T00:00:00Z,2025-03-01T01:00:00Z,${n},,,`;

  for (const format of ['jsonl', 'csv'] as const) {
    it(`${format}: pulls the input only as fast as a slow consumer reads`, async () => {
      const { input, state } = lazyInput(1_000_000, format === 'jsonl' ? (n) => JSON.stringify(record(n)) : csvLine, format === 'csv' ? header : undefined);
      let consumed = 0;
      for await (const item of readUsageFile(input, format)) {
        expect(item).toHaveProperty('record');
        consumed++;
        if (consumed % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
        if (consumed === 500) break;
      }
      expect(state.produced).toBeGreaterThanOrEqual(500);
      expect(state.produced).toBeLessThan(10_000); // a few stream buffers ahead, not the file
      // Leaving the loop early releases the input (for CSV, pipeline() does so a tick later).
      for (let i = 0; i < 10 && !input.destroyed; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(input.destroyed).toBe(true);
    });
  }
});

/** global.gc without --expose-gc on the command line (vitest's worker is not started with it); null if unavailable. */
function exposeGc(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? () => void gc() : null;
  } catch {
    return null;
  }
}

describe('readUsageFile, input errors', () => {
  for (const format of ['jsonl', 'csv'] as const) {
    it(`${format}: an error of the input stream is thrown from the loop`, async () => {
      async function* failing(): AsyncGenerator<Buffer> {
        yield Buffer.from(format === 'csv' ? `${header}\n` : `${JSON.stringify(record(1))}\n`);
        throw new Error('disk on fire');
      }
      const read = async () => {
        for await (const item of readUsageFile(Readable.from(failing()), format)) void item;
      };
      await expect(read()).rejects.toThrow('disk on fire');
    });
  }
});

describe('readUsageFile, large files', () => {
  const lines = 200_000;
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'suanli-usage-file-'));
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  async function writeFileLines(path: string, first: string | null, line: (n: number) => string): Promise<void> {
    const out = createWriteStream(path);
    if (first !== null) out.write(`${first}\r\n`);
    for (let n = 1; n <= lines; n++) {
      if (!out.write(`${line(n)}\r\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  }

  const cases = [
    {
      format: 'jsonl' as const,
      first: null,
      line: (n: number) => JSON.stringify({ ...record(n), job_ref: `slurm:${n}`, workload: 'training', energy_wh: n * 3 }),
      lineOf: (n: number) => n,
    },
    {
      format: 'csv' as const,
      first: header,
      line: (n: number) =>
        `r-${n},cl-1,ent-1,huawei-ascend-910b,8,2025-03-01T00:00:00Z,2025-03-01T01:00:00Z,${12_345 + n},"slurm:${n}, array",training,${n * 3}`,
      lineOf: (n: number) => n + 1,
    },
  ];

  for (const c of cases) {
    it(`${c.format}: reads ${lines} lines from a file with flat memory`, async () => {
      const path = join(dir, `usage.${c.format}`);
      await writeFileLines(path, c.first, c.line);
      expect(detectUsageFileFormat(path)).toBe(c.format);

      // heapUsed also counts garbage not yet collected; with a gc() to call, the samples are live memory only.
      const gc = exposeGc();
      gc?.();
      const heapBefore = process.memoryUsage().heapUsed;
      let heapMax = heapBefore;
      let sampleMs = 0;
      const sample = () => {
        const t = performance.now();
        gc?.();
        heapMax = Math.max(heapMax, process.memoryUsage().heapUsed);
        sampleMs += performance.now() - t;
      };
      let count = 0;
      let errors = 0;
      let lastLine = 0;
      let sum = 0;
      const started = performance.now();
      for await (const item of readUsageFile(createReadStream(path), c.format)) {
        if ('error' in item) {
          errors++;
          continue;
        }
        count++;
        lastLine = item.line;
        sum += (item.record as { amount_fen: number }).amount_fen;
        if (count % 20_000 === 0) sample();
      }
      const seconds = (performance.now() - started - sampleMs) / 1000;
      sample();
      const growthMb = (heapMax - heapBefore) / 1024 / 1024;
      console.info(
        `[usage-file] ${c.format}: ${lines} lines in ${seconds.toFixed(2)} s = ${Math.round(lines / seconds)} lines/s, ` +
          `heap growth ${growthMb.toFixed(1)} MB (${gc ? 'live, after gc' : 'including garbage'})`,
      );

      expect(errors).toBe(0);
      expect(count).toBe(lines);
      expect(lastLine).toBe(c.lineOf(lines));
      expect(sum).toBe(12_345 * lines + (lines * (lines + 1)) / 2);
      expect(growthMb).toBeLessThan(50);
    });
  }
});
