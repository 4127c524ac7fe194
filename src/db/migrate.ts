import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import type { Db } from './db.js';

// Migrations live in <repo>/migrations (TypeScript) and are compiled to dist/migrations. This file
// sits two levels below either root, so the folder is found the same way in both.
const here = path.dirname(fileURLToPath(import.meta.url));
const MIGRATIONS_DIR = path.resolve(here, '../../migrations');
const EXTENSION = path.extname(fileURLToPath(import.meta.url)); // '.ts' under tests, '.js' when built
const NAME = /^(\d{14}_[a-z0-9_]+)\.(ts|js)$/;

interface MigrationModule {
  up(knex: Knex): Promise<void>;
}

/**
 * Lists migration files by name. Names are stored without their extension so a database migrated
 * by the TypeScript sources (tests) and by the compiled build (production) agree.
 */
class FolderMigrationSource implements Knex.MigrationSource<string> {
  async getMigrations(): Promise<string[]> {
    return fs
      .readdirSync(MIGRATIONS_DIR)
      .filter((f) => NAME.test(f) && f.endsWith(EXTENSION) && !f.endsWith('.d.ts'))
      .map((f) => f.slice(0, -EXTENSION.length))
      .sort();
  }

  getMigrationName(name: string): string {
    return name;
  }

  async getMigration(name: string): Promise<Knex.Migration> {
    const mod = (await import(pathToFileURL(path.join(MIGRATIONS_DIR, name + EXTENSION)).href)) as MigrationModule;
    return {
      up: (knex) => mod.up(knex),
      down: () => {
        throw new Error('migrations are forward-only: write a new migration instead of rolling back');
      },
    };
  }
}

const migrationConfig = (): Knex.MigratorConfig => ({
  migrationSource: new FolderMigrationSource(),
  tableName: 'knex_migrations',
});

/** Applies every pending migration; returns the names applied. */
export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(migrationConfig())) as [number, string[]];
  return applied;
}

/** Names of migrations not yet applied to this database. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const [, pending] = (await db.migrate.list(migrationConfig())) as [unknown, Array<{ file: string } | string>];
  return pending.map((p) => (typeof p === 'string' ? p : p.file));
}
