// Replacing usage records (migration 0013, src/store/usage/replacement.ts), on both engines: all or nothing; refused
// when what is replaced changed since it was read or is claimed; a signed batch's superseded records still verify as
// delivered and unchanged; a claim gathered before a replacement does not take a record the replacement superseded.
import { generateKeyPairSync, sign } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { createParties, testApi, usageRecord, type Parties, type TestApi } from '../support/api.js';
import { UsageIngest } from '../../src/ingest/usage-pipeline.js';
import { formatSignatureHeader } from '../../src/domain/integrity/signature.js';
import { verifySignedUsage } from '../../src/service/usage-verify.js';
import { estimateClaim } from '../../src/service/claims.js';
import { ClaimRecordsTaken } from '../../src/store/claim-repository.js';
import type { UsageInput } from '../../src/domain/usage/validate-usage.js';

const now = Date.parse('2026-11-29T12:00:00Z');

describeEachEngine('usage replacement', (db) => {
  let api: TestApi;
  let p: Parties;
  let ingest: UsageIngest;
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  let key_id = '';
  let claim_id = '';
  const signed = (body: string) => ({
    key: p.provider_key,
    raw: body,
    headers: { 'suanli-signature': formatSignatureHeader(key_id, sign(null, Buffer.from(body), privateKey)) },
  });
  const problems = async () => (await verifySignedUsage(db().store)).problems.map((x) => `${x.code} ${x.record_id}`).sort();
  const stored = async (id: string): Promise<UsageInput> => {
    const [r] = (await db().store.usage.list({ provider_id: p.provider_id }, 1000)).filter((x) => x.record_id === id);
    if (r === undefined) throw new Error(`${id} is not stored`);
    return r;
  };
  const ids = async () => (await db().store.usage.list({ provider_id: p.provider_id }, 1000)).map((r) => r.record_id).sort();

  it("supersedes a signed batch's record: the batch still verifies, the rollups move, the chain says so", async () => {
    api = await testApi(db(), () => now);
    p = await createParties(api, 'replace');
    ingest = new UsageIngest(db().store, db().config);
    const reg = await api.call('POST', `/api/v1/providers/${p.provider_id}/signing-keys`, {
      key: p.provider_key,
      body: { label: 'k', public_key: publicKey.export({ format: 'pem', type: 'spki' }).toString() },
    });
    key_id = reg.json().id as string;
    const body = JSON.stringify({ records: ['s-1', 's-2'].map((id) => usageRecord(p, id)) });
    const res = await api.call('POST', '/api/v1/usage', signed(body));
    expect(res.json()).toMatchObject({ accepted: 2 });
    while ((await db().store.signingKeys.sealBatches(now)) > 0) {
      /* all */
    }

    const before = await db().store.usage.summary('provider', { provider_id: p.provider_id });
    const result = await ingest.replace(
      p.provider_id,
      [await stored('s-1')],
      [usageRecord(p, 's-1.r1', { ended_at: '2026-10-01T03:00:00Z', amount_fen: 57_600 })],
      now,
      'test',
    );
    expect(result).toMatchObject({ ok: true });
    expect(await ids()).toEqual(['s-1.r1', 's-2']);
    const [after] = await db().store.usage.summary('provider', { provider_id: p.provider_id });
    expect([after!.records, after!.amount_fen]).toEqual([2, before[0]!.amount_fen - 124_800n + 57_600n]);
    expect((await verifySignedUsage(db().store)).problems).toEqual([]);
    const [entry] = await db().store.audit.list({ action: 'usage.replace' }, 10);
    expect(entry).toMatchObject({
      before: { records: [{ record_id: 's-1', amount_fen: 124_800 }] },
      after: { reason: 'test', records: [{ record_id: 's-1.r1', amount_fen: 57_600 }] },
    });
  });

  it('stores nothing when a record fails a check, what it replaces changed since it was read, or a new id was used before', async () => {
    const s2 = await stored('s-2');
    const bad = await ingest.replace(p.provider_id, [s2], [usageRecord(p, 's-2.r1'), usageRecord(p, 's-2.r2', { count: 65 })], now, 'test');
    expect(bad).toMatchObject({
      ok: false,
      rejected: [
        { index: 0, code: 'replacement_refused' },
        { index: 1, code: 'count_exceeds_inventory' },
      ],
    });
    const stale = await ingest.replace(p.provider_id, [{ ...s2, amount_fen: 1 }], [usageRecord(p, 's-2.r1')], now, 'test');
    expect(stale).toMatchObject({
      ok: false,
      rejected: [{ code: 'replacement_refused', message: expect.stringMatching(/^conflict: record s-2 is no longer stored as it was read/) }],
    });
    const reused = await ingest.replace(p.provider_id, [s2], [usageRecord(p, 's-1')], now, 'test'); // s-1 is superseded, its id stays taken
    expect(reused).toMatchObject({ ok: false, rejected: [{ message: expect.stringMatching(/^conflict: record_id s-1 is already stored/) }] });
    expect(await ids()).toEqual(['s-1.r1', 's-2']);
  });

  it('a claim gathered before a replacement does not take the superseded record; a claimed record is not replaced', async () => {
    const program = await api.call('POST', '/api/v1/programs', {
      body: {
        code: 'replace-voucher',
        name_zh: '测试算力券',
        name_en: 'Test compute voucher',
        kind: 'compute_rent',
        beneficiary_kind: 'enterprise',
        funding_layer: 'replace-layer',
        window: { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
        budget_fen: 10_000_000,
        first_stage_bp: 5000,
        rule_set: { effective_from: '2026-01-01T00:00:00Z', rules: [{ id: 'domestic', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 3000 } }] },
      },
    });
    const program_id = (program.json() as { id: string }).id;
    const from = Date.parse('2026-10-01T00:00:00Z'),
      to = Date.parse('2026-11-01T00:00:00Z');
    const seen = await db().store.claims.replacementWatermark();
    const e = await estimateClaim(db().store, program_id, p.enterprise_id, from, to, { records: true });
    expect(e.records).toHaveLength(2);
    expect(
      await ingest.replace(
        p.provider_id,
        [await stored('s-2')],
        [usageRecord(p, 's-2.r1', { ended_at: '2026-10-01T01:00:00Z', amount_fen: 19_200 })],
        now,
        'test',
      ),
    ).toMatchObject({ ok: true });
    const actor = { org_id: p.enterprise_id, key_id: null, role: 'enterprise' as const };
    await expect(
      db().store.claims.create(
        {
          program: e.program,
          beneficiary_id: p.enterprise_id,
          period_start_ms: from,
          period_end_ms: to,
          rule_set_version: e.rule_set_version,
          evaluation: { ...e.evaluation, record_subsidies: e.evaluation.record_subsidies! },
          records: e.records!,
          replacements_seen: seen,
        },
        actor,
        now,
      ),
    ).rejects.toBeInstanceOf(ClaimRecordsTaken);
    // filed through the API, the claim gathers again and holds what stands
    const claim = await api.call('POST', '/api/v1/claims', {
      key: p.enterprise_key,
      body: { program_id, period_start: '2026-10-01T00:00:00Z', period_end: '2026-11-01T00:00:00Z' },
    });
    expect(claim.statusCode, claim.body).toBe(201);
    expect(claim.json()).toMatchObject({ records: 2 });
    claim_id = (claim.json() as { id: string }).id;
    const claimed = await ingest.replace(p.provider_id, [await stored('s-2.r1')], [usageRecord(p, 's-2.r2')], now, 'test');
    expect(claimed).toMatchObject({ ok: false, rejected: [{ message: expect.stringMatching(/^record_claimed: record s-2.r1 is part of a claim/) }] });
    expect(await ids()).toEqual(['s-1.r1', 's-2.r1']);
  });

  it('a provider replaces through the API, signed, once the claim is withdrawn: a signed batch of its own, verified like any other', async () => {
    const withdrawn = await api.call('POST', `/api/v1/claims/${claim_id}/withdraw`, { key: p.enterprise_key });
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    const unsigned = await api.call('POST', '/api/v1/usage/replacements', {
      key: p.provider_key,
      body: { replaces: ['s-1.r1'], records: [usageRecord(p, 's-1.r2')], reason: 'x' },
    });
    expect(unsigned.statusCode).toBe(422); // the provider has a signing key: unsigned is refused
    expect(unsigned.json().error.code).toBe('signature_required');
    const missing = await api.call(
      'POST',
      '/api/v1/usage/replacements',
      signed(JSON.stringify({ replaces: ['s-404'], records: [usageRecord(p, 's-1.r2')], reason: 'x' })),
    );
    expect(missing.statusCode).toBe(422);
    expect(missing.json().error).toMatchObject({
      code: 'replacement_refused',
      details: [{ field: 'replaces[0]', message: 'not a standing record of this provider' }],
    });
    const body = JSON.stringify({
      replaces: ['s-1.r1'],
      records: [usageRecord(p, 's-1.r2', { ended_at: '2026-10-01T02:00:00Z', amount_fen: 38_400 })],
      reason: 'the job ended at 02:00',
    });
    const res = await api.call('POST', '/api/v1/usage/replacements', signed(body));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ replaced: 1, accepted: 1 });
    expect(await ids()).toEqual(['s-1.r2', 's-2.r1']);
    const listed = (await api.call('GET', '/api/v1/usage', { key: p.provider_key })).json().items as { record_id: string; signed: unknown }[];
    expect(listed.find((r) => r.record_id === 's-1.r2')!.signed).toMatchObject({ key_id });
    expect(await problems()).toEqual([]);
  });

  it('names a record moved out of the standing records without a replacement, and a superseded record edited', async () => {
    const conn = db().store.connection;
    const [row] = await conn.db.selectFrom('usage_records').selectAll().where('provider_id', '=', p.provider_id).where('record_id', '=', 's-2.r1').execute();
    const xid = conn.engine === 'postgres' ? sql.raw(', xid') : sql.raw('');
    await sql`INSERT INTO usage_superseded (seq, provider_id, record_id, cluster_id, enterprise_id, accelerator_id, count, started_at_ms, ended_at_ms, amount_fen,
      job_ref, workload, energy_wh, card_s, compute_gflop, received_at_ms, batch_id${xid}, replacement_id, superseded_at_ms)
      SELECT seq, provider_id, record_id, cluster_id, enterprise_id, accelerator_id, count, started_at_ms, ended_at_ms, amount_fen,
      job_ref, workload, energy_wh, card_s, compute_gflop, received_at_ms, batch_id${xid}, 999, 0 FROM usage_records WHERE seq = ${row!.seq}`.execute(conn.db);
    await sql`DELETE FROM claim_records WHERE record_seq = ${row!.seq}`.execute(conn.db);
    await sql`DELETE FROM usage_records WHERE seq = ${row!.seq}`.execute(conn.db);
    await sql`UPDATE usage_superseded SET amount_fen = 1 WHERE provider_id = ${p.provider_id} AND record_id = 's-1'`.execute(conn.db);
    expect(await problems()).toEqual(['record_changed s-1', 'replacement_unaudited s-2.r1', 'superseded_changed s-1']);
  });
});
