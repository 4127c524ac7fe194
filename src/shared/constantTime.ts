import crypto from 'node:crypto';

/**
 * Whether `a` and `b` hold the same bytes (strings as UTF-8), compared in time that depends on
 * their lengths only: the one compare for MACs, signatures, tokens and nonces. Different lengths
 * are simply unequal (crypto.timingSafeEqual would throw); lengths are not secret here.
 */
export function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const x = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
  const y = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  return x.byteLength === y.byteLength && crypto.timingSafeEqual(x, y);
}
