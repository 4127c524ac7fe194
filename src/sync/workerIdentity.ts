import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';

/**
 * Who a sync worker is, so that another process on the same machine can tell a crashed worker
 * from a slow one. An id reads `host~pidns:pid:nonce`; the pid namespace is part of the host, so
 * containers that share a host name never judge each other's pids. A worker is known dead when it
 * ran on this host and namespace and its process is gone (or it was this process and is no
 * longer registered). Anything else is judged by its heartbeat alone.
 */

// The worker ids this process runs. Process state on purpose, not deps state: it answers "is
// that pid's worker still running?", which is true of the process whichever deps made the worker
// (kept per deps, a worker would judge a sibling of other deps in the same process dead, and take
// its run over).
const live = new Set<string>();

function pidNamespace(): string {
  try {
    return /\[(\d+)\]/.exec(fs.readlinkSync('/proc/self/ns/pid'))?.[1] ?? 'x';
  } catch {
    return 'x';
  }
}

const HOST = `${os.hostname()}~${pidNamespace()}`;

/** A new worker id, registered as alive in this process until released. */
export function newWorkerId(): string {
  const id = `${HOST}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
  live.add(id);
  return id;
}

export function releaseWorkerId(id: string): void {
  live.delete(id);
}

/** True only when the worker certainly no longer runs. */
export function isDeadWorker(id: string | null): boolean {
  if (!id) return false;
  const m = /^(.*):(\d+):([0-9a-f]+)$/.exec(id);
  if (!m || m[1] !== HOST || m[1].endsWith('~x')) return false;
  const pid = Number(m[2]);
  if (pid === process.pid) return !live.has(id);
  try {
    process.kill(pid, 0);
    return false; // a process with that pid runs (perhaps a new one that took the pid: wait for the heartbeat)
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
