import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  formatSignatureHeader,
  parseSignatureHeader,
  publicKeyFromText,
  rawPublicKeyBase64,
  SIGNATURE_HEADER_BYTES_MAX,
  verifyBatchSignature,
} from './signature.js';

const pair = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const KEY_ID = 'prov-2025-01';

const batch = { provider_batch_id: 'b-1', records: [{ record_id: 'r-1', model: 'Ascend 910B', cards: 8, start: '2025-01-01T00:00:00Z' }] };
const body = Buffer.from(JSON.stringify(batch, null, 2), 'utf8');

function headerFor(bytes: Uint8Array, key: KeyObject = pair.privateKey, key_id = KEY_ID): string {
  return formatSignatureHeader(key_id, sign(null, bytes, key));
}

const keys = new Map<string, KeyObject | string>([[KEY_ID, pair.publicKey]]);
const SIG64 = Buffer.alloc(64, 7).toString('base64');

describe('parseSignatureHeader', () => {
  it('reads keyId and sig in either order, with or without spaces, names case-insensitively', () => {
    for (const value of [`keyId="k1", sig="${SIG64}"`, `sig="${SIG64}",keyId="k1"`, ` \tKEYID = "k1" ,  SIG="${SIG64}" `]) {
      const parsed = parseSignatureHeader(value);
      expect(parsed).toEqual({ key_id: 'k1', signature: Buffer.alloc(64, 7) });
    }
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    [`keyId="k1"; sig="${SIG64}"`, 'syntax'],
    [`keyId=k1, sig="${SIG64}"`, 'syntax'],
    [`keyId="k1", sig="${SIG64}",`, 'syntax'],
    [`keyId="k1" sig="${SIG64}"`, 'syntax'],
    [`keyId="k\\"1", sig="${SIG64}"`, 'syntax'],
    [`keyId="k,1", sig="${SIG64}"`, 'syntax'],
    [`keyId="k1", sig="${SIG64}", alg="ed25519"`, 'unknown_param'],
    [`keyId="k1", keyId="k2", sig="${SIG64}"`, 'duplicate_param'],
    [`keyId="k1", sig="${SIG64}", sig="${SIG64}"`, 'duplicate_param'],
    [`sig="${SIG64}"`, 'missing_key_id'],
    ['keyId="k1"', 'missing_sig'],
    [`keyId="", sig="${SIG64}"`, 'bad_key_id'],
    [`keyId="key id", sig="${SIG64}"`, 'bad_key_id'],
    [`keyId="${'k'.repeat(129)}", sig="${SIG64}"`, 'bad_key_id'],
    ['keyId="k1", sig=""', 'bad_base64'],
    ['keyId="k1", sig="!!!!"', 'bad_base64'],
    [`keyId="k1", sig="${SIG64.replace(/=+$/, '')}"`, 'bad_base64'],
    [`keyId="k1", sig="${Buffer.alloc(64, 255).toString('base64url')}"`, 'bad_base64'],
    [`keyId="k1", sig="${Buffer.alloc(63).toString('base64')}"`, 'bad_signature_length'],
    [`keyId="k1", sig="${Buffer.alloc(65).toString('base64')}"`, 'bad_signature_length'],
    [`keyId="k1", sig="${SIG64}", x="${'a'.repeat(SIGNATURE_HEADER_BYTES_MAX)}"`, 'too_long'],
  ])('rejects %j as %s', (value, code) => {
    const parsed = parseSignatureHeader(value);
    expect('error' in parsed && parsed.error).toBe(code);
    expect('message' in parsed && parsed.message.length).toBeGreaterThan(0);
  });

  it('accepts a key id of exactly 128 characters and a header just under the byte limit', () => {
    const key_id = 'k'.repeat(128);
    expect(parseSignatureHeader(`keyId="${key_id}", sig="${SIG64}"`)).toMatchObject({ key_id });
    const padded = `keyId="k1", sig="${SIG64}"`;
    const atLimit = padded + ' '.repeat(SIGNATURE_HEADER_BYTES_MAX - padded.length);
    expect(parseSignatureHeader(atLimit)).toMatchObject({ key_id: 'k1' });
    expect(parseSignatureHeader(`${atLimit} `)).toMatchObject({ error: 'too_long' });
  });
});

