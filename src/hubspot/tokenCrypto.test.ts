import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptToken, encryptToken, signState, TokenDecryptError, verifyState } from './tokenCrypto.js';

const key = crypto.randomBytes(32);

describe('token encryption', () => {
  it('round-trips, never stores the plaintext, and uses a fresh IV each time', () => {
    const a = encryptToken(key, '123', 'na1-secret-refresh-token');
    const b = encryptToken(key, '123', 'na1-secret-refresh-token');
    expect(a).not.toContain('secret');
    expect(a).not.toBe(b);
    expect(decryptToken(key, '123', a)).toBe('na1-secret-refresh-token');
  });

  it('refuses another key, another portal and a tampered value', () => {
    const stored = encryptToken(key, '123', 'token');
    expect(() => decryptToken(crypto.randomBytes(32), '123', stored)).toThrow(TokenDecryptError);
    expect(() => decryptToken(key, '124', stored)).toThrow(TokenDecryptError);
    const parts = stored.split('.');
    parts[3] = Buffer.from('tokem').toString('base64url');
    expect(() => decryptToken(key, '123', parts.join('.'))).toThrow(TokenDecryptError);
    expect(() => decryptToken(key, '123', 'plain-token')).toThrow(TokenDecryptError);
  });
});

describe('OAuth state', () => {
  it('verifies its own signature until it expires', () => {
    const state = signState(key, { nonce: 'n1', exp: 2_000 });
    expect(verifyState(key, state, 1_000)).toEqual({ nonce: 'n1', exp: 2_000 });
    expect(verifyState(key, state, 2_001)).toBeUndefined();
    expect(verifyState(crypto.randomBytes(32), state, 1_000)).toBeUndefined();
    const [body, mac] = state.split('.');
    const forged = Buffer.from(JSON.stringify({ nonce: 'n1', exp: 9_999_999 })).toString('base64url');
    expect(verifyState(key, `${forged}.${mac}`, 1_000)).toBeUndefined();
    expect(verifyState(key, `${body}`, 1_000)).toBeUndefined();
  });
});
