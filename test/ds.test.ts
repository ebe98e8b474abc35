import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Papa from 'papaparse';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { computeBarometre } from '../indicators/compute.ts';
import { demarchesEnLigneDs } from '../indicators/demarches-en-ligne-ds.ts';
import { PROJECT_ROOT } from '../pipelines/config.ts';
import { memoryLogger } from '../pipelines/log.ts';
import { pullSource } from '../pipelines/pull.ts';
import { referential, type Referential } from '../pipelines/referential.ts';
import { loadSirenDepartementsRegions } from '../pipelines/siren.ts';
import { cleanIdentifier } from '../pipelines/sources/odt.ts';
import { ds, DS_TABLE_COLUMNS, endOfMonth, parseMois, pickResource, prepareDs } from '../pipelines/sources/ds.ts';
import { Warehouse } from '../pipelines/warehouse.ts';
import { HAS_REALDATA, REALDATA, scratch, testConfig } from './helpers/env.ts';
import { scriptedServer, type ScriptedServer } from './helpers/server.ts';

const ref = referential();
const ctx = { referential: ref, dataDate: '2026-01-15', origin: 'test', runId: 'run-1' };
const FIXTURE = resolve(PROJECT_ROOT, 'test/fixtures/ds/procedure_service_instructeur_expert.csv');
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
    expect(table.size).toBe(72);
    for (const t of table.values()) {
      expect(t.type_collectivite === 'departement' ? ref.departementByCode.has(t.code) : ref.regionByCode.has(t.code)).toBe(true);
    }
  });
});

describe('ds live: the data.gouv.fr listing and the file', () => {
  it('picks the most recent procedure_service_instructeur_expert resource, by the date in its title', () => {
    const r = pickResource([
      { title: 'nb-dossiers-crees-par-mois-january20250201-12-abc.csv', url: 'https://x/a.csv' },
      { title: 'procedure_service_instructeur_expert20250101-7-zz', url: 'https://x/old' },
      { title: 'procedure-service-instructeur-expert20250301-9-yy.csv', url: 'https://x/new.csv' },
      { title: 'procedure_service_instructeur_expert20250201-8-xx', url: 'https://x/mid' },
    ]);
    expect(r?.url).toBe('https://x/new.csv');
    expect(pickResource([{ title: 'autre chose', url: 'https://x' }])).toBeNull();
  });

  const tmp = scratch();
  afterAll(tmp.cleanup);
  let server: ScriptedServer;
  afterEach(async () => server?.close());

  it('finds the file through the dataset API, downloads it and dates it by its last month', async () => {
    const body = readFileSync(FIXTURE, 'utf8');
    server = await scriptedServer([
      (req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const base = `http://${req.headers.host}`;
        res.end(JSON.stringify({ resources: [{ title: 'procedure_service_instructeur_expert20250701-3-ab', url: `${base}/psie.csv`, format: '' }, { title: 'autre', url: `${base}/autre.csv` }] }));
      },
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(body);
      },
    ]);
    const config = testConfig(join(tmp.dir, 'live'), { sources: { ds: { url: `${server.url}/api/1/datasets/62d677bde7e4ca2c759142ce/` } } });
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      const run = await pullSource(config, w, ds, { log: memoryLogger() });
      expect(run).toMatchObject({ status: 'succes', origin: 'live', date_donnees: '2025-06-30', rows_in: 15, rows_loaded: 14, rows_rejected: 1, location: `${server.url}/psie.csv` });
      expect(server.requests.map((r) => r.url)).toEqual(['/api/1/datasets/62d677bde7e4ca2c759142ce/', '/psie.csv']);
    } finally {
      w.close();
    }
  });

  it('fails clearly when the dataset no longer lists the file', async () => {
    server = await scriptedServer([
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ resources: [] }));
      },
    ]);
    const config = testConfig(join(tmp.dir, 'gone'), { sources: { ds: { url: `${server.url}/api/1/datasets/x/` } } });
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      await expect(pullSource(config, w, ds, { log: memoryLogger() })).rejects.toThrow(/aucune ressource « procedure_service_instructeur_expert ».*sources\.ds\.url/);
    } finally {
      w.close();
    }
  });
});

describe('the indicator demarches-en-ligne-ds on a frozen warehouse', () => {
  // A tiny referential of real collectivités (real populations), so that every number can be checked by hand.
  const pick = (type: string, code: string) => ref.collectivites.find((c) => c.type_collectivite === type && c.code === code)!;
  const communes = ['35238', '35024', '35051', '35047', '35001', '35206', '35004', '01001'];
  const tiny = {
    version: 'test',
    strates: ref.strates,
    history: [],
    collectivites: [...communes.map((c) => pick('commune', c)), pick('epci', '243500139'), pick('epci', '200039022'), pick('departement', '35'), pick('departement', '29'), pick('region', '53'), pick('region', '52')],
  } as unknown as Referential;

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
    expect(r).toMatchObject({ concernees: 8, atteintes: 5, statut: 'ok', obligation: 'non', date_donnees: '2025-06-30', source: 'ds', methode_version: '1.0.0' });
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
