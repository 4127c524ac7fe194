import type { Config } from '../config.js';
import { queryPrepared, type Db } from '../db/db.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';

/**
 * Which HubSpot accounts (portals) the service serves: the one rule every HubSpot-facing guard
 * asks (the signed data fetch and action hooks, every iframe page and PDF, every page-API call).
 *
 * A HubSpot signature proves only that HubSpot sent the request, not that the account is ours: an
 * app stays installed in an account whose install we refused, and HubSpot keeps signing its card
 * requests with our client secret. So the account itself is checked, failing closed:
 *
 * 1. HUBSPOT_ALLOWED_PORTAL_IDS set: only those accounts;
 *    else, with OAuth (HUBSPOT_CLIENT_ID set): the accounts that installed the app (step 2 decides);
 *    else HUBSPOT_PORTAL_ID (private-app mode): only that account;
 *    else none. A signed request from an unknown account on a service that names no account at all
 *    gets a 403 saying to set HUBSPOT_ALLOWED_PORTAL_IDS or HUBSPOT_PORTAL_ID: a fresh install
 *    serves nobody until told whom to serve, rather than everybody whose HubSpot signs with the
 *    secret.
 * 2. With OAuth, the account must also be connected: installed through /oauth/install (an `oauth`
 *    row) or be the private-app account HUBSPOT_PORTAL_ID, which needs no install.
 * 3. In every mode, an account an admin disconnected (`DELETE /api/v1/portals/{id}`) is refused from
 *    the next request on, including pages already open and page tokens already handed out. A
 *    private-app account is re-activated when the service starts with it in HUBSPOT_PORTAL_ID.
 *
 * A portal whose token HubSpot refused (status `error`) is still served: the card needs no HubSpot
 * token, and the dashboard tells the admin to reinstall.
 *
 * Cost: the portal's row is read by primary key, with the card reader's coalescing (PortalLookup
 * below): an idle service answers with one lookup and no added wait, a busy one makes one query
 * for all the portals asked for meanwhile; the data fetch runs it side by side with its card query
 * (getInvoiceCard.ts). Nothing is cached, on purpose: every answer comes from a query that started
 * after the request arrived, so a disconnect takes effect on the very next request. Measured with
 * bench:card (README, "Why the data fetch is fast"): a plain lookup before the card query cost
 * about half the throughput on a busy machine (282 against 584 req/s, back to back); coalesced
 * and run alongside the card query, the fetch kept its throughput (44-46 % of bare Express,
 * against 40 % without any check, same machine, same hour).
 */

export type PortalRefusal = 'portal_not_allowed' | 'portal_not_connected' | 'no_portal_served';

export interface PortalDecision {
  ok: boolean;
  /** Why not, when refused. */
  reason?: PortalRefusal;
}

const SERVED: PortalDecision = { ok: true };

export interface PortalRow {
  status: 'active' | 'error' | 'disconnected';
  auth_type: 'private_app' | 'oauth';
}

const LOOKUP_ONE = 'select portal_id, status, auth_type from portals where portal_id = $1';
const LOOKUP_MANY = 'select portal_id, status, auth_type from portals where portal_id = any($1::bigint[])';

/** At most this many lookups run at once; later ones wait and share the next query. */
const MAX_IN_FLIGHT = 2;
const MAX_BATCH = 200;

interface Waiting {
  portalId: string;
  resolve(row: PortalRow | undefined): void;
  reject(err: unknown): void;
}

/** Reads portal rows with request coalescing, like src/card/cardReader.ts (no cache). */
export class PortalLookup {
  private queue: Waiting[] = [];
  private inFlight = 0;
  /** Lookups asked for and queries made to answer them (their ratio is the coalescing gain). */
  readonly stats = { reads: 0, queries: 0 };

  constructor(private readonly db: Db) {}

