import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacSha256, JS_MAX_BYTES } from './hmacSha256.js';

const reference = (key: Buffer | string, parts: Array<string | Uint8Array>) => {
  const mac = crypto.createHmac('sha256', key);
  for (const p of parts) mac.update(p);
  return mac.digest('hex');
};

/** A random string of `n` UTF-16 units: ASCII mostly, with Latin-1, BMP, astral and lone surrogates. */
function randomText(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const r = Math.random();
    if (r < 0.7) s += String.fromCharCode(32 + Math.floor(Math.random() * 95));
    else if (r < 0.8) s += String.fromCharCode(128 + Math.floor(Math.random() * 128));
    else if (r < 0.9) s += String.fromCharCode(0x800 + Math.floor(Math.random() * 0xd000));
    else if (r < 0.97) s += String.fromCodePoint(0x10000 + Math.floor(Math.random() * 0xfffff));
    else s += String.fromCharCode(0xd800 + Math.floor(Math.random() * 0x800));
  }
  return s;
}

describe('hmacSha256', () => {
  it("matches RFC 4231's test vectors", () => {
    // Test cases 1, 2 and 6 (a key longer than a block) of RFC 4231.
    expect(hmacSha256(Buffer.alloc(20, 0x0b))('Hi There').toString('hex')).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
    expect(hmacSha256('Jefe')('what do ya want for nothing?').toString('hex')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(hmacSha256(Buffer.alloc(131, 0xaa))('Test Using Larger Than Block-Size Key - Hash Key First').toString('hex')).toBe('60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
  });

  it('equals crypto.createHmac for every message length up to a few blocks, around each padding boundary', () => {
    const key = crypto.randomBytes(32);
    const mac = hmacSha256(key);
    for (let n = 0; n <= 300; n++) {
      const msg = crypto.randomBytes(n);
      expect(mac(msg).toString('hex')).toBe(reference(key, [msg]));
    }
  });

  it('equals crypto.createHmac over many random keys, messages and splits into parts', () => {
    for (let t = 0; t < 3000; t++) {
      const key = Math.random() < 0.5 ? crypto.randomBytes(Math.floor(Math.random() * 150)) : randomText(Math.floor(Math.random() * 80));
      const mac = hmacSha256(key);
      const parts: Array<string | Uint8Array> = [];
      const count = 1 + Math.floor(Math.random() * 4);
      for (let i = 0; i < count; i++) parts.push(Math.random() < 0.5 ? randomText(Math.floor(Math.random() * 200)) : crypto.randomBytes(Math.floor(Math.random() * 300)));
      expect(mac(...parts).toString('hex')).toBe(reference(key, parts));
    }
  });

  it('equals crypto.createHmac for messages too long for the JavaScript path (handed to it) and right at the limit', () => {
    const key = crypto.randomBytes(32);
    const mac = hmacSha256(key);
    for (const n of [JS_MAX_BYTES - 1, JS_MAX_BYTES, JS_MAX_BYTES + 1, 64 * 1024, 1024 * 1024]) {
      const msg = crypto.randomBytes(n);
      expect(mac(msg).toString('hex')).toBe(reference(key, [msg]));
      expect(mac('POST', msg, '1718000000000').toString('hex')).toBe(reference(key, ['POST', msg, '1718000000000']));
    }
    const long = randomText(2000);
    expect(mac(long).toString('hex')).toBe(reference(key, [long]));
  });

  it('keeps keys apart: two MAC functions in use side by side each use their own key', () => {
    const a = hmacSha256('key-a');
    const b = hmacSha256('key-b');
    expect(a('m').toString('hex')).toBe(reference('key-a', ['m']));
    expect(b('m').toString('hex')).toBe(reference('key-b', ['m']));
    expect(a('m').toString('hex')).toBe(reference('key-a', ['m']));
  });

  it('does not change the key it was given', () => {
    const key = Buffer.from('0123456789abcdef0123456789abcdef');
    const copy = Buffer.from(key);
    hmacSha256(key)('message');
    expect(key.equals(copy)).toBe(true);
  });
});
