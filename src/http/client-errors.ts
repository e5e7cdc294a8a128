// Requests that Node's HTTP server refuses before Fastify sees them (a malformed request line or header, headers over
// the size limit, a request not complete in time, an Expect it cannot meet, an HTTP/1.1 request without Host): answered
// in the documented error shape too, instead of Fastify's or Node's own bodies (docs/errors.md).
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { ApiError, client_error_codes, error_statuses, type ErrorCode } from './errors.js';

/** The parser's error codes that are not a plain 400. */
const parser_errors: Readonly<Record<string, number>> = {
  HPE_HEADER_OVERFLOW: 431, // request line and headers beyond the server's maxHeaderSize (16 KiB by default)
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

function errorResponse(code: ErrorCode, message: string): string {
  const status = error_statuses[code];
  const body = JSON.stringify({ error: { code, message, details: [] } });
  return (
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json; charset=utf-8\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nx-content-type-options: nosniff\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`
  );
}

/**
 * Fastify's clientErrorHandler: what Node's server emits as 'clientError'. The client's fault, so logged at debug level
 * (Fastify logs these at trace), never as a server error. Nothing is written once an answer has begun.
 */
export function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, message] = client_error_codes[parser_errors[error.code ?? ''] ?? 400]!;
  this.log.debug({ code: error.code }, `client error: ${error.message.slice(0, 200)}`);
  const answering = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && answering?.headersSent !== true) socket.write(errorResponse(code, message));
  socket.destroy(error);
}

/** Node's server options that hand these requests to Fastify instead of answering them itself. */
export const http_server_options = { requireHostHeader: false } as const;

/**
 * The checks Node would have made itself, in our shape: an HTTP/1.1 request names its Host (RFC 9112 §3.2), and an
 * Expect other than 100-continue fails (Node answers 100-continue itself).
 */
export function registerClientErrors(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new ApiError('malformed_request', 'an HTTP/1.1 request names its Host', [{ field: 'headers.host', message: 'is required' }]);
    }
  });
  app.server.on('checkExpectation', (_request: http.IncomingMessage, response: http.ServerResponse) => {
    const body = JSON.stringify({
      error: {
        code: 'expectation_failed',
        message: 'only "Expect: 100-continue" is supported',
        details: [{ field: 'headers.expect', message: 'unsupported' }],
      },
    });
    response.writeHead(error_statuses.expectation_failed, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      connection: 'close',
    });
    response.end(body);
  });
}
