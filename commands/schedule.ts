// The scheduler: each source on its cron expression (Europe/Paris), never two runs of a source at once,
// never two schedulers on one warehouse; after a successful pull, recompute, then rebuild the site.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import cron from 'node-cron';
import { publishSite } from './build.ts';
import { computeInChildProcess } from './compute-process.ts';
import type { Config } from '../pipelines/base/config.ts';
import { previousOccurrence, scheduleOf } from '../pipelines/base/cron.ts';
import { acquireLock, type Lock } from '../pipelines/base/lock.ts';
import type { Logger } from '../pipelines/base/log.ts';
import { ensureSystemTables, latestRun, type RunRecord } from '../pipelines/base/runs.ts';
import { pullSource, PullError } from '../pipelines/sources/pull.ts';
import { acceptCommand } from '../pipelines/sources/volume.ts';
import { liveUrl, SOURCES } from '../pipelines/sources/index.ts';
import type { Source } from '../pipelines/sources/types.ts';
import { withWarehouse } from '../pipelines/base/warehouse.ts';

export interface Timer {
  stop(): void;
}

export interface SchedulerOptions {
  config: Config;
  log: Logger;
  now?: () => Date;
  sources?: readonly Source[];
  /** Pulls one source (default: the framework's pull on the configured warehouse). */
  pull?: (source: Source) => Promise<RunRecord>;
  /** Recomputes the barometer and writes the exports. */
  recompute?: () => Promise<void>;
  /** Rebuilds the site; a failure must keep the previous dist/. */
  buildSite?: () => Promise<void>;
  /** Calls `fn` on each occurrence of a cron expression (default: node-cron). Tests pass a controllable one. */
  timer?: (expression: string, timezone: string, name: string, fn: () => void) => Timer;
  /** Last successful start time of each source (for `--once`); default: read from the warehouse. */
  lastSuccess?: (sourceId: string) => Promise<Date | null>;
  /** Heartbeat interval of the lock, and age after which a silent lock is stale. */
  lockStaleMs?: number;
}

function nodeCronTimer(expression: string, timezone: string, name: string, fn: () => void): Timer {
  const task = cron.schedule(expression, () => fn(), { timezone, name, noOverlap: true });
  return { stop: () => void task.destroy() };
}

function runCommand(command: string, cwd: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, { cwd, shell: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`« ${command} » a échoué (code ${code}) : ${stderr.trim()}`))));
  });
}

export class Scheduler {
  private readonly running = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private timers: Timer[] = [];
  private lock: Lock | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly sources: readonly Source[];
  private readonly now: () => Date;

  constructor(private readonly o: SchedulerOptions) {
    // Disabled sources, and sources without a live address (surveys loaded by hand), are not scheduled.
    this.sources = (o.sources ?? SOURCES).filter((s) => o.config.sources[s.id]?.enabled !== false && (o.sources !== undefined || liveUrl(o.config, s) !== null));
    this.now = o.now ?? (() => new Date());
    for (const s of this.sources) {
      const expression = scheduleOf(o.config, s);
      if (!cron.validate(expression)) throw new Error(`Expression cron invalide pour ${s.id} : « ${expression} »`);
    }
  }

  private get log() {
    return this.o.log;
  }

  /** Takes the warehouse's scheduler lock (never two schedulers on one warehouse). */
  acquire(): void {
    const staleMs = this.o.lockStaleMs ?? 10 * 60_000;
    this.lock = acquireLock(resolve(this.o.config.paths.state, 'scheduler.lock'), {
      purpose: `barometre schedule (${this.o.config.paths.warehouse})`,
      staleMs,
      onTakeOver: (reason, owner) => this.log.warn('verrou abandonné repris', { event: 'lock:takeover', reason, previous_pid: owner?.pid ?? null }),
    });
    this.heartbeat = setInterval(() => {
      try {
        this.lock?.heartbeat();
      } catch (error) {
        // The lock is no longer ours: another scheduler took it over. Stop rather than run twice.
        this.log.error('verrou perdu ; arrêt du planificateur', { event: 'lock:lost', error: (error as Error).message });
        this.lock = undefined;
        void this.stop();
      }
    }, Math.max(1_000, Math.floor(staleMs / 3)));
    this.heartbeat.unref();
  }

  /** Registers one timer per source. */
  start(): void {
    if (!this.lock) this.acquire();
    const timer = this.o.timer ?? nodeCronTimer;
    for (const s of this.sources) {
      const expression = scheduleOf(this.o.config, s);
      this.timers.push(timer(expression, this.o.config.timezone, s.id, () => void this.trigger(s.id)));
      this.log.info('source planifiée', { event: 'schedule', source: s.id, cron: expression, timezone: this.o.config.timezone });
    }
  }

  private defaultPull(source: Source): Promise<RunRecord> {
    return withWarehouse(this.o.config.paths.warehouse, (w) => pullSource(this.o.config, w, source, { log: this.o.log, now: this.now }));
  }

  /**
   * With the built-in build, exports and site are published together (exports written aside, swapped in
   * only once the site built). With a configured command, the exports are written, then the command runs.
   */
  private async defaultRecompute(): Promise<void> {
    if (!this.o.config.siteBuildCommand) {
      await publishSite(this.o.config, this.o.log, { now: this.now() });
      return;
    }
    await computeInChildProcess(this.o.config, this.o.log, { now: this.now() });
  }

  private async defaultBuild(): Promise<void> {
    const command = this.o.config.siteBuildCommand;
    if (command) await runCommand(command, this.o.config.root);
  }

