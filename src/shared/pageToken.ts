import crypto from 'node:crypto';
import { constantTimeEqual } from './constantTime.js';
import { type HmacSha256, hmacSha256 } from './hmacSha256.js';

/** What a page token lets its holder do. */
export type PagePurpose = 'create' | 'edit' | 'payment' | 'pdf' | 'view' | 'list' | 'void' | 'settings';

export const PAGE_PURPOSES: readonly PagePurpose[] = ['create', 'edit', 'payment', 'pdf', 'view', 'list', 'void', 'settings'];

/** Links minted by the data fetch live this long: long enough to click, short enough to leak little. */
export const PAGE_TOKEN_TTL_SECONDS = 30 * 60;

/** Page sessions outlive the card's 30-minute link: a rep may keep a form open for a while. */
export const PAGE_SESSION_SECONDS = 2 * 60 * 60;

/**
 * No token derived from one signed data fetch, by any route (a page's session token, the list's
 * paging and invoice links, the view page's PDF link, a page opened from any of those), expires
 * later than that fetch's mint time plus this: the card's 30-minute link plus one full page
 * session. A rep who opens a link in its last minute still gets two hours on the form; a leaked
 * URL stops working 2.5 hours after the card was shown, however often it is reloaded. Every token
 * carries that mint time (`origin`) inside the MAC, the minter clamps every expiry to it, and
 * readPageToken enforces it again.
 */
export const PAGE_CHAIN_MAX_SECONDS = PAGE_TOKEN_TTL_SECONDS + PAGE_SESSION_SECONDS;

/**
 * A link opens a page (it travels in a URL: history, screenshots, a forwarded email); a session
 * token only authorises the page's own API calls (X-Page-Token) and never opens a page, so a page
 * load cannot turn its session token into a fresh link. The kind is inside the MAC.
 */
export type PageTokenKind = 'link' | 'session' | 'record';

/**
 * A record link is the one long-lived link: the invoice PDF link written into a note on the
 * deal's timeline, which stays there. It opens that invoice's PDF and nothing else (any other
 * purpose is refused as malformed), carries no user, and lives RECORD_LINK_SECONDS from its
 * mint. Like every link it is refused once the portal is no longer served, and the deal in it
 * must still be the invoice's deal.
 */
export const RECORD_LINK_SECONDS = 400 * 24 * 60 * 60;

/** Who the token was minted for: everything but the kind, the purpose and the invoice. */
export interface PageIdentity {
  portalId: string;
  dealId: string;
  userId: string;
  userEmail: string | null;
  /** When the signed data fetch that started this chain minted its links, seconds since epoch. */
  origin: number;
  /** Expiry, seconds since epoch (never later than origin + PAGE_CHAIN_MAX_SECONDS). */
  exp: number;
}

export interface PageClaims extends PageIdentity {
  kind: PageTokenKind;
  purpose: PagePurpose;
  /** The invoice the token is for; null for deal-wide pages (create, list, settings). */
  invoiceId: string | null;
}

export type PageTokenFailure = 'malformed' | 'tampered' | 'expired';

/**
 * A refusal. An expired token's MAC checked out, so its kind is known and told: a timeline note's
 * record link that has run out is explained to the rep differently from a card's 30-minute link.
 */
export type PageTokenResult = { ok: true; claims: PageClaims } | { ok: false; reason: PageTokenFailure; kind?: PageTokenKind };

/*
 * Layout: 3.<kind><purpose>.<portal>.<deal>.<invoice>.<user>.<origin>.<exp>.<email>.<tag>
 * - the ids and times are in clear: they are HubSpot ids the rep already sees;
 * - <email> is the rep's email encrypted with AES-256-GCM (it must not sit readable in proxy logs
 *   or browser history), done once per card and shared by all its links;
 * - <tag> is HMAC-SHA256 over everything before it, truncated to 128 bits, so no field (the kind
 *   and the chain's origin included) can be altered or moved to another token.
 * A card carries about twenty links; one encryption plus cheap HMACs per card instead of an
 * encryption per link halved the data fetch's CPU time, and each HMAC starts from its key's
 * precomputed pad states (shared/hmacSha256.ts).
 * Version 2 tokens (no kind, no origin) are refused as malformed.
 */
