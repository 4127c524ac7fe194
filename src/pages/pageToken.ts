import crypto from 'node:crypto';

/** What a page token lets its holder do. */
export type PagePurpose = 'create' | 'edit' | 'payment' | 'pdf' | 'view' | 'list' | 'void' | 'settings';

export const PAGE_PURPOSES: readonly PagePurpose[] = ['create', 'edit', 'payment', 'pdf', 'view', 'list', 'void', 'settings'];

/** Tokens minted by the data fetch live this long: long enough to click, short enough to leak little. */
export const PAGE_TOKEN_TTL_SECONDS = 30 * 60;

export interface PageClaims {
  purpose: PagePurpose;
  portalId: string;
  dealId: string;
  /** The invoice the token is for; null for deal-wide pages (create, list, settings). */
  invoiceId: string | null;
  userId: string;
  userEmail: string | null;
  /** Expiry, seconds since epoch. */
  exp: number;
}

export type PageTokenFailure = 'malformed' | 'tampered' | 'expired';

export type PageTokenResult = { ok: true; claims: PageClaims } | { ok: false; reason: PageTokenFailure };

const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 1;

/**
 * Mints an encrypted, authenticated token (AES-256-GCM). Encrypted rather than only signed because
 * the iframe URL carries it and the claims include the rep's email, which must not sit readable in
 * proxy logs or browser history.
 */
export function mintPageToken(key: Buffer, claims: PageClaims): string {
  const payload = JSON.stringify([VERSION, claims.purpose, claims.portalId, claims.dealId, claims.invoiceId, claims.userId, claims.userEmail, claims.exp]);
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(payload, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** Opens a token; says why when it can't (altered, expired, not a token). */
export function readPageToken(key: Buffer, token: string, nowMs: number): PageTokenResult {
  if (!/^[A-Za-z0-9_-]{40,2048}$/.test(token)) return { ok: false, reason: 'malformed' };
  const raw = Buffer.from(token, 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES + 1) return { ok: false, reason: 'malformed' };
  let payload: string;
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    payload = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return { ok: false, reason: 'tampered' };
  }
  const parsed = JSON.parse(payload) as unknown;
  if (!Array.isArray(parsed) || parsed[0] !== VERSION || parsed.length !== 8) return { ok: false, reason: 'malformed' };
  const [, purpose, portalId, dealId, invoiceId, userId, userEmail, exp] = parsed as [number, PagePurpose, string, string, string | null, string, string | null, number];
  if (!PAGE_PURPOSES.includes(purpose)) return { ok: false, reason: 'malformed' };
  if (nowMs >= exp * 1000) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { purpose, portalId, dealId, invoiceId, userId, userEmail, exp } };
}
