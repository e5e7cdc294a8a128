// Splits a byte stream into text lines for the line-based importers (JSON Lines usage files, sacct output), in constant
// memory: chunks are pulled only as fast as the consumer of the async iterable asks for them (backpressure), and the
// lines of one chunk (plus a line split across chunks) are all that is held. Lines come out in batches, one per chunk
// read, so that millions of lines do not each cost a round through the event loop (nor an object each). LF or CRLF
// line ends; a leading UTF-8 BOM is dropped; a line past the limit comes out as null (its text dropped, never held)
// and reading goes on.

/** The lines read from one chunk of input: no object per line, as there may be millions. */
export interface LineBatch {
  /** 1-based physical line number of lines[0] */
  first_line: number;
  /** each line without its line end; null for a line longer than the limit */
  lines: (string | null)[];
}

/** Bytes taken from the input so far; updated as chunks are read, for a progress bar. */
export interface ReadPosition {
  bytes: number;
}

export interface LineBatchOptions {
  /** kept up to date as chunks are read */
  position?: ReadPosition;
  /**
   * Whether the CR of a CRLF line end counts against `line_chars_max`: it does for JSON Lines usage files (a CRLF line
   * of exactly the limit is too long there), not for sacct output. Each importer keeps the limit it shipped with.
   */
  cr_in_limit?: boolean;
}

/** The lines of the input, a batch per chunk read (none while a long line goes on). */
export async function* readLineBatches(
  input: AsyncIterable<Buffer | string>,
  line_chars_max: number,
  options: LineBatchOptions = {},
): AsyncGenerator<LineBatch> {
  const position = options.position ?? { bytes: 0 };
  const cr_chars_free = options.cr_in_limit === true ? 0 : 1; // a CR ending a line that the limit lets pass
  const decoder = new TextDecoder('utf-8'); // strips a leading BOM; `stream: true` keeps split characters whole
  let line = 0; // lines finished so far
  let parts: string[] = []; // pieces of the current, not yet terminated line
  let parts_chars = 0;
  let overlong = false; // the current line passed the limit: its text is dropped, the item comes at its end

  const finish = (last_piece: string): string | null => {
    line += 1;
    let text = last_piece;
    if (parts.length > 0) {
      parts.push(last_piece);
      text = parts.join('');
      parts = [];
    }
    parts_chars = 0;
    const cr = text.endsWith('\r');
    const too_long = overlong || text.length > line_chars_max + (cr ? cr_chars_free : 0);
    overlong = false;
    if (too_long) return null;
    return cr ? text.slice(0, -1) : text;
  };

  const hold = (piece: string): void => {
    if (overlong || piece.length === 0) return;
    parts_chars += piece.length;
    if (parts_chars > line_chars_max + cr_chars_free) {
      // the held text may end in the CR of a CRLF
      overlong = true;
      parts = [];
      parts_chars = 0;
    } else {
      parts.push(piece);
    }
  };

  for await (const chunk of input) {
    position.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    const first_line = line + 1;
    const lines: (string | null)[] = [];
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) break;
      lines.push(finish(text.slice(start, nl)));
      start = nl + 1;
    }
    hold(start === 0 ? text : text.slice(start));
    if (lines.length > 0) yield { first_line, lines };
  }
  hold(decoder.decode());
  if (parts.length > 0 || overlong) {
    const first_line = line + 1;
    yield { first_line, lines: [finish('')] };
  }
}
