// Builds the site from the fixture's exports and reads what a person would see.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildAstro } from '../pipelines/build.ts';
import { memoryLogger } from '../pipelines/log.ts';
import { scratch, testConfig } from './helpers/env.ts';

const tmp = scratch();
const dist = inject('siteDist');
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

  it('has the chart as SVG, with a summary, its data table and its provenance line', () => {
    expect(home).toMatch(/<svg[^>]*role="img"/);
    expect(home).toContain('Au 1er semestre 2021,');
    expect(home).toMatch(/<table>.*<caption>Collectivités publiant des données ouvertes, par type et strate/s);
    expect(home).toContain('OpenDataFrance, licence ODbL 1.0');
    expect(home).toContain('Données du 9 avril 2021. Méthode version 1.0.0');
  });

  it('formats numbers the French way: the one publishing région of 18 is 5,6 %, and 3 254 communes', () => {
    expect(home).toMatch(/Régions — ensemble<\/th><td>oui<\/td><td class="num">18<\/td><td class="num">1<\/td><td class="num">5,6\u202f%/);
    expect(home).toContain('<td class="num">3\u202f254</td>');
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
  }, 120_000);
});
