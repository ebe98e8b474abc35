import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import { pullSource } from '../pipelines/sources/pull.ts';
import { referential } from '../pipelines/referential/referential.ts';
import { contours, prepareContours } from '../pipelines/sources/contours.ts';
import { checkGeometry, compactGeometry } from '../pipelines/sources/contours-geometry.ts';
import { loadTuilesDepartements, TUILES_PATH } from '../pipelines/referential/tuiles.ts';
import { Warehouse } from '../pipelines/base/warehouse.ts';
import { HAS_REALDATA, REALDATA, scratch, testConfig } from './helpers/env.ts';
import { scriptedServer, type ScriptedServer } from './helpers/server.ts';

const ref = referential();
const ctx = (origin = 'test') => ({ referential: ref, dataDate: '2026-03-01', origin, runId: 'run-1' });
const FIXTURE = resolve(PROJECT_ROOT, 'test/fixtures/contours/contours.geojson');
const tmp = scratch();
afterAll(tmp.cleanup);

const square = (x: number, y: number, size = 0.5) => [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]];
const feature = (properties: Record<string, unknown>, geometry: unknown = { type: 'Polygon', coordinates: square(2, 47) }) => ({ type: 'Feature', properties, geometry });
const doc = (...features: unknown[]) => new TextEncoder().encode(JSON.stringify({ type: 'FeatureCollection', features }));

describe('contours on its fixture (hand-checkable)', () => {
  const p = prepareContours(readFileSync(FIXTURE), ctx(FIXTURE));
  const rows = p.tables.contours!;
  const geometry = (code: string) => JSON.parse(rows.find((r) => r.code === code)!.geometry_json as string);

  it('loads 3 départements and 1 région, dated by the millésime of the document', () => {
    expect([p.rowsIn, p.rowsLoaded, p.rejects.length]).toEqual([4, 4, 0]);
    expect(rows.map((r) => [r.niveau, r.code, r.nom])).toEqual([
      ['departement', '29', 'Finistère'],
      ['departement', '22', "Côtes-d'Armor"],
      ['departement', '56', 'Morbihan'],
      ['region', '53', 'Bretagne'],
    ]);
    expect(p.dataDate).toBe('2026-01-01');
    expect(new Set(rows.map((r) => r.date_donnees))).toEqual(new Set(['2026-01-01']));
  });

  it('rounds coordinates to 4 decimals and winds a clockwise exterior ring counterclockwise (RFC 7946)', () => {
    // The fixture draws the Finistère clockwise, starting at (-4.771234, 48.412345).
    expect(geometry('29')).toEqual({
      type: 'Polygon',
      coordinates: [[[-4.7712, 48.4123], [-4.6123, 48], [-4.1988, 47.7988], [-3.5313, 47.7629], [-3.412, 48.1], [-3.5522, 48.681], [-4.21, 48.7], [-4.7712, 48.4123]]],
    });
  });

  it('keeps a MultiPolygon (the Morbihan and Belle-Île) as drawn when already counterclockwise', () => {
    expect(geometry('56').type).toBe('MultiPolygon');
    expect(geometry('56').coordinates[1]).toEqual([[[-3.25, 47.28], [-3.06, 47.28], [-3.06, 47.38], [-3.25, 47.38], [-3.25, 47.28]]]);
  });

  it('notes the territories of the referential it has no boundary for', () => {
    expect(p.notes).toContain('98 départements du référentiel sans contour : 01, 02, 03, 04, 05, 06, 07, 08, 09, 10, 11, 12… (86 de plus).');
    expect(p.notes).toContain('17 régions du référentiel sans contour : 01, 02, 03, 04, 06, 11, 24, 27, 28, 32, 44, 52… (5 de plus).');
    expect(p.notes).toContain('départements : 3 contours, 24 points lus, 24 gardés à 4 décimales, 469 octets de GeoJSON, 2 anneau(x) réorienté(s) selon la RFC 7946.');
  });
});

