import type { SyncRun } from './syncRunRepo.js';

/** A push run as the API and the dashboard show it. */
export function presentRun(r: SyncRun) {
  return {
    id: r.id,
    portalId: r.portalId,
    trigger: r.trigger,
    status: r.status,
    total: r.total,
    processed: r.processed,
    counts: r.counts,
    error: r.error,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    heartbeatAt: r.heartbeatAt,
    worker: r.worker,
  };
}
