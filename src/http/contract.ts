// The wire contract the dashboard compiles against, written as TypeScript from the server's OpenAPI document (itself
// built from the routes' TypeBox schemas): one source of truth for both sides. `npm run contract` writes it to
// web/src/contract.gen.ts; test/api/contract.test.ts fails when the checked-in file and the server differ.
import { api_prefix } from './openapi.js';

/** The part of an OpenAPI 3.0 schema object this renderer reads (what @fastify/swagger writes for TypeBox). */
interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  nullable?: boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  description?: string;
  title?: string;
}
interface Content {
  content?: Record<string, { schema?: Schema }>;
}
interface Operation {
  responses?: Record<string, Content>;
  requestBody?: Content;
}
export interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

export const contract_file = 'web/src/contract.gen.ts';

const methods = ['get', 'put', 'post', 'patch', 'delete'] as const;
const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

const quote = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
const key = (s: string) => (identifier.test(s) ? s : quote(s));
const literal = (v: unknown) => (typeof v === 'string' ? quote(v) : JSON.stringify(v));
const comment = (text: string, pad: string) => `${pad}/** ${text.replaceAll('*/', '* /').replace(/\s+/g, ' ').trim()} */\n`;

/**
 * Renders schemas as TypeScript. A schema with a `title` (the routes' answers and the views they share, `Page(X)` and
 * `List(X)` included) becomes an exported type of that name, written once and referred to wherever it appears.
 */
class Renderer {
  /** Named types by title: the schema they were written from (to refuse two different schemas under one name) and the text. */
  readonly named = new Map<string, { schema: string; text?: string; description?: string }>();

  /** A TypeScript type for a schema, `pad` being the indentation of the line it starts on. */
  typeOf(s: Schema | undefined, pad: string): string {
    if (s === undefined) return 'unknown';
    const t = s.title !== undefined && identifier.test(s.title) ? this.name(s) : this.bare(s, pad);
    return s.nullable === true && t !== 'unknown' && t !== 'null' ? `${t} | null` : t;
  }

  private name(s: Schema): string {
    const { title, nullable: _nullable, ...rest } = s;
    const name = title!;
    const schema = JSON.stringify(rest);
    const known = this.named.get(name);
    if (known !== undefined) {
      if (known.schema !== schema) throw new Error(`two different schemas are titled ${name}: give one another title`);
      return name;
    }
    const entry: { schema: string; text?: string; description?: string } = {
      schema,
      ...(rest.description === undefined ? {} : { description: rest.description }),
    };
    this.named.set(name, entry); // before rendering, so that a schema containing itself refers to its name
    entry.text = this.bare(rest, '');
    return name;
  }

  private bare(s: Schema, pad: string): string {
    if (s.$ref !== undefined) {
      const name = s.$ref.replace(/^#\/components\/schemas\//, '');
      return `Components[${quote(name)}]`;
    }
    if (s.enum !== undefined) return s.enum.map(literal).join(' | ');
    const union = s.anyOf ?? s.oneOf;
    if (union !== undefined)
      return union
        .map((u) => {
          const t = this.typeOf(u, pad);
          return t.includes('\n') || !t.includes(' ') ? t : `(${t})`;
        })
        .join(' | ');
    if (s.allOf !== undefined) return s.allOf.map((u) => this.typeOf(u, pad)).join(' & ');
    const type = Array.isArray(s.type) ? s.type : s.type === undefined ? [] : [s.type];
    if (type.length > 1) return type.map((t) => this.bare({ ...s, type: t }, pad)).join(' | ');
    switch (type[0]) {
      case 'string':
        return 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'null':
        return 'null';
      case 'array': {
        const item = this.typeOf(s.items, pad);
        return item.includes(' ') && !item.startsWith('{') ? `(${item})[]` : `${item}[]`;
      }
      case 'object':
        return this.objectType(s, pad);
      default:
        return s.properties !== undefined ? this.objectType(s, pad) : 'unknown';
    }
  }

  private objectType(s: Schema, pad: string): string {
    const inner = `${pad}  `;
    const required = new Set(s.required ?? []);
    let body = '';
    for (const [name, p] of Object.entries(s.properties ?? {})) {
      if (p.description !== undefined) body += comment(p.description, inner);
      body += `${inner}${key(name)}${required.has(name) ? '' : '?'}: ${this.typeOf(p, inner)};\n`;
    }
    const extra = s.additionalProperties;
    if (extra !== undefined && extra !== false) body += `${inner}[key: string]: ${extra === true ? 'unknown' : this.typeOf(extra, inner)};\n`;
    return body === '' ? 'Record<string, never>' : `{\n${body}${pad}}`;
  }

  /** The JSON a content map holds (`null` when the answer has no body; undefined when it is not JSON). */
  json(c: Content | undefined, pad: string): string | undefined {
    if (c?.content === undefined) return 'null';
    const media = c.content['application/json'];
    return media === undefined ? undefined : this.typeOf(media.schema, pad);
  }

  /** Each named type as an exported declaration, by name. */
  declarations(): string[] {
    return [...this.named.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, { text, description }]) => {
        const doc = description === undefined ? '' : comment(description, '');
        const object = text!.startsWith('{') && text!.endsWith('}') && !text!.includes('\n} ');
        return object ? `${doc}export interface ${name} ${text}\n` : `${doc}export type ${name} = ${text};\n`;
      });
  }
}

/** The file's text: components, then each operation's success answer and JSON body, keyed `METHOD /path` below the API prefix. */
export function contractSource(doc: OpenApiDocument): string {
  const r = new Renderer();
  const answers: string[] = [];
  const bodies: string[] = [];
  for (const path of Object.keys(doc.paths ?? {})
    .filter((p) => p.startsWith(api_prefix))
    .sort()) {
    const item = doc.paths![path]!;
    for (const method of methods) {
      const op = item[method];
      if (op === undefined) continue;
      const name = quote(`${method.toUpperCase()} ${path.slice(api_prefix.length)}`);
      const success = Object.keys(op.responses ?? {})
        .filter((code) => /^2\d\d$/.test(code))
        .sort()
        .map((code) => r.json(op.responses![code], '  '))
        .filter((t): t is string => t !== undefined);
      if (success.length > 0) answers.push(`  ${name}: ${[...new Set(success)].join(' | ')};\n`);
      const body = op.requestBody === undefined ? undefined : r.json(op.requestBody, '  ');
      if (body !== undefined) bodies.push(`  ${name}: ${body};\n`);
    }
  }
  const components = Object.entries(doc.components?.schemas ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, s]) => `  ${key(name)}: ${r.typeOf(s, '  ')};\n`);
  return [
    "// Generated from the server's OpenAPI document (the routes' TypeBox schemas) by `npm run contract`",
    '// (src/cli/contract.ts, src/http/contract.ts). Do not edit: change the schema and run `npm run contract`;',
    '// test/api/contract.test.ts fails when this file and the server differ.',
    '',
    '/** The shared schemas the document names (#/components/schemas). */',
    `export interface Components {\n${components.join('')}}`,
    '',
    "// The answers and the views they share, each named by its schema's title.",
    ...r.declarations(),
    '/** What each operation answers on success (JSON only; `null` for no body), by `METHOD /path` below /api/v1. */',
    `export interface Answers {\n${answers.join('')}}`,
    '',
    '/** The JSON body each operation takes, by `METHOD /path` below /api/v1. */',
    `export interface Bodies {\n${bodies.join('')}}`,
    '',
  ].join('\n');
}
