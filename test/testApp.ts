import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Transport from 'winston-transport';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { Db } from '../src/db/db.js';
import { type Clock, createDeps, type Deps } from '../src/deps.js';
import { createLogger } from '../src/log.js';
import { configSecrets } from '../src/redact.js';

export const TEST_CLIENT_SECRET = 'test-client-secret-7f3a9c1e-5b2d';
export const TEST_API_TOKEN = 'test-api-token-0123456789abcdef';
/**
 * The portals the tests act for. The service answers HubSpot's requests and the card's pages only
 * for portals it serves (src/portals/portalAccess.ts), so a test app allows these unless the test's
 * env names its portals itself (HUBSPOT_ALLOWED_PORTAL_IDS, HUBSPOT_PORTAL_ID or the OAuth install).
 * 987654 is the factories' default portal.
 */
export const TEST_PORTALS = ['987654', '123123', '111111', '1', '2020', '5150', '555001', '9191', '5353', '6464', '6565', '8282', '4711', '424201', '424202', '424242', '616161', '535301', '535302'];

/** A clock tests move by hand. */
export class TestClock implements Clock {
  constructor(public current: Date) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** Keeps every log record in memory so tests can assert on (and grep) what was logged. */
export class MemoryTransport extends Transport {
  readonly records: Array<Record<string, unknown>> = [];
  override log(info: Record<string, unknown>, next: () => void): void {
    this.records.push({ ...info });
    next();
  }
}

/**
 * A JSON answer as a test reads it. On purpose `any`: a test walks the body it asserts on
 * (`res.body.lines[0].amount`) and its expect() calls check every value at run time, so a static
 * type here would only add a cast at each of the ~150 places that read one. Only tests use it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON under test, checked by expect() (see above)
export type JsonBody = any;

export interface ApiResponse<T = JsonBody> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestApp {
  deps: Deps;
  /** Where the server really listens. */
  url: string;
  /** PUBLIC_BASE_URL: what HubSpot calls and signs (may differ from url, as behind a proxy). */
  publicBaseUrl: string;
  clock: TestClock;
  logs: MemoryTransport;
  /** Calls /api/v1 with the test bearer token. */
  api<T = JsonBody>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  db: Db;
  env?: Record<string, string>;
  now?: string;
  /** Defaults to the real listening address. */
  publicBaseUrl?: string;
}

/** Starts the real app on a random local port, wired to the given database. */
export async function startTestApp(opts: TestAppOptions): Promise<TestApp> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const publicBaseUrl = opts.publicBaseUrl ?? url;
  const namesPortals = ['HUBSPOT_ALLOWED_PORTAL_IDS', 'HUBSPOT_PORTAL_ID', 'HUBSPOT_CLIENT_ID'].some((v) => opts.env?.[v] !== undefined);
  const config = loadConfig({
    HUBSPOT_CLIENT_SECRET: TEST_CLIENT_SECRET,
    API_TOKEN: TEST_API_TOKEN,
    PUBLIC_BASE_URL: publicBaseUrl,
    SYNC_INTERVAL_SECONDS: '0',
    ...(namesPortals ? {} : { HUBSPOT_ALLOWED_PORTAL_IDS: TEST_PORTALS.join(',') }),
    ...opts.env,
  });
  const logs = new MemoryTransport();
  const clock = new TestClock(new Date(opts.now ?? '2026-11-25T12:00:00Z'));
  const deps = createDeps(config, { db: opts.db, clock, log: createLogger('debug', logs, configSecrets(config)) });
  server.on('request', createApp(deps));
  return {
    deps,
    url,
    publicBaseUrl,
    clock,
    logs,
    async api(method, path, body, headers = {}) {
      const res = await fetch(`${url}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${TEST_API_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
