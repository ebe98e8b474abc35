import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import Papa from 'papaparse';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { computeBarometre } from '../indicators/compute.ts';
import { avertissements, indicatorDefinitions } from '../indicators/exports.ts';
import { demarchesEnLigneDs } from '../indicators/demarches-en-ligne-ds.ts';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import { runStatus } from '../pipelines/base/runs.ts';
import { pullSource } from '../pipelines/sources/pull.ts';
import { referential } from '../pipelines/referential/referential.ts';
import { loadSirenDepartementsRegions } from '../pipelines/referential/siren.ts';
import { cleanIdentifier } from '../pipelines/sources/odt-matching.ts';
import { ds, pickResource } from '../pipelines/sources/ds.ts';
import { DS_TABLE_COLUMNS, endOfMonth, parseMois, prepareDs } from '../pipelines/sources/ds-csv.ts';
import { DS_DEMARCHES_COLUMNS, DS_RAPPROCHEMENT_COLUMNS } from '../pipelines/sources/ds-json.ts';
import { Warehouse } from '../pipelines/base/warehouse.ts';
import { HAS_REALDATA, REALDATA, scratch, testConfig } from './helpers/env.ts';
import { smallReferential } from './helpers/referential.ts';
import { scriptedServer, type ScriptedServer } from './helpers/server.ts';

const ref = referential();
const ctx = { referential: ref, dataDate: '2026-01-15', origin: 'test', runId: 'run-1' };
const FIXTURE = resolve(PROJECT_ROOT, 'test/fixtures/ds/procedure_service_instructeur_expert.csv');
const EXPORT = resolve(PROJECT_ROOT, 'test/fixtures/ds/demarches.json.gz');
const fixture = readFileSync(FIXTURE);
const HEADER = 'mois,procedure_id,service_siret,service_adresse,nb_groupe_instructeur,nb_instructeur,nb_expert';
const csv = (...lines: string[]) => new TextEncoder().encode([HEADER, ...lines].join('\n') + '\n');
const RENNES = '21350238800019';

describe('ds on its fixture (hand-checkable)', () => {
  const p = prepareDs(fixture, ctx);
  const rows = p.tables.ds_procedures!;
  const at = (ligne: number) => rows.find((r) => r.ligne === ligne)!;

  it('reads 15 rows: 14 loaded, 1 rejected with its line and reason', () => {
    expect([p.rowsIn, p.rowsLoaded, p.rejects.length]).toEqual([15, 14, 1]);
    expect(p.rejects).toEqual([{ ligne: 15, identifiant: '2135036420001', motif: 'service_siret invalide « 2135036420001 » (SIRET de 14 chiffres attendu)' }]);
  });

  it('dates the file by the last month it covers, whatever date the context suggests', () => {
    expect(p.dataDate).toBe('2025-06-30');
    expect(new Set(rows.map((r) => r.date_donnees))).toEqual(new Set(['2025-06-30']));
  });

  it('matches communes and EPCI by the SIREN of the SIRET, a commune nouvelle included', () => {
    expect(at(4)).toMatchObject({ mois: '2025-04', procedure_id: 58410, siret: RENNES, siren: '213502388', categorie: 'commune', code: '35238', rapprochement: 'siren', nb_instructeur: 17 });
    expect(at(7)).toMatchObject({ categorie: 'epci', code: '243500139' });
    expect(at(12)).toMatchObject({ siren: '200082980', categorie: 'commune', code: '35004' });
  });

  it('matches a département and a région through the committed SIREN table', () => {
    expect(at(10)).toMatchObject({ categorie: 'departement', code: '35', rapprochement: 'table' });
    expect(at(11)).toMatchObject({ categorie: 'region', code: '53', rapprochement: 'table' });
  });

  it('keeps State services as "hors collectivité" rather than rejecting them', () => {
    expect(at(13)).toMatchObject({ siren: '130016538', categorie: 'hors-collectivite', code: null, service_adresse: 'DINUM, 75007 Paris' });
    expect(at(14)).toMatchObject({ categorie: 'hors-collectivite', code: null });
  });
});

