// Passwords: scrypt (node:crypto) with stated parameters, stored as one self-describing string so the parameters can
// be raised later without losing old hashes; constant-time comparison; a plain length policy.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** N = 2^15, r = 8, p = 1: 32 MiB of memory and ~0.1 s per hash on one core; 16-byte salt; 32-byte key. */
export const scrypt_params = { N: 32_768, r: 8, p: 1, keylen: 32, saltlen: 16 } as const;
export const password_chars_min = 12;
export const password_chars_max = 256;

function scryptAsync(password: string, salt: Buffer, N: number, r: number, p: number, keylen: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keylen, { N, r, p, maxmem: 256 * N * r }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** "scrypt$N$r$p$salt(base64)$key(base64)" */
export async function hashPassword(password: string): Promise<string> {
  const { N, r, p, keylen, saltlen } = scrypt_params;
  const salt = randomBytes(saltlen);
  const key = await scryptAsync(password, salt, N, r, p, keylen);
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (!(N > 1 && r > 0 && p > 0) || expected.length === 0) return false;
  const key = await scryptAsync(password, salt, N, r, p, expected.length);
  return timingSafeEqual(key, expected);
}

/** A hash of a password nobody has: verifying against it costs what a real check costs (no timing oracle for unknown logins). */
export const unusable_hash = `scrypt$${scrypt_params.N}$${scrypt_params.r}$${scrypt_params.p}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32, 1).toString('base64')}`;

/** What breaks the password policy (the refusal invalid_password). */
export type PasswordProblem = { reason: 'too_short'; chars_min: number } | { reason: 'too_long'; chars_max: number } | { reason: 'is_login' };

/** null when acceptable, else what is wrong. */
export function passwordProblem(password: string, login: string): PasswordProblem | null {
  const length = [...password].length;
  if (length < password_chars_min) return { reason: 'too_short', chars_min: password_chars_min };
  if (length > password_chars_max) return { reason: 'too_long', chars_max: password_chars_max };
  if (password.toLowerCase() === login.toLowerCase()) return { reason: 'is_login' };
  return null;
}
