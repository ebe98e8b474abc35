// Horizontal bars: the rate per strate, with its 95 % interval, labelled with the value in French.
import * as Plot from '@observablehq/plot';
import { formatPercent } from '../lib/format.ts';
import { renderPlot } from './render.ts';

export interface StrateBar {
  /** Row label, unique: "Communes — 3 500 à 4 999 habitants". */
  label: string;
  taux: number | null;
  ic_bas: number | null;
  ic_haut: number | null;
  /** Rows not under the legal obligation are drawn lighter and say so in their label. */
  soumise: boolean;
  withheld: boolean;
}

/** Bars: dark blue for collectivités under the obligation, mid blue (3.5:1 on white) for the others; labels carry the value. */
export const COLORS = { main: '#1d4f7c', muted: '#6a8bab', ink: '#1a1a1a' };

/** Left margin that fits every label (about 7 px per character at 13 px); pass the same to aligned charts. */
export function labelMargin(labels: string[]): number {
  return Math.min(360, 16 + 7 * Math.max(0, ...labels.map((l) => l.length)));
}

export function tauxParStrateSvg(bars: StrateBar[], ariaLabel: string, { width = 720, marginLeft = labelMargin(bars.map((b) => b.label)) } = {}): string {
  const data = bars.map((b) => ({ ...b, text: b.withheld ? 'effectif insuffisant' : formatPercent(b.taux) }));
  const shown = data.filter((d) => !d.withheld && d.taux !== null);
  return renderPlot(
    {
      width,
      height: 36 + 26 * bars.length,
      marginLeft,
      marginRight: 110,
      marginTop: 10,
      style: { fontSize: '13px', background: 'transparent' },
      x: { domain: [0, 1], tickFormat: (d: number) => formatPercent(d).replace(',0', ''), label: null, grid: true },
      y: { domain: data.map((d) => d.label), label: null },
      marks: [
        Plot.barX(shown.filter((d) => d.soumise), { y: 'label', x: 'taux', fill: COLORS.main }),
        Plot.barX(shown.filter((d) => !d.soumise), { y: 'label', x: 'taux', fill: COLORS.muted }),
        Plot.ruleY(shown, { y: 'label', x1: 'ic_bas', x2: 'ic_haut', stroke: COLORS.ink, strokeWidth: 1.5 }),
        Plot.text(data, { y: 'label', x: (d: (typeof data)[number]) => (d.withheld ? 0 : Math.max(d.ic_haut ?? 0, d.taux ?? 0)), text: 'text', textAnchor: 'start', dx: 6, fill: COLORS.ink }),
        Plot.ruleX([0], { stroke: COLORS.ink }),
      ],
    },
    ariaLabel,
  );
}
