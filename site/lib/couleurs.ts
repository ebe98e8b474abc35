// Colours of the indicators' levels, and the text colour that stays readable on each (WCAG 2.1 contrast).
import type { IndicatorDefinition } from './data.ts';

export const INK = '#1a1a1a';
export const PAPER = '#ffffff';

function channel(c: number): number {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

/** Parses `#rgb` or `#rrggbb`; throws on anything else (level colours come from the indicator definitions). */
export function parseHex(color: string): [number, number, number] {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (!m) throw new Error(`couleur invalide : ${color} (attendu : #rrggbb)`);
  const hex = m[1]!.length === 3 ? [...m[1]!].map((c) => c + c).join('') : m[1]!;
  return [0, 2, 4].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** Relative luminance (WCAG 2.1), from 0 (black) to 1 (white). */
export function luminance(color: string): number {
  const [r, g, b] = parseHex(color).map(channel) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Contrast ratio between two colours, from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const BLACK = '#000000';

/**
 * The text colour with the higher contrast on a background: the site's ink or white; pure black when neither
 * reaches 4.5:1 (mid-tones such as #3f8a3c, where the ink gives 4.1:1 and white 4.3:1, but black 4.9:1).
 */
export function textColorOn(background: string): string {
  const best = contrastRatio(INK, background) >= contrastRatio(PAPER, background) ? INK : PAPER;
  if (contrastRatio(best, background) >= 4.5) return best;
  return contrastRatio(BLACK, background) > contrastRatio(best, background) ? BLACK : best;
}

export type Level = IndicatorDefinition['levels'][number];

/** The level a rate falls in: the last level whose `min` it reaches (levels sorted by `min`); null for no rate. */
export function levelOf(levels: readonly Level[], value: number | null | undefined): Level | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  let found: Level | null = null;
  for (const level of [...levels].sort((a, b) => a.min - b.min)) if (value >= level.min) found = level;
  return found;
}

/** Background and text colours of a cell or tile for a rate; null when there is no rate to colour. */
export function levelColors(levels: readonly Level[], value: number | null | undefined): { fill: string; text: string; label: string } | null {
  const level = levelOf(levels, value);
  return level ? { fill: level.color, text: textColorOn(level.color), label: level.label } : null;
}
