// The negative space of the API, on both engines: every invalid input is a 4xx that names the offending field (or, for
// usage records, a rejection that does), never a 500, and nothing is written for it. Limits are tested at and just past
// their edge; the batch and body limits are lowered for this suite (batch_records_max 5, body_bytes_max 20000).
import { expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { describeEachEngine } from '../support/engines.js';
import { createParties, creditCode, testApi, usageRecord, type Parties, type TestApi } from '../support/api.js';
import { expectError, expectFieldError } from '../support/routes.js';

const now = Date.parse('2026-11-29T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

interface Rejection {
  index: number;
  record_id: string | null;
  code: string;
  field: string | null;
  message: string;
}
interface IngestAnswer {
  accepted: number;
  duplicates: number;
  rejected: Rejection[];
}

describeEachEngine(
  'bad input',
  (db) => {
    let api: TestApi;
    let p: Parties;
    let other: Parties;
    let serial = 0;
    const id = (label: string) => `${label}-${++serial}`;
    const count = () => db().store.usage.count();
    const post = (body: unknown) => api.call('POST', '/api/v1/usage', { key: p.provider_key, body });
    const postRaw = (raw: string, headers: Record<string, string> = {}) => api.call('POST', '/api/v1/usage', { key: p.provider_key, raw, headers });
    const listLength = async (url: string) => {
      const res = await api.call('GET', url);
      expect(res.statusCode).toBe(200);
      return (res.json() as { items: unknown[] }).items.length;
    };

    /** One record alone in a batch: 422 all_records_rejected, its rejection names `field` with `code`, nothing stored. */
    async function rejectsAlone(record: unknown, field: string, code = 'invalid_field'): Promise<Rejection> {
      const before = await count();
      const res = await post({ records: [record] });
      expectFieldError(res, 422, 'all_records_rejected', field === '(record)' ? 'records[0]' : `records[0].${field}`);
      const body = res.json() as IngestAnswer;
      expect(body).toMatchObject({ accepted: 0, duplicates: 0 });
      expect(body.rejected).toHaveLength(1);
      expect(body.rejected[0]).toMatchObject({ index: 0, code, field, message: expect.any(String) });
      expect(await count()).toBe(before);
      return body.rejected[0]!;
    }

    /** One record alone in a batch is accepted and stored. */
    async function acceptsAlone(record: Record<string, unknown>): Promise<void> {
      const before = await count();
      const res = await post({ records: [record] });
      expect({ status: res.statusCode, body: res.json() as unknown }).toEqual({ status: 200, body: { accepted: 1, duplicates: 0, rejected: [] } });
      expect(await count()).toBe(before + 1);
    }

    it('sets up parties', async () => {
      api = await testApi(db(), () => now);
      p = await createParties(api, 'bad');
      other = await createParties(api, 'other');
      await acceptsAlone(usageRecord(p, id('good')));
    });

    // ---- the body as a whole

    it('answers malformed JSON with 400 malformed_json, storing nothing', async () => {
      const before = await count();
      for (const raw of ['{"records": [', '{records: []}', '{"records": [1,]}', "{'records': []}", 'null x']) {
        expectError(await postRaw(raw), 400, 'malformed_json');
      }
      expect(await count()).toBe(before);
    });

    it('answers an empty body: 400 malformed_json with a JSON content-type, 400 naming the body without one', async () => {
      expectError(await postRaw(''), 400, 'malformed_json');
      const bare = await api.call('POST', '/api/v1/usage', { key: p.provider_key });
      expectFieldError(bare, 400, 'validation_failed', '(body)');
      expectFieldError(await post(null), 400, 'validation_failed', '(body)');
    });

    it('answers a body that is not JSON with 415 unsupported_media_type', async () => {
      const before = await count();
      const json = JSON.stringify({ records: [usageRecord(p, id('ct'))] });
      for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'text/csv']) {
        expectError(await postRaw(json, { 'content-type': type }), 415, 'unsupported_media_type');
      }
      expect(await count()).toBe(before);
      // a charset parameter is still JSON
      expect(
        (await postRaw(JSON.stringify({ records: [usageRecord(p, id('charset'))] }), { 'content-type': 'application/json; charset=utf-8' })).statusCode,
      ).toBe(200);
    });

    it('answers __proto__ and constructor.prototype keys with 400 malformed_json, not 500', async () => {
      const before = await count();
      const record = JSON.stringify(usageRecord(p, id('proto')));
      const poisoned = [
        `{"records": [${record}], "__proto__": {"admin": true}}`,
        `{"records": [${record.slice(0, -1)}, "__proto__": {"count": 1}}]}`,
        `{"records": [${record}], "constructor": {"prototype": {"admin": true}}}`,
        `{"records": [${record.slice(0, -1)}, "constructor": {"prototype": {"count": 1}}}]}`,
      ];
      for (const raw of poisoned) expectError(await postRaw(raw), 400, 'malformed_json');
      expect(await count()).toBe(before);
      // a plain "constructor" key is only an unknown field: the body's, or the record's
      expectFieldError(await postRaw(`{"records": [${record}], "constructor": 1}`), 400, 'validation_failed', 'constructor');
      await rejectsAlone({ ...usageRecord(p, id('ctor')), constructor: 1 }, 'constructor');
      await rejectsAlone(JSON.parse(`{${JSON.stringify(usageRecord(p, id('hasown'))).slice(1, -1)}, "hasOwnProperty": 1}`), 'hasOwnProperty');
      expect(await count()).toBe(before);
    });

    it('names records when it is missing, not an array, or empty; and an unknown top-level field', async () => {
      const before = await count();
      for (const body of [{}, { records: {} }, { records: 'r1' }, { records: null }, { records: [] }]) {
        expectFieldError(await post(body), 400, 'validation_failed', 'records');
      }
      expectFieldError(await post({ records: [usageRecord(p, id('extra'))], signature: 'x' }), 400, 'validation_failed', 'signature');
      expect(await count()).toBe(before);
    });

    it('takes a batch of batch_records_max (5) records and refuses 6 with 400 batch_too_large naming records', async () => {
      const before = await count();
      const five = Array.from({ length: 5 }, () => usageRecord(p, id('five')));
      expect((await post({ records: five })).json()).toEqual({ accepted: 5, duplicates: 0, rejected: [] });
      const six = Array.from({ length: 6 }, () => usageRecord(p, id('six')));
      const refused = await post({ records: six });
      expectFieldError(refused, 400, 'batch_too_large', 'records');
      expect(refused.json().error).toMatchObject({ message: 'a batch holds at most 5 records, this one 6', params: { records: 6, records_max: 5 } });
      expect(await count()).toBe(before + 5);
    });

    it('takes a body of body_bytes_max (20000) bytes and refuses one byte more with 413 body_too_large', async () => {
      const before = await count();
      const body = (label: string, bytes: number) => {
        const json = JSON.stringify({ records: [usageRecord(p, id(label))] });
        return json.slice(0, -1) + ' '.repeat(bytes - json.length) + '}'; // whitespace padding keeps it valid JSON
      };
      const at = body('at-limit', 20_000);
      expect(Buffer.byteLength(at)).toBe(20_000);
      expect((await postRaw(at)).statusCode).toBe(200);
      const past = body('past-limit', 20_001);
      expect(Buffer.byteLength(past)).toBe(20_001);
      expectError(await postRaw(past), 413, 'body_too_large');
      // far past it, too (and before the batch limit is even looked at)
      const many = JSON.stringify({ records: Array.from({ length: 100 }, () => usageRecord(p, id('many'))) });
      expect(many.length).toBeGreaterThan(20_000);
      expectError(await postRaw(many), 413, 'body_too_large');
      expect(await count()).toBe(before + 1);
    });

    // ---- one record's shape

    it('rejects wrong types, naming the field', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ count: '8' }, 'count'],
        [{ amount_fen: '100' }, 'amount_fen'],
        [{ count: true }, 'count'],
        [{ count: null }, 'count'],
        [{ started_at: 1_790_812_800 }, 'started_at'],
        [{ ended_at: '2026-10-01' }, 'ended_at'],
        [{ started_at: '2026-02-30T00:00:00Z' }, 'started_at'],
        [{ started_at: '2026-10-01T00:00:00' }, 'started_at'],
        [{ cluster_id: 42 }, 'cluster_id'],
        [{ enterprise_id: ['e'] }, 'enterprise_id'],
        [{ accelerator: '' }, 'accelerator'],
        [{ workload: 'gaming' }, 'workload'],
        [{ job_ref: 4711 }, 'job_ref'],
        [{ job_ref: 'j'.repeat(257) }, 'job_ref'],
        [{ energy_wh: -1 }, 'energy_wh'],
        [{ energy_wh: 1.5 }, 'energy_wh'],
        [{ record_id: '' }, 'record_id'],
        [{ record_id: 'r'.repeat(129) }, 'record_id'],
        [{ count: 0 }, 'count'],
        [{ count: 100_001 }, 'count'],
      ];
      for (const [override, field] of cases) await rejectsAlone(usageRecord(p, id('type'), override), field);
      const numeric_id = await rejectsAlone(usageRecord(p, id('type'), { record_id: 42 }), 'record_id');
      expect(numeric_id.record_id).toBeNull();
    });

    it('rejects a record without each required field, naming that field', async () => {
      for (const field of ['record_id', 'cluster_id', 'enterprise_id', 'accelerator', 'count', 'started_at', 'ended_at', 'amount_fen']) {
        const record = usageRecord(p, id('missing'));
        delete record[field];
        const r = await rejectsAlone(record, field);
        expect(r.record_id).toBe(field === 'record_id' ? null : record.record_id);
      }
      // the optional ones may be left out
      const bare = usageRecord(p, id('bare'));
      for (const field of ['job_ref', 'workload', 'energy_wh']) delete bare[field];
      await acceptsAlone(bare);
    });

    it('rejects fractional, negative and huge numbers', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ amount_fen: 1.5 }, 'amount_fen'],
        [{ amount_fen: -5 }, 'amount_fen'],
        [{ amount_fen: 1e300 }, 'amount_fen'],
        [{ amount_fen: 2 ** 53 }, 'amount_fen'],
        [{ amount_fen: 10_000_000_000_001 }, 'amount_fen'],
        [{ count: 1e300 }, 'count'],
        [{ count: 2 ** 53 }, 'count'],
        [{ count: -8 }, 'count'],
        [{ count: 8.5 }, 'count'],
        [{ energy_wh: 2 ** 53 }, 'energy_wh'],
        [{ energy_wh: 1e300 }, 'energy_wh'],
      ];
      for (const [override, field] of cases) await rejectsAlone(usageRecord(p, id('num'), override), field);
      // numbers JSON can write but a double cannot hold: 1e400 parses to Infinity, a 30-digit integer loses its digits
      const before = await count();
      for (const literal of ['1e400', '-1e400', '123456789012345678901234567890', '9007199254740993']) {
        const raw = JSON.stringify({ records: [usageRecord(p, id('raw'), { amount_fen: 0 })] }).replace('"amount_fen":0', `"amount_fen":${literal}`);
        const res = await postRaw(raw);
        expectFieldError(res, 422, 'all_records_rejected', 'records[0].amount_fen');
      }
      expect(await count()).toBe(before);
      // the largest amount allowed is taken
      await acceptsAlone(usageRecord(p, id('max'), { amount_fen: 10_000_000_000_000 }));
    });

    it('rejects a record that is not an object, naming the record itself', async () => {
      for (const record of ['r1', 42, null, [usageRecord(p, 'x')]]) {
        const r = await rejectsAlone(record, '(record)');
        expect(r.record_id).toBeNull();
      }
    });

    it('rejects an unknown field in a record', async () => {
      await rejectsAlone(usageRecord(p, id('unknown'), { gpu_util: 0.9 }), 'gpu_util');
      await rejectsAlone(usageRecord(p, id('unknown'), { provider_id: p.provider_id }), 'provider_id');
    });

    // ---- one record's meaning

    it('rejects end before start and end == start', async () => {
      await rejectsAlone(usageRecord(p, id('time'), { ended_at: '2026-09-30T23:00:00Z' }), 'ended_at', 'ended_not_after_started');
      await rejectsAlone(usageRecord(p, id('time'), { ended_at: '2026-10-01T00:00:00Z' }), 'ended_at', 'ended_not_after_started');
      // the same instant written with another offset is still the same instant
      await rejectsAlone(usageRecord(p, id('time'), { ended_at: '2026-10-01T08:00:00+08:00' }), 'ended_at', 'ended_not_after_started');
      await acceptsAlone(usageRecord(p, id('time'), { ended_at: '2026-10-01T00:00:01Z' }));
    });

    it('takes a record of exactly 31 days and rejects one a second longer', async () => {
      const start = Date.parse('2026-10-01T00:00:00Z');
      const day_ms = 86_400_000;
      await acceptsAlone(usageRecord(p, id('long'), { started_at: iso(start), ended_at: iso(start + 31 * day_ms) }));
      await rejectsAlone(usageRecord(p, id('long'), { started_at: iso(start), ended_at: iso(start + 31 * day_ms + 1000) }), 'ended_at', 'duration_too_long');
    });

    it('takes a record ending 5 minutes after the injected clock and rejects one ending a second later', async () => {
      await acceptsAlone(usageRecord(p, id('soon'), { started_at: iso(now - 3_600_000), ended_at: iso(now + 300_000) }));
      await rejectsAlone(usageRecord(p, id('soon'), { started_at: iso(now - 3_600_000), ended_at: iso(now + 301_000) }), 'ended_at', 'in_future');
      await rejectsAlone(usageRecord(p, id('soon'), { started_at: '2027-03-01T00:00:00Z', ended_at: '2027-03-01T06:30:00Z' }), 'ended_at', 'in_future');
    });

    it('rejects an unknown model, cluster and enterprise', async () => {
      await rejectsAlone(usageRecord(p, id('who'), { accelerator: 'acme-gpu-9000' }), 'accelerator', 'unknown_accelerator');
      await rejectsAlone(usageRecord(p, id('who'), { cluster_id: 'c_does_not_exist' }), 'cluster_id', 'unknown_cluster');
      await rejectsAlone(usageRecord(p, id('who'), { cluster_id: other.cluster_id }), 'cluster_id', 'unknown_cluster');
      await rejectsAlone(usageRecord(p, id('who'), { enterprise_id: 'e_does_not_exist' }), 'enterprise_id', 'unknown_enterprise');
      // a provider's id is not an enterprise's
      await rejectsAlone(usageRecord(p, id('who'), { enterprise_id: p.provider_id }), 'enterprise_id', 'unknown_enterprise');
    });

    it('rejects a model the cluster does not hold, more cards than it holds, and time before its inventory', async () => {
      await rejectsAlone(usageRecord(p, id('inv'), { accelerator: 'nvidia-h100-sxm' }), 'accelerator', 'model_not_in_inventory');
      await rejectsAlone(usageRecord(p, id('inv'), { count: 65 }), 'count', 'count_exceeds_inventory');
      await acceptsAlone(usageRecord(p, id('inv'), { count: 64 }));
      await rejectsAlone(usageRecord(p, id('inv'), { accelerator: 'metax-c500', count: 9 }), 'count', 'count_exceeds_inventory');
      await rejectsAlone(
        usageRecord(p, id('inv'), { started_at: '2025-12-31T23:00:00Z', ended_at: '2026-01-01T01:00:00Z' }),
        'started_at',
        'outside_inventory',
      );
      await rejectsAlone(
        usageRecord(p, id('inv'), { started_at: '2025-12-31T23:59:59Z', ended_at: '2026-01-01T01:00:00Z' }),
        'started_at',
        'outside_inventory',
      );
      await acceptsAlone(usageRecord(p, id('inv'), { started_at: '2026-01-01T00:00:00Z', ended_at: '2026-01-01T01:00:00Z' }));
    });

    // ---- batches

    it('answers a mixed batch with 200: the good records stored, each bad one listed with index, record_id, code and field', async () => {
      const before = await count();
      const m1 = usageRecord(p, id('mix'));
      const m3 = usageRecord(p, id('mix'), { count: 2 });
      const records = [
        m1,
        usageRecord(p, id('mix'), { count: '8' }),
        m3,
        usageRecord(p, id('mix'), { cluster_id: other.cluster_id }),
        { ...m1, amount_fen: 1 },
      ];
      const res = await post({ records });
      expect(res.statusCode).toBe(200);
      const body = res.json() as IngestAnswer;
      expect(body.accepted).toBe(2);
      expect(body.duplicates).toBe(0);
      expect(body.rejected.map((r) => [r.index, r.record_id, r.code, r.field])).toEqual([
        [1, records[1]!.record_id, 'invalid_field', 'count'],
        [3, records[3]!.record_id, 'unknown_cluster', 'cluster_id'],
        [4, m1.record_id, 'conflict', 'record_id'],
      ]);
      for (const r of body.rejected) expect(r.message.length).toBeGreaterThan(0);
      expect(await count()).toBe(before + 2);
      // a second mixed batch: a re-send of m1 (duplicate), a new good record, a record that ends before it starts
      const again = await post({
        records: [{ ...m1 }, usageRecord(p, id('mix'), { count: 3 }), usageRecord(p, id('mix'), { ended_at: '2026-09-01T00:00:00Z' })],
      });
      expect(again.statusCode).toBe(200);
      expect(again.json() as IngestAnswer).toMatchObject({
        accepted: 1,
        duplicates: 1,
        rejected: [{ index: 2, code: 'ended_not_after_started', field: 'ended_at' }],
      });
      expect(await count()).toBe(before + 3);
      // the stored m1 is the first one, not the conflicting copy
      const listed = (await api.call('GET', `/api/v1/usage?limit=1000`, { key: p.provider_key })).json() as {
        items: { record_id: string; amount_fen: number }[];
      };
      expect(listed.items.filter((i) => i.record_id === m1.record_id).map((i) => i.amount_fen)).toEqual([m1.amount_fen]);
    });

    it('answers the same record_id twice in one batch: identical → a duplicate, different → a conflict', async () => {
      const before = await count();
      const same = usageRecord(p, id('twice'));
      expect((await post({ records: [same, { ...same }] })).json()).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
      const first = usageRecord(p, id('twice'));
      const res = await post({ records: [first, { ...first, count: 4 }] });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        accepted: 1,
        duplicates: 0,
        rejected: [{ index: 1, record_id: first.record_id, code: 'conflict', field: 'record_id', message: expect.any(String) }],
      });
      expect(await count()).toBe(before + 2);
      // and across batches: a re-send is a duplicate (200), a changed re-send alone a conflict (422), nothing stored twice
      expect((await post({ records: [same] })).json()).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
      await rejectsAlone({ ...same, amount_fen: 7 }, 'record_id', 'conflict');
      expect(await count()).toBe(before + 2);
    });

    // ---- organizations, clusters, keys

    it('refuses an invalid credit code with 422 invalid_credit_code naming credit_code, and registers nothing', async () => {
      const before = await listLength('/api/v1/enterprises');
      const enterprise = (credit_code: string) => ({ name: 'Bad Code Ltd', credit_code, region: '310000', sector: 'ai' });
      for (const code of ['911100001011596290', '91110000101159629', '9111000010115962900', '911100001011596 9A', '91110000101159629a', '011100001011596290']) {
        expectFieldError(await api.call('POST', '/api/v1/enterprises', { body: enterprise(code) }), 422, 'invalid_credit_code', 'credit_code');
      }
      expectFieldError(await api.call('POST', '/api/v1/enterprises', { body: enterprise('') }), 400, 'validation_failed', 'credit_code');
      expect(await listLength('/api/v1/enterprises')).toBe(before);
      // its corrected twin is accepted
      expect((await api.call('POST', '/api/v1/enterprises', { body: enterprise('91110000101159629A') })).statusCode).toBe(201);
      expect(await listLength('/api/v1/enterprises')).toBe(before + 1);
    });

    it('refuses a credit code registered before with 409 already_exists naming credit_code', async () => {
      const code = creditCode();
      const body = { name: 'First Ltd', credit_code: code, region: '310000', sector: 'ai' };
      expect((await api.call('POST', '/api/v1/enterprises', { body })).statusCode).toBe(201);
      const before = await listLength('/api/v1/enterprises');
      expectFieldError(await api.call('POST', '/api/v1/enterprises', { body: { ...body, name: 'Second Ltd' } }), 409, 'already_exists', 'credit_code');
      expect(await listLength('/api/v1/enterprises')).toBe(before);
    });

    it('refuses bad regions, missing and unknown fields on providers and enterprises', async () => {
      const providers = await listLength('/api/v1/providers');
      const enterprises = await listLength('/api/v1/enterprises');
      for (const region of ['31000', '3100000', 'abcdef', '31000a', 310000]) {
        expectFieldError(await api.call('POST', '/api/v1/providers', { body: { name: 'P', region } }), 400, 'validation_failed', 'region');
        expectFieldError(
          await api.call('POST', '/api/v1/enterprises', { body: { name: 'E', credit_code: creditCode(), region, sector: 'ai' } }),
          400,
          'validation_failed',
          'region',
        );
      }
      expectFieldError(await api.call('POST', '/api/v1/providers', { body: { region: '310000' } }), 400, 'validation_failed', 'name');
      expectFieldError(await api.call('POST', '/api/v1/providers', { body: { name: '' } }), 400, 'validation_failed', 'name');
      expectFieldError(await api.call('POST', '/api/v1/providers', { body: { name: 'P', kind: 'office' } }), 400, 'validation_failed', 'kind');
      expectFieldError(
        await api.call('POST', '/api/v1/enterprises', { body: { name: 'E', credit_code: creditCode(), region: '310000' } }),
        400,
        'validation_failed',
        'sector',
      );
      expectFieldError(
        await api.call('POST', '/api/v1/enterprises', { body: { name: 'E', credit_code: creditCode(), region: '310000', sector: 'ai', size: 'huge' } }),
        400,
        'validation_failed',
        'size',
      );
      expect(await listLength('/api/v1/providers')).toBe(providers);
      expect(await listLength('/api/v1/enterprises')).toBe(enterprises);
    });

    it('refuses cluster inventories that are unknown, overlapping or backwards with 422 naming the interval field', async () => {
      const clusters = `/api/v1/providers/${p.provider_id}/clusters`;
      const before = await listLength(clusters);
      const create = (inventory: unknown[], region = '310000') => api.call('POST', clusters, { body: { name: id('cl'), region, inventory } });
      const at = (accelerator: string, valid_from: string, valid_to?: string | null, count = 8) => ({
        accelerator,
        count,
        valid_from,
        ...(valid_to === undefined ? {} : { valid_to }),
      });

      expectFieldError(await create([at('acme-gpu-9000', '2026-01-01T00:00:00Z')]), 422, 'invalid_inventory', 'inventory[0].accelerator');
      expectFieldError(
        await create([at('huawei-ascend-910b', '2026-01-01T00:00:00Z'), at('acme-gpu-9000', '2026-01-01T00:00:00Z')]),
        422,
        'invalid_inventory',
        'inventory[1].accelerator',
      );
      expectFieldError(
        await create([at('huawei-ascend-910b', '2026-01-01T00:00:00Z', '2026-06-01T00:00:00Z'), at('huawei-ascend-910b', '2026-05-01T00:00:00Z')]),
        422,
        'invalid_inventory',
        'inventory[1].valid_from',
      );
      expectFieldError(
        await create([at('huawei-ascend-910b', '2026-01-01T00:00:00Z'), at('huawei-ascend-910b', '2027-01-01T00:00:00Z')]),
        422,
        'invalid_inventory',
        'inventory[1].valid_from',
      );
      expectFieldError(
        await create([at('huawei-ascend-910b', '2026-06-01T00:00:00Z', '2026-01-01T00:00:00Z')]),
        422,
        'invalid_inventory',
        'inventory[0].valid_to',
      );
      expectFieldError(
        await create([at('huawei-ascend-910b', '2026-06-01T00:00:00Z', '2026-06-01T00:00:00Z')]),
        422,
        'invalid_inventory',
        'inventory[0].valid_to',
      );
      expectFieldError(await create([at('huawei-ascend-910b', '2026-01-01T00:00:00Z', null, 0)]), 400, 'validation_failed', 'inventory[0].count');
      expectFieldError(await create([at('huawei-ascend-910b', 'yesterday')]), 400, 'validation_failed', 'inventory[0].valid_from');
      expectFieldError(await create([{ ...at('huawei-ascend-910b', '2026-01-01T00:00:00Z'), price: 1 }]), 400, 'validation_failed', 'inventory[0].price');
      expectFieldError(await create([at('huawei-ascend-910b', '2026-01-01T00:00:00Z')], '31'), 400, 'validation_failed', 'region');
      expectFieldError(await api.call('POST', clusters, { body: { name: id('cl'), region: '310000' } }), 400, 'validation_failed', 'inventory');
      expect(await listLength(clusters)).toBe(before);

      // back to back (valid_to == next valid_from) is not an overlap; a second cluster of the same name is a 409
      const adjacent = await create([
        at('huawei-ascend-910b', '2026-01-01T00:00:00Z', '2026-06-01T00:00:00Z'),
        at('huawei-ascend-910b', '2026-06-01T00:00:00Z'),
      ]);
      expect(adjacent.statusCode).toBe(201);
      const name = (adjacent.json() as { name: string }).name;
      expectFieldError(await api.call('POST', clusters, { body: { name, region: '310000', inventory: [] } }), 409, 'already_exists', 'name');
      expect(await listLength(clusters)).toBe(before + 1);
    });

    it('refuses a bad inventory replacement and keeps the old inventory', async () => {
      const url = `/api/v1/clusters/${p.cluster_id}`;
      const before = (await api.call('GET', url)).json() as { inventory: unknown[] };
      expectFieldError(
        await api.call('PUT', `${url}/inventory`, {
          key: p.provider_key,
          body: { inventory: [{ accelerator: 'acme-gpu-9000', count: 1, valid_from: '2026-01-01T00:00:00Z' }] },
        }),
        422,
        'invalid_inventory',
        'inventory[0].accelerator',
      );
      expect(((await api.call('GET', url)).json() as { inventory: unknown[] }).inventory).toEqual(before.inventory);
    });

    it('refuses an API key whose role does not fit the organization, naming role; an unknown org naming org_id', async () => {
      const before = await listLength('/api/v1/api-keys');
      const key = (org_id: string, role: string) => api.call('POST', '/api/v1/api-keys', { body: { org_id, role, label: 'misfit' } });
      expectFieldError(await key(p.enterprise_id, 'provider'), 400, 'validation_failed', 'role');
      expectFieldError(await key(p.provider_id, 'enterprise'), 400, 'validation_failed', 'role');
      expectFieldError(await key(p.provider_id, 'administrator'), 400, 'validation_failed', 'role');
      expectFieldError(await key(p.enterprise_id, 'auditor'), 400, 'validation_failed', 'role');
      expectFieldError(await key(p.enterprise_id, 'root'), 400, 'validation_failed', 'role');
      expectFieldError(await key('o_does_not_exist', 'provider'), 404, 'not_found', 'org_id');
      expectFieldError(
        await api.call('POST', '/api/v1/api-keys', { body: { org_id: p.enterprise_id, role: 'enterprise' } }),
        400,
        'validation_failed',
        'label',
      );
      expect(await listLength('/api/v1/api-keys')).toBe(before);
    });

    // ---- query strings

    it('refuses bad query strings with 400 naming querystring.<field>', async () => {
      const cases: [string, string][] = [
        ['/api/v1/usage?limit=0', 'querystring.limit'],
        ['/api/v1/usage?limit=abc', 'querystring.limit'],
        ['/api/v1/usage?limit=-1', 'querystring.limit'],
        ['/api/v1/usage?limit=1001', 'querystring.limit'],
        ['/api/v1/usage?limit=1.5', 'querystring.limit'],
        ['/api/v1/usage?cursor=-1', 'querystring.cursor'],
        ['/api/v1/usage?cursor=abc', 'querystring.cursor'],
        ['/api/v1/usage?from=yesterday', 'querystring.from'],
        ['/api/v1/usage?sort=seq', 'querystring.sort'],
        ['/api/v1/usage/summary?domestic=maybe', 'querystring.domestic'],
        ['/api/v1/usage/summary?group_by=week', 'querystring.group_by'],
        ['/api/v1/usage/summary?from=2026-1-1', 'querystring.from'],
        ['/api/v1/accelerators?domestic=maybe', 'querystring.domestic'],
        ['/api/v1/accelerators?domestic=TRUE', 'querystring.domestic'],
      ];
      for (const [url, field] of cases) {
        for (const key of [undefined, p.provider_key]) {
          if (key !== undefined && url.startsWith('/api/v1/accelerators')) continue;
          expectFieldError(await api.call('GET', url, key === undefined ? {} : { key }), 400, 'validation_failed', field);
        }
      }
      // the edges of limit are fine
      for (const limit of [1, 1000]) expect((await api.call('GET', `/api/v1/usage?limit=${limit}`)).statusCode).toBe(200);
    });

    it('answers an unknown route with 404 in the error shape', async () => {
      const res: LightMyRequestResponse = await api.call('DELETE', '/api/v1/usage');
      expectError(res, 404, 'not_found');
      expectError(await api.call('GET', '/api/v1/nothing-here'), 404, 'not_found');
    });
  },
  { batch_records_max: 5, body_bytes_max: 20_000 },
);
