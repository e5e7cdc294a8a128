// The audit chain's head, signed with the office's Ed25519 key and published outside the database (docs/integrity.md):
// whoever can rewrite the database can cut the newest entries off and move the head row back, and the chain still
// verifies on its own; a head published earlier cannot be taken back, so a chain shorter than it, or one that holds
// another entry at its seq (a fork), is caught. Pure: node:crypto only, the time is passed in.
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { rawPublicKeyBase64 } from '../integrity/signature.js';

export const head_kind = 'suanli.audit_head.v1';

export interface SignedHead {
  kind: typeof head_kind;
  seq: number;
  hash: string;
  /** When the head was read (RFC 3339, UTC). */
  at: string;
  /** The office's public key, raw 32 bytes in base64: which key signed (trust comes from the verifier's own copy). */
  public_key: string;
  /** Ed25519 over headMessage(seq, hash, at), base64. */
  signature: string;
}

/** The exact bytes signed: kind, seq, hash and time, one per line. */
export function headMessage(seq: number, hash: string, at: string): Buffer {
  return Buffer.from(`${head_kind}\n${seq}\n${hash}\n${at}`, 'utf8');
}

export function signHead(head: { seq: number; hash: string }, at_ms: number, private_key: KeyObject): SignedHead {
  const at = new Date(at_ms).toISOString();
  const signature = sign(null, headMessage(head.seq, head.hash, at), private_key).toString('base64');
  return { kind: head_kind, seq: head.seq, hash: head.hash, at, public_key: rawPublicKeyBase64(createPublicKey(private_key)), signature };
}

export type HeadParse = { ok: true; head: SignedHead } | { ok: false; message: string };

/** Reads a published head (JSON) and checks its signature against the verifier's trusted public key. */
export function readSignedHead(text: string, trusted: KeyObject): HeadParse {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, message: 'the head is not JSON' };
  }
  const h = v as Partial<SignedHead>;
  if (typeof v !== 'object' || v === null || h.kind !== head_kind) return { ok: false, message: `the head is not a ${head_kind} object` };
  if (!Number.isSafeInteger(h.seq) || (h.seq as number) < 0) return { ok: false, message: "the head's seq is not a whole number" };
  if (typeof h.hash !== 'string' || !/^[0-9a-f]{64}$/.test(h.hash)) return { ok: false, message: "the head's hash is not 64 hex digits" };
  if (typeof h.at !== 'string' || Number.isNaN(Date.parse(h.at))) return { ok: false, message: "the head's time is not an instant" };
  if (typeof h.signature !== 'string' || typeof h.public_key !== 'string') return { ok: false, message: 'the head carries no signature' };
  if (h.public_key !== rawPublicKeyBase64(trusted)) return { ok: false, message: "the head was signed with another key than the office's" };
  const good = verify(null, headMessage(h.seq!, h.hash, h.at), trusted, Buffer.from(h.signature, 'base64'));
  if (!good) return { ok: false, message: "the head's signature does not verify under the office's key" };
  return { ok: true, head: h as SignedHead };
}

export type HeadVerdict = { ok: true; message: string } | { ok: false; problem: 'truncated' | 'forked'; message: string };

/**
 * The stored chain against a published head: `entry` is the stored entry at the published seq (null when there is
 * none), `current` the chain's head now. The chain must reach the published seq and hold the published hash there.
 */
export function checkAgainstHead(
  published: { seq: number; hash: string; at?: string },
  entry: { seq: number; hash: string } | null,
  current: { seq: number },
): HeadVerdict {
  const when = published.at === undefined ? '' : ` at ${published.at}`;
  if (published.seq === 0) return { ok: true, message: 'the published head is the empty chain' };
  if (entry === null || current.seq < published.seq) {
    return {
      ok: false,
      problem: 'truncated',
      message: `the chain ends at seq ${current.seq}, but seq ${published.seq} was published${when}: entries were removed`,
    };
  }
  if (entry.hash !== published.hash) {
    return {
      ok: false,
      problem: 'forked',
      message: `entry ${published.seq} hashes to ${entry.hash}, but ${published.hash} was published${when}: the chain was rewritten from there or before`,
    };
  }
  return { ok: true, message: `the chain holds the head published${when} (seq ${published.seq})` };
}
