import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeBarometre } from '../indicators/compute.ts';
import { join } from 'node:path';
import { memoryLogger } from '../pipelines/base/log.ts';
import { RUN_COLUMNS } from '../pipelines/base/runs.ts';
import { loadStrates, strateOf, type Collectivite } from '../pipelines/referential/referential.ts';
import { ODT_COLUMNS } from '../pipelines/sources/odt.ts';
import { Warehouse } from '../pipelines/base/warehouse.ts';
import { scratch, testConfig } from './helpers/env.ts';
import { smallReferential } from './helpers/referential.ts';

// A small frozen warehouse whose every number can be checked by hand.
const strates = loadStrates();
const commune = (code: string, population: number | null): Collectivite => ({
  code, type_collectivite: 'commune', nom: `Commune ${code}`, siren: null, population, strate: strateOf(strates, 'commune', population),
  departement: '35', region: '53', nature: null, epci: null, codes_postaux: null,
});
const collectivites = [
  commune('35001', 4000), commune('35002', 4000), commune('35003', 4200), // 2 of 3 publish
  commune('35004', 50), commune('35005', 60), commune('35006', 70), // none publishes
  commune('35007', null), // unknown population, publishes
];
const ref = smallReferential(collectivites, strates);
const publishing = ['35001', '35002', '35007'];

const tmp = scratch();
afterAll(tmp.cleanup);
let w: Warehouse;
type Row = Record<string, unknown>;
let rows: Row[];
const find = (niveau: string, strate: string) => rows.find((r) => r.niveau === niveau && r.strate === strate && r.type_collectivite === 'commune');

beforeAll(async () => {
  const config = testConfig(tmp.dir, { minEffectif: 3 });
  w = await Warehouse.open(config.paths.warehouse);
  await w.createTable('odt_organisations', ODT_COLUMNS);
  await w.insert('odt_organisations', ODT_COLUMNS, publishing.map((code, i) => ({
    date_donnees: '2021-04-09', run_id: 'r', ligne: i + 2, siren: null, nom: code, type_odt: 'COM', categorie: 'commune', code, rapprochement: 'siren', nb_ptf: 1, nb_datagouv: null, publie: true, url_ptf: null, url_datagouv: null,
  })));
  await computeBarometre(config, w, { log: memoryLogger(), referential: ref });
  rows = await w.all(`SELECT * FROM barometre`);
});
afterAll(() => w.close());

describe('the barometer on a frozen warehouse', () => {
  it('computes rate, Wilson bounds and population-weighted rate per strate', () => {
    const r = find('national', 'com-3500-4999')!;
    expect(r).toMatchObject({ periode: '2021-S1', concernees: 3, atteintes: 2, population_concernee: 12200, population_atteinte: 8000, statut: 'ok', obligation: 'oui', date_donnees: '2021-04-09', methode_version: '2.0.0+odt', source: 'odt' });
    expect(r.taux).toBeCloseTo(2 / 3, 10);
    expect(r.ic_bas).toBeCloseTo(0.2077, 4);
    expect(r.ic_haut).toBeCloseTo(0.9385, 4);
    expect(r.taux_population).toBeCloseTo(8000 / 12200, 10);
  });

  it('publishes no median for a yes/no indicator', () => {
    expect(rows.filter((r) => r.valeur_mediane !== null)).toEqual([]);
  });

  it('shows 0 % when nobody publishes in a large enough strate', () => {
    expect(find('national', 'com-0-99')).toMatchObject({ concernees: 3, atteintes: 0, taux: 0, statut: 'ok', obligation: 'non' });
  });

  it('withholds the rate under the minimum number concerned, instead of showing 100 %', () => {
    expect(find('national', 'inconnue')).toMatchObject({ concernees: 1, atteintes: 1, taux: null, ic_bas: null, ic_haut: null, statut: 'effectif_insuffisant' });
  });

  it('counts communes of unknown population in "toutes", apart from every band', () => {
    expect(find('national', 'toutes')).toMatchObject({ concernees: 7, atteintes: 3, population_concernee: 12380, obligation: 'partielle' });
    expect(find('national', 'obligees')).toMatchObject({ concernees: 3, atteintes: 2 });
  });

  it('repeats the computation for the région and the département', () => {
    expect(find('region', 'toutes')).toMatchObject({ territoire: '53', concernees: 7, atteintes: 3 });
    expect(find('departement', 'toutes')).toMatchObject({ territoire: '35', concernees: 7, atteintes: 3 });
  });

  it('ranks ties together and gives the percentile of peers doing no better', async () => {
    const c = await w.all(`SELECT code, rang_strate, percentile_strate, mediane_strate, taux_strate FROM collectivites_resultats WHERE strate = 'com-3500-4999' ORDER BY code`);
    expect(c).toEqual([
      { code: '35001', rang_strate: 1, percentile_strate: 100, mediane_strate: 1, taux_strate: expect.closeTo(2 / 3, 10) },
      { code: '35002', rang_strate: 1, percentile_strate: 100, mediane_strate: 1, taux_strate: expect.closeTo(2 / 3, 10) },
      { code: '35003', rang_strate: 3, percentile_strate: 33.3, mediane_strate: 1, taux_strate: expect.closeTo(2 / 3, 10) },
    ]);
  });
});

describe('a warehouse made by an older version', () => {
  it('computes straight after an upgrade: the runs table gets the volume guard’s columns before they are read', async () => {
    const config = testConfig(join(tmp.dir, 'ancien'), { minEffectif: 3 });
    const ancien = await Warehouse.open(config.paths.warehouse);
    try {
      // The runs table as it was before the volume guard: its columns up to `error`, with one good load.
      const colonnes = RUN_COLUMNS.slice(0, RUN_COLUMNS.findIndex((c) => c.name === 'error') + 1);
      await ancien.createTable('runs', colonnes);
      await ancien.insert('runs', colonnes, [{ source: 'odt', run_id: 'odt-ancien', status: 'succes', origin: 'fichier', location: 'x', started_at: '2021-04-10T00:00:00Z', rows_in: 3, rows_loaded: 3, rows_rejected: 0 }]);
      await ancien.createTable('odt_organisations', ODT_COLUMNS);
      await ancien.insert('odt_organisations', ODT_COLUMNS, publishing.map((code, i) => ({
        date_donnees: '2021-04-09', run_id: 'odt-ancien', ligne: i + 2, siren: null, nom: code, type_odt: 'COM', categorie: 'commune', code, rapprochement: 'siren', nb_ptf: 1, nb_datagouv: null, publie: true, url_ptf: null, url_datagouv: null,
      })));
      await computeBarometre(config, ancien, { log: memoryLogger(), referential: ref });
      const colonnesApres = (await ancien.all<{ c: string }>(`SELECT column_name AS c FROM information_schema.columns WHERE table_name = 'runs'`)).map((r) => r.c);
      expect(colonnesApres).toEqual(expect.arrayContaining(['parts', 'rows_counted', 'rows_expected', 'matched', 'matched_expected', 'compared_with']));
      expect(await ancien.one(`SELECT concernees, atteintes FROM barometre WHERE niveau = 'national' AND strate = 'toutes' AND type_collectivite = 'commune' AND indicateur = 'ouverture-donnees'`)).toEqual({ concernees: 7, atteintes: 3 });
    } finally {
      ancien.close();
    }
  });
});
