// Etalab "contours administratifs": boundaries of départements, régions and EPCI for the site's maps.
// The live pull fetches the three layers and archives them as one GeoJSON document, each feature
// tagged with its `niveau`, because the framework archives one raw file per pull.
import { gunzipSync } from 'node:zlib';
import { normalizeName, type Referential } from '../referential.ts';
import type { Column, Row } from '../warehouse.ts';
import type { PrepareContext, Prepared, Reject, Source } from './types.ts';

export type Niveau = 'departement' | 'region' | 'epci';
export const NIVEAUX: readonly Niveau[] = ['departement', 'region', 'epci'];

/** The latest millésime published (COG of 1 January 2026); a mirror or another year goes in the configuration. */
export const CONTOURS_BASE = 'https://etalab-datasets.geo.data.gouv.fr/contours-administratifs/2026/geojson/';
/** File name of each layer at the 100 m generalisation (the coarsest level that keeps small départements readable). */
export const LAYERS: Record<Niveau, string> = {
  departement: 'departements-100m.geojson',
  region: 'regions-100m.geojson',
  epci: 'epci-100m.geojson',
};

/** 4 decimals of a degree: about 11 m in latitude, finer than the 100 m generalisation of the source. */
export const DECIMALES = 4;

export const CONTOURS_COLUMNS: Column[] = [
  { name: 'date_donnees', type: 'VARCHAR' },
  { name: 'run_id', type: 'VARCHAR' },
  { name: 'niveau', type: 'VARCHAR' },
  { name: 'code', type: 'VARCHAR' },
  { name: 'nom', type: 'VARCHAR' },
  { name: 'geometry_json', type: 'VARCHAR' },
];

const LIBELLE: Record<Niveau, { un: string; des: string }> = {
  departement: { un: 'département', des: 'départements' },
  region: { un: 'région', des: 'régions' },
  epci: { un: 'EPCI', des: 'EPCI' },
};

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

// --- Levels ----------------------------------------------------------------------------------------

function entry(ref: Referential, niveau: Niveau, code: string) {
  return niveau === 'departement' ? ref.departementByCode.get(code) : niveau === 'region' ? ref.regionByCode.get(code) : ref.epciBySiren.get(code);
}

function referentialCodes(ref: Referential, niveau: Niveau): string[] {
  const map = niveau === 'departement' ? ref.departementByCode : niveau === 'region' ? ref.regionByCode : ref.epciBySiren;
  return [...map.keys()];
}

/** Codes as the COG writes them: a one-digit département or région code takes its leading zero. */
export function normalizeCode(value: unknown): string {
  const s = (typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '').trim().toUpperCase();
  return /^\d$/.test(s) ? `0${s}` : s;
}

function niveauOf(value: unknown): Niveau | null {
  const s = typeof value === 'string' ? value.trim().toLowerCase().normalize('NFD').replace(/\p{Diacritic}/gu, '') : '';
  return (NIVEAUX as readonly string[]).includes(s) ? (s as Niveau) : null;
}

export function niveauFromFileName(origin: string): Niveau | null {
  const name = (origin.split(/[/\\]/).pop() ?? '').normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();
  const found = NIVEAUX.filter((n) => (n === 'epci' ? /epci/ : n === 'region' ? /region/ : /departement/).test(name));
  return found.length === 1 ? found[0]! : null;
}

/**
 * The level of a file whose features do not say it. Région codes are also département codes (01 is
 * Guadeloupe and Ain), so the codes alone cannot tell: the file name decides when it names one level;
 * otherwise each level scores the features whose code and name both match its referential entry; as a
 * last resort, codes that only départements have (2A, 2B, 971…) or nine-digit SIREN decide.
 */
