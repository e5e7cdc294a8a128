// The dashboard's wire contract (web/src/contract.gen.ts) is what the server answers now: regenerated in memory from
// the app's OpenAPI document, it equals the checked-in file. When it does not, run `npm run contract` and commit.
import fs from 'node:fs';
import { expect, it } from 'vitest';
import { generatedContract } from '../../src/cli/contract.js';
import { contract_file, contractSource } from '../../src/http/contract.js';

it('web/src/contract.gen.ts is what `npm run contract` writes for the server as it is', async () => {
  const checked_in = fs.readFileSync(new URL(`../../${contract_file}`, import.meta.url), 'utf8');
  expect(checked_in === await generatedContract(), `${contract_file} differs from the server's schemas: run \`npm run contract\``).toBe(true);
});

it('renders nullable, unions, enums, optional and quoted keys, arrays and references', () => {
  const source = contractSource({
    paths: {
      '/api/v1/things/{id}': {
        get: { responses: { 200: { content: { 'application/json': { schema: {
          type: 'object', required: ['state', 'n', 'a-b', 'list', 'ref'],
          properties: {
            state: { anyOf: [{ type: 'string', enum: ['x'] }, { type: 'string', enum: ['y'] }] },
            n: { type: 'integer', nullable: true, description: 'a count' },
            'a-b': { type: 'string' }, list: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
            ref: { $ref: '#/components/schemas/Thing' }, opt: { type: 'boolean' },
          },
        } } } } } },
        delete: { responses: { 204: {} } },
        put: { requestBody: { content: { 'application/json': { schema: { type: 'object', properties: {}, additionalProperties: { type: 'string' } } } } }, responses: { 200: { content: { 'text/csv': {} } } } },
      },
      '/elsewhere': { get: { responses: { 200: { content: { 'application/json': { schema: { type: 'string' } } } } } } },
    },
    components: { schemas: { Thing: { type: 'string' } } },
  });
  expect(source).toContain('  Thing: string;\n');
  expect(source).toContain([
    '  \'GET /things/{id}\': {',
    '    state: \'x\' | \'y\';',
    '    /** a count */',
    '    n: number | null;',
    '    \'a-b\': string;',
    '    list: (string | number)[];',
    '    ref: Components[\'Thing\'];',
    '    opt?: boolean;',
    '  };',
  ].join('\n'));
  expect(source).toContain('  \'DELETE /things/{id}\': null;\n');
  expect(source).toContain('export interface Bodies {\n  \'PUT /things/{id}\': {\n    [key: string]: string;\n  };\n}');
  expect(source).not.toContain('elsewhere');
  expect(source.slice(source.indexOf('export interface Answers'), source.indexOf('export interface Bodies'))).not.toContain('PUT'); // a CSV answer has no JSON type
});
