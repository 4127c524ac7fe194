import crypto from 'node:crypto';

/**
 * HMAC-SHA256 (RFC 2104) under one fixed key, for the short messages the hot paths MAC (page
 * tokens: about sixteen per data fetch; the v3 signature of every signed request).
 *
 * HMAC(K, m) = SHA256((K' ^ opad) || SHA256((K' ^ ipad) || m)), where K' is the key padded to one
 * 64-byte block. Both padded keys are exactly one block, so their SHA-256 states after that block
 * (the "midstates") are computed once per key; a MAC then costs the compression of m's blocks and
 * of one outer block, in plain JavaScript. crypto.createHmac re-derives the pads for every call
 * and its per-call set-up (an Hmac object, a key import, a native handle) cost more than the
 * hashing itself on messages this short: 1.6 against 2.3-2.8 µs per page token (and Hash.copy()
 * of precomputed states was slower still, 3.4 µs: it builds two native objects per MAC).
 *
 * The output is the standard HMAC-SHA256, bit for bit (hmacSha256.test.ts compares it with
 * crypto.createHmac over many random keys and messages). Nothing branches on or indexes by the key
 * or the message: the time depends on the message's length only. Messages longer than
 * JS_MAX_BYTES go to crypto.createHmac, which is faster there.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** Messages up to this many bytes are hashed here; longer ones by crypto.createHmac. */
export const JS_MAX_BYTES = 4096;

// Scratch space, reused by every call (JavaScript runs one call at a time): the message schedule,
// the running state and the padded message.
const W = new Int32Array(64);
const H = new Int32Array(8);
const scratch = Buffer.alloc(JS_MAX_BYTES + 128);

/** SHA-256's compression function: folds the 64-byte block at `bytes[off]` into `state`. */
function compress(state: Int32Array, bytes: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) {
    const j = off + i * 4;
    W[i] = (bytes[j]! << 24) | (bytes[j + 1]! << 16) | (bytes[j + 2]! << 8) | bytes[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15]!;
    const w2 = W[i - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + s1 + ch + K[i]! + W[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + ((s0 + maj) | 0)) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

/** The SHA-256 state after one block: the key XOR `pad`. */
function midstate(key: Buffer, pad: number): Int32Array {
  const block = Buffer.alloc(64, pad);
  for (let i = 0; i < key.length; i++) block[i] = key[i]! ^ pad;
  const state = IV.slice();
  compress(state, block, 0);
  return state;
}

/** Pads the `n` message bytes in `scratch` (after one block already hashed) and hashes them into H. */
function finish(n: number): void {
  const len = (n + 9 + 63) & ~63;
  scratch[n] = 0x80;
  scratch.fill(0, n + 1, len - 4);
  // Length in bits, including the key block; messages here are far below 2^32 bits.
  scratch.writeUInt32BE((n + 64) * 8, len - 4);
  for (let off = 0; off < len; off += 64) compress(H, scratch, off);
}

/** A MAC function under one key. */
export interface HmacSha256 {
  /** HMAC-SHA256 of the parts, concatenated (strings as UTF-8), as 32 bytes. */
  (...parts: Array<string | Uint8Array>): Buffer;
}

/** HMAC-SHA256 under `key` (a string key is its UTF-8 bytes, as for crypto.createHmac). */
export function hmacSha256(key: Buffer | string): HmacSha256 {
  let k = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  if (k.length > 64) k = crypto.createHash('sha256').update(k).digest();
  const inner = midstate(k, 0x36);
  const outer = midstate(k, 0x5c);
  const native = (parts: Array<string | Uint8Array>) => {
    const mac = crypto.createHmac('sha256', k);
    for (const p of parts) mac.update(p);
    return mac.digest();
  };
  return (...parts) => {
    let n = 0;
    for (const p of parts) {
      if (typeof p === 'string') {
        // Up to three bytes per UTF-16 unit: check the bound before writing.
        if (n + p.length * 3 > JS_MAX_BYTES) return native(parts);
        n += scratch.write(p, n, 'utf8');
      } else {
        if (n + p.length > JS_MAX_BYTES) return native(parts);
        scratch.set(p, n);
        n += p.length;
      }
    }
    H.set(inner);
    finish(n);
    for (let i = 0; i < 8; i++) scratch.writeInt32BE(H[i]!, i * 4);
    H.set(outer);
    finish(32);
    const out = Buffer.allocUnsafe(32);
    for (let i = 0; i < 8; i++) out.writeInt32BE(H[i]!, i * 4);
    return out;
  };
}
