// The geometry of a contour (contours.ts): the check of a Polygon or MultiPolygon, and its compaction (rounded
// coordinates, collapsed rings dropped, rings wound as RFC 7946 says).

/** 4 decimals of a degree: about 11 m in latitude, finer than the 100 m generalisation of the source. */
export const DECIMALES = 4;

// --- Geometry ------------------------------------------------------------------------------------

type Position = [number, number];
type Ring = Position[];
type PolygonCoords = Ring[];

export type GeometryCheck = { polygons: PolygonCoords[]; type: 'Polygon' | 'MultiPolygon' } | { error: string };

function checkRing(ring: unknown, where: string): { ring: Ring } | { error: string } {
  if (!Array.isArray(ring)) return { error: `${where} : anneau qui n'est pas une liste de points` };
  if (ring.length < 4) return { error: `${where} : anneau de ${ring.length} point(s) (4 au moins, le premier répété à la fin)` };
  const out: Ring = [];
  for (let i = 0; i < ring.length; i++) {
    const p = ring[i] as unknown;
    if (!Array.isArray(p) || p.length < 2) return { error: `${where}, point ${i + 1} : position invalide (${JSON.stringify(p)})` };
    const [x, y] = p as unknown[];
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) {
      return { error: `${where}, point ${i + 1} : coordonnée non numérique ou non finie (${JSON.stringify(p)})` };
    }
    if (x < -180 || x > 180 || y < -90 || y > 90) {
      return { error: `${where}, point ${i + 1} : (${x}, ${y}) hors des limites WGS84 (longitude −180 à 180, latitude −90 à 90) ; coordonnées projetées (Lambert 93 ?)` };
    }
    out.push([x, y]);
  }
  const first = out[0]!;
  const last = out.at(-1)!;
  if (first[0] !== last[0] || first[1] !== last[1]) return { error: `${where} : anneau non fermé (le dernier point doit répéter le premier)` };
  return { ring: out };
}

function checkPolygon(poly: unknown, where: string): { polygon: PolygonCoords } | { error: string } {
  if (!Array.isArray(poly) || poly.length === 0) return { error: `${where} : polygone vide` };
  const rings: Ring[] = [];
  for (let i = 0; i < poly.length; i++) {
    const r = checkRing(poly[i], `${where}, anneau ${i + 1}`);
    if ('error' in r) return r;
    rings.push(r.ring);
  }
  return { polygon: rings };
}

/** A Polygon or MultiPolygon, non-empty, closed rings of finite WGS84 positions; anything else is an error in words. */
export function checkGeometry(geometry: unknown): GeometryCheck {
  if (geometry === null || geometry === undefined) return { error: 'pas de géométrie' };
  if (typeof geometry !== 'object') return { error: 'géométrie qui n\'est pas un objet GeoJSON' };
  const g = geometry as { type?: unknown; coordinates?: unknown };
  if (g.type !== 'Polygon' && g.type !== 'MultiPolygon') return { error: `géométrie de type « ${String(g.type)} » (Polygon ou MultiPolygon attendu)` };
  if (!Array.isArray(g.coordinates) || g.coordinates.length === 0) return { error: `géométrie ${g.type} vide` };
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  const polygons: PolygonCoords[] = [];
  for (let i = 0; i < polys.length; i++) {
    const p = checkPolygon(polys[i], g.type === 'Polygon' ? 'polygone' : `polygone ${i + 1}`);
    if ('error' in p) return p;
    polygons.push(p.polygon);
  }
  return { polygons, type: g.type };
}

/** Twice the planar signed area (lon/lat as x/y): positive when the ring turns counterclockwise. */
function signedArea2(ring: Ring): number {
  let a = 0;
  for (let i = 0; i < ring.length - 1; i++) a += ring[i]![0] * ring[i + 1]![1] - ring[i + 1]![0] * ring[i]![1];
  return a;
}

const round = (v: number, factor: number) => Math.round(v * factor) / factor;

export interface Compacted {
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown } | null;
  pointsIn: number;
  pointsOut: number;
  ringsDropped: number;
  ringsRewound: number;
}

/**
 * Rounds coordinates, removes the repeated points rounding creates, drops rings that collapse, and winds
 * rings as RFC 7946 says (exterior counterclockwise, holes clockwise), whatever the source did.
 * Null geometry when every polygon collapsed.
 */
export function compactGeometry(polygons: PolygonCoords[], decimals = DECIMALES): Compacted {
  const factor = 10 ** decimals;
  let pointsIn = 0;
  let pointsOut = 0;
  let ringsDropped = 0;
  let ringsRewound = 0;
  const out: PolygonCoords[] = [];
  for (const polygon of polygons) {
    const rings: Ring[] = [];
    for (let i = 0; i < polygon.length; i++) {
      const ring = polygon[i]!;
      pointsIn += ring.length;
      const r: Ring = [];
      for (const [x, y] of ring) {
        const p: Position = [round(x, factor), round(y, factor)];
        const prev = r.at(-1);
        if (!prev || prev[0] !== p[0] || prev[1] !== p[1]) r.push(p);
      }
      const area = r.length >= 4 ? signedArea2(r) : 0;
      if (area === 0) {
        // An exterior ring that collapses takes its holes with it.
        ringsDropped += i === 0 ? polygon.length : 1;
        if (i === 0) break;
        continue;
      }
      if ((i === 0 && area < 0) || (i > 0 && area > 0)) {
        r.reverse();
        ringsRewound++;
      }
      rings.push(r);
    }
    if (rings.length > 0) {
      out.push(rings);
      pointsOut += rings.reduce((n, r) => n + r.length, 0);
    }
  }
  const geometry = out.length === 0 ? null : out.length === 1 ? { type: 'Polygon' as const, coordinates: out[0] } : { type: 'MultiPolygon' as const, coordinates: out };
  return { geometry, pointsIn, pointsOut, ringsDropped, ringsRewound };
}
