import crypto from 'node:crypto';
import { constantTimeEqual } from '../shared/constantTime.js';

/**
 * OAuth tokens at rest: AES-256-GCM under TOKEN_ENCRYPTION_KEY, a fresh 96-bit IV per value, and
 * the portal id as associated data, so a ciphertext copied onto another portal's row does not
 * decrypt. Stored as `v1.<iv>.<tag>.<ciphertext>` in base64url.
 */

export class TokenDecryptError extends Error {}

export function encryptToken(key: Buffer, portalId: string, plaintext: string): string {
  return encryptBound(key, `portal:${portalId}`, plaintext);
}

export function decryptToken(key: Buffer, portalId: string, stored: string): string {
  return decryptBound(key, `portal:${portalId}`, stored);
}

/**
 * The same, bound to any context (the associated data): a pending revocation's tokens are bound to
 * its row (`revocation:<ref>`), so they decrypt nowhere else and a portal's tokens not there.
 */
export function encryptBound(key: Buffer, context: string, plaintext: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

export function decryptBound(key: Buffer, context: string, stored: string): string {
  const [version, iv, tag, ct] = stored.split('.');
  if (version !== 'v1' || !iv || !tag || ct === undefined) throw new TokenDecryptError('stored token is not in the v1 format');
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new TokenDecryptError('stored token does not decrypt with TOKEN_ENCRYPTION_KEY (was the key changed?)');
  }
}

/** An HMAC-signed, expiring value (the OAuth `state`), under a key derived from TOKEN_ENCRYPTION_KEY. */
export function signState(key: Buffer, payload: { nonce: string; exp: number }): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${crypto.createHmac('sha256', stateKey(key)).update(body).digest('base64url')}`;
}

/** The state's payload when its signature is good and it has not expired; undefined otherwise. */
export function verifyState(key: Buffer, state: string, nowMs: number): { nonce: string; exp: number } | undefined {
  const [body, mac] = state.split('.');
  if (!body || !mac) return undefined;
  const expected = crypto.createHmac('sha256', stateKey(key)).update(body).digest();
  const given = Buffer.from(mac, 'base64url');
  if (!constantTimeEqual(given, expected)) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { nonce?: unknown; exp?: unknown };
    if (typeof payload.nonce !== 'string' || typeof payload.exp !== 'number' || payload.exp < nowMs) return undefined;
    return { nonce: payload.nonce, exp: payload.exp };
  } catch {
    return undefined;
  }
}

const stateKey = (key: Buffer) => crypto.createHmac('sha256', key).update('oauth-state').digest();
