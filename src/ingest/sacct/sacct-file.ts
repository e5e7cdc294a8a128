// Streaming reader of sacct output for `suanli import sacct`: line by line, each line judged alone (./job-records.ts),
// so memory stays constant whatever the size of the input (one chunk's lines at a time). The first non-blank line may
// be a header naming the columns; blank lines are passed over; a line that cannot be read is rejected with its line
// number and reading goes on.
import { defaultLayout, isHeaderLine, jobIdOf, layoutFromHeader, splitLine, type SacctLayout } from './columns.js';
import { isStepJobId } from './job-id.js';
import { jobOutcome, type JobContext } from './job-records.js';
import { readLineBatches, type ReadPosition } from '../line-batches.js';
import type { JobOutcome } from './outcome.js';

export const sacct_file_limits = {
  /** longest line read (characters); a real sacct line of the documented columns is well under 1 KiB */
  line_chars_max: 65_536,
} as const;

export interface SacctItem {
  /** 1-based physical line number */
  line: number;
  outcome: JobOutcome;
}

/** A problem that leaves the rest of the input meaningless (a header line that cannot be used). */
export class SacctFileError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

export interface SacctFileOptions extends JobContext {
  /** bytes read so far, kept up to date for a progress bar */
  position?: ReadPosition;
}

/**
 * What one chunk of input held: the outcome of each non-blank line but a header and the steps, in file order, and the
 * number of steps (skipped, and only counted: two thirds of sacct's lines, so no object is made for each).
 */
export interface SacctBatch {
  steps: number;
  items: SacctItem[];
}

export async function* readSacctFile(input: AsyncIterable<Buffer | string>, options: SacctFileOptions): AsyncGenerator<SacctBatch> {
  let layout: SacctLayout | null = null;
  let header_text: string | null = null;
  for await (const { first_line, lines } of readLineBatches(input, sacct_file_limits.line_chars_max, { position: options.position })) {
    const batch: SacctBatch = { steps: 0, items: [] };
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i] as string | null;
      const line = first_line + i;
      if (text === null) {
        batch.items.push({
          line,
          outcome: {
            kind: 'rejected',
            job_id: null,
            code: 'malformed_sacct',
            field: null,
            message: `the line is longer than ${sacct_file_limits.line_chars_max} characters`,
          },
        });
        continue;
      }
      if (text.trim() === '') continue;
      if (layout === null) {
        if (isHeaderLine(text)) {
          const h = layoutFromHeader(text);
          if (!h.ok) throw new SacctFileError(line, h.message);
          if (options.mapping.maps_partitions && h.layout.index.partition < 0) {
            throw new SacctFileError(line, 'the mapping file maps partitions, and the header line has no Partition column');
          }
          layout = h.layout;
          header_text = text;
          continue;
        }
        layout = defaultLayout();
      } else if (text === header_text) {
        continue; // the header again: outputs of several sacct runs, one after the other
      }
      const job_id = jobIdOf(text, layout);
      if (job_id !== null && isStepJobId(job_id)) {
        batch.steps++; // as jobOutcome would judge it, without splitting the line
        continue;
      }
      const split = splitLine(text, layout);
      batch.items.push(
        split.ok
          ? { line, outcome: jobOutcome(split.line, options) }
          : { line, outcome: { kind: 'rejected', job_id: null, code: 'malformed_sacct', field: null, message: split.message } },
      );
    }
    if (batch.steps > 0 || batch.items.length > 0) yield batch;
  }
}
