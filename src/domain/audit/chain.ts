// The audit log as a hash chain: every entry carries the SHA-256 of the previous one, so an edit, a deletion or a
// reordering of stored entries is detectable by walking the chain (`suanli audit verify`). Pure: no I/O, no clock.

import { createHash } from 'node:crypto';
import { assert } from '../assert.js';

/** A JSON value that the canonical encoding accepts: integers only (no floats, NaN or infinities). */
export type AuditJson = null | boolean | number | string | AuditJson[] | { [key: string]: AuditJson };

export interface AuditActor {
  org_id: string | null;
  key_id: string | null;
  role: string | null;
}

export interface AuditSubject {
  kind: string;
  id: string;
}

/** What the caller says happened; seq, prev_hash and hash are added by `appendEntry`. */
export interface AuditFields {
  at_ms: number;
  actor: AuditActor;
  action: string;
  subject: AuditSubject;
  before: AuditJson | null;
  after: AuditJson | null;
}

/** Everything that is hashed: the fields plus the entry's place in the chain. */
export interface AuditEntryContent extends AuditFields {
  seq: number;
  prev_hash: string;
}

export interface AuditEntry extends AuditEntryContent {
  hash: string;
}

export type ChainProblem = 'edited' | 'removed' | 'reordered' | 'bad_genesis';

export type ChainVerdict = { ok: true; entries: number } | { ok: false; first_bad_seq: number; problem: ChainProblem; message: string };

/** prev_hash of the first entry. */
export const GENESIS_PREV_HASH = '0'.repeat(64);
/** seq of the first entry; each later entry is its predecessor's seq + 1. */
export const GENESIS_SEQ = 1;
/** Nesting limit of before/after values, so a hostile or buggy summary cannot blow the stack. */
export const AUDIT_JSON_DEPTH_MAX = 32;
/** How many later entries the verifier reads, after a gap in seq, looking for the missing one (reorder vs removal). */
export const VERIFY_LOOKAHEAD_ENTRIES_MAX = 1024;

/** Thrown when a value cannot be canonically encoded; it is a caller bug, never a user answer. */
export class AuditEncodingError extends Error {}

const HEX64 = /^[0-9a-f]{64}$/;
// With the u flag a paired surrogate is one code point, so this only matches lone (ill-formed) surrogates.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/*
 * Canonical encoding, precisely, so that another implementation reproduces the bytes:
 *
 * 1. The value encoded is the entry without `hash`: the object
 *    { seq, at_ms, actor: { org_id, key_id, role }, action, subject: { kind, id }, before, after, prev_hash }.
 *    Every one of these keys is present (null where empty); nothing else is added.
 * 2. It is written as JSON text with no whitespace anywhere:
 *    - null, true, false as those literals;
 *    - numbers: only safe integers (|n| <= 2^53 - 1), written in base 10 with a leading '-' if negative, no
 *      leading zeros, no fraction, no exponent ('-0' is written as '0'); floats, NaN and infinities are rejected;
 *    - strings: '"', then each character as itself except '"' -> \", '\' -> \\, U+0008 -> \b, U+000C -> \f,
 *      U+000A -> \n, U+000D -> \r, U+0009 -> \t, other U+0000..U+001F -> \u00xx (lowercase hex), then '"'
 *      (exactly ECMAScript JSON.stringify). Strings holding a lone surrogate are rejected; '/' and non-ASCII
 *      are not escaped;
 *    - arrays: '[' elements joined by ',' ']', in order;
 *    - objects: '{' "key":value pairs joined by ',' '}', keys sorted ascending by UTF-16 code units (the
 *      default JavaScript sort; for keys in the Basic Multilingual Plane this is code point order), at every
 *      depth. Duplicate keys cannot occur; undefined, functions, and non-plain objects are rejected.
 *    Nesting deeper than AUDIT_JSON_DEPTH_MAX is rejected.
 * 3. The text is encoded as UTF-8; those bytes are the canonical encoding.
 *
 * entry.hash = lowercase hex SHA-256 of the canonical encoding. seq and prev_hash are inside the hashed bytes, so
 * an entry cannot be moved to another place in the chain without changing its hash.
 */
export function canonicalEncoding(content: AuditEntryContent): Buffer {
  return Buffer.from(canonicalJson(entryContent(content), '$', 0), 'utf8');
}

/** Exactly the hashed keys of an entry (step 1 above), whatever else the object carries. */
function entryContent(c: AuditEntryContent): AuditEntryContent {
  return {
    seq: c.seq,
    at_ms: c.at_ms,
    actor: { org_id: c.actor.org_id, key_id: c.actor.key_id, role: c.actor.role },
    action: c.action,
    subject: { kind: c.subject.kind, id: c.subject.id },
    before: c.before,
    after: c.after,
    prev_hash: c.prev_hash,
  };
}

