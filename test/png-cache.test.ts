// PNG images of the charts are cached between builds, keyed on the SVG: an unchanged chart is not rendered again,
// a changed one is, and the cache keeps only what the last build used.
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pruneCache } from '../commands/build.ts';
import { pngOf } from '../site/lib/partage.ts';
import { scratch } from './helpers/env.ts';

const tmp = scratch();
afterAll(tmp.cleanup);
const svg = (label: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><text x="4" y="24" font-size="14">${label}</text></svg>`;

describe('pngOf with a cache folder', () => {
  it('renders once, then serves the cached file for the same SVG, and renders a different SVG anew', async () => {
    const cache = join(tmp.dir, 'cache');
    const first = await pngOf(svg('Taux 42 %'), 2, cache);
    expect(first.subarray(1, 4).toString()).toBe('PNG');
    const [file] = readdirSync(cache);
    expect(readFileSync(join(cache, file!))).toEqual(first);
    // Proof that the second call reads the cache rather than rendering: it returns what the file holds.
    writeFileSync(join(cache, file!), 'marqueur');
    expect((await pngOf(svg('Taux 42 %'), 2, cache)).toString()).toBe('marqueur');
    // Another chart, or the same at another scale, is another image.
    const other = await pngOf(svg('Taux 43 %'), 2, cache);
    expect(other.subarray(1, 4).toString()).toBe('PNG');
    await pngOf(svg('Taux 42 %'), 1, cache);
    expect(readdirSync(cache)).toHaveLength(3);
  });

  it('keeps after a build only the images that build used', () => {
    const cache = join(tmp.dir, 'prune');
    mkdirSync(cache);
    const old = new Date('2026-01-01T00:00:00Z');
    writeFileSync(join(cache, 'ancienne.png'), 'x');
    utimesSync(join(cache, 'ancienne.png'), old, old);
    writeFileSync(join(cache, 'utilisee.png'), 'y');
    pruneCache(cache, new Date('2026-06-01T00:00:00Z'));
    expect(readdirSync(cache)).toEqual(['utilisee.png']);
  });
});
