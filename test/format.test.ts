// French formatting: the strings kept for figures that come back are the ones ICU writes.
import { describe, expect, it } from 'vitest';
import { formatDate, formatInteger, formatPercent } from '../site/lib/format.ts';

const pct = new Intl.NumberFormat('fr-FR', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const int = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });

describe('formatting of figures shown on thousands of pages', () => {
  it('writes the same strings as ICU, the first time and when a figure comes back', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const values = Array.from({ length: 2_000 }, () => Math.round(random() * 1e6) / 1e6);
    for (const v of [...values, ...values, 0, 1, 0.99951, 0.00049]) {
      expect(formatPercent(v)).toBe(pct.format(v).replace('\u00a0', '\u202f'));
      expect(formatInteger(v * 1e6)).toBe(int.format(v * 1e6));
    }
    expect(formatPercent(0.125)).toBe('12,5\u202f%');
    expect(formatInteger(23313)).toBe('23\u202f313');
  });

  it('does not take −0 for 0', () => {
    expect(formatPercent(0)).toBe(pct.format(0).replace('\u00a0', '\u202f'));
    expect(formatPercent(-0)).toBe(pct.format(-0).replace('\u00a0', '\u202f'));
    expect(formatInteger(-0)).toBe(int.format(-0));
    expect(formatInteger(0)).toBe('0');
  });

  it('writes dates in French, again and again', () => {
    for (let i = 0; i < 3; i++) expect(formatDate('2021-04-09')).toBe('9 avril 2021');
    expect(formatDate('pas une date')).toBe('pas une date');
    expect(formatDate(null)).toBe('—');
  });
});
