// Provider batch signatures: an Ed25519 signature over the exact bytes of a usage batch's body, named by the key id
// the provider registered, so suanli can later prove who reported what. Pure (node:crypto only, no I/O).
//
// Header (one line, HTTP field `Suanli-Signature`):
//   Suanli-Signature: keyId="<key id>", sig="<base64 signature>"
// - parameters are `name="value"` pairs separated by commas; spaces and tabs around names, '=' and commas are
//   ignored; parameter names are matched case-insensitively; order does not matter;
// - exactly one keyId and one sig; any other parameter, a repeated one, or an unquoted value is malformed;
// - keyId: 1..128 characters from A-Z a-z 0-9 . _ : - (values never need escaping);
// - sig: standard base64 (RFC 4648 section 4, '+' and '/', '=' padding required) of the 64-byte Ed25519
//   signature (PureEd25519, RFC 8032: no pre-hashing, no context) over the body bytes exactly as sent.
// The canonical form of a batch is therefore just "the bytes you send": suanli never re-serializes the JSON
// before checking, so re-indenting or reordering the JSON after signing breaks the signature.

import { createPublicKey, verify, type KeyObject } from 'node:crypto';

export const SIGNATURE_HEADER_NAME = 'Suanli-Signature';
/** Longest header value accepted; a valid one is about 130 bytes plus the key id. */
export const SIGNATURE_HEADER_BYTES_MAX = 1024;
export const KEY_ID_CHARS_MAX = 128;
/** Longest public-key text accepted by publicKeyFromText (a PEM SPKI Ed25519 key is 113 bytes). */
export const PUBLIC_KEY_TEXT_BYTES_MAX = 4096;
export const ED25519_SIGNATURE_BYTES = 64;
export const ED25519_PUBLIC_KEY_BYTES = 32;

/** Why a header is malformed (stable codes). */
export type SignatureHeaderError =
  | 'empty'
  | 'too_long'
  | 'syntax'
  | 'unknown_param'
  | 'duplicate_param'
  | 'missing_key_id'
  | 'missing_sig'
  | 'bad_key_id'
  | 'bad_base64'
  | 'bad_signature_length';

export type ParsedSignatureHeader = { key_id: string; signature: Buffer } | { error: SignatureHeaderError; message: string };

export type BatchSignatureCheck =
  | { status: 'valid'; key_id: string }
  | { status: 'missing'; message: string }
  | { status: 'malformed'; reason: SignatureHeaderError; message: string }
  | { status: 'unknown_key'; key_id: string; message: string }
  | { status: 'bad_signature'; key_id: string; message: string };

/** Why a public key text is refused, as named parameters (the refusal invalid_public_key). */
export type PublicKeyProblem =
  | { reason: 'empty' }
  | { reason: 'too_long'; bytes_max: number }
  | { reason: 'private_key' }
  | { reason: 'pem_not_public_key' }
  | { reason: 'pem_unreadable' }
  | { reason: 'not_base64' }
  | { reason: 'raw_length'; bytes: number; bytes_expected: number }
  | { reason: 'raw_invalid' }
  | { reason: 'not_ed25519'; key_type: string };

/** A refused key: the problem, and the same in English for operators' tools (the API writes its own message). */
export type PublicKeyParse = { ok: true; key: KeyObject } | { ok: false; problem: PublicKeyProblem; message: string };

const KEY_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// name OWS "=" OWS quoted-value: values hold no '"' or '\', so no escapes exist.
const PARAM = /^[ \t]*([A-Za-z][A-Za-z0-9_-]*)[ \t]*=[ \t]*"([^"\\]*)"[ \t]*$/;
// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): SEQUENCE { SEQUENCE { OID 1.3.101.112 } BIT STRING }.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function headerError(error: SignatureHeaderError, message: string): ParsedSignatureHeader {
  return { error, message };
}

/** Parses a `Suanli-Signature` header value (see the module comment for the grammar). */
export function parseSignatureHeader(value: string): ParsedSignatureHeader {
  if (value.trim() === '') return headerError('empty', 'the signature header is empty');
  if (Buffer.byteLength(value, 'utf8') > SIGNATURE_HEADER_BYTES_MAX) {
    return headerError('too_long', `the signature header is longer than ${SIGNATURE_HEADER_BYTES_MAX} bytes`);
  }
  let key_id: string | null = null;
  let sig: string | null = null;
  // Splitting on ',' is safe: neither a key id nor base64 contains a comma, and a quoted comma fails PARAM below.
  for (const part of value.split(',')) {
    const match = PARAM.exec(part);
    if (match === null) {
      return headerError('syntax', `expected name="value" pairs separated by commas, got ${JSON.stringify(part.trim())}`);
    }
    const name = (match[1] ?? '').toLowerCase();
    const paramValue = match[2] ?? '';
    if (name === 'keyid') {
      if (key_id !== null) return headerError('duplicate_param', 'keyId is given more than once');
      key_id = paramValue;
    } else if (name === 'sig') {
      if (sig !== null) return headerError('duplicate_param', 'sig is given more than once');
      sig = paramValue;
    } else {
      return headerError('unknown_param', `unknown parameter ${JSON.stringify(match[1])}; only keyId and sig are defined`);
    }
  }
  if (key_id === null) return headerError('missing_key_id', 'the signature header has no keyId');
  if (sig === null) return headerError('missing_sig', 'the signature header has no sig');
  if (!KEY_ID.test(key_id)) {
    return headerError('bad_key_id', `keyId must be 1..${KEY_ID_CHARS_MAX} characters from A-Z a-z 0-9 . _ : -`);
  }
  if (sig === '' || !BASE64.test(sig)) return headerError('bad_base64', 'sig is not standard padded base64');
  const signature = Buffer.from(sig, 'base64');
  if (signature.length !== ED25519_SIGNATURE_BYTES) {
    return headerError('bad_signature_length', `sig decodes to ${signature.length} bytes; an Ed25519 signature is ${ED25519_SIGNATURE_BYTES}`);
  }
  return { key_id, signature };
}

