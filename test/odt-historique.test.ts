import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { historiqueSql } from '../indicators/historique.ts';
import { pullAll } from '../commands/build.ts';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import { pullSource } from '../pipelines/sources/pull.ts';
import { referential, storeReferential } from '../pipelines/referential/referential.ts';
import { excelSerialToDate, odtHistorique, parseLabel, prepareOdtHistorique } from '../pipelines/sources/odt-historique.ts';
import { SOURCES } from '../pipelines/sources/index.ts';
import { Warehouse } from '../pipelines/base/warehouse.ts';
import { HAS_REALDATA, REALDATA, scratch, testConfig } from './helpers/env.ts';
import { respond, scriptedServer, type ScriptedServer } from './helpers/server.ts';

const ref = referential();
const ctx = { referential: ref, dataDate: '2026-01-01', origin: 'test', runId: 'run-1' };
const FIXTURE = resolve(PROJECT_ROOT, 'test/fixtures/odt-historique/nb_collectivites_ouvertes_timeseries.csv');
const REAL = join(REALDATA, 'odt/nb_collectivites_ouvertes_timeseries.csv');
const HEADER = 'periode,communes,epci,departements,regions,total';
const csv = (...lines: string[]) => new TextEncoder().encode([HEADER, ...lines].join('\n') + '\n');
const tmp = scratch();
afterAll(tmp.cleanup);

