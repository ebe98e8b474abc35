// The site built in two parts side by side: which part builds which pages, the territory pages the other part's
// sitemap lists, and the merge of the two output folders.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { moveMissing } from '../pipelines/base/files.ts';
import { adresse, adressesTerritoires, avecPage, chemins, pageDemandee, pagesDemandees, partieConstruite, partieDe } from '../site/lib/partie.ts';
import { scratch } from './helpers/env.ts';

const tmp = scratch();
afterAll(tmp.cleanup);
afterEach(() => vi.unstubAllEnvs());

describe('the part of the site a process builds', () => {
  it('is the whole site without BAROMETRE_PARTIE, one part with it, and refuses any other value', () => {
    expect(partieConstruite({})).toBe('toutes');
    expect(partieConstruite({ BAROMETRE_PARTIE: 'generale' })).toBe('generale');
    expect(partieConstruite({ BAROMETRE_PARTIE: 'territoires' })).toBe('territoires');
    expect(() => partieConstruite({ BAROMETRE_PARTIE: 'communes' })).toThrow(/BAROMETRE_PARTIE vaut « communes »/);
  });

  it('gives a route of the other part no paths, without computing them', () => {
    const paths = vi.fn(() => [{ params: { id: 'x' } }]);
    vi.stubEnv('BAROMETRE_PARTIE', 'generale');
    expect(chemins('territoires', '/x/[id]/', paths)).toEqual([]);
    expect(paths).not.toHaveBeenCalled();
    expect(chemins('generale', '/x/[id]/', paths)).toEqual([{ params: { id: 'x' } }]);
    vi.stubEnv('BAROMETRE_PARTIE', '');
    expect(chemins('territoires', '/x/[id]/', paths)).toEqual([{ params: { id: 'x' } }]);
  });

  it('builds only the pages BAROMETRE_PAGES lists, an address ending with / standing for what is under it', () => {
    expect(adresse('/territoires/[type]/[code]/', { type: 'departement', code: '35' })).toBe('/territoires/departement/35/');
    expect(pagesDemandees({})).toBeNull();
    expect(pagesDemandees({ BAROMETRE_PAGES: ' /indicateurs/ , /embed/x/ ' })).toEqual(['/indicateurs/', '/embed/x/']);
    expect(() => pagesDemandees({ BAROMETRE_PAGES: 'indicateurs' })).toThrow(/BAROMETRE_PAGES : « indicateurs » n'est pas une adresse du site/);
    expect(pageDemandee('/embed/x/graphique.png', ['/embed/x/'])).toBe(true);
    expect(pageDemandee('/embed/xy/', ['/embed/x/'])).toBe(false);
    // The home page stands for itself only.
    expect(pageDemandee('/indicateurs/a/', ['/'])).toBe(false);
    expect(pageDemandee('/semestres/2025-S1/', ['/semestres/2025-S1/'])).toBe(true);
    const paths = () => ['2025-S1', '2025-S2'].map((periode) => ({ params: { periode } }));
    vi.stubEnv('BAROMETRE_PAGES', '/semestres/2025-S2/');
    expect(chemins('generale', '/semestres/[periode]/', paths)).toEqual([{ params: { periode: '2025-S2' } }]);
    vi.stubEnv('BAROMETRE_PAGES', '');
    expect(chemins('generale', '/semestres/[periode]/', paths)).toHaveLength(2);
  });

  it('lists the pages of the territories part, EPCI then communes of 3 500 inhabitants or more, after the régions and départements of the other part', () => {
    const t = [
      { type_collectivite: 'commune' as const, code: '35238', population: 220_000 },
      { type_collectivite: 'commune' as const, code: '35001', population: 3_499 },
      { type_collectivite: 'commune' as const, code: '35002', population: null },
      { type_collectivite: 'epci' as const, code: '243500139', population: 230_000 },
      { type_collectivite: 'departement' as const, code: '35', population: 1_100_000 },
      { type_collectivite: 'region' as const, code: '53', population: 3_400_000 },
      { type_collectivite: 'commune' as const, code: '35047', population: 3_500 },
    ];
    expect(adressesTerritoires(t)).toEqual(['/territoires/epci/243500139/', '/territoires/commune/35238/', '/territoires/commune/35047/']);
    expect(avecPage(t, 1).map((x) => x.code)).toEqual(['53', '35', '243500139', '35238']);
    expect(['region', 'departement', 'epci', 'commune'].map((type) => partieDe(type as 'commune'))).toEqual(['generale', 'generale', 'territoires', 'territoires']);
  });
});

describe('the merge of the two parts', () => {
  it('moves what the first folder lacks, merges the folders both have and keeps the files the first one has', () => {
    const [from, to] = [join(tmp.dir, 'territoires'), join(tmp.dir, 'generale')];
    const write = (path: string, text: string) => {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, text);
    };
    write(join(from, 'index.html'), 'accueil (territoires)');
    write(join(from, '_astro', 'style.css'), 'css');
    write(join(from, 'territoires', 'index.html'), 'liste (territoires)');
    write(join(from, 'territoires', 'commune', '35238', 'index.html'), 'Rennes');
    write(join(from, 'territoires', 'donnees', '35.csv'), 'code\n35238\n');
    write(join(to, 'index.html'), 'accueil');
    write(join(to, '_astro', 'style.css'), 'css');
    write(join(to, 'territoires', 'index.html'), 'liste');
    write(join(to, 'territoires', 'commune', 'index.html'), 'communes');
    expect(moveMissing(from, to).sort()).toEqual(['territoires/commune/35238', 'territoires/donnees']);
    expect(readFileSync(join(to, 'index.html'), 'utf8')).toBe('accueil');
    expect(readFileSync(join(to, 'territoires', 'index.html'), 'utf8')).toBe('liste');
    expect(readFileSync(join(to, 'territoires', 'commune', 'index.html'), 'utf8')).toBe('communes');
    expect(readFileSync(join(to, 'territoires', 'commune', '35238', 'index.html'), 'utf8')).toBe('Rennes');
    expect(readFileSync(join(to, 'territoires', 'donnees', '35.csv'), 'utf8')).toBe('code\n35238\n');
  });
});
