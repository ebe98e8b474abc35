// data.gouv.fr's catalogue: two exports read by DuckDB, organisations matched by SIREN then by name, the history of
// each collectivité's public datasets, the relay of ouverture-donnees after 2022-S2, and the real extracts.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import Papa from 'papaparse';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { computeBarometre } from '../indicators/compute.ts';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import { companionRawPath, pullSource } from '../pipelines/sources/pull.ts';
import { sha256 } from '../pipelines/base/files.ts';
import { datagouv, dateOfExportName, jeuxBeside } from '../pipelines/sources/datagouv.ts';
import { odt } from '../pipelines/sources/odt.ts';
import { Warehouse, withWarehouse } from '../pipelines/base/warehouse.ts';
import { createRequire } from 'node:module';
import { HAS_REALDATA, REALDATA, scratch, testConfig } from './helpers/env.ts';
import { scriptedServer, type ScriptedServer } from './helpers/server.ts';

const require = createRequire(import.meta.url);
const tmp = scratch();
afterAll(tmp.cleanup);
const FIXTURE = resolve(PROJECT_ROOT, 'test/fixtures/datagouv');
const records = (path: string) => Papa.parse<string[]>(readFileSync(path, 'utf8'), { delimiter: ';', skipEmptyLines: true }).data.slice(1);

describe('file names', () => {
  it('finds the datasets export beside the organisations export, and dates an export by its stamp', () => {
    expect(jeuxBeside('export-organization-20260116-055249.csv')).toBe('export-dataset-20260116-055249.csv');
    expect(jeuxBeside('organizations-extract-2025-09_datagouvfr_data_pipelines-test.csv')).toBe('datasets-extract-2025-09_datagouvfr_data_pipelines-test.csv');
    expect(jeuxBeside('organisations.csv')).toBe('datasets.csv');
    expect(dateOfExportName('https://static.data.gouv.fr/resources/catalogue/20260116-055249/export-organization-20260116-055249.csv')).toBe('2026-01-16');
    expect(dateOfExportName('organisations.csv')).toBeNull();
  });
});

