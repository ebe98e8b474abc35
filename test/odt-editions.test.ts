// Every edition of the Observatoire open data des territoires, each in its own layout, through one model of column
// aliases: small fixtures in each exact layout (hand-checkable), then the six real files (skipped when absent).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeBarometre } from '../indicators/compute.ts';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import type { RunRecord } from '../pipelines/base/runs.ts';
import { pullSource } from '../pipelines/sources/pull.ts';
import { referential } from '../pipelines/referential/referential.ts';
import { writeExports } from '../indicators/exports.ts';
import { odt, prepareOdt } from '../pipelines/sources/odt.ts';
import { dateInUrl } from '../pipelines/sources/odt-layout.ts';
import { odtHistorique } from '../pipelines/sources/odt-historique.ts';
import type { Row } from '../pipelines/base/warehouse.ts';
import { Warehouse } from '../pipelines/base/warehouse.ts';
import { HAS_REALDATA, REALDATA, scratch, testConfig } from './helpers/env.ts';

const ref = referential();
const FIXTURES = resolve(PROJECT_ROOT, 'test/fixtures/odt/editions');
const prepare = (name: string, extra: { dataDate?: string; dateImposee?: boolean } = {}) =>
  prepareOdt(readFileSync(join(FIXTURES, name)), { referential: ref, dataDate: extra.dataDate ?? dateInUrl(name) ?? '2000-01-01', dateImposee: extra.dateImposee, origin: name, runId: 'run' });
const summary = (rows: Row[]) => rows.map((r) => `${r.ligne} ${r.categorie} ${r.code ?? '-'}${r.publie ? '' : ' (ne publie pas)'}`);

describe('the date of the data, from a file name', () => {
  it('reads a full date, the Observatory export stamp YYMMDD (with a letter), and nothing from a month alone', () => {
    expect(dateInUrl('https://static.data.gouv.fr/resources/x/20230202-112356/indicateurs-odater-organisations-2022-12-31-.csv')).toBe('2022-12-31');
    expect(dateInUrl('csv/ODF-Observatoire-organisations-221019.csv')).toBe('2022-10-19');
    expect(dateInUrl('ODF-Observatoire-apiviz_data-export_solidata-211105a.csv')).toBe('2021-11-05');
    expect(dateInUrl('2020-10_organisations.csv')).toBeNull();
    expect(dateInUrl('export-221399.csv')).toBeNull(); // no 99th of December
    expect(dateInUrl('organisations.csv?version=221019')).toBeNull();
  });
});