  get(portalId: string): Promise<PortalRow | undefined> {
    this.stats.reads += 1;
    return new Promise((resolve, reject) => {
      this.queue.push({ portalId, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      this.inFlight += 1;
      this.stats.queries += 1;
      void this.run(batch);
    }
  }

  private async run(batch: Waiting[]): Promise<void> {
    try {
      const ids = [...new Set(batch.map((w) => w.portalId))];
      const rows =
        ids.length === 1
          ? await queryPrepared<PortalRow & { portal_id: string }>(this.db, 'portal_access_one', LOOKUP_ONE, ids)
          : await queryPrepared<PortalRow & { portal_id: string }>(this.db, 'portal_access_many', LOOKUP_MANY, [ids]);
      const byId = new Map(rows.map((r) => [String(r.portal_id), r]));
      for (const w of batch) w.resolve(byId.get(w.portalId));
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.inFlight -= 1;
      this.pump();
    }
  }
}

const PORTAL_LOOKUP = Symbol('portal lookup');

/** The portal lookup of these deps: one per deps, so its coalescing spans every request they serve. */
export function portalLookupOf(deps: Pick<Deps, 'db' | 'state'>): PortalLookup {
  return deps.state.get(PORTAL_LOOKUP, () => new PortalLookup(deps.db));
}

/** Decides whether `portalId` (digits, already validated) is served. */
export async function decidePortal(deps: Pick<Deps, 'config' | 'db' | 'state'>, portalId: string): Promise<PortalDecision> {
  const { allowedPortalIds: allowed, clientId, portalId: privateApp } = deps.config.hubspot;
  const oauth = clientId !== undefined;
  if (allowed) {
    if (!allowed.includes(portalId)) return { ok: false, reason: 'portal_not_allowed' };
  } else if (!oauth) {
    if (privateApp === undefined) return { ok: false, reason: 'no_portal_served' };
    if (portalId !== privateApp) return { ok: false, reason: 'portal_not_allowed' };
  }
  const row = await portalLookupOf(deps).get(portalId);
  if (row?.status === 'disconnected') return { ok: false, reason: 'portal_not_connected' };
  if (oauth && portalId !== privateApp && row?.auth_type !== 'oauth') return { ok: false, reason: 'portal_not_connected' };
  return SERVED;
}

/** Who reads the refusal: HubSpot's caller and the admins (signed routes), or a rep (pages). */
export type Audience = 'operator' | 'rep';

/** The 403 for a refused portal, saying what to do next, in the audience's words. */
export function portalRefused(config: Config, portalId: string, reason: PortalRefusal, audience: Audience): AppError {
  const install = `${config.publicBaseUrl}/oauth/install`;
  if (audience === 'rep') {
    const message =
      reason === 'portal_not_connected'
        ? 'This HubSpot account is not connected to the invoice service (it was disconnected or never installed). Ask your HubSpot admin to install the invoice app again, then reopen the deal.'
        : `This HubSpot account (${portalId}) is not one the invoice service serves. Ask whoever runs the invoice service to add it.`;
    return new AppError(reason, 403, message);
  }
  const message =
    reason === 'no_portal_served'
      ? `HubSpot account ${portalId} is not served: this service names no HubSpot account yet. Set HUBSPOT_ALLOWED_PORTAL_IDS to the account ids it serves (or HUBSPOT_PORTAL_ID with a private-app token) and restart it.`
      : reason === 'portal_not_allowed'
        ? config.hubspot.allowedPortalIds
          ? `HubSpot account ${portalId} is not in HUBSPOT_ALLOWED_PORTAL_IDS, so this service does not serve it. If it should, add it there and restart the service.`
          : `HubSpot account ${portalId} is not HUBSPOT_PORTAL_ID, the one account this service serves. To serve more, list them in HUBSPOT_ALLOWED_PORTAL_IDS and restart the service.`
        : `HubSpot account ${portalId} is not connected to this service (it was disconnected, or the app was never installed through ${install}). An admin of that account installs the app again at ${install}.`;
  return new AppError(reason, 403, message);
}

/** Throws the 403 when `portalId` is not served; the one check every guard calls. */
export async function requireServedPortal(deps: Pick<Deps, 'config' | 'db' | 'log' | 'state'>, portalId: string, audience: Audience, where: { path: string; requestId?: unknown }): Promise<void> {
  const decision = await decidePortal(deps, portalId);
  if (decision.ok) return;
  deps.log.warn('portal refused', { scope: 'portals', portalId, check: decision.reason, path: where.path, requestId: where.requestId });
  throw portalRefused(deps.config, portalId, decision.reason!, audience);
}