  /** Serialises jobs: one job at a time touches the warehouse. */
  private enqueue(job: () => Promise<void>): Promise<void> {
    const next = this.chain.then(job, job);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async publish(reason: string[]): Promise<void> {
    try {
      await (this.o.recompute ?? (() => this.defaultRecompute()))();
      this.log.info('baromètre recalculé', { event: 'compute:ok', after: reason });
    } catch (error) {
      this.log.error('échec du calcul ; exports précédents conservés', { event: 'compute:failed', error: (error as Error).message });
      return;
    }
    try {
      await (this.o.buildSite ?? (() => this.defaultBuild()))();
      this.log.info('site reconstruit', { event: 'build:ok' });
    } catch (error) {
      this.log.error('échec de la construction du site ; site précédent conservé', { event: 'build:failed', error: (error as Error).message });
    }
  }

  /** Pulls one source: `changed` when new data were loaded, `unchanged` when the source answered the same file. */
  private async pullOne(source: Source): Promise<'changed' | 'unchanged' | 'failed'> {
    const started = Date.now();
    this.log.info('chargement démarré', { event: 'pull:start', source: source.id });
    try {
      const run = await (this.o.pull ?? ((s) => this.defaultPull(s)))(source);
      this.log.info('chargement réussi', { event: 'pull:ok', source: source.id, run_id: run.run_id, status: run.status, rows_in: run.rows_in, rows_loaded: run.rows_loaded, rows_rejected: run.rows_rejected, ms: Date.now() - started });
      return run.status === 'inchange' ? 'unchanged' : 'changed';
    } catch (error) {
      if (error instanceof PullError && error.suspect) {
        // Read but not published: nothing to recompute; the next tick downloads again and compares again.
        const r = error.run;
        this.log.warn(error.message, {
          event: 'pull:suspect',
          source: source.id,
          run_id: r.run_id,
          rows_counted: r.rows_counted,
          rows_expected: r.rows_expected,
          matched: r.matched,
          matched_expected: r.matched_expected,
          compared_with: r.compared_with,
          command: acceptCommand(source.id),
          ms: Date.now() - started,
        });
        return 'failed';
      }
      // Logged and retried at the next tick; never stops the scheduler or the other sources.
      this.log.error('chargement en échec ; nouvel essai à la prochaine échéance', { event: 'pull:failed', source: source.id, error: (error as Error).message, ms: Date.now() - started });
      return 'failed';
    }
  }

  /** Recomputes and rebuilds after the pulls that changed something; says what it skipped. */
  private async publishChanged(changed: string[], unchanged: string[]): Promise<void> {
    if (changed.length > 0) {
      await this.publish(changed);
      return;
    }
    if (unchanged.length > 0) this.log.info('sources inchangées : ni recalcul ni reconstruction', { event: 'compute:skipped', unchanged });
  }

  /** What one tick of a source does. Resolves when the pull (and recompute/build) finished or was skipped. */
  trigger(sourceId: string): Promise<void> {
    const source = this.sources.find((s) => s.id === sourceId);
    if (!source || this.stopping) return Promise.resolve();
    if (this.running.has(sourceId)) {
      this.log.warn('exécution précédente encore en cours ; échéance ignorée', { event: 'pull:overlap', source: sourceId });
      return Promise.resolve();
    }
    this.running.add(sourceId);
    return this.enqueue(async () => {
      try {
        if (this.stopping) return;
        const outcome = await this.pullOne(source);
        if (outcome !== 'failed') await this.publishChanged(outcome === 'changed' ? [sourceId] : [], outcome === 'unchanged' ? [sourceId] : []);
      } finally {
        this.running.delete(sourceId);
      }
    });
  }

  private async lastSuccess(sourceId: string): Promise<Date | null> {
    if (this.o.lastSuccess) return this.o.lastSuccess(sourceId);
    return withWarehouse(this.o.config.paths.warehouse, async (w) => {
      await ensureSystemTables(w);
      // A sample (fixture) load is not a pull of the source: it stays due.
      const run = await latestRun(w, sourceId, 'good-real');
      return run ? new Date(run.started_at) : null;
    });
  }

  /** The sources whose latest scheduled occurrence has no successful run since. */
  async dueSources(): Promise<Source[]> {
    const now = this.now();
    const due: Source[] = [];
    for (const s of this.sources) {
      const occurrence = previousOccurrence(scheduleOf(this.o.config, s), this.o.config.timezone, now);
      const last = await this.lastSuccess(s.id);
      if (occurrence === null || last === null || last < occurrence) due.push(s);
    }
    return due;
  }

  /** `schedule --once`: runs what is due, recomputes and rebuilds once if any pull brought new data. */
  async runOnce(): Promise<{ ran: string[]; failed: string[] }> {
    const due = await this.dueSources();
    this.log.info('échéances dues', { event: 'once', due: due.map((s) => s.id) });
    const ran: string[] = [];
    const failed: string[] = [];
    const changed: string[] = [];
    await this.enqueue(async () => {
      for (const s of due) {
        if (this.stopping) break;
        const outcome = await this.pullOne(s);
        (outcome === 'failed' ? failed : ran).push(s.id);
        if (outcome === 'changed') changed.push(s.id);
      }
      if (!this.stopping) await this.publishChanged(changed, ran.filter((id) => !changed.includes(id)));
    });
    return { ran, failed };
  }

  /** Waits until no job is running. */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Stops the timers, lets the job in progress finish (no half-written table or file), releases the lock. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) t.stop();
    this.timers = [];
    await this.idle();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.lock?.release();
    this.lock = undefined;
    this.log.info('planificateur arrêté', { event: 'stopped' });
  }
}
