// Horizontal bars: per indicator of the observatory, the share of procedures reaching its goal, all vs. shared ones.
import * as Plot from '@observablehq/plot';
import { formatPercent } from '../lib/format.ts';
import { renderPlot } from './render.ts';

export interface ObjectifBar {
  indicateur: string;
  /** "Toutes les démarches" or "Partagées avec les collectivités": the row label says which bar is which. */
  perimetre: string;
  taux: number | null;
  /** Shown instead of a value when nothing was evaluated. */
  texte: string;
}

/** Dark blue for all procedures, orange-brown for the shared ones (both ≥ 4.5:1 on white); labels carry the meaning. */
export const COULEURS_PERIMETRE = { toutes: '#1d4f7c', partagees: '#8a4b08', encre: '#1a1a1a' };

export function demarchesObjectifsSvg(bars: ObjectifBar[], perimetres: string[], ariaLabel: string, { width = 880 } = {}): string {
  const indicateurs = [...new Set(bars.map((b) => b.indicateur))];
  const shown = bars.filter((b) => b.taux !== null);
  const marginLeft = Math.min(300, 16 + 7 * Math.max(0, ...perimetres.map((p) => p.length)));
  // Each indicator is a facet whose title is written above its bars; the bars' own labels name the perimeter.
  return renderPlot(
    {
      width,
      height: 30 + indicateurs.length * (30 + 24 * perimetres.length),
      marginLeft,
      marginRight: 190,
      marginTop: 30,
      marginBottom: 30,
      style: { fontSize: '13px', background: 'transparent' },
      x: { domain: [0, 1], tickFormat: (d: number) => formatPercent(d).replace(',0', ''), label: null, grid: true, axis: 'bottom' },
      y: { domain: perimetres, label: null, padding: 0.15 },
      fy: { domain: indicateurs, label: null, axis: null, padding: 0.35 },
      marks: [
        Plot.barX(shown, {
          fy: 'indicateur',
          y: 'perimetre',
          x: 'taux',
          fill: (d: ObjectifBar) => (d.perimetre === perimetres[0] ? COULEURS_PERIMETRE.toutes : COULEURS_PERIMETRE.partagees),
        }),
        Plot.text(bars, { fy: 'indicateur', y: 'perimetre', x: (d: ObjectifBar) => d.taux ?? 0, text: 'texte', textAnchor: 'start', dx: 6, fill: COULEURS_PERIMETRE.encre }),
        Plot.text(indicateurs, { fy: (d: string) => d, text: (d: string) => d, frameAnchor: 'top-left', dx: -marginLeft + 4, dy: -16, fontWeight: 'bold', fill: COULEURS_PERIMETRE.encre }),
        Plot.ruleX([0], { stroke: COULEURS_PERIMETRE.encre }),
      ],
    },
    ariaLabel,
  );
}
