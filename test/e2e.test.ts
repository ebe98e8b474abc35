// End to end in a real browser (Debian's Chromium through playwright-core) against the built site on
// loopback: search, filters that survive a reload, keyboard-only navigation with a visible focus, and
// screenshots of the main pages at phone and desktop widths (their first 8 000 px, kept in artifacts/screenshots/).
// The comparison ("comparer avec") and the embed resize are tested in site-territoires and embed tests.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { sharedSite } from './helpers/shared.ts';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { CHROMIUM, useBrowserOnSite } from './helpers/browser.ts';
import { pageTypes } from '../bench/pages.ts';

const dist = await sharedSite();
const SHOTS = join(PROJECT_ROOT, 'artifacts', 'screenshots');

describe.skipIf(!CHROMIUM)('in a real browser', () => {
  const env = useBrowserOnSite();

  async function open(path: string, fn: (page: Page) => Promise<void>, viewport = { width: 1280, height: 900 }) {
    const page = await env.browser.newPage({ viewport });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${env.url}${path}`);
      await fn(page);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }

  async function search(page: Page, query: string): Promise<string[]> {
    const input = page.locator('#recherche-q');
    await input.fill(query);
    await input.press('Enter');
    await page.waitForFunction((q) => new URL(location.href).searchParams.get('q') === q && document.querySelector('[data-statut]')?.textContent !== '', query);
    await page.waitForFunction(() => !/Recherche/.test(document.querySelector('[data-statut]')?.textContent ?? ''));
    return page.locator('[data-resultats] a').allTextContents();
  }

  it.each([
    ['a name with its accents', 'Saint-Étienne', 'Saint-Étienne'],
    ['the same name without accents nor hyphens', 'SAINT ETIENNE', 'Saint-Étienne'],
    ['an INSEE code', '35238', 'Rennes'],
    ['a postal code', '35000', 'Rennes'],
    ['a small commune with no page of its own', 'acigne', 'Acigné'],
  ])('the territory search finds a commune by %s', async (_how, query, expected) => {
    await open('/territoires/', async (page) => {
      expect(await search(page, query)).toContain(expected);
    });
  });

  it('keeps the barometer filters in the URL, and they survive a reload', async () => {
    await open('/barometre/', async (page) => {
      await page.selectOption('#filtre-type', 'epci');
      await page.waitForFunction(() => new URL(location.href).searchParams.get('type') === 'epci');
      const visible = async () => page.locator('table:visible caption').allTextContents();
      const before = await visible();
      expect(before.length).toBeGreaterThan(0);
      expect(before.every((c) => /EPCI/.test(c))).toBe(true);
      await page.reload();
      expect(await page.locator('#filtre-type').inputValue()).toBe('epci');
      expect(await visible()).toEqual(before);
    });
  });

  it.each([
    ['/', 'accueil'],
    ['/barometre/', 'baromètre'],
    ['/territoires/commune/35238/', 'commune'],
    ['/indicateurs/ouverture-donnees/', 'indicateur'],
  ])('keyboard alone reaches every control of %s, each with a visible focus', async (path) => {
    await open(path, async (page) => {
      // Every control a person could use with a mouse (visible, enabled, not inside a closed <details>).
      const controls = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])')]
          .filter((el) => el.getClientRects().length > 0 && !(el as HTMLButtonElement).disabled && !el.closest('details:not([open]) > :not(summary)'))
          // A radio group is one stop for Tab (arrows move inside it): keep its checked radio, or its first.
          .filter((el) => !(el instanceof HTMLInputElement && el.type === 'radio') || el.checked || !document.querySelector(`input[type=radio][name="${el.name}"]:checked`))
          .map((el) => el.outerHTML.slice(0, 80)),
      );
      // Each element that takes the focus records itself and whether its focus shows, at the moment it gets it; the
      // test reads the records after each burst of Tab presses (one round trip per burst, not per press).
      await page.evaluate(() => {
        const w = window as unknown as { __focus: { html: string; visible: boolean }[] };
        w.__focus = [];
        document.addEventListener('focusin', (event) => {
          const el = event.target as HTMLElement;
          const style = getComputedStyle(el);
          const visible = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none';
          w.__focus.push({ html: el.outerHTML.slice(0, 80), visible });
        });
      });
      const reached = new Set<string>();
      const unfocusedStyle: string[] = [];
      const BURST = 20;
      for (let pressed = 0, read = 0; pressed < controls.length + 40 && reached.size < controls.length; ) {
        for (let k = 0; k < BURST; k++, pressed++) await page.keyboard.press('Tab');
        const records = await page.evaluate((from) => (window as unknown as { __focus: { html: string; visible: boolean }[] }).__focus.slice(from), read);
        read += records.length;
        for (const info of records) {
          reached.add(info.html);
          if (!info.visible) unfocusedStyle.push(info.html);
        }
      }
      expect(controls.filter((c) => !reached.has(c))).toEqual([]);
      expect(unfocusedStyle).toEqual([]);
    });
  });

  it('takes screenshots of the main pages at phone and desktop widths', async () => {
    mkdirSync(SHOTS, { recursive: true });
    const sizes = { telephone: { width: 390, height: 844 }, bureau: { width: 1280, height: 900 } };
    for (const [type, path] of pageTypes(dist).filter(([, p]) => !p.includes('absent'))) {
      for (const [name, viewport] of Object.entries(sizes)) {
        await open(path, async (page) => {
          // No horizontal scrolling of the page itself at phone width (wide tables scroll in their own box).
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          expect(overflow, `${path} déborde de ${overflow} px à ${viewport.width} px`).toBeLessThanOrEqual(1);
          // The page from its top, at most 8 000 px (ten phone screens): the methodology page is 57 000 px tall at phone
          // width, and encoding it whole took longer than every check of this file.
          const height = Math.min(8000, await page.evaluate(() => document.documentElement.scrollHeight));
          // JPEG: Chromium encodes it several times faster than PNG, and a screenshot is for a person to look at.
          await page.screenshot({ path: join(SHOTS, `${type.replace(/\W+/g, '-')}-${name}.jpg`), type: 'jpeg', quality: 85, fullPage: true, clip: { x: 0, y: 0, width: viewport.width, height } });
        }, viewport);
      }
    }
  });
});