describe('ds on bad and irregular input', () => {
  it('reads the month as AAAA-MM, as a full date, or as the English or French month name the platform once wrote', () => {
    expect(['2025-01', '2025-1', '2025-01-15', 'January 2025', 'décembre 2024', 'Aout 2024', '2025 March'].map(parseMois)).toEqual([
      '2025-01', '2025-01', '2025-01', '2025-01', '2024-12', '2024-08', '2025-03',
    ]);
    expect(['2025-13', '2025-02-30', '13/2025', 'Brumaire 2025', '', '25-01'].map(parseMois)).toEqual([null, null, null, null, null, null]);
    expect([endOfMonth('2024-02'), endOfMonth('2025-02'), endOfMonth('2025-12')]).toEqual(['2024-02-29', '2025-02-28', '2025-12-31']);
  });

  it('strips invisible marks and spaces from a SIRET copied from a web page', () => {
    const p = prepareDs(csv(`2025-04,1,\u200e213 502 388 00019\u00a0,,1,2,0`), ctx);
    expect(p.tables.ds_procedures![0]).toMatchObject({ siret: RENNES, code: '35238' });
  });

  it('rejects each malformed row with its line and a reason in plain words', () => {
    const p = prepareDs(
      csv(
        `2025-13,1,${RENNES},,1,1,0`,
        `2025-04,abc,${RENNES},,1,1,0`,
        `2025-04,2,213502388,,1,1,0`,
        `2025-04,3,${RENNES},,1,-1,0`,
        `2025-04,4,${RENNES},,1,1.5,0`,
        `2025-04,5,${RENNES},,1,2,`,
        `2025-04,6,,,1,2,0`,
        `2025-04,7,${RENNES},,1,2,0`,
        `2025-04,7,${RENNES},,1,2,0`,
        `2025-04,8,${RENNES}`,
      ),
      ctx,
    );
    expect(p.rejects.map((r) => [r.ligne, r.motif])).toEqual([
      [2, 'mois illisible « 2025-13 » (attendu : AAAA-MM, AAAA-MM-JJ ou « January 2025 »)'],
      [3, 'procedure_id invalide « abc » (nombre entier positif attendu)'],
      [4, 'service_siret invalide « 213502388 » (SIRET de 14 chiffres attendu)'],
      [5, "nb_instructeur n'est pas un nombre entier positif ou nul : « -1 »"],
      [6, "nb_instructeur n'est pas un nombre entier positif ou nul : « 1.5 »"],
      [7, 'nb_expert vide (nombre entier positif ou nul attendu)'],
      [8, 'service_siret vide (SIRET de 14 chiffres attendu)'],
      [10, 'doublon : même mois, démarche et SIRET que la ligne 9, comptée une fois'],
      [11, 'ligne mal formée : 3 champs au lieu de 7 (séparateur « , »)'],
    ]);
    expect([p.rowsIn, p.rowsLoaded]).toEqual([10, 1]);
  });

  it('reads by position the rows the platform writes without the address its header announces, and says so', () => {
    const p = prepareDs(csv(`January 2025,41822,${RENNES},2,14,3`, `2025-02,41822,${RENNES},"Hôtel de ville, 35000 Rennes",2,14,3`), ctx);
    expect(p.rejects).toEqual([]);
    expect(p.tables.ds_procedures!.map((r) => [r.ligne, r.mois, r.service_adresse, r.nb_groupe_instructeur, r.nb_instructeur, r.nb_expert])).toEqual([
      [2, '2025-01', null, 2, 14, 3],
      [3, '2025-02', 'Hôtel de ville, 35000 Rennes', 2, 14, 3],
    ]);
    expect(p.notes).toContain("1 ligne(s) sans adresse de service (une valeur de moins que l'en-tête), lues par position.");
  });

  it('keeps a collectivité SIREN it cannot identify apart, as unmatched, and says how to fix it', () => {
    // 22… is a département's SIREN prefix; this one is in no table.
    const p = prepareDs(csv('2025-04,1,22999999900017,,1,1,0', '2025-04,2,21999999900011,,1,1,0'), ctx);
    expect(p.tables.ds_procedures!.map((r) => [r.categorie, r.code])).toEqual([
      ['departement-non-rapprochee', null],
      ['commune-non-rapprochee', null],
    ]);
    expect(p.notes!.join(' ')).toMatch(/1 commune\(s\), 1 département\(s\).*siren-departements-regions\.csv/);
  });

  it('fails on a file without the expected columns, naming those it found', () => {
    expect(() => prepareDs(new TextEncoder().encode('mois,procedure_id\n2025-01,1\n'), ctx)).toThrow(
      /colonnes obligatoires absentes : « service_siret », « nb_groupe_instructeur », « nb_instructeur », « nb_expert »\. Colonnes trouvées : « mois », « procedure_id »/,
    );
  });

  it('keeps in the SIREN table only real départements and régions of the referential, each SIREN once', () => {
    const table = loadSirenDepartementsRegions();
    // 72 from the 2021 file, 5 more (Gard, Haute-Loire, Meuse, Pas-de-Calais, région Guadeloupe) from the December 2022 edition.
    expect(table.size).toBe(77);
    for (const t of table.values()) {
      expect(t.type_collectivite === 'departement' ? ref.departementByCode.has(t.code) : ref.regionByCode.has(t.code)).toBe(true);
    }
  });
});

