// What a signed batch delivered (issue 13, F4), on both engines: the batch keeps the records it stored (count, ids and a
// digest binding them to the signed body), sealed into the audit chain; `suanli usage verify` then names a record
// deleted, unlinked from its batch and edited, or whose batch's delivery list was rewritten — which it did not see
// before, because it looked only at the records that still pointed at their batch.
import { generateKeyPairSync, sign } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { formatSignatureHeader } from '../../src/domain/integrity/signature.js';
import { deliveredDigest, sortIds } from '../../src/domain/integrity/batch-delivery.js';
import { verifySignedUsage } from '../../src/service/usage-verify.js';
import { describeEachEngine } from '../support/engines.js';
import { createParties, testApi, usageRecord, type Parties, type TestApi } from '../support/api.js';

const now = Date.parse('2026-11-30T06:00:00Z');

describeEachEngine('what signed batches delivered', (db) => {
  let api: TestApi;
  let p: Parties;
  let batch_id = 0;
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');

  const codes = async () => (await verifySignedUsage(db().store)).problems.map((x) => `${x.code}${x.record_id === null ? '' : ` ${x.record_id}`}`).sort();

  it('stores the delivered ids, count and digest with the batch, and seals them into the audit chain', async () => {
    api = await testApi(db(), () => now);
    p = await createParties(api, 'delivery');
    // one record stored unsigned first: in the signed batch it is a duplicate, not delivered by it
    expect((await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records: [usageRecord(p, 'd-0')] } })).json().accepted).toBe(1);
    const reg = await api.call('POST', `/api/v1/providers/${p.provider_id}/signing-keys`, {
      key: p.provider_key,
      body: { label: 'k', public_key: publicKey.export({ format: 'pem', type: 'spki' }).toString() },
    });
    expect(reg.statusCode, reg.body).toBe(201);
    const key_id = reg.json().id as string;
    const body = JSON.stringify({ records: ['d-0', 'd-1', 'd-2', 'd-3', 'd-4'].map((id) => usageRecord(p, id)) });
    const res = await api.call('POST', '/api/v1/usage', {
      key: p.provider_key,
      raw: body,
      headers: { 'suanli-signature': formatSignatureHeader(key_id, sign(null, Buffer.from(body), privateKey)) },
    });
    expect(res.json()).toMatchObject({ accepted: 4, duplicates: 1 });
    // the ingest seals after answering; seal whatever is left as serve does at start, then check
    while ((await db().store.signingKeys.sealBatches(now)) > 0) {
      /* all */
    }
    const row = await db().store.connection.db.selectFrom('usage_batches').selectAll().executeTakeFirstOrThrow();
    batch_id = Number(row.id);
    const ids = ['d-1', 'd-2', 'd-3', 'd-4'];
    expect({ count: row.delivered_count, ids: JSON.parse(row.delivered_ids!) }).toEqual({ count: 4, ids });
    expect(row.delivered_digest).toBe(deliveredDigest(row.body_sha256, sortIds(ids))); // the writer thread's digest is the domain's
    expect(row.sealed_at_ms).not.toBeNull();
    const seal = await db().store.audit.list({ action: 'usage.batch_sealed' }, 10);
    expect(seal.map((e) => e.after)).toEqual([
      { provider_id: p.provider_id, key_id, body_sha256: row.body_sha256, delivered_count: 4, delivered_digest: row.delivered_digest },
    ]);
    expect(await codes()).toEqual([]);
  });

  it('names a deleted record, and a record unlinked from its batch and then edited', async () => {
    const conn = db().store.connection.db;
    await sql`delete from usage_records where provider_id = ${p.provider_id} and record_id = 'd-1'`.execute(conn);
    await sql`update usage_records set batch_id = null, amount_fen = 1 where provider_id = ${p.provider_id} and record_id = 'd-2'`.execute(conn);
    expect(await codes()).toEqual(['record_changed d-2', 'record_missing d-1', 'record_unlinked d-2']);
  });

  it("names a delivery list rewritten to hide the deletion, against the chain's seal", async () => {
    const conn = db().store.connection.db;
    const row = await conn.selectFrom('usage_batches').selectAll().where('id', '=', batch_id).executeTakeFirstOrThrow();
    const ids = ['d-3', 'd-4'];
    await sql`update usage_batches set delivered_ids = ${JSON.stringify(ids)}, delivered_count = 2, delivered_digest = ${deliveredDigest(row.body_sha256, ids)} where id = ${batch_id}`.execute(
      conn,
    );
    const got = await codes();
    expect(got).toContain('delivery_changed');
    expect(got).not.toContain('record_missing d-1'); // the list no longer names it: only the seal in the chain shows the change
  });
});