describe('the catalogue on its fixture (hand-checkable)', () => {
  const config = testConfig(join(tmp.dir, 'fixture'));
  let w: Warehouse;
  const log = memoryLogger();
  let run: Awaited<ReturnType<typeof pullSource>>;
  beforeAll(async () => {
    w = await Warehouse.open(config.paths.warehouse);
    run = await pullSource(config, w, datagouv, { offline: true, log });
  });
  afterAll(() => w.close());

  it('counts every record of both files: 10 organisations, 1 known only from a dataset, 12 datasets, 1 of them cut short', () => {
    expect(records(join(FIXTURE, 'organisations.csv'))).toHaveLength(10);
    expect(records(join(FIXTURE, 'datasets.csv'))).toHaveLength(12);
    expect(run).toMatchObject({ status: 'succes', rows_in: 23, rows_loaded: 19, rows_rejected: 4, date_donnees: '2022-12-31' });
  });

  it('matches by SIREN (first 9 digits of the SIRET), then by a name that designates one collectivité, and keeps the others apart', async () => {
    const rows = await w.all(`SELECT ligne, nom, categorie, code, rapprochement, jeux_publics FROM datagouv_organisations ORDER BY ligne NULLS LAST`);
    expect(rows).toEqual([
      { ligne: 2, nom: 'data.gouv.fr', categorie: 'hors-collectivite', code: null, rapprochement: null, jeux_publics: 2 },
      { ligne: 3, nom: 'Ville de Rennes', categorie: 'commune', code: '35238', rapprochement: 'siren', jeux_publics: 1 },
      { ligne: 4, nom: 'Région Bretagne', categorie: 'region', code: '53', rapprochement: 'nom', jeux_publics: 1 },
      { ligne: 5, nom: "Département d'Ille-et-Vilaine", categorie: 'departement', code: '35', rapprochement: 'table', jeux_publics: 1 },
      { ligne: 6, nom: 'Communauté de communes du Pays de Fayence', categorie: 'epci', code: '200004802', rapprochement: 'nom', jeux_publics: 1 },
      { ligne: 10, nom: 'Plaine Commune', categorie: 'ept', code: '200057867', rapprochement: 'siren', jeux_publics: 1 },
      { ligne: 11, nom: 'Pony', categorie: 'hors-collectivite', code: null, rapprochement: null, jeux_publics: 1 },
      { ligne: null, nom: "Ville d'Argenteuil", categorie: 'commune', code: '95018', rapprochement: 'nom', jeux_publics: 1 },
    ]);
  });

  it('rejects, with their line and reason, the collectivités it cannot name for sure and the record cut short', async () => {
    expect(await w.all(`SELECT ligne, motif FROM rejets ORDER BY motif`)).toEqual([
      { ligne: 8, motif: "commune introuvable : SIREN 214400400 (« Commune de Chéméré ») inconnu du référentiel (ancien SIREN d'une collectivité fusionnée ?)" },
      { ligne: 11, motif: 'enregistrement mal formé (fichier des jeux de données) : 37 champs au lieu de 40' },
      { ligne: 7, motif: 'nom « Ville de Saint-Denis » ambigu : 4 communes portent ce nom (11339, 30247, 93066, 97411)' },
      { ligne: 9, motif: 'organisation marquée collectivité territoriale (badge local-authority) sans SIREN connu (aucun) ni nom reconnu : « SIVOM de la Vallée »' },
    ]);
  });

  it('keeps each dataset with its creation and archiving dates, numbered around the record cut short', async () => {
    const jeux = await w.all(`SELECT ligne, cree_le, archive_le FROM datagouv_jeux WHERE organisation_id = '559a4970c751df46a9a453ba' OR organisation_id IS NULL ORDER BY ligne`);
    expect(jeux).toEqual([
      { ligne: 5, cree_le: '2015-07-13', archive_le: '2022-03-01' },
      { ligne: 6, cree_le: '2022-09-01', archive_le: null },
      { ligne: 12, cree_le: '2021-05-04', archive_le: null },
    ]);
  });

  it('reports the match rate in the log', () => {
    const notes = log.lines.map((l) => l.message).join('\n');
    expect(notes).toMatch(/taux de rapprochement des organisations qui désignent une collectivité : 66,7 % \(6 sur 9\)/);
    expect(notes).toMatch(/données du 2022-12-31/);
  });

  it('archives both files as received, each with its SHA-256 in the pull’s checksum file', () => {
    const companion = companionRawPath(run.raw_path!, { name: 'jeux', extension: 'csv' });
    expect(readFileSync(companion)).toEqual(readFileSync(join(FIXTURE, 'datasets.csv')));
    expect(readFileSync(`${run.raw_path}.sha256`, 'utf8')).toBe(
      `${sha256(readFileSync(join(FIXTURE, 'organisations.csv')))}  ${basename(run.raw_path!)}\n${sha256(readFileSync(join(FIXTURE, 'datasets.csv')))}  ${basename(companion)}\n`,
    );
  });
});