/** Formats the header value a provider sends; the inverse of parseSignatureHeader. */
export function formatSignatureHeader(key_id: string, signature: Uint8Array): string {
  return `keyId="${key_id}", sig="${Buffer.from(signature).toString('base64')}"`;
}

/**
 * Reads a provider's public key: PEM SubjectPublicKeyInfo ("-----BEGIN PUBLIC KEY-----", as `openssl pkey -pubout`
 * writes) or the raw 32-byte key in standard base64. Only Ed25519 keys are accepted, and a private key is refused
 * (a provider pasting one has leaked it).
 */
export function publicKeyFromText(text: string): PublicKeyParse {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, problem: { reason: 'empty' }, message: 'the public key is empty' };
  if (Buffer.byteLength(trimmed, 'utf8') > PUBLIC_KEY_TEXT_BYTES_MAX) {
    return {
      ok: false,
      problem: { reason: 'too_long', bytes_max: PUBLIC_KEY_TEXT_BYTES_MAX },
      message: `the public key text is longer than ${PUBLIC_KEY_TEXT_BYTES_MAX} bytes`,
    };
  }
  if (/PRIVATE KEY/.test(trimmed)) {
    return {
      ok: false,
      problem: { reason: 'private_key' },
      message: 'this is a private key: register the public key (openssl pkey -pubout) and keep the private key secret',
    };
  }
  let key: KeyObject;
  if (trimmed.startsWith('-----BEGIN')) {
    if (!trimmed.startsWith('-----BEGIN PUBLIC KEY-----')) {
      return { ok: false, problem: { reason: 'pem_not_public_key' }, message: 'expected a PEM "PUBLIC KEY" block (SubjectPublicKeyInfo)' };
    }
    try {
      key = createPublicKey({ key: trimmed, format: 'pem', type: 'spki' });
    } catch {
      return { ok: false, problem: { reason: 'pem_unreadable' }, message: 'the PEM public key cannot be read' };
    }
  } else {
    if (!BASE64.test(trimmed)) {
      return { ok: false, problem: { reason: 'not_base64' }, message: 'expected a PEM public key or the raw 32-byte key in standard base64' };
    }
    const raw = Buffer.from(trimmed, 'base64');
    if (raw.length !== ED25519_PUBLIC_KEY_BYTES) {
      return {
        ok: false,
        problem: { reason: 'raw_length', bytes: raw.length, bytes_expected: ED25519_PUBLIC_KEY_BYTES },
        message: `the base64 key decodes to ${raw.length} bytes; a raw Ed25519 public key is ${ED25519_PUBLIC_KEY_BYTES}`,
      };
    }
    try {
      key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    } catch {
      return { ok: false, problem: { reason: 'raw_invalid' }, message: 'the raw key is not a valid Ed25519 public key' };
    }
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    return {
      ok: false,
      problem: { reason: 'not_ed25519', key_type: key.asymmetricKeyType ?? 'unknown' },
      message: `the key is ${key.asymmetricKeyType ?? 'of unknown type'}; only Ed25519 keys are accepted`,
    };
  }
  return { ok: true, key };
}

/** The raw 32-byte public key in base64 (how suanli shows a registered key). */
export function rawPublicKeyBase64(key: KeyObject): string {
  const der = key.export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - ED25519_PUBLIC_KEY_BYTES).toString('base64');
}

/**
 * Checks the signature header of a batch against the provider's registered keys. `header` is the header value as
 * received (undefined or null when absent); `body` is the request body exactly as received. Whether an unsigned
 * batch is acceptable is the program's decision, not this function's: it answers 'missing'.
 */
export function verifyBatchSignature(
  body: Uint8Array,
  header: string | string[] | null | undefined,
  keys: ReadonlyMap<string, KeyObject | string>,
): BatchSignatureCheck {
  if (header === undefined || header === null) return { status: 'missing', message: `no ${SIGNATURE_HEADER_NAME} header` };
  if (Array.isArray(header)) {
    if (header.length === 0) return { status: 'missing', message: `no ${SIGNATURE_HEADER_NAME} header` };
    return { status: 'malformed', reason: 'duplicate_param', message: `${SIGNATURE_HEADER_NAME} is sent more than once` };
  }
  const parsed = parseSignatureHeader(header);
  if ('error' in parsed) return { status: 'malformed', reason: parsed.error, message: parsed.message };
  const registered = keys.get(parsed.key_id);
  if (registered === undefined) {
    return { status: 'unknown_key', key_id: parsed.key_id, message: `key ${JSON.stringify(parsed.key_id)} is not registered for this provider` };
  }
  let key: KeyObject;
  if (typeof registered === 'string') {
    const read = publicKeyFromText(registered);
    if (!read.ok) {
      return { status: 'unknown_key', key_id: parsed.key_id, message: `registered key ${JSON.stringify(parsed.key_id)} is unusable: ${read.message}` };
    }
    key = read.key;
  } else {
    key = registered;
  }
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') {
    return { status: 'unknown_key', key_id: parsed.key_id, message: `registered key ${JSON.stringify(parsed.key_id)} is not an Ed25519 public key` };
  }
  // Ed25519 takes no digest: the algorithm argument must be null.
  const valid = verify(null, body, key, parsed.signature);
  if (!valid) {
    return {
      status: 'bad_signature',
      key_id: parsed.key_id,
      message: `the signature does not match the body bytes under key ${JSON.stringify(parsed.key_id)}`,
    };
  }
  return { status: 'valid', key_id: parsed.key_id };
}
