// Debian's Chromium driven by playwright-core: headless, background networking off (closed network here).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { serveStatic } from './static-server.ts';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)) ?? null;

if (!CHROMIUM) console.warn('\n[tests] Chromium introuvable (/usr/bin/chromium) : les tests dans un navigateur sont IGNORÉS. `.ci/run` l’installe.\n');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM!,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/**
 * Registers hooks that start Chromium and serve `dist` on loopback for the tests of a describe block,
 * and stop both after. Read `browser` and `url` inside the tests.
 */
export function useBrowserOnSite(dist: string): { readonly browser: Browser; readonly url: string } {
  let browser: Browser | undefined;
  let server: Awaited<ReturnType<typeof serveStatic>> | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
    server = await serveStatic(dist);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    get browser() {
      return browser!;
    },
    get url() {
      return server!.url;
    },
  };
}
