// Every error code the code can answer is documented in docs/errors.md (as Fastify tests its error catalogue).
import fs from 'node:fs';
import { expect, it } from 'vitest';
import { error_statuses } from '../src/http/errors.js';
import { en } from '../src/http/messages.js';
import { usage_reject_codes } from '../src/domain/usage/validate-usage.js';
import { sacct_reject_codes } from '../src/ingest/sacct/outcome.js';
import { skip_reasons as prometheus_skip_reasons } from '../src/ingest/prometheus/usage-records.js';

const doc = fs.readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

it('documents every HTTP error code with its status', () => {
  for (const [code, status] of Object.entries(error_statuses)) {
    expect(doc, code).toMatch(new RegExp(`\\| \`${code}\` \\| ${status} \\|`));
  }
});

it('documents every usage record outcome code and file line code', () => {
  for (const code of [...usage_reject_codes, 'malformed_json', 'malformed_csv', 'bad_number']) {
    expect(doc, code).toContain(`| \`${code}\` |`);
  }
});

it('documents every sacct line rejection and every Prometheus skip reason', () => {
  for (const code of [...sacct_reject_codes, ...prometheus_skip_reasons]) {
    expect(doc, code).toContain(`| \`${code}\` |`);
  }
});

it('documents the parameters of every business refusal code', () => {
  const table = doc.slice(doc.indexOf('## Refusal parameters'), doc.indexOf('## Usage record outcomes'));
  for (const code of Object.keys(en.texts)) expect(table, code).toMatch(new RegExp(`\\| \`${code}\` \\| `));
});