describe('each layout of the organisations table, on a fixture in its exact format', () => {
  it('October 2020: no dataset counts, so being listed means publishing; `reg-code` 1 is Guadeloupe (01)', () => {
    const p = prepare('2020-10_organisations.csv');
    expect([p.rowsIn, p.rowsLoaded, p.rejects.length]).toEqual([8, 7, 1]);
    expect(summary(p.tables.odt_organisations!)).toEqual([
      '2 commune 35001', '3 hors-collectivite -', '4 region 53', '6 epci 200068120', '7 region 01', '8 departement 35', '9 commune 35238',
    ]);
    expect(p.tables.odt_organisations!.every((r) => r.nb_ptf === null && r.nb_datagouv === null)).toBe(true);
    expect(p.rejects[0]).toMatchObject({ ligne: 5, motif: expect.stringMatching(/^commune introuvable : SIREN 852356583 inconnu/) });
    expect(p.notes!.join(' ')).toMatch(/être listée par l’Observatoire vaut publier/);
  });

  it('5 November 2021: underscores, unnamed trailing columns, "6 275" and "0 575", a SIREN written "216 402651", CRLF', () => {
    const p = prepare('ODF-Observatoire-apiviz_data-export_solidata-211105a.csv');
    expect(p.dataDate).toBe('2021-11-05');
    expect([p.rowsIn, p.rowsLoaded, p.rejects.length]).toEqual([9, 6, 3]);
    const rows = p.tables.odt_organisations!;
    expect(rows.find((r) => r.nom === 'ACIGNE')).toMatchObject({ nb_ptf: 4, nb_datagouv: null, population_fichier: 6275, publie: true });
    expect(rows.find((r) => r.nom === 'HALSOU')).toMatchObject({ code: '64255', population_fichier: 575, nb_datagouv: 2 });
    expect(rows.find((r) => r.nom === 'HOSTA')).toMatchObject({ siren: '216402651', code: '64265', population_fichier: 87 });
    expect(rows.find((r) => r.nom === 'ILE ET VILAINE')).toMatchObject({ categorie: 'departement', code: '35', population_fichier: 1076000 });
    expect(p.rejects.map((r) => [r.ligne, r.motif.split(' : ')[0]])).toEqual([[6, 'hors périmètre'], [8, 'EPCI introuvable'], [10, 'doublon']]);
  });

  it('16 December 2021: `lon`, eight more columns and HTML with doubled quotes in `text`; a DDT typed SDE is counted apart', () => {
    const p = prepare('ODF-Observatoire-apiviz_data-export_solidata-211216c.csv');
    expect([p.rowsIn, p.rowsLoaded, p.rejects.length]).toEqual([7, 6, 1]);
    expect(summary(p.tables.odt_organisations!)).toEqual([
      '2 commune 35001', '3 hors-collectivite -', '4 hors-collectivite -', '5 commune 64255', '7 departement 35', '8 epci 243500139',
    ]);
    expect(p.tables.odt_organisations!.find((r) => r.type_odt === 'SDE')).toMatchObject({ nom: 'DDT TARN ET GARONNE', categorie: 'hors-collectivite', nb_datagouv: 354 });
  });

  it('19 October 2022: BOM, `Département` for the code, SIRENs and names with trailing spaces; the date is the latest TimeStamp', () => {
    const p = prepare('ODF-Observatoire-organisations-221019.csv');
    // The name says 19 October 2022 (the export); the rows say 4 October 2022 (Métropole Aix-Marseille-Provence, 4/10/2022).
    expect(p).toMatchObject({ dataDate: '2022-10-04', dataDateFrom: expect.stringMatching(/TimeStamp/), rowsIn: 8, rowsLoaded: 7 });
    expect(p.tables.odt_organisations!.every((r) => r.date_donnees === '2022-10-04')).toBe(true);
    expect(summary(p.tables.odt_organisations!)).toEqual([
      '2 commune 35001', '3 hors-collectivite -', '4 region 53', '5 hors-collectivite -', '6 departement 35', '7 epci 200054807', '9 epci 243500139',
    ]);
    expect(p.tables.odt_organisations!.find((r) => r.nom === 'ADACL Landes')).toMatchObject({ siren: '254002272' });
    expect(p.rejects).toEqual([{ ligne: 8, identifiant: '200012508', motif: expect.stringMatching(/^hors périmètre : commune de Nouvelle-Calédonie/) }]);
  });

  it('19 October 2022 with --date: the operator wins over the TimeStamp', () => {
    const p = prepare('ODF-Observatoire-organisations-221019.csv', { dataDate: '2022-10-19', dateImposee: true });
    expect(p.dataDate).toBe('2022-10-19');
    expect(p.dataDateFrom).toBeUndefined();
  });

  it('31 December 2022 (reduced): no type, no population, no counts: the type comes from the referential through the SIREN', () => {
    const p = prepare('2022-12-31_organisations-reduit.csv');
    expect(p.dataDate).toBe('2022-12-31');
    expect(summary(p.tables.odt_organisations!)).toEqual([
      '2 commune 35001', '3 hors-collectivite -', '4 region 53', '7 departement 43', '8 departement 35', '9 hors-collectivite -', '10 commune 35238', '11 epci 243500139',
    ]);
    // Haute-Loire and Bretagne are known by the repository's SIREN table; Nouméa's SIREN is no collectivité of the referential.
    expect(p.tables.odt_organisations!.filter((r) => r.rapprochement === 'table').map((r) => r.nom)).toEqual(['BRETAGNE', 'HAUTE-LOIRE', 'ILE ET VILAINE']);
    expect(p.rejects.map((r) => [r.ligne, r.motif.split(' : ')[0]])).toEqual([[5, 'EPCI introuvable'], [6, 'commune introuvable']]);
    expect(p.rejects[0]!.motif).toMatch(/le nom « CHARTRES METROPOLE » désigne un EPCI mais le SIREN 200026334 est absent/);
  });
});

