// The JSON body parser: Fastify's own (secure-json-parse, `__proto__` and `constructor.prototype` refused, the body
// limit kept), but on the raw bytes through a strict UTF-8 decoder. Fastify's default decodes invalid UTF-8 as U+FFFD,
// so two different byte strings (two different ids) became one value; here such a body is refused, naming the body.
import sjson from 'secure-json-parse';
import { errorCodes, type FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const poisoning = { protoAction: 'error', constructorAction: 'error' } as const;

/** The body as text, or a 400 validation_failed naming the body when its bytes are not well-formed UTF-8. */
export function decodeUtf8Body(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new ApiError('validation_failed', 'the body is not valid UTF-8: send JSON text encoded as UTF-8', [{ field: '(body)', message: 'not valid UTF-8' }]);
  }
}

/** Replaces Fastify's application/json parser; the empty and malformed cases raise Fastify's own errors, mapped as before. */
export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length === 0) {
      done(new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY(), undefined);
      return;
    }
    let text: string;
    try {
      text = decodeUtf8Body(bytes);
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    try {
      done(null, sjson.parse(text, null, poisoning));
    } catch {
      done(new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY(), undefined);
    }
  });
}