const VERSION = '3';
const TAG_CHARS = 22; // 16 bytes, base64url
const IV_BYTES = 12;
const GCM_TAG_BYTES = 16;
const PURPOSE_CODE: Record<PagePurpose, string> = { create: 'c', edit: 'e', payment: 'p', pdf: 'f', view: 'v', list: 'l', void: 'x', settings: 's' };
const PURPOSE_BY_CODE = new Map(Object.entries(PURPOSE_CODE).map(([p, c]) => [c, p as PagePurpose]));
const KIND_CODE: Record<PageTokenKind, string> = { link: 'l', session: 's', record: 'r' };
const KIND_BY_CODE = new Map(Object.entries(KIND_CODE).map(([k, c]) => [c, k as PageTokenKind]));
const TOKEN = /^3\.([a-z])([a-z])\.(\d{1,20})\.(\d{1,20})\.(\d{0,20})\.(\d{0,20})\.(\d{1,12})\.(\d{1,12})\.([A-Za-z0-9_-]{0,700})\.([A-Za-z0-9_-]{22})$/;

interface Keys {
  /** HMAC-SHA256 under the MAC subkey (shared/hmacSha256.ts: its pads are hashed once per key). */
  mac: HmacSha256;
  enc: Buffer;
}
const keyCache = new WeakMap<Buffer, Keys>();

/** Separate subkeys for the MAC and the email encryption, derived once per key. */
function subkeys(key: Buffer): Keys {
  let keys = keyCache.get(key);
  if (!keys) {
    keys = {
      mac: hmacSha256(Buffer.from(crypto.hkdfSync('sha256', key, '', 'page-token-mac', 32))),
      enc: Buffer.from(crypto.hkdfSync('sha256', key, '', 'page-token-enc', 32)),
    };
    keyCache.set(key, keys);
  }
  return keys;
}

// IVs come from a pool refilled 256 at a time: a randomBytes call per card (a getrandom syscall)
// showed up in the data fetch's profile.
let ivPool = Buffer.alloc(0);
let ivOffset = 0;
function nextIv(): Buffer {
  if (ivOffset + IV_BYTES > ivPool.length) {
    ivPool = crypto.randomBytes(IV_BYTES * 256);
    ivOffset = 0;
  }
  ivOffset += IV_BYTES;
  return ivPool.subarray(ivOffset - IV_BYTES, ivOffset);
}

function tag(mac: HmacSha256, body: string): string {
  return mac(body).subarray(0, 16).toString('base64url');
}

// A rep opens deal after deal: the encrypted form of their email is reused for a minute instead of
// encrypting it again for every card. Reusing a ciphertext (not an IV) is safe; it only shows that
// two links came from the same rep, which their ids say anyway.
const EMAIL_REUSE_MS = 60_000;
const EMAIL_CACHE_MAX = 1000;
const emailCache = new WeakMap<Buffer, Map<string, { blob: string; from: number }>>();

function encryptedEmail(enc: Buffer, email: string, nowMs: number): string {
  let cache = emailCache.get(enc);
  if (!cache) {
    cache = new Map();
    emailCache.set(enc, cache);
  }
  const hit = cache.get(email);
  if (hit && nowMs >= hit.from && nowMs < hit.from + EMAIL_REUSE_MS) return hit.blob;
  const iv = nextIv();
  const cipher = crypto.createCipheriv('aes-256-gcm', enc, iv);
  const body = Buffer.concat([cipher.update(email, 'utf8'), cipher.final()]);
  const blob = Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  if (cache.size >= EMAIL_CACHE_MAX) cache.clear();
  cache.set(email, { blob, from: nowMs });
  return blob;
}

/**
 * Returns a function that mints tokens for one identity (one card view): the email is encrypted
 * once (or reused, see above), each token then costs one HMAC. The expiry is clamped to the
 * chain's bound (origin + PAGE_CHAIN_MAX_SECONDS), whatever the caller asked for.
 */
