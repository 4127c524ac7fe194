import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { Config } from './config.js';
import { createDb, type Db } from './db/db.js';
import { createLogger, type Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { configSecrets } from './redact.js';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Everything a handler or job needs, passed down explicitly (no module-level singletons). */
export interface Deps {
  config: Config;
  db: Db;
  log: Logger;
  clock: Clock;
  /** Key for the page tokens minted by the signed data fetch; undefined without a client secret. */
  pageTokenKey: Buffer | undefined;
  metrics: Metrics;
  /** Says a run was queued here, so a push worker on these deps starts it now instead of at its next poll. */
  runQueued: EventEmitter;
  /** What features keep while these deps live (the card reader's and the portal lookup's queues). */
  state: FeatureState;
}

/**
 * State a feature keeps for as long as its deps live, such as a coalescing reader's queue: one per
 * deps, made on first use, never a module singleton. Deps cannot name a feature's classes (every
 * feature imports Deps, so that would be an import cycle), so each feature keeps its own under a
 * key only it holds (card/cardReader.ts, portals/portalAccess.ts).
 */
export class FeatureState {
  private readonly kept = new Map<symbol, unknown>();

  /** What is kept under `key`; `make` makes it the first time it is asked for. */
  get<T>(key: symbol, make: () => T): T {
    if (!this.kept.has(key)) this.kept.set(key, make());
    // One key, one owner and one type: the owner's `make` put it there.
    return this.kept.get(key) as T;
  }
}

/**
 * The page-token key is derived from the client secret (HKDF), so tokens can only be minted by a
 * service that can also verify HubSpot's signatures, and rotating the secret revokes them all.
 */
export function derivePageTokenKey(clientSecret: string | undefined): Buffer | undefined {
  if (!clientSecret) return undefined;
  return Buffer.from(crypto.hkdfSync('sha256', clientSecret, 'hubspot-invoice-card', 'page-token-v1', 32));
}

/** Builds the deps of one service (or one test app): the database, the logger, and the state they share. */
export function createDeps(config: Config, overrides: Partial<Deps> = {}): Deps {
  const db = overrides.db ?? createDb({ databaseUrl: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite'), poolMax: config.databasePoolMax });
  return {
    config,
    db,
    log: overrides.log ?? createLogger(config.logLevel, undefined, configSecrets(config)),
    clock: overrides.clock ?? systemClock,
    pageTokenKey: overrides.pageTokenKey ?? derivePageTokenKey(config.hubspot.clientSecret),
    metrics: overrides.metrics ?? createMetrics(),
    runQueued: overrides.runQueued ?? new EventEmitter(),
    state: overrides.state ?? new FeatureState(),
  };
}
