import crypto from 'node:crypto';
import knexFactory from 'knex';
import { createDb, type Db } from '../src/db/db.js';
import { migrateLatest } from '../src/db/migrate.js';

export interface TestDb {
  db: Db;
  /** The database's connection string (PostgreSQL only; PGlite lives in this process). */
  url?: string;
  destroy(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file: embedded in-memory PGlite by default, or a new
 * database on the PostgreSQL server named by TEST_DATABASE_URL (dropped again afterwards).
 */
export async function createTestDb(): Promise<TestDb> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const db = createDb({});
    await migrateLatest(db);
    return { db, destroy: () => db.destroy() };
  }
  const name = `it_${crypto.randomBytes(6).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  await admin.raw(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = createDb({ databaseUrl: url.toString(), poolMax: 10 });
  await migrateLatest(db);
  return {
    db,
    url: url.toString(),
    async destroy() {
      await db.destroy();
      await admin.raw(`drop database if exists ${name} with (force)`);
      await admin.destroy();
    },
  };
}
