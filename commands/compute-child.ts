// The child process of `computeInChildProcess` (compute-process.ts): waits for its job, computes, writes the exports,
// says how it went, then ends. Not imported by anything; run by fork() with tsx.
import { computeBarometre } from '../indicators/compute.ts';
import { writeExports } from '../indicators/exports.ts';
import type { ComputeJob, ComputeMessage } from './compute-process.ts';
import type { Level, Logger } from '../pipelines/base/log.ts';
import { withWarehouse } from '../pipelines/base/warehouse.ts';

const send = (m: ComputeMessage) => new Promise<void>((done) => process.send!(m, () => done()));

const log: Logger = {
  log: (level: Level, message: string, fields: Record<string, unknown> = {}) => void send({ type: 'log', level, message, fields }),
  info: (message, fields) => log.log('info', message, fields),
  warn: (message, fields) => log.log('warn', message, fields),
  error: (message, fields) => log.log('error', message, fields),
  progress() {},
};

// A parent gone (killed, crashed) leaves nobody to use the result: stop rather than compute for nothing.
process.on('disconnect', () => process.exit(1));
// Stopping is the parent's to decide (the scheduler stops after the job at hand): a Ctrl-C, or a service manager's
// SIGTERM, reaches the whole group of processes, this one included.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => undefined);

process.once('message', async (job: ComputeJob) => {
  try {
    const { summary, exportsFolder } = await withWarehouse(job.config.paths.warehouse, async (w) => {
      const summary = await computeBarometre(job.config, w, { log });
      if (job.exports === false) return { summary, exportsFolder: null };
      const written = await writeExports(job.config, w, new Date(job.now), job.exports);
      return { summary, exportsFolder: written.folder };
    });
    await send({ type: 'fin', summary, exportsFolder, peakRssBytes: process.resourceUsage().maxRSS * 1024 });
  } catch (error) {
    await send({ type: 'erreur', message: (error as Error).message });
    process.exitCode = 1;
  }
  process.removeAllListeners('disconnect');
  process.disconnect();
});