describe('ds live: the data.gouv.fr listing and the file', () => {
  it('picks the most recent « démarches publiques » export, by the date in its file name', () => {
    const r = pickResource([
      { title: 'nb-dossiers-crees-par-mois-january20250201-12-abc.csv', url: 'https://x/a.csv' },
      { title: '20250101040000-demarches.json.gz', url: 'https://static.data.gouv.fr/resources/x/20250101-041000/20250101040000-demarches.json.gz' },
      { title: 'Démarches publiques', url: 'https://static.data.gouv.fr/resources/x/20250301-041000/20250301040000-demarches.json.gz' },
      { title: '20250201040000-demarches.json.gz', url: 'https://static.data.gouv.fr/resources/x/20250201-041000/20250201040000-demarches.json.gz' },
    ]);
    expect(r?.url).toBe('https://static.data.gouv.fr/resources/x/20250301-041000/20250301040000-demarches.json.gz');
    expect(pickResource([{ title: 'procedure_service_instructeur_expert20250101', url: 'https://x/psie.csv' }])).toBeNull();
  });

  it('dates an export by its file name, not by its content', () => {
    expect(ds.dataDateOf!('https://static.data.gouv.fr/resources/x/20250301-041512/20250301041000-demarches.json.gz')).toBe('2025-03-01');
    expect(ds.dataDateOf!('demarches.json.gz')).toBeNull();
  });

  const tmp = scratch();
  afterAll(tmp.cleanup);
  let server: ScriptedServer;
  afterEach(async () => server?.close());

  it('finds the export through the dataset API, streams it to disk and dates it by its name', async () => {
    const body = readFileSync(EXPORT);
    server = await scriptedServer([
      (req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const base = `http://${req.headers.host}`;
        res.end(JSON.stringify({ resources: [{ title: '20250701041000-demarches.json.gz', url: `${base}/20250701041000-demarches.json.gz`, format: 'gz' }, { title: 'autre', url: `${base}/autre.csv` }] }));
      },
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/gzip' });
        res.end(body);
      },
    ]);
    const config = testConfig(join(tmp.dir, 'live'), { sources: { ds: { url: `${server.url}/api/1/datasets/62a0afdacffa4c3ea5cbd1b4/` } } });
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      const run = await pullSource(config, w, ds, { log: memoryLogger() });
      expect(run).toMatchObject({ status: 'succes', origin: 'live', date_donnees: '2025-07-01', rows_in: 18, rows_loaded: 10, rows_rejected: 8 });
      expect(server.requests.map((r) => r.url)).toEqual(['/api/1/datasets/62a0afdacffa4c3ea5cbd1b4/', '/20250701041000-demarches.json.gz']);
    } finally {
      w.close();
    }
  });

  it('fails clearly when the dataset no longer lists the export', async () => {
    server = await scriptedServer([
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ resources: [] }));
      },
    ]);
    const config = testConfig(join(tmp.dir, 'gone'), { sources: { ds: { url: `${server.url}/api/1/datasets/x/` } } });
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      await expect(pullSource(config, w, ds, { log: memoryLogger() })).rejects.toThrow(/aucune ressource « …-demarches\.json\.gz ».*sources\.ds\.url/);
    } finally {
      w.close();
    }
  });
});

