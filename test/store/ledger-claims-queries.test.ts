// The bounded reads the exports use, on both engines: a program's transfers of a period [from, to) with a row limit, the
// available budget before a period as one sum, and a claims count that agrees with paging through `list`.
import { expect, it } from 'vitest';
import { operator_actor } from '../../src/store/audit-repository.js';
import { transferAccounts, type TransferKind } from '../../src/domain/ledger/ledger.js';
import type { ClaimState } from '../../src/domain/claim/claim-state.js';
import { period_transfers_max } from '../../src/store/ledger-repository.js';
import type { ClaimFilter } from '../../src/store/claim-repository.js';
import { report_rows_max } from '../../src/report/report.js';
import { describeEachEngine } from '../support/engines.js';
import { creditCode } from '../support/api.js';

const t0_ms = Date.parse('2026-03-01T00:00:00Z');
const hour_ms = 3_600_000;

describeEachEngine('ledger and claims queries', (db) => {
  const program_id = 'prog_ledger_queries';
  const other_program_id = 'prog_ledger_other';
  let serial = 0;

  /** Inserts a transfer row as applyTransfer leaves it (the balances are not read here). */
  async function transfer(program: string, kind: TransferKind, amount_fen: number, at_ms: number): Promise<void> {
    const { debit, credit } = transferAccounts(kind, program, kind === 'fund' || kind === 'recover' ? null : 'ent_1');
    await db()
      .store.connection.db.insertInto('ledger_transfers')
      .values({
        key: `${kind}:${++serial}`,
        kind,
        program_id: program,
        claim_id: null,
        debit_account: debit,
        credit_account: credit,
        amount_fen,
        at_ms,
      })
      .execute();
  }

  it('answers the transfers of [from, to) in ledger order: at from is in, at to is out', async () => {
    // Inserted out of time order: the answer is in id order, as transfers() answers.
    await transfer(program_id, 'fund', 1_000_000, t0_ms + 5 * hour_ms); // 1: after the period
    await transfer(program_id, 'fund', 500_000, t0_ms); // 2: before
    await transfer(program_id, 'approve', 200_000, t0_ms + hour_ms); // 3: exactly at from
    await transfer(program_id, 'pay', 150_000, t0_ms + 2 * hour_ms); // 4: inside
    await transfer(program_id, 'release', 50_000, t0_ms + 3 * hour_ms - 1); // 5: last ms inside
    await transfer(program_id, 'recover', 10_000, t0_ms + 3 * hour_ms); // 6: exactly at to
    await transfer(other_program_id, 'fund', 7, t0_ms + 2 * hour_ms); // another program's

    const ledger = db().store.ledger;
    const all = await ledger.transfers({ program_id });
    const { transfers, more } = await ledger.transfersInPeriod({ program_id, from_ms: t0_ms + hour_ms, to_ms: t0_ms + 3 * hour_ms }, 10);
    expect(more).toBe(false);
    expect(transfers.map((t) => t.kind)).toEqual(['approve', 'pay', 'release']);
    expect(transfers).toEqual(all.filter((t) => t.at_ms >= t0_ms + hour_ms && t.at_ms < t0_ms + 3 * hour_ms));

    // from null: since the first transfer.
    const since = await ledger.transfersInPeriod({ program_id, from_ms: null, to_ms: t0_ms + 3 * hour_ms }, 10);
    expect(since.transfers.map((t) => t.kind)).toEqual(['fund', 'approve', 'pay', 'release']);
    expect(since.transfers.map((t) => t.id)).toEqual([...since.transfers.map((t) => t.id)].sort((a, b) => a - b));
    expect((await ledger.transfersInPeriod({ program_id: 'prog_none', from_ms: null, to_ms: t0_ms * 2 }, 10)).transfers).toEqual([]);
  });

  it('stops at the row limit and says there is more', async () => {
    const ledger = db().store.ledger;
    const period = { program_id, from_ms: t0_ms + hour_ms, to_ms: t0_ms + 3 * hour_ms }; // three transfers
    const at = await ledger.transfersInPeriod(period, 3);
    expect(at.more).toBe(false);
    expect(at.transfers).toHaveLength(3);
    const past = await ledger.transfersInPeriod(period, 2);
    expect(past.more).toBe(true);
    expect(past.transfers).toEqual(at.transfers.slice(0, 2));
    await expect(ledger.transfersInPeriod(period, 0)).rejects.toThrow(/rows_max/);
    await expect(ledger.transfersInPeriod(period, period_transfers_max + 1)).rejects.toThrow(/rows_max/);
    // A ledger statement may ask for a whole export's rows.
    expect(report_rows_max).toBeLessThanOrEqual(period_transfers_max);
    expect((await ledger.transfersInPeriod(period, report_rows_max)).more).toBe(false);
  });

  it('sums the changes to the available account before a time, strictly before', async () => {
    const ledger = db().store.ledger;
    // fund +500 000 at t0; approve −200 000 at t0+1h; pay does not touch available; release +50 000; recover +10 000 at t0+3h;
    // fund +1 000 000 at t0+5h.
    expect(await ledger.availableBefore(program_id, t0_ms)).toBe(0n);
    expect(await ledger.availableBefore(program_id, t0_ms + 1)).toBe(500_000n);
    expect(await ledger.availableBefore(program_id, t0_ms + hour_ms)).toBe(500_000n);
    expect(await ledger.availableBefore(program_id, t0_ms + hour_ms + 1)).toBe(300_000n);
    expect(await ledger.availableBefore(program_id, t0_ms + 3 * hour_ms)).toBe(350_000n);
    expect(await ledger.availableBefore(program_id, t0_ms + 3 * hour_ms + 1)).toBe(360_000n);
    expect(await ledger.availableBefore(program_id, t0_ms + 10 * hour_ms)).toBe(1_360_000n);
    expect(await ledger.availableBefore(other_program_id, t0_ms + 10 * hour_ms)).toBe(7n);
    expect(await ledger.availableBefore('prog_none', t0_ms + 10 * hour_ms)).toBe(0n);
    // The same as the naive sum over every transfer.
    const available = `${program_id}:available`;
    for (const before_ms of [t0_ms + 2 * hour_ms, t0_ms + 6 * hour_ms]) {
      const naive = (await ledger.transfers({ program_id }))
        .filter((t) => t.at_ms < before_ms)
        .reduce((s, t) => s + (t.credit === available ? t.amount_fen : 0n) - (t.debit === available ? t.amount_fen : 0n), 0n);
      expect(await ledger.availableBefore(program_id, before_ms)).toBe(naive);
    }
  });

  it('counts the claims list selects over all its pages, with the same filter', async () => {
    const store = db().store;
    const orgs: string[] = [];
    for (const name of ['Count A', 'Count B']) {
      const org = await store.organizations.create(
        { kind: 'enterprise', name, credit_code: creditCode(), region: '310000', sector: 'large_models', size: 'small' },
        operator_actor,
        t0_ms,
      );
      orgs.push(org!.id);
    }
    const programs = ['prog_count_1', 'prog_count_2'];
    for (const id of programs) {
      await store.connection.db
        .insertInto('programs')
        .values({
          id,
          code: id,
          name_zh: id,
          name_en: id,
          kind: 'compute_rent',
          source: null,
          beneficiary_kind: 'enterprise',
          funding_layer: `layer_${id}`,
          window_start_ms: t0_ms,
          window_end_ms: t0_ms + 1000 * hour_ms,
          budget_fen: 1_000_000,
          cap_share_bp: null,
          cap_fen: null,
          cap_fen_year: null,
          support_months: null,
          first_stage_bp: 10_000,
          eligibility: '{}',
          requires_signed_usage: 0,
          created_at_ms: t0_ms,
        })
        .execute();
    }
    const states: ClaimState[] = ['draft', 'submitted', 'approved'];
    let n = 0;
    for (const program of programs) {
      for (const beneficiary of orgs) {
        for (const state of states) {
          for (let k = 0; k < (state === 'draft' ? 3 : 1); k++) {
            await store.connection.db
              .insertInto('claims')
              .values({
                id: `clm_count_${String(++n).padStart(3, '0')}`,
                program_id: program,
                beneficiary_id: beneficiary,
                funding_layer: `layer_${program}`,
                period_start_ms: t0_ms,
                period_end_ms: t0_ms + hour_ms,
                state,
                rule_set_version: 1,
                records: 0,
                base_fen: 0,
                computed_fen: 0,
                granted_fen: 0,
                paid_fen: 0,
                clawed_back_fen: 0,
                first_record_at_ms: null,
                progress_report_accepted: 0,
                explanation: '{}',
                created_at_ms: t0_ms,
                updated_at_ms: t0_ms,
              })
              .execute();
          }
        }
      }
    }
    const listed = async (filter: ClaimFilter) => {
      let total = 0;
      let after: string | undefined;
      for (;;) {
        const page = await store.claims.list(filter, 4, after);
        total += page.length;
        if (page.length < 4) return total;
        after = page[page.length - 1]!.id;
      }
    };
    const filters: ClaimFilter[] = [
      { program_id: programs[0] },
      { beneficiary_id: orgs[1] },
      { state: 'draft' },
      { program_id: programs[1], state: 'approved' },
      { program_id: programs[0], beneficiary_id: orgs[0], state: 'draft' },
      { program_id: 'prog_none' },
      { state: 'paid' },
    ];
    for (const filter of filters) expect(await store.claims.count(filter), JSON.stringify(filter)).toBe(await listed(filter));
    expect(await store.claims.count({ program_id: programs[0] })).toBe(10);
    expect(await store.claims.count({ program_id: programs[0], beneficiary_id: orgs[0], state: 'draft' })).toBe(3);
    expect(await store.claims.count({ state: 'paid' })).toBe(0);
    expect(await store.claims.count({})).toBeGreaterThanOrEqual(20);
  });
});
