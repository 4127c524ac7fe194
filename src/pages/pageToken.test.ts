import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mintPageToken, type PageClaims, pageTokenMinter, readPageToken } from './pageToken.js';

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

  it('keeps the rep\'s email encrypted and the ids readable', () => {
    const token = mintPageToken(key, claims);
    expect(token).not.toContain('seller');
    expect(Buffer.from(token.split('.')[7]!, 'base64url').toString('latin1')).not.toContain('seller');
    expect(token).toContain('.987654.53701.17.4242.');
  });

  it('reuses the encrypted email for a minute, then encrypts it afresh', () => {
    const blob = (nowMs: number) => pageTokenMinter(key, claims, nowMs)('view', '1').split('.')[7];
    const first = blob(now);
    expect(blob(now + 1000)).toBe(first);
    expect(blob(now + 61_000)).not.toBe(first);
  });

  it('binds every field: changing an id, the purpose or the expiry, or swapping the email, breaks it', () => {
    const token = mintPageToken(key, claims);
    const other = mintPageToken(key, { ...claims, userEmail: 'boss@seller.example' });
    const parts = token.split('.');
    const swaps = [
      token.replace('.17.', '.18.'),
      token.replace('2.p.', '2.e.'),
      token.replace(`.${claims.exp}.`, `.${claims.exp + 3600}.`),
      [...parts.slice(0, 7), other.split('.')[7], parts[8]].join('.'),
    ];
    for (const t of swaps) expect(readPageToken(key, t, now), t).toEqual({ ok: false, reason: 'tampered' });
  });

  it('works for deal-wide pages and reps without an email', () => {
    const deal: PageClaims = { ...claims, purpose: 'create', invoiceId: null, userEmail: null };
    expect(readPageToken(key, mintPageToken(key, deal), now)).toEqual({ ok: true, claims: deal });
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
    expect(readPageToken(key, 'A'.repeat(60), now)).toEqual({ ok: false, reason: 'malformed' });
  });
});
