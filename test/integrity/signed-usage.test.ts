// Signed usage batches, end to end: a provider registers an Ed25519 key and signs the exact bytes of each batch; a bad,
// unknown, revoked or malformed signature is refused with nothing stored, and so is an unsigned batch once the provider
// has a key; `suanli usage verify` finds stored records and batch bodies changed after the fact; a program that requires
// signed usage refuses unsigned batches for its enrolled enterprises and counts only signed records in its claims.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { formatSignatureHeader } from '../../src/domain/integrity/signature.js';
import { verifySignedUsage } from '../../src/service/usage-verify.js';
import { importUsageFile } from '../../src/cli/import-usage.js';
import { estimateClaim } from '../../src/service/claims.js';
import { admin_key, describeEachEngine, freshDatabase } from '../support/engines.js';
import { createParties, testApi, usageRecord, type Parties, type TestApi } from '../support/api.js';
import { repo_root, serverEnv } from '../durability/server-process.js';

const run = promisify(execFile);
const now = Date.parse('2026-11-29T12:00:00Z');

interface KeyPair {
  publicPem: string;
  privateKey: KeyObject;
}

function ed25519(): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(), privateKey };
}

function signatureHeader(key_id: string, privateKey: KeyObject, body: string): Record<string, string> {
  return { 'suanli-signature': formatSignatureHeader(key_id, sign(null, Buffer.from(body), privateKey)) };
}

async function registerKey(api: TestApi, provider_id: string, key: string, pair: KeyPair, label = 'main'): Promise<string> {
  const res = await api.call('POST', `/api/v1/providers/${provider_id}/signing-keys`, { key, body: { label, public_key: pair.publicPem } });
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { id: string }).id;
}

/** Posts exact bytes, signed with `pair` under `key_id` unless told otherwise. */
async function postSigned(api: TestApi, p: Parties, body: string, key_id: string, pair: KeyPair, header?: string) {
  const headers = header === undefined ? signatureHeader(key_id, pair.privateKey, body) : { 'suanli-signature': header };
  return api.call('POST', '/api/v1/usage', { key: p.provider_key, raw: body, headers });
}

function errorCode(res: { json(): unknown }): string {
  return (res.json() as { error: { code: string } }).error.code;
}

interface UsageView {
  record_id: string;
  amount_fen: number;
  signed: { batch_id: number; key_id: string } | null;
}

async function usageOf(api: TestApi, p: Parties): Promise<UsageView[]> {
  const res = await api.call('GET', `/api/v1/usage?provider_id=${p.provider_id}&limit=1000`);
  expect(res.statusCode).toBe(200);
  return (res.json() as { items: UsageView[] }).items;
}

// ---------------------------------------------------------------------------------------------------------------------
// 4. Signing keys and signed batches through the API

