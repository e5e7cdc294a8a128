import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendEntry,
  AuditEncodingError,
  canonicalEncoding,
  entryHash,
  GENESIS_PREV_HASH,
  verifyChain,
  VERIFY_LOOKAHEAD_ENTRIES_MAX,
  type AuditEntry,
  type AuditFields,
  type ChainVerdict,
} from './chain.js';

const T0_MS = Date.UTC(2025, 0, 1);

function fieldsAt(i: number): AuditFields {
  return {
    at_ms: T0_MS + i * 1000,
    actor: { org_id: i % 3 === 0 ? null : `org-${i % 7}`, key_id: i % 2 === 0 ? `key-${i}` : null, role: 'admin' },
    action: i % 2 === 0 ? 'claim.approve' : 'program.update',
    subject: { kind: 'claim', id: `c-${i}` },
    before: i === 0 ? null : { status: 'submitted', amount_fen: i * 100, tags: ['a', 'b'] },
    after: { status: 'approved', amount_fen: i * 100, note: `第${i}条 "quoted"\n` },
  };
}

function buildChain(n: number, fieldsOf: (i: number) => AuditFields = fieldsAt): AuditEntry[] {
  const entries: AuditEntry[] = [];
  let prev: AuditEntry | null = null;
  for (let i = 0; i < n; i++) {
    prev = appendEntry(prev, fieldsOf(i));
    entries.push(prev);
  }
  return entries;
}

function failure(verdict: ChainVerdict): { first_bad_seq: number; problem: string } {
  if (verdict.ok) throw new Error('expected the chain to fail verification');
  return { first_bad_seq: verdict.first_bad_seq, problem: verdict.problem };
}

function at<T>(items: T[], i: number): T {
  const item = items[i];
  if (item === undefined) throw new Error(`no item ${i}`);
  return item;
}

function rehash(entry: AuditEntry): AuditEntry {
  const { hash: _old, ...content } = entry;
  return { ...content, hash: entryHash(content.prev_hash, content) };
}

describe('canonicalEncoding', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    const entry = appendEntry(null, {
      at_ms: 5,
      actor: { role: 'auditor', org_id: null, key_id: 'k' },
      action: 'x',
      subject: { id: 'i', kind: 'k' },
      before: { z: 1, a: [{ b: 2, a: -3 }], m: 'é/\u0001' },
      after: null,
    });
    const text = canonicalEncoding(entry).toString('utf8');
    expect(text).toBe(
      '{"action":"x","actor":{"key_id":"k","org_id":null,"role":"auditor"},"after":null,"at_ms":5,' +
        '"before":{"a":[{"a":-3,"b":2}],"m":"é/\\u0001","z":1},' +
        `"prev_hash":"${GENESIS_PREV_HASH}","seq":1,"subject":{"id":"i","kind":"k"}}`,
    );
    expect(entry.hash).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
  });

  it('does not depend on key insertion order', () => {
    const a = appendEntry(null, { ...fieldsAt(1), before: { x: 1, y: { p: true, q: false } } });
    const b = appendEntry(null, { ...fieldsAt(1), before: { y: { q: false, p: true }, x: 1 } });
    expect(a.hash).toBe(b.hash);
  });

  it.each([
    ['a float', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['an unsafe integer', 2 ** 53],
    ['undefined', undefined],
    ['a Date', new Date(0)],
    ['a lone surrogate', '\uD800x'],
  ])('rejects %s', (_name, bad) => {
    expect(() => appendEntry(null, { ...fieldsAt(1), after: { v: bad } as never })).toThrow(AuditEncodingError);
  });

  it('rejects a float in at_ms and nesting past the depth limit', () => {
    expect(() => appendEntry(null, { ...fieldsAt(1), at_ms: 0.5 })).toThrow(AuditEncodingError);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(() => appendEntry(null, { ...fieldsAt(1), after: deep as never })).toThrow(AuditEncodingError);
  });

  it('puts seq and prev_hash in the hashed bytes', () => {
    const entry = appendEntry(null, fieldsAt(1));
    expect(entryHash(GENESIS_PREV_HASH, { ...fieldsAt(1), seq: 2 })).not.toBe(entry.hash);
    expect(entryHash('1'.repeat(64), { ...fieldsAt(1), seq: 1 })).not.toBe(entry.hash);
    expect(entryHash(GENESIS_PREV_HASH, { ...fieldsAt(1), seq: 1 })).toBe(entry.hash);
  });
});