export function detectNiveau(features: { code: string; nom: string }[], origin: string, ref: Referential): { niveau: Niveau; how: string } | null {
  const byName = niveauFromFileName(origin);
  if (byName) return { niveau: byName, how: 'du nom du fichier' };
  const scores = NIVEAUX.map((niveau) => ({
    niveau,
    score: features.filter((f) => {
      const e = entry(ref, niveau, f.code);
      return e !== undefined && normalizeName(e.nom) === normalizeName(f.nom);
    }).length,
  })).sort((a, b) => b.score - a.score);
  if (scores[0]!.score > 0 && scores[0]!.score > scores[1]!.score) return { niveau: scores[0]!.niveau, how: `des codes et des noms (${scores[0]!.score} sur ${features.length} reconnus)` };
  if (features.length > 0 && features.every((f) => /^\d{9}$/.test(f.code))) return { niveau: 'epci', how: 'des codes (SIREN à 9 chiffres)' };
  if (features.some((f) => /^(2A|2B|97\d)$/.test(f.code))) return { niveau: 'departement', how: 'des codes (2A, 2B ou 97x)' };
  return null;
}

// --- Prepare ---------------------------------------------------------------------------------------

interface RawFeature {
  index: number;
  code: string;
  nom: string;
  niveau: Niveau | null;
  geometry: unknown;
  notFeature: boolean;
}

