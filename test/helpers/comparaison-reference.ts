// The reference of test/comparaison.test.ts: the territory comparison chart as one full Plot chart, as the site drew
// it before site/charts/territoire-comparaison.ts drew each frame once and placed the marks with its scales.
import * as Plot from '@observablehq/plot';
import { formatPercent } from '../../site/lib/format.ts';
import { pourcent } from '../../site/lib/territoires-texte.ts';
import { renderPlot } from '../../site/charts/render.ts';
import type { LigneTaux, MarqueCollectivite } from '../../site/charts/territoire-comparaison.ts';
import { COLORS, labelMargin } from '../../site/charts/taux-par-strate.ts';

const LABELS_TYPES = ['Cette commune', 'Sa strate en France', 'Sa strate dans le département', 'Toutes les communes, France'];
const MARGIN = labelMargin(LABELS_TYPES);

export function comparaisonReference(titre: string, own: MarqueCollectivite, lignes: LigneTaux[]): string {
  const bars = lignes.map((l) => ({ ...l, text: `${l.withheld ? 'effectif insuffisant' : l.taux === null ? 'pas de donnée' : pourcent(l.taux)}${l.rupture ? ' (rupture de série)' : ''}` }));
  const shown = bars.filter((b) => !b.withheld && b.taux !== null);
  const dot = [{ label: own.label, x: own.atteinte ? 1 : 0, text: own.texte }];
  const aria = `${titre} : ${own.label.toLowerCase()}, ${own.texte} ; ${bars.map((b) => `${b.label.toLowerCase()}, ${b.text}`).join(' ; ')}.`;
  const svg = renderPlot(
    {
      width: 700,
      height: 36 + 28 * (lignes.length + 1),
      marginLeft: MARGIN,
      marginRight: 190,
      marginTop: 10,
      style: { fontSize: '13px', background: 'transparent' },
      x: { domain: [0, 1], tickFormat: (d: number) => formatPercent(d).replace(',0', ''), label: null, grid: true, ticks: 5 },
      y: { domain: [own.label, ...lignes.map((l) => l.label)], label: null },
      marks: [
        Plot.barX(shown, { y: 'label', x: 'taux', fill: COLORS.main }),
        Plot.ruleY(shown.filter((b) => b.ic_bas !== null && b.ic_haut !== null), { y: 'label', x1: 'ic_bas', x2: 'ic_haut', stroke: COLORS.ink, strokeWidth: 1.5 }),
        Plot.text(bars, { y: 'label', x: (d: (typeof bars)[number]) => (d.withheld || d.taux === null ? 0 : Math.max(d.ic_haut ?? 0, d.taux)), text: 'text', textAnchor: 'start', dx: 6, fill: COLORS.ink }),
        // Filled dot: yes; open ring: no. The text beside it says which, so colour carries nothing alone.
        Plot.dot(dot, { y: 'label', x: 'x', r: 6, fill: own.atteinte ? COLORS.ink : 'white', stroke: COLORS.ink, strokeWidth: 2 }),
        Plot.text(dot, { y: 'label', x: 'x', text: 'text', textAnchor: 'start', dx: 12, fill: COLORS.ink, fontWeight: 'bold' }),
        Plot.ruleX([0], { stroke: COLORS.ink }),
      ],
    },
    aria,
  )
    // Plot names each mark's group ("bar", "rule"): aria-label on a <g> without a role is prohibited (axe),
    // and the svg's own label already says everything.
    .replace(/<g([^>]*?) aria-label="[^"]*"/g, '<g$1');
  return svg;
}
