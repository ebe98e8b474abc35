import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { acquireLock, LockError } from '../pipelines/base/lock.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import type { RunRecord } from '../pipelines/base/runs.ts';
import { previousOccurrence } from '../pipelines/base/cron.ts';
import { Scheduler, type Timer } from '../commands/schedule.ts';
import type { Source } from '../pipelines/sources/types.ts';
import { scratch, testConfig } from './helpers/env.ts';

const tmp = scratch();
afterAll(tmp.cleanup);
let n = 0;
const freshConfig = (extra: Record<string, unknown> = {}) => testConfig(join(tmp.dir, `s${n++}`), extra);
const source = (id: string, schedule = '0 6 * * 1') => ({ id, schedule }) as unknown as Source;
const ok = (id: string) => ({ run_id: `${id}-1`, status: 'succes', rows_in: 1, rows_loaded: 1, rows_rejected: 0 }) as RunRecord;

function deferred<T = void>() {
  let resolveFn!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolveFn = r));
  return { promise, resolve: resolveFn };
}

/** A controllable clock for cron: the test fires a source's occurrence itself. */
function manualTimers() {
  const fns = new Map<string, () => void>();
  const timer = (_e: string, _tz: string, name: string, fn: () => void): Timer => {
    fns.set(name, fn);
    return { stop: () => fns.delete(name) };
  };
  return { timer, fire: (name: string) => fns.get(name)?.(), registered: () => [...fns.keys()] };
}

let scheduler: Scheduler | undefined;
afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
  vi.useRealTimers();
});

describe('previousOccurrence (Europe/Paris)', () => {
  it('finds last Monday 06:00 Paris time from a Wednesday, in winter (UTC+1)', () => {
    expect(previousOccurrence('0 6 * * 1', 'Europe/Paris', new Date('2026-11-18T11:00:00Z'))!.toISOString()).toBe('2026-11-16T05:00:00.000Z');
  });
  it('and in summer (UTC+2)', () => {
    expect(previousOccurrence('0 6 * * 1', 'Europe/Paris', new Date('2026-07-08T11:00:00Z'))!.toISOString()).toBe('2026-07-06T04:00:00.000Z');
  });
  it('returns the current minute when it matches', () => {
    expect(previousOccurrence('30 4 * * *', 'UTC', new Date('2026-01-01T04:30:40Z'))!.toISOString()).toBe('2026-01-01T04:30:00.000Z');
  });
});

