import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { canonicalJson } from '../shared/canonicalJson.js';
import type { Db } from '../db/db.js';
import { conflict, validationFailed } from '../errors.js';

export interface StoredResponse {
  status: number;
  body: unknown;
}

const KEY = /^[\x21-\x7e]{1,255}$/;

/** Reads and checks the Idempotency-Key header (printable ASCII, at most 255 characters). */
export function idempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!KEY.test(header)) {
    throw validationFailed([{ field: 'Idempotency-Key', message: 'must be 1-255 printable ASCII characters without spaces' }]);
  }
  return header;
}

/**
 * Runs `work` in a transaction at most once per (scope, key). The key row is inserted in the same
 * transaction as the work, so it commits with it or not at all: a concurrent request with the same
 * key waits on the unique index, then finds the committed row and replays its response. A key
 * reused with a different body is a 409. Failed requests (4xx) store nothing, so a corrected
 * retry with the same key goes through.
 */
export async function runIdempotent(
  db: Db,
  scope: string,
  key: string | undefined,
  request: unknown,
  work: (trx: Knex.Transaction) => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed: boolean }> {
  if (key === undefined) return { ...(await db.transaction(work)), replayed: false };
  const requestHash = crypto.createHash('sha256').update(canonicalJson(request)).digest('hex');
  return db.transaction(async (trx) => {
    const inserted = (await trx.raw(
      `insert into idempotency_keys (scope, key, request_hash) values (?, ?, ?)
       on conflict (scope, key) do nothing returning id`,
      [scope, key, requestHash],
    )) as { rows: Array<{ id: string }> };
    const id = inserted.rows[0]?.id;
    if (id === undefined) {
      const prior = (await trx('idempotency_keys').where({ scope, key }).first()) as { request_hash: string; status_code: number | null; response_body: unknown } | undefined;
      if (!prior || prior.status_code === null) {
        throw conflict('idempotency_key_in_use', 'A request with this Idempotency-Key is still being processed; retry in a moment');
      }
      if (prior.request_hash !== requestHash) {
        throw conflict('idempotency_key_reused', 'This Idempotency-Key was already used with a different request body; use a new key');
      }
      return { status: prior.status_code, body: prior.response_body, replayed: true };
    }
    const result = await work(trx);
    await trx('idempotency_keys')
      .where({ id })
      .update({ status_code: result.status, response_body: JSON.stringify(result.body) });
    return { ...result, replayed: false };
  });
}