describe('appendEntry', () => {
  it('starts at seq 1 after the genesis hash and links each entry to the previous one', () => {
    const [first, second] = buildChain(2);
    expect(first).toMatchObject({ seq: 1, prev_hash: GENESIS_PREV_HASH });
    expect(second?.seq).toBe(2);
    expect(second?.prev_hash).toBe(first?.hash);
    expect(first?.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('measures the append rate', () => {
    const n = 20_000;
    const started = process.hrtime.bigint();
    const chain = buildChain(n);
    const elapsed_s = Number(process.hrtime.bigint() - started) / 1e9;
    const rate = Math.round(n / elapsed_s);
    console.log(`audit appendEntry: ${n} entries in ${elapsed_s.toFixed(3)} s = ${rate} entries/s`);
    const verifyStarted = process.hrtime.bigint();
    expect(verifyChain(chain)).toEqual({ ok: true, entries: n });
    const verify_s = Number(process.hrtime.bigint() - verifyStarted) / 1e9;
    console.log(`audit verifyChain: ${n} entries in ${verify_s.toFixed(3)} s = ${Math.round(n / verify_s)} entries/s`);
    expect(rate).toBeGreaterThan(5_000);
  });
});

describe('verifyChain', () => {
  const N = 1000;
  const chain = buildChain(N);

  it('accepts an untouched chain of 1000 entries, and the empty chain', () => {
    expect(verifyChain(chain)).toEqual({ ok: true, entries: N });
    expect(verifyChain([])).toEqual({ ok: true, entries: 0 });
  });

  it.each([1, 2, 500, 999, 1000])('names entry %i when a field of it is edited', (k) => {
    const tampered = chain.map((e) => (e.seq === k ? { ...e, after: { status: 'rejected' } } : e));
    expect(failure(verifyChain(tampered))).toEqual({ first_bad_seq: k, problem: 'edited' });
  });

  it('names the entry whose seq, actor or hash was edited', () => {
    const k = 400;
    const edits: ((e: AuditEntry) => AuditEntry)[] = [
      (e) => ({ ...e, seq: e.seq + 1 }),
      (e) => ({ ...e, actor: { ...e.actor, role: 'root' } }),
      (e) => ({ ...e, hash: 'f'.repeat(64) }),
      (e) => ({ ...e, hash: 'not hex' }),
      (e) => ({ ...e, at_ms: e.at_ms + 1 }),
    ];
    for (const edit of edits) {
      const tampered = chain.map((e) => (e.seq === k ? edit(e) : e));
      expect(failure(verifyChain(tampered))).toEqual({ first_bad_seq: k, problem: 'edited' });
    }
  });

  it.each([1, 2, 500, 999])('names entry %i when it is deleted', (k) => {
    const tampered = chain.filter((e) => e.seq !== k);
    expect(failure(verifyChain(tampered))).toEqual({ first_bad_seq: k, problem: 'removed' });
  });

  it('names the first of several deleted entries', () => {
    const tampered = chain.filter((e) => e.seq < 300 || e.seq > 310);
    const verdict = verifyChain(tampered);
    expect(failure(verdict)).toEqual({ first_bad_seq: 300, problem: 'removed' });
    expect(verdict.ok ? '' : verdict.message).toContain('300..310');
  });

  it('catches deleting the newest entries only against a recorded head', () => {
    const head = { seq: N, hash: at(chain, N - 1).hash };
    expect(verifyChain(chain.slice(0, N - 1))).toEqual({ ok: true, entries: N - 1 });
    expect(failure(verifyChain(chain.slice(0, N - 1), { head }))).toEqual({ first_bad_seq: N, problem: 'removed' });
    expect(verifyChain(chain, { head })).toEqual({ ok: true, entries: N });
  });

  it('catches a chain rewritten wholesale against a recorded head', () => {
    const rewritten = buildChain(N, (i) => ({ ...fieldsAt(i), action: i === 10 ? 'forged' : fieldsAt(i).action }));
    expect(verifyChain(rewritten)).toEqual({ ok: true, entries: N });
    const head = { seq: 600, hash: at(chain, 599).hash };
    expect(failure(verifyChain(rewritten, { head }))).toEqual({ first_bad_seq: 600, problem: 'edited' });
  });

  it.each([1, 2, 500, 998, 999])('names entry %i when entries k and k+1 are swapped', (k) => {
    const tampered = [...chain];
    tampered[k - 1] = at(chain, k);
    tampered[k] = at(chain, k - 1);
    expect(failure(verifyChain(tampered))).toEqual({ first_bad_seq: k, problem: 'reordered' });
  });

  it('calls a repeated entry reordered', () => {
    const tampered = [...chain.slice(0, 10), at(chain, 5), ...chain.slice(10)];
    expect(failure(verifyChain(tampered))).toEqual({ first_bad_seq: 11, problem: 'reordered' });
  });

  it('calls a gap reordered when the missing entry turns up within the look-ahead, removed when it does not', () => {
    const long = buildChain(VERIFY_LOOKAHEAD_ENTRIES_MAX + 20);
    const withoutTenth = long.filter((e) => e.seq !== 10);
    const near = [...withoutTenth.slice(0, 12), at(long, 9), ...withoutTenth.slice(12)];
    expect(failure(verifyChain(near))).toEqual({ first_bad_seq: 10, problem: 'reordered' });
    const far = [...withoutTenth, at(long, 9)];
    expect(failure(verifyChain(far))).toEqual({ first_bad_seq: 10, problem: 'removed' });
  });

  it.each([1, 2, 500, 999])('names entry %i when it is edited and re-hashed but the next entry still points to the old hash', (k) => {
    const tampered = chain.map((e) => (e.seq === k ? rehash({ ...e, after: { status: 'rejected' } }) : e));
    expect(failure(verifyChain(tampered))).toEqual({ first_bad_seq: k, problem: 'edited' });
  });

  it('calls an entry re-linked to an earlier entry reordered', () => {
    const k = 50;
    const tampered = chain.map((e) => (e.seq === k ? rehash({ ...e, prev_hash: at(chain, 10).hash }) : e));
    expect(failure(verifyChain(tampered))).toEqual({ first_bad_seq: k, problem: 'reordered' });
  });

  it('catches a changed genesis, edited in place or re-hashed', () => {
    const inPlace = [{ ...at(chain, 0), prev_hash: '1'.repeat(64) }, ...chain.slice(1)];
    expect(failure(verifyChain(inPlace))).toEqual({ first_bad_seq: 1, problem: 'bad_genesis' });
    const rehashed = [rehash({ ...at(chain, 0), prev_hash: '1'.repeat(64) }), ...chain.slice(1)];
    expect(failure(verifyChain(rehashed))).toEqual({ first_bad_seq: 1, problem: 'bad_genesis' });
    const otherRoot = buildChain(3).map((e) => e);
    const forged = [rehash({ ...at(otherRoot, 0), seq: 1, prev_hash: 'a'.repeat(64) })];
    expect(failure(verifyChain(forged)).problem).toBe('bad_genesis');
  });

  it('names the first problem when there are several', () => {
    const tampered = chain.filter((e) => e.seq !== 700).map((e) => (e.seq === 300 ? { ...e, action: 'forged' } : e));
    expect(failure(verifyChain(tampered))).toEqual({ first_bad_seq: 300, problem: 'edited' });
  });
});

describe('verifyChain properties', () => {
  const jsonValue = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.string(),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 5 }), tie('value'), { maxKeys: 3 }),
    ),
  })).value;
  const fieldsArb: fc.Arbitrary<AuditFields> = fc.record({
    at_ms: fc.integer({ min: 0, max: 2 ** 45 }),
    actor: fc.record({
      org_id: fc.option(fc.string({ maxLength: 8 })),
      key_id: fc.option(fc.string({ maxLength: 8 })),
      role: fc.option(fc.constantFrom('admin', 'auditor', 'provider')),
    }),
    action: fc.string({ minLength: 1, maxLength: 12 }),
    subject: fc.record({ kind: fc.string({ maxLength: 6 }), id: fc.string({ maxLength: 8 }) }),
    before: fc.option(jsonValue),
    after: fc.option(jsonValue),
  }) as fc.Arbitrary<AuditFields>;
  const chainArb = fc.array(fieldsArb, { minLength: 2, maxLength: 30 }).map((all) => buildChain(all.length, (i) => at(all, i)));

  it('untampered chains verify', () => {
    fc.assert(
      fc.property(chainArb, (entries) => {
        expect(verifyChain(entries)).toEqual({ ok: true, entries: entries.length });
      }),
      { numRuns: 200 },
    );
  });

  type Tamper = 'edit' | 'delete' | 'swap' | 'rehash' | 'genesis';
  it('one random tampering is always detected and names the right first entry', () => {
    fc.assert(
      fc.property(
        chainArb,
        fc.constantFrom<Tamper>('edit', 'delete', 'swap', 'rehash', 'genesis'),
        fc.nat(),
        fc.constantFrom('action', 'at_ms', 'actor', 'subject', 'before', 'after', 'seq', 'prev_hash', 'hash'),
        (entries, tamper, pick, field) => {
          const n = entries.length;
          const tampered = [...entries];
          let k: number;
          let problems: string[];
          switch (tamper) {
            case 'edit': {
              k = (pick % n) + 1;
              const e = at(entries, k - 1);
              const edited: AuditEntry = { ...e };
              switch (field) {
                case 'action':
                  edited.action = `${e.action}!`;
                  break;
                case 'at_ms':
                  edited.at_ms = e.at_ms + 1;
                  break;
                case 'actor':
                  edited.actor = { ...e.actor, role: e.actor.role === 'x' ? 'y' : 'x' };
                  break;
                case 'subject':
                  edited.subject = { ...e.subject, id: `${e.subject.id}!` };
                  break;
                case 'before':
                  edited.before = { tampered: [e.before] };
                  break;
                case 'after':
                  edited.after = { tampered: [e.after] };
                  break;
                case 'seq':
                  edited.seq = e.seq + 1 + (pick % 3);
                  break;
                case 'prev_hash':
                  edited.prev_hash = e.prev_hash.replace(/^./, (c) => (c === '0' ? '1' : '0'));
                  break;
                default:
                  edited.hash = e.hash.replace(/^./, (c) => (c === '0' ? '1' : '0'));
              }
              tampered[k - 1] = edited;
              problems = k === 1 && field === 'prev_hash' ? ['bad_genesis'] : ['edited'];
              break;
            }
            case 'delete':
              k = (pick % (n - 1)) + 1; // the newest entry needs a recorded head, tested separately
              tampered.splice(k - 1, 1);
              problems = ['removed'];
              break;
            case 'swap':
              k = (pick % (n - 1)) + 1;
              tampered[k - 1] = at(entries, k);
              tampered[k] = at(entries, k - 1);
              problems = ['reordered'];
              break;
            case 'rehash':
              k = (pick % (n - 1)) + 1;
              tampered[k - 1] = rehash({ ...at(entries, k - 1), action: `${at(entries, k - 1).action}!` });
              problems = ['edited'];
              break;
            default:
              k = 1;
              tampered[0] = pick % 2 === 0 ? { ...at(entries, 0), prev_hash: 'e'.repeat(64) } : rehash({ ...at(entries, 0), prev_hash: 'e'.repeat(64) });
              problems = ['bad_genesis'];
          }
          const verdict = verifyChain(tampered);
          expect(verdict.ok).toBe(false);
          const { first_bad_seq, problem } = failure(verdict);
          expect(first_bad_seq).toBe(k);
          expect(problems).toContain(problem);
        },
      ),
      { numRuns: 500 },
    );
  });
});
