import net from 'node:net';
import path from 'node:path';
import { CRM_API_VERSIONS, type CrmApiVersion, DEFAULT_CRM_API_VERSION, DEFAULT_OAUTH_VERSION, OAUTH_VERSIONS, type OAuthVersion } from './shared/hubspotVersions.js';
import { isHubSpotId } from './shared/hubspotId.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'http' | 'verbose' | 'debug' | 'silly';

export interface Config {
  readonly port: number;
  /** Origin (and optional path prefix) HubSpot and browsers use; no trailing slash. */
  readonly publicBaseUrl: string;
  readonly databaseUrl: string | undefined;
  /** Most PostgreSQL connections this process opens (ignored by the single-connection PGlite). */
  readonly databasePoolMax: number;
  readonly dataDir: string;
  /**
   * The proxies whose X-Forwarded-For is believed (Express "trust proxy" values: loopback,
   * linklocal, uniquelocal, addresses and CIDR ranges); empty: none, req.ip is the peer.
   */
  readonly trustedProxies: readonly string[];
  readonly hubspot: {
    readonly clientSecret: string | undefined;
    readonly allowV2Only: boolean;
    readonly clientId: string | undefined;
    readonly redirectUri: string | undefined;
    /** Portals the OAuth install accepts; undefined: any portal. */
    readonly allowedPortalIds: readonly string[] | undefined;
    readonly accessToken: string | undefined;
    readonly portalId: string | undefined;
    /** Our app's id: signed requests carrying another appId are refused; undefined: not checked. */
    readonly appId: string | undefined;
    readonly apiBaseUrl: string;
    readonly rateLimitPer10s: number;
    /** A HubSpot request without a byte for this long is abandoned (and retried). */
    readonly requestTimeoutMs: number;
    /** HUBSPOT_API_VERSION: the CRM path family of every push call (hubspot/apiVersions.ts). */
    readonly apiVersion: CrmApiVersion;
    /** HUBSPOT_OAUTH_VERSION: the current OAuth API (2026-03) or the v1 fallback. */
    readonly oauthVersion: OAuthVersion;
    /** Origins allowed to frame the iframe pages (CSP frame-ancestors), never '*'. */
    readonly frameAncestors: readonly string[];
  };
  readonly apiToken: string | undefined;
  readonly tokenEncryptionKey: Buffer | undefined;
  readonly syncIntervalSeconds: number;
  readonly logLevel: LogLevel;
}

/** Thrown by loadConfig with every problem found, so start-up can print them all at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** HubSpot's app domains in every data-hosting region (app.hubspot.com, app-eu1.hubspot.com, …). */
export const DEFAULT_FRAME_ANCESTORS: readonly string[] = ['https://app.hubspot.com', 'https://*.hubspot.com'];

const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];