describe('the indicator demarches-en-ligne-ds on a frozen warehouse of the old CSV layout', () => {
  // A tiny referential of real collectivités (real populations), so that every number can be checked by hand.
  const pick = (type: string, code: string) => ref.collectivites.find((c) => c.type_collectivite === type && c.code === code)!;
  const communes = ['35238', '35024', '35051', '35047', '35001', '35206', '35004', '01001'];
  const tiny = smallReferential([...communes.map((c) => pick('commune', c)), pick('epci', '243500139'), pick('epci', '200039022'), pick('departement', '35'), pick('departement', '29'), pick('region', '53'), pick('region', '52')]);

  const tmp = scratch();
  let w: Warehouse;
  type R = Record<string, unknown>;
  let rows: R[];
  const find = (periode: string, type: string, strate: string, niveau = 'national') =>
    rows.find((r) => r.periode === periode && r.type_collectivite === type && r.strate === strate && r.niveau === niveau);

  beforeAll(async () => {
    const config = testConfig(tmp.dir, { minEffectif: 3 });
    w = await Warehouse.open(config.paths.warehouse);
    await w.createTable('ds_procedures', DS_TABLE_COLUMNS);
    await w.insert('ds_procedures', DS_TABLE_COLUMNS, prepareDs(fixture, ctx).tables.ds_procedures!);
    // A load of either layout creates the three tables; the export's stay empty here.
    await w.createTable('ds_demarches', DS_DEMARCHES_COLUMNS);
    await w.createTable('ds_rapprochement', DS_RAPPROCHEMENT_COLUMNS);
    await computeBarometre(config, w, { log: memoryLogger(), referential: tiny, indicators: [demarchesEnLigneDs] });
    rows = await w.all(`SELECT * FROM barometre`);
  });
  afterAll(() => {
    w.close();
    tmp.cleanup();
  });

  it('computes one semester per half-year the months fall in', async () => {
    expect(await demarchesEnLigneDs.periodes(w)).toEqual(['2024-S2', '2025-S1']);
  });

  it('counts 5 of 8 communes with a procedure in 2025-S1, with Wilson bounds, and no legal obligation', () => {
    // Rennes, Betton, Cesson-Sévigné, Bruz (January), Val-Couesnon; not Acigné, Noyal (its row is malformed), L'Abergement.
    const r = find('2025-S1', 'commune', 'toutes')!;
    expect(r).toMatchObject({ concernees: 8, atteintes: 5, statut: 'ok', obligation: 'non', date_donnees: '2025-06-30', source: 'ds', methode_version: '2.0.0' });
    expect(r.taux).toBeCloseTo(5 / 8, 10);
    expect(r.ic_bas).toBeCloseTo(0.3057, 4);
    expect(r.ic_haut).toBeCloseTo(0.8632, 4);
    expect(find('2025-S1', 'commune', 'obligees')).toBeUndefined();
  });

  it('computes 2024-S2 from its own month only, dated by it', () => {
    expect(find('2024-S2', 'commune', 'toutes')).toMatchObject({ concernees: 8, atteintes: 1, date_donnees: '2024-12-31' });
  });

  it('counts the département and the région matched through the SIREN table, and withholds rates of 2', () => {
    expect(find('2025-S1', 'departement', 'toutes')).toMatchObject({ concernees: 2, atteintes: 1, taux: null, statut: 'effectif_insuffisant' });
    expect(find('2025-S1', 'region', 'toutes')).toMatchObject({ concernees: 2, atteintes: 1 });
    expect(find('2025-S1', 'epci', 'toutes')).toMatchObject({ concernees: 2, atteintes: 1 });
  });

  it('gives each collectivité its number of distinct procedures, a procedure seen in several months counting once', async () => {
    const c = await w.all(`SELECT code, valeur, atteinte, rang_strate FROM collectivites_resultats WHERE periode = '2025-S1' AND code IN ('35238', '35047', '35001') ORDER BY code`);
    expect(c).toEqual([
      { code: '35001', valeur: 0, atteinte: false, rang_strate: 1 },
      { code: '35047', valeur: 1, atteinte: true, rang_strate: 1 },
      { code: '35238', valeur: 2, atteinte: true, rang_strate: 1 },
    ]);
  });
});