describeEachEngine('signed usage batches', (db) => {
  it('accepts a signed batch and refuses changed, unsigned, unknown-key, revoked-key and malformed ones, storing nothing', async () => {
    const api = await testApi(db(), () => now);
    const p = await createParties(api, 'signer');
    const other = await createParties(api, 'other');
    const pair = ed25519();
    const key_id = await registerKey(api, p.provider_id, p.provider_key, pair);
    const listed = await api.call('GET', `/api/v1/providers/${p.provider_id}/signing-keys`, { key: p.provider_key });
    expect((listed.json() as { items: { id: string; revoked_at: string | null }[] }).items).toEqual([
      expect.objectContaining({ id: key_id, revoked_at: null }),
    ]);

    const body = JSON.stringify({
      records: [usageRecord(p, 'signed-1'), usageRecord(p, 'signed-2', { started_at: '2026-10-02T00:00:00Z', ended_at: '2026-10-02T04:00:00Z' })],
    });
    const accepted = await postSigned(api, p, body, key_id, pair);
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    const stored = await usageOf(api, p);
    expect(stored.map((u) => u.record_id)).toEqual(['signed-1', 'signed-2']);
    const batch_id = stored[0]!.signed?.batch_id;
    expect(batch_id).toEqual(expect.any(Number));
    for (const u of stored) expect(u.signed).toEqual({ batch_id, key_id });
    const count = await db().store.usage.count();

    const refused = async (res: Awaited<ReturnType<TestApi['call']>>, status: number, code: string) => {
      expect(res.statusCode, res.body).toBe(status);
      expect(errorCode(res)).toBe(code);
      expect(await db().store.usage.count(), 'nothing stored').toBe(count);
    };

    // one byte changed (a new record id), the old signature: refused
    const changed = body.replace('signed-2', 'signed-3');
    expect(Buffer.from(changed).length).toBe(Buffer.from(body).length);
    await refused(await postSigned(api, p, changed, key_id, pair, signatureHeader(key_id, pair.privateKey, body)['suanli-signature']), 401, 'bad_signature');
    // the same JSON re-serialized (indented) after signing: the bytes differ, refused
    await refused(
      await postSigned(api, p, JSON.stringify(JSON.parse(body), null, 2), key_id, pair, signatureHeader(key_id, pair.privateKey, body)['suanli-signature']),
      401,
      'bad_signature',
    );
    // unsigned, now that the provider has a key
    await refused(
      await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records: [usageRecord(p, 'unsigned-1')] } }),
      422,
      'signature_required',
    );
    // an unknown key id; the key of another provider counts as unknown too
    const fresh = JSON.stringify({ records: [usageRecord(p, 'fresh-1', { started_at: '2026-10-03T00:00:00Z', ended_at: '2026-10-03T01:00:00Z' })] });
    await refused(await postSigned(api, p, fresh, 'sk_nosuchkey', pair), 401, 'bad_signature');
    const other_pair = ed25519();
    const other_key_id = await registerKey(api, other.provider_id, other.provider_key, other_pair);
    await refused(await postSigned(api, p, fresh, other_key_id, other_pair), 401, 'bad_signature');
    // a signature by another private key under this provider's key id
    await refused(await postSigned(api, p, fresh, key_id, other_pair), 401, 'bad_signature');
    // a revoked key
    const second = ed25519();
    const second_id = await registerKey(api, p.provider_id, p.provider_key, second, 'second');
    const revoked = await api.call('POST', `/api/v1/signing-keys/${second_id}/revoke`, { key: p.provider_key });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect((revoked.json() as { revoked_at: string | null }).revoked_at).toBe(new Date(now).toISOString());
    await refused(await postSigned(api, p, fresh, second_id, second), 401, 'bad_signature');
    expect((await api.call('POST', `/api/v1/signing-keys/${second_id}/revoke`, { key: p.provider_key })).statusCode).toBe(409);
    // malformed headers
    const good_sig = sign(null, Buffer.from(fresh), pair.privateKey).toString('base64');
    for (const header of [
      'garbage',
      `keyId=${key_id}, sig="${good_sig}"`,
      `keyId="${key_id}"`,
      `sig="${good_sig}"`,
      `keyId="${key_id}", sig="${good_sig}", alg="ed25519"`,
      `keyId="${key_id}", sig="${good_sig.slice(0, 40)}"`,
      `keyId="${key_id}", keyId="${key_id}", sig="${good_sig}"`,
      ' ',
    ]) {
      await refused(await postSigned(api, p, fresh, key_id, pair, header), 401, 'bad_signature');
    }
    // after all that, the same batch signed properly goes in (with the header's parameters in another order and case)
    const reordered = `SIG="${good_sig}" ,  keyid="${key_id}"`;
    const late = await postSigned(api, p, fresh, key_id, pair, reordered);
    expect(late.statusCode, late.body).toBe(200);
    expect(late.json()).toMatchObject({ accepted: 1 });
    expect(await db().store.usage.count()).toBe(count + 1);

    // registration refuses private keys and keys that are not Ed25519
    const private_pem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const rsa_pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const ec_pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    for (const public_key of [private_pem, rsa_pem, ec_pem, 'not a key', Buffer.alloc(31).toString('base64')]) {
      const res = await api.call('POST', `/api/v1/providers/${p.provider_id}/signing-keys`, { key: p.provider_key, body: { label: 'bad', public_key } });
      expect(res.statusCode, public_key.slice(0, 40)).toBe(422);
      expect(errorCode(res)).toBe('invalid_public_key');
    }
    // a raw 32-byte key in base64 is accepted and shown as such
    const raw = ed25519();
    const raw_b64 = raw.privateKey.export({ format: 'jwk' }).x!.replace(/-/g, '+').replace(/_/g, '/') + '=';
    const raw_res = await api.call('POST', `/api/v1/providers/${p.provider_id}/signing-keys`, {
      key: p.provider_key,
      body: { label: 'raw', public_key: raw_b64 },
    });
    expect(raw_res.statusCode, raw_res.body).toBe(201);
    expect((raw_res.json() as { public_key: string }).public_key).toBe(raw_b64);

    // another provider can neither register, list nor revoke this provider's keys; an enterprise may not register
    const foreign = await api.call('POST', `/api/v1/providers/${p.provider_id}/signing-keys`, {
      key: other.provider_key,
      body: { label: 'intruder', public_key: ed25519().publicPem },
    });
    expect(foreign.statusCode).toBe(404);
    expect((await api.call('GET', `/api/v1/providers/${p.provider_id}/signing-keys`, { key: other.provider_key })).statusCode).toBe(404);
    expect((await api.call('POST', `/api/v1/signing-keys/${key_id}/revoke`, { key: other.provider_key })).statusCode).toBe(404);
    expect(
      (
        await api.call('POST', `/api/v1/providers/${p.provider_id}/signing-keys`, {
          key: p.enterprise_key,
          body: { label: 'x', public_key: ed25519().publicPem },
        })
      ).statusCode,
    ).toBe(403);
    const keys = (await api.call('GET', `/api/v1/providers/${p.provider_id}/signing-keys`)).json() as { items: { id: string }[] };
    expect(keys.items.map((k) => k.id).sort()).toEqual([key_id, second_id, (raw_res.json() as { id: string }).id].sort());
    await api.app.close();
  });
});

