// A tile grid of the 101 départements (one square each, overseas on their own row), coloured by level and
// labelled with the département's code and value, so that the colour is never the only carrier.
import type { Tuile } from '../lib/data.ts';
import { INK } from '../lib/couleurs.ts';
import { escapeXml } from './xml.ts';

export interface TileValue {
  /** Short text in the tile: "12,5 %", "e. i." (withheld) or "—". */
  short: string;
  /** Full text for the tooltip: "Ille-et-Vilaine (35) : 12,5 %". */
  title: string;
  fill: string | null;
  text: string | null;
  state: 'ok' | 'effectif_insuffisant' | 'absent';
}

const SIZE = 50;
const GAP = 4;

export function tileGridSvg(tiles: readonly Tuile[], values: ReadonlyMap<string, TileValue>, id: string, ariaLabel: string): string {
  const minCol = Math.min(...tiles.map((t) => t.colonne));
  const maxCol = Math.max(...tiles.map((t) => t.colonne));
  const minRow = Math.min(...tiles.map((t) => t.ligne));
  const maxRow = Math.max(...tiles.map((t) => t.ligne));
  const width = (maxCol - minCol + 1) * (SIZE + GAP) + GAP;
  const height = (maxRow - minRow + 1) * (SIZE + GAP) + GAP;
  const hatch = `${id}-hachures`;
  const body = [...tiles]
    .sort((a, b) => a.ligne - b.ligne || a.colonne - b.colonne)
    .map((t) => {
      const v = values.get(t.code) ?? { short: '—', title: `${t.nom} (${t.code}) : pas de donnée`, fill: null, text: null, state: 'absent' as const };
      const x = GAP + (t.colonne - minCol) * (SIZE + GAP);
      const y = GAP + (t.ligne - minRow) * (SIZE + GAP);
      const fill = v.state === 'ok' ? v.fill ?? '#ffffff' : v.state === 'effectif_insuffisant' ? `url(#${hatch})` : '#ffffff';
      const ink = v.state === 'ok' ? v.text ?? INK : INK;
      const dash = v.state === 'absent' ? ' stroke-dasharray="3 2"' : '';
      return (
        `<g data-code="${escapeXml(t.code)}"><title>${escapeXml(v.title)}</title>` +
        `<rect x="${x}" y="${y}" width="${SIZE}" height="${SIZE}" rx="3" fill="${fill}" stroke="#5f5f5f" stroke-width="1"${dash}></rect>` +
        `<text x="${x + SIZE / 2}" y="${y + 19}" text-anchor="middle" font-size="13" font-weight="700" style="fill:${ink}">${escapeXml(t.code)}</text>` +
        `<text x="${x + SIZE / 2}" y="${y + 38}" text-anchor="middle" font-size="11" style="fill:${ink}">${escapeXml(v.short)}</text></g>`
      );
    })
    .join('');
  // Text colours are inline styles: the site's stylesheet sets the fill of chart text, which would beat an attribute.
  // Withheld tiles are hatched (light enough to keep the dark text readable) and say "e. i.".
  const defs = `<defs><pattern id="${hatch}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"></rect><line x1="0" y1="0" x2="0" y2="6" stroke="#c4c4c4" stroke-width="2"></line></pattern></defs>`;
  return `<svg class="carte-tuiles" role="img" aria-label="${escapeXml(ariaLabel)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif">${defs}${body}</svg>`;
}
