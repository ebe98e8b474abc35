// compute in a process of its own (the main job, the scheduler): the same exports as a computation in this process,
// its log lines brought back, its peak memory measured; a failure gives the child's own reason and writes nothing.
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeBarometre } from '../indicators/compute.ts';
import { writeExports } from '../indicators/exports.ts';
import { computeInChildProcess } from '../pipelines/compute-process.ts';
import { memoryLogger } from '../pipelines/log.ts';
import { pullSource } from '../pipelines/pull.ts';
import { SOURCES } from '../pipelines/sources/index.ts';
import { Warehouse, withWarehouse } from '../pipelines/warehouse.ts';
import { scratch, testConfig } from './helpers/env.ts';

const tmp = scratch();
afterAll(tmp.cleanup);

const NOW = new Date('2026-11-30T09:00:00+01:00');

describe('compute in its own process', () => {
  const config = testConfig(join(tmp.dir, 'enfant'));
  const reference = testConfig(join(tmp.dir, 'ici'));
  beforeAll(async () => {
    await withWarehouse(config.paths.warehouse, async (w) => {
      for (const source of SOURCES) await pullSource(config, w, source, { offline: true, log: memoryLogger(), now: () => NOW });
    });
    // The same warehouse, computed in this process: the reference.
    cpSync(config.paths.data, reference.paths.data, { recursive: true });
    await withWarehouse(reference.paths.warehouse, async (w) => {
      await computeBarometre(reference, w, { log: memoryLogger() });
      await writeExports(reference, w, NOW, join(tmp.dir, 'exports-ici'));
    });
  });

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
    const files = readdirSync(join(tmp.dir, 'exports-ici')).filter((f) => /\.(csv|json)$/.test(f)).sort();
    expect(readdirSync(folder).filter((f) => /\.(csv|json)$/.test(f)).sort()).toEqual(files);
    expect(files).toContain('barometre.csv');
    for (const f of files) expect(readFileSync(join(folder, f), 'utf8'), f).toBe(readFileSync(join(tmp.dir, 'exports-ici', f), 'utf8'));
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
