import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/paths.js';
import type { JsonBody } from './testApp.js';
import { createTestDb } from './testDb.js';

/**
 * The built service as a child process, exactly as `npm start` runs it (node dist/src/main.js):
 * tests that stop, kill and restart it. `npm test` builds first.
 */

export const MAIN = path.join(PROJECT_ROOT, 'dist/src/main.js');
export const CLI = path.join(PROJECT_ROOT, 'dist/src/cli/main.js');

export function requireBuild(): void {
  if (!fs.existsSync(MAIN)) throw new Error('dist/ is missing: run "npm run build" (npm test does it for you)');
}

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  url: string;
  output: () => string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Starts the service with only PATH and `env` (PORT 0 unless given), and `args` (e.g. --role web); resolves once it listens. */
export function startService(env: Record<string, string>, register?: ChildProcess[], args: string[] = []): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  register?.push(child);
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${out}`)), 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"port":(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stderr!.off('data', onData);
        // Keep draining both pipes (a full pipe would block the child), and keep the output.
        child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
        resolve({ child, port: Number(m[1]), url: `http://127.0.0.1:${m[1]}`, output: () => out, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code}:\n${out}`));
    });
  });
}

/**
 * The env of a service that pushes one private app's portal to `hubspotUrl` (the fake), taking
 * API calls with `apiToken`; pushes start only when asked for (no interval).
 */
export function privateAppEnv(o: { apiToken: string; accessToken: string; portalId: string; hubspotUrl: string }): Record<string, string> {
  return { API_TOKEN: o.apiToken, HUBSPOT_ACCESS_TOKEN: o.accessToken, HUBSPOT_PORTAL_ID: o.portalId, HUBSPOT_API_BASE_URL: o.hubspotUrl, SYNC_INTERVAL_SECONDS: '0' };
}

/** Calls a spawned service's /api/v1 with its bearer token; any status from 300 up throws with the body. */
export async function callApi(s: { url: string }, apiToken: string, method: string, p: string, body?: unknown): Promise<Record<string, JsonBody>> {
  const res = await fetch(`${s.url}/api/v1${p}`, {
    method,
    headers: { authorization: `Bearer ${apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${p} → ${res.status}: ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/**
 * Where a spawned service keeps its data, as its environment: a fresh PostgreSQL database when
 * TEST_DATABASE_URL is set, else an embedded PGlite folder (as `npm start` uses).
 */
export async function serviceStorage(prefix: string): Promise<{ env: Record<string, string>; destroy: () => Promise<void> }> {
  if (process.env.TEST_DATABASE_URL) {
    const tdb = await createTestDb();
    return { env: { DATABASE_URL: tdb.url! }, destroy: () => tdb.destroy() };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  return { env: { DATA_DIR: dir }, destroy: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}