describe.skipIf(!HAS_REALDATA)('the SIREN table of départements and régions, against the real ODT organisations file', () => {
  it('carries every département and région of the file inside the perimeter, with the same code', () => {
    const raw = Papa.parse<Record<string, string>>(readFileSync(join(REALDATA, 'odt/organisations.csv'), 'utf8'), { header: true, skipEmptyLines: true }).data;
    const table = loadSirenDepartementsRegions();
    const expected = raw
      .filter((r) => (r.type === 'DEP' || r.type === 'REG') && r.depcode !== '988' && r.regcode !== 'NC')
      .map((r) => [cleanIdentifier(r.siren), r.type === 'DEP' ? r.depcode!.trim().padStart(2, '0') : r.regcode!.split('-').pop()!]);
    expect(expected).toHaveLength(72);
    expect(expected.map(([siren]) => [siren, table.get(siren!)?.code])).toEqual(expected);
  });
});

describe('ds on the « démarches publiques » export (the fixture, hand-checkable)', () => {
  const tmp = scratch();
  const config = testConfig(tmp.dir);
  let w: Warehouse;
  let run: Awaited<ReturnType<typeof pullSource>>;
  const demarches = JSON.parse(readFileSync(resolve(PROJECT_ROOT, 'test/fixtures/ds/demarches.json'), 'utf8')) as { number: number }[];
  beforeAll(async () => {
    w = await Warehouse.open(config.paths.warehouse);
    run = await pullSource(config, w, ds, { offline: true, log: memoryLogger() });
  });
  afterAll(() => {
    w.close();
    tmp.cleanup();
  });

  it('the gzip fixture holds its readable twin, byte for byte', () => {
    expect(gunzipSync(readFileSync(EXPORT)).toString('utf8')).toBe(readFileSync(resolve(PROJECT_ROOT, 'test/fixtures/ds/demarches.json'), 'utf8'));
  });

  it('reads every procedure of the file: 10 kept, 8 rejected, each with its position and reason', async () => {
    expect(run).toMatchObject({ status: 'succes', rows_in: demarches.length, rows_loaded: 10, rows_rejected: 8, date_donnees: '2025-06-30' });
    expect(await w.all(`SELECT ligne, identifiant, motif FROM rejets WHERE run_id = $r ORDER BY ligne`, { r: run.run_id })).toEqual([
      { ligne: 11, identifiant: '12345', motif: 'organisme hors collectivités (typeOrganisme « administration_centrale »)' },
      { ligne: 12, identifiant: '23456', motif: 'organisme hors collectivités (typeOrganisme « service_deconcentre_de_l_etat »)' },
      {
        ligne: 13,
        identifiant: '77120',
        motif:
          'nom ambigu : « Mairie de Saint-Aubin » désigne 10 collectivités (commune 02671, commune 10334, commune 21541, commune 36181, commune 39476, …) ; un département entre parenthèses à la fin du nom trancherait',
      },
      { ligne: 14, identifiant: '77355', motif: 'aucune collectivité de ce nom : « Syndicat intercommunal des eaux de la forêt de Rennes » / « Service des eaux »' },
      { ligne: 15, identifiant: '78044', motif: 'aucune collectivité de ce nom : « CCAS de Rennes » / « Pôle solidarités »' },
      { ligne: 16, identifiant: '78290', motif: "aucune collectivité de ce nom : « SDIS d'Ille-et-Vilaine » / « Groupement volontariat »" },
      { ligne: 17, identifiant: '91007', motif: 'datePublication absente (démarche jamais publiée)' },
      { ligne: 18, identifiant: '92001', motif: 'démarche sans service (service absent ou null)' },
    ]);
  });

  it('matches communes, an EPCI, a département and a région by the name of their organisation', async () => {
    expect(await w.all(`SELECT numero, date_publication, categorie, code, rapprochement FROM ds_demarches ORDER BY ligne`)).toEqual([
      { numero: 41822, date_publication: '2024-12-03', categorie: 'commune', code: '35047', rapprochement: 'nom-organisme' }, // Mairie de Bruz
      { numero: 58410, date_publication: '2025-04-07', categorie: 'commune', code: '35238', rapprochement: 'nom-organisme' }, // Ville de Rennes
      { numero: 61207, date_publication: '2025-05-12', categorie: 'commune', code: '35238', rapprochement: 'nom-organisme' },
      { numero: 73055, date_publication: '2025-04-14', categorie: 'epci', code: '243500139', rapprochement: 'nom-organisme' }, // Rennes Métropole
      { numero: 80112, date_publication: '2025-05-20', categorie: 'commune', code: '35024', rapprochement: 'nom-organisme' }, // Commune de Betton
      { numero: 80950, date_publication: '2025-05-26', categorie: 'commune', code: '35051', rapprochement: 'nom-organisme' }, // Ville de Cesson-Sévigné
      { numero: 66031, date_publication: '2025-06-02', categorie: 'departement', code: '35', rapprochement: 'nom-organisme' }, // Département d'Ille-et-Vilaine
      { numero: 66480, date_publication: '2025-06-10', categorie: 'region', code: '53', rapprochement: 'nom-organisme' }, // Région Bretagne
      { numero: 90214, date_publication: '2025-06-16', categorie: 'commune', code: '35004', rapprochement: 'nom-organisme' }, // Mairie de Val-Couesnon
      { numero: 88630, date_publication: '2025-03-03', categorie: 'epci', code: '200069193', rapprochement: 'nom-organisme' }, // Communauté de communes de la Dombes → CC de la Dombes
    ]);
  });

  it('keeps the match rate of the load: 9 of the 13 procedures declared by collectivités territoriales (69,2 %)', async () => {
    // Declared « collectivite_territoriale » with a usable structure: objects 1–9 and 13–16; the « autre » of object 10 is counted apart.
    expect(await w.all(`SELECT demarches, demarches_collectivites, rapprochees, ambigues, introuvables, rapprochees_autres FROM ds_rapprochement`)).toEqual([
      { demarches: 18, demarches_collectivites: 13, rapprochees: 9, ambigues: 1, introuvables: 3, rapprochees_autres: 1 },
    ]);
    expect((await w.one<{ taux: number }>(`SELECT taux FROM ds_rapprochement`))!.taux).toBeCloseTo(9 / 13, 12);
  });
});

