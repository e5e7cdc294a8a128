// Turns card usage into exact amounts of work (GFLOP) and reports them as fixed-point strings, so that
// subsidy totals never depend on floating-point rounding.

export interface ThroughputFigures {
  bf16_tflops_dense: string | null;
  fp16_tflops_dense: string | null;
}

export type DenseThroughput = { gflops: number; basis: 'bf16_dense' | 'fp16_dense' };

/** 1 PFLOP·h = 10^15 FLOP/s × 3600 s = 3.6 × 10^18 FLOP = 3.6 × 10^9 GFLOP. */
export const GFLOP_PER_PFLOP_H = 3_600_000_000n;

const SECONDS_PER_HOUR = 3600n;

// Catalogue figures have at most 3 decimals of TFLOPS, which is exactly a whole number of GFLOPS;
// a fourth decimal would need a fractional GFLOPS and break integer arithmetic downstream.
const TFLOPS_PATTERN = /^([0-9]+)(?:\.([0-9]{1,3}))?$/;

/**
 * Converts a decimal TFLOPS figure ("311.87") to integer GFLOPS (311870) by shifting digits, never by
 * floating-point multiplication (in binary floating point 1.005 × 1000 is 1004.9999999999999).
 * Accepts plain non-negative decimals with up to 3 decimals; throws RangeError for anything else
 * (signs, exponents, spaces, more decimals, empty). Missing figures are the caller's concern.
 */
export function parseTflopsToGflops(s: string): number {
  const match = TFLOPS_PATTERN.exec(s);
  if (match === null) {
    const tooPrecise = /^[0-9]+\.[0-9]{4,}$/.test(s);
    throw new RangeError(
      tooPrecise
        ? `TFLOPS figure ${JSON.stringify(s)} has more than 3 decimals`
        : `TFLOPS figure ${JSON.stringify(s)} is not a plain decimal number`,
    );
  }
  const whole = match[1] ?? '0';
  const fraction = (match[2] ?? '').padEnd(3, '0');
  const gflops = Number(BigInt(whole + fraction));
  if (!Number.isSafeInteger(gflops)) {
    throw new RangeError(`TFLOPS figure ${JSON.stringify(s)} is too large`);
  }
  return gflops;
}

function present(figure: string | null): figure is string {
  // The catalogue writes a missing figure as an empty cell, so '' means absent just like null.
  return figure !== null && figure !== '';
}

/**
 * The dense throughput that normalizes this model's work: BF16 if stated, else FP16, else null (the
 * model then counts card-hours only). Throws RangeError on a malformed or zero figure, because a zero
 * would silently erase the work rather than mark it as unmeasured.
 */
export function denseThroughput(m: ThroughputFigures): DenseThroughput | null {
  if (present(m.bf16_tflops_dense)) return nonZero(m.bf16_tflops_dense, 'bf16_dense');
  if (present(m.fp16_tflops_dense)) return nonZero(m.fp16_tflops_dense, 'fp16_dense');
  return null;
}

function nonZero(figure: string, basis: DenseThroughput['basis']): DenseThroughput {
  const gflops = parseTflopsToGflops(figure);
  if (gflops === 0) {
    throw new RangeError(`${basis} throughput ${JSON.stringify(figure)} is zero`);
  }
  return { gflops, basis };
}

function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${value}`);
  }
}

/** Card-seconds of `count` cards held for `duration_s` seconds. Throws RangeError past 2^53 - 1. */
export function cardSeconds(count: number, duration_s: number): number {
  assertCount('count', count);
  assertCount('duration_s', duration_s);
  const card_s = count * duration_s;
  if (!Number.isSafeInteger(card_s)) {
    throw new RangeError(`card-seconds ${count} × ${duration_s} exceeds the safe integer range`);
  }
  return card_s;
}

/** Work in GFLOP: card_s × gflops, exact (as bigint, since the product can pass 2^53). */
export function computeGflop(card_s: number, gflops: number): bigint {
  assertCount('card_s', card_s);
  assertCount('gflops', gflops);
  return BigInt(card_s) * BigInt(gflops);
}

function assertDecimals(decimals: number): void {
  if (!Number.isSafeInteger(decimals) || decimals < 0 || decimals > 100) {
    throw new RangeError(`decimals must be an integer from 0 to 100, got ${decimals}`);
  }
}

// numerator / denominator as a fixed-point string with `decimals` places, rounded half-up (a remainder
// of exactly half a unit in the last place rounds away from zero). Both arguments are non-negative.
function divideToDecimal(numerator: bigint, denominator: bigint, decimals: number): string {
  const scale = 10n ** BigInt(decimals);
  const scaled = numerator * scale;
  let units = scaled / denominator;
  if ((scaled % denominator) * 2n >= denominator) units += 1n;
  if (decimals === 0) return units.toString();
  const whole = units / scale;
  const fraction = (units % scale).toString().padStart(decimals, '0');
  return `${whole}.${fraction}`;
}

function assertWork(gflop: bigint): void {
  if (gflop < 0n) throw new RangeError(`work must be non-negative, got ${gflop} GFLOP`);
}

/**
 * Work in PFLOP·h as an exact decimal string with `decimals` places, rounded half-up in the last place.
 * 3_600_000_000n → "1.000000".
 */
export function formatPflopHours(gflop: bigint, decimals = 6): string {
  assertWork(gflop);
  assertDecimals(decimals);
  return divideToDecimal(gflop, GFLOP_PER_PFLOP_H, decimals);
}

/**
 * Hours the reference card (dense throughput `ref_gflops`) would need for the same work:
 * gflop / (ref_gflops × 3600), exact decimal string rounded half-up in the last place.
 */
export function referenceCardHours(gflop: bigint, ref_gflops: number, decimals = 3): string {
  assertWork(gflop);
  if (!Number.isSafeInteger(ref_gflops) || ref_gflops <= 0) {
    throw new RangeError(`ref_gflops must be a positive safe integer, got ${ref_gflops}`);
  }
  assertDecimals(decimals);
  return divideToDecimal(gflop, BigInt(ref_gflops) * SECONDS_PER_HOUR, decimals);
}

/** Card-hours (card_s / 3600) as an exact decimal string rounded half-up in the last place. */
export function cardHours(card_s: number | bigint, decimals = 3): string {
  if (typeof card_s === 'number') assertCount('card_s', card_s);
  else if (card_s < 0n) throw new RangeError(`card_s must be non-negative, got ${card_s}`);
  assertDecimals(decimals);
  return divideToDecimal(BigInt(card_s), SECONDS_PER_HOUR, decimals);
}