describe('a layout not seen yet', () => {
  const csv = (text: string) => new TextEncoder().encode(text);
  const ctx = { referential: ref, dataDate: '2024-06-30', origin: 'nouveau', runId: 'r' };

  it('loads when its columns go by known names, whatever their order, case and separators', () => {
    const p = prepareOdt(csv('NOM;Nb_Datagouv;SIREN;Type;Dep_Code;NB-PTF;Reg_Code\r\nRENNES;3;213502388;COM;35;;53\r\nMORLAIX;0;212901516;COM;29;;53\r\n'), ctx);
    expect(p.tables.odt_organisations!.map((r) => [r.code, r.publie])).toEqual([['35238', true], ['29151', false]]);
  });

  it('fails without an identifying column, naming the names looked for and the columns found', () => {
    expect(() => prepareOdt(csv('raison_sociale,type,nb-ptf,nb-datagouv\nRENNES,COM,1,\n'), ctx)).toThrow(
      'odt (nouveau) : colonnes obligatoires absentes : « siren », « nom ». Colonnes trouvées : « raison_sociale », « type », « nb-ptf », « nb-datagouv ».',
    );
  });

  it('refuses one dataset count without the other, which would undercount', () => {
    expect(() => prepareOdt(csv('siren,nom,type,nb-ptf\n213502388,RENNES,COM,1\n'), ctx)).toThrow(/colonne obligatoire absente : « nb-datagouv »/);
  });
});

// --- The six real editions ---------------------------------------------------------------------------------------

const require = createRequire(import.meta.url);
const OUTRE_MER = new Set(['975', '977', '978', '986', '987', '988']);
const HORS_REGIONS = new Set(['NC', 'PF', 'WF', 'PM', 'BL', 'MF', 'TF']);
const EDITIONS: { file: string; date?: string; expected: string; semestre: string }[] = [
  { file: 'odt/editions/2020-10_organisations.csv', date: '2020-10-31', expected: '2020-10-31', semestre: '2020-S2' },
  { file: 'odt/organisations.csv', date: '2021-04-09', expected: '2021-04-09', semestre: '2021-S1' },
  { file: 'odt/editions/2021-11-05_organisations.csv', expected: '2021-11-05', semestre: '2021-S2' },
  { file: 'odt/editions/2021-12-16_organisations.csv', expected: '2021-12-16', semestre: '2021-S2' },
  { file: 'odt/editions/2022-10-19_organisations.csv', expected: '2022-10-04', semestre: '2022-S2' },
  { file: 'odt/editions/2022-12-31_organisations-reduit.csv', expected: '2022-12-31', semestre: '2022-S2' },
];

/**
 * What each file says, read simply and independently of the source module: per type, the collectivités it lists as
 * publishing that the referential knows, from the package's own files and the repository's tables. Communes are a
 * range: those whose SIREN is a commune's, up to those plus the rows the source may match by name or history.
 */
function expectedCounts(file: string) {
  const text = readFileSync(join(REALDATA, file), 'utf8').replace(/^\uFEFF/, '');
  const rows = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true, transformHeader: (h, i) => h || `_${i}` }).data;
  const key = (h: string) => h.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase().replace(/[\s_\-.]+/g, '');
  const get = (r: Record<string, string>, ...names: string[]) => {
    for (const [k, v] of Object.entries(r)) if (names.includes(key(k))) return (v ?? '').trim();
    return '';
  };
  const siren = (r: Record<string, string>) => get(r, 'siren').replace(/\D/g, '');
  const n = (s: string) => Number(s.replace(/\s/g, '') || 0);
  const counted = Object.keys(rows[0]!).some((h) => key(h) === 'nbptf');
  const publishes = (r: Record<string, string>) => !counted || n(get(r, 'nbptf')) + n(get(r, 'nbdatagouv')) > 0;
  const communes = require('@etalab/decoupage-administratif/data/communes.json') as { type: string; siren?: string; code: string }[];
  const communeOf = new Map(communes.filter((c) => c.type === 'commune-actuelle' && c.siren).map((c) => [c.siren!, c.code]));
  const epci = new Set((require('@etalab/decoupage-administratif/data/epci.json') as { code: string }[]).map((e) => e.code));
  const successions = new Map(Papa.parse<Record<string, string>>(readFileSync(join(PROJECT_ROOT, 'data/referentiels/correspondances.csv'), 'utf8'), { header: true, skipEmptyLines: true }).data.filter((c) => c.type_collectivite === 'epci').map((c) => [c.ancien_identifiant!, c.code_actuel!]));
  const depReg = Papa.parse<Record<string, string>>(readFileSync(join(PROJECT_ROOT, 'data/referentiels/siren-departements-regions.csv'), 'utf8'), { header: true, skipEmptyLines: true }).data;
  const epciCode = (s: string) => (epci.has(s) ? s : epci.has(successions.get(s) ?? '') ? successions.get(s)! : null);
  const typed = Object.keys(rows[0]!).some((h) => key(h) === 'type');
  const pub = rows.filter(publishes);
  if (!typed) {
    const table = (t: string) => new Set(pub.map((r) => depReg.find((d) => d.siren === siren(r) && d.type_collectivite === t)?.code).filter(Boolean)).size;
    const c = new Set(pub.map((r) => communeOf.get(siren(r))).filter(Boolean)).size;
    return { commune: [c, c], epci: new Set(pub.map((r) => epciCode(siren(r))).filter(Boolean)).size, departement: table('departement'), region: table('region') };
  }
  const of = (...types: string[]) => pub.filter((r) => types.includes(get(r, 'type').toUpperCase()));
  const com = of('COM');
  const bySiren = new Set(com.map((r) => communeOf.get(siren(r))).filter(Boolean)).size;
  const others = com.filter((r) => !communeOf.has(siren(r))).length;
  return {
    commune: [bySiren, bySiren + others],
    epci: new Set(of('CC', 'CA', 'CU', 'MET').map((r) => epciCode(siren(r))).filter(Boolean)).size,
    departement: new Set(of('DEP').filter((r) => !OUTRE_MER.has(get(r, 'depcode', 'departement'))).map((r) => get(r, 'depcode', 'departement').padStart(2, '0'))).size,
    region: new Set(of('REG').filter((r) => !HORS_REGIONS.has(get(r, 'regcode').toUpperCase())).map((r) => get(r, 'regcode').split('-').pop()!.padStart(2, '0'))).size,
  };
}

