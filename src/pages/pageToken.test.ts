import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mintPageToken, type PageClaims, readPageToken } from './pageToken.js';

const key = crypto.randomBytes(32);
const now = Date.parse('2026-11-25T12:00:00Z');
const claims: PageClaims = {
  purpose: 'payment',
  portalId: '987654',
  dealId: '53701',
  invoiceId: '17',
  userId: '4242',
  userEmail: 'rep@seller.example',
  exp: now / 1000 + 600,
};

describe('page tokens', () => {
  it('round-trips the claims', () => {
    expect(readPageToken(key, mintPageToken(key, claims), now)).toEqual({ ok: true, claims });
  });

  it('does not reveal the claims (the email is encrypted)', () => {
    const token = mintPageToken(key, claims);
    expect(Buffer.from(token, 'base64url').toString('latin1')).not.toContain('seller.example');
    expect(mintPageToken(key, claims)).not.toBe(token); // fresh IV each time
  });

  it('rejects any altered character', () => {
    const token = mintPageToken(key, claims);
    for (let i = 0; i < token.length; i += 7) {
      const altered = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
      const result = readPageToken(key, altered, now);
      expect(result.ok, `position ${i}`).toBe(false);
    }
  });

  it('rejects tokens from another key, expired tokens and garbage', () => {
    expect(readPageToken(crypto.randomBytes(32), mintPageToken(key, claims), now)).toEqual({ ok: false, reason: 'tampered' });
    expect(readPageToken(key, mintPageToken(key, claims), claims.exp * 1000)).toEqual({ ok: false, reason: 'expired' });
    expect(readPageToken(key, 'not-a-token', now)).toEqual({ ok: false, reason: 'malformed' });
    expect(readPageToken(key, 'A'.repeat(60), now)).toEqual({ ok: false, reason: 'tampered' });
  });
});
