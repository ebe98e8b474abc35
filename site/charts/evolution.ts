// Lines of a rate per strate over the semesters: one series per strate, each with its own marker and a label at
// its end (colour is never alone), segments not joined across a methodology break, which a vertical rule marks.
import * as Plot from '@observablehq/plot';
import type { EvolutionView } from '../lib/evolution.ts';
import { periodeCourte, periodeFromIndex } from '../lib/periodes.ts';
import { formatPercent } from '../lib/format.ts';
import { renderPlot } from './render.ts';

/** Dark colours, each at least 4.5:1 on white (tested), for the series; the whole ("Ensemble") is drawn in ink. */
export const SERIES_COLORS = ['#1d4f7c', '#a4262c', '#2e6b30', '#6a3d9a', '#8a4b08', '#005f73', '#9b2c6f', '#4d4d4d', '#5c5c00', '#3c4fa0', '#7a3b2e', '#006b55', '#6b2f8f'];
export const SERIES_SYMBOLS = ['circle', 'square', 'triangle', 'diamond', 'star', 'cross', 'wye', 'asterisk', 'times', 'plus', 'hexagon', 'diamond2', 'square2', 'triangle2'];
const INK = '#1a1a1a';

/** Moves labels (pixel positions) apart so that none is closer than `gap` to the next, within [top, bottom]. */
export function spreadLabels(ys: readonly number[], gap: number, top: number, bottom: number): number[] {
  const order = ys.map((y, i) => ({ y, i })).sort((a, b) => a.y - b.y || a.i - b.i);
  const placed = order.map((o) => o.y);
  for (let k = 0; k < placed.length; k++) placed[k] = Math.max(placed[k]!, k === 0 ? top : placed[k - 1]! + gap);
  for (let k = placed.length - 1; k >= 0; k--) placed[k] = Math.min(placed[k]!, k === placed.length - 1 ? bottom : placed[k + 1]! - gap);
  for (let k = 0; k < placed.length; k++) placed[k] = Math.max(placed[k]!, k === 0 ? top : placed[k - 1]! + gap);
  const out = new Array<number>(ys.length);
  order.forEach((o, k) => (out[o.i] = placed[k]!));
  return out;
}

export interface EvolutionOptions {
  width?: number;
  /** The semester range of the x axis, shared by the charts of one page (indexes from periodeIndex). */
  xDomain?: [number, number];
}