function readDocument(bytes: Uint8Array, what: string): { features: unknown[]; millesime: string | null } {
  if (bytes.length === 0) throw new Error(`${what} : le fichier est vide.`);
  // Etalab also publishes each layer gzipped (`.geojson.gz`, served as a plain file): read those too.
  let data = bytes;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      data = gunzipSync(bytes);
    } catch (error) {
      throw new Error(`${what} : fichier gzip illisible (${(error as Error).message}) ; le téléchargement est peut-être tronqué.`);
    }
  }
  const text = new TextDecoder('utf-8').decode(data).replace(/^\uFEFF/, '');
  if (/^\s*</.test(text)) throw new Error(`${what} : le contenu reçu est une page HTML ou XML, pas un document GeoJSON (page d'erreur du serveur ?).`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} : JSON invalide (${(error as Error).message}) ; un document GeoJSON FeatureCollection est attendu.`);
  }
  const d = doc as { type?: unknown; features?: unknown; millesime?: unknown };
  if (typeof doc !== 'object' || doc === null || d.type !== 'FeatureCollection' || !Array.isArray(d.features)) {
    const found = typeof doc === 'object' && doc !== null ? `type « ${String(d.type)} »` : typeof doc;
    throw new Error(`${what} : un document GeoJSON de type FeatureCollection avec une liste « features » est attendu, trouvé : ${found}.`);
  }
  const millesime = typeof d.millesime === 'string' && /^\d{4}$/.test(d.millesime) ? d.millesime : null;
  return { features: d.features, millesime };
}

function list(codes: string[], max = 12): string {
  return codes.length <= max ? codes.join(', ') : `${codes.slice(0, max).join(', ')}… (${codes.length - max} de plus)`;
}

export function prepareContours(bytes: Uint8Array, ctx: PrepareContext): Prepared {
  const what = `contours (${ctx.origin})`;
  const ref = ctx.referential;
  const { features, millesime } = readDocument(bytes, what);
  const raw: RawFeature[] = features.map((f, i) => {
    const feature = f as { type?: unknown; properties?: Record<string, unknown> | null; geometry?: unknown } | null;
    const props = feature && typeof feature === 'object' && feature.properties && typeof feature.properties === 'object' ? feature.properties : {};
    return {
      index: i + 1,
      code: normalizeCode(props.code),
      nom: typeof props.nom === 'string' ? props.nom.trim() : '',
      niveau: niveauOf(props.niveau),
      geometry: feature?.geometry,
      notFeature: !feature || typeof feature !== 'object' || feature.type !== 'Feature',
    };
  });

  const notes: string[] = [];
  let fileNiveau: Niveau | null = null;
  const untagged = raw.filter((f) => !f.notFeature && f.niveau === null && f.code !== '');
  if (untagged.length > 0) {
    const detected = detectNiveau(untagged, ctx.origin, ref);
    if (!detected) {
      throw new Error(
        `${what} : impossible de savoir si les contours sont des départements, des régions ou des EPCI (les codes de région sont aussi des codes de département). ` +
          `Nommez le fichier « departements-….geojson », « regions-….geojson » ou « epci-….geojson », ou ajoutez à chaque entité une propriété « niveau ».`,
      );
    }
    fileNiveau = detected.niveau;
    notes.push(`niveau « ${detected.niveau} » déduit ${detected.how} pour ${untagged.length} entité(s) sans propriété « niveau ».`);
  }

  const rejects: Reject[] = [];
  const rows: Row[] = [];
  const seen = new Map<string, number>();
  const stats = new Map<Niveau, { pointsIn: number; pointsOut: number; bytes: number; ringsDropped: number; ringsRewound: number; names: string[] }>();
  for (const f of raw) {
    const reject = (motif: string) => rejects.push({ ligne: f.index, identifiant: f.code || f.nom || null, motif });
    if (f.notFeature) {
      reject(`entité n° ${f.index} : objet qui n'est pas une Feature GeoJSON`);
      continue;
    }
    if (f.code === '') {
      reject(`entité n° ${f.index} : propriété « code » absente ou vide`);
      continue;
    }
    const niveau = f.niveau ?? fileNiveau!;
    const known = entry(ref, niveau, f.code);
    if (!known) {
      const hp = niveau === 'departement' ? ref.horsPerimetre.get(f.code) : undefined;
      reject(
        hp
          ? `hors périmètre : ${hp} (collectivité d'outre-mer, hors du référentiel du baromètre)`
          : `code « ${f.code} »${f.nom ? ` (${f.nom})` : ''} inconnu du référentiel des ${LIBELLE[niveau].des} (@etalab/decoupage-administratif ${ref.version}) : code d'un autre millésime ?`,
      );
      continue;
    }
    const key = `${niveau}:${f.code}`;
    if (seen.has(key)) {
      reject(`doublon : ${LIBELLE[niveau].un} ${f.code} déjà décrit par l'entité n° ${seen.get(key)}`);
      continue;
    }
    const checked = checkGeometry(f.geometry);
    if ('error' in checked) {
      reject(`géométrie invalide : ${checked.error}`);
      continue;
    }
    const compact = compactGeometry(checked.polygons);
    if (!compact.geometry) {
      reject(`géométrie trop petite : tous ses polygones disparaissent à ${DECIMALES} décimales (environ 10 m)`);
      continue;
    }
    seen.set(key, f.index);
    const json = JSON.stringify(compact.geometry);
    const s = stats.get(niveau) ?? { pointsIn: 0, pointsOut: 0, bytes: 0, ringsDropped: 0, ringsRewound: 0, names: [] };
    s.pointsIn += compact.pointsIn;
    s.pointsOut += compact.pointsOut;
    s.bytes += json.length;
    s.ringsDropped += compact.ringsDropped;
    s.ringsRewound += compact.ringsRewound;
    if (f.nom && normalizeName(f.nom) !== normalizeName(known.nom)) s.names.push(`${f.code} « ${f.nom} » / « ${known.nom} »`);
    stats.set(niveau, s);
    rows.push({ date_donnees: '', run_id: ctx.runId, niveau, code: f.code, nom: f.nom || known.nom, geometry_json: json });
  }

  for (const niveau of NIVEAUX) {
    const s = stats.get(niveau);
    if (!s) continue;
    const loaded = new Set(rows.filter((r) => r.niveau === niveau).map((r) => r.code as string));
    const missing = referentialCodes(ref, niveau).filter((c) => !loaded.has(c)).sort();
    const l = LIBELLE[niveau];
    notes.push(
      `${l.des} : ${loaded.size} contours, ${s.pointsIn} points lus, ${s.pointsOut} gardés à ${DECIMALES} décimales, ${s.bytes} octets de GeoJSON` +
        (s.ringsDropped > 0 ? `, ${s.ringsDropped} anneau(x) trop petit(s) retiré(s)` : '') +
        (s.ringsRewound > 0 ? `, ${s.ringsRewound} anneau(x) réorienté(s) selon la RFC 7946` : '') +
        '.',
    );
    if (missing.length > 0) notes.push(`${missing.length} ${missing.length > 1 ? l.des : l.un} du référentiel sans contour : ${list(missing)}.`);
    if (s.names.length > 0) notes.push(`${s.names.length} nom(s) différent(s) du référentiel (fichier / référentiel, le nom du fichier est gardé) : ${list(s.names, 5)}.`);
  }

  const dataDate = millesime ? `${millesime}-01-01` : ctx.dataDate;
  for (const r of rows) r.date_donnees = dataDate;
  return { tables: { contours: rows }, rejects, rowsIn: raw.length, rowsLoaded: rows.length, dataDate, notes };
}

