// A map of the départements from their boundaries (d3-geo): metropolitan France in a conic conformal
// projection, the five overseas départements as insets. Geometry is projected and simplified once per build.
import { geoConicConformal, geoMercator, type GeoProjection } from 'd3';
import type { GeoFeatureCollection } from '../lib/data.ts';
import { type TileValue } from './carte-tuiles.ts';
import { escapeXml } from './xml.ts';

type Ring = [number, number][];
type Polygon = Ring[];
interface Shape {
  code: string;
  nom: string;
  polygons: Polygon[];
}

function polygonsOf(geometry: unknown): Polygon[] {
  const g = geometry as { type: string; coordinates: unknown };
  if (g?.type === 'Polygon') return [g.coordinates as Polygon];
  if (g?.type === 'MultiPolygon') return g.coordinates as Polygon[];
  return [];
}

/** Twice the signed area of a ring in the plane (x east, y north): positive when counter-clockwise. */
export function signedArea(ring: readonly [number, number][]): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += (ring[j]![0] - ring[i]![0]) * (ring[j]![1] + ring[i]![1]);
  return a;
}

/**
 * d3-geo reads polygons on the sphere with clockwise exterior rings; GeoJSON (RFC 7946) writes them
 * counter-clockwise, which d3 would take for "the whole globe but this département". Sets each ring's
 * orientation from its role (exterior clockwise, holes counter-clockwise), whatever the file did.
 */
export function rewindForD3(polygon: Polygon): Polygon {
  return polygon.map((ring, k) => {
    const ccw = signedArea(ring) > 0;
    const wantCcw = k > 0;
    return ccw === wantCcw ? ring : [...ring].reverse();
  });
}

/** Douglas–Peucker on projected points (pixels): drops points closer than `epsilon` to the simplified line. */
export function simplify(points: readonly [number, number][], epsilon: number): [number, number][] {
  if (points.length <= 3) return [...points];
  const keep = new Uint8Array(points.length);
  keep[0] = keep[points.length - 1] = 1;
  const stack: [number, number][] = [[0, points.length - 1]];
  while (stack.length > 0) {
    const [a, b] = stack.pop()!;
    const [ax, ay] = points[a]!;
    const [bx, by] = points[b]!;
    const dx = bx - ax;
    const dy = by - ay;
    const len = Math.hypot(dx, dy);
    let worst = -1;
    let index = -1;
    for (let i = a + 1; i < b; i++) {
      const [px, py] = points[i]!;
      const d = len === 0 ? Math.hypot(px - ax, py - ay) : Math.abs(dy * px - dx * py + bx * ay - by * ax) / len;
      if (d > worst) [worst, index] = [d, i];
    }
    if (worst > epsilon) {
      keep[index] = 1;
      stack.push([a, index], [index, b]);
    }
  }
  return points.filter((_, i) => keep[i]);
}

/** A number given in tenths, written for a path: 12 → "1.2", -4 → "-.4". */
function num(tenths: number): string {
  return (tenths / 10).toString().replace(/^(-?)0\./, '$1.');
}
/** The same, with the separator the previous number needs (none before a minus sign). */
function sep(tenths: number): string {
  const n = num(tenths);
  return n.startsWith('-') ? n : `,${n}`;
}

function pathOf(polygons: Polygon[], projection: GeoProjection, epsilon: number): string {
  const parts: string[] = [];
  for (const polygon of polygons) {
    for (const ring of polygon) {
      const projected = ring.map((p) => projection(p)).filter((p): p is [number, number] => p !== null);
      // A closed ring: simplify it as two halves so that both ends stay.
      const half = Math.floor(projected.length / 2);
      const pts = [...simplify(projected.slice(0, half + 1), epsilon), ...simplify(projected.slice(half), epsilon).slice(1)];
      // Tenths of a pixel, as integers, then relative moves: the shortest text for the same drawing.
      const rounded = pts.map(([x, y]) => [Math.round(x * 10), Math.round(y * 10)] as const);
      const dedup = rounded.filter((p, i) => i === 0 || p[0] !== rounded[i - 1]![0] || p[1] !== rounded[i - 1]![1]);
      if (dedup.length < 4) continue;
      const [first, ...rest] = dedup;
      let d = `M${num(first![0])}${sep(first![1])}l`;
      let prev = first!;
      for (const p of rest) {
        d += `${d.endsWith('l') ? num(p[0] - prev[0]) : sep(p[0] - prev[0])}${sep(p[1] - prev[1])}`;
        prev = p;
      }
      parts.push(`${d}z`);
    }
  }
  return parts.join('');
}

export interface ChoroplethGeometry {
  width: number;
  height: number;
  shapes: { code: string; nom: string; d: string }[];
  insets: { code: string; nom: string; x: number; y: number; w: number; h: number }[];
}

