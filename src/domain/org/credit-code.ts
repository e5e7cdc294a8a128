// Validates the 18-character unified social credit code (统一社会信用代码, GB 32100-2015) that
// identifies an applicant organization, so a typo is caught at entry instead of at payout.

/** What is wrong with a credit code, as named parameters (the refusal invalid_credit_code; positions count from 1). */
export type CreditCodeProblem =
  | { reason: 'length'; length: number; length_expected: number }
  | { reason: 'charset'; position: number; character: string }
  | { reason: 'department'; character: string }
  | { reason: 'category'; character: string }
  | { reason: 'division'; division: string }
  | { reason: 'check_digit'; character: string; expected: string };

export type CreditCodeCheck = { ok: true; code: string } | { ok: false; problem: CreditCodeProblem };

// The standard's character set; a character's value in the check sum is its index here.
// The standard leaves out I, O, S, V and Z so that hand-copied codes are not misread.
const CODE_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';

// 3^(i-1) mod 31 for positions 1..17 (the standard refers to GB/T 17710 for the check). Because 31 is
// prime and no weight is 0 mod 31, any single wrong character changes the sum, so the check catches it.
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

// Position 1, registration management department (登记管理部门代码). GB 32100-2015 defines the position;
// the department/category code table applied under it assigns: 1 机构编制, 2 外交, 3 司法行政, 4 文化,
// 5 民政, 6 旅游, 7 宗教, 8 工会, 9 工商 (now market regulation), A 中央军委改革和编制办公室, N 农业, Y 其他.
// Letters B-G are not assigned there, so they are rejected.
const DEPARTMENT_CODES = '123456789ANY';

// GB 11714 organization code: the 9th character checks the first 8 with these weights.
const ORGANIZATION_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;

function codeValue(ch: string): number {
  // indexOf('') is 0, so guard length: a caller slicing past the end must not read as '0'.
  return ch.length === 1 ? CODE_CHARS.indexOf(ch) : -1;
}

/**
 * Check character (position 18) for the first 17 characters of a credit code.
 * Throws RangeError when `first17` is not 17 characters or holds a character outside the code set.
 */
export function creditCodeCheckChar(first17: string): string {
  if (first17.length !== 17) {
    throw new RangeError(`expected 17 characters, got ${first17.length}`);
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const ch = first17.charAt(i);
    const value = codeValue(ch);
    if (value < 0) {
      throw new RangeError(`character ${i + 1} is ${JSON.stringify(ch)}, which is not in the code character set`);
    }
    sum += value * CREDIT_WEIGHTS[i]!;
  }
  return CODE_CHARS.charAt((31 - (sum % 31)) % 31);
}

// GB 11714 values a letter as A=10 … Z=35 (its own set, wider than the credit-code set).
function organizationValue(ch: string): number {
  if (ch.length !== 1) return -1;
  const c = ch.charCodeAt(0);
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 65 && c <= 90) return c - 55; // A-Z
  return -1;
}

/**
 * GB 11714 check character for the first 8 characters of an organization code:
 * c = 11 - (Σ value × weight) mod 11, written 'X' for 10 and '0' for 11.
 * Throws RangeError when `first8` is not 8 characters of 0-9 / A-Z.
 */
export function organizationCodeCheckChar(first8: string): string {
  if (first8.length !== 8) {
    throw new RangeError(`expected 8 characters, got ${first8.length}`);
  }
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const ch = first8.charAt(i);
    const value = organizationValue(ch);
    if (value < 0) {
      throw new RangeError(`character ${i + 1} is ${JSON.stringify(ch)}, which is not 0-9 or A-Z`);
    }
    sum += value * ORGANIZATION_WEIGHTS[i]!;
  }
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

/**
 * Whether a 9-character organization code (credit-code positions 9-17) carries a correct GB 11714
 * check character. Advisory only: checkCreditCode does not require it (see there).
 */
export function isOrganizationCodeValid(code9: string): boolean {
  if (code9.length !== 9) return false;
  const head = code9.slice(0, 8);
  for (const ch of head) {
    if (organizationValue(ch) < 0) return false;
  }
  return organizationCodeCheckChar(head) === code9.charAt(8);
}

function fail(problem: CreditCodeProblem): CreditCodeCheck {
  return { ok: false, problem };
}

/**
 * Checks a credit code exactly as given: no trimming, no upper-casing, because the stored code must be
 * the one on the licence. Reports the first problem in this order: length, charset, department,
 * category, division, check_digit.
 *
 * Positions 9-17 are not required to pass the GB 11714 organization-code check: codes issued to
 * individual businesses (个体工商户) and other newly registered bodies carry an identifier assigned by the
 * registration authority rather than a GB 11714 organization code, so that check would reject real codes.
 */
export function checkCreditCode(input: string): CreditCodeCheck {
  if (input.length !== 18) {
    return fail({ reason: 'length', length: input.length, length_expected: 18 });
  }
  for (let i = 0; i < 18; i++) {
    const ch = input.charAt(i);
    if (codeValue(ch) < 0) {
      return fail({ reason: 'charset', position: i + 1, character: ch });
    }
  }
  const department = input.charAt(0);
  if (!DEPARTMENT_CODES.includes(department)) {
    return fail({ reason: 'department', character: department });
  }
  // The category table only uses digits so far, but categories are added alongside departments; any
  // non-zero code character is accepted so a newly assigned category does not lock an applicant out.
  const category = input.charAt(1);
  if (category === '0') {
    return fail({ reason: 'category', character: category });
  }
  const division = input.slice(2, 8);
  if (!/^[0-9]{6}$/.test(division)) {
    return fail({ reason: 'division', division });
  }
  const expected = creditCodeCheckChar(input.slice(0, 17));
  const actual = input.charAt(17);
  if (actual !== expected) {
    return fail({ reason: 'check_digit', character: actual, expected });
  }
  return { ok: true, code: input };
}
