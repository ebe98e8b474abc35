// A lock file that a crashed process does not leave stuck: it names its owner (pid, host) and is
// refreshed by a heartbeat; a lock whose owner is gone, or whose heartbeat stopped, is taken over.
import { mkdirSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeSync, closeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';

export interface LockOwner {
  pid: number;
  host: string;
  started_at: string;
  purpose: string;
}

export class LockError extends Error {
  constructor(
    message: string,
    readonly owner: LockOwner | null,
  ) {
    super(message);
    this.name = 'LockError';
  }
}

export interface Lock {
  path: string;
  /** Refreshes the lock's modification time (call more often than staleMs). */
  heartbeat(): void;
  release(): void;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

/** Why an existing lock may be taken over, or null if its owner still holds it. */
export function staleReason(path: string, staleMs: number, now = Date.now()): string | null {
  const owner = readOwner(path);
  let mtime: number;
  try {
    mtime = statSync(path).mtimeMs;
  } catch {
    return 'verrou disparu';
  }
  if (!owner) return 'verrou illisible';
  if (owner.host === hostname() && !processAlive(owner.pid)) return `le processus ${owner.pid} n'existe plus`;
  if (now - mtime > staleMs) return `aucun signe de vie depuis ${Math.round((now - mtime) / 1000)} s`;
  return null;
}

export function acquireLock(path: string, { purpose, staleMs = 10 * 60_000, onTakeOver }: { purpose: string; staleMs?: number; onTakeOver?: (reason: string, owner: LockOwner | null) => void }): Lock {
  mkdirSync(dirname(path), { recursive: true });
  const owner: LockOwner = { pid: process.pid, host: hostname(), started_at: new Date().toISOString(), purpose };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify(owner));
      closeSync(fd);
      let released = false;
      return {
        path,
        heartbeat() {
          if (released) return;
          const t = new Date();
          utimesSync(path, t, t);
        },
        release() {
          if (released) return;
          released = true;
          // Only remove the lock if it is still ours.
          const current = readOwner(path);
          if (current && current.pid === owner.pid && current.host === owner.host) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const reason = staleReason(path, staleMs);
      const current = readOwner(path);
      if (reason === null) {
        throw new LockError(
          `Un autre processus tient déjà ${path} (pid ${current?.pid} sur ${current?.host}, ${current?.purpose}, depuis ${current?.started_at}). ` +
            'Arrêtez-le, ou attendez qu’il se termine.',
          current,
        );
      }
      onTakeOver?.(reason, current);
      rmSync(path, { force: true });
    }
  }
  throw new LockError(`Impossible de prendre le verrou ${path}.`, readOwner(path));
}
