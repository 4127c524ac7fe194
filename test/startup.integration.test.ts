import { type ChildProcess, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signV2, signV3 } from '../src/hubspot/signature.js';
import { endOfLifeWarning } from '../src/runtime.js';
import { CLI, MAIN, requireBuild, startService } from './serviceProcess.js';

/**
 * What a newcomer and an operator do: start the built service (`npm start` runs exactly
 * `node dist/src/main.js` after building), use the CLI, stop it with SIGTERM. Runs the compiled
 * output, so `npm test` builds first.
 */

const SECRET = 'startup-secret-123';
const TOKEN = 'startup-api-token-0123456789';
const children: ChildProcess[] = [];
let dataDir: string;
/**
 * For the tests that start the service: each start is a real one (a first start on a new data
 * folder creates and migrates the embedded database), and on a loaded machine one such start
 * alone can take most of vitest's default 30 s. startService gives up after 60 s with the
 * service's output, so a test of a few starts and CLI runs gets a few of those.
 */
const START = { timeout: 180_000 };

beforeAll(() => {
  requireBuild();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'invoice-card-'));
});
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start on the embedded database', () => {
  it('starts with no configuration, says what is not set up, and serves', START, async () => {
    const s = await startService({ DATA_DIR: dataDir }, children);
    try {
      const health = await fetch(`http://127.0.0.1:${s.port}/healthz`);
      expect(health.status).toBe(200);
      expect(s.output()).toContain('HUBSPOT_CLIENT_SECRET is not set');
      expect(s.output()).toContain('API_TOKEN is not set');
      // On a Node line past its end of life (the machine's Node 20 since 2026-04-30) it says so.
      const eol = endOfLifeWarning(process.versions.node, new Date().toISOString().slice(0, 10));
      if (eol) expect(s.output()).toContain(eol);
      else expect(s.output()).not.toContain('reached its end of life');
      const card = await fetch(`http://127.0.0.1:${s.port}/hubspot/card?portalId=1&associatedObjectId=2&associatedObjectType=DEAL`);
      expect(card.status).toBe(503);
    } finally {
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    }
  });

  it('keeps its data across restarts, refuses a second process on the same folder, and stops on SIGTERM', START, async () => {
    const env = { DATA_DIR: dataDir, HUBSPOT_CLIENT_SECRET: SECRET, API_TOKEN: TOKEN, PUBLIC_BASE_URL: 'https://invoices.test', HUBSPOT_ALLOWED_PORTAL_IDS: '1' };
    const first = await startService(env, children);
    const base = `http://127.0.0.1:${first.port}`;
    const created = await fetch(`${base}/api/v1/invoices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ portalId: '1', dealId: '2', currency: 'EUR', lines: [{ description: 'x', quantity: '1', unitPrice: '9.99' }] }),
    });
    expect(created.status).toBe(201);

    const second = spawnSync(process.execPath, [MAIN], { env: { PATH: process.env.PATH, PORT: '0', ...env }, encoding: 'utf8', timeout: 60_000 });
    expect(second.status).toBe(1);
    expect(second.stderr + second.stdout).toMatch(/in use by process \d+/);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const again = await startService(env, children);
    try {
      const url = `http://127.0.0.1:${again.port}`;
      const pathAndQuery = '/hubspot/card?userId=1&userEmail=a@b.example&associatedObjectId=2&associatedObjectType=DEAL&portalId=1';
      const signed = `https://invoices.test${pathAndQuery}`; // what HubSpot called, through the proxy
      const ts = String(Date.now());
      const res = await fetch(url + pathAndQuery, {
        headers: {
          'X-HubSpot-Signature-v3': signV3(SECRET, 'GET', signed, '', ts),
          'X-HubSpot-Request-Timestamp': ts,
          'X-HubSpot-Signature': signV2(SECRET, 'GET', signed, ''),
          'X-HubSpot-Signature-Version': 'v2',
        },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { results: Array<{ properties: Array<{ value: string }> }> };
      expect(body.results).toHaveLength(1);
      expect(body.results[0]!.properties[0]!.value).toBe('9.99');
    } finally {
      again.child.kill('SIGTERM');
      expect(await again.exited).toBe(0);
    }
  });

  it('names a busy port and the variable to set, exits 1, and prints no stack trace', START, async () => {
    // Taken on every interface, as the service listens.
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const r = spawnSync(process.execPath, [MAIN], { env: { PATH: process.env.PATH, PORT: String(taken), DATA_DIR: dataDir }, encoding: 'utf8', timeout: 60_000 });
      const out = r.stdout + r.stderr;
      expect(r.status, out).toBe(1);
      expect(out).toContain(`port ${taken} is already in use`);
      expect(out).toContain('set PORT to a free port');
      expect(out).not.toMatch(/TypeError|Cannot destructure|\n\s+at /);
      // Nothing was left running on the embedded database: the next start works.
      const s = await startService({ DATA_DIR: dataDir }, children);
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('refuses invalid configuration with one message listing every bad variable', () => {
    const r = spawnSync(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, PORT: 'x', LOG_LEVEL: 'loud', API_TOKEN: 'short', DATA_DIR: dataDir },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Invalid configuration');
    for (const v of ['PORT', 'LOG_LEVEL', 'API_TOKEN']) expect(r.stderr).toContain(v);
  });
});

describe('CLI', () => {
  it('runs the README\'s "See the card without HubSpot" steps: demo data, then the card as the classic card and the app card; another portal is refused, saying what to set', START, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'invoice-card-newcomer-'));
    // The README's variables; the service listens on a free port, so the CLI is pointed at it with
    // --url while both sides keep the default public URL (port 3000) that the signatures cover.
    const readme = { HUBSPOT_CLIENT_SECRET: 'dev-secret', API_TOKEN: TOKEN, HUBSPOT_ALLOWED_PORTAL_IDS: '111', PUBLIC_BASE_URL: 'http://localhost:3000' };
    const s = await startService({ DATA_DIR: dir, ...readme }, children);
    try {
      const env = { PATH: process.env.PATH!, ...readme };
      const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--url', `http://127.0.0.1:${s.port}`], { env, encoding: 'utf8', timeout: 60_000 });
      const demo = run(['demo-data', '--portal', '111', '--deal', '222']);
      expect(demo.status, demo.stderr).toBe(0);
      for (const extra of [[], ['--app-card', '1']]) {
        const preview = run(['preview', '--portal', '111', '--deal', '222', ...extra]);
        expect(preview.status, preview.stderr + preview.stdout).toBe(0);
        expect(preview.stdout).toContain("The answer matches HubSpot's documented card format.");
        expect(preview.stdout).toMatch(/INV-\d{6}/);
      }
      const other = run(['preview', '--portal', '333', '--deal', '222']);
      expect(other.status).toBe(1);
      expect(other.stderr).toContain('403');
      expect(other.stderr).toContain('HUBSPOT_ALLOWED_PORTAL_IDS');
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints hubspot-app.json for a base URL and writes the converter app card files', () => {
    const out = path.join(dataDir, 'hubspot-project');
    const printed = spawnSync(process.execPath, [CLI, 'app-config', '--base-url', 'https://inv.example.com'], { encoding: 'utf8' });
    expect(printed.status).toBe(0);
    expect(JSON.parse(printed.stdout).card.fetch.targetUrl).toBe('https://inv.example.com/hubspot/card');
    const written = spawnSync(process.execPath, [CLI, 'app-config', '--base-url', 'https://inv.example.com', '--out', out, '--card', 'converter'], { encoding: 'utf8' });
    expect(written.status).toBe(0);
    for (const f of ['hubspot-app.json', 'hsproject.json', 'src/app/app-hsmeta.json', 'src/app/cards/definition/DEFINITION.json']) {
      expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    }
    // Without --card, our own app card's complete project.
    const native = path.join(dataDir, 'hubspot-native-project');
    const project = spawnSync(process.execPath, [CLI, 'app-config', '--base-url', 'https://inv.example.com', '--out', native], { encoding: 'utf8' });
    expect(project.status, project.stderr).toBe(0);
    for (const f of ['hsproject.json', 'src/app/app-hsmeta.json', 'src/app/cards/invoices-card-hsmeta.json', 'src/app/cards/index.tsx', 'src/app/cards/config.ts', 'src/app/cards/package.json']) {
      expect(fs.existsSync(path.join(native, f)), f).toBe(true);
    }
    const bad = spawnSync(process.execPath, [CLI, 'app-config', '--base-url', 'not a url'], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--base-url');
  });
});

// Only meaningful against a real server: PostgreSQL must be migrated explicitly, the embedded
// database migrates itself (covered above).
describe.runIf(process.env.TEST_DATABASE_URL)('npm start on PostgreSQL', () => {
  it('refuses to start on an unmigrated database until npm run db:migrate has run', START, async () => {
    const admin = knexFactory({ client: 'pg', connection: process.env.TEST_DATABASE_URL!, pool: { min: 0, max: 1 } });
    const name = `startup_${crypto.randomBytes(5).toString('hex')}`;
    await admin.raw(`create database ${name}`);
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = `/${name}`;
    const env = { PATH: process.env.PATH!, PORT: '0', DATABASE_URL: url.toString() };
    try {
      const refused = spawnSync(process.execPath, [MAIN], { env, encoding: 'utf8', timeout: 30_000 });
      expect(refused.status).toBe(1);
      expect(refused.stdout + refused.stderr).toContain('npm run db:migrate');
      const migrated = spawnSync(process.execPath, [CLI, 'migrate'], { env, encoding: 'utf8', timeout: 30_000 });
      expect(migrated.status, migrated.stderr).toBe(0);
      expect(migrated.stdout).toContain('✓');
      const s = await startService(env, children);
      expect((await fetch(`http://127.0.0.1:${s.port}/healthz`)).status).toBe(200);
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    } finally {
      await admin.raw(`drop database if exists ${name} with (force)`);
      await admin.destroy();
    }
  });
});
