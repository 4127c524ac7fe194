import type { Api } from './apiClient.js';
import { progressBar } from './progress.js';

/** A run as /api/v1/sync/runs presents it. */
export interface RunView {
  id: string;
  portalId: string;
  trigger: string;
  status: 'queued' | 'running' | 'done' | 'failed' | 'paused';
  total: number;
  processed: number;
  counts: Record<'created' | 'updated' | 'unchanged' | 'archived' | 'skipped' | 'conflicts' | 'failed' | 'retries' | 'rateLimited' | 'dealsWritten' | 'notesWritten', number> & {
    refusedUpFront?: number;
  };
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  alreadyRunning?: boolean;
}

export interface FailureView {
  id: string;
  portalId: string;
  objectType: 'contact' | 'product';
  externalId: string;
  state: string;
  reason: string | null;
  error: {
    status: number | null;
    category: string | null;
    message: string;
    correlationId: string | null;
    violations?: Array<{ property: string | null; code: string | null; message: string }>;
    refusedBy?: 'portal_rule';
    foundBeforeSending?: boolean;
  } | null;
  attempts: number;
  updatedAt: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Follows a run with a progress bar until it ends; returns it as it ended. */
export async function followRun(api: Api, runId: string, pollMs = 500): Promise<RunView> {
  const bar = progressBar('push #{run} {bar} {percentage}% | {value}/{total} records | {created} created, {updated} updated, {failed} failed | {eta_formatted} left');
  let started = false;
  try {
    for (;;) {
      const run = await api<RunView>('GET', `/sync/runs/${runId}`);
      const payload = { run: run.id, created: run.counts.created, updated: run.counts.updated, failed: run.counts.failed };
      if (!started && run.total > 0) {
        bar.start(run.total, run.processed, payload);
        started = true;
      } else if (started) {
        bar.setTotal(Math.max(run.total, run.processed));
        bar.update(run.processed, payload);
      }
      if (run.status === 'done' || run.status === 'failed' || run.status === 'paused') return run;
      await sleep(pollMs);
    }
  } finally {
    if (started) bar.stop();
  }
}

export function describeRun(run: RunView): string {
  const c = run.counts;
  const seconds = run.startedAt && run.finishedAt ? (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000 : null;
  const lines = [
    `Push #${run.id} to portal ${run.portalId}: ${run.status}${seconds !== null ? ` in ${seconds.toFixed(1)} s` : ''}`,
    `  created    ${c.created}`,
    `  updated    ${c.updated}`,
    `  archived   ${c.archived}`,
    `  unchanged  ${c.unchanged}`,
    `  skipped    ${c.skipped}   (contacts without an email, deals HubSpot no longer has)`,
    `  conflicts  ${c.conflicts}   (contacts sharing an email)`,
    `  failed     ${c.failed}   (refused by HubSpot${c.refusedUpFront ? `; ${c.refusedUpFront} of them not sent, as they break a portal validation rule read before the push` : ''})`,
    `  retries    ${c.retries}, of which 429s: ${c.rateLimited}`,
    `  deals      ${c.dealsWritten ?? 0} written (billing properties), ${c.notesWritten ?? 0} timeline notes`,
  ];
  if (run.error) lines.push(`  note: ${run.error}`);
  if (c.failed + c.conflicts + c.skipped > 0) lines.push('See why with: npm run cli -- failures --include skipped,conflict');
  return lines.join('\n');
}

export function describeFailures(failures: FailureView[]): string {
  if (failures.length === 0) return 'No failures: HubSpot has accepted every record.';
  return failures
    .map((f) => {
      const said = f.error?.violations?.length
        ? f.error.violations.map((v) => `\n      ${v.property ?? '(no property named)'}: ${v.message}`).join('') + (f.error.correlationId ? `\n      (correlation id ${f.error.correlationId})` : '')
        : '';
      const hs =
        said || (f.error ? `\n      HubSpot ${f.error.status ?? ''} ${f.error.category ?? ''}: ${f.error.message}${f.error.correlationId ? ` (correlation id ${f.error.correlationId})` : ''}` : '');
      return `#${f.id}  ${f.state.padEnd(8)} ${f.objectType} ${f.externalId} (portal ${f.portalId}, ${f.attempts} attempt(s))\n      ${f.reason ?? ''}${hs}`;
    })
    .join('\n');
}
