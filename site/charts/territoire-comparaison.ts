// A collectivité against its peers for one indicator: the rates of its strate (France, its département)
// and of all collectivités of its type as bars, its own answer as a dot at 0 % (no) or 100 % (yes).
import * as Plot from '@observablehq/plot';
import { formatPercent } from '../lib/format.ts';
import { pourcent } from '../lib/territoires-texte.ts';
import { plotNode, serializeSvg } from './render.ts';
import { escapeText, escapeXml, SVG_NS } from './xml.ts';
import { COLORS, labelMargin } from './taux-par-strate.ts';

export interface LigneTaux {
  label: string;
  taux: number | null;
  ic_bas: number | null;
  ic_haut: number | null;
  /** Withheld (effectif insuffisant): no bar, the words instead. */
  withheld: boolean;
  /** First semester of a new method: said beside the value. */
  rupture?: boolean;
}

export interface MarqueCollectivite {
  label: string;
  atteinte: boolean;
  /** What the dot says: "oui", "non", "2 démarches". */
  texte: string;
}

// A territory page has one such chart per indicator, and the build makes thousands of pages: Plot draws each set
// of labels' frame once (axes, grid, labels, the 0 rule: all that does not depend on the values), and each chart's
// marks (bars, intervals, values, the collectivité's dot) are placed with that frame's own scales. Same options, same
// drawing as a full Plot chart of these marks, at a small part of its cost.
const cache = new Map<string, string>();

const LABELS_TYPES = ['Cette commune', 'Sa strate en France', 'Sa strate dans le département', 'Toutes les communes, France'];
const MARGIN = labelMargin(LABELS_TYPES);
const WIDTH = 700;

interface Cadre {
  /** The SVG before the marks, with `ARIA` where the accessible name goes; then after them (the 0 rule, on top). */
  avant: string;
  apres: string;
  x: (v: number) => number;
  /** Middle of a label's band. */
  y: (label: string) => number;
  bande: number;
}

const ARIA = '\u0000aria\u0000';
const cadres = new Map<string, Cadre>();

function cadre(labels: string[]): Cadre {
  const key = JSON.stringify(labels);
  const hit = cadres.get(key);
  if (hit) return hit;
  const node = plotNode(
    {
      width: WIDTH,
      height: 36 + 28 * labels.length,
      marginLeft: MARGIN,
      marginRight: 190,
      marginTop: 10,
      style: { fontSize: '13px', background: 'transparent' },
      x: { domain: [0, 1], tickFormat: (d: number) => formatPercent(d).replace(',0', ''), label: null, grid: true, ticks: 5 },
      y: { domain: labels, label: null },
      marks: [Plot.barX([], { y: 'label', x: 'taux' }), Plot.ruleX([0], { stroke: COLORS.ink })],
    },
    ARIA,
  );
  // The empty bar mark only gives the y scale its axis; its empty group goes, a marker takes the marks' place.
  for (const g of Array.from(node.children)) if (g.localName === 'g' && g.childNodes.length === 0) g.remove();
  const marker = node.ownerDocument.createElementNS(SVG_NS, 'g');
  marker.setAttribute('data-marques', '');
  node.insertBefore(marker, node.lastElementChild);
  const [avant, apres] = serializeSvg(node).split('<g data-marques=""/>') as [string, string];
  const xs = node.scale('x') as Plot.Scale & { apply: (v: number) => number };
  const ys = node.scale('y') as Plot.Scale & { apply: (v: string) => number; bandwidth: number };
  const made: Cadre = { avant, apres, x: (v) => xs.apply(v), y: (l) => ys.apply(l) + ys.bandwidth / 2, bande: ys.bandwidth };
  cadres.set(key, made);
  return made;
}

export function comparaisonSvg(titre: string, own: MarqueCollectivite, lignes: LigneTaux[]): string {
  const key = JSON.stringify([titre, own, lignes]);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const bars = lignes.map((l) => ({ ...l, text: `${l.withheld ? 'effectif insuffisant' : l.taux === null ? 'pas de donnée' : pourcent(l.taux)}${l.rupture ? ' (rupture de série)' : ''}` }));
  const shown = bars.filter((b) => !b.withheld && b.taux !== null);
  const aria = `${titre} : ${own.label.toLowerCase()}, ${own.texte} ; ${bars.map((b) => `${b.label.toLowerCase()}, ${b.text}`).join(' ; ')}.`;
  const c = cadre([own.label, ...lignes.map((l) => l.label)]);
  const x0 = c.x(0);
  const marks: string[] = [];
  const group = (attributes: string, items: string[]) => items.length > 0 && marks.push(`<g ${attributes}>${items.join('')}</g>`);
  group(
    `fill="${COLORS.main}"`,
    shown.map((b) => `<rect x="${Math.min(x0, c.x(b.taux!))}" y="${c.y(b.label) - c.bande / 2}" width="${Math.abs(c.x(b.taux!) - x0)}" height="${c.bande}"/>`),
  );
  group(
    `stroke="${COLORS.ink}" stroke-width="1.5"`,
    shown.filter((b) => b.ic_bas !== null && b.ic_haut !== null).map((b) => `<line x1="${c.x(b.ic_bas!)}" x2="${c.x(b.ic_haut!)}" y1="${c.y(b.label)}" y2="${c.y(b.label)}"/>`),
  );
  const text = (x: number, label: string, t: string) => `<text x="${x}" y="${c.y(label)}" dy="0.32em">${escapeText(t)}</text>`;
  group(
    `text-anchor="start" fill="${COLORS.ink}"`,
    bars.map((b) => text(c.x(b.withheld || b.taux === null ? 0 : Math.max(b.ic_haut ?? 0, b.taux)) + 6, b.label, b.text)),
  );
  // Filled dot: yes; open ring: no. The text beside it says which, so colour carries nothing alone.
  const dx = c.x(own.atteinte ? 1 : 0);
  group(`fill="${own.atteinte ? COLORS.ink : 'white'}" stroke="${COLORS.ink}" stroke-width="2"`, [`<circle cx="${dx}" cy="${c.y(own.label)}" r="6"/>`]);
  group(`text-anchor="start" fill="${COLORS.ink}" font-weight="bold"`, [text(dx + 12, own.label, own.texte)]);
  const svg = `${c.avant.replace(ARIA, escapeXml(aria))}${marks.join('')}${c.apres}`;
  cache.set(key, svg);
  return svg;
}
