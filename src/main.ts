import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { ConfigError, describeMissingSetup, loadConfig } from './config.js';
import { isEmbedded } from './db/db.js';
import { migrateLatest, pendingMigrations } from './db/migrate.js';
import { createDeps } from './deps.js';
import * as portalRepo from './portals/portalRepo.js';
import { SyncWorker } from './sync/syncWorker.js';

/** Entry point: config → deps → database check → HTTP server; stops cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
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
  const deps = createDeps(config);
  const log = deps.log.child({ scope: 'main' });

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
  const worker = new SyncWorker(deps);
  worker.start();

  const app = createApp(deps);
  const server: Server = app.listen(config.port, () => {
    const { port } = server.address() as AddressInfo;
    log.info(`listening on port ${port}; HubSpot reaches it at ${config.publicBaseUrl}`, { port });
  });
  server.on('error', (err: NodeJS.ErrnoException) => {
    log.error(err.code === 'EADDRINUSE' ? `port ${config.port} is already in use: stop the other process or set PORT` : err.message);
    process.exit(1);
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
    void Promise.all([httpClosed, worker.stop()])
      .then(() => deps.db.destroy())
      .finally(() => {
        clearTimeout(force);
        process.exit(0);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