describe('checkGeometry accepts only usable polygons', () => {
  const error = (g: unknown) => {
    const c = checkGeometry(g);
    return 'error' in c ? c.error : null;
  };

  it('accepts a Polygon and a MultiPolygon', () => {
    expect(error({ type: 'Polygon', coordinates: square(2, 47) })).toBeNull();
    expect(error({ type: 'MultiPolygon', coordinates: [square(2, 47), square(3, 47)] })).toBeNull();
  });

  it('refuses another type, no geometry, empty coordinates', () => {
    expect(error({ type: 'Point', coordinates: [2, 47] })).toBe('géométrie de type « Point » (Polygon ou MultiPolygon attendu)');
    expect(error(null)).toBe('pas de géométrie');
    expect(error({ type: 'Polygon', coordinates: [] })).toBe('géométrie Polygon vide');
    expect(error({ type: 'MultiPolygon', coordinates: [square(2, 47), []] })).toBe('polygone 2 : polygone vide');
  });

  it('refuses non-finite, non-numeric or out-of-range coordinates, saying where', () => {
    expect(error({ type: 'Polygon', coordinates: [[[2, 47], [2.5, null], [2.5, 47.5], [2, 47]]] })).toBe('polygone, anneau 1, point 2 : coordonnée non numérique ou non finie ([2.5,null])');
    expect(error({ type: 'Polygon', coordinates: [[[2, 47], ['2.5', 47], [2.5, 47.5], [2, 47]]] })).toMatch(/point 2 : coordonnée non numérique/);
    expect(error({ type: 'Polygon', coordinates: square(652000, 6862000, 1000) })).toMatch(/^polygone, anneau 1, point 1 : \(652000, 6862000\) hors des limites WGS84 .*Lambert 93/);
  });

  it('refuses an open ring and a ring of fewer than 4 positions', () => {
    expect(error({ type: 'Polygon', coordinates: [[[2, 47], [3, 47], [3, 48], [2, 48]]] })).toBe('polygone, anneau 1 : anneau non fermé (le dernier point doit répéter le premier)');
    expect(error({ type: 'Polygon', coordinates: [[[2, 47], [3, 47], [2, 47]]] })).toBe('polygone, anneau 1 : anneau de 3 point(s) (4 au moins, le premier répété à la fin)');
  });
});

describe('compactGeometry', () => {
  it('drops an islet that collapses at 4 decimals, and the repeated points rounding creates', () => {
    const islet = [[[5.00001, 43.00001], [5.00002, 43.00001], [5.00002, 43.00002], [5.00001, 43.00001]]];
    const c = compactGeometry([square(5, 43) as [number, number][][], islet as [number, number][][]]);
    expect(c).toMatchObject({ pointsIn: 9, pointsOut: 5, ringsDropped: 1, geometry: { type: 'Polygon' } });
    const dup = compactGeometry([[[[1, 1], [1.00001, 1], [2, 1], [2, 2], [1, 2], [1, 1]]]]);
    expect(dup.geometry!.coordinates).toEqual([[[1, 1], [2, 1], [2, 2], [1, 2], [1, 1]]]);
  });

  it('winds holes clockwise', () => {
    const hole = [[2.1, 47.1], [2.2, 47.1], [2.2, 47.2], [2.1, 47.2], [2.1, 47.1]]; // counterclockwise
    const c = compactGeometry([[square(2, 47)[0] as [number, number][], hole as [number, number][]]]);
    expect(c.ringsRewound).toBe(1);
    expect((c.geometry!.coordinates as number[][][])[1]).toEqual([...hole].reverse());
  });
});

