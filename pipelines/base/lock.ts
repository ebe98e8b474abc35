// A lock file that a crashed process does not leave stuck: it names its owner (pid, host) and is
// refreshed by a heartbeat; a lock whose owner is gone, or whose heartbeat stopped, is taken over.
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
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
  const silent = now - mtime > staleMs;
  // An unreadable lock may be one being written: stale only once it is old.
  if (!owner) return silent ? 'verrou illisible et ancien' : null;
  if (owner.host === hostname() && !processAlive(owner.pid)) return `le processus ${owner.pid} n'existe plus`;
  if (silent) return `aucun signe de vie depuis ${Math.round((now - mtime) / 1000)} s`;
  return null;
}

const sameOwner = (a: LockOwner | null, b: LockOwner | null) => !!a && !!b && a.pid === b.pid && a.host === b.host && a.started_at === b.started_at;

/**
 * Takes the lock: the file is written aside then hard-linked into place (creation with its content is
 * atomic: no reader sees an empty lock). A stale lock is renamed away before being judged again, so that
 * two processes cannot both take it over.
 */
export function acquireLock(path: string, { purpose, staleMs = 10 * 60_000, onTakeOver }: { purpose: string; staleMs?: number; onTakeOver?: (reason: string, owner: LockOwner | null) => void }): Lock {
  mkdirSync(dirname(path), { recursive: true });
  const owner: LockOwner = { pid: process.pid, host: hostname(), started_at: new Date().toISOString(), purpose };
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(aside, JSON.stringify(owner));
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(aside, path);
        return heldLock(path, owner);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const current = readOwner(path);
      const reason = staleReason(path, staleMs);
      if (reason === null) {
        throw new LockError(
          `Un autre processus tient déjà ${path} (pid ${current?.pid} sur ${current?.host}, ${current?.purpose}, depuis ${current?.started_at}). ` +
            'Arrêtez-le, ou attendez qu’il se termine.',
          current,
        );
      }
      // Move the stale lock away; whoever renames it first is the only one to take over.
      const graveyard = `${path}.abandonne.${process.pid}.${randomBytes(4).toString('hex')}`;
      try {
        renameSync(path, graveyard);
      } catch {
        continue; // someone else moved it first: try again from the start
      }
      const moved = readOwner(graveyard);
      if (current && !sameOwner(moved, current)) {
        // What we moved is not what we judged stale (it was replaced meanwhile): put it back if we can.
        try {
          linkSync(graveyard, path);
        } catch {
          /* a third process holds the lock now; the loop will see it */
        }
        rmSync(graveyard, { force: true });
        continue;
      }
      rmSync(graveyard, { force: true });
      onTakeOver?.(reason, current);
    }
    throw new LockError(`Impossible de prendre le verrou ${path}.`, readOwner(path));
  } finally {
    rmSync(aside, { force: true });
  }
}

function heldLock(path: string, owner: LockOwner): Lock {
  let released = false;
  return {
    path,
    heartbeat() {
      if (released) return;
      if (!sameOwner(readOwner(path), owner)) throw new LockError(`Le verrou ${path} n'est plus à ce processus.`, readOwner(path));
      const t = new Date();
      utimesSync(path, t, t);
    },
    release() {
      if (released) return;
      released = true;
      // Only remove the lock if it is still ours.
      if (sameOwner(readOwner(path), owner)) rmSync(path, { force: true });
    },
  };
}