describe('ouverture-donnees from the catalogue', () => {
  // The Observatory's fixture on two dates, and the catalogue's fixture said to be an export of 19 September 2025.
  const config = testConfig(join(tmp.dir, 'indicateur'));
  let w: Warehouse;
  const national = (periode: string, type: string, nature: string | null = null) =>
    w.one<Record<string, unknown>>(
      `SELECT * FROM barometre WHERE indicateur = 'ouverture-donnees' AND niveau = 'national' AND periode = $p AND type_collectivite = $t AND strate = 'toutes' AND nature IS NOT DISTINCT FROM $n`,
      { p: periode, t: type, n: nature },
    );
  beforeAll(async () => {
    w = await Warehouse.open(config.paths.warehouse);
    const odtFixture = resolve(PROJECT_ROOT, odt.fixture);
    await pullSource(config, w, odt, { from: odtFixture, date: '2021-04-09', log: memoryLogger() });
    await pullSource(config, w, odt, { from: odtFixture, date: '2022-06-30', log: memoryLogger() });
    await pullSource(config, w, datagouv, { from: join(FIXTURE, 'organisations.csv'), date: '2025-09-19', log: memoryLogger() });
    await computeBarometre(config, w, { log: memoryLogger() });
  });
  afterAll(() => w.close());

  it('takes over after 2022-S2, from the datasets public at each semester end, up to the export', async () => {
    // Région Bretagne: a dataset archived on 2022-03-01, another created on 2022-09-01. Fayence: first dataset on 2022-10-15.
    expect(await national('2023-S1', 'region')).toMatchObject({ atteintes: 1, source: 'datagouv', methode_version: '2.0.0+datagouv', date_donnees: '2025-09-19' });
    expect(await national('2023-S1', 'epci')).toMatchObject({ atteintes: 1 });
    expect(await national('2025-S2', 'commune')).toMatchObject({ atteintes: 2 }); // Rennes, Argenteuil
    expect(await national('2025-S2', 'epci', 'CC')).toMatchObject({ atteintes: 1, concernees: expect.any(Number) });
    expect(await national('2026-S1', 'region')).toBeUndefined(); // after the export
  });

  it('keeps the Observatory up to its last edition and marks the junction as a series break', async () => {
    const versions = await w.all(`SELECT periode, source, methode_version, rupture_serie FROM barometre WHERE indicateur = 'ouverture-donnees' AND niveau = 'national' AND type_collectivite = 'region' AND strate = 'toutes' AND nature IS NULL ORDER BY periode`);
    expect(versions.slice(0, 4)).toEqual([
      { periode: '2021-S1', source: 'odt', methode_version: '2.0.0+odt', rupture_serie: false },
      { periode: '2021-S2', source: 'odt', methode_version: '2.0.0+odt', rupture_serie: false },
      { periode: '2022-S1', source: 'odt', methode_version: '2.0.0+odt', rupture_serie: false },
      { periode: '2023-S1', source: 'datagouv', methode_version: '2.0.0+datagouv', rupture_serie: true },
    ]);
  });

  it('puts both measures of each edition’s semester side by side, on the edition’s own date', async () => {
    const r = await w.all(`SELECT periode, type_collectivite, date_avant, atteintes_avant, atteintes_apres, source_retenue FROM raccords WHERE strate = 'toutes' AND nature IS NULL AND type_collectivite IN ('departement', 'region', 'epci') ORDER BY periode, type_collectivite`);
    expect(r).toEqual([
      // ARIEGE and ILLE ET VILAINE publish for the Observatory; on data.gouv.fr, Ille-et-Vilaine only (since 2019-06-20).
      { periode: '2021-S1', type_collectivite: 'departement', date_avant: '2021-04-09', atteintes_avant: 2, atteintes_apres: 1, source_retenue: 'odt' },
      // Five EPCI publish for the Observatory; Fayence's first dataset comes in October 2022.
      { periode: '2021-S1', type_collectivite: 'epci', date_avant: '2021-04-09', atteintes_avant: 5, atteintes_apres: 0, source_retenue: 'odt' },
      // Région Bretagne's first dataset was still public on 2021-04-09, archived on 2022-03-01, the next one came on 2022-09-01.
      { periode: '2021-S1', type_collectivite: 'region', date_avant: '2021-04-09', atteintes_avant: 1, atteintes_apres: 1, source_retenue: 'odt' },
      { periode: '2022-S1', type_collectivite: 'departement', date_avant: '2022-06-30', atteintes_avant: 2, atteintes_apres: 1, source_retenue: 'odt' },
      { periode: '2022-S1', type_collectivite: 'epci', date_avant: '2022-06-30', atteintes_avant: 5, atteintes_apres: 0, source_retenue: 'odt' },
      { periode: '2022-S1', type_collectivite: 'region', date_avant: '2022-06-30', atteintes_avant: 1, atteintes_apres: 0, source_retenue: 'odt' },
    ]);
    expect(await w.one(`SELECT ecart_points FROM raccords WHERE periode = '2022-S1' AND type_collectivite = 'region'`)).toEqual({ ecart_points: -5.6 });
  });

  it('counts EPCI per nature, all strates together (the métropoles of the Observatory’s fixture)', async () => {
    const metro = await national('2021-S1', 'epci', 'METRO');
    // Rennes, Nantes, Brest and, through its succession, Lille; 22 métropoles in the referential (METRO and MET69).
    const epci = require('@etalab/decoupage-administratif/data/epci.json') as { type: string }[];
    expect(metro).toMatchObject({ atteintes: 4, concernees: epci.filter((e) => e.type === 'METRO' || e.type === 'MET69').length, strate: 'toutes' });
  });

  it('has one row per indicator, semester, level, territory, type, strate and nature', async () => {
    const dup = await w.all(`SELECT indicateur, periode, niveau, territoire, type_collectivite, strate, nature, count(*) AS n FROM barometre GROUP BY ALL HAVING count(*) > 1`);
    expect(dup).toEqual([]);
  });
});