describe.skipIf(!HAS_REALDATA)('the six real editions of the Observatory, loaded with --from', () => {
  const tmp = scratch();
  const config = testConfig(tmp.dir);
  const log = memoryLogger();
  let w: Warehouse;
  const runs: RunRecord[] = [];

  beforeAll(async () => {
    w = await Warehouse.open(config.paths.warehouse);
    for (const e of EDITIONS) runs.push(await pullSource(config, w, odt, { from: join(REALDATA, e.file), date: e.date, log }));
    await pullSource(config, w, odtHistorique, { from: join(REALDATA, 'odt/nb_collectivites_ouvertes_timeseries.csv'), log: memoryLogger() });
    await computeBarometre(config, w, { log: memoryLogger() });
    await writeExports(config, w, new Date('2026-11-22T10:00:00Z'));
  });
  afterAll(() => {
    w?.close();
    tmp.cleanup();
  });

  it('dates each edition by --date, its TimeStamp or its name, and says which in the log', () => {
    expect(runs.map((r) => r.date_donnees)).toEqual(EDITIONS.map((e) => e.expected));
    const said = log.lines.filter((l) => /lignes chargées/.test(l.message)).map((l) => /— (.*?) ;/.exec(l.message)?.[1]);
    expect(said).toEqual(['option --date', 'option --date', 'nom du fichier', 'nom du fichier', 'TimeStamp le plus récent des lignes (TimeStamp)', 'nom du fichier']);
  });

  it('accounts for every row of every file', () => {
    for (const [i, r] of runs.entries()) {
      const text = readFileSync(join(REALDATA, EDITIONS[i]!.file), 'utf8').replace(/^\uFEFF/, '');
      expect(r.rows_in).toBe(Papa.parse(text, { header: true, skipEmptyLines: true, transformHeader: (h, i) => h || `_${i}` }).data.length);
      expect(r.rows_in).toBe(r.rows_loaded! + r.rows_rejected!);
    }
  });

  it('counts, in each edition, the publishing collectivités per type that the file itself lists', async () => {
    for (const e of EDITIONS) {
      const got = Object.fromEntries(
        (await w.all<{ t: string; n: number }>(
          `SELECT categorie AS t, count(DISTINCT code)::INTEGER AS n FROM odt_organisations WHERE date_donnees = $d AND publie AND code IS NOT NULL GROUP BY 1`,
          { d: e.expected },
        )).map((r) => [r.t, r.n]),
      );
      const expected = expectedCounts(e.file);
      expect({ file: e.file, epci: got.epci, departement: got.departement, region: got.region }).toEqual({ file: e.file, epci: expected.epci, departement: expected.departement, region: expected.region });
      expect(got.commune, `${e.file}: communes`).toBeGreaterThanOrEqual(expected.commune[0]!);
      expect(got.commune, `${e.file}: communes`).toBeLessThanOrEqual(expected.commune[1]!);
    }
  });

  it('puts each published figure next to ours, computed with the producer’s definition where the edition allows', async () => {
    const rows = Papa.parse<Record<string, string>>(readFileSync(join(tmp.dir, 'exports', 'chiffres-publies.csv'), 'utf8'), { header: true, skipEmptyLines: true }).data;
    const published = Papa.parse<Record<string, string>>(readFileSync(join(PROJECT_ROOT, 'data/referentiels/chiffres-publies.csv'), 'utf8'), { header: true, skipEmptyLines: true }).data;
    expect(rows.map((r) => r.id).sort()).toEqual(published.map((r) => r.id).sort());
    for (const r of rows) {
      expect(r.notre_valeur, r.id).not.toBe('');
      expect(r.explication.length, r.id).toBeGreaterThan(100);
    }
    const by = (id: string) => rows.find((r) => r.id === id)!;
    // October 2019: the national history's « Octobre 2019 » row, read here from the file itself.
    const history = Papa.parse<Record<string, string>>(readFileSync(join(REALDATA, 'odt/nb_collectivites_ouvertes_timeseries.csv'), 'utf8'), { header: true, skipEmptyLines: true }).data;
    expect(Number(by('odf-2019-10-nombre').notre_valeur)).toBe(Number(history.find((h) => h.periode === 'Octobre 2019')!.total));
    // The denominator: collectivités subject to the obligation in the package's own files.
    const communes = require('@etalab/decoupage-administratif/data/communes.json') as { type: string; zone: string; population?: number }[];
    const epci = (require('@etalab/decoupage-administratif/data/epci.json') as unknown[]).length;
    const obligees = communes.filter((c) => c.type === 'commune-actuelle' && (c.zone === 'metro' || c.zone === 'drom') && (c.population ?? 0) >= 3500).length + epci + 101 + 18;
    expect(Number(by('odf-2020-10-taux').notre_denominateur)).toBe(obligees);
    // October 2020: the collectivités the October 2020 file lists, per type as counted above.
    const oct = expectedCounts(EDITIONS[0]!.file);
    const others = oct.epci + oct.departement + oct.region;
    expect(Number(by('odf-2020-10-nombre').notre_valeur)).toBeGreaterThanOrEqual(others + oct.commune[0]!);
    expect(Number(by('odf-2020-10-nombre').notre_valeur)).toBeLessThanOrEqual(others + oct.commune[1]!);
    expect(by('odf-2020-10-taux').explication).toMatch(/exemption des collectivités de moins de 50 agents/);
    expect(by('odf-2022-12-nombre').explication).toMatch(/3 établissements publics territoriaux/);
    expect(by('dcant-2019-10-taux').explication).toMatch(/La méthode et le dénominateur de ce chiffre ne sont pas publiés : 7,84\s% des 4\s510 collectivités soumises selon OpenDataFrance/);
  });

  it('gives ouverture-donnees a value for every semester from 2020-S2 to 2022-S2, each from its edition', async () => {
    const rows = await w.all<{ periode: string; type_collectivite: string; atteintes: number; date_donnees: string; source: string }>(
      `SELECT periode, type_collectivite, atteintes, date_donnees, source FROM barometre
       WHERE indicateur = 'ouverture-donnees' AND niveau = 'national' AND strate = 'toutes' AND nature IS NULL AND periode BETWEEN '2020-S2' AND '2022-S2'`,
    );
    const dates: Record<string, string> = { '2020-S2': '2020-10-31', '2021-S1': '2021-04-09', '2021-S2': '2021-12-16', '2022-S1': '2021-12-16', '2022-S2': '2022-12-31' };
    expect([...new Set(rows.map((r) => r.periode))].sort()).toEqual(Object.keys(dates));
    for (const r of rows) {
      expect(r).toMatchObject({ date_donnees: dates[r.periode], source: 'odt' });
      const file = EDITIONS.find((e) => e.expected === dates[r.periode])!.file;
      const expected = expectedCounts(file)[r.type_collectivite as 'epci' | 'departement' | 'region' | 'commune'];
      if (Array.isArray(expected)) expect(r.atteintes).toBeGreaterThanOrEqual(expected[0]!);
      else expect(r.atteintes, `${r.periode} ${r.type_collectivite}`).toBe(expected);
    }
  });
});
