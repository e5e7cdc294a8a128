// Which errors mean "the database cannot be used right now" rather than "this request is wrong" or "a bug": the server
// answers them 503 with Retry-After (src/http/errors.ts) and recovers by itself once the database is back — PostgreSQL
// restarting (fast or immediate shutdown, crash recovery), a connection cut, SQLite's disk full or an I/O error.
// The request's transaction was rolled back (or, if the connection died during COMMIT, its outcome is unknown):
// re-sending the same request is safe because ingestion and every money action are idempotent.

/** SQLSTATEs: class 08 connection exception; 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now;
 * 53300 too many connections; 53100 disk full; 58030 I/O error. */
const pg_states = /^(08[0-9A-Z]{3}|57P0[123]|53300|53100|58030)$/;
/** Node socket errors between us and PostgreSQL. */
const socket_codes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** SQLite: the disk (or its quota) is full, an I/O error, the file cannot be opened, or still locked after busy_timeout. */
const sqlite_codes = /^SQLITE_(FULL|IOERR|CANTOPEN|BUSY|PROTOCOL)(_|$)/;
/** node-postgres's own words for a connection that went away or never came. */
const pg_messages =
  /Connection terminated|Client has encountered a connection error|not queryable|timeout exceeded when trying to connect|the database system is (starting up|shutting down|in recovery mode)|terminating connection due to administrator command/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== null && e !== undefined && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (pg_states.test(code) || socket_codes.has(code) || sqlite_codes.test(code) || code === 'ENOSPC')) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && (pg_messages.test(message) || /database or disk is full|disk I\/O error/i.test(message))) return true;
  }
  return false;
}

/** How long a client should wait before it tries again (seconds). */
export const unavailable_retry_after_s = 5;
