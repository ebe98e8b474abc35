import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The site is built once, from every source's fixture, for all page tests (inject('siteDist')).
    globalSetup: ['./test/helpers/global-setup.ts'],
    environment: 'node',
    env: { TZ: 'Europe/Paris', LANG: 'fr_FR.UTF-8', ASTRO_TELEMETRY_DISABLED: '1' },
    // Ceilings, not measures: a test waits on events, and only a hung one should ever reach these, even on a
    // machine loaded by other work (CI beside a benchmark).
    testTimeout: 600_000,
    hookTimeout: 900_000,
    // Two cores: DuckDB and Astro builds are heavy, keep parallelism modest.
    maxWorkers: 2,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