const WIDTH = 640;
const HEIGHT = 560;
const INSET_W = 104;
const INSET_H = 86;
const cache = new WeakMap<GeoFeatureCollection, ChoroplethGeometry>();

/** Projects the boundaries once: metropolitan France on the right, the overseas départements in a column of insets on the left. */
export function choroplethGeometry(collection: GeoFeatureCollection): ChoroplethGeometry {
  const cached = cache.get(collection);
  if (cached) return cached;
  const shapes: Shape[] = collection.features.map((f) => ({ code: f.properties.code, nom: f.properties.nom, polygons: polygonsOf(f.geometry).map(rewindForD3) }));
  const asFeatures = (list: Shape[]) => ({
    type: 'FeatureCollection' as const,
    features: list.map((s) => ({ type: 'Feature' as const, properties: {}, geometry: { type: 'MultiPolygon' as const, coordinates: s.polygons } })),
  });
  const metro = shapes.filter((s) => s.code.length === 2).sort((a, b) => a.code.localeCompare(b.code));
  const overseas = shapes.filter((s) => s.code.length !== 2).sort((a, b) => a.code.localeCompare(b.code));
  const out: ChoroplethGeometry = { width: WIDTH, height: HEIGHT, shapes: [], insets: [] };
  const left = overseas.length > 0 ? INSET_W + 24 : 0;
  if (metro.length > 0) {
    const projection = geoConicConformal().parallels([44, 49]).rotate([-3, 0]).fitExtent([[left + 8, 8], [WIDTH - 8, HEIGHT - 8]], asFeatures(metro));
    for (const s of metro) out.shapes.push({ code: s.code, nom: s.nom, d: pathOf(s.polygons, projection, 0.6) });
  }
  overseas.forEach((s, k) => {
    const x = 4;
    const y = 4 + k * (INSET_H + 24);
    const projection = geoMercator().fitExtent([[x + 6, y + 6], [x + INSET_W - 6, y + INSET_H - 6]], asFeatures([s]));
    out.shapes.push({ code: s.code, nom: s.nom, d: pathOf(s.polygons, projection, 0.6) });
    out.insets.push({ code: s.code, nom: s.nom, x, y, w: INSET_W, h: INSET_H });
  });
  cache.set(collection, out);
  return out;
}

/**
 * The boundaries, once per page, in a hidden SVG: each map then draws them with `<use>`, in its own colours
 * (about 60 KB of geometry shared by the maps of a page instead of repeated in each).
 */
export function choroplethDefsSvg(geometry: ChoroplethGeometry, prefix: string): string {
  const paths = geometry.shapes.map((s) => `<path id="${prefix}-${escapeXml(s.code)}" d="${s.d}"></path>`).join('');
  return `<svg class="carte-defs" width="0" height="0" aria-hidden="true" focusable="false" style="position:absolute;width:0;height:0;overflow:hidden" xmlns="http://www.w3.org/2000/svg"><defs>${paths}</defs></svg>`;
}

/** A map drawn from the shared boundaries of `choroplethDefsSvg(geometry, prefix)`. */
export function choroplethSvg(geometry: ChoroplethGeometry, prefix: string, values: ReadonlyMap<string, TileValue>, id: string, ariaLabel: string): string {
  const hatch = `${id}-hachures`;
  const defs = `<defs><pattern id="${hatch}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"></rect><line x1="0" y1="0" x2="0" y2="6" stroke="#b0b0b0" stroke-width="2"></line></pattern></defs>`;
  const frames = geometry.insets
    .map((f) => `<rect x="${f.x}" y="${f.y}" width="${f.w}" height="${f.h}" fill="none" stroke="#8a8a8a" stroke-width="1"></rect><text x="${f.x + f.w / 2}" y="${f.y + f.h + 15}" text-anchor="middle" font-size="12" style="fill:#1a1a1a">${escapeXml(f.nom)}</text>`)
    .join('');
  const shapes = geometry.shapes
    .map((s) => {
      const v = values.get(s.code);
      const state = v?.state ?? 'absent';
      const fill = state === 'ok' ? v!.fill ?? '#ffffff' : state === 'effectif_insuffisant' ? `url(#${hatch})` : '#ffffff';
      const title = v?.title ?? `${s.nom} (${s.code}) : pas de donnée`;
      return `<use href="#${prefix}-${escapeXml(s.code)}" data-code="${escapeXml(s.code)}" fill="${fill}"><title>${escapeXml(title)}</title></use>`;
    })
    .join('');
  return `<svg class="carte-choroplethe" role="img" aria-label="${escapeXml(ariaLabel)}" viewBox="0 0 ${geometry.width} ${geometry.height}" width="${geometry.width}" height="${geometry.height}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif">${defs}${frames}<g stroke="#4a4a4a" stroke-width="0.6" stroke-linejoin="round">${shapes}</g></svg>`;
}