/** Reads and validates the environment; the only place that looks at process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  // An empty variable counts as unset: `FOO= npm start` should mean "no FOO".
  const get = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name}=${JSON.stringify(raw)} must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return Number(raw);
  };

  const bool = (name: string, fallback: boolean): boolean => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const lower = raw.toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(lower)) return true;
    if (['false', '0', 'no', 'off'].includes(lower)) return false;
    problems.push(`${name}=${JSON.stringify(raw)} must be true or false`);
    return fallback;
  };

  const url = (name: string, fallback: string | undefined): string | undefined => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      problems.push(`${name}=${JSON.stringify(raw)} is not a URL (expected e.g. https://invoices.example.com)`);
      return fallback;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      problems.push(`${name} must be an http:// or https:// URL, got ${parsed.protocol}`);
      return fallback;
    }
    if (parsed.search || parsed.hash || parsed.username || parsed.password) {
      problems.push(`${name} must not contain a query, fragment or credentials`);
      return fallback;
    }
    return raw.replace(/\/+$/, '');
  };

  const port = int('PORT', 3000, 0, 65535);
  const publicBaseUrl = url('PUBLIC_BASE_URL', `http://localhost:${port}`) ?? `http://localhost:${port}`;

  const trustedProxies = parseTrustedProxies(get('TRUSTED_PROXIES') ?? 'loopback', problems);

  const databaseUrl = get('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a PostgreSQL connection string (postgres://user@host:5432/db)');
  }

  const frameAncestors = (get('HUBSPOT_FRAME_ANCESTORS') ?? DEFAULT_FRAME_ANCESTORS.join(' ')).split(/[\s,]+/).filter(Boolean);
  const badAncestors = frameAncestors.filter((a) => !/^https?:\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/i.test(a));
  if (badAncestors.length > 0 || frameAncestors.length === 0) {
    problems.push(`HUBSPOT_FRAME_ANCESTORS must list origins like https://app.hubspot.com or https://*.hubspot.com, separated by spaces (not '*'); bad: ${badAncestors.join(' ') || '(empty)'}`);
  }

  const clientId = get('HUBSPOT_CLIENT_ID');
  const redirectUri = url('HUBSPOT_REDIRECT_URI', undefined);
  const accessToken = get('HUBSPOT_ACCESS_TOKEN');
  const portalId = get('HUBSPOT_PORTAL_ID');
  if (portalId !== undefined && !/^\d{1,18}$/.test(portalId)) {
    problems.push(`HUBSPOT_PORTAL_ID=${JSON.stringify(portalId)} must be the numeric HubSpot account id`);
  }
  if ((accessToken === undefined) !== (portalId === undefined)) {
    problems.push('HUBSPOT_ACCESS_TOKEN and HUBSPOT_PORTAL_ID go together: set both (private-app token and its portal) or neither');
  }
  if ((clientId === undefined) !== (redirectUri === undefined)) {
    problems.push('HUBSPOT_CLIENT_ID and HUBSPOT_REDIRECT_URI go together: set both to enable the OAuth install, or neither');
  }

  const appId = get('HUBSPOT_APP_ID');
  if (appId !== undefined && !/^[1-9]\d{0,19}$/.test(appId)) {
    problems.push(`HUBSPOT_APP_ID=${JSON.stringify(appId)} must be the numeric id of the HubSpot app (its URL in the developer account shows it)`);
  }

  const rawAllowed = get('HUBSPOT_ALLOWED_PORTAL_IDS');
  const allowedPortalIds = rawAllowed === undefined ? undefined : rawAllowed.split(/[\s,]+/).filter(Boolean);
  if (allowedPortalIds !== undefined && (allowedPortalIds.length === 0 || allowedPortalIds.some((id) => !isHubSpotId(id)))) {
    problems.push(`HUBSPOT_ALLOWED_PORTAL_IDS=${JSON.stringify(rawAllowed)} must list numeric HubSpot account ids, separated by commas or spaces`);
  }

  const apiToken = get('API_TOKEN');
  if (apiToken !== undefined && apiToken.length < 16) {
    problems.push('API_TOKEN must be at least 16 characters (generate one with: openssl rand -hex 32)');
  }

  const rawKey = get('TOKEN_ENCRYPTION_KEY');
  let tokenEncryptionKey: Buffer | undefined;
  if (rawKey !== undefined) {
    tokenEncryptionKey = parseKey(rawKey);
    if (!tokenEncryptionKey) {
      problems.push('TOKEN_ENCRYPTION_KEY must be 32 bytes as 64 hex characters or base64 (generate one with: openssl rand -hex 32)');
    }
  } else if (clientId !== undefined) {
    problems.push('TOKEN_ENCRYPTION_KEY is required when HUBSPOT_CLIENT_ID is set: OAuth tokens are stored encrypted (openssl rand -hex 32)');
  }

  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T, why: string, aliases: Readonly<Record<string, T>> = {}): T => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const wanted = raw.toLowerCase();
    const found = allowed.find((a) => a === wanted) ?? (Object.hasOwn(aliases, wanted) ? aliases[wanted] : undefined);
    if (!found) problems.push(`${name}=${JSON.stringify(raw)} must be one of ${[...allowed, ...Object.keys(aliases)].join(', ')} (${why})`);
    return found ?? fallback;
  };
  const apiVersion = oneOf(
    'HUBSPOT_API_VERSION',
    CRM_API_VERSIONS,
    DEFAULT_CRM_API_VERSION,
    `default ${DEFAULT_CRM_API_VERSION}, the newest stable date version; v3 is the legacy family HubSpot stops supporting in September 2027`,
  );
  // "current" names the current OAuth API whatever its date (today 2026-03), as PRODUCT.md words it.
  const oauthVersion = oneOf('HUBSPOT_OAUTH_VERSION', OAUTH_VERSIONS, DEFAULT_OAUTH_VERSION, `default ${DEFAULT_OAUTH_VERSION}, the current OAuth API; v1 is deprecated from 2027-02-16`, {
    current: DEFAULT_OAUTH_VERSION,
  });

  const rawLevel = get('LOG_LEVEL') ?? 'info';
  const logLevel = LOG_LEVELS.find((l) => l === rawLevel.toLowerCase());
  if (!logLevel) problems.push(`LOG_LEVEL=${JSON.stringify(rawLevel)} must be one of ${LOG_LEVELS.join(', ')}`);

  const config: Config = {
    port,
    publicBaseUrl,
    databaseUrl,
    databasePoolMax: int('DATABASE_POOL_MAX', 10, 1, 500),
    dataDir: path.resolve(get('DATA_DIR') ?? './data'),
    trustedProxies,
    hubspot: {
      clientSecret: get('HUBSPOT_CLIENT_SECRET'),
      allowV2Only: bool('HUBSPOT_ALLOW_V2_ONLY', false),
      clientId,
      redirectUri,
      allowedPortalIds,
      accessToken,
      portalId,
      appId,
      apiBaseUrl: url('HUBSPOT_API_BASE_URL', 'https://api.hubapi.com') ?? 'https://api.hubapi.com',
      rateLimitPer10s: int('HUBSPOT_RATE_LIMIT_PER_10S', 100, 1, 100_000),
      requestTimeoutMs: int('HUBSPOT_REQUEST_TIMEOUT_MS', 20_000, 100, 300_000),
      apiVersion,
      oauthVersion,
      frameAncestors,
    },
    apiToken,
    tokenEncryptionKey,
    syncIntervalSeconds: int('SYNC_INTERVAL_SECONDS', 300, 0, 86_400),
    logLevel: logLevel ?? 'info',
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

/** Lines saying which optional features are off and which variable turns each on. */
export function describeMissingSetup(config: Config): string[] {
  const notes: string[] = [];
  if (!config.hubspot.clientSecret) {
    notes.push('HUBSPOT_CLIENT_SECRET is not set: the card and action endpoints answer 503 until it is (the app\'s client secret, from HubSpot\'s app settings "Auth" tab)');
  }
  const h = config.hubspot;
  if (!h.allowedPortalIds && !h.clientId && !h.portalId) {
    notes.push(
      'No HubSpot account is served: HUBSPOT_ALLOWED_PORTAL_IDS (or HUBSPOT_PORTAL_ID, or the OAuth install) is not set, so the card, its actions and its pages answer 403 to every account; list the account ids this service serves in HUBSPOT_ALLOWED_PORTAL_IDS',
    );
  } else if (h.allowedPortalIds && h.portalId && !h.allowedPortalIds.includes(h.portalId)) {
    notes.push(`HUBSPOT_PORTAL_ID ${h.portalId} is not in HUBSPOT_ALLOWED_PORTAL_IDS: its card, actions and pages answer 403; add it there to serve it`);
  }
  if (!config.apiToken) {
    notes.push('API_TOKEN is not set: /api/v1 answers 503 until it is (openssl rand -hex 32)');
  }
  if (!config.hubspot.clientId) {
    notes.push('HUBSPOT_CLIENT_ID / HUBSPOT_REDIRECT_URI are not set: the OAuth install routes answer 503');
  } else if (!config.hubspot.allowedPortalIds) {
    notes.push(
      "HUBSPOT_ALLOWED_PORTAL_IDS is not set: any HubSpot account that installs the app through /oauth/install is connected and receives the accounting system's contacts and products; list your portal ids there to allow only those",
    );
  }
  return notes;
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * TRUSTED_PROXIES: who may tell us the client's address. X-Forwarded-For is believed only from
 * these, because the client address keys the sign-in and page rate limits: trusting it from any
 * private address (as the service once did) let any host on the internal network claim a fresh
 * address per attempt. So only what the operator names, default loopback (a proxy on the same
 * host); `none` trusts nobody. A range covering every address (/0) is refused: it would let every
 * client choose its own address.
 */
function parseTrustedProxies(raw: string, problems: string[]): string[] {
  const items = raw.split(/[\s,]+/).filter(Boolean);
  if (items.length === 1 && items[0]!.toLowerCase() === 'none') return [];
  const bad: string[] = [];
  const out: string[] = [];
  for (const item of items) {
    const lower = item.toLowerCase();
    if (PROXY_NAMES.includes(lower)) {
      out.push(lower);
      continue;
    }
    const [addr, prefix, ...rest] = item.split('/');
    const family = net.isIP(addr ?? '');
    const max = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) >= 1 && Number(prefix) <= max);
    if (family === 0 || rest.length > 0 || !prefixOk) bad.push(item);
    else out.push(item);
  }
  if (bad.length > 0 || out.length === 0) {
    problems.push(
      `TRUSTED_PROXIES=${JSON.stringify(raw)} must list the load balancers whose X-Forwarded-For is believed: loopback, linklocal, uniquelocal, IP addresses or CIDR ranges such as 10.0.3.0/24 (not /0), separated by commas or spaces, or none; bad: ${bad.join(' ') || '(empty)'}`,
    );
  }
  return out;
}

function parseKey(raw: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(raw)) return Buffer.from(raw, 'hex');
  const b64 = Buffer.from(raw, 'base64');
  if (b64.length === 32 && /^[A-Za-z0-9+/_-]+={0,2}$/.test(raw)) return b64;
  return undefined;
}

function deepFreeze<T extends object>(value: T): T {
  for (const v of Object.values(value)) {
    if (v && typeof v === 'object' && !Buffer.isBuffer(v)) deepFreeze(v as object);
  }
  return Object.freeze(value);
}
