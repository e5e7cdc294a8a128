// Public identifiers: a kind prefix and 20 random base32 characters (100 bits), never reused.
import { randomBytes } from 'node:crypto';

const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789'; // 32 symbols, no look-alikes (l, o, 0, 1)

export function newId(prefix: 'o' | 'p' | 'e' | 'c' | 'k' | 'prg' | 'clm' | 'fnd' | 'sk' | 'u'): string {
  const bytes = randomBytes(20);
  let s = `${prefix}_`;
  for (const b of bytes) s += alphabet[b & 31];
  return s;
}