describe('the scheduler', () => {
  it('never runs two pulls of the same source at once: a tick during a run is skipped and logged', async () => {
    const gate = deferred();
    const pull = vi.fn(async (s: Source) => {
      await gate.promise;
      return ok(s.id);
    });
    const log = memoryLogger();
    const timers = manualTimers();
    scheduler = new Scheduler({ config: freshConfig(), log, sources: [source('a')], pull, recompute: async () => {}, buildSite: async () => {}, timer: timers.timer });
    scheduler.start();
    timers.fire('a');
    timers.fire('a');
    gate.resolve();
    await scheduler.idle();
    expect(pull).toHaveBeenCalledTimes(1);
    expect(log.lines.filter((l) => l.fields.event === 'pull:overlap')).toHaveLength(1);
  });

  it('logs a failing source and goes on with the others; the failed one is retried at its next tick', async () => {
    const log = memoryLogger();
    const recompute = vi.fn(async () => {});
    let failA = true;
    const pull = vi.fn(async (s: Source) => {
      if (s.id === 'a' && failA) throw new Error('HTTP 500');
      return ok(s.id);
    });
    const timers = manualTimers();
    scheduler = new Scheduler({ config: freshConfig(), log, sources: [source('a'), source('b')], pull, recompute, buildSite: async () => {}, timer: timers.timer });
    scheduler.start();
    timers.fire('a');
    timers.fire('b');
    await scheduler.idle();
    expect(log.lines.find((l) => l.fields.event === 'pull:failed')).toMatchObject({ level: 'error', fields: { source: 'a', error: 'HTTP 500' } });
    expect(recompute).toHaveBeenCalledTimes(1); // after b only
    failA = false;
    timers.fire('a');
    await scheduler.idle();
    expect(recompute).toHaveBeenCalledTimes(2);
    expect(pull.mock.calls.map(([s]) => s.id)).toEqual(['a', 'b', 'a']);
  });

  it('recomputes then rebuilds after a successful pull; a failed build is logged and nothing else breaks', async () => {
    const order: string[] = [];
    const log = memoryLogger();
    const timers = manualTimers();
    scheduler = new Scheduler({
      config: freshConfig(),
      log,
      sources: [source('a')],
      pull: async (s) => (order.push(`pull ${s.id}`), ok(s.id)),
      recompute: async () => void order.push('recompute'),
      buildSite: async () => {
        order.push('build');
        throw new Error('astro a échoué');
      },
      timer: timers.timer,
    });
    scheduler.start();
    timers.fire('a');
    await scheduler.idle();
    expect(order).toEqual(['pull a', 'recompute', 'build']);
    expect(log.lines.find((l) => l.fields.event === 'build:failed')?.fields.error).toBe('astro a échoué');
  });

  it('stops cleanly: waits for the run in progress, ignores later ticks, releases its lock', async () => {
    const gate = deferred();
    const started = deferred();
    const events: string[] = [];
    const config = freshConfig();
    const timers = manualTimers();
    scheduler = new Scheduler({
      config,
      log: memoryLogger(),
      sources: [source('a'), source('b')],
      pull: async (s) => {
        events.push(`start ${s.id}`);
        started.resolve();
        await gate.promise;
        events.push(`end ${s.id}`);
        return ok(s.id);
      },
      recompute: async () => void events.push('recompute'),
      buildSite: async () => {},
      timer: timers.timer,
    });
    scheduler.start();
    const lockPath = join(config.paths.state, 'scheduler.lock');
    expect(existsSync(lockPath)).toBe(true);
    timers.fire('a');
    // Stop while the pull is in progress: wait for it to have started, not for a guessed delay.
    await started.promise;
    const stopping = scheduler.stop().then(() => events.push('stopped'));
    timers.fire('b');
    gate.resolve();
    await stopping;
    expect(events).toEqual(['start a', 'end a', 'recompute', 'stopped']);
    expect(timers.registered()).toEqual([]);
    expect(existsSync(lockPath)).toBe(false);
    scheduler = undefined;
  });

  it('recomputes nothing after a pull that found its source unchanged, and logs what it skipped', async () => {
    const log = memoryLogger();
    const timers = manualTimers();
    const recompute = vi.fn(async () => {});
    const buildSite = vi.fn(async () => {});
    let status: RunRecord['status'] = 'inchange';
    scheduler = new Scheduler({ config: freshConfig(), log, sources: [source('a')], pull: async (s) => ({ ...ok(s.id), status }), recompute, buildSite, timer: timers.timer });
    scheduler.start();
    timers.fire('a');
    await scheduler.idle();
    expect(recompute).not.toHaveBeenCalled();
    expect(buildSite).not.toHaveBeenCalled();
    expect(log.lines.find((l) => l.fields.event === 'compute:skipped')?.fields.unchanged).toEqual(['a']);
    status = 'succes';
    timers.fire('a');
    await scheduler.idle();
    expect(recompute).toHaveBeenCalledTimes(1);
    expect(buildSite).toHaveBeenCalledTimes(1);
  });

  it('--once recomputes only when a due source brought new data', async () => {
    const recompute = vi.fn(async () => {});
    const log = memoryLogger();
    scheduler = new Scheduler({
      config: freshConfig(),
      log,
      now: () => new Date('2026-11-18T11:00:00Z'),
      sources: [source('x'), source('y')],
      pull: async (s) => ({ ...ok(s.id), status: 'inchange' }),
      recompute,
      buildSite: async () => {},
      lastSuccess: async () => null,
    });
    scheduler.acquire();
    expect(await scheduler.runOnce()).toEqual({ ran: ['x', 'y'], failed: [] });
    expect(recompute).not.toHaveBeenCalled();
    expect(log.lines.find((l) => l.fields.event === 'compute:skipped')?.fields.unchanged).toEqual(['x', 'y']);
  });

  it('--once runs only the sources whose last scheduled time has no successful run since', async () => {
    const now = new Date('2026-11-18T11:00:00Z'); // Wednesday; last Monday 06:00 Paris = 2026-11-16T05:00Z
    const last: Record<string, Date | null> = { fresh: new Date('2026-11-16T05:10:00Z'), stale: new Date('2026-11-09T05:10:00Z'), never: null };
    const pull = vi.fn(async (s: Source) => ok(s.id));
    const recompute = vi.fn(async () => {});
    scheduler = new Scheduler({
      config: freshConfig(),
      log: memoryLogger(),
      now: () => now,
      sources: [source('fresh'), source('stale'), source('never')],
      pull,
      recompute,
      buildSite: async () => {},
      lastSuccess: async (id) => last[id] ?? null,
    });
    scheduler.acquire();
    expect(await scheduler.runOnce()).toEqual({ ran: ['stale', 'never'], failed: [] });
    expect(recompute).toHaveBeenCalledTimes(1);
  });

  it('fires a source at its cron time under node-cron, with a fake clock instead of real minutes', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-16T04:59:58Z'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const pull = vi.fn(async (s: Source) => ok(s.id));
    scheduler = new Scheduler({ config: freshConfig(), log: memoryLogger(), sources: [source('a', '0 6 * * 1')], pull, recompute: async () => {}, buildSite: async () => {} });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(pull).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(3_000);
    await scheduler.idle();
    expect(pull).toHaveBeenCalledTimes(1);
  });
});

