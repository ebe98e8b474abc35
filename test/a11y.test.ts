// axe-core in a real browser on every page type: zero violations at WCAG 2.1 A and AA.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedSite } from './helpers/shared.ts';
import { CHROMIUM, PAGE_TIMEOUT_MS, useBrowserOnSite } from './helpers/browser.ts';
import { pageTypes } from '../bench/pages.ts';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
// Built by the global setup in the background: this waits for it.
const dist = await sharedSite();

describe.skipIf(!CHROMIUM)('accessibility (axe-core, WCAG 2.1 AA)', () => {
  const env = useBrowserOnSite();

  it.each(pageTypes(dist))('%s (%s) has no violation', async (_type, path) => {
    expect(existsSync(join(dist, path, 'index.html')), `page ${path} absente du site`).toBe(true);
    // axe is injected as an inline script, which the site's Content-Security-Policy (rightly) refuses.
    const context = await env.browser.newContext({ bypassCSP: true });
    context.setDefaultTimeout(PAGE_TIMEOUT_MS);
    const page = await context.newPage();
    try {
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`${env.url}${path}`, { waitUntil: 'load' });
      await page.addScriptTag({ content: AXE });
      const result = (await page.evaluate(async () => {
        const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<unknown> } }).axe;
        return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
      })) as { violations: { id: string; help: string; nodes: { target: string[] }[] }[] };
      const summary = result.violations.map((v) => `${v.id} (${v.help}) : ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
      expect(summary).toEqual([]);
      // No third-party request: everything comes from the site itself.
      expect(requests.filter((u) => !u.startsWith(env.url) && !u.startsWith('data:'))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
