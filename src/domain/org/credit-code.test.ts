// Tests for the credit-code checker: worked check sums, one case per problem kind, and properties
// that a correct check character is accepted and any single changed character is not.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkCreditCode, creditCodeCheckChar, isOrganizationCodeValid, organizationCodeCheckChar, type CreditCodeCheck } from './credit-code.js';

const CODE_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';

function withCheckChar(first17: string): string {
  return first17 + creditCodeCheckChar(first17);
}

function problemOf(check: CreditCodeCheck): string | null {
  return check.ok ? null : check.problem.reason;
}

describe('creditCodeCheckChar', () => {
  it('uses weights 3^(i-1) mod 31', () => {
    // Only position i set to '1' (value 1): sum = weight_i, check = (31 - weight_i) mod 31.
    const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    weights.forEach((w, i) => {
      expect(w).toBe(3 ** i % 31);
      const body = '0'.repeat(i) + '1' + '0'.repeat(16 - i);
      expect(creditCodeCheckChar(body)).toBe(CODE_CHARS.charAt((31 - w) % 31));
    });
  });

  it('computes a worked example by hand', () => {
    // 91110000101159629:
    //   9×1 + 1×3 + 1×9 + 1×27 + 0×19 + 0×26 + 0×16 + 0×17 + 1×20 + 0×29 + 1×25 + 1×13 + 5×8
    //   + 9×24 + 6×10 + 2×30 + 9×28
    //   = 9 + 3 + 9 + 27 + 20 + 25 + 13 + 40 + 216 + 60 + 60 + 252 = 734
    // 734 mod 31 = 734 - 23×31 = 734 - 713 = 21; (31 - 21) mod 31 = 10 → CODE_CHARS[10] = 'A'.
    expect(creditCodeCheckChar('91110000101159629')).toBe('A');
    // 91110000101159627: last term 7×28 = 196 instead of 252, sum 734 - 56 = 678;
    // 678 mod 31 = 678 - 21×31 = 678 - 651 = 27; 31 - 27 = 4 → '4'.
    expect(creditCodeCheckChar('91110000101159627')).toBe('4');
    // All zeros: sum 0, (31 - 0) mod 31 = 0 → '0'.
    expect(creditCodeCheckChar('0'.repeat(17))).toBe('0');
  });

  it('throws on a character outside the set or a wrong length', () => {
    expect(() => creditCodeCheckChar('9111000010115962I')).toThrow(RangeError);
    expect(() => creditCodeCheckChar('9111000010115962a')).toThrow(/character 17/);
    expect(() => creditCodeCheckChar('9111000010115962')).toThrow(/expected 17 characters/);
  });
});

describe('organizationCodeCheckChar', () => {
  it('computes GB 11714 check characters by hand', () => {
    // 10115962: 1×3 + 0×7 + 1×9 + 1×10 + 5×5 + 9×8 + 6×4 + 2×2 = 3+9+10+25+72+24+4 = 147;
    // 147 mod 11 = 4; 11 - 4 = 7.
    expect(organizationCodeCheckChar('10115962')).toBe('7');
    // 00000000: sum 0, 11 - 0 = 11 → '0'.
    expect(organizationCodeCheckChar('00000000')).toBe('0');
    // 00000001: sum 2, 11 - 2 = 9.
    expect(organizationCodeCheckChar('00000001')).toBe('9');
    // 10000000: sum 3, 11 - 3 = 8.
    expect(organizationCodeCheckChar('10000000')).toBe('8');
    // 40000000: 4×3 = 12, 12 mod 11 = 1, 11 - 1 = 10 → 'X'.
    expect(organizationCodeCheckChar('40000000')).toBe('X');
    // Letters count A=10 … Z=35: MA1BUFLT → 22×3 + 10×7 + 1×9 + 11×10 + 30×5 + 15×8 + 21×4 + 29×2
    //   = 66 + 70 + 9 + 110 + 150 + 120 + 84 + 58 = 667; 667 mod 11 = 7; 11 - 7 = 4.
    expect(organizationCodeCheckChar('MA1BUFLT')).toBe('4');
  });

  it('throws on bad input', () => {
    expect(() => organizationCodeCheckChar('1011596')).toThrow(RangeError);
    expect(() => organizationCodeCheckChar('1011596a')).toThrow(/character 8/);
  });

  it('backs an advisory check of positions 9-17', () => {
    expect(isOrganizationCodeValid('101159627')).toBe(true);
    expect(isOrganizationCodeValid('101159629')).toBe(false);
    expect(isOrganizationCodeValid('MA1BUFLT4')).toBe(true);
    expect(isOrganizationCodeValid('10115962')).toBe(false);
    expect(isOrganizationCodeValid('1011596a7')).toBe(false);
  });
});

