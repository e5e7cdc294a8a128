import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLineBatches, type LineBatch } from './line-batches.js';

interface TextLine {
  line: number;
  text: string | null;
}

async function all(chunks: (string | Buffer)[], max = 100, cr_in_limit = false): Promise<{ lines: TextLine[]; bytes: number }> {
  const position = { bytes: 0 };
  const lines: TextLine[] = [];
  for await (const batch of readLineBatches(Readable.from(chunks, { objectMode: true }), max, { position, cr_in_limit })) {
    batch.lines.forEach((text, i) => lines.push({ line: batch.first_line + i, text }));
  }
  return { lines, bytes: position.bytes };
}

describe('readLineBatches', () => {
  it('splits on LF and CRLF, numbers lines from 1, keeps blank lines and a last line without a line end', async () => {
    const { lines, bytes } = await all(['a|b\r\n\nc', 'd\n', 'e']);
    expect(lines).toEqual([
      { line: 1, text: 'a|b' },
      { line: 2, text: '' },
      { line: 3, text: 'cd' },
      { line: 4, text: 'e' },
    ]);
    expect(bytes).toBe(Buffer.byteLength('a|b\r\n\ncd\ne'));
  });

  it('keeps a character split across chunks whole and drops a BOM', async () => {
    const bytes = Buffer.from('\uFEFF作业|1\n');
    const { lines } = await all([bytes.subarray(0, 5), bytes.subarray(5)]);
    expect(lines).toEqual([{ line: 1, text: '作业|1' }]);
  });

  it('reports a line at the limit as it is and one past it as null, and reads on', async () => {
    const { lines } = await all(['x'.repeat(10), '\r\n', 'y'.repeat(6), 'y'.repeat(5), '\nok\n'], 10);
    expect(lines).toEqual([
      { line: 1, text: 'x'.repeat(10) },
      { line: 2, text: null },
      { line: 3, text: 'ok' },
    ]);
    const { lines: one_chunk } = await all([`${'z'.repeat(11)}\nok`], 10);
    expect(one_chunk.map((l) => l.text)).toEqual([null, 'ok']);
  });

  it('counts the CR of a CRLF line end against the limit only with cr_in_limit (as JSON Lines does)', async () => {
    const at_limit = [`${'x'.repeat(10)}\r\n`, `${'y'.repeat(9)}\r\n`, `${'z'.repeat(10)}\n`, 'w'.repeat(10), '\r', '\nok'];
    expect((await all(at_limit, 10)).lines.map((l) => l.text)).toEqual(['x'.repeat(10), 'y'.repeat(9), 'z'.repeat(10), 'w'.repeat(10), 'ok']);
    expect((await all(at_limit, 10, true)).lines.map((l) => l.text)).toEqual([null, 'y'.repeat(9), 'z'.repeat(10), null, 'ok']);
    const past_limit = [`${'x'.repeat(11)}\r\n`, 'w'.repeat(11), '\r', '\nok'];
    expect((await all(past_limit, 10)).lines.map((l) => l.text)).toEqual([null, null, 'ok']);
    expect((await all(past_limit, 10, true)).lines.map((l) => l.text)).toEqual([null, null, 'ok']);
  });

  it('yields nothing for an empty input', async () => {
    expect((await all([])).lines).toEqual([]);
  });

  it('gives the lines of each chunk as one batch', async () => {
    const batches: LineBatch[] = [];
    for await (const b of readLineBatches(Readable.from(['a\nb\nc', 'd\n', 'e', '\nf'], { objectMode: true }), 100)) batches.push(b);
    expect(batches).toEqual([
      { first_line: 1, lines: ['a', 'b'] },
      { first_line: 3, lines: ['cd'] },
      { first_line: 4, lines: ['e'] },
      { first_line: 5, lines: ['f'] },
    ]);
  });
});
