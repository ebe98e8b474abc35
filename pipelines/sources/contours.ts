// Etalab "contours administratifs": boundaries of départements, régions and EPCI for the site's maps.
// The live pull fetches the three layers and archives them as one GeoJSON document, each feature
// tagged with its `niveau`, because the framework archives one raw file per pull.
import { gunzipSync } from 'node:zlib';
import { normalizeName } from '../referential/referential.ts';
import type { Column, Row } from '../base/warehouse.ts';
import type { PrepareContext, Prepared, Reject, Source } from './types.ts';
import { checkGeometry, compactGeometry, DECIMALES } from './contours-geometry.ts';
import { detectNiveau, entry, NIVEAUX, niveauOf, normalizeCode, referentialCodes, type Niveau } from './contours-niveaux.ts';

/** The latest millésime published (COG of 1 January 2026); a mirror or another year goes in the configuration. */
export const CONTOURS_BASE = 'https://etalab-datasets.geo.data.gouv.fr/contours-administratifs/2026/geojson/';
/** File name of each layer at the 100 m generalisation (the coarsest level that keeps small départements readable). */
export const LAYERS: Record<Niveau, string> = {
  departement: 'departements-100m.geojson',
  region: 'regions-100m.geojson',
  epci: 'epci-100m.geojson',
};

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

/** The least plausible number of boundaries in a real file of each level (metropolitan France alone included). */
const CONTOURS_MINIMUMS: Record<string, number> = { departement: 90, region: 13, epci: 1_000 };

export const contours: Source = {
  id: 'contours',
  role: 'fonds-de-carte',
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
  // Each level is its own file: compared level by level (101 départements with overseas, 96 without; 18 or 13 régions;
  // about 1,250 EPCI).
  volume: { minimum: (niveaux) => ({ rows: niveaux.reduce((n, x) => n + (CONTOURS_MINIMUMS[x] ?? 1), 0) }), compareBy: 'partition', matched: { tables: ['contours'], type: 'niveau' } },
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