export function evolutionSvg(view: EvolutionView, ariaLabel: string, { width = 760, xDomain }: EvolutionOptions = {}): string {
  const labelled = view.series.filter((s) => s.last !== null);
  const labels = labelled.map((s) => `${s.label} : ${formatPercent(s.last!.taux)}`);
  const marginLeft = 48;
  const marginRight = 24 + Math.ceil(6.6 * Math.max(10, ...labels.map((l) => l.length)));
  const marginTop = 28;
  const marginBottom = 40;
  const height = Math.max(260, marginTop + marginBottom + 17 * labelled.length + 20);
  const maxValue = Math.max(0, ...view.points.map((p) => p.taux));
  const yMax = Math.min(1, Math.max(0.1, Math.ceil(maxValue * 10 + 0.001) / 10));
  const indexes = view.points.map((p) => p.index);
  const [x0, x1] = xDomain ?? [Math.min(...indexes), Math.max(...indexes)];
  const pad = 0.4;
  const domain: [number, number] = [x0 - pad, x1 + pad];
  // A few semesters get a narrow plot (about 70 px each) rather than points lost in a wide, empty frame.
  const innerW = Math.min(width - marginLeft - marginRight, Math.max(140, 70 * (x1 - x0 + 1)));
  width = marginLeft + innerW + marginRight;
  const innerH = height - marginTop - marginBottom;
  const yPx = (v: number) => marginTop + (1 - v / yMax) * innerH;
  const fromPx = (y: number) => (1 - (y - marginTop) / innerH) * yMax;
  const xPx = (i: number) => marginLeft + ((i - domain[0]) / (domain[1] - domain[0])) * innerW;
  const fromXPx = (x: number) => domain[0] + ((x - marginLeft) / innerW) * (domain[1] - domain[0]);

  // End labels: each series' last point, spread apart vertically, just right of the plot area.
  const spread = spreadLabels(labelled.map((s) => yPx(s.last!.taux)), 16, marginTop, marginTop + innerH);
  const labelX = fromXPx(xPx(x1 + pad) + 10);
  const ends = labelled.map((s, k) => ({ serie: s.label, text: labels[k]!, x: s.last!.index, y: s.last!.taux, ly: fromPx(spread[k]!) }));

  const count = x1 - x0 + 1;
  const step = Math.max(1, Math.ceil(count / Math.max(1, Math.floor(innerW / 70))));
  const ticks: number[] = [];
  for (let i = x1; i >= x0; i -= step) ticks.unshift(i);

  const seriesNames = view.series.map((s) => s.label);
  const colors = view.series.map((s, k) => (s.strate === 'toutes' ? INK : SERIES_COLORS[k % SERIES_COLORS.length]!));
  const symbols = view.series.map((_, k) => SERIES_SYMBOLS[k % SERIES_SYMBOLS.length]!);
  const strong = new Set(view.series.filter((s) => s.strate === 'toutes' || s.strate === 'obligees').map((s) => s.label));
  const current = view.points.filter((p) => !p.historique);
  const historique = view.points.filter((p) => p.historique);

  const svg = renderPlot(
    {
      width,
      height,
      marginLeft,
      marginRight,
      marginTop,
      marginBottom,
      style: { fontSize: '12px', background: 'transparent', overflow: 'visible' },
      x: { domain, ticks, tickFormat: (i: number) => periodeCourte(periodeFromIndex(i)), label: null },
      y: { domain: [0, yMax], tickFormat: (d: number) => formatPercent(d).replace(',0', ''), label: null, grid: true },
      color: { domain: seriesNames, range: colors },
      symbol: { domain: seriesNames, range: symbols },
      marks: [
        Plot.ruleY([0], { stroke: INK }),
        ...view.breaks.flatMap((b) => [
          Plot.ruleX([b.index - 0.5], { stroke: INK, strokeDasharray: '2 3', strokeWidth: 1.5 }),
          Plot.text([b.index - 0.5], { x: (d: number) => d, frameAnchor: 'top', dy: -18, text: () => 'Changement de méthode', fill: INK, textAnchor: 'middle' }),
        ]),
        Plot.line(historique, { x: 'index', y: 'taux', z: 'segment', stroke: 'serie', strokeWidth: 2, strokeDasharray: '5 4' }),
        Plot.line(current, { x: 'index', y: 'taux', z: 'segment', stroke: 'serie', strokeWidth: (d: { serie: string }) => (strong.has(d.serie) ? 2.5 : 1.5) }),
        Plot.dot(view.points, { x: 'index', y: 'taux', symbol: 'serie', stroke: 'serie', fill: 'white', strokeWidth: 1.5, r: 3.5 }),
        Plot.link(ends, { x1: 'x', y1: 'y', x2: () => labelX, y2: 'ly', stroke: 'serie', strokeOpacity: 0.6, strokeWidth: 1 }),
        Plot.dot(ends, { x: () => labelX, y: 'ly', symbol: 'serie', stroke: 'serie', fill: 'white', strokeWidth: 1.5, r: 3.5, dx: 6 }),
        Plot.text(ends, { x: () => labelX, y: 'ly', text: 'text', fill: INK, textAnchor: 'start', dx: 14 }),
      ],
    },
    ariaLabel,
  );
  // Plot names its mark groups with aria-label ("line", "dot"…), which ARIA forbids on a <g> without a role;
  // the SVG is one image (role="img") with its own label, so the groups need no name.
  return svg.replace(/<g([^>]*?) aria-label="[^"]*"/g, '<g$1');
}
