// Charts that journalists can embed, download and cite: one description per chart, from which the page's
// "Partager / intégrer" control, the /embed/ page, the SVG, PNG, CSV and oEmbed files are all made.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { csvCell, toCsv } from '../../pipelines/base/csv.ts';
import type { SourceProvenance } from './data.ts';
import { escapeXml } from '../charts/xml.ts';
import { formatDate } from './format.ts';
import { POLICES_VERSION, policesPour } from './polices.ts';
import { dessinateursPng } from './png-workers.ts';

const require = createRequire(import.meta.url);

export const SITE_NAME = 'Baromètre DCANT';

export interface SharedChart {
  /** Stable id, one URL segment: `/embed/<id>/`. */
  id: string;
  title: string;
  /** One sentence saying what the chart shows. */
  summary: string;
  /** The chart as SVG (XML serialisation). */
  svg: string;
  width: number;
  height: number;
  /** The page that shows the chart, with its state in the query string and the figure's anchor. */
  permalink: string;
  /** The data shown, as displayed (table alternative). */
  columns: { key: string; label: string; numeric?: boolean }[];
  rows: Record<string, string>[];
  /** The data shown, raw (CSV download). */
  csvColumns: string[];
  csvRows: Record<string, unknown>[];
  /** The full export the data come from. */
  fullExport: string;
  sources: SourceProvenance[];
  dateDonnees: string | null;
  methodeVersion: string;
  echantillon: boolean;
}

export const embedPath = (c: Pick<SharedChart, 'id'>) => `/embed/${c.id}/`;
export const filePath = (c: Pick<SharedChart, 'id'>, file: 'graphique.svg' | 'graphique.png' | 'donnees.csv' | 'oembed.json') => `/embed/${c.id}/${file}`;

/** "Source : OpenDataFrance (ODbL 1.0), données du 9 avril 2021, récupérées le 22 novembre 2026. Méthode 1.0.0. Baromètre DCANT." */
export function creditLine(c: Pick<SharedChart, 'sources' | 'dateDonnees' | 'methodeVersion'>): string {
  const sources = c.sources
    .map((s) => `${s.producteur} (${s.titre}, ${/^licence/i.test(s.licence) ? s.licence : `licence ${s.licence}`}${s.chargement ? `, récupérée le ${formatDate(s.chargement.started_at)}` : ''})`)
    .join(' ; ');
  return `Source : ${sources}. Données du ${formatDate(c.dateDonnees)}. Méthode version ${c.methodeVersion}. ${SITE_NAME}.`;
}

/** The iframe snippet a newsroom pastes: the iframe (with a title) and the few lines that resize it. */
export function iframeSnippet(c: SharedChart, origin: string): string {
  const src = new URL(embedPath(c), origin).href;
  const title = c.title.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
  return [
    `<iframe src="${src}" title="${title}" style="width:100%;min-width:280px;border:0" height="${c.height + 220}" loading="lazy"></iframe>`,
    `<script>window.addEventListener("message",function(e){var d=e.data||{},h=d["datawrapper-height"];` +
      `if(h){for(var k in h){document.querySelectorAll('iframe[src*="/embed/'+k+'/"]').forEach(function(f){f.style.height=h[k]+"px"})}}` +
      `if(d.sentinel==="amp"&&d.type==="embed-size"){document.querySelectorAll("iframe").forEach(function(f){if(f.contentWindow===e.source)f.style.height=d.height+"px"})}});</script>`,
  ].join('\n');
}

export function oembed(c: SharedChart, origin: string): object {
  return {
    version: '1.0',
    type: 'rich',
    title: c.title,
    provider_name: SITE_NAME,
    provider_url: origin,
    author_name: c.sources.map((s) => s.producteur).join(', '),
    html: iframeSnippet(c, origin),
    width: c.width,
    height: c.height + 220,
    thumbnail_url: new URL(filePath(c, 'graphique.png'), origin).href,
    thumbnail_width: c.width * 2,
    thumbnail_height: c.height * 2,
  };
}

/** The data shown, as CSV, each cell by the exports' rule (`csvCell`: formula-like text neutralised, numbers as they are). */
export function chartCsv(c: SharedChart): string {
  return toCsv(c.csvColumns, c.csvRows.map((r) => Object.fromEntries(c.csvColumns.map((k) => [k, csvCell(r[k])]))));
}


