// A reader that follows GET /api/v1/usage's next_cursor while providers write sees every record exactly once, also on
// PostgreSQL where a transaction may commit after one that took a later seq (issue 13). Transactions are held open on
// purpose so that they commit out of seq order; then many clients ingest at once while a reader follows.
import pg from 'pg';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { createParties, testApi, usageRecord, type Parties, type TestApi } from '../support/api.js';

/** A follower: pages from its cursor; an empty or short page leaves it where it is, to try again later. */
class Follower {
  cursor: string | null = null;
  readonly seen: string[] = [];
  constructor(
    private readonly api: TestApi,
    private readonly provider_id: string,
    private readonly limit: number,
  ) {}
  async drain(): Promise<void> {
    for (let pages = 0; pages < 10_000; pages++) {
      const q = new URLSearchParams({ provider_id: this.provider_id, limit: String(this.limit), ...(this.cursor === null ? {} : { cursor: this.cursor }) });
      const res = await this.api.call('GET', `/api/v1/usage?${q.toString()}`);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { items: { record_id: string }[]; next_cursor: string | null };
      // only a full page moves the cursor: a short one is read again from the same place next time
      if (body.next_cursor === null) return;
      this.seen.push(...body.items.map((i) => i.record_id));
      this.cursor = body.next_cursor;
    }
  }
  /** What a full drain would add now, without moving (the short last page). */
  async tail(): Promise<string[]> {
    const q = new URLSearchParams({ provider_id: this.provider_id, limit: '1000', ...(this.cursor === null ? {} : { cursor: this.cursor }) });
    return ((await this.api.call('GET', `/api/v1/usage?${q.toString()}`)).json() as { items: { record_id: string }[] }).items.map((i) => i.record_id);
  }
}

describeEachEngine('paging usage in commit order', (db) => {
  let api: TestApi;
  let p: Parties;

  const ingest = async (ids: string[]) => {
    const res = await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records: ids.map((id) => usageRecord(p, id)) } });
    expect(res.json().accepted, res.body).toBe(ids.length);
  };

  it('sees a row whose transaction commits after a later seq, exactly once', async () => {
    api = await testApi(db());
    p = await createParties(api, 'commit-order');
    if (db().engine !== 'postgres') {
      // SQLite: one writer at a time, seq in commit order; the same follower sees everything once
      await ingest(['a', 'b', 'c']);
      const f = new Follower(api, p.provider_id, 1);
      await f.drain();
      expect([...f.seen, ...(await f.tail())]).toEqual(['a', 'b', 'c']);
      return;
    }
    const held = new pg.Client({ connectionString: db().config.database_url! });
    await held.connect();
    const hold = async (record_id: string) => {
      await held.query('BEGIN');
      // a record inserted and held uncommitted: it takes its seq now
      await held.query(
        `INSERT INTO usage_records (provider_id, record_id, cluster_id, enterprise_id, accelerator_id, count, started_at_ms, ended_at_ms,
        amount_fen, card_s, received_at_ms) VALUES ($1, $2, $3, $4, 'huawei-ascend-910b', 1, $5, $6, 100, 3600, $7)`,
        [p.provider_id, record_id, p.cluster_id, p.enterprise_id, Date.parse('2026-10-02T00:00:00Z'), Date.parse('2026-10-02T01:00:00Z'), Date.now()],
      );
    };
    try {
      const f = new Follower(api, p.provider_id, 1);
      await hold('held-1');
      await ingest(['r1', 'r2', 'r3']); // later seqs, committed first
      await f.drain();
      expect(f.seen).toEqual([]); // nothing past the held transaction yet: it could still commit below them
      await held.query('COMMIT');
      await f.drain();
      expect(f.seen).toEqual(['held-1', 'r1', 'r2', 'r3']);
      // again, with the follower already past every row: a held seq below r4's (paging by seq alone would read r4,
      // move past held-2's seq, and never return it)
      await hold('held-2');
      await ingest(['r4']);
      await f.drain();
      expect(f.seen).toEqual(['held-1', 'r1', 'r2', 'r3']);
      await held.query('COMMIT');
      await f.drain();
      const all = [...f.seen, ...(await f.tail())];
      expect(all).toEqual(['held-1', 'r1', 'r2', 'r3', 'held-2', 'r4']);
      // the ids as seq order would have them: held-2 has a lower seq than r4 but committed after r3's page was read
      const seqs = await db()
        .store.connection.db.selectFrom('usage_records')
        .select(['record_id', 'seq'])
        .where('provider_id', '=', p.provider_id)
        .orderBy('seq')
        .execute();
      expect(seqs.map((r) => r.record_id)).toEqual(['held-1', 'r1', 'r2', 'r3', 'held-2', 'r4']);
    } finally {
      await held.query('ROLLBACK').catch(() => undefined);
      await held.end();
    }
  });

  it('a follower paging while eight clients ingest at once sees every record exactly once', async () => {
    const other = await createParties(api, 'commit-order-many');
    const f = new Follower(api, other.provider_id, 50);
    let writing = true;
    const following = (async () => {
      while (writing) {
        await f.drain();
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const sent: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, c) => {
        for (let b = 0; b < 10; b++) {
          const ids = Array.from({ length: 37 }, (_, i) => `m${c}-${b}-${i}`);
          sent.push(...ids);
          const res = await api.call('POST', '/api/v1/usage', { key: other.provider_key, body: { records: ids.map((id) => usageRecord(other, id)) } });
          expect(res.json().accepted).toBe(ids.length);
        }
      }),
    );
    writing = false;
    await following;
    await f.drain();
    const all = [...f.seen, ...(await f.tail())];
    expect(all.length).toBe(sent.length);
    expect(new Set(all).size).toBe(sent.length);
    expect([...all].sort()).toEqual([...sent].sort());
  });
});
