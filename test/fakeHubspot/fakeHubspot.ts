import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { checkBatch, HubSpotError, readBatch, runBatch } from './batch.js';
import { DealsAndNotes } from './dealsAndNotes.js';
import { ALL_SCOPES, PortalScopes, requiredScopes, type ScopedObject } from './scopes.js';
import { apiVersionOf, type ValidationRulesOptions, ValidationRules } from './validationRules.js';

/**
 * A fake HubSpot: a real HTTP server that behaves as HubSpot's CRM objects, properties and OAuth
 * APIs are documented (and captured) to behave, for tests, benchmarks and local trials:
 * - every CRM route in each path family HubSpot serves: the legacy `/crm/v3/objects/…` and
 *   `/crm/v3/properties/…`, and the date-versioned `/crm/objects/{2026-03|2026-09}/…` and
 *   `/crm/properties/{2026-03|2026-09}/…` (developers.hubspot.com/docs/api-reference/2026-03/…,
 *   /latest/…), with one set of handlers, limits and faults behind all of them;
 * - OAuth in both families: the legacy `/oauth/v1/…` (token, token info with the token in the
 *   path, refresh-token DELETE) and the current `/oauth/2026-03/token`, `/token/introspect` and
 *   `/token/revoke` (parameters in the form body, never the query; HubSpot's changelog "v1 OAuth
 *   API deprecation");
 * - a switch that turns the legacy families off (`legacy: false`, `POST /__fake/legacy`), as
 *   HubSpot will after their sunset, and per-family request counts in `stats.byFamily`;
 * - contacts and products, single and batch (≤ 100 inputs; 207 with per-input errors only when
 *   every input has an objectWriteTraceId, otherwise one bad input fails the whole batch; results
 *   in no particular order; upsert's `new` flag);
 * - deals (batch read and update), deal property groups and properties, and notes associated
 *   with deals (create, read, batch read, and a deal's notes through the v4 associations API on
 *   `/crm/v4/objects/…`, a legacy family, and the date-versioned objects paths): dealsAndNotes.ts,
 *   on the same families, gate and faults;
 * - the scopes a portal's token was granted (`setScopes`, `PUT /__fake/portals/{portal}/scopes`;
 *   default every scope, nothing checked): a CRM call without its scope answers HubSpot's 403
 *   MISSING_SCOPES (scopes.ts), and the OAuth token and introspection answers report them;
 * - contacts unique by lower-cased email (409 "Contact already exists. Existing ID: …");
 *   products never deduplicated, except through a property created with hasUniqueValue;
 * - search (5 requests per second per portal), properties, OAuth token endpoints (code exchange,
 *   refresh, token info, refresh-token revoke) and the app uninstall
 *   (`DELETE /appinstalls/v3/external-install`: 204, then the account's tokens stop working);
 * - HubSpot's error bodies, X-HubSpot-Correlation-Id, X-HubSpot-RateLimit-* headers and 429s
 *   (TEN_SECONDLY_ROLLING in a rolling window of configurable length, DAILY);
 * - injected faults: 5xx as JSON or HTML, 423, slow replies, dropped connections,
 *   commit-then-fail (the write lands, the reply is lost), and error answers that echo the request
 *   (its URL and body, as a misbehaving proxy would), on the CRM, OAuth and uninstall endpoints.
 */

export interface FakeHubspotOptions {
  /** Requests allowed per window per portal (HubSpot: 100 per 10 s for a Free private app). */
  maxPerWindow?: number;
  windowMs?: number;
  /** Requests allowed per day per portal (private apps only), or unlimited. */
  dailyLimit?: number;
  /** Search requests per second per portal. */
  searchPerSecond?: number;
  /** Access token → portal id. Tokens starting with "pat-" count as private apps. */
  tokens?: Record<string, string>;
  /** OAuth app credentials accepted by /oauth/v1/token. */
  oauth?: { clientId: string; clientSecret: string; redirectUri: string };
  /** Delay (ms) added to every reply: HubSpot is not on loopback. */
  latencyMs?: number;
  /**
   * Portal validation rules (HubSpot enforces admin-defined rules on API writes too): a value of a
   * listed property that does not match is refused with INVALID_ALPHA.
   */
  rules?: Partial<Record<ObjectType, Record<string, RegExp>>>;
  /** A portal admin's validation rules (required, conditional, format): see validationRules.ts. */
  validationRules?: ValidationRulesOptions['rules'];
  /** Enforce the 2026-09 required and conditional rules on /crm/v3 too (HubSpot does not). */
  enforceValidationRulesOnV3?: boolean;
  /**
   * Whether the legacy path families (/crm/v3, /oauth/v1, /appinstalls/v3) are served (default
   * true, or false when FAKE_HUBSPOT_LEGACY=off). Off, they answer as sunset APIs do (see LEGACY_GONE).
   */
  legacy?: boolean;
}

/** The path families the fake serves; the legacy ones are those HubSpot sunsets. */
export type PathFamily = 'crm/v3' | 'crm/v4' | 'crm/2026-03' | 'crm/2026-09' | 'oauth/v1' | 'oauth/2026-03' | 'appinstalls/v3' | 'appinstalls/2026-03';
/** crm/v4 is the v4 associations API, which HubSpot leaves unsupported after 2027-03-30. */
export const LEGACY_FAMILIES: readonly PathFamily[] = ['crm/v3', 'crm/v4', 'oauth/v1', 'appinstalls/v3'];
/** The date versions of the CRM objects and properties APIs served next to /crm/v3. */
export const CRM_DATE_VERSIONS = ['2026-03', '2026-09'] as const;

/** The family a request path belongs to, or undefined (control routes, unknown paths). */
export function pathFamily(path: string): PathFamily | undefined {
  if (path.startsWith('/crm/v3/')) return 'crm/v3';
  if (path.startsWith('/crm/v4/')) return 'crm/v4';
  for (const v of CRM_DATE_VERSIONS) {
    if (path.startsWith(`/crm/objects/${v}/`) || path.startsWith(`/crm/properties/${v}/`) || path.startsWith(`/crm/property-validations/${v}/`)) return `crm/${v}`;
  }
  if (path.startsWith('/oauth/v1/')) return 'oauth/v1';
  if (path.startsWith('/oauth/2026-03/')) return 'oauth/2026-03';
  if (path.startsWith('/appinstalls/v3/')) return 'appinstalls/v3';
  if (path.startsWith('/appinstalls/2026-03/')) return 'appinstalls/2026-03';
  return undefined;
}

/**
 * What a legacy family answers once switched off. HubSpot documents no status or body for the
 * v1–v3 sunset (changelog "Legacy APIs and Apps: What's Going Unsupported and When" says only
 * that they go unsupported in September 2027; its "Sunsetted APIs" page says removed APIs "return
 * an error"; the Pipelines v1 sunset says its endpoints "stop responding"). So: 410 Gone, the
 * status HTTP defines for a resource removed for good (a client must treat it as permanent and
 * never retry it, which is what a sunset means), with HubSpot's documented error-body shape
 * (status, message, correlationId, category, links; the category is ours, as none is documented)
 * and a message that says what to use instead.
 */
export const LEGACY_GONE = {
  status: 410,
  category: 'API_VERSION_SUNSET',
  message: (family: PathFamily) =>
    `This API version is no longer available: HubSpot's ${
      family.startsWith('oauth')
        ? 'v1 OAuth API was deprecated on 2027-02-16; use POST /oauth/2026-03/token, /oauth/2026-03/token/introspect and /oauth/2026-03/token/revoke'
        : family === 'crm/v4'
          ? 'v4 associations API went unsupported after 2027-03-30; use the date-versioned paths (e.g. /crm/objects/2026-09/{objectType}/{objectId}/associations/{toObjectType})'
          : 'v1–v3 APIs went unsupported in September 2027; use the date-versioned paths (e.g. /crm/objects/2026-09/…, /crm/properties/2026-09/…, /appinstalls/2026-03/…)'
    }.`,
};

export type FaultKind = 'status500' | 'status502html' | 'status503' | 'status423' | 'slow' | 'drop' | 'commitThenFail' | 'rateLimit' | 'daily' | 'echo';