describe('ds export: names, layouts and the old CSV', () => {
  const tmp = scratch();
  afterAll(tmp.cleanup);
  const service = (organisme: string | null, nom = 'Service', typeOrganisme = 'collectivite_territoriale') => ({ nom, organisme, typeOrganisme });
  const demarche = (number: unknown, s: unknown, datePublication: unknown = '2025-03-01T10:00:00+01:00') => ({ number, title: `Démarche ${String(number)}`, datePublication, service: s, dossiersCount: 10 });
  const file = (name: string, items: unknown[], gzip = true) => {
    const path = join(tmp.dir, name);
    const text = JSON.stringify(items);
    writeFileSync(path, gzip ? gzipSync(text) : text);
    return path;
  };
  const load = async (dir: string, from: string) => {
    const config = testConfig(join(tmp.dir, dir));
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      const run = await pullSource(config, w, ds, { from, date: '2025-12-31', log: memoryLogger() });
      return {
        run,
        rows: await w.all<{ numero: number; categorie: string; code: string; rapprochement: string }>(`SELECT numero, categorie, code, rapprochement FROM ds_demarches ORDER BY ligne`),
        rejects: await w.all<{ ligne: number; motif: string }>(`SELECT ligne, motif FROM rejets WHERE run_id = $r ORDER BY ligne`, { r: run.run_id }),
      };
    } finally {
      w.close();
    }
  };

  it('reads the spelt-out kinds of collectivités, a département in brackets, and falls back to the service name', async () => {
    const { rows, rejects } = await load(
      'noms',
      file('20251231040000-demarches.json.gz', [
        demarche(1, service('Conseil départemental du Nord')),
        demarche(2, service('Collectivité de Corse')),
        demarche(3, service('Mairie de Saint-Aubin (21)')),
        demarche(4, service('Mairie', 'Ville de Redon')),
        demarche(5, service("Communauté d'agglomération du Grand Cahors", 'Mobilités', 'autre')),
        demarche(6, service('Ville de Paris')),
        demarche(7, service('Mairie de Saint-Aubin (35)')),
      ]),
    );
    expect(rows.map((r) => [r.numero, r.categorie, r.code, r.rapprochement])).toEqual([
      [1, 'departement', '59', 'nom-organisme'],
      [2, 'region', '94', 'nom-organisme'],
      [3, 'commune', '21541', 'nom-organisme'],
      [4, 'commune', '35236', 'nom-service'],
      [5, 'epci', '200023737', 'nom-organisme'],
      [6, 'commune', '75056', 'nom-organisme'],
    ]);
    expect(rejects).toEqual([{ ligne: 7, motif: 'aucune collectivité de ce nom : « Mairie de Saint-Aubin (35) » / « Service »' }]);
  });

  it('rejects duplicates and unreadable fields with their position, and dates the export by its file name', async () => {
    const { run, rejects } = await load(
      'champs',
      file('20251105041000-demarches.json', [demarche(10, service('Ville de Rennes')), demarche(10, service('Ville de Rennes')), demarche('x', service('Ville de Rennes')), demarche(11, 'Rennes'), demarche(12, service('Ville de Rennes'), '03/2025')], false),
    );
    expect(run).toMatchObject({ rows_in: 5, rows_loaded: 1, rows_rejected: 4, date_donnees: '2025-12-31' });
    expect(rejects).toEqual([
      { ligne: 2, motif: "doublon : même démarche que l'objet n°1, comptée une fois" },
      { ligne: 3, motif: 'number invalide « x » (numéro de démarche entier positif attendu)' },
      { ligne: 4, motif: "service n'est pas un objet {nom, organisme, typeOrganisme}" },
      { ligne: 5, motif: 'datePublication illisible « 03/2025 » (date ISO 8601 attendue)' },
    ]);
  });

  it('fails on an export without the expected keys, naming those it found, and keeps the previous data', async () => {
    const config = testConfig(join(tmp.dir, 'layout'));
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      await pullSource(config, w, ds, { offline: true, log: memoryLogger() });
      const before = await w.all(`SELECT * FROM ds_demarches ORDER BY ligne`);
      const bad = file('bad.json.gz', [{ id: 1, libelle: 'Démarche', organisme: 'Ville de Rennes' }]);
      await expect(pullSource(config, w, ds, { from: bad, log: memoryLogger() })).rejects.toThrow(
        /colonnes obligatoires absentes : « number », « title », « datePublication », « service »\. Colonnes trouvées : « id », « libelle », « organisme »/,
      );
      const garbage = join(tmp.dir, 'garbage.json.gz');
      writeFileSync(garbage, gzipSync('{"number": 1, '));
      await expect(pullSource(config, w, ds, { from: garbage, log: memoryLogger() })).rejects.toThrow(/ds \(.*garbage\.json\.gz\) : JSON illisible/);
      expect(await w.all(`SELECT * FROM ds_demarches ORDER BY ligne`)).toEqual(before);
      expect((await runStatus(w)).find((r) => r.source === 'ds')).toMatchObject({ status: 'echec' });
    } finally {
      w.close();
    }
  });

  it('still reads the old procedure_service_instructeur_expert CSV with --from, leaving the export tables empty', async () => {
    const config = testConfig(join(tmp.dir, 'csv'));
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      const run = await pullSource(config, w, ds, { from: FIXTURE, log: memoryLogger() });
      expect(run).toMatchObject({ status: 'succes', rows_in: 15, rows_loaded: 14, rows_rejected: 1, date_donnees: '2025-06-30' });
      expect(await w.all(`SELECT ligne, motif FROM rejets WHERE run_id = $r`, { r: run.run_id })).toEqual([{ ligne: 15, motif: 'service_siret invalide « 2135036420001 » (SIRET de 14 chiffres attendu)' }]);
      expect((await w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ds_procedures`))!.n).toBe(14);
      expect((await w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ds_demarches`))!.n).toBe(0);
    } finally {
      w.close();
    }
  });
});

