import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import pg from 'pg';

export type Db = Knex;

// Type OIDs whose default JS parsing loses information: int8 (ids, money in minor units) would be
// rounded as a JS number, numeric (quantities, rates) likewise, and date would become a Date at
// local midnight. We keep all three as the exact text PostgreSQL sends.
const INT8 = 20;
const DATE = 1082;
const NUMERIC = 1700;
const asText = (value: string) => value;

pg.types.setTypeParser(INT8, asText);
pg.types.setTypeParser(DATE, asText);
pg.types.setTypeParser(NUMERIC, asText);

export interface DbOptions {
  /** PostgreSQL connection string; when absent the embedded PGlite database is used. */
  databaseUrl?: string | undefined;
  /** Folder for the embedded database; `undefined` with no databaseUrl means in-memory. */
  pgliteDir?: string | undefined;
  poolMax?: number;
}

/** Opens the database: PostgreSQL when a URL is given, otherwise embedded PGlite. */
export function createDb(options: DbOptions): Db {
  if (options.databaseUrl) {
    return knexFactory({
      client: 'pg',
      connection: options.databaseUrl,
      pool: { min: 0, max: options.poolMax ?? 10 },
    });
  }
  if (options.pgliteDir) {
    fs.mkdirSync(path.dirname(options.pgliteDir), { recursive: true });
    lockEmbedded(options.pgliteDir);
  }
  // One options object: PGlite ignores a second argument when the first is not a string.
  const pglite = new PGlite({
    ...(options.pgliteDir ? { dataDir: options.pgliteDir } : {}),
    parsers: { [INT8]: asText, [DATE]: asText, [NUMERIC]: asText },
  });
  return knexFactory({
    client: ClientPgLite as unknown as typeof knexFactory.Client,
    dialect: 'postgres',
    // knex-pglite takes an already-built instance through a connection function; that is the
    // only way to give PGlite our type parsers.
    connection: (() => ({ pglite })) as unknown as Knex.StaticConnectionConfig,
  });
}

interface PoolClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<void>;
}

/**
 * Runs a fixed, hot query (`$1` placeholders) as a named prepared statement on PostgreSQL, so it is
 * planned once per connection instead of on every call: for the card query that planning costs more
 * than running it. The SQL must name its columns (no `*`): a prepared plan that selects `*` fails
 * once a migration adds a column. On PGlite it is an ordinary parameterised query.
 */
export async function queryPrepared<R>(db: Db, name: string, text: string, values: readonly unknown[]): Promise<R[]> {
  const client = db.client as unknown as PoolClient;
  const connection = await client.acquireConnection();
  try {
    if (isEmbedded(db)) return (await (connection as PGlite).query<R>(text, [...values])).rows;
    return (await (connection as pg.Client).query<R & pg.QueryResultRow>({ name, text, values: [...values] })).rows;
  } finally {
    await client.releaseConnection(connection);
  }
}

/** True when the database is the single-connection embedded PGlite. */
export function isEmbedded(db: Db): boolean {
  return db.client.config.client !== 'pg';
}

/**
 * PGlite is a single-process database: two processes opening the same folder corrupt it. A pid
 * lock file next to the folder turns that into a clear error; a lock left by a dead process is
 * taken over.
 */
function lockEmbedded(dir: string): void {
  const lockFile = `${dir}.lock`;
  try {
    const owner = Number(fs.readFileSync(lockFile, 'utf8'));
    if (owner && owner !== process.pid && isAlive(owner)) {
      throw new Error(`The embedded database in ${dir} is in use by process ${owner}. Stop that process first, ` + 'or set DATABASE_URL to a PostgreSQL database to run several processes at once.');
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.writeFileSync(lockFile, String(process.pid));
  process.once('exit', () => {
    try {
      if (fs.readFileSync(lockFile, 'utf8') === String(process.pid)) fs.unlinkSync(lockFile);
    } catch {
      // already gone
    }
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