describe('the scheduler lock', () => {
  it('refuses a second scheduler on the same warehouse', () => {
    const config = freshConfig();
    const first = new Scheduler({ config, log: memoryLogger(), sources: [] });
    first.acquire();
    try {
      expect(() => new Scheduler({ config, log: memoryLogger(), sources: [] }).acquire()).toThrow(LockError);
    } finally {
      void first.stop();
    }
  });

  it('takes over a lock left by a crashed process', () => {
    const dir = join(tmp.dir, 'crash');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'scheduler.lock');
    writeFileSync(path, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), started_at: '2026-01-01T00:00:00Z', purpose: 'x' }));
    const reasons: string[] = [];
    const lock = acquireLock(path, { purpose: 'test', onTakeOver: (r) => reasons.push(r) });
    expect(reasons[0]).toMatch(/n'existe plus/);
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('takes over a lock whose heartbeat stopped, even from another host', () => {
    const path = join(tmp.dir, 'silent.lock');
    writeFileSync(path, JSON.stringify({ pid: 1, host: 'autre-machine', started_at: '2026-01-01T00:00:00Z', purpose: 'x' }));
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(path, old, old);
    const reasons: string[] = [];
    acquireLock(path, { purpose: 'test', staleMs: 60_000, onTakeOver: (r) => reasons.push(r) }).release();
    expect(reasons[0]).toMatch(/aucun signe de vie/);
  });
});

describe('barometre schedule (process)', () => {
  it('logs one JSON object per line and shuts down cleanly on SIGTERM', async () => {
    const dataDir = join(tmp.dir, 'proc');
    const child = spawn(process.execPath, [resolve(PROJECT_ROOT, 'bin/barometre.mjs'), 'schedule'], {
      env: { ...process.env, BAROMETRE_DATA_DIR: dataDir, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await vi.waitFor(() => expect(out).toContain('"event":"schedule"'), { timeout: 300_000, interval: 100 });
    expect(existsSync(join(dataDir, 'state', 'scheduler.lock'))).toBe(true);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { event?: string; time: string });
    expect(lines.map((l) => l.event)).toContain('stopped');
    expect(lines.every((l) => !Number.isNaN(Date.parse(l.time)))).toBe(true);
    expect(existsSync(join(dataDir, 'state', 'scheduler.lock'))).toBe(false);
  });
});

describe('the lock against races', () => {
  it('does not take over a lock that is unreadable but fresh (being written by its owner)', () => {
    const path = join(tmp.dir, 'writing.lock');
    writeFileSync(path, '');
    expect(() => acquireLock(path, { purpose: 'test', staleMs: 60_000 })).toThrow(LockError);
  });

  it('notices in its heartbeat that another process took the lock over', () => {
    const path = join(tmp.dir, 'stolen.lock');
    const lock = acquireLock(path, { purpose: 'test' });
    writeFileSync(path, JSON.stringify({ pid: 1, host: 'autre-machine', started_at: '2026-01-01T00:00:00Z', purpose: 'x' }));
    expect(() => lock.heartbeat()).toThrow(/n'est plus à ce processus/);
    lock.release();
    expect(existsSync(path)).toBe(true); // not ours: left alone
  });
});
