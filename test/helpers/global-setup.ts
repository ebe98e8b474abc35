// Builds the site once for all page tests, from the fixtures of every source (the sample-data site).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { computeBarometre } from '../../indicators/compute.ts';
import { writeExports } from '../../indicators/exports.ts';
import { buildAstro } from '../../pipelines/build.ts';
import { parseConfig, PROJECT_ROOT } from '../../pipelines/config.ts';
import { memoryLogger } from '../../pipelines/log.ts';
import { pullSource } from '../../pipelines/pull.ts';
import { SOURCES } from '../../pipelines/sources/index.ts';
import { withWarehouse } from '../../pipelines/warehouse.ts';
import { CHROMIUM, launchBrowserServer } from './browser.ts';
import { serveStatic } from './static-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    siteDist: string;
    siteExports: string;
    /** The built site served on loopback, once for every test file ('' when not built). */
    siteUrl: string;
    /** One Chromium for every browser test file, reached through playwright's `connect` ('' without Chromium). */
    browserWsEndpoint: string;
  }
}

/** Test files that read the built site; a run filtered to other files skips the build. */
const SITE_TESTS = /site|e2e|a11y|embed|browser|budget/;

export default async function setup(project: TestProject) {
  const filters = process.argv.slice(2).filter((a) => !a.startsWith('-') && a !== 'run');
  if (filters.length > 0 && !filters.some((f) => SITE_TESTS.test(f))) {
    project.provide('siteDist', '');
    project.provide('siteExports', '');
    project.provide('siteUrl', '');
    project.provide('browserWsEndpoint', '');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'barometre-site-'));
  const config = parseConfig({}, PROJECT_ROOT, join(dir, 'data'));
  const log = memoryLogger();
  await withWarehouse(config.paths.warehouse, async (w) => {
    for (const source of SOURCES) await pullSource(config, w, source, { offline: true, log, now: () => new Date('2026-11-22T10:00:00Z') });
    await computeBarometre(config, w, { log });
    await writeExports(config, w, new Date('2026-11-22T10:00:00Z'));
  });
  const dist = join(dir, 'dist');
  await buildAstro(config, log, { outDir: dist });
  project.provide('siteDist', dist);
  project.provide('siteExports', config.paths.exports);
  // One server and one browser for all the browser, accessibility and budget tests.
  const server = await serveStatic(dist);
  const browser = CHROMIUM ? await launchBrowserServer() : null;
  project.provide('siteUrl', server.url);
  project.provide('browserWsEndpoint', browser?.wsEndpoint() ?? '');
  return async () => {
    await browser?.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  };
}