describe('contours on bad input', () => {
  it('rejects unknown codes, overseas collectivities, duplicates and invalid geometries, each with its reason', () => {
    const p = prepareContours(
      doc(
        feature({ code: '29', nom: 'Finistère' }),
        feature({ code: '20', nom: 'Corse' }),
        feature({ code: '975', nom: 'Saint-Pierre-et-Miquelon' }),
        feature({ code: '29', nom: 'Finistère' }),
        feature({ code: '22', nom: "Côtes-d'Armor" }, { type: 'LineString', coordinates: [[2, 47], [3, 48]] }),
        feature({ nom: 'Sans code' }),
        { type: 'Point', coordinates: [2, 47] },
        feature({ code: '56', nom: 'Morbihan' }, { type: 'Polygon', coordinates: [[[2.00001, 47.00001], [2.00002, 47.00001], [2.00002, 47.00002], [2.00001, 47.00001]]] }),
      ),
      ctx('departements-2018.geojson'),
    );
    expect(p.rejects).toEqual([
      { ligne: 2, identifiant: '20', motif: `code « 20 » (Corse) inconnu du référentiel des départements (@etalab/decoupage-administratif ${ref.version}) : code d'un autre millésime ?` },
      { ligne: 3, identifiant: '975', motif: "hors périmètre : Saint-Pierre-et-Miquelon (collectivité d'outre-mer, hors du référentiel du baromètre)" },
      { ligne: 4, identifiant: '29', motif: "doublon : département 29 déjà décrit par l'entité n° 1" },
      { ligne: 5, identifiant: '22', motif: 'géométrie invalide : géométrie de type « LineString » (Polygon ou MultiPolygon attendu)' },
      { ligne: 6, identifiant: 'Sans code', motif: 'entité n° 6 : propriété « code » absente ou vide' },
      { ligne: 7, identifiant: null, motif: "entité n° 7 : objet qui n'est pas une Feature GeoJSON" },
      { ligne: 8, identifiant: '56', motif: 'géométrie trop petite : tous ses polygones disparaissent à 4 décimales (environ 10 m)' },
    ]);
    expect([p.rowsIn, p.rowsLoaded]).toEqual([8, 1]);
  });

  it('pads a one-digit code and keeps the file\'s name, noting a name that differs from the referential', () => {
    const p = prepareContours(doc(feature({ code: 1, nom: 'Ain (01)' })), ctx('departements.geojson'));
    expect(p.tables.contours![0]).toMatchObject({ code: '01', nom: 'Ain (01)' });
    expect(p.notes).toContain('1 nom(s) différent(s) du référentiel (fichier / référentiel, le nom du fichier est gardé) : 01 « Ain (01) » / « Ain ».');
  });

  it('reads a gzipped layer (.geojson.gz) as well, and fails clearly on a truncated one', () => {
    const zipped = gzipSync(doc(feature({ code: '29', nom: 'Finistère' })));
    expect(prepareContours(zipped, ctx('departements-100m.geojson.gz')).tables.contours!.map((r) => r.code)).toEqual(['29']);
    expect(() => prepareContours(zipped.subarray(0, 20), ctx())).toThrow(/fichier gzip illisible .* tronqué/);
  });

  it('fails on a document that is not a GeoJSON FeatureCollection', () => {
    const text = (s: string) => new TextEncoder().encode(s);
    expect(() => prepareContours(text('<!doctype html><p>Erreur 502</p>'), ctx())).toThrow(/page HTML ou XML, pas un document GeoJSON/);
    expect(() => prepareContours(text('{"type":"FeatureCollection","features":['), ctx())).toThrow(/JSON invalide/);
    expect(() => prepareContours(text('{"type":"Feature","properties":{},"geometry":null}'), ctx())).toThrow(/FeatureCollection .* trouvé : type « Feature »/);
    expect(() => prepareContours(new Uint8Array(), ctx())).toThrow(/le fichier est vide/);
  });
});

describe('the level of a file without a « niveau » property', () => {
  // Régions 01–06 share their codes with départements: only the names or the file name can tell.
  const regions = doc(feature({ code: '01', nom: 'Guadeloupe' }), feature({ code: '53', nom: 'Bretagne' }));

  it('comes from the file name when it names one level', () => {
    const p = prepareContours(regions, ctx('/tmp/regions-avec-outre-mer.geojson'));
    expect(p.tables.contours!.map((r) => [r.niveau, r.code])).toEqual([['region', '01'], ['region', '53']]);
    expect(p.notes![0]).toBe('niveau « region » déduit du nom du fichier pour 2 entité(s) sans propriété « niveau ».');
  });

  it('comes from codes and names together otherwise: 01 Guadeloupe is a région, 01 Ain a département', () => {
    expect(prepareContours(regions, ctx('/tmp/contours.geojson')).tables.contours!.map((r) => r.niveau)).toEqual(['region', 'region']);
    const deps = prepareContours(doc(feature({ code: '01', nom: 'Ain' }), feature({ code: '53', nom: 'Mayenne' })), ctx('/tmp/contours.geojson'));
    expect(deps.tables.contours!.map((r) => r.niveau)).toEqual(['departement', 'departement']);
    expect(deps.notes![0]).toBe('niveau « departement » déduit des codes et des noms (2 sur 2 reconnus) pour 2 entité(s) sans propriété « niveau ».');
  });

  it('comes from nine-digit codes for EPCI', () => {
    const siren = [...ref.epciBySiren.keys()][0]!;
    expect(prepareContours(doc(feature({ code: siren, nom: 'Autre nom' })), ctx('/tmp/x.geojson')).tables.contours![0]).toMatchObject({ niveau: 'epci', code: siren });
  });

  it('fails, saying what to do, when nothing tells', () => {
    expect(() => prepareContours(doc(feature({ code: '01', nom: 'Inconnu' })), ctx('/tmp/contours.geojson'))).toThrow(
      /impossible de savoir si les contours sont des départements, des régions ou des EPCI .* Nommez le fichier « departements-….geojson »/,
    );
  });
});