// The signature rule is the provider API's (UsageIngest.admit); the operator's command line is exempt: it has direct
// database access and no provider key, and stores what it imports unsigned (docs/integrity.md).

describeEachEngine('the operator path is exempt from the signature rule', (db) => {
  it('HTTP refuses an unsigned batch of a provider with a key; `suanli import usage` stores the same records unsigned', async () => {
    const api = await testApi(db(), () => now);
    const p = await createParties(api, 'exempt');
    await registerKey(api, p.provider_id, p.provider_key, ed25519());
    const records = [usageRecord(p, 'op-1'), usageRecord(p, 'op-2', { started_at: '2026-10-02T00:00:00Z', ended_at: '2026-10-02T01:00:00Z' })];
    const refused = await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records } });
    expect(refused.statusCode).toBe(422);
    expect(errorCode(refused)).toBe('signature_required');
    expect(await usageOf(api, p)).toEqual([]);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-exempt-'));
    const file = path.join(dir, 'usage.jsonl');
    fs.writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const imported = await importUsageFile(db().store, db().config, { file, provider_id: p.provider_id, batch_records: 10, progress: false, out: () => {} });
    expect(imported).toMatchObject({ read: 2, accepted: 2, rejected: 0 });
    const stored = await usageOf(api, p);
    expect(stored.map((u) => [u.record_id, u.signed])).toEqual([
      ['op-1', null],
      ['op-2', null],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// 5. Verifying stored signed usage

/** A provider with a key and one signed batch of three records; returns the batch id. */
async function signedBatch(api: TestApi, label: string): Promise<{ p: Parties; batch_id: number }> {
  const p = await createParties(api, label);
  const pair = ed25519();
  const key_id = await registerKey(api, p.provider_id, p.provider_key, pair);
  const body = JSON.stringify({
    records: [1, 2, 3].map((d) => usageRecord(p, `${label}-${d}`, { started_at: `2026-09-0${d}T00:00:00Z`, ended_at: `2026-09-0${d}T02:00:00Z` })),
  });
  const res = await postSigned(api, p, body, key_id, pair);
  expect(res.statusCode, res.body).toBe(200);
  const batch_id = (await usageOf(api, p))[0]!.signed!.batch_id;
  return { p, batch_id };
}

describeEachEngine('verifying stored signed usage', (db) => {
  it('holds on clean data, then names a record changed in the table and a batch body changed', async () => {
    const api = await testApi(db(), () => now);
    const { p, batch_id } = await signedBatch(api, 'ver');
    // an unsigned provider's records are not the verifier's business
    const plain = await createParties(api, 'plain');
    expect((await api.call('POST', '/api/v1/usage', { key: plain.provider_key, body: { records: [usageRecord(plain, 'plain-1')] } })).statusCode).toBe(200);

    expect(await verifySignedUsage(db().store)).toEqual({ batches: 1, records: 3, problems: [] });

    const kdb = db().store.connection.db;
    await sql`update usage_records set amount_fen = amount_fen + 1 where provider_id = ${p.provider_id} and record_id = ${'ver-2'}`.execute(kdb);
    const after_record = await verifySignedUsage(db().store);
    expect(after_record.problems).toEqual([{ batch_id, code: 'record_changed', record_id: 'ver-2', message: expect.stringContaining('ver-2') }]);

    await sql`update usage_records set amount_fen = amount_fen - 1 where provider_id = ${p.provider_id} and record_id = ${'ver-2'}`.execute(kdb);
    expect((await verifySignedUsage(db().store)).problems).toEqual([]);

    const row = await kdb.selectFrom('usage_batches').select('body').where('id', '=', batch_id).executeTakeFirstOrThrow();
    const forged = Buffer.from(Buffer.from(row.body).toString('utf8').replace('"amount_fen":124800', '"amount_fen":999999'));
    await sql`update usage_batches set body = ${forged} where id = ${batch_id}`.execute(kdb);
    const after_body = await verifySignedUsage(db().store);
    const codes = after_body.problems.map((x) => x.code);
    expect(codes).toContain('body_changed');
    expect(codes).toContain('bad_signature');
    expect(after_body.problems.every((x) => x.batch_id === batch_id)).toBe(true);
    expect(after_body.problems.find((x) => x.code === 'body_changed')!.message).toContain(`batch ${batch_id}`);
    await api.app.close();
  });
});

describe('suanli usage verify (the command, on a SQLite file)', () => {
  it('holds on clean data, and exits 1 naming a record changed in the table', async () => {
    const { db, dispose } = await freshDatabase('sqlite');
    const api = await testApi(db, () => now);
    try {
      const { p, batch_id } = await signedBatch(api, 'cli');
      const env = { ...serverEnv({ database_url: null, data_dir: db.config.data_dir, admin_key }), SUANLI_LOG_LEVEL: 'silent' };
      const suanli = () => run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'usage', 'verify'], { env, cwd: repo_root });
      expect((await suanli()).stdout).toBe('1 signed batches, 3 records checked: all hold\n');

      await sql`update usage_records set amount_fen = amount_fen + 1 where provider_id = ${p.provider_id} and record_id = ${'cli-3'}`.execute(
        db.store.connection.db,
      );
      const failed = await suanli().then(
        () => null,
        (error: { code?: number; stdout?: string }) => error,
      );
      expect(failed, 'the command should fail').not.toBeNull();
      expect(failed!.code).toBe(1);
      expect(failed!.stdout).toBe(
        `record_changed: record cli-3 differs from what batch ${batch_id} signed\n1 signed batches, 3 records checked: 1 problem(s)\n`,
      );
    } finally {
      await api.app.close();
      await dispose();
    }
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------------------------------
// 6. Programs that require signed usage

function programBody(code: string, requires_signed_usage: boolean) {
  return {
    code,
    name_zh: '签名用量',
    name_en: 'Signed usage',
    kind: 'compute_rent',
    beneficiary_kind: 'enterprise',
    funding_layer: code,
    window: { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
    budget_fen: 10_000_000,
    requires_signed_usage,
    rule_set: { effective_from: '2026-01-01T00:00:00Z', rules: [{ id: 'all', match: {}, pay: { basis: 'bill', rate_bp: 3000 } }] },
  };
}

describeEachEngine('a program that requires signed usage', (db) => {
  it("takes the domestic share from all the period's usage, signed or not, whether estimated from usage groups or record by record", async () => {
    const api = await testApi(db(), () => now);
    const p = await createParties(api, 'share');
    const day = (d: number) => ({ started_at: `2026-10-${d}T00:00:00Z`, ended_at: `2026-10-${d}T02:00:00Z` });
    // unsigned foreign usage, then signed domestic usage: the signed-only program pays the domestic record, at a rate
    // whose tier bonus depends on the share of all the enterprise's usage (issue 17: the groups path must agree)
    const plain = await api.call('POST', '/api/v1/usage', {
      key: p.provider_key,
      body: { records: [usageRecord(p, 'share-foreign', { ...day(12), accelerator: 'nvidia-a800-80gb-pcie', amount_fen: 40_000 })] },
    });
    expect(plain.json()).toMatchObject({ accepted: 1 });
    const pair = ed25519();
    const key_id = await registerKey(api, p.provider_id, p.provider_key, pair);
    const body = JSON.stringify({ records: [usageRecord(p, 'share-domestic', { ...day(13), amount_fen: 20_000 })] });
    expect((await postSigned(api, p, body, key_id, pair)).json()).toMatchObject({ accepted: 1 });
    const definition = programBody('signed-share', true);
    definition.rule_set.rules = [
      { id: 'all', match: {}, pay: { basis: 'bill', rate_bp: 3000 }, tier_bonus: { domestic_share_bp_min: 9000, bonus_bp: 1000 } } as never,
    ];
    const program = (await api.call('POST', '/api/v1/programs', { body: definition })).json() as { id: string };
    const from = Date.parse('2026-09-30T16:00:00Z'); // October in Beijing: whole office days, read from the groups
    const to = Date.parse('2026-10-31T16:00:00Z');
    const fast = await estimateClaim(db().store, program.id, p.enterprise_id, from, to);
    const slow = await estimateClaim(db().store, program.id, p.enterprise_id, from, to, { records: true });
    expect([fast.source, slow.source]).toEqual(['groups', 'records']);
    expect(slow.evaluation.domestic_share_bp).toBeLessThan(9000); // the unsigned foreign usage counts in the share
    expect(fast.evaluation.domestic_share_bp).toBe(slow.evaluation.domestic_share_bp);
    const { record_subsidies: _a, ...f } = fast.evaluation;
    const { record_subsidies: _b, ...s } = slow.evaluation;
    expect(f).toEqual(s);
    expect(f.computed_fen).toBe(6_000n); // 30% of the signed 20,000 fen, no bonus
  });

  it('refuses unsigned batches for its enrolled enterprise and counts only signed records in estimates and claims', async () => {
    const api = await testApi(db(), () => now);
    const unsigned = await createParties(api, 'nokey'); // a provider without keys; its enterprise is the one enrolled
    const signer = await createParties(api, 'withkey'); // a provider that signs; its own enterprise stays out of the program
    const enterprise_id = unsigned.enterprise_id;
    const at = (day: number, hours = 2) => ({
      started_at: `2026-10-${String(day).padStart(2, '0')}T00:00:00Z`,
      ended_at: `2026-10-${String(day).padStart(2, '0')}T0${hours}:00:00Z`,
    });

    // before the program exists, unsigned usage of the enterprise is accepted
    const before = await api.call('POST', '/api/v1/usage', {
      key: unsigned.provider_key,
      body: { records: [usageRecord(unsigned, 'early-1', { ...at(5), amount_fen: 50_000 })] },
    });
    expect(before.statusCode, before.body).toBe(200);

    const created = await api.call('POST', '/api/v1/programs', { body: programBody('signed-only', true) });
    expect(created.statusCode, created.body).toBe(201);
    const program = created.json() as { id: string; requires_signed_usage: boolean };
    expect(program.requires_signed_usage).toBe(true);
    const plain_program = (await api.call('POST', '/api/v1/programs', { body: programBody('any-usage', false) })).json() as {
      id: string;
      requires_signed_usage: boolean;
    };
    expect(plain_program.requires_signed_usage).toBe(false);

    // not enrolled yet: still accepted
    const not_yet = await api.call('POST', '/api/v1/usage', {
      key: unsigned.provider_key,
      body: { records: [usageRecord(unsigned, 'early-2', { ...at(6), amount_fen: 60_000 })] },
    });
    expect(not_yet.statusCode, not_yet.body).toBe(200);

    const enrolled = await api.call('POST', `/api/v1/programs/${program.id}/enrollments`, { body: { beneficiary_id: enterprise_id } });
    expect(enrolled.statusCode, enrolled.body).toBe(201);

    // enrolled: an unsigned batch naming the enterprise is refused, whole, even beside another enterprise's record
    const count = await db().store.usage.count();
    for (const records of [
      [usageRecord(unsigned, 'late-1', at(7))],
      [usageRecord({ cluster_id: unsigned.cluster_id, enterprise_id: signer.enterprise_id }, 'late-2', at(7)), usageRecord(unsigned, 'late-3', at(8))],
    ]) {
      const res = await api.call('POST', '/api/v1/usage', { key: unsigned.provider_key, body: { records } });
      expect(res.statusCode, res.body).toBe(422);
      expect(errorCode(res)).toBe('signature_required');
      expect((res.json() as { error: { message: string } }).error.message).toContain('signed-only');
    }
    expect(await db().store.usage.count()).toBe(count);
    // an unsigned batch of this provider for an enterprise that is not enrolled is still fine
    const elsewhere = await api.call('POST', '/api/v1/usage', {
      key: unsigned.provider_key,
      body: { records: [usageRecord({ cluster_id: unsigned.cluster_id, enterprise_id: signer.enterprise_id }, 'other-ent', at(7))] },
    });
    expect(elsewhere.statusCode, elsewhere.body).toBe(200);

    // the signing provider reports two records of the enterprise, signed
    const pair = ed25519();
    const key_id = await registerKey(api, signer.provider_id, signer.provider_key, pair);
    const body = JSON.stringify({
      records: [10, 11].map((d) => usageRecord({ cluster_id: signer.cluster_id, enterprise_id }, `signed-${d}`, { ...at(d), amount_fen: 10_000 })),
    });
    const signed = await postSigned(api, signer, body, key_id, pair);
    expect(signed.statusCode, signed.body).toBe(200);
    expect(signed.json()).toMatchObject({ accepted: 2 });

    const period = { period_start: '2026-10-01T00:00:00Z', period_end: '2026-11-01T00:00:00Z' };
    // the program counts only the two signed records; a program without the requirement counts all four
    const estimate = await api.call('POST', `/api/v1/programs/${program.id}/estimate`, { body: { ...period, beneficiary_id: enterprise_id } });
    expect(estimate.statusCode, estimate.body).toBe(200);
    expect(estimate.json()).toMatchObject({ records: 2 });
    const plain_estimate = await api.call('POST', `/api/v1/programs/${plain_program.id}/estimate`, { body: { ...period, beneficiary_id: enterprise_id } });
    expect(plain_estimate.json()).toMatchObject({ records: 4 });

    const claim = await api.call('POST', '/api/v1/claims', { key: unsigned.enterprise_key, body: { program_id: program.id, ...period } });
    expect(claim.statusCode, claim.body).toBe(201);
    expect(claim.json()).toMatchObject({ records: 2, computed_fen: '6000' }); // 30% of 2 × 10,000 fen
    const plain_claim = await api.call('POST', '/api/v1/claims', { key: unsigned.enterprise_key, body: { program_id: plain_program.id, ...period } });
    expect(plain_claim.json()).toMatchObject({ records: 4, computed_fen: '39000' }); // 30% of (50,000 + 60,000 + 20,000)

    // the enterprise's provider without keys still cannot report for it unsigned while the program runs
    const still = await api.call('POST', '/api/v1/usage', { key: unsigned.provider_key, body: { records: [usageRecord(unsigned, 'late-4', at(20))] } });
    expect(errorCode(still)).toBe('signature_required');
    // nor by hiding the enrolled enterprise behind a thousand other enterprise ids in one batch
    const crowd = Array.from({ length: 1200 }, (_, i) =>
      usageRecord({ cluster_id: unsigned.cluster_id, enterprise_id: `e_made_up_${i}` }, `crowd-${i}`, at(21)),
    );
    const hidden = await api.call('POST', '/api/v1/usage', {
      key: unsigned.provider_key,
      body: { records: [...crowd, usageRecord(unsigned, 'late-5', at(21))] },
    });
    expect(errorCode(hidden)).toBe('signature_required');
    await api.app.close();
  });

  it('lets unsigned batches in again once the program window has ended', async () => {
    const later = Date.parse('2027-02-01T00:00:00Z');
    const api = await testApi(db(), () => later);
    const p = await createParties(api, 'ended');
    const created = await api.call('POST', '/api/v1/programs', { body: programBody('signed-ended', true) });
    expect(created.statusCode, created.body).toBe(201);
    expect(
      (await api.call('POST', `/api/v1/programs/${(created.json() as { id: string }).id}/enrollments`, { body: { beneficiary_id: p.enterprise_id } }))
        .statusCode,
    ).toBe(201);
    const res = await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records: [usageRecord(p, 'after-end')] } });
    expect(res.statusCode, res.body).toBe(200);
    await api.app.close();
  });
});
