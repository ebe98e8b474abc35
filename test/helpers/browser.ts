// Debian's Chromium driven by playwright-core: headless, background networking off (closed network here).
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserServer } from 'playwright-core';
import { afterAll, beforeAll, inject } from 'vitest';
import { ARGUMENTS_CHROMIUM } from '../../commands/chromium.ts';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)) ?? null;

if (!CHROMIUM) console.warn('\n[tests] Chromium introuvable (/usr/bin/chromium) : les tests dans un navigateur sont IGNORÉS. `.ci/run` l’installe.\n');

/** Ceiling of each browser action (navigation, wait): generous, so that only a hung page fails. */
export const PAGE_TIMEOUT_MS = 300_000;

const ARGS = [...ARGUMENTS_CHROMIUM];

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
    // Playwright's default 30 s per action is a time limit: make it a ceiling that only a hung page reaches.
    const newPage = browser.newPage.bind(browser);
    browser.newPage = async (...args) => {
      const page = await newPage(...args);
      page.setDefaultTimeout(PAGE_TIMEOUT_MS);
      return page;
    };
  });
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
