// Each semester's review printed to PDF by Chromium at build time (playwright-core drives it), from the built site
// itself: the pages are served to the browser from the build folder by request interception, without a server or a port.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, normalize, resolve, sep } from 'node:path';
import { chromium } from 'playwright-core';
import type { Config } from '../pipelines/base/config.ts';
import type { Logger } from '../pipelines/base/log.ts';
import { ARGUMENTS_CHROMIUM } from './chromium.ts';

/** Where Debian, Ubuntu and Chrome's packages put the browser. */
export const CHROMIUM_CANDIDATS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** The Chromium to print with: the configuration's, else the first candidate found; null when there is none (or `chromium: false`). */
export function trouverChromium(config: Pick<Config, 'chromium'>, candidats = CHROMIUM_CANDIDATS): { chemin: string | null; raison: string } {
  if (config.chromium === false) return { chemin: null, raison: 'désactivé dans la configuration (« chromium »: false)' };
  if (config.chromium) {
    return existsSync(config.chromium) ? { chemin: config.chromium, raison: '' } : { chemin: null, raison: `« ${config.chromium} » (clé « chromium » de la configuration) est introuvable` };
  }
  const found = candidats.find((c) => existsSync(c));
  return found ? { chemin: found, raison: '' } : { chemin: null, raison: `Chromium introuvable (${candidats.join(', ')})` };
}

// A host that cannot exist (RFC 2606): every request is answered from the build folder, or refused.
const ORIGIN = 'http://revue.invalid';
const ARGS = [...ARGUMENTS_CHROMIUM];

/** The semesters whose review page was built. */
export function pagesRevue(dist: string): string[] {
  const dir = join(dist, 'semestres');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => /^\d{4}-S[12]$/.test(d) && existsSync(join(dir, d, 'index.html')))
    .sort();
}

const echapper = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * Prints `/semestres/<période>/` of the built site to `revue-<période>.pdf` beside it: A4, the page's print stylesheet,
 * an outline of its headings, and on every page the review's title, the date of the exports it was made from and
 * « page N / M ». Returns the files written.
 */
export async function produireRevuesPdf(dist: string, executablePath: string, log: Logger): Promise<string[]> {
  const root = resolve(dist);
  const periodes = pagesRevue(root);
  if (periodes.length === 0) return [];
  const browser = await chromium.launch({ executablePath, headless: true, args: ARGS });
  const written: string[] = [];
  try {
    const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', javaScriptEnabled: false });
    await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.origin !== ORIGIN) return route.abort('blockedbyclient');
      const path = normalize(join(root, decodeURIComponent(url.pathname)));
      const file = path.endsWith(sep) || (existsSync(path) && statSync(path).isDirectory()) ? join(path, 'index.html') : path;
      if (!file.startsWith(root + sep) || !existsSync(file)) return route.fulfill({ status: 404, body: '' });
      return route.fulfill({ path: file });
    });
    const page = await context.newPage();
    for (const periode of periodes) {
      await page.goto(`${ORIGIN}/semestres/${periode}/`, { waitUntil: 'load' });
      const titre = await page.locator('h1').first().innerText();
      const exports = (await page.locator('[data-exports-du]').first().getAttribute('data-exports-du').catch(() => null)) ?? '';
      const out = join(root, 'semestres', periode, `revue-${periode}.pdf`);
      const style = 'font-family: sans-serif; font-size: 8px; color: #333; width: 100%; margin: 0 14mm; display: flex; justify-content: space-between;';
      await page.pdf({
        path: out,
        format: 'A4',
        printBackground: true,
        outline: true,
        tagged: true,
        displayHeaderFooter: true,
        headerTemplate: `<div style="${style}"><span>Baromètre DCANT — ${echapper(titre)}</span><span>${echapper(exports ? `exports du ${exports}` : '')}</span></div>`,
        footerTemplate: `<div style="${style}"><span>Document établi pour l’instance nationale partenariale (INP)</span><span>page <span class="pageNumber"></span> / <span class="totalPages"></span></span></div>`,
      });
      written.push(out);
    }
  } finally {
    await browser.close();
  }
  log.info(`Revue en PDF : ${written.length} semestre${written.length > 1 ? 's' : ''} (${periodes[0]} à ${periodes.at(-1)}).`);
  return written;
}