describe('bad input', () => {
  it('fails on an export without the columns it reads, naming them and the columns found', async () => {
    const dir = join(tmp.dir, 'colonnes');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'organisations.csv'), '"identifiant";"nom"\r\n"1";"Ville de Rennes"\r\n');
    copyFileSync(join(FIXTURE, 'datasets.csv'), join(dir, 'datasets.csv'));
    const config = testConfig(join(dir, 'data'));
    await withWarehouse(config.paths.warehouse, async (w) => {
      await expect(pullSource(config, w, datagouv, { from: join(dir, 'organisations.csv'), log: memoryLogger() })).rejects.toThrow(
        'datagouv (fichier des organisations) : colonnes obligatoires absentes : « id », « name ». Colonnes trouvées : « identifiant », « nom ». Attendu : l\'export CSV du catalogue de data.gouv.fr, séparateur « ; ».',
      );
    });
  });

  it('fails when the datasets file is not beside the organisations file, saying where it looked', async () => {
    const dir = join(tmp.dir, 'seul');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(FIXTURE, 'organisations.csv'), join(dir, 'export-organization-20221231-055249.csv'));
    const config = testConfig(join(dir, 'data'));
    await withWarehouse(config.paths.warehouse, async (w) => {
      await expect(pullSource(config, w, datagouv, { from: join(dir, 'export-organization-20221231-055249.csv'), log: memoryLogger() })).rejects.toThrow(
        `datagouv : fichier « jeux » introuvable : ${join(dir, 'export-dataset-20221231-055249.csv')}.`,
      );
    });
  });
});

describe('the live connector', () => {
  let server: ScriptedServer;
  afterEach(async () => server?.close());

  it('downloads both exports listed by the catalogue dataset and archives them together', async () => {
    const orgs = readFileSync(join(FIXTURE, 'organisations.csv'));
    const jeux = readFileSync(join(FIXTURE, 'datasets.csv'));
    let base = '';
    server = await scriptedServer([
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ resources: [
          { title: 'export-dataset-20221231-055249.csv', url: `${base}/export-dataset-20221231-055249.csv`, format: 'csv' },
          { title: 'export-organization-20221231-055249.csv', url: `${base}/export-organization-20221231-055249.csv`, format: 'csv' },
        ] }));
      },
      (req, res) => {
        res.writeHead(200, { 'content-type': 'text/csv' });
        res.end(req.url!.includes('organization') ? orgs : jeux);
      },
    ]);
    base = server.url;
    const config = testConfig(join(tmp.dir, 'live'), { sources: { datagouv: { url: `${server.url}/api/1/datasets/5d13a8b6634f41070a43dff3/` } } });
    await withWarehouse(config.paths.warehouse, async (w) => {
      const run = await pullSource(config, w, datagouv, { log: memoryLogger() });
      expect(run).toMatchObject({ status: 'succes', origin: 'live', rows_in: 23, location: `${server.url}/export-organization-20221231-055249.csv` });
      expect(server.requests.map((r) => r.url)).toEqual(['/api/1/datasets/5d13a8b6634f41070a43dff3/', '/export-organization-20221231-055249.csv', '/export-dataset-20221231-055249.csv']);
      expect(readFileSync(companionRawPath(run.raw_path!, { name: 'jeux', extension: 'csv' }))).toEqual(jeux);
      // Nothing left half-downloaded beside the archive.
      expect(existsSync(join(config.paths.raw, 'datagouv', `.${basename(run.raw_path!)}.jeux.part`))).toBe(false);
    });
  });
});

