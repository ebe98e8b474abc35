// The fonts the charts' PNG images are drawn with: DejaVu Sans, shipped with the project (dejavu-fonts-ttf) so that an
// image does not depend on the machine, cut down to the characters French text uses.
//
// Why cut them down: resvg-js (2.6, Node) takes fonts as files and reads the file again for every run of text it lays
// out, about 800 times per chart. With the full 750 KB font, reading it was more than half of every PNG's time (and
// the system time of the whole build); with a subset of about 100 KB the same chart renders about 2.5 times faster
// (measured on the sample site's 1 900 charts, `npm run bench` prints the site build). The glyphs are the same, so the
// images are the same, pixel for pixel (test/polices.test.ts).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import subsetFont from 'subset-font';

const require = createRequire(import.meta.url);

const FACES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];

/**
 * Unicode blocks kept: Latin (basic, Latin-1, extended A and B, spacing modifiers such as the ʻokina, combining
 * accents), punctuation (typographic apostrophe, dashes, narrow no-break space), currency, arrows and mathematical
 * operators (−, ≤, ≥). A chart with any other character is drawn with the full fonts.
 */
export const PLAGES: readonly [number, number][] = [
  [0x20, 0x7e],
  [0xa0, 0x36f],
  [0x2000, 0x206f],
  [0x20a0, 0x20bf],
  [0x2190, 0x21ff],
  [0x2200, 0x22ff],
];

const hex = (n: number) => `\\u{${n.toString(16)}}`;
const HORS_PLAGES = new RegExp(`[^\\n\\r\\t${PLAGES.map(([a, b]) => `${hex(a)}-${hex(b)}`).join('')}]`, 'u');

/** True when every character of `text` is drawn by the subset. */
export const couvertParSousEnsemble = (text: string) => !HORS_PLAGES.test(text);

/** The full fonts' files, as the package ships them. */
export function policesCompletes(): string[] {
  const dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  return FACES.map((f) => join(dir, f));
}

/** What identifies the fonts of an image: the package's version (the subset draws the same glyphs as the full fonts). */
export const POLICES_VERSION = `dejavu-fonts-ttf@${(require('dejavu-fonts-ttf/package.json') as { version: string }).version}`;

let subset: Promise<string[]> | undefined;

/**
 * The subset's files, made once per machine: in the system's temporary folder, under a name that is the hash of
 * the fonts, the blocks kept and the subsetter's version, written under a temporary name then renamed (two builds
 * side by side may make it at once). Made again if the folder was cleaned.
 */
export function policesSousEnsemble(): Promise<string[]> {
  subset ??= (async () => {
    const full = policesCompletes();
    const sources = full.map((f) => readFileSync(f));
    const version = (require('subset-font/package.json') as { version: string }).version;
    const hash = createHash('sha256').update(`subset-font@${version}\0${JSON.stringify(PLAGES)}\0`);
    for (const s of sources) hash.update(s);
    const dir = join(tmpdir(), `barometre-polices-${hash.digest('hex').slice(0, 16)}`);
    const text = PLAGES.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => String.fromCodePoint(a + i))).join('');
    mkdirSync(dir, { recursive: true });
    return Promise.all(
      FACES.map(async (face, i) => {
        const path = join(dir, face);
        if (!existsSync(path)) {
          const tmp = `${path}.${process.pid}.tmp`;
          writeFileSync(tmp, await subsetFont(sources[i]!, text, { targetFormat: 'truetype' }));
          renameSync(tmp, path);
        }
        return path;
      }),
    );
  })();
  subset.catch(() => (subset = undefined));
  return subset;
}

/** The font files to draw `svg` with: the subset when it covers every character, else the full fonts. */
export async function policesPour(svg: string): Promise<string[]> {
  return couvertParSousEnsemble(svg) ? policesSousEnsemble() : policesCompletes();
}
