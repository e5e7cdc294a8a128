// The dashboard's wire contract (web/src/contract.gen.ts) is what the server answers now: regenerated in memory from
// the app's OpenAPI document, it equals the checked-in file. When it does not, run `npm run contract` and commit.
import fs from 'node:fs';
import { expect, it } from 'vitest';
import { generatedContract, openapiDocument } from '../../src/cli/contract.js';
import { contract_file, contractSource } from '../../src/http/contract.js';

it('web/src/contract.gen.ts is what `npm run contract` writes for the server as it is', async () => {
  const checked_in = fs.readFileSync(new URL(`../../${contract_file}`, import.meta.url), 'utf8');
  expect(checked_in === (await generatedContract()), `${contract_file} differs from the server's schemas: run \`npm run contract\``).toBe(true);
});

it('names every success answer: a schema with a title (Page(X), List(X) or a view) or a shared component', async () => {
  const doc = await openapiDocument();
  const unnamed: string[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item)) {
      for (const [status, answer] of Object.entries(op.responses ?? {})) {
        const schema = answer.content?.['application/json']?.schema;
        if (/^2\d\d$/.test(status) && schema !== undefined && schema.title === undefined && schema.$ref === undefined)
          unnamed.push(`${method.toUpperCase()} ${path} ${status}`);
      }
    }
  }
  expect(unnamed).toEqual([]);
});

it('writes a titled schema once, as an exported type, and refuses two different schemas under one title', () => {
  const item = { title: 'Thing', type: 'object', required: ['id'], properties: { id: { type: 'string' } }, description: 'a thing' };
  const page = {
    title: 'ThingPage',
    type: 'object',
    required: ['items', 'next_cursor'],
    properties: { items: { type: 'array', items: item }, next_cursor: { type: 'string', nullable: true } },
  };
  const answer = (schema: object) => ({ responses: { 200: { content: { 'application/json': { schema } } } } });
  const source = contractSource({
    paths: {
      '/api/v1/things': { get: answer(page) },
      '/api/v1/things/{id}': { get: answer(item), put: answer({ ...item, nullable: true }) },
      '/api/v1/kinds': { get: answer({ title: 'Kind', anyOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { type: 'string' }] }) },
    },
  });
  expect(source).toContain('/** a thing */\nexport interface Thing {\n  id: string;\n}\n');
  expect(source).toContain('export interface ThingPage {\n  items: Thing[];\n  next_cursor: string | null;\n}\n');
  expect(source).toContain('export type Kind = {\n  a?: string;\n} | string;\n');
  expect(source).toContain("  'GET /things': ThingPage;\n  'GET /things/{id}': Thing;\n  'PUT /things/{id}': Thing | null;\n");
  expect(source.match(/export interface Thing /g)).toHaveLength(1);
  expect(() => contractSource({ paths: { '/api/v1/a': { get: answer(item) }, '/api/v1/b': { get: answer({ ...item, required: [] }) } } })).toThrow(
    'two different schemas are titled Thing',
  );
});

it('renders nullable, unions, enums, optional and quoted keys, arrays and references', () => {
  const source = contractSource({
    paths: {
      '/api/v1/things/{id}': {
        get: {
          responses: {
            200: {
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['state', 'n', 'a-b', 'list', 'ref'],
                    properties: {
                      state: {
                        anyOf: [
                          { type: 'string', enum: ['x'] },
                          { type: 'string', enum: ['y'] },
                        ],
                      },
                      n: { type: 'integer', nullable: true, description: 'a count' },
                      'a-b': { type: 'string' },
                      list: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
                      ref: { $ref: '#/components/schemas/Thing' },
                      opt: { type: 'boolean' },
                    },
                  },
                },
              },
            },
          },
        },
        delete: { responses: { 204: {} } },
        put: {
          requestBody: { content: { 'application/json': { schema: { type: 'object', properties: {}, additionalProperties: { type: 'string' } } } } },
          responses: { 200: { content: { 'text/csv': {} } } },
        },
      },
      '/elsewhere': { get: { responses: { 200: { content: { 'application/json': { schema: { type: 'string' } } } } } } },
    },
    components: { schemas: { Thing: { type: 'string' } } },
  });
  expect(source).toContain('  Thing: string;\n');
  expect(source).toContain(
    [
      "  'GET /things/{id}': {",
      "    state: 'x' | 'y';",
      '    /** a count */',
      '    n: number | null;',
      "    'a-b': string;",
      '    list: (string | number)[];',
      "    ref: Components['Thing'];",
      '    opt?: boolean;',
      '  };',
    ].join('\n'),
  );
  expect(source).toContain("  'DELETE /things/{id}': null;\n");
  expect(source).toContain("export interface Bodies {\n  'PUT /things/{id}': {\n    [key: string]: string;\n  };\n}");
  expect(source).not.toContain('elsewhere');
  expect(source.slice(source.indexOf('export interface Answers'), source.indexOf('export interface Bodies'))).not.toContain('PUT'); // a CSV answer has no JSON type
});
