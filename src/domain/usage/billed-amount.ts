// The bill of a usage record whose source carries none (Slurm accounting, Prometheus series): cards × seconds × a
// price per card-hour, in integer fen, rounded half up, in BigInt so that no product is ever a float.

/** round-half-up(count × duration_s × fen_per_card_h / 3600). */
export function billedAmountFen(count: number, duration_s: number, fen_per_card_h: number): number {
  const numerator = BigInt(count) * BigInt(duration_s) * BigInt(fen_per_card_h);
  const quotient = numerator / 3600n;
  return Number((numerator % 3600n) * 2n >= 3600n ? quotient + 1n : quotient);
}