describe('publicKeyFromText', () => {
  const pem = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const raw = rawPublicKeyBase64(pair.publicKey);

  it('reads PEM SPKI and raw base64, giving the same key', () => {
    const fromPem = publicKeyFromText(pem);
    const fromRaw = publicKeyFromText(`  ${raw}\n`);
    expect(fromPem.ok && fromRaw.ok).toBe(true);
    if (!fromPem.ok || !fromRaw.ok) return;
    expect(fromPem.key.equals(pair.publicKey)).toBe(true);
    expect(fromRaw.key.equals(pair.publicKey)).toBe(true);
    expect(Buffer.from(raw, 'base64')).toHaveLength(32);
  });

  it.each([
    ['empty', '', 'empty'],
    ['a private key', pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), 'private_key'],
    ['an RSA key', generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }).toString(), 'not_ed25519'],
    ['a broken PEM', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----', 'pem_unreadable'],
    ['a certificate', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', 'pem_not_public_key'],
    ['31 raw bytes', Buffer.alloc(31, 1).toString('base64'), 'raw_length'],
    ['33 raw bytes', Buffer.alloc(33, 1).toString('base64'), 'raw_length'],
    ['not base64', 'hello world', 'not_base64'],
    ['too long', 'A'.repeat(5000), 'too_long'],
  ])('refuses %s', (_name, text, code) => {
    const read = publicKeyFromText(text);
    expect(read.ok ? 'ok' : read.problem.reason).toBe(code);
  });
});

describe('verifyBatchSignature', () => {
  it('accepts a batch signed with the registered key', () => {
    expect(verifyBatchSignature(body, headerFor(body), keys)).toEqual({ status: 'valid', key_id: KEY_ID });
  });

  it('accepts a key registered as PEM or raw base64 text', () => {
    const pem = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const raw = rawPublicKeyBase64(pair.publicKey);
    expect(verifyBatchSignature(body, headerFor(body), new Map([[KEY_ID, pem]]))).toMatchObject({ status: 'valid' });
    expect(verifyBatchSignature(body, headerFor(body), new Map([[KEY_ID, raw]]))).toMatchObject({ status: 'valid' });
  });

  it('finds the right key among several', () => {
    const several = new Map<string, KeyObject | string>([
      ['old', other.publicKey],
      [KEY_ID, pair.publicKey],
    ]);
    expect(verifyBatchSignature(body, headerFor(body), several)).toMatchObject({ status: 'valid', key_id: KEY_ID });
    expect(verifyBatchSignature(body, headerFor(body, other.privateKey, 'old'), several)).toMatchObject({ status: 'valid', key_id: 'old' });
  });

  it('rejects a body with one byte changed', () => {
    const header = headerFor(body);
    for (const i of [0, Math.floor(body.length / 2), body.length - 1]) {
      const changed = Buffer.from(body);
      changed[i] = (changed[i] ?? 0) ^ 1;
      expect(verifyBatchSignature(changed, header, keys)).toMatchObject({ status: 'bad_signature', key_id: KEY_ID });
    }
    expect(verifyBatchSignature(Buffer.concat([body, Buffer.from('\n')]), header, keys)).toMatchObject({ status: 'bad_signature' });
  });

  it('rejects the same JSON re-serialized with different whitespace: the exact bytes are signed', () => {
    const compact = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8'))), 'utf8');
    expect(JSON.parse(compact.toString('utf8'))).toEqual(JSON.parse(body.toString('utf8')));
    expect(verifyBatchSignature(compact, headerFor(body), keys)).toMatchObject({ status: 'bad_signature' });
  });

  it('rejects a signature by another key under the registered key id', () => {
    expect(verifyBatchSignature(body, headerFor(body, other.privateKey), keys)).toMatchObject({ status: 'bad_signature' });
  });

  it('answers unknown_key for a key id not registered, or registered but unusable', () => {
    expect(verifyBatchSignature(body, headerFor(body, pair.privateKey, 'someone-else'), keys)).toMatchObject({ status: 'unknown_key', key_id: 'someone-else' });
    expect(verifyBatchSignature(body, headerFor(body), new Map())).toMatchObject({ status: 'unknown_key' });
    expect(verifyBatchSignature(body, headerFor(body), new Map([[KEY_ID, 'garbage']]))).toMatchObject({ status: 'unknown_key' });
    expect(verifyBatchSignature(body, headerFor(body), new Map([[KEY_ID, pair.privateKey]]))).toMatchObject({ status: 'unknown_key' });
  });

  it('answers missing without a header and malformed with a reason code for a bad one', () => {
    expect(verifyBatchSignature(body, undefined, keys)).toMatchObject({ status: 'missing' });
    expect(verifyBatchSignature(body, null, keys)).toMatchObject({ status: 'missing' });
    expect(verifyBatchSignature(body, [], keys)).toMatchObject({ status: 'missing' });
    expect(verifyBatchSignature(body, '', keys)).toMatchObject({ status: 'malformed', reason: 'empty' });
    expect(verifyBatchSignature(body, [headerFor(body), headerFor(body)], keys)).toMatchObject({ status: 'malformed', reason: 'duplicate_param' });
    expect(verifyBatchSignature(body, `keyId="${KEY_ID}", sig="%%%"`, keys)).toMatchObject({ status: 'malformed', reason: 'bad_base64' });
    expect(verifyBatchSignature(body, `keyId="${KEY_ID}"`, keys)).toMatchObject({ status: 'malformed', reason: 'missing_sig' });
  });

  it('rejects a signature that has been tampered with', () => {
    const sig = sign(null, body, pair.privateKey);
    sig[10] = (sig[10] ?? 0) ^ 0x80;
    expect(verifyBatchSignature(body, formatSignatureHeader(KEY_ID, sig), keys)).toMatchObject({ status: 'bad_signature' });
  });
});

