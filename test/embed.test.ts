// Charts that journalists can embed, download and cite (built from the fixture site).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import Papa from 'papaparse';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { sharedSite } from './helpers/shared.ts';
import { CHROMIUM, useBrowserOnSite } from './helpers/browser.ts';

// Built by the global setup in the background: this waits for it.
const dist = await sharedSite();
const exportsDir = inject('siteExports');
const embedDir = join(dist, 'embed');
const ids = () => readdirSync(embedDir).filter((d) => existsSync(join(embedDir, d, 'index.html')));
const read = (id: string, file: string) => readFileSync(join(embedDir, id, file));

function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('every shareable chart', () => {
  it('has an embed page, an SVG, a PNG, a CSV and an oEmbed file', () => {
    expect(ids().length).toBeGreaterThan(0);
    expect(ids()).toContain('ouverture-donnees--strates');
    for (const id of ids()) for (const f of ['graphique.svg', 'graphique.png', 'donnees.csv', 'oembed.json']) expect(existsSync(join(embedDir, id, f)), `${id}/${f}`).toBe(true);
  });
});

describe('the embed of ouverture-donnees per strate', () => {
  const id = 'ouverture-donnees--strates';
  let html: string;
  let doc: Document;
  beforeAll(() => {
    html = read(id, 'index.html').toString('utf8');
    doc = new JSDOM(html).window.document;
  });

  it('shows the chart alone with its title, summary, credit line, link back and sample-data banner', () => {
    expect(doc.documentElement.lang).toBe('fr');
    expect(doc.querySelector('h1')!.textContent).toMatch(/^Collectivités publiant des données ouvertes, par type et strate/);
    expect(doc.querySelector('[data-sample-banner]')!.textContent).toMatch(/Données d'exemple/);
    // Every source of the indicator (its relay and its history included), then the date and the method of the figures shown.
    expect(doc.querySelector('.credit')!.textContent).toMatch(/^Source : OpenDataFrance \(Observatoire open data des territoires : organisations publiant des données ouvertes, licence ODbL 1\.0, récupérée le 22 novembre 2026\) ; .*\. Données du 9 avril 2021\. Méthode version 2\.0\.0\+odt\./);
    expect(doc.querySelector('.credit a')!.getAttribute('href')).toMatch(/\/indicateurs\/ouverture-donnees\/\?periode=2021-S1#strates$/);
    expect(doc.querySelectorAll('nav, header.site, footer.site')).toHaveLength(0);
  });

  it('keeps the table alternative inside the embed', () => {
    const rows = doc.querySelectorAll('details table tbody tr');
    expect(rows.length).toBeGreaterThan(10);
    expect([...rows].map((r) => r.textContent)).toContainEqual(expect.stringMatching(/Régions.*ensemble.*18.*1.*5,6/));
  });

  it('is discoverable by oEmbed, whose html is the iframe snippet with a title', () => {
    const link = doc.querySelector('link[type="application/json+oembed"]')!;
    expect(link.getAttribute('href')).toMatch(/\/embed\/ouverture-donnees--strates\/oembed\.json$/);
    const o = JSON.parse(read(id, 'oembed.json').toString('utf8'));
    expect(o).toMatchObject({ version: '1.0', type: 'rich', provider_name: 'Baromètre DCANT' });
    expect(o.html).toMatch(/<iframe src="[^"]+\/embed\/ouverture-donnees--strates\/" title="Collectivités publiant/);
    expect(o.html).toContain('datawrapper-height');
  });

  it('offers an SVG that is the chart, text kept as text, valid as a standalone file', () => {
    const svg = read(id, 'graphique.svg').toString('utf8');
    const parsed = new JSDOM(svg, { contentType: 'image/svg+xml' }).window.document;
    expect(parsed.querySelector('parsererror')).toBeNull();
    const texts = [...parsed.querySelectorAll('text')].map((t) => t.textContent);
    expect(texts).toContain('Régions');
    expect(texts.some((t) => t?.startsWith('Source : OpenDataFrance'))).toBe(true);
    expect(texts.some((t) => t?.includes("DONNÉES D'EXEMPLE"))).toBe(true);
    // The bars of the page's chart are in the file.
    const pageSvg = doc.querySelector('.chart-svg svg')!;
    expect(parsed.querySelectorAll('rect[width]').length).toBeGreaterThanOrEqual(pageSvg.querySelectorAll('rect').length);
  });

  it('offers a PNG rendered at twice the SVG size (print quality)', () => {
    const svg = new JSDOM(read(id, 'graphique.svg').toString('utf8'), { contentType: 'image/svg+xml' }).window.document.documentElement;
    const { width, height } = pngSize(read(id, 'graphique.png'));
    expect(width).toBe(2 * Number(svg.getAttribute('width')));
    expect(height).toBe(2 * Number(svg.getAttribute('height')));
    expect(width).toBeGreaterThanOrEqual(1400);
  });

  it('offers the data actually shown as CSV, equal to the barometer export rows', () => {
    const csv = Papa.parse<Record<string, string>>(read(id, 'donnees.csv').toString('utf8'), { header: true, skipEmptyLines: true }).data;
    expect(csv.length).toBe(doc.querySelectorAll('details table tbody tr').length);
    const all = Papa.parse<Record<string, string>>(readFileSync(join(exportsDir, 'barometre.csv'), 'utf8'), { header: true, skipEmptyLines: true }).data;
    for (const row of csv) {
      const twin = all.find((r) => ['indicateur', 'periode', 'niveau', 'territoire', 'type_collectivite', 'strate'].every((k) => r[k] === row[k]))!;
      expect(twin).toBeDefined();
      expect(row.taux).toBe(twin.taux);
      expect(row.atteintes).toBe(twin.atteintes);
    }
  });
});

describe.skipIf(!CHROMIUM)('the embed in a real browser', () => {
  const env = useBrowserOnSite();

  it('resizes its iframe through the snippet when the chart width changes', async () => {
    const o = JSON.parse(read('ouverture-donnees--strates', 'oembed.json').toString('utf8'));
    // The snippet as published, pointed at the loopback site; the article page is another origin.
    const snippet = (o.html as string).replace(/https?:\/\/[^/"]+\/embed\//g, `${env.url}/embed/`);
    const article = await serveArticle(`<!doctype html><html lang="fr"><body><main><h1>Article</h1>${snippet}<p>Fin.</p></main></body></html>`);
    const page = await env.browser.newPage({ viewport: { width: 1200, height: 900 } });
    try {
      await page.goto(article.url);
      const iframe = page.locator('iframe');
      await page.waitForFunction(() => document.querySelector('iframe')!.style.height !== '');
      const wide = await iframe.evaluate((f: HTMLIFrameElement) => parseFloat(f.style.height));
      const frame = page.frame({ url: /\/embed\// })!;
      const docHeight = await frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
      expect(Math.abs(wide - docHeight)).toBeLessThanOrEqual(2);
      await page.setViewportSize({ width: 360, height: 900 });
      await page.waitForFunction((h) => Math.abs(parseFloat(document.querySelector('iframe')!.style.height) - h) > 20, wide);
      const narrow = await iframe.evaluate((f: HTMLIFrameElement) => parseFloat(f.style.height));
      const narrowDoc = await frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
      expect(Math.abs(narrow - narrowDoc)).toBeLessThanOrEqual(2);
      expect(narrow).not.toBe(wide);
      expect(await iframe.getAttribute('title')).toMatch(/^Collectivités publiant/);
    } finally {
      await page.close();
      await article.close();
    }
  });

  it('follows ?theme=dark', async () => {
    const page = await env.browser.newPage();
    try {
      await page.goto(`${env.url}/embed/ouverture-donnees--strates/?theme=dark`);
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
      const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      expect(bg).toBe('rgb(18, 20, 23)');
    } finally {
      await page.close();
    }
  });

  it('serves headers that allow framing of /embed/ only, and no third-party script', async () => {
    const embed = await fetch(`${env.url}/embed/ouverture-donnees--strates/`);
    expect(embed.headers.get('content-security-policy')).toMatch(/frame-ancestors \*/);
    expect(embed.headers.get('x-frame-options')).toBeNull();
    const home = await fetch(`${env.url}/`);
    expect(home.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(home.headers.get('content-security-policy')).toMatch(/script-src 'self'[;$]/);
    expect(home.headers.get('x-frame-options')).toBe('DENY');
  });
});

async function serveArticle(html: string) {
  const { createServer } = await import('node:http');
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/article.html`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('territory charts', () => {
  it('have an /embed/ twin with its PNG for régions and départements', () => {
    const id = 'territoire-departement-35--ouverture-donnees';
    expect(existsSync(join(embedDir, id, 'index.html'))).toBe(true);
    expect(pngSize(read(id, 'graphique.png')).width).toBeGreaterThan(1000);
    const page = readFileSync(join(dist, 'territoires/departement/35/index.html'), 'utf8');
    expect(page).toContain(`/embed/${id}/graphique.png`);
    expect(page).toContain('Partager / intégrer');
  });

  it('offer a permalink and the data for communes, whose charts are too many for an image each', () => {
    const page = readFileSync(join(dist, 'territoires/commune/35238/index.html'), 'utf8');
    expect(page).toMatch(/value="[^"]+\/territoires\/commune\/35238\/\?indicateur=ouverture-donnees#indicateur-ouverture-donnees-graphique"/);
    expect(page).toContain('/territoires/donnees/35.csv');
    expect(existsSync(join(embedDir, 'territoire-commune-35238--ouverture-donnees'))).toBe(false);
  });
});