function contentHash(content: AuditEntryContent): string {
  return createHash('sha256').update(canonicalEncoding(content)).digest('hex');
}

function canonicalJson(value: unknown, path: string, depth: number): string {
  if (depth > AUDIT_JSON_DEPTH_MAX) throw new AuditEncodingError(`${path}: nested deeper than ${AUDIT_JSON_DEPTH_MAX}`);
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) throw new AuditEncodingError(`${path}: ${String(value)} is not a safe integer`);
      return Object.is(value, -0) ? '0' : String(value);
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new AuditEncodingError(`${path}: string holds a lone surrogate`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((item, i) => canonicalJson(item, `${path}[${i}]`, depth + 1)).join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new AuditEncodingError(`${path}: not a plain object`);
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      const parts = keys.map((key) => {
        if (LONE_SURROGATE.test(key)) throw new AuditEncodingError(`${path}: key holds a lone surrogate`);
        return `${JSON.stringify(key)}:${canonicalJson(record[key], `${path}.${key}`, depth + 1)}`;
      });
      return `{${parts.join(',')}}`;
    }
    default:
      throw new AuditEncodingError(`${path}: ${typeof value} is not a JSON value`);
  }
}

/** SHA-256 (lowercase hex) of the canonical encoding of an entry at `fields.seq` that follows `prev_hash`. */
export function entryHash(prev_hash: string, fields: AuditFields & { seq: number }): string {
  return contentHash({ ...fields, prev_hash });
}

/**
 * The entry that follows `prev` (or the first entry when `prev` is null). Throws AuditEncodingError when the
 * fields cannot be canonically encoded (a float in before/after, say): that is a bug in the caller.
 */
export function appendEntry(prev: Pick<AuditEntry, 'seq' | 'hash'> | null, fields: AuditFields): AuditEntry {
  if (prev !== null && (!Number.isSafeInteger(prev.seq) || !HEX64.test(prev.hash))) {
    throw new AuditEncodingError(`previous entry is not a chain entry (seq ${String(prev.seq)})`);
  }
  const content = entryContent({
    ...fields,
    seq: prev === null ? GENESIS_SEQ : prev.seq + 1,
    prev_hash: prev === null ? GENESIS_PREV_HASH : prev.hash,
  });
  return { ...content, hash: contentHash(content) };
}

type Failure = Extract<ChainVerdict, { ok: false }>;

function fail(first_bad_seq: number, problem: ChainProblem, message: string): Failure {
  return { ok: false, first_bad_seq, problem, message };
}

function recomputedHash(entry: AuditEntry): string | null {
  try {
    return contentHash(entry);
  } catch (error) {
    if (error instanceof AuditEncodingError || error instanceof TypeError) return null;
    throw error;
  }
}

/**
 * Walks a chain entry by entry with bounded memory, so the CLI can stream millions of stored entries.
 * Rules, applied to each entry in the order read, against the last accepted entry (the "previous"):
 * - the first entry must have seq 1 and prev_hash 64 zeros: otherwise `bad_genesis` (seq 1), or `removed` (seq 1)
 *   when it starts later;
 * - its stored hash must equal the hash of its content: otherwise `edited`, naming the seq it should have;
 * - its seq must be previous + 1: a later seq is `reordered` when the skipped seq turns up within the next
 *   VERIFY_LOOKAHEAD_ENTRIES_MAX entries and `removed` when it does not; an earlier (repeated) seq is `reordered`;
 *   both name the seq that was expected;
 * - its prev_hash must be the previous entry's hash: when it is the hash of another recent entry the chain was
 *   re-linked (`reordered`, naming this entry); otherwise the previous entry was rewritten and re-hashed after this
 *   one was appended (`edited`, naming the previous entry).
 * Deleting the newest entries leaves a valid shorter chain; pass `head` (a seq and hash recorded elsewhere, e.g.
 * in a report or a second store) to catch that.
 */
export class ChainVerifier {
  private prev: AuditEntry | null = null;
  private count = 0;
  private failure: Failure | null = null;
  private pendingGap: { expected_seq: number; found_seq: number; read_since: number } | null = null;
  private readonly recentHashes = new Map<string, number>();
  private headSeen = false;

  constructor(private readonly head: { seq: number; hash: string } | null = null) {}

  /** Feeds the next entry; returns the failure once one is certain (and keeps returning it). */
  push(entry: AuditEntry): Failure | null {
    if (this.failure !== null) return this.failure;
    if (this.pendingGap !== null) {
      const gap = this.pendingGap;
      if (entry.seq === gap.expected_seq) {
        return this.settle(fail(gap.expected_seq, 'reordered', `entry ${gap.expected_seq} comes after entry ${gap.found_seq}: entries are out of order`));
      }
      gap.read_since += 1;
      if (gap.read_since >= VERIFY_LOOKAHEAD_ENTRIES_MAX) return this.settle(this.removedFailure(gap));
      return null;
    }
    const failure = this.check(entry);
    if (failure !== null) return this.settle(failure);
    if (this.pendingGap !== null) return null;
    this.accept(entry);
    return null;
  }

