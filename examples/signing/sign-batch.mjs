#!/usr/bin/env node
// Signs a suanli usage batch with a provider's Ed25519 private key and prints the Suanli-Signature header.
// It sends nothing. Node 20+, no dependencies.
//
//   node sign-batch.mjs --key private.pem --key-id sk_abcdefghijkmnpqrstuv batch.json
//   node sign-batch.mjs --key private.pem --key-id sk_abcdefghijkmnpqrstuv batch.json --url https://suanli.example/api/v1/usage
//
// The signature covers the file's bytes exactly as they are on disk: send that same file unchanged
// (curl --data-binary @batch.json), never a re-serialized copy. With --url it also prints a curl command line.
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: {
    key: { type: 'string' },
    'key-id': { type: 'string' },
    url: { type: 'string' },
  },
  allowPositionals: true,
});

if (!values.key || !values['key-id'] || positionals.length !== 1) {
  console.error('usage: node sign-batch.mjs --key <private.pem> --key-id <key id> <batch.json> [--url <usage endpoint>]');
  process.exit(2);
}
const keyId = values['key-id'];
if (!/^[A-Za-z0-9._:-]{1,128}$/.test(keyId)) {
  console.error('key id: 1..128 characters from A-Z a-z 0-9 . _ : -');
  process.exit(2);
}

const privateKey = createPrivateKey(readFileSync(values.key));
if (privateKey.asymmetricKeyType !== 'ed25519') {
  console.error(`the key is ${privateKey.asymmetricKeyType}; suanli accepts Ed25519 only (openssl genpkey -algorithm ed25519)`);
  process.exit(2);
}
const batchPath = positionals[0];
const body = readFileSync(batchPath); // a Buffer: the exact bytes, no decoding or re-encoding
const signature = sign(null, body, privateKey); // Ed25519 takes no digest algorithm
const header = `Suanli-Signature: keyId="${keyId}", sig="${signature.toString('base64')}"`;

console.log(header);
if (values.url) {
  const quote = (s) => `'${s.replaceAll("'", `'\\''`)}'`;
  console.log(
    [
      'curl',
      '-X',
      'POST',
      quote(values.url),
      '-H',
      quote('Content-Type: application/json'),
      '-H',
      '"Authorization: Bearer $SUANLI_API_KEY"',
      '-H',
      quote(header),
      '--data-binary',
      quote(`@${batchPath}`),
    ].join(' '),
  );
}