describe('checkCreditCode', () => {
  it('accepts codes built with the helpers', () => {
    // Enterprise (9 1), Beijing division 110000, organization code 10115962-7.
    const enterprise = withCheckChar('91110000' + '10115962' + organizationCodeCheckChar('10115962'));
    expect(enterprise).toBe('911100001011596274');
    expect(checkCreditCode(enterprise)).toEqual({ ok: true, code: enterprise });

    // Individual business (9 2) whose positions 9-17 fail the GB 11714 check (L1234567 gives 4, not 8):
    // still accepted.
    const individual = withCheckChar('92440300' + 'L12345678');
    expect(isOrganizationCodeValid(individual.slice(8, 17))).toBe(false);
    expect(checkCreditCode(individual)).toEqual({ ok: true, code: individual });

    // Each assigned department code.
    for (const dept of '123456789ANY') {
      const code = withCheckChar(dept + '1' + '310000' + 'MA1BUFLT4');
      expect(checkCreditCode(code).ok).toBe(true);
    }
  });

  it('accepts the widely reproduced sample code 91350100M000100Y43', () => {
    expect(checkCreditCode('91350100M000100Y43').ok).toBe(true);
  });

  it('rejects 911100001011596290 for its check digit', () => {
    // See the worked sum above: the first 17 characters give 'A', not '0'.
    expect(checkCreditCode('911100001011596290')).toEqual({
      ok: false,
      problem: { reason: 'check_digit', character: '0', expected: 'A' },
    });
  });

  it('reports each problem kind with its parameters', () => {
    const valid = '911100001011596274';
    const cases: Array<[string, Record<string, unknown>]> = [
      ['', { reason: 'length', length: 0, length_expected: 18 }],
      [valid.slice(0, 17), { reason: 'length', length: 17 }],
      [valid + '0', { reason: 'length', length: 19 }],
      [' ' + valid.slice(1), { reason: 'charset', position: 1, character: ' ' }],
      [valid.slice(0, 9) + 'I' + valid.slice(10), { reason: 'charset', position: 10, character: 'I' }],
      [valid.slice(0, 17) + 'Z', { reason: 'charset', position: 18, character: 'Z' }],
      [valid.slice(0, 2) + 'a' + valid.slice(3), { reason: 'charset', position: 3, character: 'a' }],
      ['0' + valid.slice(1), { reason: 'department', character: '0' }],
      ['B' + valid.slice(1), { reason: 'department', character: 'B' }],
      ['90' + valid.slice(2), { reason: 'category', character: '0' }],
      ['91A10000' + valid.slice(8), { reason: 'division', division: 'A10000' }],
      ['91110000101159627X', { reason: 'check_digit', character: 'X', expected: '4' }],
    ];
    for (const [input, problem] of cases) {
      const check = checkCreditCode(input);
      expect(check.ok, input).toBe(false);
      if (!check.ok) expect(check.problem, input).toMatchObject(problem);
    }
  });

  it('takes input exactly: no trimming, no upper-casing', () => {
    expect(problemOf(checkCreditCode(' 911100001011596274'))).toBe('length');
    expect(problemOf(checkCreditCode('911100001011596274 '))).toBe('length');
    expect(problemOf(checkCreditCode('91350100m000100y43'))).toBe('charset');
  });
});

const departmentArb = fc.constantFrom(...'123456789ANY');
const categoryArb = fc.constantFrom(...CODE_CHARS.slice(1));
const digitArb = fc.constantFrom(...'0123456789');
const codeCharArb = fc.constantFrom(...CODE_CHARS);
const first17Arb = fc
  .tuple(departmentArb, categoryArb, fc.array(digitArb, { minLength: 6, maxLength: 6 }), fc.array(codeCharArb, { minLength: 9, maxLength: 9 }))
  .map(([d, c, division, body]) => d + c + division.join('') + body.join(''));

describe('checkCreditCode properties', () => {
  it('accepts any valid body with its computed check character', () => {
    fc.assert(
      fc.property(first17Arb, (first17) => {
        const code = withCheckChar(first17);
        expect(checkCreditCode(code)).toEqual({ ok: true, code });
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects every single-character substitution of a valid code', () => {
    // Replacements include characters outside the set (look-alikes, lower case, space, non-ASCII).
    const replacementArb = fc.constantFrom(...CODE_CHARS, ...'IOSVZaoy -', '中', '\u00A0');
    fc.assert(
      fc.property(first17Arb, fc.integer({ min: 0, max: 17 }), replacementArb, (first17, pos, replacement) => {
        const code = withCheckChar(first17);
        fc.pre(code.charAt(pos) !== replacement);
        const changed = code.slice(0, pos) + replacement + code.slice(pos + 1);
        expect(checkCreditCode(changed).ok).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it('rejects every substitution exhaustively for one code', () => {
    const code = '911100001011596274';
    for (let pos = 0; pos < 18; pos++) {
      for (const replacement of CODE_CHARS) {
        if (replacement === code.charAt(pos)) continue;
        const changed = code.slice(0, pos) + replacement + code.slice(pos + 1);
        expect(checkCreditCode(changed).ok, changed).toBe(false);
      }
    }
  });
});
