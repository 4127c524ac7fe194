import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, createOpsApp } from './app.js';
import { ConfigError, describeMissingSetup, loadConfig } from './config.js';
import { endOfLifeWarning } from './runtime.js';
import { useHubSpotAgentForProcess } from './hubspot/hubspotApi.js';
import { isEmbedded } from './db/db.js';
import { migrateLatest, pendingMigrations } from './db/migrate.js';
import { createDeps } from './deps.js';
import * as portalRepo from './portals/portalRepo.js';
import { SyncWorker } from './sync/syncWorker.js';

type Role = 'all' | 'web' | 'worker';

/**
 * `--role web` serves HubSpot, the pages and /api/v1 without pushing; `--role worker` pushes and
 * serves only /healthz, /readyz and /metrics; no role (npm start) does both in one process.
 */
function roleFrom(argv: string[]): Role {
  const i = argv.findIndex((a) => a === '--role' || a.startsWith('--role='));
  if (i < 0) return 'all';
  const value = argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1];
  if (value === 'web' || value === 'worker' || value === 'all') return value;
  process.stderr.write(`--role must be web, worker or all (got ${JSON.stringify(value ?? '')})\n`);
  process.exit(1);
}

/** Entry point: config → deps → database check → HTTP server and/or push worker; stops cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const role = roleFrom(process.argv.slice(2));
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nFix these environment variables and start again.\n`);
      process.exit(1);
    }
    throw err;
  }
  useHubSpotAgentForProcess(config.hubspot.apiBaseUrl, config.hubspot.requestTimeoutMs);
  const deps = createDeps(config);
  const log = deps.log.child({ scope: 'main' });
  // First, so an operator sees it even when the database check below ends the start.
  const eol = endOfLifeWarning(process.versions.node, new Date().toISOString().slice(0, 10));
  if (eol) log.warn(eol);

  if (isEmbedded(deps.db)) {
    const applied = await migrateLatest(deps.db);
    log.info('embedded database ready', { dataDir: config.dataDir, migrationsApplied: applied.length });
  } else {
    const pending = await pendingMigrations(deps.db).catch((err: Error) => {
      log.error(`cannot reach DATABASE_URL: ${err.message}. Check the connection string and that PostgreSQL is running.`);
      process.exit(1);
    });
    if (pending.length > 0) {
      log.error(`the database has ${pending.length} pending migration(s): run "npm run db:migrate" with the same DATABASE_URL, then start again`, { pending });
      process.exit(1);
    }
  }
  for (const note of describeMissingSetup(config)) log.warn(note);
  if (config.hubspot.portalId && config.hubspot.accessToken) {
    await portalRepo.ensurePrivateApp(deps.db, config.hubspot.portalId, new Date());
    log.info(`pushing to portal ${config.hubspot.portalId} with the private-app token`);
  }
  const worker = role === 'web' ? undefined : new SyncWorker(deps);

  const app = role === 'worker' ? createOpsApp(deps) : createApp(deps);
  // Not app.listen(): Express 5 hands a listen error to the listen callback as if it were the
  // "listening" event, and the callback then crashed reading server.address() (null). Here the
  // error gets its own exit: one line naming the port and the variable to change, no stack, and
  // the push worker is started only once the port is ours (a busy port starts nothing).
  const server: Server = http.createServer(app);
  server.once('error', (err: NodeJS.ErrnoException) => {
    log.error(listenFailure(err, config.port));
    process.exit(1);
  });
  server.listen(config.port, () => {
    const { port } = server.address() as AddressInfo;
    const what = role === 'worker' ? 'push worker; health and metrics' : `HubSpot reaches it at ${config.publicBaseUrl}`;
    log.info(`${role === 'all' ? '' : `${role} role, `}listening on port ${port}; ${what}`, { port, role });
    worker?.start();
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received, shutting down`);
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    // Stop taking requests and runs; let the batch in flight finish and its outcome be recorded.
    const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    void Promise.all([httpClosed, worker?.stop()])
      .then(() => deps.db.destroy())
      .finally(() => {
        clearTimeout(force);
        process.exit(0);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** What to tell the operator when the HTTP port cannot be taken. */
function listenFailure(err: NodeJS.ErrnoException, port: number): string {
  if (err.code === 'EADDRINUSE') return `port ${port} is already in use by another process: stop that process, or set PORT to a free port, and start again`;
  if (err.code === 'EACCES') return `not allowed to listen on port ${port} (ports below 1024 need extra privileges): set PORT to 1024 or above, and start again`;
  return `cannot listen on port ${port}: ${err.message}. Check PORT and start again`;
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
