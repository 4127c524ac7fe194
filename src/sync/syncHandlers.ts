import { AppError, notFound, validationFailed } from '../errors.js';
import type { Handler } from '../http/handler.js';
import { type Checked, compile, isRowId, rowId } from '../http/validate.js';
import { decidePortal, portalRefused } from '../portals/portalAccess.js';
import * as portalRepo from '../portals/portalRepo.js';
import * as syncRunRepo from './syncRunRepo.js';
import * as syncStateRepo from './syncStateRepo.js';
import { presentRun } from './presentRun.js';
import { HUBSPOT_ID_PATTERN, hubspotIdSchema } from '../shared/hubspotId.js';

const portalIdRule = hubspotIdSchema('must be a HubSpot portal id (digits only)');

export const validateStart = compile<{ portalId?: string | number }>({
  type: 'object',
  additionalProperties: false,
  properties: { portalId: { type: ['string', 'integer'], pattern: HUBSPOT_ID_PATTERN, minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'must be a HubSpot portal id (digits only)' } },
});

export const validateFailuresQuery = compile<{ portalId?: string; objectType?: 'contact' | 'product' | 'deal' | 'note'; include?: string; limit?: string; before?: string }>({
  type: 'object',
  additionalProperties: false,
  properties: {
    portalId: portalIdRule,
    objectType: { enum: ['contact', 'product', 'deal', 'note'] },
    include: { type: 'string', pattern: '^(skipped|conflict)(,(skipped|conflict))*$', description: 'must be skipped, conflict, or both separated by a comma' },
    limit: { type: 'string', pattern: '^([1-9][0-9]?|[1-4][0-9][0-9]|500)$', description: 'must be a whole number from 1 to 500' },
    before: rowId('must be a failure id (the nextBefore of the previous page)'),
  },
});

/**
 * A filter the service does not understand is refused, never dropped: `?portalId=junk` (or a
 * misspelt `?portalID=`) used to list every portal's runs as if no filter had been given.
 */
export const validateRunsQuery = compile<{ portalId?: string }>({
  type: 'object',
  additionalProperties: false,
  properties: { portalId: portalIdRule },
});

/** POST /api/v1/sync/runs: start a push now (or get the one already queued or running). */
export const postSyncRun: Handler<{ body: Checked<typeof validateStart> }> = async (deps, _req, res, { body }) => {
  const portals = await portalRepo.list(deps.db);
  let portalId = body.portalId === undefined ? undefined : String(body.portalId);
  if (!portalId) {
    if (portals.length === 1) portalId = portals[0]!.portalId;
    else if (portals.length === 0) {
      throw new AppError('no_portal', 409, 'No HubSpot portal is connected: set HUBSPOT_ACCESS_TOKEN and HUBSPOT_PORTAL_ID (private app) or install the app');
    } else throw validationFailed([{ field: 'portalId', message: `is required when several portals are connected (${portals.map((p) => p.portalId).join(', ')})` }]);
  }
  const portal = portals.find((p) => p.portalId === portalId);
  if (!portal) throw notFound(`Portal ${portalId}`);
  if (!portal.pushEnabled) throw new AppError('push_disabled', 409, `The push is turned off for portal ${portalId}`);
  // An account the configuration does not serve is refused here; a disconnected one is queued and
  // fails with the reason, as before (its run says what happened).
  const served = await decidePortal(deps, portalId);
  if (!served.ok && served.reason !== 'portal_not_connected') throw portalRefused(deps.config, portalId, served.reason!, 'operator');
  const { run, created } = await syncRunRepo.startRun(deps.db, portalId, 'api');
  if (created) deps.runQueued.emit('queued');
  res.status(created ? 202 : 200).json({ ...presentRun(run), alreadyRunning: !created });
};

/** GET /api/v1/sync/runs/{id}: progress and counts. */
export const getSyncRun: Handler = async (deps, req, res) => {
  const id = String(req.params.id);
  const run = isRowId(id) ? await syncRunRepo.getRun(deps.db, id) : undefined;
  if (!run) throw notFound(`Sync run ${id}`);
  res.json(presentRun(run));
};

/** GET /api/v1/sync/runs?portalId=: the latest runs. */
export const listSyncRuns: Handler<{ query: Checked<typeof validateRunsQuery> }> = async (deps, _req, res, { query: q }) => {
  res.json({ runs: (await syncRunRepo.listRuns(deps.db, q.portalId, 50)).map(presentRun) });
};

/** GET /api/v1/sync/failures: records HubSpot refused, with its message and correlation id. */
export const listSyncFailures: Handler<{ query: Checked<typeof validateFailuresQuery> }> = async (deps, _req, res, { query: q }) => {
  const limit = Number(q.limit ?? 100);
  const states: syncStateRepo.SyncStateName[] = ['failed', ...((q.include?.split(',') ?? []) as syncStateRepo.SyncStateName[])];
  const failures = await syncStateRepo.listFailures(deps.db, { portalId: q.portalId, objectType: q.objectType, states, limit, beforeId: q.before });
  res.json({ failures, nextBefore: failures.length === limit ? failures.at(-1)!.id : null });
};

/** POST /api/v1/sync/failures/{id}/replay: push that record again (a run is queued). */
export const postReplay: Handler = async (deps, req, res) => {
  const id = String(req.params.id);
  const replayed = isRowId(id) ? await syncStateRepo.replay(deps.db, id) : undefined;
  if (!replayed) throw notFound(`Failure ${id}`);
  const { run, created } = await syncRunRepo.startRun(deps.db, replayed.portalId, 'replay');
  if (created) deps.runQueued.emit('queued');
  res.status(202).json({ replayed: id, run: presentRun(run) });
};
