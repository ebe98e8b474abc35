// compute in a process of its own (the main job, the scheduler): the same exports as a computation in this process,
// its log lines brought back, its peak memory measured; a failure gives the child's own reason and writes nothing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { computeInChildProcess } from '../commands/compute-process.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import { Warehouse } from '../pipelines/base/warehouse.ts';
import { scratch } from './helpers/env.ts';
import { copyOfShared, SHARED_NOW } from './helpers/shared.ts';

const tmp = scratch();
afterAll(tmp.cleanup);

describe('compute in its own process', () => {
  // The pulled warehouse of the global setup, computed by a child process; the reference is the same warehouse
  // computed in the global setup's process, with its exports of the same date.
  const config = copyOfShared('pulled', join(tmp.dir, 'enfant'));
  const reference = inject('siteExports');
  const NOW = SHARED_NOW;

  it('writes the exports a computation in this process writes, and brings back its log, summary and peak memory', async () => {
    const log = memoryLogger();
    const folder = join(tmp.dir, 'exports-enfant');
    const result = await computeInChildProcess(config, log, { now: NOW, exports: folder });
    expect(result.exportsFolder).toBe(folder);
    expect(result.summary.indicators.filter((i) => i.rows > 0).length).toBeGreaterThan(5);
    expect(result.summary.barometreRows).toBeGreaterThan(0);
    // The child's own lines, in this process's logger.
    expect(log.lines.some((l) => l.message.startsWith('compute : durées par étape'))).toBe(true);
    // Its peak memory is at least what a process holding DuckDB and the referential needs.
    expect(result.peakRssBytes).toBeGreaterThan(50 * 1024 ** 2);
    const files = readdirSync(reference).filter((f) => /\.(csv|json)$/.test(f)).sort();
    expect(readdirSync(folder).filter((f) => /\.(csv|json)$/.test(f)).sort()).toEqual(files);
    expect(files).toContain('barometre.csv');
    // Byte for byte (Buffer.equals: the largest export is hundreds of megabytes, too large to decode and compare as text).
    const differents = files.filter((f) => !readFileSync(join(folder, f)).equals(readFileSync(join(reference, f))));
    expect(differents).toEqual([]);
  });

  it('computes without exports when asked, and fails with the child’s own reason (the warehouse held by another process), writing nothing', async () => {
    const onlyCompute = await computeInChildProcess(config, memoryLogger(), { now: NOW, exports: false });
    expect(onlyCompute.exportsFolder).toBeNull();
    expect(onlyCompute.summary.indicators.every((i) => !i.recalcule)).toBe(true); // nothing changed since the first test

    const w = await Warehouse.open(config.paths.warehouse);
    try {
      const folder = join(tmp.dir, 'exports-refuses');
      await expect(computeInChildProcess(config, memoryLogger(), { now: NOW, exports: folder })).rejects.toThrow(/lock/i);
      expect(existsSync(folder)).toBe(false);
    } finally {
      w.close();
    }
  });
});