  /** The verdict once every entry has been pushed. */
  finish(): ChainVerdict {
    if (this.failure !== null) return this.failure;
    if (this.pendingGap !== null) return this.settle(this.removedFailure(this.pendingGap));
    if (this.head !== null && !this.headSeen) {
      const last_seq = this.prev?.seq ?? GENESIS_SEQ - 1;
      return this.settle(
        fail(last_seq + 1, 'removed', `the chain ends at seq ${last_seq} but the recorded head is seq ${this.head.seq}: the newest entries were removed`),
      );
    }
    return { ok: true, entries: this.count };
  }

  private settle(failure: Failure): Failure {
    this.failure = failure;
    return failure;
  }

  private removedFailure(gap: { expected_seq: number; found_seq: number }): Failure {
    const last = gap.found_seq - 1;
    const which = last === gap.expected_seq ? `entry ${gap.expected_seq} is` : `entries ${gap.expected_seq}..${last} are`;
    return fail(gap.expected_seq, 'removed', `${which} missing: seq jumps to ${gap.found_seq}`);
  }

  private check(entry: AuditEntry): Failure | null {
    const prev = this.prev;
    const expected_seq = prev === null ? GENESIS_SEQ : prev.seq + 1;
    if (
      typeof entry.hash !== 'string' ||
      !HEX64.test(entry.hash) ||
      typeof entry.prev_hash !== 'string' ||
      !HEX64.test(entry.prev_hash) ||
      !Number.isSafeInteger(entry.seq)
    ) {
      return fail(expected_seq, 'edited', `entry at seq ${expected_seq} is malformed (seq, hash or prev_hash is not what the chain writes)`);
    }
    if (prev === null && entry.seq === GENESIS_SEQ && entry.prev_hash !== GENESIS_PREV_HASH) {
      return fail(GENESIS_SEQ, 'bad_genesis', `the first entry's prev_hash is ${entry.prev_hash}, not the genesis value of 64 zeros`);
    }
    const actual = recomputedHash(entry);
    if (actual !== entry.hash) {
      const stored = entry.seq === expected_seq ? '' : ` (it claims seq ${entry.seq})`;
      return fail(
        expected_seq,
        'edited',
        `entry ${expected_seq}${stored} was edited: its content hashes to ${actual ?? 'nothing (not encodable)'}, not its stored hash ${entry.hash}`,
      );
    }
    if (entry.seq > expected_seq) {
      this.pendingGap = { expected_seq, found_seq: entry.seq, read_since: 0 };
      return null;
    }
    if (entry.seq < expected_seq) {
      return fail(expected_seq, 'reordered', `entry ${entry.seq} appears again where entry ${expected_seq} belongs: entries are out of order`);
    }
    const expected_prev = prev === null ? GENESIS_PREV_HASH : prev.hash;
    if (entry.prev_hash !== expected_prev) {
      assert(prev !== null, 'genesis prev_hash is checked before');
      const pointsTo = this.recentHashes.get(entry.prev_hash);
      if (pointsTo !== undefined) {
        return fail(entry.seq, 'reordered', `entry ${entry.seq} links to entry ${pointsTo}, not to entry ${prev.seq}: the chain was re-linked`);
      }
      return fail(
        prev.seq,
        'edited',
        `entry ${entry.seq} recorded ${entry.prev_hash} as the hash of entry ${prev.seq}, which now hashes to ${prev.hash}: entry ${prev.seq} was rewritten and re-hashed (or entries between them were removed and the rest renumbered)`,
      );
    }
    if (this.head !== null && entry.seq === this.head.seq) {
      if (entry.hash !== this.head.hash) {
        return fail(
          entry.seq,
          'edited',
          `entry ${entry.seq} hashes to ${entry.hash}, not the recorded head hash ${this.head.hash}: the chain was rewritten up to here`,
        );
      }
      this.headSeen = true;
    }
    return null;
  }

  private accept(entry: AuditEntry): void {
    this.prev = entry;
    this.count += 1;
    this.recentHashes.set(entry.hash, entry.seq);
    if (this.recentHashes.size > VERIFY_LOOKAHEAD_ENTRIES_MAX) {
      const oldest = this.recentHashes.keys().next();
      if (oldest.done !== true) this.recentHashes.delete(oldest.value);
    }
  }
}

/** Verifies entries read in stored (seq) order; see ChainVerifier for the rules and what each problem means. */
export function verifyChain(entries: Iterable<AuditEntry>, options: { head?: { seq: number; hash: string } } = {}): ChainVerdict {
  const verifier = new ChainVerifier(options.head ?? null);
  for (const entry of entries) {
    if (verifier.push(entry) !== null) break;
  }
  return verifier.finish();
}
