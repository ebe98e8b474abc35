// compute (and the exports) in a process of their own, for the jobs that pull then compute (the main job, the
// scheduler): the memory DuckDB and the medians take while computing goes back to the system when the process ends,
// and what the pulls left behind (DuckDB's cached blocks, the JavaScript heap) does not add to the computation's.
// The child reports its log lines, its summary and its peak memory over the IPC channel.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ComputeSummary } from '../indicators/compute.ts';
import { PROJECT_ROOT, type Config } from '../pipelines/base/config.ts';
import type { Level, Logger } from '../pipelines/base/log.ts';

/** What the parent asks of the child (its first message). */
export interface ComputeJob {
  config: Config;
  /** The exports' date (ISO 8601). */
  now: string;
  /** Where the exports go (`config.paths.exports` when absent); `false`: compute only. */
  exports?: string | false;
}

/** What the child says: its log lines, then its result or its failure. */
export type ComputeMessage =
  | { type: 'log'; level: Level; message: string; fields: Record<string, unknown> }
  | { type: 'fin'; summary: ComputeSummary; exportsFolder: string | null; peakRssBytes: number }
  | { type: 'erreur'; message: string };

export interface ComputeResult {
  summary: ComputeSummary;
  /** The folder the exports were written to; null when only computed. */
  exportsFolder: string | null;
  /** Peak resident memory of the process that computed (the kernel's `maxrss`), in bytes. */
  peakRssBytes: number;
}

const CHILD = resolve(PROJECT_ROOT, 'commands/compute-child.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Runs compute, then the exports unless `exports` is false, in a child process; its log lines go to `log`.
 * Rejects with the child's own error message when the computation fails, or with its exit code when it dies.
 */
export function computeInChildProcess(
  config: Config,
  log: Logger,
  { now = new Date(), exports, env = process.env }: { now?: Date; exports?: string | false; env?: NodeJS.ProcessEnv } = {},
): Promise<ComputeResult> {
  return new Promise((resolvePromise, reject) => {
    const child = fork(CHILD, [], {
      cwd: PROJECT_ROOT,
      env,
      execArgv: ['--import', TSX],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: ComputeResult | undefined;
    let failure: string | undefined;
    child.on('message', (m: ComputeMessage) => {
      if (m.type === 'log') log.log(m.level, m.message, m.fields);
      else if (m.type === 'fin') result = { summary: m.summary, exportsFolder: m.exportsFolder, peakRssBytes: m.peakRssBytes };
      else failure = m.message;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result && code === 0) resolvePromise(result);
      else reject(new Error(failure ?? `Le processus de calcul s'est arrêté ${signal ? `sur le signal ${signal}` : `avec le code ${code}`} avant la fin ; les données et les exports précédents sont conservés.`));
    });
    const job: ComputeJob = { config, now: now.toISOString(), exports };
    child.send(job);
  });
}
