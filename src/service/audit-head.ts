// The audit head outside the database: signed with the office's Ed25519 key (a PEM file that is not in the database,
// SUANLI_AUDIT_KEY_FILE), published on a schedule to SUANLI_AUDIT_PUBLISH_URL (another office's receiver or a
// transparency log over HTTP(S), or a file:// append-only log on storage the database's host cannot rewrite), and
// checked by `suanli audit verify --head FILE` and GET /api/v1/audit/verify?head=SEQ:HASH.
import fs from 'node:fs';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { checkAgainstHead, readSignedHead, signHead, type HeadVerdict, type SignedHead } from '../domain/audit/head.js';
import { publicKeyFromText } from '../domain/integrity/signature.js';
import type { ChainVerdict } from '../domain/audit/chain.js';
import type { Store } from '../store/store.js';

/** Limits: a published-heads file read at most this far from its end; an HTTP publish waits this long. */
export const heads_file_tail_bytes_max = 1024 * 1024;
export const publish_timeout_ms = 10_000;

export class AuditHeadError extends Error {}

/** Writes a new Ed25519 private key (PKCS#8 PEM, mode 0600); refuses to overwrite. Returns its public key. */
export function generateOfficeKey(file: string): KeyObject {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  fs.writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  return publicKey;
}

export function loadOfficeKey(file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AuditHeadError(`the office key ${file} cannot be read as a private key: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new AuditHeadError(`the office key ${file} is ${key.asymmetricKeyType}, not Ed25519`);
  return key;
}

/** The trusted public key: a PEM/base64 public key file, else the public half of the office key file. */
export function trustedPublicKey(options: { public_key_file?: string | null; office_key_file?: string | null }): KeyObject {
  if (options.public_key_file) {
    const parsed = publicKeyFromText(fs.readFileSync(options.public_key_file, 'utf8'));
    if (!parsed.ok) throw new AuditHeadError(`${options.public_key_file}: ${parsed.message}`);
    return parsed.key;
  }
  if (options.office_key_file) return createPublicKey(loadOfficeKey(options.office_key_file));
  throw new AuditHeadError('no key to check the head with: pass --public-key FILE or set SUANLI_AUDIT_KEY_FILE');
}

export async function currentSignedHead(store: Store, key: KeyObject, now_ms: number): Promise<SignedHead> {
  return signHead(await store.audit.head(), now_ms, key);
}

/**
 * The newest head in a file of published heads: one JSON object, or JSON Lines as the file:// publisher appends them
 * (the line with the highest seq counts; every line must carry a good signature, a bad one is an error).
 */
export function readPublishedHeads(file: string, trusted: KeyObject): SignedHead {
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r');
  let text: string;
  try {
    const length = Math.min(size, heads_file_tail_bytes_max);
    const buf = Buffer.alloc(length);
    fs.readSync(fd, buf, 0, length, size - length);
    text = buf.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
  // one JSON object (as `suanli audit head` prints it), else JSON Lines; a window that starts mid-file drops its first line
  let whole = false;
  try {
    JSON.parse(text);
    whole = true;
  } catch {
    /* JSON Lines */
  }
  const lines = whole
    ? [text]
    : text
        .split('\n')
        .slice(size > heads_file_tail_bytes_max ? 1 : 0)
        .filter((l) => l.trim() !== '');
  let newest: SignedHead | null = null;
  for (const [i, line] of lines.entries()) {
    const r = readSignedHead(line, trusted);
    if (!r.ok) throw new AuditHeadError(`${file}${lines.length > 1 ? ` (head ${i + 1} of the ${lines.length} read)` : ''}: ${r.message}`);
    if (newest === null || r.head.seq >= newest.seq) newest = r.head;
  }
  if (newest === null) throw new AuditHeadError(`${file} holds no published head`);
  return newest;
}

/** Publishes one signed head: POST as JSON to an http(s) URL, or appended as a line (fsync'd) to a file:// log. */
export async function publishHead(url: string, head: SignedHead): Promise<void> {
  const body = JSON.stringify(head);
  if (url.startsWith('file:')) {
    const fd = fs.openSync(fileURLToPath(url), 'a', 0o644);
    try {
      fs.writeSync(fd, `${body}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return;
  }
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(publish_timeout_ms) });
  await res.arrayBuffer();
  if (!res.ok) throw new AuditHeadError(`publishing the audit head to ${url} answered ${res.status}`);
}

/** Publishes the head every interval when it moved; a failure is logged and tried again at the next tick. */
export function startHeadPublisher(
  store: Store,
  options: { key: KeyObject; url: string; interval_ms: number; now?: () => number },
  log: { info(o: object, m: string): void; warn(o: object, m: string): void },
): { stop(): Promise<void>; tick(): Promise<void> } {
  const now = options.now ?? Date.now;
  let last: string | null = null;
  let running: Promise<void> | null = null;
  const tick = async () => {
    const head = await store.audit.head();
    const id = `${head.seq}:${head.hash}`;
    if (id === last) return;
    const signed = signHead(head, now(), options.key);
    await publishHead(options.url, signed);
    last = id;
    log.info({ seq: head.seq, hash: head.hash }, 'published the audit head');
  };
  const run = () => {
    if (running !== null) return;
    running = tick()
      .catch((error: unknown) => log.warn({ err: error }, 'publishing the audit head failed; trying again at the next interval'))
      .finally(() => {
        running = null;
      });
  };
  run();
  const timer = setInterval(run, options.interval_ms);
  timer.unref();
  return {
    tick,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

export type AuditVerdict = (ChainVerdict & { head: { seq: number; hash: string } }) & { published: HeadVerdict | null };

/** The chain on its own, then against a published head when one is given: both must hold. */
export async function verifyAudit(store: Store, published: { seq: number; hash: string; at?: string } | null): Promise<AuditVerdict> {
  const chain = await store.audit.verify();
  if (published === null) return { ...chain, published: null };
  const entry = await store.audit.entryAt(published.seq);
  return { ...chain, published: checkAgainstHead(published, entry, chain.head) };
}
