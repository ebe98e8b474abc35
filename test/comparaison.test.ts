// The territory comparison chart is drawn from a frame Plot renders once per set of labels, with the marks placed by
// that frame's scales. It must look exactly like the full Plot chart it replaced (test/helpers/comparaison-reference.ts):
// both are rasterised by resvg and compared pixel by pixel, on seeded random cases and on the edge cases.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { comparaisonSvg, type LigneTaux, type MarqueCollectivite } from '../site/charts/territoire-comparaison.ts';
import { comparaisonReference } from './helpers/comparaison-reference.ts';

const require = createRequire(import.meta.url);
const fonts = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const options = {
  font: { fontFiles: [join(fonts, 'DejaVuSans.ttf'), join(fonts, 'DejaVuSans-Bold.ttf')], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  background: '#ffffff',
};

function pixels(svg: string): { width: number; height: number; data: Buffer } {
  const image = new Resvg(svg, options).render();
  return { width: image.width, height: image.height, data: image.pixels };
}

/** Pixels whose colour differs by more than a rounding of anti-aliasing. */
function differing(a: Buffer, b: Buffer): number {
  let n = 0;
  for (let i = 0; i < a.length; i += 4) if (Math.abs(a[i]! - b[i]!) + Math.abs(a[i + 1]! - b[i + 1]!) + Math.abs(a[i + 2]! - b[i + 2]!) > 24) n++;
  return n;
}

const ligne = (label: string, taux: number | null, ic: [number, number] | null, withheld = false, rupture = false): LigneTaux => ({ label, taux, ic_bas: ic?.[0] ?? null, ic_haut: ic?.[1] ?? null, withheld, rupture });

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EDGES: [string, MarqueCollectivite, LigneTaux[]][] = [
  ['Données essentielles', { label: 'Cette commune', atteinte: true, texte: '5 marchés publiés' }, [ligne('Sa strate en France', 0.988, [0.97, 0.995]), ligne('Sa strate dans le département', 1, [0.6, 1]), ligne('Toutes les communes, France', 0.668, [0.66, 0.675])]],
  ['Open data & « co » <x>', { label: 'Cet EPCI', atteinte: false, texte: 'non' }, [ligne('Sa strate en France', 0.2, null), ligne('Sa strate dans le département', null, null, true), ligne('Tous les EPCI, France', null, null)]],
  ['Rupture', { label: 'Ce département', atteinte: false, texte: 'non' }, [ligne('Sa strate en France', 0, [0, 0.1], false, true), ligne('Tous les départements', 0.55, [0.4, 0.7])]],
  ['Tout à 100 %', { label: 'Cette région', atteinte: true, texte: 'oui' }, [ligne('Toutes les régions', 1, [1, 1])]],
];

describe('the territory comparison chart', () => {
  const random = mulberry32(20261130);
  const cases: [string, MarqueCollectivite, LigneTaux[]][] = [...EDGES];
  for (let i = 0; i < 40; i++) {
    const taux = () => (random() < 0.15 ? null : Math.round(random() * 1000) / 1000);
    const lignes = ['Sa strate en France', 'Sa strate dans le département', 'Toutes les communes, France'].map((label) => {
      const t = taux();
      const withheld = t === null && random() < 0.5;
      const ic: [number, number] | null = t !== null && random() < 0.7 ? [Math.max(0, t - random() * 0.2), Math.min(1, t + random() * 0.2)] : null;
      return ligne(label, withheld ? null : t, ic, withheld, random() < 0.1);
    });
    cases.push([`Indicateur ${i}`, { label: 'Cette commune', atteinte: random() < 0.5, texte: random() < 0.5 ? 'oui' : `${Math.floor(random() * 40)} démarches` }, lignes]);
  }

  it('draws exactly what the full Plot chart draws, with the same accessible name', () => {
    for (const [titre, own, lignes] of cases) {
      const fast = comparaisonSvg(titre, own, lignes);
      const reference = comparaisonReference(titre, own, lignes);
      expect(/aria-label="([^"]*)"/.exec(fast)![1], titre).toBe(/aria-label="([^"]*)"/.exec(reference)![1]);
      expect(fast).toContain('role="img"');
      const a = pixels(fast);
      const b = pixels(reference);
      expect([a.width, a.height], titre).toEqual([b.width, b.height]);
      expect(differing(a.data, b.data), titre).toBe(0);
    }
  });

  it('is not a blank image: the bars and the values are drawn', () => {
    const [titre, own, lignes] = EDGES[0]!;
    const image = pixels(comparaisonSvg(titre, own, lignes));
    const blank = pixels('<svg xmlns="http://www.w3.org/2000/svg" width="700" height="148"></svg>');
    expect(differing(image.data, blank.data)).toBeGreaterThan(2000);
  });
});
