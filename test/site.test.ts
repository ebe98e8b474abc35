// Builds the site from the fixture's exports and reads what a person would see.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedSite } from './helpers/shared.ts';
import { buildAstro } from '../commands/build.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import { scratch, testConfig } from './helpers/env.ts';

const tmp = scratch();
// Built by the global setup in the background: this waits for it.
const dist = await sharedSite();
let home: string;

beforeAll(() => {
  home = readFileSync(join(dist, 'index.html'), 'utf8');
});
afterAll(tmp.cleanup);

describe('the home page built from the fixture', () => {
  it('is in French and says in a visible banner that the data are a sample', () => {
    expect(home).toMatch(/<html lang="fr"/);
    expect(home).toContain('data-sample-banner');
    expect(home).toContain("Données d'exemple.");
  });

  it('carries the banner only on the pages and embeds that show sample figures', () => {
    const banner = (path: string) => readFileSync(join(dist, path, 'index.html'), 'utf8').includes('data-sample-banner');
    for (const p of ['barometre', 'indicateurs/ouverture-donnees', 'semestres/2025-S1', 'territoires/departement/35', 'embed/ouverture-donnees--strates']) expect(banner(p), p).toBe(true);
    for (const p of ['mentions', 'accessibilite', 'plan-du-site', 'methodologie', 'indicateurs', 'territoires']) expect(banner(p), p).toBe(false);
  });

  it('has the barometer as a table, with a caption, header scopes, a legend and its provenance line', () => {
    expect(home).toMatch(/<table[^>]*>.*<caption id="matrice-legende"[^>]*>Taux national par chantier et type de collectivité \(dernières données disponibles\)<\/caption>/s);
    expect(home).toMatch(/<th scope="col"[^>]*>Chantier et indicateur<\/th>/);
    expect(home).toContain('Faible (moins de 25 %)');
    expect(home).toContain('OpenDataFrance, licence ODbL 1.0');
    expect(home).toMatch(/Données du 27 novembre 2025 au plus tard\. Méthodes : /);
  });

  it('formats numbers the French way: the one publishing région of 18 is 5,6 %, and 7 of 3 254 communes', () => {
    expect(home).toMatch(/Collectivités publiant des données ouvertes<\/a>.*?<td class="[^"]*" style="background:#f2e6c9;color:#1a1a1a"[^>]*>\s*<a href="\/indicateurs\/ouverture-donnees\/#strate-region-toutes"[^>]*>5,6\u202f%<\/a>/s);
    expect(home).toContain('(7 sur 3\u202f254)');
  });

  it('loads nothing from a third party', () => {
    const external = [...home.matchAll(/(?:src|href)="(https?:\/\/[^"]+)"/g)].map((m) => m[1]!);
    // Links to the sources' pages are fine; nothing is loaded (no script, stylesheet or image from elsewhere).
    const loads = [...home.matchAll(/<(script|img|link|iframe)\b[^>]*>/g)].map((m) => m[0]).filter((tag) => !/rel="canonical"/.test(tag));
    expect(loads.filter((tag) => /(src|href)="(https?:)?\/\//.test(tag))).toEqual([]);
    expect(external.every((u) => !u.includes('fonts.') && !u.includes('analytics'))).toBe(true);
  });

  it('publishes the exports under /donnees/', () => {
    expect(existsSync(join(dist, 'donnees', 'barometre.csv'))).toBe(true);
    expect(existsSync(join(dist, 'donnees', 'datapackage.json'))).toBe(true);
  });
});

describe('a failed site build', () => {
  it('keeps the previous dist/ as it was', async () => {
    // A copy of the built site plays the previous dist/.
    const previous = join(tmp.dir, 'dist');
    cpSync(dist, previous, { recursive: true });
    const broken = testConfig(join(tmp.dir, 'empty'));
    mkdirSync(broken.paths.exports, { recursive: true });
    writeFileSync(join(previous, 'marker.txt'), 'previous');
    await expect(buildAstro(broken, memoryLogger(), { outDir: previous })).rejects.toThrow(/le site précédent \(dist\/\) est conservé/);
    expect(readFileSync(join(previous, 'marker.txt'), 'utf8')).toBe('previous');
    expect(readFileSync(join(previous, 'index.html'), 'utf8')).toBe(home);
  });
});

describe('for search engines and social networks', () => {
  it('publishes a sitemap of the pages people read, without the /embed/ twins', () => {
    expect(readFileSync(join(dist, 'sitemap-index.xml'), 'utf8')).toContain('sitemap-0.xml');
    const urls = [...readFileSync(join(dist, 'sitemap-0.xml'), 'utf8').matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => new URL(m[1]!).pathname);
    expect(urls).toContain('/territoires/commune/35238/');
    expect(urls).toContain('/indicateurs/ouverture-donnees/');
    expect(urls.some((u) => u.startsWith('/embed/'))).toBe(false);
  });

  it('lists in the sitemap exactly the territory pages the other part of the build wrote (two Astro processes)', () => {
    const urls = [...readFileSync(join(dist, 'sitemap-0.xml'), 'utf8').matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => new URL(m[1]!).pathname);
    const listed = urls.filter((u) => /^\/territoires\/(region|departement|epci|commune)\/[^/]+\/$/.test(u)).sort();
    const built = ['region', 'departement', 'epci', 'commune']
      .flatMap((type) => readdirSync(join(dist, 'territoires', type), { withFileTypes: true }).filter((e) => e.isDirectory() && existsSync(join(dist, 'territoires', type, e.name, 'index.html'))).map((e) => `/territoires/${type}/${e.name}/`))
      .sort();
    expect(built.length).toBeGreaterThan(100);
    expect(listed).toEqual(built);
    // The territory part's data and search files were moved in too.
    expect(existsSync(join(dist, 'territoires', 'donnees', '35.csv'))).toBe(true);
    expect(readdirSync(join(dist, 'territoires', 'recherche')).length).toBeGreaterThan(10);
  });

  it('gives each page a title, a description and an Open Graph preview image of its main chart', () => {
    expect(home).toMatch(/<title>Baromètre de la dématérialisation des collectivités<\/title>/);
    expect(home).toMatch(/<meta name="description" content="[^"]{50,}"/);
    const image = /<meta property="og:image" content="[^"]*(\/embed\/[^"]+\/graphique\.png)"/.exec(home)?.[1];
    expect(image).toBeDefined();
    expect(existsSync(join(dist, image!))).toBe(true);
    const indicator = readFileSync(join(dist, 'indicateurs/ouverture-donnees/index.html'), 'utf8');
    expect(indicator).toMatch(/<title>Collectivités publiant des données ouvertes — Baromètre DCANT<\/title>/);
    expect(indicator).toMatch(/<link rel="alternate" type="application\/json\+oembed" href="[^"]+\/embed\/ouverture-donnees--strates\/oembed\.json"/);
  });
});