describe('the indicator demarches-en-ligne-ds on the export', () => {
  const pick = (type: string, code: string) => ref.collectivites.find((c) => c.type_collectivite === type && c.code === code)!;
  const communes = ['35238', '35024', '35051', '35047', '35001', '35206', '35004', '01001'];
  const tiny = smallReferential([...communes.map((c) => pick('commune', c)), pick('epci', '243500139'), pick('epci', '200069193'), pick('departement', '35'), pick('departement', '29'), pick('region', '53'), pick('region', '52')]);
  const tmp = scratch();
  let w: Warehouse;
  type R = Record<string, unknown>;
  let rows: R[];
  const find = (periode: string, type: string) => rows.find((r) => r.periode === periode && r.type_collectivite === type && r.strate === 'toutes' && r.niveau === 'national');

  beforeAll(async () => {
    const config = testConfig(tmp.dir, { minEffectif: 1 });
    w = await Warehouse.open(config.paths.warehouse);
    // The full referential matches the names; the tiny one is the denominator.
    await pullSource(config, w, ds, { offline: true, log: memoryLogger() });
    await computeBarometre(config, w, { log: memoryLogger(), referential: tiny, indicators: [demarchesEnLigneDs] });
    rows = await w.all(`SELECT * FROM barometre`);
  });
  afterAll(() => {
    w.close();
    tmp.cleanup();
  });

  it('goes back to the semester of the first publication, up to the export’s', async () => {
    expect(await demarchesEnLigneDs.periodes(w)).toEqual(['2024-S2', '2025-S1']);
  });

  it('counts, in each semester, the collectivités with a procedure published by its last day, read in the export of 30 June 2025', () => {
    // 2024-S2: Bruz only (3 December 2024). 2025-S1: Bruz, Rennes, Betton, Cesson-Sévigné, Val-Couesnon; not Acigné nor
    // Noyal-Châtillon (its procedure was never published) nor L'Abergement-Clémenciat.
    expect(find('2024-S2', 'commune')).toMatchObject({ concernees: 8, atteintes: 1, date_donnees: '2025-06-30', methode_version: '2.0.0' });
    expect(find('2025-S1', 'commune')).toMatchObject({ concernees: 8, atteintes: 5, date_donnees: '2025-06-30' });
    expect(find('2024-S2', 'departement')).toMatchObject({ concernees: 2, atteintes: 0 });
    expect(find('2025-S1', 'departement')).toMatchObject({ concernees: 2, atteintes: 1 });
    expect(find('2025-S1', 'region')).toMatchObject({ concernees: 2, atteintes: 1 });
    // Rennes Métropole (April 2025) and the CC de la Dombes (March 2025, type « autre »).
    expect(find('2025-S1', 'epci')).toMatchObject({ concernees: 2, atteintes: 2 });
  });

  it('gives Rennes its two distinct procedures', async () => {
    expect(await w.all(`SELECT periode, valeur FROM collectivites_resultats WHERE code = '35238' ORDER BY periode`)).toEqual([
      { periode: '2024-S2', valeur: 0 },
      { periode: '2025-S1', valeur: 2 },
    ]);
  });

  it('carries a warning with the match rate when it is under 80 %, exported with the definition', async () => {
    const texte = (await w.one<{ a: string }>(`SELECT avertissement AS a FROM indicateurs_avertissements WHERE indicateur = 'demarches-en-ligne-ds'`))!.a;
    expect(texte).toContain('seules 9 des 13 démarches déclarées par des collectivités territoriales');
    expect(texte).toContain('69,2 %, sous le seuil de 80,0 %');
    const defs = indicatorDefinitions(await avertissements(w));
    expect(defs.find((d) => d.id === 'demarches-en-ligne-ds')!.avertissement).toBe(texte);
    expect(defs.find((d) => d.id === 'ouverture-donnees')!.avertissement).toBeNull();
  });

  it('carries no warning once the match rate reaches the threshold', async () => {
    await w.run(`UPDATE ds_rapprochement SET rapprochees = 13, taux = 1.0`);
    expect(await demarchesEnLigneDs.avertissement!(w)).toBeNull();
  });
});
