// The ledger against the audit chain (issue 13, F5), on both engines: an approval and a payment inflated in the
// transfers, the balances and the claim row alike keep every ledger invariant and leave the chain verifying — but they
// differ from the amounts the chain recorded, and GET /ledger/check, `suanli ledger check` and `suanli verify` say so.
import { expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeEachEngine } from '../support/engines.js';
import { createParties, testApi, usageRecord, type Parties, type TestApi } from '../support/api.js';
import { checkLedger } from '../../src/domain/ledger/ledger.js';
import { verifyAll } from '../../src/service/verify-all.js';

const now = Date.parse('2026-11-30T02:00:00Z');

describeEachEngine('ledger against the audit chain', (db) => {
  let api: TestApi;
  let p: Parties;
  let claim_id = '';

  it('agrees on an honest ledger', async () => {
    api = await testApi(db(), () => now);
    p = await createParties(api, 'chain');
    const program = await api.call('POST', '/api/v1/programs', {
      body: {
        code: 'chain-voucher',
        name_zh: '账链测试算力券',
        name_en: 'Chain voucher',
        kind: 'compute_rent',
        beneficiary_kind: 'enterprise',
        funding_layer: 'chain-layer',
        window: { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
        budget_fen: 1_000_000,
        first_stage_bp: 5000,
        rule_set: { effective_from: '2026-01-01T00:00:00Z', rules: [{ id: 'domestic', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 3000 } }] },
      },
    });
    expect(program.statusCode, program.body).toBe(201);
    expect((await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records: [usageRecord(p, 'c1')] } })).json().accepted).toBe(1);
    const claim = await api.call('POST', '/api/v1/claims', {
      key: p.enterprise_key,
      body: { program_id: program.json().id, period_start: '2026-10-01T00:00:00Z', period_end: '2026-11-01T00:00:00Z' },
    });
    claim_id = claim.json().id;
    await api.call('POST', `/api/v1/claims/${claim_id}/submit`, { key: p.enterprise_key, body: {} });
    expect((await api.call('POST', `/api/v1/claims/${claim_id}/approve`, { body: { reason: 'checked' } })).statusCode).toBe(200);
    expect((await api.call('POST', `/api/v1/claims/${claim_id}/pay`, { body: {} })).statusCode).toBe(200);
    expect((await api.call('GET', '/api/v1/ledger/check')).json()).toEqual({ ok: true, problems: [] });
    const all = await verifyAll(db().store);
    expect(all.ok, JSON.stringify(all.lines)).toBe(true);
    expect(all.lines.find((l) => l.check === 'chain')!.message).toMatch(/agree with the audit chain: \d+ transfers, 1 claims/);
  });

  it('catches an approval and a payment inflated consistently in transfers, balances and the claim row', async () => {
    const conn = db().store.connection.db;
    const x = 50_000;
    await sql`update ledger_transfers set amount_fen = amount_fen + ${x} where claim_id = ${claim_id} and kind in ('approve', 'pay')`.execute(conn);
    await sql`update ledger_accounts set balance_fen = balance_fen - ${x} where id like '%:available'`.execute(conn);
    await sql`update ledger_accounts set balance_fen = balance_fen + ${x} where id like '%:paid'`.execute(conn);
    await sql`update claims set granted_fen = granted_fen + ${x}, paid_fen = paid_fen + ${x} where id = ${claim_id}`.execute(conn);
    // the invariants alone and the chain alone are blind to it
    const store = db().store;
    expect(checkLedger(await store.ledger.transfers(), await store.ledger.balances(), await store.claims.amounts())).toEqual([]);
    expect((await api.call('GET', '/api/v1/audit/verify')).json()).toMatchObject({ ok: true });
    // against the chain it shows
    const check = (await api.call('GET', '/api/v1/ledger/check')).json() as { ok: boolean; problems: { code: string; subject: string; message: string }[] };
    expect(check.ok).toBe(false);
    expect(check.problems.map((q) => q.code).sort()).toEqual(['claim_differs', 'transfer_differs', 'transfer_differs']);
    expect(check.problems.find((q) => q.code === 'claim_differs')!.message).toMatch(
      new RegExp(`claim ${claim_id}: stored granted_fen \\d+, the chain says \\d+; paid_fen \\d+, the chain says \\d+`),
    );
    const all = await verifyAll(store);
    expect(all.ok).toBe(false);
    expect(all.lines.filter((l) => l.check === 'chain' && !l.ok)).toHaveLength(3);
  });

  it('catches a transfer deleted with its balances, and a claim row deleted', async () => {
    const conn = db().store.connection.db;
    const pay = await conn
      .selectFrom('ledger_transfers')
      .select(['key', 'amount_fen'])
      .where('claim_id', '=', claim_id)
      .where('kind', '=', 'pay')
      .executeTakeFirstOrThrow();
    await sql`delete from ledger_transfers where key = ${pay.key}`.execute(conn);
    const codes = ((await api.call('GET', '/api/v1/ledger/check')).json() as { problems: { code: string }[] }).problems.map((q) => q.code);
    expect(codes).toContain('transfer_missing');
    await sql`delete from claim_events where claim_id = ${claim_id}`.execute(conn);
    await sql`delete from claim_records where claim_id = ${claim_id}`.execute(conn);
    await sql`update ledger_transfers set claim_id = null where claim_id = ${claim_id}`.execute(conn);
    await sql`delete from claims where id = ${claim_id}`.execute(conn);
    const after = ((await api.call('GET', '/api/v1/ledger/check')).json() as { problems: { code: string }[] }).problems.map((q) => q.code);
    expect(after).toContain('claim_missing');
  });
});
