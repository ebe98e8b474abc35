// Makes the heavy fixtures once for the whole run (test/helpers/shared.ts): every source's sample pulled into a
// warehouse, a copy of it computed with its exports, the site built from those exports, served on loopback, and one
// Chromium for the browser tests. A run filtered to files that need none of them makes none.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildAstro } from '../../commands/build.ts';
import { computeBarometre } from '../../indicators/compute.ts';
import { writeExports } from '../../indicators/exports.ts';
import { memoryLogger } from '../../pipelines/base/log.ts';
import { withWarehouse } from '../../pipelines/base/warehouse.ts';
import { pullSource } from '../../pipelines/sources/pull.ts';
import { SOURCES } from '../../pipelines/sources/index.ts';
import { serveStatic } from '../../bench/static-server.ts';
import { CHROMIUM, launchBrowserServer } from './browser.ts';
import { testConfig } from './env.ts';
import { SHARED_NOW, SITE_TESTS, WAREHOUSE_TESTS } from './shared.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Data folder whose warehouse holds every source's sample, pulled and not computed ('' when not made). */
    pulledData: string;
    /** Data folder whose warehouse is the pulled one computed, with its exports ('' when not made). */
    computedData: string;
    /** The built site's folder; read it through `sharedSite()`, which fails with the build's reason ('' when not built). */
    siteDist: string;
    /** Why the site's build failed, with the end of its log ('' when it was built, or not asked for). */
    siteBuildError: string;
    siteExports: string;
    /** The built site served on loopback, once for every test file ('' when not built). */
    siteUrl: string;
    /** One Chromium for every browser test file, reached through playwright's `connect` ('' without Chromium). */
    browserWsEndpoint: string;
  }
}

/** Seconds since `t`, for the setup's own timing line. */
const since = (t: number) => `${((performance.now() - t) / 1000).toFixed(1)} s`;

export default async function setup(project: TestProject) {
  for (const key of ['pulledData', 'computedData', 'siteDist', 'siteBuildError', 'siteExports', 'siteUrl', 'browserWsEndpoint'] as const) project.provide(key, '');
  const filters = process.argv.slice(2).filter((a) => !a.startsWith('-') && a !== 'run');
  const wanted = (re: RegExp) => filters.length === 0 || filters.some((f) => re.test(f));
  const needSite = wanted(SITE_TESTS);
  if (!needSite && !wanted(WAREHOUSE_TESTS)) return;

  const dir = mkdtempSync(join(tmpdir(), 'barometre-partage-'));
  const cleanup: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const teardown = async () => {
    for (const fn of cleanup.reverse()) await fn();
  };
  try {
    const steps: string[] = [];
    let t = performance.now();
    const log = memoryLogger();
    const pulled = testConfig(join(dir, 'pulled'));
    await withWarehouse(pulled.paths.warehouse, async (w) => {
      for (const source of SOURCES) await pullSource(pulled, w, source, { offline: true, log, now: () => SHARED_NOW });
    });
    steps.push(`chargements ${since(t)}`);
    t = performance.now();
    const computed = testConfig(join(dir, 'computed'));
    mkdirSync(computed.paths.data, { recursive: true });
    copyFileSync(pulled.paths.warehouse, computed.paths.warehouse);
    await withWarehouse(computed.paths.warehouse, async (w) => {
      await computeBarometre(computed, w, { log });
      await writeExports(computed, w, SHARED_NOW);
    });
    steps.push(`calcul et exports ${since(t)}`);
    project.provide('pulledData', pulled.paths.data);
    project.provide('computedData', computed.paths.data);
    project.provide('siteExports', computed.paths.exports);

    if (needSite) {
      // The site is built before any file runs. (Built in the background beside the files that do not read it, the
      // run was no shorter on two cores: those files and the two Astro processes fought over the same cores and
      // memory — fresh-clone runs of 12 min 57 s and 15 min 37 s against 12 min 14 s.) Files read it through
      // sharedSite(), which gives the build's own reason when it failed.
      const dist = join(dir, 'dist');
      t = performance.now();
      try {
        await buildAstro(computed, log, { outDir: dist });
        steps.push(`site ${since(t)}`);
      } catch (error) {
        steps.push(`site en échec ${since(t)}`);
        project.provide('siteBuildError', `${(error as Error).message}\n${log.lines.slice(-30).map((l) => `${l.level} ${l.message}`).join('\n')}`);
      }
      project.provide('siteDist', dist);
      // One server and one browser for all the browser, accessibility and budget tests.
      const server = await serveStatic(dist);
      cleanup.push(() => server.close());
      const browser = CHROMIUM ? await launchBrowserServer() : null;
      if (browser) cleanup.push(() => browser.close());
      project.provide('siteUrl', server.url);
      project.provide('browserWsEndpoint', browser?.wsEndpoint() ?? '');
    }
    process.stdout.write(`\n[setup global] ${steps.join(', ')}\n`);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
