import type { Request, Response } from 'express';
import { isRowId } from '../http/validate.js';
import { notFound, unauthorized } from '../errors.js';
import type { Handler } from '../http/handler.js';
import type { SafeHtml } from '../html/html.js';
import { renderDashboardPage, renderSignInPage, SIGN_IN_REFUSED } from './adminPages.js';
import { describePortals } from './describePortals.js';
import { listPending } from '../portals/revocations.js';
import { presentRun } from '../sync/presentRun.js';
import * as syncRunRepo from '../sync/syncRunRepo.js';
import * as syncStateRepo from '../sync/syncStateRepo.js';
import * as cardErrors from './cardErrors.js';
import { endSession, refuseCrossSite, startSession, tokenMatches } from './adminAuth.js';

/** The admins' dashboard: portals, pushes, failures with Replay, card errors and a throughput chart. */

const sendPage = (res: Response, page: SafeHtml) => res.type('html').set('Cache-Control', 'no-store').send(page.value);

/** GET /admin/login */
export const getLogin: Handler = (_deps, _req, res) => {
  sendPage(res, renderSignInPage());
};

/** POST /admin/login (form); a refused token is a 401 the sign-in form shows (signInErrorView). */
export const postLogin: Handler = async (deps, req: Request, res: Response) => {
  const token = typeof (req.body as Record<string, unknown> | undefined)?.token === 'string' ? String((req.body as Record<string, string>).token) : '';
  if (!deps.config.apiToken || !tokenMatches(deps, token)) {
    deps.log.warn('dashboard sign-in refused', { scope: 'admin', ip: req.ip });
    throw unauthorized(SIGN_IN_REFUSED, deps.config.apiToken ? 'That is not the API token.' : 'API_TOKEN is not set on the service: set it and restart.');
  }
  await startSession(deps, res);
  res.redirect(303, './');
};

/** POST /admin/logout (form; `everywhere=1` ends every admin's session): the session ends on the server. */
export const postLogout: Handler = async (deps, req, res) => {
  refuseCrossSite(req);
  const everywhere = (req.body as Record<string, unknown> | undefined)?.everywhere === '1';
  const ended = await endSession(deps, req, res, everywhere);
  if (ended > 0) deps.log.info(everywhere ? 'every dashboard session ended' : 'dashboard session ended', { scope: 'admin', sessions: ended });
  res.redirect(303, 'login');
};

/** GET /admin/ */
export const getDashboard: Handler = (_deps, _req, res) => {
  sendPage(res, renderDashboardPage());
};

/** GET /admin/api/overview: everything the dashboard shows. */
export const getOverview: Handler = async (deps, _req, res) => {
  const [portals, revocations, runs, failures, errors] = await Promise.all([
    describePortals(deps),
    listPending(deps.db),
    syncRunRepo.listRuns(deps.db, undefined, 50),
    syncStateRepo.listFailures(deps.db, { states: ['failed', 'conflict', 'skipped'], limit: 100 }),
    cardErrors.listRecent(deps.db, 30),
  ]);
  res.set('Cache-Control', 'no-store').json({
    portals,
    revocations,
    runs: runs.map((r) => ({
      ...presentRun(r),
      durationMs: r.startedAt && r.finishedAt ? r.finishedAt.getTime() - r.startedAt.getTime() : null,
    })),
    failures,
    cardErrors: errors,
  });
};

/** POST /admin/api/failures/{id}/replay */
export const postAdminReplay: Handler = async (deps, req, res) => {
  const id = String(req.params.id);
  const replayed = isRowId(id) ? await syncStateRepo.replay(deps.db, id) : undefined;
  if (!replayed) throw notFound(`Failure ${id}`);
  const { run, created } = await syncRunRepo.startRun(deps.db, replayed.portalId, 'replay');
  if (created) deps.runQueued.emit('queued');
  deps.log.info('failure replayed from the dashboard', { scope: 'admin', failureId: id, runId: run.id });
  res.status(202).json({ replayed: id, runId: run.id });
};