export interface Fault {
  kind: FaultKind;
  /** Only requests whose "METHOD path" matches. */
  match?: RegExp;
  /** How many requests it hits (default 1); ignored when `rate` is set. */
  times?: number;
  /** Probability of hitting each matching request, until removed. */
  rate?: number;
  /** For 'slow': how long to wait before answering. */
  delayMs?: number;
  /** For 'echo': the status (default 502) and the body's format (default html). */
  status?: number;
  format?: 'html' | 'json';
  /** For 'echo' as JSON: fields merged into the body (e.g. `{ error: 'invalid_grant' }`). */
  fields?: Record<string, unknown>;
}

type ObjectType = 'contacts' | 'products';

export interface FakeRecord {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

interface PropertyDef {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  hasUniqueValue: boolean;
}

interface PortalStore {
  records: Record<ObjectType, Map<string, FakeRecord>>;
  properties: Record<ObjectType, Map<string, PropertyDef>>;
  window: number[];
  daily: number;
  searchWindow: number[];
}

const BASE_PROPERTIES: Record<ObjectType, string[]> = {
  contacts: ['email', 'firstname', 'lastname', 'phone', 'mobilephone', 'company', 'website', 'jobtitle', 'address', 'city', 'state', 'zip', 'country', 'lifecyclestage', 'hs_lead_status'],
  products: ['name', 'description', 'price', 'hs_sku', 'hs_cost_of_goods_sold', 'hs_recurring_billing_period', 'hs_product_type', 'hs_url', 'hs_folder_id'],
};
const READ_ONLY = ['hs_object_id', 'createdate', 'lastmodifieddate', 'hs_lastmodifieddate'];
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

let lastMs = 0;
let lastIso = '';
/** The time as HubSpot writes it, computed once per millisecond (a batch stamps 100 records). */
function nowIso(): string {
  const t = Date.now();
  if (t !== lastMs) {
    lastMs = t;
    lastIso = new Date(t).toISOString();
  }
  return lastIso;
}

/** A key property's value as lookups compare it (emails without case), or undefined when empty. */
const keyValue = (property: string, value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : property === 'email' ? value.toLowerCase() : value);

export class FakeHubspot {
  readonly options: Required<Omit<FakeHubspotOptions, 'oauth' | 'rules' | 'validationRules' | 'enforceValidationRulesOnV3' | 'legacy'>> & Pick<FakeHubspotOptions, 'oauth' | 'rules'>;
  /** The portals' validation rules; tests set them with `validation.set(portalId, rules)`. */
  readonly validation: ValidationRules;
  /** Deals, deal property groups and properties, notes (dealsAndNotes.ts); tests seed and read them here. */
  readonly deals = new DealsAndNotes();
  /** The API version of the request being handled (set by respond, read by the write checks). */
  private requestVersion = 'v3';
  /** Whether /crm/v3, /oauth/v1 and /appinstalls/v3 are served (see setLegacy). */
  private legacyOn: boolean;
  private readonly portals = new Map<string, PortalStore>();
  private faults: Array<Fault & { left: number }> = [];
  private nextId = 1_000_000;
  private server: http.Server | undefined;
  /** OAuth state: codes, refresh tokens, access tokens (all issued by this fake). */
  private readonly codes = new Map<string, string>();
  private readonly refreshTokens = new Map<string, { portalId: string; revoked: boolean }>();
  private readonly accessExpiry = new Map<string, number>();
  /** The scopes each portal's token was granted (unset: every scope); see setScopes. */
  private readonly scopes = new PortalScopes();
  /** The scopes each portal's last authorize asked for (reported by the token answers only). */
  private readonly requestedScopes = new Map<string, string[]>();
  /** Portals where the app is installed (consent given, not uninstalled since). */
  private readonly installed = new Set<string>();
  /** Access tokens that stopped working when the app was uninstalled from their account. */
  private readonly deadTokens = new Set<string>();
  readonly stats = {
    requests: 0,
    byRoute: new Map<string, number>(),
    byStatus: new Map<number, number>(),
    rateLimited: 0,
    faultsInjected: 0,
    recordsWritten: 0,
    /** Most requests a portal had in one rolling window (never above maxPerWindow unless a client overran it). */
    peakInWindow: 0,
    /** Writes that named a record another write still in flight had named: two pushers at once. */
    overlaps: 0,
    /** Successful refresh_token grants. */
    tokenRefreshes: 0,
    /** Successful app uninstalls (DELETE /appinstalls/{v3|2026-03}/external-install). */
    uninstalls: 0,
    /** Requests per path family, refused ones included: a test proves no legacy call was made. */
    byFamily: new Map<PathFamily, number>(),
    /** Requests to a legacy family while it was switched off (each answered 410). */
    legacyRefused: 0,
  };

  /** Requests that reached a legacy family (/crm/v3, /oauth/v1, /appinstalls/v3), served or refused. */
  legacyCalls(): number {
    return LEGACY_FAMILIES.reduce((n, f) => n + (this.stats.byFamily.get(f) ?? 0), 0);
  }

  /** Serves the legacy families again (true) or answers them as sunset (false). */
  setLegacy(on: boolean): void {
    this.legacyOn = on;
  }

  get legacy(): boolean {
    return this.legacyOn;
  }
  url = '';
  /**
   * Called when a write request arrives (before it lands) and once it has landed (before the
   * reply leaves): a crash test kills its client at exactly these instants.
   */
  onWrite: ((event: { phase: 'received' | 'committed'; route: string; portalId: string }) => void) | undefined;
  /** While set, replies to object calls wait for it to settle (then for latencyMs). */
  holdReplies: Promise<unknown> | undefined;
  private readonly inFlightKeys = new Map<string, number>();

  constructor(options: FakeHubspotOptions = {}) {
    this.options = {
      maxPerWindow: options.maxPerWindow ?? 100,
      windowMs: options.windowMs ?? 10_000,
      dailyLimit: options.dailyLimit ?? Number.POSITIVE_INFINITY,
      searchPerSecond: options.searchPerSecond ?? 5,
      tokens: { ...(options.tokens ?? {}) },
      latencyMs: options.latencyMs ?? 0,
      oauth: options.oauth,
      rules: options.rules,
    };
    this.validation = new ValidationRules({ rules: options.validationRules, enforceValidationRulesOnV3: options.enforceValidationRulesOnV3 });
    // FAKE_HUBSPOT_LEGACY=off runs a whole test series against a HubSpot past the legacy sunset.
    this.legacyOn = options.legacy ?? process.env.FAKE_HUBSPOT_LEGACY !== 'off';
  }

