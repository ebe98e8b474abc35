// The charts' PNG images are drawn with a subset of DejaVu Sans (site/lib/polices.ts): the same pixels as the full
// fonts for French text, and the full fonts for any character the subset lacks.
import { Resvg } from '@resvg/resvg-js';
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { couvertParSousEnsemble, policesCompletes, policesPour, policesSousEnsemble } from '../site/lib/polices.ts';

const svg = (text: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="420" height="70" font-family="DejaVu Sans">` +
  `<text x="4" y="24" font-size="14">${text}</text><text x="4" y="52" font-size="18" font-weight="bold">${text}</text></svg>`;

const pixels = (s: string, fontFiles: string[]) =>
  new Resvg(s, { fitTo: { mode: 'zoom', value: 2 }, font: { fontFiles, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' }, background: '#ffffff' }).render().pixels;

describe('the fonts of the PNG images', () => {
  it('draw French text with the subset exactly as with the full fonts, and the subset is far smaller', async () => {
    const subset = await policesSousEnsemble();
    const text = 'Œuvre d’Évry‑Courcouronnes : 12,5 % – 3 254 communes ≥ 10 000 hab. (−2 pts) « L’Haÿ-les-Roses » 45 €';
    expect(couvertParSousEnsemble(text)).toBe(true);
    expect(Buffer.from(pixels(svg(text), subset)).equals(Buffer.from(pixels(svg(text), policesCompletes())))).toBe(true);
    for (const [i, file] of subset.entries()) expect(statSync(file).size).toBeLessThan(statSync(policesCompletes()[i]!).size / 4);
  });

  it('fall back to the full fonts for a character the subset lacks, which it would not draw', async () => {
    const text = 'Ωμέγα ⅓';
    expect(couvertParSousEnsemble(text)).toBe(false);
    expect(await policesPour(svg(text))).toEqual(policesCompletes());
    expect(await policesPour(svg('Rennes'))).toEqual(await policesSousEnsemble());
    // The proof that the fallback matters: the subset draws the Greek letters differently (as missing glyphs).
    expect(Buffer.from(pixels(svg(text), await policesSousEnsemble())).equals(Buffer.from(pixels(svg(text), policesCompletes())))).toBe(false);
  });

  it('are made once per process, under a name that changes with the fonts and the blocks kept', async () => {
    expect(policesSousEnsemble()).toBe(policesSousEnsemble());
    const files = await policesSousEnsemble();
    expect(files.map((f) => f.split(/[\\/]/).at(-2))).toEqual([expect.stringMatching(/^barometre-polices-[0-9a-f]{16}$/), expect.stringMatching(/^barometre-polices-/)]);
  });
});