export function pageTokenMinter(key: Buffer, identity: PageIdentity, nowMs = Date.now()): (purpose: PagePurpose, invoiceId: string | null, kind?: PageTokenKind) => string {
  const { mac, enc } = subkeys(key);
  const email = identity.userEmail ? encryptedEmail(enc, identity.userEmail, nowMs) : '';
  const exp = Math.min(identity.exp, identity.origin + PAGE_CHAIN_MAX_SECONDS);
  const tail = `${identity.userId}.${identity.origin}.${exp}.${email}`;
  const portalDeal = `${identity.portalId}.${identity.dealId}`;
  return (purpose, invoiceId, kind = 'link') => {
    const body = `${VERSION}.${KIND_CODE[kind]}${PURPOSE_CODE[purpose]}.${portalDeal}.${invoiceId ?? ''}.${tail}`;
    return `${body}.${tag(mac, body)}`;
  };
}

/** Mints the PDF link of a timeline note (see RECORD_LINK_SECONDS). */
export function mintRecordLink(key: Buffer, target: { portalId: string; dealId: string; invoiceId: string }, nowMs = Date.now()): string {
  const origin = Math.floor(nowMs / 1000);
  const { mac } = subkeys(key);
  const body = `${VERSION}.${KIND_CODE.record}${PURPOSE_CODE.pdf}.${target.portalId}.${target.dealId}.${target.invoiceId}..${origin}.${origin + RECORD_LINK_SECONDS}.`;
  return `${body}.${tag(mac, body)}`;
}

/** Mints one token. */
export function mintPageToken(key: Buffer, claims: PageClaims, nowMs = Date.now()): string {
  return pageTokenMinter(key, claims, nowMs)(claims.purpose, claims.invoiceId, claims.kind);
}

/**
 * A token a page hands out from the link it was opened with: its session token, or a link to
 * another page for the same rep and deal. Same identity and chain origin; it lives a page session
 * from now, but never past the chain's bound, so renewing by reloading or paging ends there.
 */
export function derivePageToken(key: Buffer, from: PageClaims, to: { kind: PageTokenKind; purpose: PagePurpose; invoiceId: string | null }, nowMs: number): string {
  return mintPageToken(key, { ...from, ...to, exp: Math.floor(nowMs / 1000) + PAGE_SESSION_SECONDS }, nowMs);
}

/** Opens a token; says why when it can't (altered, expired, not a token). */
export function readPageToken(key: Buffer, token: string, nowMs: number): PageTokenResult {
  const m = TOKEN.exec(token);
  if (!m) return { ok: false, reason: 'malformed' };
  const [, kindCode, code, portalId, dealId, invoiceId, userId, origin, exp, email, given] = m as unknown as string[];
  const { mac, enc } = subkeys(key);
  const body = token.slice(0, token.length - TAG_CHARS - 1);
  const expected = tag(mac, body);
  if (!constantTimeEqual(expected, given!)) return { ok: false, reason: 'tampered' };
  const purpose = PURPOSE_BY_CODE.get(code!);
  const kind = KIND_BY_CODE.get(kindCode!);
  if (!purpose || !kind) return { ok: false, reason: 'malformed' };
  if (kind === 'record' && (purpose !== 'pdf' || !invoiceId || userId || email)) return { ok: false, reason: 'malformed' };
  // The chain's bound again, in case a token was ever minted past it (a record link's own bound for those).
  const bound = Number(origin) + (kind === 'record' ? RECORD_LINK_SECONDS : PAGE_CHAIN_MAX_SECONDS);
  if (nowMs >= Math.min(Number(exp), bound) * 1000) return { ok: false, reason: 'expired', kind };
  let userEmail: string | null = null;
  if (email) {
    const raw = Buffer.from(email, 'base64url');
    if (raw.length < IV_BYTES + GCM_TAG_BYTES) return { ok: false, reason: 'malformed' };
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', enc, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(raw.length - GCM_TAG_BYTES));
      userEmail = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - GCM_TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return { ok: false, reason: 'tampered' };
    }
  }
  return {
    ok: true,
    claims: { kind, purpose, portalId: portalId!, dealId: dealId!, invoiceId: invoiceId || null, userId: userId!, userEmail, origin: Number(origin), exp: Number(exp) },
  };
}
