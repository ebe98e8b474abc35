// Lines over the observatory's editions since June 2019, one per indicator, for one perimeter of procedures: each with
// its own marker and an end label (colour is never alone); segments never joined across the 2022→2023 change of method,
// which a dashed vertical rule marks and names.
import * as Plot from '@observablehq/plot';
import { formatPercent } from '../lib/format.ts';
import type { SerieMesure } from '../lib/demarches.ts';
import { SERIES_COLORS, SERIES_SYMBOLS, spreadLabels } from './evolution.ts';
import { renderPlot } from './render.ts';

const INK = '#1a1a1a';
const day = (iso: string) => new Date(`${iso}T12:00:00Z`);

export function demarchesSeriesSvg(series: SerieMesure[], rupture: { avant: string; apres: string } | null, ariaLabel: string, { width = 820 } = {}): string {
  const points = series.flatMap((s) =>
    s.points.filter((p) => p.valeur_mesure !== null).map((p) => ({ serie: s.libelle, segment: `${s.indicateur}|${p.methode}`, date: day(p.date_edition), valeur: p.valeur_mesure! })),
  );
  const ends = series
    .map((s) => ({ s, last: [...s.points].reverse().find((p) => p.valeur_mesure !== null) }))
    .filter((x): x is { s: SerieMesure; last: NonNullable<typeof x.last> } => x.last !== undefined);
  const labels = ends.map((e) => `${e.s.libelle} : ${formatPercent(e.last.valeur_mesure)}`);
  const marginLeft = 48;
  const marginRight = 24 + Math.ceil(6.6 * Math.max(10, ...labels.map((l) => l.length)));
  const marginTop = 30;
  const marginBottom = 36;
  const height = Math.max(280, marginTop + marginBottom + 18 * ends.length + 40);
  const innerH = height - marginTop - marginBottom;
  const dates = points.map((p) => p.date.getTime());
  const x0 = new Date(Math.min(...dates) - 60 * 86_400_000);
  const x1 = new Date(Math.max(...dates) + 60 * 86_400_000);
  const innerW = width - marginLeft - marginRight;
  const yPx = (v: number) => marginTop + (1 - v) * innerH;
  const fromPx = (y: number) => 1 - (y - marginTop) / innerH;
  const spread = spreadLabels(ends.map((e) => yPx(e.last.valeur_mesure!)), 16, marginTop, marginTop + innerH);
  const labelX = new Date(x1.getTime() + ((x1.getTime() - x0.getTime()) * 14) / innerW);
  const endMarks = ends.map((e, k) => ({ serie: e.s.libelle, text: labels[k]!, date: day(e.last.date_edition), valeur: e.last.valeur_mesure!, ly: fromPx(spread[k]!) }));
  const names = series.map((s) => s.libelle);
  const cut = rupture ? new Date((day(rupture.avant).getTime() + day(rupture.apres).getTime()) / 2) : null;
  const svg = renderPlot(
    {
      width,
      height,
      marginLeft,
      marginRight,
      marginTop,
      marginBottom,
      style: { fontSize: '12px', background: 'transparent', overflow: 'visible' },
      x: { type: 'utc', domain: [x0, x1], label: null, ticks: 'year', tickFormat: '%Y' },
      y: { domain: [0, 1], tickFormat: (d: number) => formatPercent(d).replace(',0', ''), label: null, grid: true },
      color: { domain: names, range: names.map((_, k) => SERIES_COLORS[k % SERIES_COLORS.length]!) },
      symbol: { domain: names, range: names.map((_, k) => SERIES_SYMBOLS[k % SERIES_SYMBOLS.length]!) },
      marks: [
        Plot.ruleY([0], { stroke: INK }),
        ...(cut
          ? [
              Plot.ruleX([cut], { stroke: INK, strokeDasharray: '2 3', strokeWidth: 1.5 }),
              Plot.text([cut], { x: (d: Date) => d, frameAnchor: 'top', dy: -20, text: () => 'Changement de méthode', fill: INK, textAnchor: 'middle' }),
            ]
          : []),
        Plot.line(points, { x: 'date', y: 'valeur', z: 'segment', stroke: 'serie', strokeWidth: 2 }),
        Plot.dot(points, { x: 'date', y: 'valeur', symbol: 'serie', stroke: 'serie', fill: 'white', strokeWidth: 1.5, r: 3.5 }),
        Plot.link(endMarks, { x1: 'date', y1: 'valeur', x2: () => labelX, y2: 'ly', stroke: 'serie', strokeOpacity: 0.6, strokeWidth: 1 }),
        Plot.dot(endMarks, { x: () => labelX, y: 'ly', symbol: 'serie', stroke: 'serie', fill: 'white', strokeWidth: 1.5, r: 3.5, dx: 6 }),
        Plot.text(endMarks, { x: () => labelX, y: 'ly', text: 'text', fill: INK, textAnchor: 'start', dx: 14 }),
      ],
    },
    ariaLabel,
  );
  return svg;
}