describe('parseLabel reads the period labels of the series', () => {
  it('dates every French month, with or without accents, in any case, at the last day of the month', () => {
    const labels = ['Janvier', 'Février', 'mars', 'AVRIL', 'Mai', 'juin', 'Juillet', 'Août', 'Septembre', 'Octobre', 'novembre', 'Décembre'];
    expect(labels.map((m) => parseLabel(`${m} 2019`))).toEqual(
      ['2019-01-31', '2019-02-28', '2019-03-31', '2019-04-30', '2019-05-31', '2019-06-30', '2019-07-31', '2019-08-31', '2019-09-30', '2019-10-31', '2019-11-30', '2019-12-31'].map((date) => ({ date, how: 'mois' })),
    );
    expect(parseLabel('FEVRIER 2020')).toEqual({ date: '2020-02-29', how: 'mois' });
    expect(parseLabel('aout 2018')).toEqual({ date: '2018-08-31', how: 'mois' });
    expect(parseLabel('déc. 2018')).toEqual({ date: '2018-12-31', how: 'mois' });
    expect(parseLabel('  Octobre\u00a02016 ')).toEqual({ date: '2016-10-31', how: 'mois' });
  });

  it('reads ISO dates and ISO months', () => {
    expect(parseLabel('2021-04-09')).toEqual({ date: '2021-04-09', how: 'iso' });
    expect(parseLabel('2020-06')).toEqual({ date: '2020-06-30', how: 'mois' });
  });

  it('reads an Excel serial in the 1900 date system (44197 is 1 January 2021, so 44294 is 8 April 2021)', () => {
    expect(excelSerialToDate(44197)).toBe('2021-01-01');
    expect(parseLabel('44294')).toEqual({ date: '2021-04-08', how: 'excel' });
    expect(parseLabel('43281')).toEqual({ date: '2018-06-30', how: 'excel' });
    expect(parseLabel('43281,75')).toEqual({ date: '2018-06-30', how: 'excel' });
  });

  it('keeps the written date of the real messy label and says that its serial is one day off', () => {
    const parsed = parseLabel('2021-04-09 (date serial Excel 44294)');
    expect(parsed).toMatchObject({ date: '2021-04-09', how: 'iso' });
    expect('note' in parsed && parsed.note).toMatch(/44294 correspond au 2021-04-08 .* la date écrite \(2021-04-09\) est retenue/);
    expect(parseLabel('2021-04-08 (date serial Excel 44294)')).toEqual({ date: '2021-04-08', how: 'iso' });
    expect(parseLabel('Octobre 2016 (provisoire)')).toEqual({ date: '2016-10-31', how: 'mois', note: 'remarque « provisoire » ignorée' });
  });

  it('refuses, with the reason, what it cannot read', () => {
    const error = (label: string) => {
      const p = parseLabel(label);
      return 'error' in p ? p.error : null;
    };
    expect(error('2021-04-09 (date serial Excel 44200)')).toBe('libellé « 2021-04-09 (date serial Excel 44200) » contradictoire : la date écrite est le 2021-04-09, le numéro de série Excel 44200 donne le 2021-01-04');
    expect(error('2017')).toMatch(/^« 2017 » n'est ni une année ni un numéro de série Excel plausible/);
    expect(error('Brumaire 2017')).toMatch(/^mois « Brumaire » inconnu dans « Brumaire 2017 »/);
    expect(error('31/12/2020')).toMatch(/^libellé de période « 31\/12\/2020 » illisible \(attendu : un mois en français/);
    expect(error('2021-02-30')).toMatch(/illisible/);
    expect(error('2020-13')).toMatch(/^mois invalide/);
    expect(error('')).toMatch(/^libellé de période vide/);
  });
});

describe('odt-historique on its fixture (hand-checkable)', () => {
  const p = prepareOdtHistorique(readFileSync(FIXTURE), ctx);
  const rows = p.tables.odt_historique!;
  const at = (date: string) => Object.fromEntries(rows.filter((r) => r.date_observation === date).map((r) => [r.type_collectivite, r.nombre]));

  it('reads 7 lines: 6 dates loaded (4 rows each), 1 rejected', () => {
    expect([p.rowsIn, p.rowsLoaded, p.rejects.length, rows.length]).toEqual([7, 6, 1, 24]);
  });

  it('dates each line: months at their last day, the Excel serial, the messy label at its written date', () => {
    expect([...new Set(rows.map((r) => r.date_observation))]).toEqual(['2016-10-31', '2017-03-31', '2017-10-31', '2018-06-30', '2018-12-31', '2019-07-10']);
    expect(at('2018-06-30')).toEqual({ commune: 26, epci: 11, departement: 5, region: 3 });
  });

  it('takes the date of its last observation as the data date', () => {
    expect(p.dataDate).toBe('2019-07-10');
    expect(new Set(rows.map((r) => r.date_donnees))).toEqual(new Set(['2019-07-10']));
  });

  it('rejects a line whose total is not the sum of the four types', () => {
    expect(p.rejects).toEqual([{ ligne: 7, identifiant: 'Juin 2019', motif: 'total 57 ≠ somme des quatre types 56 (33 + 14 + 6 + 3) : on ne peut pas savoir quel nombre est faux' }]);
  });

  it('keeps a count that goes down, with a note, and notes the one-day-off serial', () => {
    expect(at('2019-07-10')).toMatchObject({ departement: 4 });
    expect(p.notes).toEqual([
      expect.stringMatching(/^ligne 8 : le numéro de série Excel 43655 correspond au 2019-07-09/),
      'ligne 8 : departements en baisse, 5 (« Décembre 2018 ») puis 4 (« 2019-07-10 (date serial Excel 43655) ») ; valeur gardée telle quelle.',
    ]);
  });
});

describe('odt-historique on bad input', () => {
  it('rejects negative, decimal, missing and non-numeric counts and unreadable labels, each with its line and reason', () => {
    const p = prepareOdtHistorique(
      csv('Octobre 2016,47,29,15,10,101', 'Mars 2017,-1,40,23,10,72', 'Octobre 2017,110,54.5,26,10,200', 'Mars 2018,150,,29,10,189', 'Octobre 2018,beaucoup,85,46,12,343', 'Trimestre 3,1,1,1,1,4', 'Mars 2019,220,104,47,12,383'),
      ctx,
    );
    expect(p.rejects.map((r) => [r.ligne, r.motif])).toEqual([
      [3, 'communes n\'est pas un nombre entier positif ou nul : « -1 »'],
      [4, 'epci n\'est pas un nombre entier positif ou nul : « 54.5 »'],
      [5, 'epci : valeur manquante'],
      [6, 'communes n\'est pas un nombre : « beaucoup »'],
      [7, expect.stringMatching(/^libellé de période « Trimestre 3 » illisible/)],
    ]);
    expect([p.rowsIn, p.rowsLoaded]).toEqual([7, 2]);
  });

  it('rejects a date that does not come after the previous one, and accepts an empty total', () => {
    const p = prepareOdtHistorique(csv('Octobre 2017,110,54,26,10,', 'Mars 2017,69,40,23,10,142', '2017-10-31,110,54,26,10,200'), ctx);
    expect(p.rejects.map((r) => r.motif)).toEqual([
      'date 2017-03-31 non postérieure à celle de la ligne 2 (« Octobre 2017 », 2017-10-31) : les dates doivent être strictement croissantes',
      'date 2017-10-31 non postérieure à celle de la ligne 2 (« Octobre 2017 », 2017-10-31) : les dates doivent être strictement croissantes',
    ]);
    expect(p.rowsLoaded).toBe(1);
  });

  it('fails on a missing column, naming it and the columns found', () => {
    const bytes = new TextEncoder().encode('periode,communes,epci,departements,regions\nOctobre 2016,47,29,15,10\n');
    expect(() => prepareOdtHistorique(bytes, ctx)).toThrow(/colonne obligatoire absente : « total »\. Colonnes trouvées : « periode »/);
  });
});

describe.skipIf(!HAS_REALDATA)('odt-historique on the real OpenDataFrance series', () => {
  const p = HAS_REALDATA ? prepareOdtHistorique(readFileSync(REAL), ctx) : null;

  it('loads the 10 dates of the file, from October 2016 to 9 April 2021, without reject', () => {
    expect([p!.rowsIn, p!.rowsLoaded, p!.rejects.length, p!.tables.odt_historique!.length]).toEqual([10, 10, 0, 40]);
    expect([...new Set(p!.tables.odt_historique!.map((r) => r.date_observation))]).toEqual([
      '2016-10-31', '2017-03-31', '2017-10-31', '2018-03-31', '2018-10-31', '2019-03-31', '2019-10-31', '2020-06-30', '2020-10-31', '2021-04-09',
    ]);
    expect(p!.dataDate).toBe('2021-04-09');
  });

  it('keeps the counts of the last line: 351 communes, 167 EPCI, 61 départements, 15 régions (594 in all)', () => {
    const last = p!.tables.odt_historique!.filter((r) => r.date_observation === '2021-04-09');
    expect(Object.fromEntries(last.map((r) => [r.type_collectivite, r.nombre]))).toEqual({ commune: 351, epci: 167, departement: 61, region: 15 });
  });

  it('notes that the serial of the messy label is one day off, and no falling count', () => {
    expect(p!.notes).toEqual([expect.stringMatching(/^ligne 11 : le numéro de série Excel 44294 correspond au 2021-04-08/)]);
  });
});

describe('historiqueSql: the national series per semester', () => {
  let w: Warehouse;
  const config = testConfig(join(tmp.dir, 'sql'));
  const run = (sql: string) => w.all<Record<string, unknown>>(sql);
  beforeAll(async () => {
    w = await Warehouse.open(config.paths.warehouse);
    await storeReferential(w, ref);
  });
  afterAll(() => w.close());

  it('takes, for each semester from the first observation to the last, the latest observation up to its end', async () => {
    await pullSource(config, w, odtHistorique, { offline: true, log: memoryLogger() });
    const communes = await run(`SELECT periode, atteintes, date_donnees FROM (${historiqueSql()}) WHERE type_collectivite = 'commune'`);
    expect(communes).toEqual([
      { periode: '2016-S2', atteintes: 12, date_donnees: '2016-10-31' },
      { periode: '2017-S1', atteintes: 15, date_donnees: '2017-03-31' },
      { periode: '2017-S2', atteintes: 21, date_donnees: '2017-10-31' },
      { periode: '2018-S1', atteintes: 26, date_donnees: '2018-06-30' },
      { periode: '2018-S2', atteintes: 30, date_donnees: '2018-12-31' },
      // No new observation in the first half of 2019 (its only line was rejected): December 2018 carries over.
      { periode: '2019-S1', atteintes: 30, date_donnees: '2018-12-31' },
      { periode: '2019-S2', atteintes: 34, date_donnees: '2019-07-10' },
    ]);
  });

  it('writes national rows, all strates, with today\'s referential as the denominator', async () => {
    const rows = await run(`SELECT * FROM (${historiqueSql()}) WHERE periode = '2019-S2'`);
    expect(rows).toEqual(
      (
        [
          ['commune', ref.collectivites.filter((c) => c.type_collectivite === 'commune').length, 34],
          ['epci', ref.epciBySiren.size, 14],
          ['departement', 101, 4],
          ['region', 18, 3],
        ] as const
      ).map(([type, concernees, atteintes]) => ({
        indicateur: 'ouverture-donnees',
        periode: '2019-S2',
        niveau: 'national',
        territoire: 'FR',
        type_collectivite: type,
        strate: 'toutes',
        concernees,
        atteintes,
        date_donnees: '2019-07-10',
        source: 'odt-historique',
      })),
    );
  });

  it('keeps only the semesters before a given one when asked', async () => {
    const rows = await run(`SELECT DISTINCT periode FROM (${historiqueSql({ avant: '2018-S2' })}) ORDER BY 1`);
    expect(rows.map((r) => r.periode)).toEqual(['2016-S2', '2017-S1', '2017-S2', '2018-S1']);
    expect(() => historiqueSql({ avant: '2018' })).toThrow(/Période invalide « 2018 »/);
  });

  it.skipIf(!HAS_REALDATA)('gives the real series one observation per semester, 2016-S2 to 2021-S1, and replaces the fixture', async () => {
    await pullSource(config, w, odtHistorique, { from: REAL, log: memoryLogger() });
    const rows = await run(`SELECT periode, atteintes FROM (${historiqueSql()}) WHERE type_collectivite = 'commune'`);
    expect(rows.map((r) => [r.periode, r.atteintes])).toEqual([
      ['2016-S2', 47], ['2017-S1', 69], ['2017-S2', 110], ['2018-S1', 150], ['2018-S2', 200],
      ['2019-S1', 220], ['2019-S2', 267], ['2020-S1', 279], ['2020-S2', 351], ['2021-S1', 351],
    ]);
    expect(await run(`SELECT count(*)::INTEGER AS n, min(date_donnees) AS d FROM odt_historique`)).toEqual([{ n: 40, d: '2021-04-09' }]);
  });
});

describe('odt-historique live', () => {
  let server: ScriptedServer;
  afterEach(async () => server?.close());
  const json = (body: unknown) => respond(200, JSON.stringify(body), { 'content-type': 'application/json' });

  it('finds the series among the CSV resources of the data.gouv.fr dataset', async () => {
    const body = readFileSync(FIXTURE, 'utf8');
    server = await scriptedServer([
      (req, res) => json({ resources: [{ title: 'organisations', format: 'csv', url: 'http://127.0.0.1/organisations.csv' }, { title: 'Historique', format: 'csv', url: `http://${req.headers.host}/nb_collectivites_ouvertes_timeseries.csv` }] })(req, res),
      respond(200, body),
    ]);
    const config = testConfig(join(tmp.dir, 'live'), { sources: { 'odt-historique': { url: `${server.url}/api/1/datasets/observatoire/` } } });
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      const run = await pullSource(config, w, odtHistorique, { log: memoryLogger() });
      expect(run).toMatchObject({ status: 'succes', origin: 'live', location: `${server.url}/nb_collectivites_ouvertes_timeseries.csv`, date_donnees: '2019-07-10', rows_in: 7, rows_loaded: 6 });
    } finally {
      w.close();
    }
  });

  it('fails saying what to do when the dataset has no CSV of the series', async () => {
    server = await scriptedServer([json({ resources: [{ title: 'Toutes les données', format: 'xls', url: 'http://127.0.0.1/odater.xls' }] })]);
    const config = testConfig(join(tmp.dir, 'none'), { sources: { 'odt-historique': { url: `${server.url}/api/1/datasets/observatoire/` } } });
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      await expect(pullSource(config, w, odtHistorique, { log: memoryLogger() })).rejects.toThrow(/n'a pas de ressource CSV de série historique .* chargez-la avec « barometre pull odt-historique --from FICHIER »/);
    } finally {
      w.close();
    }
  });

  it('is left out of a build that cannot reach it, rather than replaced by its sample file', async () => {
    server = await scriptedServer([respond(404)]);
    // Only this source and odt (which does fall back to its sample) take part; the others are switched off.
    const sources = Object.fromEntries(SOURCES.map((s) => [s.id, ['odt', 'odt-historique'].includes(s.id) ? { url: `${server.url}/${s.id}.csv` } : { enabled: false }]));
    const config = testConfig(join(tmp.dir, 'build'), { sources });
    const log = memoryLogger();
    await pullAll(config, { log });
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      const runs = await w.all<{ source: string; origin: string; status: string }>(`SELECT source, origin, status FROM runs ORDER BY source, status`);
      expect(runs).toEqual([
        { source: 'odt', origin: 'live', status: 'echec' },
        { source: 'odt', origin: 'fixture', status: 'succes' },
        { source: 'odt-historique', origin: 'live', status: 'echec' },
      ]);
      expect(log.lines.map((l) => l.message)).toContain(
        "odt-historique : ignorée pour ce build (pas de données réelles, pas de repli sur le jeu d'exemple) ; chargez-la avec « barometre pull odt-historique --from FICHIER ».",
      );
    } finally {
      w.close();
    }
  });
});
