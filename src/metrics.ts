import client from 'prom-client';
import type { Db } from './db/db.js';

/**
 * Prometheus metrics on one registry per app (tests build several apps in one process): request
 * latency per route, card fetches, signature failures, HubSpot calls by status and 429s, records
 * pushed and failed by type, and, read from the database at scrape time, each portal's queue
 * depth and rate budget left. Process metrics (memory, event-loop lag, GC) come with it.
 */
export interface Metrics {
  registry: client.Registry;
  httpDuration: client.Histogram<'method' | 'route' | 'status'>;
  cardFetches: client.Counter<'caller'>;
  signatureFailures: client.Counter<'check'>;
  hubspotRequests: client.Counter<'status'>;
  hubspotRateLimited: client.Counter<'portal'>;
  syncRecords: client.Counter<'type' | 'outcome'>;
  cardUnauthenticatedFailures: client.Counter<'route' | 'code'>;
  cardErrorsDropped: client.Counter<'reason'>;
}

export function createMetrics(): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const opts = { registers: [registry] };
  return {
    registry,
    httpDuration: new client.Histogram({
      ...opts,
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
    cardFetches: new client.Counter({ ...opts, name: 'card_fetches_total', help: 'Signed card data fetches answered, by caller', labelNames: ['caller'] }),
    signatureFailures: new client.Counter({ ...opts, name: 'hubspot_signature_failures_total', help: 'HubSpot requests refused for their signature, by failed check', labelNames: ['check'] }),
    hubspotRequests: new client.Counter({ ...opts, name: 'hubspot_requests_total', help: "Requests to HubSpot's CRM API by status (network: no answer)", labelNames: ['status'] }),
    hubspotRateLimited: new client.Counter({ ...opts, name: 'hubspot_rate_limited_total', help: '429 answers from HubSpot, by portal', labelNames: ['portal'] }),
    syncRecords: new client.Counter({ ...opts, name: 'sync_records_total', help: 'Records the push finished, by type and outcome', labelNames: ['type', 'outcome'] }),
    // Labels are our route templates and error codes only (bounded sets), never caller text.
    cardUnauthenticatedFailures: new client.Counter({
      ...opts,
      name: 'card_unauthenticated_failures_total',
      help: 'Failed requests on /hubspot routes that proved nothing (no valid signature or page token), by route template and error code; not recorded as card errors',
      labelNames: ['route', 'code'],
    }),
    cardErrorsDropped: new client.Counter({
      ...opts,
      name: 'card_errors_dropped_total',
      help: 'Authenticated card errors not recorded because the per-portal or overall per-minute bound was reached',
      labelNames: ['reason'],
    }),
  };
}

/** Gauges read from the database when scraped: queue depth and rate budget left per portal. */
export function registerDatabaseGauges(metrics: Metrics, db: Db, configuredPer10s: number): void {
  new client.Gauge({
    name: 'sync_queue_depth',
    help: 'Records waiting to be pushed, by portal and type',
    labelNames: ['portal', 'type'],
    registers: [metrics.registry],
    async collect() {
      this.reset();
      const r = (await db.raw(`select portal_id, object_type, count(*)::int as n from sync_state where state = 'pending' group by 1, 2`)) as {
        rows: Array<{ portal_id: string; object_type: string; n: number }>;
      };
      for (const row of r.rows) this.set({ portal: String(row.portal_id), type: row.object_type }, row.n);
    },
  });
  new client.Gauge({
    name: 'hubspot_rate_budget_remaining',
    help: "Requests a portal may still send in its current rate window (HubSpot's window once its headers named it)",
    labelNames: ['portal'],
    registers: [metrics.registry],
    async collect() {
      this.reset();
      const r = (await db.raw(
        `select portal_id, coalesce(rate_limit_max, ?)::int as max, coalesce(rate_limit_interval_ms, 10000)::int as window_ms,
                (select count(*)::int from unnest(rate_log) t where t > now() - make_interval(secs => coalesce(rate_limit_interval_ms, 10000) / 1000.0)) as used
         from portals where status = 'active'`,
        [configuredPer10s],
      )) as { rows: Array<{ portal_id: string; max: number; used: number }> };
      for (const row of r.rows) this.set({ portal: String(row.portal_id) }, Math.max(0, row.max - row.used));
    },
  });
}
