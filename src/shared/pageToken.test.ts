import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { derivePageToken, mintPageToken, mintRecordLink, PAGE_CHAIN_MAX_SECONDS, PAGE_SESSION_SECONDS, type PageClaims, pageTokenMinter, readPageToken, RECORD_LINK_SECONDS } from './pageToken.js';

const key = crypto.randomBytes(32);
const now = Date.parse('2026-11-25T12:00:00Z');
const claims: PageClaims = {
  kind: 'link',
  purpose: 'payment',
  portalId: '987654',
  dealId: '53701',
  invoiceId: '17',
  userId: '4242',
  userEmail: 'rep@seller.example',
  origin: now / 1000,
  exp: now / 1000 + 600,
};

describe('page tokens', () => {
  it('round-trips the claims', () => {
    expect(readPageToken(key, mintPageToken(key, claims), now)).toEqual({ ok: true, claims });
  });

  it("keeps the rep's email encrypted and the ids readable", () => {
    const token = mintPageToken(key, claims);
    expect(token).not.toContain('seller');
    expect(Buffer.from(token.split('.')[8]!, 'base64url').toString('latin1')).not.toContain('seller');
    expect(token).toContain('.987654.53701.17.4242.');
  });

  it('reuses the encrypted email for a minute, then encrypts it afresh', () => {
    const blob = (nowMs: number) => pageTokenMinter(key, claims, nowMs)('view', '1').split('.')[8];
    const first = blob(now);
    expect(blob(now + 1000)).toBe(first);
    expect(blob(now + 61_000)).not.toBe(first);
  });

  it('binds every field: changing an id, the kind, the purpose, the origin or the expiry, or swapping the email, breaks it', () => {
    const token = mintPageToken(key, claims);
    const other = mintPageToken(key, { ...claims, userEmail: 'boss@seller.example' });
    const parts = token.split('.');
    const swaps = [
      token.replace('.17.', '.18.'),
      token.replace('3.lp.', '3.le.'),
      token.replace('3.lp.', '3.sp.'),
      token.replace(`.${claims.origin}.`, `.${claims.origin + 3600}.`),
      token.replace(`.${claims.exp}.`, `.${claims.exp + 3600}.`),
      [...parts.slice(0, 8), other.split('.')[8], parts[9]].join('.'),
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
    expect(readPageToken(key, mintPageToken(key, claims), claims.exp * 1000)).toEqual({ ok: false, reason: 'expired', kind: claims.kind });
    expect(readPageToken(key, 'not-a-token', now)).toEqual({ ok: false, reason: 'malformed' });
    expect(readPageToken(key, 'A'.repeat(60), now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('tells a session token from a link, inside the MAC', () => {
    const session = mintPageToken(key, { ...claims, kind: 'session' });
    expect(readPageToken(key, session, now)).toEqual({ ok: true, claims: { ...claims, kind: 'session' } });
    expect(session).not.toBe(mintPageToken(key, claims));
  });

  it("never mints past the chain's bound, and refuses a token past it whatever its expiry says", () => {
    const asked = mintPageToken(key, { ...claims, exp: claims.origin + 10 * 24 * 3600 });
    const read = readPageToken(key, asked, now);
    expect(read.ok && read.claims.exp).toBe(claims.origin + PAGE_CHAIN_MAX_SECONDS);
    expect(readPageToken(key, asked, (claims.origin + PAGE_CHAIN_MAX_SECONDS) * 1000)).toEqual({ ok: false, reason: 'expired', kind: 'link' });
  });

  it('derives tokens that keep the origin and live a session from now, but never past the bound', () => {
    const early = readPageToken(key, derivePageToken(key, claims, { kind: 'session', purpose: 'payment', invoiceId: '17' }, now + 60_000), now + 60_000);
    expect(early).toMatchObject({ ok: true, claims: { kind: 'session', origin: claims.origin, exp: claims.origin + 60 + PAGE_SESSION_SECONDS } });
    const late = now + 100 * 60_000;
    const clamped = readPageToken(key, derivePageToken(key, claims, { kind: 'link', purpose: 'view', invoiceId: '17' }, late), late);
    expect(clamped).toMatchObject({ ok: true, claims: { kind: 'link', purpose: 'view', origin: claims.origin, exp: claims.origin + PAGE_CHAIN_MAX_SECONDS } });
  });

  it("a timeline note's record link opens one invoice's PDF for 400 days, with no user, and cannot be made into anything else", () => {
    const link = mintRecordLink(key, { portalId: '987654', dealId: '53701', invoiceId: '17' }, now);
    const read = readPageToken(key, link, now + 399 * 86_400_000);
    expect(read).toEqual({
      ok: true,
      claims: { kind: 'record', purpose: 'pdf', portalId: '987654', dealId: '53701', invoiceId: '17', userId: '', userEmail: null, origin: now / 1000, exp: now / 1000 + RECORD_LINK_SECONDS },
    });
    expect(readPageToken(key, link, now + RECORD_LINK_SECONDS * 1000)).toEqual({ ok: false, reason: 'expired', kind: 'record' });
    // Another purpose, a user or a missing invoice, even correctly signed, is refused.
    for (const forged of [
      mintPageToken(key, { ...claims, kind: 'record', purpose: 'payment' }),
      mintPageToken(key, { ...claims, kind: 'record', purpose: 'pdf' }),
      mintPageToken(key, { ...claims, kind: 'record', purpose: 'pdf', invoiceId: null, userId: '', userEmail: null }),
    ]) {
      expect(readPageToken(key, forged, now)).toEqual({ ok: false, reason: 'malformed' });
    }
    // Its fields are bound like any token's.
    expect(readPageToken(key, link.replace('.17.', '.18.'), now)).toEqual({ ok: false, reason: 'tampered' });
  });
});