describe.skipIf(!HAS_REALDATA)('contours on the real IGN 2018 files', () => {
  const load = (name: string) => {
    const path = join(REALDATA, 'geo', name);
    return { p: prepareContours(readFileSync(path), ctx(path)), size: statSync(path).size };
  };

  it('loads the 101 départements, overseas included, all matching the referential, in less bytes than the file', () => {
    const { p, size } = load('departements-avec-outre-mer.geojson');
    expect([p.rowsIn, p.rowsLoaded, p.rejects.length]).toEqual([101, 101, 0]);
    expect(new Set(p.tables.contours!.map((r) => r.code))).toEqual(new Set(ref.departementByCode.keys()));
    const bytes = p.tables.contours!.reduce((n, r) => n + (r.geometry_json as string).length, 0);
    expect(bytes).toBeLessThan(size);
    expect(p.notes!.some((n) => n.includes('sans contour'))).toBe(false);
  });

  it('loads the 18 régions as régions, although 01 to 06 are also département codes', () => {
    const { p } = load('regions-avec-outre-mer.geojson');
    expect([p.rowsIn, p.rowsLoaded, p.rejects.length]).toEqual([18, 18, 0]);
    expect(p.tables.contours!.find((r) => r.code === '01')).toMatchObject({ niveau: 'region', nom: 'Guadeloupe' });
  });

  it('notes the five overseas départements and régions missing from the simplified metropolitan files', () => {
    expect(load('departements-version-simplifiee.geojson').p.notes).toContain('5 départements du référentiel sans contour : 971, 972, 973, 974, 976.');
    expect(load('regions-version-simplifiee.geojson').p.notes).toContain('5 régions du référentiel sans contour : 01, 02, 03, 04, 06.');
  });
});

describe('contours live: three layers, one archived document', () => {
  let server: ScriptedServer;
  afterEach(async () => server?.close());

  it('fetches the départements, régions and EPCI layers, tags each feature with its level and dates them by the millésime', async () => {
    const siren = [...ref.epciBySiren.keys()][0]!;
    const layers: Record<string, unknown[]> = {
      '/contours-administratifs/2026/geojson/departements-100m.geojson': [feature({ code: '29', nom: 'Finistère', region: '53' })],
      '/contours-administratifs/2026/geojson/regions-100m.geojson': [feature({ code: '53', nom: 'Bretagne' })],
      '/contours-administratifs/2026/geojson/epci-100m.geojson': [feature({ code: siren, nom: 'EPCI' })],
    };
    server = await scriptedServer([
      (req, res) => {
        const features = layers[req.url ?? ''];
        // The bucket's real header is malformed: the connector must not depend on it.
        res.writeHead(features ? 200 : 404, { 'content-type': 'Content-Type: application/geo+json' });
        res.end(features ? JSON.stringify({ type: 'FeatureCollection', features }) : '');
      },
    ]);
    const config = testConfig(join(tmp.dir, 'live'), { sources: { contours: { url: `${server.url}/contours-administratifs/2026/geojson/` } } });
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      const run = await pullSource(config, w, contours, { log: memoryLogger() });
      expect(run).toMatchObject({ status: 'succes', origin: 'live', date_donnees: '2026-01-01', rows_in: 3, rows_loaded: 3, rows_rejected: 0 });
      expect(server.requests.map((r) => r.url)).toEqual(Object.keys(layers));
      const archived = JSON.parse(readFileSync(run.raw_path!, 'utf8'));
      expect(archived.features.map((f: { properties: { niveau: string } }) => f.properties.niveau)).toEqual(['departement', 'region', 'epci']);
      expect(archived.features[0].properties).toEqual({ code: '29', nom: 'Finistère', region: '53', niveau: 'departement' });
      expect(await w.all(`SELECT niveau, code FROM contours ORDER BY niveau`)).toEqual([
        { niveau: 'departement', code: '29' },
        { niveau: 'epci', code: siren },
        { niveau: 'region', code: '53' },
      ]);
    } finally {
      w.close();
    }
  });

  it('replaces only the levels a load carries: a local file of départements alone keeps the régions', async () => {
    const config = testConfig(join(tmp.dir, 'replace'));
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      await pullSource(config, w, contours, { from: resolve(PROJECT_ROOT, contours.fixture), date: '2018-01-01', log: memoryLogger() });
      const before = await w.all<{ niveau: string; code: string }>(`SELECT niveau, code FROM contours ORDER BY niveau, code`);
      expect(before.some((r) => r.niveau === 'region')).toBe(true);
      const file = join(tmp.dir, 'departements.geojson');
      writeFileSync(file, doc(feature({ code: '75', nom: 'Paris' })));
      await pullSource(config, w, contours, { from: file, date: '2018-01-01', log: memoryLogger() });
      expect(await w.all(`SELECT niveau, code FROM contours ORDER BY niveau, code`)).toEqual([
        { niveau: 'departement', code: '75' },
        ...before.filter((r) => r.niveau !== 'departement'),
      ]);
    } finally {
      w.close();
    }
  });
});