describe('examples/signing/sign-batch.mjs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'suanli-sign-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const script = resolve(import.meta.dirname, '../../../examples/signing/sign-batch.mjs');
  const keyPath = join(dir, 'private.pem');
  const batchPath = join(dir, 'batch.json');
  writeFileSync(keyPath, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }));
  writeFileSync(batchPath, body);

  function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 20_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it('prints a header that verifies against the body file', () => {
    const out = run(['--key', keyPath, '--key-id', KEY_ID, batchPath]);
    expect(out.status).toBe(0);
    const line = out.stdout.trim().split('\n')[0] ?? '';
    expect(line.startsWith('Suanli-Signature: ')).toBe(true);
    const value = line.slice('Suanli-Signature: '.length);
    expect(verifyBatchSignature(body, value, keys)).toEqual({ status: 'valid', key_id: KEY_ID });
  });

  it('prints a curl command that sends the file bytes unchanged', () => {
    const out = run(['--key', keyPath, '--key-id', KEY_ID, batchPath, '--url', 'http://localhost:8080/api/v1/usage']);
    expect(out.status).toBe(0);
    const curl = out.stdout.trim().split('\n')[1] ?? '';
    expect(curl).toContain('curl -X POST');
    expect(curl).toContain(`--data-binary '@${batchPath}'`);
    expect(curl).toContain('Suanli-Signature: keyId=');
  });

  it('refuses to run without a key id and refuses a non-Ed25519 key', () => {
    expect(run(['--key', keyPath, batchPath]).status).toBe(2);
    const rsaPath = join(dir, 'rsa.pem');
    writeFileSync(rsaPath, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const out = run(['--key', rsaPath, '--key-id', KEY_ID, batchPath]);
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('Ed25519');
  });

  const hasOpenssl = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasOpenssl)('agrees with the openssl commands in the README', () => {
    const opensslKey = join(dir, 'openssl.pem');
    const pubPath = join(dir, 'openssl-pub.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', opensslKey]);
    execFileSync('openssl', ['pkey', '-in', opensslKey, '-pubout', '-out', pubPath]);
    const sig = execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', opensslKey, '-rawin', '-in', batchPath]);
    const registered = new Map([['ossl', execFileSync('cat', [pubPath], { encoding: 'utf8' })]]);
    expect(verifyBatchSignature(body, formatSignatureHeader('ossl', sig), registered)).toEqual({ status: 'valid', key_id: 'ossl' });
    const out = run(['--key', opensslKey, '--key-id', 'ossl', batchPath]);
    expect(out.stdout.trim()).toBe(`Suanli-Signature: ${formatSignatureHeader('ossl', sig)}`);
  });
});
