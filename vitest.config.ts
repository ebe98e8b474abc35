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
    // Two cores: one file per core, the long files first (test/durees.json).
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