describe('the tile grid of départements (data/referentiels/tuiles-departements.csv)', () => {
  const tuiles = loadTuilesDepartements(TUILES_PATH, ref);
  const at = (code: string) => tuiles.find((t) => t.code === code)!;

  it('places exactly the 101 départements of the referential, with their names, one per cell', () => {
    expect(tuiles).toHaveLength(101);
    expect(new Set(tuiles.map((t) => t.code))).toEqual(new Set(ref.departementByCode.keys()));
    expect(new Set(tuiles.map((t) => `${t.ligne},${t.colonne}`)).size).toBe(101);
    for (const t of tuiles) expect(t.nom).toBe(ref.departementByCode.get(t.code)!.nom);
  });

  it('puts the five overseas départements in a block of their own, below a blank row', () => {
    const drom = ['971', '972', '973', '974', '976'].map(at);
    const metro = tuiles.filter((t) => !t.code.startsWith('97'));
    const lastMetroRow = Math.max(...metro.map((t) => t.ligne));
    expect(new Set(drom.map((t) => t.ligne)).size).toBe(1);
    expect(drom[0]!.ligne).toBeGreaterThan(lastMetroRow + 1);
  });

  it('keeps the compass: the Nord at the top, the Finistère at the west end, Corsica in the south-east corner', () => {
    const metro = tuiles.filter((t) => !t.code.startsWith('97'));
    expect(at('59').ligne).toBe(Math.min(...metro.map((t) => t.ligne)));
    expect(at('29').colonne).toBe(Math.min(...metro.map((t) => t.colonne)));
    expect(at('2A').colonne).toBe(Math.max(...metro.map((t) => t.colonne)));
    expect(at('2A').ligne).toBe(at('2B').ligne + 1);
    expect(at('75').ligne).toBeLessThan(at('13').ligne);
    expect(at('67').colonne).toBeGreaterThan(at('75').colonne);
  });

  it('refuses a grid with two départements in one cell', () => {
    const file = join(tmp.dir, 'tuiles.csv');
    writeFileSync(file, 'code,nom,ligne,colonne\n29,Finistère,4,1\n22,Côtes-d\'Armor,4,1\n');
    expect(() => loadTuilesDepartements(file)).toThrow(/ligne 3 : la case \(ligne 4, colonne 1\) est déjà prise par le département 29/);
  });

  it.skipIf(!HAS_REALDATA)('follows geography: columns rank like longitudes, rows like latitudes (rank correlation above 0.9)', () => {
    const geo = JSON.parse(readFileSync(join(REALDATA, 'geo/departements-version-simplifiee.geojson'), 'utf8')) as { features: { properties: { code: string }; geometry: { type: string; coordinates: number[][][] | number[][][][] } }[] };
    const centre = (g: (typeof geo.features)[number]['geometry']) => {
      const points = (g.type === 'Polygon' ? [g.coordinates as number[][][]] : (g.coordinates as number[][][][])).flat(2);
      return [points.reduce((s, p) => s + p[0]!, 0) / points.length, points.reduce((s, p) => s + p[1]!, 0) / points.length] as const;
    };
    const pairs = geo.features.map((f) => ({ t: at(f.properties.code), c: centre(f.geometry) }));
    const ranks = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return values.map((v) => (sorted.indexOf(v) + sorted.lastIndexOf(v)) / 2);
    };
    const spearman = (a: number[], b: number[]) => {
      const ra = ranks(a);
      const rb = ranks(b);
      const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
      const [ma, mb] = [mean(ra), mean(rb)];
      const cov = ra.reduce((s, v, i) => s + (v - ma) * (rb[i]! - mb), 0);
      return cov / Math.sqrt(ra.reduce((s, v) => s + (v - ma) ** 2, 0) * rb.reduce((s, v) => s + (v - mb) ** 2, 0));
    };
    expect(spearman(pairs.map((p) => p.t.colonne), pairs.map((p) => p.c[0]))).toBeGreaterThan(0.9);
    expect(spearman(pairs.map((p) => p.t.ligne), pairs.map((p) => -p.c[1]))).toBeGreaterThan(0.9);
  });
});