  /** Starts listening on 127.0.0.1 (port 0 = any free port). */
  async start(port = 0): Promise<string> {
    this.server = http.createServer(this.app());
    this.server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', resolve);
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** Adds a fault (see FaultKind); returns a function that removes it. */
  inject(fault: Fault): () => void {
    const entry = { ...fault, left: fault.times ?? 1 };
    this.faults.push(entry);
    return () => {
      this.faults = this.faults.filter((f) => f !== entry);
    };
  }

  clearFaults(): void {
    this.faults = [];
  }

  /**
   * Sets the scopes a portal's token was granted: from then on each of its CRM calls needs its
   * scope (scopes.ts) or answers 403 MISSING_SCOPES, and the OAuth token, token-info and
   * introspection answers report these scopes. `undefined` grants every scope again (the default).
   */
  setScopes(portalId: string, scopes: string[] | undefined): void {
    this.scopes.set(portalId, scopes);
  }

  /** The scopes a portal was granted with setScopes, or undefined (every scope). */
  grantedScopes(portalId: string): string[] | undefined {
    return this.scopes.get(portalId);
  }

  /**
   * The scopes the OAuth answers report for a portal: those granted with setScopes, else those
   * its last authorize asked for, else ALL_SCOPES.
   */
  tokenScopes(portalId: string): string[] {
    return this.scopes.get(portalId) ?? [...(this.requestedScopes.get(portalId) ?? ALL_SCOPES)];
  }

  /** Registers an access token for a portal (tests; OAuth issues its own). */
  addToken(token: string, portalId: string): void {
    this.options.tokens[token] = portalId;
  }

  /** Stops a token working (a private app's token rotated or deleted in HubSpot): 401 INVALID_AUTHENTICATION from then on. */
  removeToken(token: string): void {
    delete this.options.tokens[token];
  }

  /** Every live (not archived) record of a type in a portal. */
  records(portalId: string, type: ObjectType, includeArchived = false): FakeRecord[] {
    return [...this.portal(portalId).records[type].values()].filter((r) => includeArchived || !r.archived);
  }

  /** Revokes an OAuth refresh token (as uninstalling the app does). */
  revokeRefreshToken(token: string): void {
    const t = this.refreshTokens.get(token);
    if (t) t.revoked = true;
  }

  /** The OAuth tokens this fake issued for a portal (tests check none is stored in plaintext). */
  issuedTokens(portalId: string): { access: string[]; refresh: string[] } {
    return {
      access: Object.entries(this.options.tokens)
        .filter(([t, p]) => p === portalId && t.startsWith('oauth-'))
        .map(([t]) => t),
      refresh: [...this.refreshTokens].filter(([, v]) => v.portalId === portalId).map(([t]) => t),
    };
  }

  /** Whether a refresh token was revoked (uninstall, or our disconnect). */
  isRevoked(refreshToken: string): boolean {
    return this.refreshTokens.get(refreshToken)?.revoked ?? false;
  }

  /** Whether the app is installed in the portal: consented (authorize) and not uninstalled since. */
  isInstalled(portalId: string): boolean {
    return this.installed.has(portalId);
  }

  /** Makes an issued access token expire now. */
  expireAccessToken(token: string): void {
    this.accessExpiry.set(token, 0);
  }

  private portal(portalId: string): PortalStore {
    let p = this.portals.get(portalId);
    if (!p) {
      const props = (type: ObjectType) => new Map(BASE_PROPERTIES[type].map((name) => [name, { name, label: name, type: 'string', fieldType: 'text', groupName: 'info', hasUniqueValue: false }]));
      p = { records: { contacts: new Map(), products: new Map() }, properties: { contacts: props('contacts'), products: props('products') }, window: [], daily: 0, searchWindow: [] };
      this.portals.set(portalId, p);
    }
    return p;
  }

  private takeFault(route: string): (Fault & { left: number }) | undefined {
    for (const f of this.faults) {
      if (f.match && !f.match.test(route)) continue;
      if (f.rate !== undefined) {
        if (Math.random() < f.rate) return f;
        continue;
      }
      if (f.left > 0) {
        f.left -= 1;
        if (f.left === 0) this.faults = this.faults.filter((x) => x !== f);
        return f;
      }
    }
    return undefined;
  }

  private app(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    app.use(express.json({ limit: '10mb' }));
    app.use(express.urlencoded({ extended: false }));

    // Control endpoints for the stand-alone fake (npm run fake-hubspot).
    app.post('/__fake/faults', (req, res) => {
      const b = req.body as { kind: FaultKind; match?: string; times?: number; rate?: number; delayMs?: number };
      this.inject({ ...b, match: b.match ? new RegExp(b.match) : undefined });
      res.json({ ok: true });
    });
    app.delete('/__fake/faults', (_req, res) => {
      this.clearFaults();
      res.json({ ok: true });
    });
    app.get('/__fake/stats', (_req, res) => {
      res.json({
        ...this.stats,
        byRoute: Object.fromEntries(this.stats.byRoute),
        byStatus: Object.fromEntries(this.stats.byStatus),
        byFamily: Object.fromEntries(this.stats.byFamily),
        legacyCalls: this.legacyCalls(),
        legacy: this.legacyOn,
      });
    });
    // {"legacy": false} answers /crm/v3, /oauth/v1 and /appinstalls/v3 as sunset; true serves them.
    app.post('/__fake/legacy', (req, res) => {
      const on = (req.body as { legacy?: unknown })?.legacy;
      if (typeof on !== 'boolean') {
        res.status(400).json({ error: 'send {"legacy": true} or {"legacy": false}' });
        return;
      }
      this.setLegacy(on);
      res.json({ ok: true, legacy: this.legacyOn });
    });
    app.get('/__fake/legacy', (_req, res) => {
      res.json({ legacy: this.legacyOn });
    });

    // Every HubSpot request is counted by family; a legacy one is refused while they are off.
    app.use((req: Request, res: Response, next: NextFunction) => {
      const family = pathFamily(req.path);
      if (!family) return next();
      this.stats.byFamily.set(family, (this.stats.byFamily.get(family) ?? 0) + 1);
      if (this.legacyOn || !LEGACY_FAMILIES.includes(family)) return next();
      this.stats.requests += 1;
      this.stats.legacyRefused += 1;
      this.count(`${req.method} ${family} (switched off)`, LEGACY_GONE.status); // not the path: it may hold a token
      this.send(res, LEGACY_GONE.status, {
        status: 'error',
        message: LEGACY_GONE.message(family),
        category: LEGACY_GONE.category,
        links: { 'migration-guide': 'https://developers.hubspot.com/docs/api-reference/legacy/migration-guide' },
      });
    });
    // {"scopes": [...]} sets the scopes a portal's token was granted; DELETE grants every scope again.
    app.put('/__fake/portals/:portalId/scopes', (req, res) => {
      const scopes = (req.body as { scopes?: unknown })?.scopes;
      if (!Array.isArray(scopes) || scopes.some((x) => typeof x !== 'string')) {
        res.status(400).json({ error: 'send {"scopes": ["crm.objects.deals.read", …]}' });
        return;
      }
      this.setScopes(String(req.params.portalId), scopes as string[]);
      res.json({ ok: true, scopes: this.grantedScopes(String(req.params.portalId)) });
    });
    app.get('/__fake/portals/:portalId/scopes', (req, res) => {
      res.json({ scopes: this.grantedScopes(String(req.params.portalId)) ?? null, reported: this.tokenScopes(String(req.params.portalId)) });
    });
    app.delete('/__fake/portals/:portalId/scopes', (req, res) => {
      this.setScopes(String(req.params.portalId), undefined);
      res.json({ ok: true });
    });
    app.get('/__fake/records/:portalId/:type', (req, res) => {
      res.json(this.records(String(req.params.portalId), String(req.params.type) as ObjectType, req.query.archived === 'true'));
    });
    app.post('/__fake/tokens', (req, res) => {
      const b = req.body as { token: string; portalId: string };
      this.addToken(b.token, b.portalId);
      res.json({ ok: true });
    });

    app.post(
      '/oauth/v1/token',
      this.oauthGate('POST /oauth/v1/token', (req, res) => this.oauthToken(req, res, 'v1')),
    );
    app.get(
      '/oauth/v1/access-tokens/:token',
      this.oauthGate('GET /oauth/v1/access-tokens/:token', (req, res) => this.accessTokenInfo(req, res)),
    );
    app.delete(
      '/oauth/v1/refresh-tokens/:token',
      this.oauthGate('DELETE /oauth/v1/refresh-tokens/:token', (req, res) => {
        const t = this.refreshTokens.get(String(req.params.token));
        if (!t) return this.send(res, 404, { status: 'error', message: 'Refresh token not found' });
        t.revoked = true;
        this.send(res, 204);
      }),
    );
    // The current OAuth API (developers.hubspot.com/docs/api-reference/2026-03/authentication/
    // oauth-tokens/…): every parameter in the form body, the token endpoint answering as v1 does.
    app.post(
      '/oauth/2026-03/token',
      this.oauthGate('POST /oauth/2026-03/token', (req, res) => this.oauthToken(req, res, 'current')),
    );
    app.post(
      '/oauth/2026-03/token/introspect',
      this.oauthGate('POST /oauth/2026-03/token/introspect', (req, res) => this.introspect(req, res)),
    );
    app.post(
      '/oauth/2026-03/token/revoke',
      this.oauthGate('POST /oauth/2026-03/token/revoke', (req, res) => this.revokeCurrent(req, res)),
    );

    // The app uninstalls API ("App uninstalls", developers.hubspot.com/docs/api-reference/latest/
    // app-management/app-uninstalls): DELETE with the account's OAuth access token, 204 without a
    // body; the app is removed from that account, so its tokens stop working. Authenticated,
    // rate-limited and faulted like the CRM API (the gate). Both the v3 and the date-versioned path.
    app.use('/appinstalls', (req, res, next) => this.gate(req, res, next));
    app.delete(['/appinstalls/v3/external-install', '/appinstalls/2026-03/external-install'], (req, res) => this.uninstall(req, res));

    // The CRM objects and properties APIs, once per path family, all on the same handlers.
    // Record associations: /crm/v4/objects/… next to /crm/v3, the objects paths in the date versions.
    const families = [
      { objects: '/crm/v3/objects', properties: '/crm/v3/properties', associations: '/crm/v4/objects' },
      ...CRM_DATE_VERSIONS.map((v) => ({ objects: `/crm/objects/${v}`, properties: `/crm/properties/${v}`, associations: `/crm/objects/${v}` })),
    ];
    app.use([...new Set(families.flatMap((f) => [f.objects, f.properties, f.associations]))], (req, res, next) => this.gate(req, res, next));
    this.deals.routes(app, families, (req, res, scope, fn, writes) => this.serve(req, res, scope, fn, writes)); // before the generic :type routes
    const T = ':type';
    const handle =
      (fn: (portalId: string, type: ObjectType, req: Request) => { status: number; body?: unknown }, writes = false) =>
      (req: Request, res: Response) =>
        this.respond(req, res, fn, writes);
    for (const { objects: O, properties: P } of families) {
      app.post(
        `${O}/${T}/batch/create`,
        handle((p, t, r) => this.batchCreate(p, t, r.body), true),
      );
      app.post(
        `${O}/${T}/batch/update`,
        handle((p, t, r) => this.batchUpdate(p, t, r.body), true),
      );
      app.post(
        `${O}/${T}/batch/upsert`,
        handle((p, t, r) => this.batchUpsert(p, t, r.body), true),
      );
      app.post(
        `${O}/${T}/batch/read`,
        handle((p, t, r) => this.batchRead(p, t, r.body)),
      );
      app.post(
        `${O}/${T}/batch/archive`,
        handle((p, t, r) => this.batchArchive(p, t, r.body), true),
      );
      app.post(
        `${O}/${T}/search`,
        handle((p, t, r) => this.search(p, t, r.body)),
      );
      app.post(
        `${O}/${T}`,
        handle((p, t, r) => this.createOne(p, t, r.body), true),
      );
      app.get(
        `${O}/${T}`,
        handle((p, t, r) => this.list(p, t, r)),
      );
      app.get(
        `${O}/${T}/:id`,
        handle((p, t, r) => this.getOne(p, t, String(r.params.id), r)),
      );
      app.patch(
        `${O}/${T}/:id`,
        handle((p, t, r) => this.updateOne(p, t, String(r.params.id), r), true),
      );
      app.delete(
        `${O}/${T}/:id`,
        handle((p, t, r) => this.archiveOne(p, t, String(r.params.id)), true),
      );
      app.post(
        `${P}/${T}`,
        handle((p, t, r) => this.createProperty(p, t, r.body), true),
      );
      app.get(
        `${P}/${T}`,
        handle((p, t) => ({ status: 200, body: { results: [...this.portal(p).properties[t].values()] } })),
      );
      app.get(
        `${P}/${T}/:name`,
        handle((p, t, r) => this.getProperty(p, t, String(r.params.name))),
      );
    }
    this.validation.routes(
      app,
      (req, res, next) => this.gate(req, res, next),
      (res, status, body) => {
        this.count(String(res.locals.route), status);
        this.send(res, status, body, res.locals.headers as Record<string, string>);
      },
    );
    app.use((req: Request, res: Response) => {
      res.status(404).type('html').send(`<html><body><h1>404 Not Found</h1><p>${req.method} ${req.path}</p></body></html>`);
    });
    return app;
  }

  private count(route: string, status: number): void {
    this.stats.byRoute.set(route, (this.stats.byRoute.get(route) ?? 0) + 1);
    this.stats.byStatus.set(status, (this.stats.byStatus.get(status) ?? 0) + 1);
  }

  private send(res: Response, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    const correlationId = crypto.randomUUID();
    res.set({ 'X-HubSpot-Correlation-Id': correlationId, ...headers });
    if (status === 204) {
      res.status(204).end();
      return;
    }
    const payload = body && typeof body === 'object' && !Array.isArray(body) && status >= 400 ? { ...body, correlationId } : body;
    res.status(status).type('application/json;charset=utf-8').send(JSON.stringify(payload));
  }

  /** Auth, rate limits and injected faults, in HubSpot's order: auth first, then the limits. */
  private gate(req: Request, res: Response, next: NextFunction): void {
    this.stats.requests += 1;
    const route = `${req.method} ${req.baseUrl}${req.path}`;
    const token = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    const portalId = token && !this.deadTokens.has(token) ? this.options.tokens[token] : undefined;
    const expired = portalId !== undefined && (this.accessExpiry.get(token!) ?? Number.POSITIVE_INFINITY) < Date.now();
    if (!portalId || expired) {
      this.count(route, 401);
      this.send(res, 401, {
        status: 'error',
        message: expired
          ? 'The OAuth token used to make this call expired 1 second(s) ago.'
          : 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
        category: expired ? 'EXPIRED_AUTHENTICATION' : 'INVALID_AUTHENTICATION',
      });
      return;
    }
    res.locals.portalId = portalId;
    res.locals.route = route;
    const store = this.portal(portalId);
    const privateApp = token!.startsWith('pat-');
    const now = Date.now();
    const isSearch = req.path.endsWith('/search');
    const headers: Record<string, string> = {};
    if (!isSearch) {
      while (store.window.length && store.window[0]! <= now - this.options.windowMs) store.window.shift();
      headers['X-HubSpot-RateLimit-Interval-Milliseconds'] = String(this.options.windowMs);
      headers['X-HubSpot-RateLimit-Max'] = String(this.options.maxPerWindow);
      if (privateApp && Number.isFinite(this.options.dailyLimit)) headers['X-HubSpot-RateLimit-Daily'] = String(this.options.dailyLimit);
    }
    const fault = this.takeFault(route);
    const limited = (policy: 'TEN_SECONDLY_ROLLING' | 'DAILY' | 'SECONDLY') => {
      this.stats.rateLimited += 1;
      this.count(route, 429);
      const body =
        policy === 'DAILY'
          ? { status: 'error', message: 'You have reached your daily limit.', errorType: 'RATE_LIMIT', policyName: 'DAILY', requestId: crypto.randomUUID() }
          : policy === 'SECONDLY'
            ? { status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT' }
            : {
                status: 'error',
                message: 'You have reached your ten_secondly_rolling limit.',
                errorType: 'RATE_LIMIT',
                policyName: 'TEN_SECONDLY_ROLLING',
                groupName: `publicapi:private_app-api-calls-ten-secondly:1:${portalId}`,
              };
      this.send(res, 429, body, { ...headers, 'X-HubSpot-RateLimit-Remaining': '0' });
    };
    if (fault?.kind === 'daily' || (privateApp && store.daily >= this.options.dailyLimit)) {
      if (fault) this.stats.faultsInjected += 1;
      limited('DAILY');
      return;
    }
    if (isSearch) {
      while (store.searchWindow.length && store.searchWindow[0]! <= now - 1000) store.searchWindow.shift();
      if (store.searchWindow.length >= this.options.searchPerSecond) return limited('SECONDLY');
      store.searchWindow.push(now);
    } else {
      if (fault?.kind === 'rateLimit' || store.window.length >= this.options.maxPerWindow) {
        if (fault) this.stats.faultsInjected += 1;
        return limited('TEN_SECONDLY_ROLLING');
      }
      store.window.push(now);
      this.stats.peakInWindow = Math.max(this.stats.peakInWindow, store.window.length);
      store.daily += 1;
      headers['X-HubSpot-RateLimit-Remaining'] = String(this.options.maxPerWindow - store.window.length);
      if (privateApp && Number.isFinite(this.options.dailyLimit)) headers['X-HubSpot-RateLimit-Daily-Remaining'] = String(Math.max(0, this.options.dailyLimit - store.daily));
    }
    res.locals.headers = headers;
    if (fault && this.applyFault(fault, route, req, res, next, headers)) return;
    next();
  }

  /**
   * Answers with the fault's reply (true), or lets the request through (false; 'slow' calls
   * `next` itself later and also answers true).
   */
  private applyFault(fault: Fault, route: string, req: Request, res: Response, next: NextFunction, headers: Record<string, string>): boolean {
    this.stats.faultsInjected += 1;
    switch (fault.kind) {
      case 'status500':
        this.count(route, 500);
        this.send(res, 500, { status: 'error', message: 'internal error' }, headers);
        return true;
      case 'status503':
        this.count(route, 503);
        this.send(res, 503, { status: 'error', message: 'Service Unavailable' }, headers);
        return true;
      case 'status502html':
        this.count(route, 502);
        res.status(502).type('html').send('<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>');
        return true;
      case 'status423':
        this.count(route, 423);
        this.send(res, 423, { status: 'error', message: 'The resource is locked; wait 2 seconds and retry.', category: 'LOCKED' }, headers);
        return true;
      case 'echo': {
        // What a misbehaving proxy or error page does: repeat the request it failed, URL (with any
        // token in its path) and body (with the client secret and refresh token of a token grant).
        const status = fault.status ?? 502;
        const parsed = typeof req.body === 'object' && req.body !== null && Object.keys(req.body as object).length ? (req.body as Record<string, string>) : undefined;
        const body = !parsed ? '' : req.is('application/x-www-form-urlencoded') ? new URLSearchParams(parsed).toString() : JSON.stringify(parsed);
        const said = `${req.method} ${req.originalUrl}${body ? ` with ${body}` : ''} (Authorization: ${req.get('authorization') ?? 'none'})`;
        this.count(route, status);
        if (fault.format === 'json') {
          this.send(res, status, { status: 'error', message: `upstream failed for ${said}`, category: 'ECHO', ...(fault.fields ?? {}) }, headers);
        } else {
          res.status(status).type('html').send(`<html><head><title>${status} Bad Gateway</title></head><body><h1>${status} Bad Gateway</h1><p>The upstream failed for ${said}</p></body></html>`);
        }
        return true;
      }
      case 'drop':
        this.count(route, 0);
        req.socket.destroy();
        return true;
      case 'slow':
        setTimeout(() => next(), fault.delayMs ?? 3000);
        return true;
      case 'commitThenFail':
        res.locals.commitThenFail = true;
        return false;
      default:
        return false;
    }
  }

  /**
   * The OAuth endpoints take no bearer token and have no rate-limit headers, but fail like every
   * other endpoint: the injected faults apply (matched against "METHOD route-template", so a
   * fault matches /access-tokens/ or /refresh-tokens/ without knowing the token).
   */
  private oauthGate(route: string, handler: (req: Request, res: Response) => void) {
    return (req: Request, res: Response, next: NextFunction) => {
      const fault = this.takeFault(route);
      if (fault && fault.kind !== 'rateLimit' && fault.kind !== 'daily' && fault.kind !== 'commitThenFail') {
        if (fault.kind === 'slow') {
          this.stats.faultsInjected += 1;
          setTimeout(() => handler(req, res), fault.delayMs ?? 3000);
          return;
        }
        if (this.applyFault(fault, route, req, res, next, {})) return;
      }
      handler(req, res);
    };
  }

  private respond(req: Request, res: Response, fn: (portalId: string, type: ObjectType, req: Request) => { status: number; body?: unknown }, writes: boolean): void {
    const type = ({ contacts: 'contacts', products: 'products', '0-1': 'contacts', '0-7': 'products' } as Record<string, ObjectType>)[String(req.params.type)];
    const route = String(res.locals.route);
    if (!type) {
      this.count(route, 404);
      res.status(404).type('html').send('<html><body><h1>404 Not Found</h1></body></html>');
      return;
    }
    this.serve(req, res, type, (portalId) => fn(portalId, type, req), writes);
  }

  /**
   * Runs one gated CRM call of any object type (`scope` names it for the in-flight count): write
   * hooks, commit-then-fail, counting, latency and held replies, the same for every endpoint.
   */
  private serve(req: Request, res: Response, scope: string, fn: (portalId: string) => { status: number; body?: unknown }, writes: boolean): void {
    const route = String(res.locals.route);
    const portalId = String(res.locals.portalId);
    // A call the token has no scope for is refused before anything lands (no write hooks).
    const refused = this.scopes.refusal(portalId, this.callScopes(req, scope, writes));
    let out: { status: number; body?: unknown };
    if (refused) out = { status: refused.status, body: refused.body };
    else {
      if (writes) this.trackInFlight(`${portalId}:${scope}`, req, res);
      if (writes) this.onWrite?.({ phase: 'received', route, portalId });
      this.requestVersion = apiVersionOf(req.originalUrl);
      try {
        out = fn(portalId);
      } catch (err) {
        if (!(err instanceof HubSpotError)) throw err;
        out = { status: err.status, body: err.body };
      }
      if (writes) this.onWrite?.({ phase: 'committed', route, portalId });
    }
    if (res.locals.commitThenFail && writes && !refused) {
      // The write has landed; the caller never hears about it.
      this.count(route, 0);
      req.socket.destroy();
      return;
    }
    this.count(route, out.status);
    const reply = () => this.send(res, out.status, out.body, res.locals.headers as Record<string, string>);
    const answer = () => (this.options.latencyMs > 0 ? setTimeout(reply, this.options.latencyMs) : reply());
    // A test that must act between a write landing and its reply holds every reply until it says.
    if (this.holdReplies) void this.holdReplies.then(answer);
    else answer();
  }

  /**
   * The scopes of which a call needs one: its object type (`scope` as serve gets it: contacts,
   * products, deals, notes, deal-properties), whether it writes, and whether it is a properties call.
   */
  private callScopes(req: Request, scope: string, writes: boolean): string[] {
    const object = (scope === 'deal-properties' ? 'deals' : scope) as ScopedObject;
    const schema = scope === 'deal-properties' || req.path.startsWith('/crm/v3/properties/') || req.path.startsWith('/crm/properties/');
    return requiredScopes(object, writes, schema);
  }

  /** Counts a write naming a record that another unanswered write named too. */
  private trackInFlight(scope: string, req: Request, res: Response): void {
    const body = req.body as { inputs?: Array<{ id?: unknown; idProperty?: unknown; properties?: Record<string, unknown> }>; properties?: Record<string, unknown> } | undefined;
    const inputs = Array.isArray(body?.inputs) ? body.inputs : [{ id: req.params.id, properties: body?.properties }];
    const keys = new Set<string>();
    for (const input of inputs) {
      if (input?.id !== undefined) keys.add(`${scope}:${typeof input.idProperty === 'string' ? input.idProperty : 'id'}:${String(input.id)}`);
      const email = input?.properties?.email;
      if (typeof email === 'string') keys.add(`${scope}:email:${email.toLowerCase()}`);
    }
    for (const key of keys) {
      const n = this.inFlightKeys.get(key) ?? 0;
      if (n > 0) this.stats.overlaps += 1;
      this.inFlightKeys.set(key, n + 1);
    }
    res.once('close', () => {
      for (const key of keys) {
        const n = (this.inFlightKeys.get(key) ?? 1) - 1;
        if (n <= 0) this.inFlightKeys.delete(key);
        else this.inFlightKeys.set(key, n);
      }
    });
  }

  // ---- objects ------------------------------------------------------------------------------

  /** Key properties per portal and type; dropped whenever a property is created. */
  private readonly keyPropsCache = new Map<string, string[]>();

  private uniqueProps(portalId: string, type: ObjectType): string[] {
    return [...this.portal(portalId).properties[type].values()].filter((p) => p.hasUniqueValue).map((p) => p.name);
  }

  /**
   * Live records by the value of a key property (email, or a unique-value property), built on
   * first use and kept current by every write and archive: lookups stay O(1) at 200,000 records.
   */
  private readonly indexes = new Map<string, Map<string, FakeRecord>>();

  private keyProps(portalId: string, type: ObjectType): string[] {
    const key = `${portalId}:${type}`;
    let props = this.keyPropsCache.get(key);
    if (!props) {
      const unique = this.uniqueProps(portalId, type);
      props = type === 'contacts' ? ['email', ...unique] : unique;
      this.keyPropsCache.set(key, props);
    }
    return props;
  }

  private index(portalId: string, type: ObjectType, property: string): Map<string, FakeRecord> {
    const key = `${portalId}:${type}:${property}`;
    let m = this.indexes.get(key);
    if (!m) {
      m = new Map();
      for (const r of this.portal(portalId).records[type].values()) {
        const v = keyValue(property, r.properties[property]);
        if (!r.archived && v && !m.has(v)) m.set(v, r);
      }
      this.indexes.set(key, m);
    }
    return m;
  }

  /** Brings the indexes up to date for `r`, whose key values were `before` (none when new). */
  private reindex(portalId: string, type: ObjectType, r: FakeRecord, before: Record<string, string> | undefined): void {
    for (const property of this.keyProps(portalId, type)) {
      const m = this.indexes.get(`${portalId}:${type}:${property}`);
      if (!m) continue; // built on first use, from the records as they are then
      const old = keyValue(property, before?.[property]);
      if (old && m.get(old) === r) m.delete(old);
      const now = keyValue(property, r.properties[property]);
      if (now && !r.archived) m.set(now, r);
    }
  }

  private findBy(portalId: string, type: ObjectType, property: string, value: string): FakeRecord | undefined {
    if (property === 'hs_object_id') {
      const r = this.portal(portalId).records[type].get(value);
      return r && !r.archived ? r : undefined;
    }
    if (this.keyProps(portalId, type).includes(property)) {
      const r = this.index(portalId, type, property).get(keyValue(property, value)!);
      return r && !r.archived ? r : undefined;
    }
    const v = property === 'email' ? value.toLowerCase() : value;
    for (const r of this.portal(portalId).records[type].values()) {
      if (r.archived) continue;
      if ((property === 'email' ? r.properties.email?.toLowerCase() : r.properties[property]) === v) return r;
    }
    return undefined;
  }

  private archive(portalId: string, type: ObjectType, id: string): void {
    const r = this.portal(portalId).records[type].get(id);
    if (!r || r.archived) return;
    r.archived = true;
    this.reindex(portalId, type, r, r.properties);
  }

  /** Problems with a set of properties, as HubSpot's "Property values were not valid" list. */
  private invalid(portalId: string, type: ObjectType, props: Record<string, unknown>): Array<{ message: string; code: string; name: string }> {
    const known = this.portal(portalId).properties[type];
    const problems: Array<{ message: string; code: string; name: string }> = [];
    for (const [name, value] of Object.entries(props ?? {})) {
      if (READ_ONLY.includes(name)) problems.push({ name, code: 'READ_ONLY_VALUE', message: `Property "${name}" is a read-only property; its value cannot be set.` });
      else if (!known.has(name)) problems.push({ name, code: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` });
      else if (name === 'email' && value !== '' && !EMAIL.test(String(value))) problems.push({ name, code: 'INVALID_EMAIL', message: `Email address ${String(value)} is invalid` });
      else if (name === 'price' && value !== '' && !/^-?\d+(\.\d+)?$/.test(String(value))) problems.push({ name, code: 'INVALID_DECIMAL', message: `${String(value)} was not a valid number.` });
      else if (this.options.rules?.[type]?.[name] && value !== '' && !this.options.rules[type]![name]!.test(String(value))) {
        problems.push({ name, code: 'INVALID_ALPHA', message: `Property "${name}" value "${String(value)}" does not match the portal's validation rule` });
      }
    }
    return problems;
  }

  private validationError(portalId: string, problems: Array<{ message: string; code: string; name: string }>): HubSpotError {
    return new HubSpotError(400, {
      status: 'error',
      message: `Property values were not valid: ${JSON.stringify(problems.map((p) => ({ isValid: false, message: p.message, error: p.code, name: p.name, localizedErrorMessage: p.message, portalId: Number(portalId) })))}`,
      errors: problems.map((p) => ({ message: p.message, code: p.code, context: { propertyName: [p.name] } })),
      category: 'VALIDATION_ERROR',
    });
  }

  /** A portal admin's validation rules for one write (validationRules.ts), as HubSpot's 400. */
  private ruled(portalId: string, type: ObjectType, props: Record<string, unknown>, existing: FakeRecord | undefined): HubSpotError | undefined {
    const problems = this.validation.check(portalId, type, this.requestVersion, props, existing?.properties);
    return problems.length ? new HubSpotError(400, this.validation.errorBody(portalId, problems)) : undefined;
  }

  /** Checks uniqueness (email for contacts, hasUniqueValue properties) for a write to `id`. */
  private conflict(portalId: string, type: ObjectType, props: Record<string, string>, id?: string): HubSpotError | undefined {
    if (type === 'contacts' && props.email) {
      const other = this.findBy(portalId, 'contacts', 'email', props.email);
      if (other && other.id !== id) {
        return new HubSpotError(409, { status: 'error', message: `Contact already exists. Existing ID: ${other.id}`, category: 'CONFLICT' });
      }
    }
    for (const name of this.uniqueProps(portalId, type)) {
      if (!props[name]) continue;
      const other = this.findBy(portalId, type, name, props[name]);
      if (other && other.id !== id) {
        return new HubSpotError(409, {
          status: 'error',
          message: `A ${type === 'products' ? 'product' : 'record'} with ${name}=${props[name]} already exists. Existing ID: ${other.id}`,
          category: 'CONFLICT',
        });
      }
    }
    return undefined;
  }

  private write(portalId: string, type: ObjectType, props: Record<string, unknown>, existing?: FakeRecord): { record: FakeRecord; isNew: boolean } {
    const now = nowIso();
    const clean: Record<string, string> = {};
    for (const k in props) clean[k] = k === 'email' ? String(props[k]).toLowerCase() : String(props[k]);
    this.stats.recordsWritten += 1;
    if (existing) {
      const before: Record<string, string> = {};
      for (const k of this.keyProps(portalId, type)) if (existing.properties[k] !== undefined) before[k] = existing.properties[k]!;
      Object.assign(existing.properties, clean, { lastmodifieddate: now });
      existing.updatedAt = now;
      this.reindex(portalId, type, existing, before);
      return { record: existing, isNew: false };
    }
    const id = String(this.nextId++);
    const record: FakeRecord = { id, properties: { ...clean, hs_object_id: id, createdate: now, lastmodifieddate: now }, createdAt: now, updatedAt: now, archived: false };
    this.portal(portalId).records[type].set(id, record);
    this.reindex(portalId, type, record, undefined);
    return { record, isNew: true };
  }

  private present(r: FakeRecord, extra: Record<string, unknown> = {}) {
    return { id: r.id, properties: r.properties, createdAt: r.createdAt, updatedAt: r.updatedAt, archived: r.archived, ...extra };
  }

  private batchCreate(portalId: string, type: ObjectType, body: unknown) {
    const inputs = checkBatch(body, false);
    // Uniqueness inside the batch itself counts too.
    const pending = new Set<string>();
    return runBatch(
      inputs,
      (i) => {
        const props = (i.properties ?? {}) as Record<string, string>;
        const bad = this.invalid(portalId, type, props);
        if (bad.length) return this.validationError(portalId, bad);
        const refused = this.ruled(portalId, type, props, undefined);
        if (refused) return refused;
        const c = this.conflict(portalId, type, props);
        if (c) return c;
        const key = type === 'contacts' ? props.email?.toLowerCase() : undefined;
        if (key && pending.has(key)) return new HubSpotError(409, { status: 'error', message: 'Contact already exists. Existing ID: (in this batch)', category: 'CONFLICT' });
        if (key) pending.add(key);
        return undefined;
      },
      (i) => this.present(this.write(portalId, type, (i.properties ?? {}) as Record<string, string>).record),
      201,
    );
  }

  private resolveId(portalId: string, type: ObjectType, id: string, idProperty?: string): FakeRecord | undefined {
    if (!idProperty || idProperty === 'hs_object_id') {
      const r = this.portal(portalId).records[type].get(id);
      return r && !r.archived ? r : undefined;
    }
    return this.findBy(portalId, type, idProperty, id);
  }

  private checkIdProperty(portalId: string, type: ObjectType, idProperty: string | undefined): void {
    if (!idProperty || idProperty === 'hs_object_id') return;
    if ((type === 'contacts' && idProperty === 'email') || this.uniqueProps(portalId, type).includes(idProperty)) return;
    throw new HubSpotError(400, {
      status: 'error',
      message: `Unable to perform update/upsert by non-unique ${type === 'contacts' ? '0-1' : '0-7'} property ${idProperty}`,
      category: 'VALIDATION_ERROR',
    });
  }

  private batchUpdate(portalId: string, type: ObjectType, body: unknown) {
    const inputs = checkBatch(body, true);
    for (const i of inputs) {
      // HubSpot refuses email as the key of a contacts batch update (single PATCH accepts it).
      if (type === 'contacts' && i.idProperty === 'email') {
        throw new HubSpotError(400, { status: 'error', message: 'Unable to perform update/upsert by non-unique 0-1 property email', category: 'VALIDATION_ERROR' });
      }
      this.checkIdProperty(portalId, type, i.idProperty as string | undefined);
    }
    return runBatch(
      inputs,
      (i) => {
        const existing = this.resolveId(portalId, type, String(i.id), i.idProperty as string | undefined);
        if (!existing) return new HubSpotError(404, { status: 'error', message: 'resource not found', category: 'OBJECT_NOT_FOUND', context: { ids: [String(i.id)] } });
        const props = (i.properties ?? {}) as Record<string, string>;
        const bad = this.invalid(portalId, type, props);
        if (bad.length) return this.validationError(portalId, bad);
        const refused = this.ruled(portalId, type, props, existing);
        if (refused) return refused;
        return this.conflict(portalId, type, props, existing.id);
      },
      (i) => {
        const existing = this.resolveId(portalId, type, String(i.id), i.idProperty as string | undefined)!;
        return this.present(this.write(portalId, type, (i.properties ?? {}) as Record<string, string>, existing).record);
      },
      200,
    );
  }

  private batchUpsert(portalId: string, type: ObjectType, body: unknown) {
    const inputs = checkBatch(body, true);
    for (const i of inputs) {
      if (!i.idProperty) throw new HubSpotError(400, { status: 'error', message: 'idProperty is required for upsert', category: 'VALIDATION_ERROR' });
      this.checkIdProperty(portalId, type, String(i.idProperty));
    }
    const propsOf = (i: Record<string, unknown>) => ({ ...((i.properties ?? {}) as Record<string, string>), [String(i.idProperty)]: String(i.id) });
    return runBatch(
      inputs,
      (i) => {
        const props = propsOf(i);
        const bad = this.invalid(portalId, type, props);
        if (bad.length) return this.validationError(portalId, bad);
        const refused = this.ruled(portalId, type, props, this.findBy(portalId, type, String(i.idProperty), String(i.id)));
        if (refused) return refused;
        const existing = this.findBy(portalId, type, String(i.idProperty), String(i.id));
        return this.conflict(portalId, type, props, existing?.id);
      },
      (i) => {
        const existing = this.findBy(portalId, type, String(i.idProperty), String(i.id));
        const { record, isNew } = this.write(portalId, type, propsOf(i), existing);
        return this.present(record, { new: isNew });
      },
      200,
    );
  }

  private batchRead(portalId: string, type: ObjectType, body: unknown) {
    const b = body as { inputs?: Array<{ id: string }>; idProperty?: string; properties?: string[] };
    const inputs = checkBatch(body, false);
    this.checkIdProperty(portalId, type, b.idProperty);
    return readBatch(
      inputs,
      (id) => this.resolveId(portalId, type, id, b.idProperty),
      (r) => this.present(r),
      type === 'contacts' ? 'CONTACT' : 'PRODUCT',
    );
  }

  private batchArchive(portalId: string, type: ObjectType, body: unknown) {
    for (const i of checkBatch(body, false)) this.archive(portalId, type, String(i.id));
    return { status: 204 };
  }

  private createOne(portalId: string, type: ObjectType, body: unknown) {
    const props = ((body as { properties?: Record<string, string> })?.properties ?? {}) as Record<string, string>;
    const bad = this.invalid(portalId, type, props);
    if (bad.length) throw this.validationError(portalId, bad);
    const refused = this.ruled(portalId, type, props, undefined);
    if (refused) throw refused;
    const c = this.conflict(portalId, type, props);
    if (c) throw c;
    return { status: 201, body: this.present(this.write(portalId, type, props).record) };
  }

  private getOne(portalId: string, type: ObjectType, id: string, req: Request) {
    const idProperty = req.query.idProperty as string | undefined;
    this.checkIdProperty(portalId, type, idProperty);
    const r = this.resolveId(portalId, type, id, idProperty);
    if (!r) throw new HubSpotError(404, { status: 'error', message: 'resource not found' });
    return { status: 200, body: this.present(r) };
  }

  private updateOne(portalId: string, type: ObjectType, id: string, req: Request) {
    const idProperty = req.query.idProperty as string | undefined;
    this.checkIdProperty(portalId, type, idProperty);
    const r = this.resolveId(portalId, type, id, idProperty);
    if (!r) throw new HubSpotError(404, { status: 'error', message: 'resource not found' });
    const props = ((req.body as { properties?: Record<string, string> })?.properties ?? {}) as Record<string, string>;
    const bad = this.invalid(portalId, type, props);
    if (bad.length) throw this.validationError(portalId, bad);
    const refused = this.ruled(portalId, type, props, r);
    if (refused) throw refused;
    const c = this.conflict(portalId, type, props, r.id);
    if (c) throw c;
    return { status: 200, body: this.present(this.write(portalId, type, props, r).record) };
  }

  private archiveOne(portalId: string, type: ObjectType, id: string) {
    this.archive(portalId, type, id);
    return { status: 204 };
  }

  private list(portalId: string, type: ObjectType, req: Request) {
    const limit = Math.min(100, Number(req.query.limit ?? 10));
    const after = Number(req.query.after ?? 0);
    const all = this.records(portalId, type)
      .sort((a, b) => Number(a.id) - Number(b.id))
      .filter((r) => Number(r.id) > after);
    const page = all.slice(0, limit);
    const body: Record<string, unknown> = { results: page.map((r) => this.present(r)) };
    if (all.length > limit) body.paging = { next: { after: page.at(-1)!.id } };
    return { status: 200, body };
  }

  private search(portalId: string, type: ObjectType, body: unknown) {
    const b = (body ?? {}) as { filterGroups?: Array<{ filters: Array<{ propertyName: string; operator: string; value?: string }> }>; limit?: number; after?: string };
    const limit = Math.min(200, b.limit ?? 10);
    const matches = this.records(portalId, type).filter((r) =>
      (b.filterGroups ?? []).length === 0
        ? true
        : (b.filterGroups ?? []).some((g) => g.filters.every((f) => f.operator === 'EQ' && String(r.properties[f.propertyName] ?? '').toLowerCase() === String(f.value ?? '').toLowerCase())),
    );
    const start = Number(b.after ?? 0);
    return {
      status: 200,
      body: {
        total: matches.length,
        results: matches.slice(start, start + limit).map((r) => this.present(r)),
        ...(start + limit < matches.length ? { paging: { next: { after: String(start + limit) } } } : {}),
      },
    };
  }

  private createProperty(portalId: string, type: ObjectType, body: unknown) {
    const b = body as Partial<PropertyDef>;
    const missing = ['name', 'label', 'type', 'fieldType', 'groupName'].filter((k) => !(b as Record<string, unknown>)?.[k]);
    if (missing.length) throw new HubSpotError(400, { status: 'error', message: `Missing required fields: ${missing.join(', ')}`, category: 'VALIDATION_ERROR' });
    const props = this.portal(portalId).properties[type];
    if (props.has(b.name!)) throw new HubSpotError(409, { status: 'error', message: `A property named '${b.name}' already exists.`, category: 'OBJECT_ALREADY_EXISTS' });
    const def: PropertyDef = { name: b.name!, label: b.label!, type: b.type!, fieldType: b.fieldType!, groupName: b.groupName!, hasUniqueValue: !!b.hasUniqueValue };
    props.set(def.name, def);
    this.keyPropsCache.clear();
    return { status: 201, body: def };
  }

  private getProperty(portalId: string, type: ObjectType, name: string) {
    const def = this.portal(portalId).properties[type].get(name);
    if (!def) throw new HubSpotError(404, { status: 'error', message: `Unable to find property ${name}`, category: 'OBJECT_NOT_FOUND' });
    return { status: 200, body: def };
  }

  // ---- OAuth --------------------------------------------------------------------------------

  /**
   * Issues an authorization code for a portal, as HubSpot's consent screen would. `scopes`, the
   * authorize URL's `scope`, is what the token answers then report (unless setScopes set others);
   * it grants nothing by itself: calls are checked only against setScopes.
   */
  authorize(portalId: string, scopes?: string[]): string {
    const code = `code-${crypto.randomBytes(8).toString('hex')}`;
    this.codes.set(code, portalId);
    this.installed.add(portalId);
    if (scopes) this.requestedScopes.set(portalId, [...scopes]);
    return code;
  }

  /**
   * Uninstalls the app from the token's account: every access token issued for it stops working
   * (401) and its refresh tokens are revoked, as when an admin uninstalls the app in HubSpot.
   */
  private uninstall(req: Request, res: Response): void {
    const route = String(res.locals.route);
    const token = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')![1]!;
    if (!token.startsWith('oauth-')) {
      this.count(route, 403);
      this.send(res, 403, { status: 'error', message: 'This endpoint requires an OAuth access token.', category: 'MISSING_SCOPES' }, res.locals.headers as Record<string, string>);
      return;
    }
    const portalId = String(res.locals.portalId);
    this.installed.delete(portalId);
    for (const [t, p] of Object.entries(this.options.tokens)) if (p === portalId && t.startsWith('oauth-')) this.deadTokens.add(t);
    for (const t of this.refreshTokens.values()) if (t.portalId === portalId) t.revoked = true;
    this.stats.uninstalls += 1;
    this.count(route, 204);
    this.send(res, 204, undefined, res.locals.headers as Record<string, string>);
  }

  private issueTokens(portalId: string, refreshToken?: string) {
    const accessToken = `oauth-${crypto.randomBytes(12).toString('hex')}`;
    this.options.tokens[accessToken] = portalId;
    this.accessExpiry.set(accessToken, Date.now() + 1800_000);
    const refresh = refreshToken ?? `na1-${crypto.randomBytes(12).toString('hex')}`;
    this.refreshTokens.set(refresh, { portalId, revoked: false });
    return { token_type: 'bearer', refresh_token: refresh, hub_id: Number(portalId), scopes: this.tokenScopes(portalId), access_token: accessToken, expires_in: 1800 };
  }

  /**
   * An OAuth error answer. v1 bodies are the captured ones (error, status, message). The current
   * API answers in HubSpot's standard error shape (its reference pages show message,
   * correlationId, category and links), and its changelog "New OAuth v3 API Endpoints and
   * Standardized Error Responses" adds RFC 6749's `error` and `error_description`.
   */
  private oauthError(res: Response, style: 'v1' | 'current', v1: Record<string, unknown>, current: { error: string; message: string; status?: number }): void {
    if (style === 'v1') {
      this.send(res, 400, v1);
      return;
    }
    this.send(res, current.status ?? 400, {
      message: current.message,
      category: 'VALIDATION_ERROR',
      error: current.error,
      error_description: current.message,
      links: { 'knowledge-base': 'https://developers.hubspot.com/docs/api-reference/latest/authentication/oauth-tokens' },
    });
  }

  /** Whether the current API's request carried a parameter in its query string (refused). */
  private queryParams(req: Request, res: Response): boolean {
    if (Object.keys(req.query).length === 0) return false;
    this.oauthError(res, 'current', {}, { error: 'invalid_request', message: 'Parameters must be sent as form fields in the request body, not in the query string.' });
    return true;
  }

  private clientOk(b: Record<string, string>): boolean {
    const app = this.options.oauth;
    return !!app && b.client_id === app.clientId && b.client_secret === app.clientSecret;
  }

  private oauthToken(req: Request, res: Response, style: 'v1' | 'current'): void {
    if (style === 'current' && this.queryParams(req, res)) return;
    const b = (req.body ?? {}) as Record<string, string>;
    const app = this.options.oauth;
    if (!app || !this.clientOk(b)) {
      this.oauthError(
        res,
        style,
        { error: 'invalid_client', status: 'BAD_CLIENT_ID', message: 'missing or invalid client id' },
        { error: 'invalid_client', message: 'missing or invalid client id or client secret' },
      );
      return;
    }
    if (b.grant_type === 'authorization_code') {
      const portalId = this.codes.get(b.code ?? '');
      if (!portalId || b.redirect_uri !== app.redirectUri) {
        this.oauthError(res, style, { error: 'invalid_grant', status: 'BAD_AUTH_CODE', message: 'missing or unknown auth code' }, { error: 'invalid_grant', message: 'missing or unknown auth code' });
        return;
      }
      this.codes.delete(b.code!);
      this.send(res, 200, this.issueTokens(portalId));
      return;
    }
    if (b.grant_type === 'refresh_token') {
      const t = this.refreshTokens.get(b.refresh_token ?? '');
      if (!t || t.revoked) {
        this.oauthError(
          res,
          style,
          {
            error: 'invalid_grant',
            error_description: 'refresh token is invalid, expired or revoked',
            status: 'BAD_REFRESH_TOKEN',
            message: 'refresh token is invalid, expired or revoked',
          },
          { error: 'invalid_grant', message: 'refresh token is invalid, expired or revoked' },
        );
        return;
      }
      this.stats.tokenRefreshes += 1;
      this.send(res, 200, this.issueTokens(t.portalId, b.refresh_token));
      return;
    }
    this.oauthError(
      res,
      style,
      { error: 'unsupported_grant_type', status: 'BAD_GRANT_TYPE', message: `unsupported grant_type ${b.grant_type}` },
      { error: 'unsupported_grant_type', message: `unsupported grant_type ${b.grant_type}` },
    );
  }

  /**
   * POST /oauth/2026-03/token/introspect (client_id, client_secret, token, token_type_hint in the
   * body): RFC 7662's answer, `{"active": false}` for a token that is unknown, expired, revoked or
   * of an uninstalled app, else `active: true` with the token's metadata as v1's token-info calls
   * gave it (hub_id, user, hub_domain, scopes, app_id, user_id, expires_in …) plus token_use.
   */
  private introspect(req: Request, res: Response): void {
    if (this.queryParams(req, res)) return;
    const b = (req.body ?? {}) as Record<string, string>;
    if (!this.clientOk(b)) {
      this.oauthError(res, 'current', {}, { error: 'invalid_client', message: 'missing or invalid client id or client secret' });
      return;
    }
    if (!b.token) {
      this.oauthError(res, 'current', {}, { error: 'invalid_request', message: 'token is required' });
      return;
    }
    const meta = (portalId: string) => ({ user: 'installer@customer.example', scopes: this.tokenScopes(portalId), app_id: 777, user_id: 4242, client_id: this.options.oauth!.clientId });
    const access = this.deadTokens.has(b.token) ? undefined : this.options.tokens[b.token];
    const expiry = this.accessExpiry.get(b.token) ?? Number.POSITIVE_INFINITY;
    if (access && b.token_type_hint !== 'refresh_token' && expiry > Date.now()) {
      this.send(res, 200, {
        active: true,
        token_use: 'access_token',
        token_type: 'bearer',
        hub_id: Number(access),
        hub_domain: `portal-${access}.example`,
        expires_in: Number.isFinite(expiry) ? Math.max(0, Math.round((expiry - Date.now()) / 1000)) : 1800,
        ...meta(access),
      });
      return;
    }
    const refresh = this.refreshTokens.get(b.token);
    if (refresh && !refresh.revoked && b.token_type_hint !== 'access_token') {
      this.send(res, 200, { active: true, token_use: 'refresh_token', hub_id: Number(refresh.portalId), hub_domain: `portal-${refresh.portalId}.example`, ...meta(refresh.portalId) });
      return;
    }
    this.send(res, 200, { active: false });
  }

  /**
   * POST /oauth/2026-03/token/revoke (client_id, client_secret, token in the body): revokes a
   * refresh token (what DELETE /oauth/v1/refresh-tokens/{token} did, issued access tokens keep
   * working) and answers 204. An unknown token is answered the same (RFC 7009: the client cannot
   * tell, and need not care, whether the token was still valid).
   */
  private revokeCurrent(req: Request, res: Response): void {
    if (this.queryParams(req, res)) return;
    const b = (req.body ?? {}) as Record<string, string>;
    if (!this.clientOk(b)) {
      this.oauthError(res, 'current', {}, { error: 'invalid_client', message: 'missing or invalid client id or client secret' });
      return;
    }
    if (!b.token) {
      this.oauthError(res, 'current', {}, { error: 'invalid_request', message: 'token is required' });
      return;
    }
    const t = this.refreshTokens.get(b.token);
    if (t) t.revoked = true;
    this.send(res, 204);
  }

  private accessTokenInfo(req: Request, res: Response): void {
    const token = String(req.params.token);
    const portalId = this.deadTokens.has(token) ? undefined : this.options.tokens[token];
    if (!portalId) {
      this.send(res, 404, { status: 'error', message: 'Token not found' });
      return;
    }
    this.send(res, 200, {
      token,
      user: 'installer@customer.example',
      hub_domain: `portal-${portalId}.example`,
      scopes: this.tokenScopes(portalId),
      hub_id: Number(portalId),
      app_id: 777,
      expires_in: Math.max(0, Math.round(((this.accessExpiry.get(token) ?? Date.now()) - Date.now()) / 1000)),
      user_id: 4242,
      token_type: 'access',
    });
  }
}