// --- Live ------------------------------------------------------------------------------------------

/** The millésime in a URL such as `…/contours-administratifs/2026/geojson/…`. */
export function millesimeInUrl(url: string): string | null {
  return /contours-administratifs\/(\d{4})\//.exec(url)?.[1] ?? null;
}

export const contours: Source = {
  id: 'contours',
  title: 'Contours administratifs : départements, régions et EPCI',
  producer: 'Etalab (DINUM), d’après IGN Admin Express',
  licence: 'Licence Ouverte 2.0',
  licenceUrl: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/',
  homepage: 'https://www.data.gouv.fr/fr/datasets/contours-administratifs/',
  url: CONTOURS_BASE,
  // Published once a year, after the COG of 1 January: a monthly check is plenty.
  schedule: '0 5 2 * *',
  keeps:
    "Un contour par département, région et EPCI du référentiel (GeoJSON, coordonnées arrondies à 4 décimales, environ 10 m), pour les cartes du site ; chaque chargement remplace les précédents.",
  fixture: 'test/fixtures/contours/contours.geojson',
  fixtureDate: '2026-01-01',
  extension: 'geojson',
  tables: [{ name: 'contours', columns: CONTOURS_COLUMNS, mode: 'replace', partitionBy: ['niveau'] }],
  dataDateOf(name) {
    const year = millesimeInUrl(name);
    return year ? `${year}-01-01` : null;
  },
  async fetchLive(ctx) {
    // The bucket labels its files with a malformed content type: accept any, prepare checks the content.
    if (!ctx.url.endsWith('/')) return ctx.fetch(ctx.url, { accept: [], etag: null, lastModified: null });
    const features: unknown[] = [];
    const sources: { niveau: Niveau; url: string; octets: number; last_modified: string | null; etag: string | null }[] = [];
    for (const niveau of NIVEAUX) {
      const url = new URL(LAYERS[niveau], ctx.url).href;
      ctx.log(`contours : ${url}`);
      // One validator per layer does not fit the framework's single one: no conditional request here.
      const res = await ctx.fetch(url, { accept: [], etag: null, lastModified: null });
      const { features: layer } = readDocument(res.body, `contours (${url})`);
      for (const f of layer) {
        const feature = f as { properties?: Record<string, unknown> | null } | null;
        if (feature && typeof feature === 'object') feature.properties = { ...(feature.properties ?? {}), niveau };
        features.push(f);
      }
      sources.push({ niveau, url: res.url, octets: res.body.byteLength, last_modified: res.lastModified, etag: res.etag });
    }
    const millesime = millesimeInUrl(ctx.url);
    const body = new TextEncoder().encode(JSON.stringify({ type: 'FeatureCollection', ...(millesime ? { millesime } : {}), sources, features }));
    return { status: 200, notModified: false, body, url: ctx.url, contentType: 'application/geo+json', etag: null, lastModified: null };
  },
  prepare(bytes, ctx) {
    return prepareContours(bytes, ctx);
  },
};