describe.skipIf(!HAS_REALDATA)('the real extracts of the catalogue, loaded with --from', () => {
  const R = join(REALDATA, 'datagouv');

  it('reads the 2025-09 pair: three State organisations, four datasets of which one is cut short', async () => {
    const config = testConfig(join(tmp.dir, 'reel-2025'));
    const orgs = join(R, 'organizations-extract-2025-09_datagouvfr_data_pipelines-test.csv');
    await withWarehouse(config.paths.warehouse, async (w) => {
      const run = await pullSource(config, w, datagouv, { from: orgs, log: memoryLogger() });
      const org = records(orgs);
      const jeux = records(join(R, 'datasets-extract-2025-09_datagouvfr_data_pipelines-test.csv'));
      const short = jeux.filter((r) => r.length !== 40).length;
      expect(run).toMatchObject({ rows_in: org.length + jeux.length, rows_rejected: short, date_donnees: '2025-09-19' });
      expect(await w.all(`SELECT DISTINCT categorie FROM datagouv_organisations`)).toEqual([{ categorie: 'hors-collectivite' }]);
      expect(await w.all(`SELECT siren FROM datagouv_organisations ORDER BY ligne`)).toEqual(org.map((r) => ({ siren: r[10]!.slice(0, 9) })));
    });
  });

  it('reads the January 2026 datasets extract, its organisations known from the datasets file, and names real collectivités', async () => {
    const dir = join(tmp.dir, 'reel-2026');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(R, 'organizations-extract-2025-09_datagouvfr_data_pipelines-test.csv'), join(dir, 'organisations.csv'));
    copyFileSync(join(R, 'export-dataset-20260116-055249_first432.csv'), join(dir, 'datasets.csv'));
    const config = testConfig(join(dir, 'data'));
    await withWarehouse(config.paths.warehouse, async (w) => {
      const run = await pullSource(config, w, datagouv, { from: join(dir, 'organisations.csv'), log: memoryLogger() });
      const jeux = records(join(dir, 'datasets.csv'));
      const orgIds = new Set(records(join(dir, 'organisations.csv')).map((r) => r[0]));
      const derived = new Set(jeux.map((r) => r[6]!).filter((id) => id !== '' && !orgIds.has(id)));
      expect(jeux).toHaveLength(432);
      expect(run).toMatchObject({ rows_in: orgIds.size + derived.size + 432, date_donnees: '2026-01-16' });
      expect((await w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM datagouv_jeux`))!.n).toBe(432);
      const named = async (nom: string) => w.one(`SELECT categorie, code FROM datagouv_organisations WHERE nom = $n`, { n: nom });
      expect(await named('Région Bretagne')).toEqual({ categorie: 'region', code: '53' });
      expect(await named('Département du Gard')).toEqual({ categorie: 'departement', code: '30' });
      expect(await named("Conseil départemental de l'Isère")).toEqual({ categorie: 'departement', code: '38' });
      expect(await named('Métropole de Lyon')).toEqual({ categorie: 'epci', code: '200046977' });
      expect(await named('Ville de Paris')).toEqual({ categorie: 'commune', code: '75056' });
      expect(await named('DDT Tarn')).toEqual({ categorie: 'hors-collectivite', code: null });
      // A name the referential does not carry is a reject, never a guess.
      expect((await w.all<{ motif: string }>(`SELECT motif FROM rejets`)).map((r) => r.motif)).toContainEqual(expect.stringMatching(/« Ville d'Evian » : aucune commune de ce nom/));
    });
  });
});
