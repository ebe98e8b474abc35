import { defineConfig } from 'vitest/config';
import LongestFirst from './test/helpers/sequencer.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The heavy fixtures (pulled and computed warehouses, the built site, one Chromium) are made once for every file
    // (test/helpers/global-setup.ts, test/helpers/shared.ts).
    globalSetup: ['./test/helpers/global-setup.ts'],
    environment: 'node',
    env: { TZ: 'Europe/Paris', LANG: 'fr_FR.UTF-8', ASTRO_TELEMETRY_DISABLED: '1' },
    // Ceilings, not measures: a test waits on events, and only a hung one should ever reach these, even on a
    // machine loaded by other work (CI beside a benchmark).
    testTimeout: 600_000,
    hookTimeout: 900_000,
    // Two cores, three files at a time: a file often waits on its own child processes (Chromium, Lighthouse, the
    // compute process, Astro) or on the disk, and a third file keeps the cores busy meanwhile (measured: a quiet
    // fresh-clone run used 75 % of two cores with two files at a time). Long files first (test/durees.json).
    maxWorkers: 3,
    sequence: { sequencer: LongestFirst },
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
