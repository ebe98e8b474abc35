// Debian's Chromium driven by playwright-core: headless, background networking off (closed network here).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)) ?? null;

if (!CHROMIUM) console.warn('\n[tests] Chromium introuvable (/usr/bin/chromium) : les tests dans un navigateur sont IGNORÉS. `.ci/run` l’installe.\n');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM!,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}
