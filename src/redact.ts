import type { Config } from './config.js';

/**
 * Takes secrets out of text that is about to be logged, stored or shown: error messages, stacks,
 * error bodies. Two layers, because neither alone is enough:
 * - the secrets we know (the client secret, API_TOKEN, the private-app token, TOKEN_ENCRYPTION_KEY
 *   in the forms it is written in, and the tokens a HubSpot call carried), wherever they appear;
 * - what looks like a secret by its place, for the ones we don't know at that point: the path
 *   segment after /access-tokens/ or /refresh-tokens/ (@hubspot/api-client puts OAuth tokens in
 *   the URL of those calls, and a network failure's message carries the URL), credential-named
 *   query or form fields (code, state, token, refresh_token, client_secret, hapikey, …), the same
 *   names as JSON fields, and bearer credentials.
 */

export const REDACTED = '[redacted]';

// A credential's value: anything up to a delimiter of URLs, forms, JSON, HTML and prose.
const VALUE = String.raw`[^\s/?#&"'<>\\,;)]+`;
const TOKEN_PATH = new RegExp(String.raw`(/(?:access-tokens|refresh-tokens)/)${VALUE}`, 'gi');
const CREDENTIAL_NAMES = String.raw`code|state|token|access_token|refresh_token|id_token|client_secret|hapikey|api_?key|password|signature|code_verifier`;
// `name=value` in a query string or a form body (not inside a longer name: `zipcode=` is kept).
const FIELD = new RegExp(String.raw`((?:^|[?&\s"'(;,])(?:${CREDENTIAL_NAMES})=)${VALUE}`, 'gim');
// "name": "value" in JSON (the names as HubSpot and OAuth spell them). Not "code" or "state":
// HubSpot's validation errors list {"code": "INVALID_EMAIL"}, and OAuth never answers those in JSON.
const JSON_NAMES = String.raw`token|access_token|refresh_token|id_token|client_secret|hapikey|api_?key|password|signature|code_verifier|accessToken|refreshToken|clientSecret`;
const JSON_FIELD = new RegExp(String.raw`("(?:${JSON_NAMES})"\s*:\s*")(?:[^"\\]|\\.)*(")`, 'gi');
// The token after `Bearer `, found by a lookbehind: linear in the text, however many spaces.
const BEARER = /(?<=\bBearer\s+)[\w.~+/=-]+/gi;

/** `text` with every known secret (8 characters or more) and every secret-looking part replaced. */
export function redactSecrets(text: string, known: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of known) {
    if (secret && secret.length >= 8 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out.replace(TOKEN_PATH, `$1${REDACTED}`).replace(FIELD, `$1${REDACTED}`).replace(JSON_FIELD, `$1${REDACTED}$2`).replace(BEARER, REDACTED);
}

/** A copy of a JSON-like value with every string redacted (depth-limited; cycles cut). */
export function redactDeep(value: unknown, known: readonly (string | undefined)[] = [], depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactSecrets(value, known);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6 || seen.has(value)) return '[…]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, known, depth + 1, seen));
  if (value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, known, depth + 1, seen)]));
}

/** The secrets this configuration holds, as they could appear in text. */
export function configSecrets(config: Pick<Config, 'apiToken' | 'tokenEncryptionKey'> & { hubspot: Pick<Config['hubspot'], 'clientSecret' | 'accessToken'> }): string[] {
  const key = config.tokenEncryptionKey;
  const keyForms = key ? [key.toString('hex'), key.toString('hex').toUpperCase(), key.toString('base64'), key.toString('base64url')] : [];
  return [config.hubspot.clientSecret, config.hubspot.accessToken, config.apiToken, ...keyForms].filter((s): s is string => !!s);
}
