import type { Deps } from '../deps.js';

/** Lines per kind of refusal per minute, per process; the rest are counted and summed up. */
export const REFUSAL_LOG_LINES_PER_MINUTE = 20;

interface Window {
  start: number;
  logged: number;
  suppressed: number;
}
const windows = new WeakMap<Deps, Map<string, Window>>();

/**
 * A warning that any stranger can trigger at will (a bad signature, a forged page token) is
 * logged for the first REFUSAL_LOG_LINES_PER_MINUTE times a minute per kind (`key`: a fixed set,
 * e.g. "signature:v3_mismatch"); further ones only add to a count, logged with the next such
 * warning after the minute. So an unauthenticated flood cannot fill the logs (or the disk behind
 * them), and the metrics still count every refusal.
 */
export function limitedWarn(deps: Deps, key: string, message: string, meta: Record<string, unknown>): void {
  let byKey = windows.get(deps);
  if (!byKey) {
    byKey = new Map();
    windows.set(deps, byKey);
  }
  const now = deps.clock.now().getTime();
  let w = byKey.get(key);
  if (!w || now - w.start >= 60_000 || now < w.start) {
    const suppressed = w?.suppressed ?? 0;
    w = { start: now, logged: 0, suppressed: 0 };
    byKey.set(key, w);
    if (suppressed > 0) deps.log.warn(`${message}: ${suppressed} more like it in the minute before were not logged`, { ...meta, suppressed });
  }
  if (w.logged >= REFUSAL_LOG_LINES_PER_MINUTE) {
    w.suppressed += 1;
    return;
  }
  w.logged += 1;
  deps.log.warn(message, meta);
}