/** Greedy line wrapping for SVG text (about 7.2 px per character at 13 px). */
function wrap(text: string, width: number, px = 7.2): string[] {
  const max = Math.max(20, Math.floor(width / px));
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && (line + ' ' + word).length > max) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * A standalone SVG: title, summary, the chart and its credit line, text kept as text. The same file is
 * the SVG download and the source of the PNG.
 */
export function composeSvg(c: SharedChart, origin: string): string {
  const pad = 16;
  const width = c.width + 2 * pad;
  const title = wrap(c.title, c.width, 10);
  const summary = wrap(c.summary, c.width);
  const credit = wrap(`${creditLine(c)} ${new URL(c.permalink, origin).href}`, c.width, 6.2);
  const banner = c.echantillon ? ["DONNÉES D'EXEMPLE : ce graphique n'utilise pas les données réelles des sources."] : [];
  let y = pad;
  const parts: string[] = [];
  for (const line of banner) {
    parts.push(`<rect x="0" y="0" width="${width}" height="28" fill="#fff4ce"/><text x="${pad}" y="19" font-size="13" font-weight="bold" fill="#4d3800">${escapeXml(line)}</text>`);
    y += 28;
  }
  for (const line of title) {
    y += 22;
    parts.push(`<text x="${pad}" y="${y}" font-size="18" font-weight="bold" fill="#1a1a1a">${escapeXml(line)}</text>`);
  }
  y += 6;
  for (const line of summary) {
    y += 18;
    parts.push(`<text x="${pad}" y="${y}" font-size="13" fill="#1a1a1a">${escapeXml(line)}</text>`);
  }
  y += 12;
  parts.push(`<g transform="translate(${pad},${y})">${c.svg}</g>`);
  y += c.height + 8;
  for (const line of credit) {
    y += 15;
    parts.push(`<text x="${pad}" y="${y}" font-size="11" fill="#4a4a4a">${escapeXml(line)}</text>`);
  }
  const height = y + pad;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, system-ui, sans-serif" role="img" aria-label="${escapeXml(c.title)}">` +
    `<title>${escapeXml(c.title)}</title><desc>${escapeXml(`${c.summary} ${creditLine(c)}`)}</desc>` +
    `<rect width="100%" height="100%" fill="#ffffff"/>${parts.join('')}</svg>\n`
  );
}

function resvgOptions(scale: number, fontFiles: string[]) {
  return {
    fitTo: { mode: 'zoom' as const, value: scale },
    font: { fontFiles, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    background: '#ffffff',
  };
}

const RESVG_VERSION = (require('@resvg/resvg-js/package.json') as { version: string }).version;

/**
 * The PNG of an SVG at `scale` × its size (2 ≈ 1 500 px wide: good enough for print at column width), drawn and
 * encoded off the main thread (on worker threads, site/lib/png-workers.ts, so that pages built in parallel use every
 * core) and kept in a cache keyed on everything that makes the image: the SVG's text, the scale, the renderer's
 * version and the fonts (site/lib/polices.ts). A chart whose data did not change is not rendered again by the next build. The cache folder
 * is `BAROMETRE_PNG_CACHE` (set by `barometre build`); without it, nothing is cached.
 */
export async function pngOf(svg: string, scale = 2, cacheDir = process.env.BAROMETRE_PNG_CACHE): Promise<Buffer> {
  const key = createHash('sha256').update(`${RESVG_VERSION}\0${scale}\0${POLICES_VERSION}\0${svg}`).digest('hex');
  const path = cacheDir ? join(cacheDir, `${key}.png`) : null;
  if (path && existsSync(path)) {
    const now = new Date();
    utimesSync(path, now, now); // marks it as used by this build (see pruneCache)
    return readFileSync(path);
  }
  const png = await dessinateursPng().dessine({ svg, options: resvgOptions(scale, await policesPour(svg)) });
  if (path) {
    mkdirSync(cacheDir!, { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, png);
    renameSync(tmp, path);
  }
  return png;
}

/** Stacks several charts (each with a small heading) into one SVG: one file for a multi-part figure. */
export function stackSvgs(parts: { heading: string; svg: string }[], width: number): { svg: string; height: number } {
  let y = 0;
  const out: string[] = [];
  for (const p of parts) {
    y += 20;
    out.push(`<text x="0" y="${y - 4}" font-size="14" font-weight="bold" fill="#1a1a1a">${escapeXml(p.heading)}</text>`);
    const h = Number(/height="([\d.]+)"/.exec(p.svg)?.[1] ?? 0);
    out.push(`<g transform="translate(0,${y})">${p.svg}</g>`);
    y += h + 8;
  }
  return { svg: `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}">${out.join('')}</svg>`, height: y };
}
