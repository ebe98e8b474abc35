// Debian's Chromium driven by playwright-core: headless, background networking off (closed network here).
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserServer } from 'playwright-core';
import { afterAll, beforeAll, inject } from 'vitest';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)) ?? null;

if (!CHROMIUM) console.warn('\n[tests] Chromium introuvable (/usr/bin/chromium) : les tests dans un navigateur sont IGNORÉS. `.ci/run` l’installe.\n');

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM!, headless: true, args: ARGS });
}

/** The Chromium that the global setup starts once, for every test file to `connect` to. */
export async function launchBrowserServer(): Promise<BrowserServer> {
  return chromium.launchServer({ executablePath: CHROMIUM!, headless: true, args: ARGS });
}

/**
 * Connects the tests of a describe block to the Chromium and the served site that the global setup started
 * once for all browser tests, and disconnects after (pages opened by a file are closed with its connection).
 * Read `browser` and `url` inside the tests.
 */
export function useBrowserOnSite(): { readonly browser: Browser; readonly url: string } {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await chromium.connect(inject('browserWsEndpoint'));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get browser() {
      return browser!;
    },
    get url() {
      return inject('siteUrl');
    },
  };
}
