// The SQL path of a source (`stage`): DuckDB reads the archived file itself into staging; validation, matching
// and rejects are SQL; the pull checks the counts and swaps the data in one transaction.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../pipelines/base/log.ts';
import { runStatus } from '../pipelines/base/runs.ts';
import { pullSource } from '../pipelines/sources/pull.ts';
import { normalizeName, referential } from '../pipelines/referential/referential.ts';
import { NORMALISE_NOM_MACRO } from '../pipelines/referential/referential-sql.ts';
import type { Source } from '../pipelines/sources/types.ts';
import { quotedIdentifier, quotedString, withWarehouse, type Column } from '../pipelines/base/warehouse.ts';
import { scratch, testConfig } from './helpers/env.ts';

const tmp = scratch();
afterAll(tmp.cleanup);

const COLUMNS: Column[] = [
  { name: 'date_donnees', type: 'VARCHAR' },
  { name: 'run_id', type: 'VARCHAR' },
  { name: 'ligne', type: 'INTEGER' },
  { name: 'code', type: 'VARCHAR' },
  { name: 'type_collectivite', type: 'VARCHAR' },
];

/** A source that matches SIRENs against `ref_siren` in SQL and rejects the rest. */
function sqlSource(overrides: Partial<Source> = {}): Source {
  return {
    id: 'essai',
    title: 'Essai',
    producer: 'Test',
    licence: 'Licence Ouverte 2.0',
    licenceUrl: 'https://example.org/',
    homepage: 'https://example.org/',
    url: '',
    schedule: '0 6 * * 1',
    keeps: 'rien',
    fixture: 'test/fixtures/odt/organisations.csv',
    fixtureDate: '2025-01-01',
    extension: 'csv',
    tables: [{ name: 'essai', columns: COLUMNS, mode: 'snapshot' }],
    async fetchLive() {
      throw new Error('hors ligne');
    },
    async stage(ctx) {
      const raw = ctx.scratchTable('brut');
      await ctx.w.run(`CREATE TABLE ${quotedIdentifier(raw)} AS SELECT row_number() OVER () + 1 AS ligne, * FROM read_csv(${quotedString(ctx.rawPath)}, all_varchar = true, header = true)`);
      await ctx.w.run(
        `CREATE TABLE ${quotedIdentifier(ctx.stagingTable('essai'))} AS
         SELECT $d AS date_donnees, $r AS run_id, b.ligne::INTEGER AS ligne, s.code, s.type_collectivite
         FROM ${quotedIdentifier(raw)} b JOIN ref_siren s ON s.siren = trim(b.siren)`,
        { d: ctx.dataDate, r: ctx.runId },
      );
      const rejects = ctx.scratchTable('rejets');
      await ctx.w.run(
        `CREATE TABLE ${quotedIdentifier(rejects)} AS
         SELECT b.ligne::INTEGER AS ligne, b.siren AS identifiant, 'SIREN inconnu' AS motif
         FROM ${quotedIdentifier(raw)} b ANTI JOIN ref_siren s ON s.siren = trim(b.siren)`,
      );
      const n = async (t: string) => (await ctx.w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${quotedIdentifier(t)}`))!.n;
      return { rejectsTable: rejects, rowsIn: await n(raw), rowsLoaded: await n(ctx.stagingTable('essai')), rowsRejected: await n(rejects), dataDate: ctx.dataDate };
    },
    ...overrides,
  };
}

describe('a source with a SQL stage', () => {
  const file = join(tmp.dir, 'essai.csv');
  writeFileSync(file, 'siren,nom\n213502388,Rennes\n243500139,Rennes Métropole\n999999999,Inconnue\n');

  it('loads what matched, records the rejects with their line, and drops its scratch tables', async () => {
    const config = testConfig(join(tmp.dir, 'ok'));
    await withWarehouse(config.paths.warehouse, async (w) => {
      const run = await pullSource(config, w, sqlSource(), { from: file, date: '2025-06-30', log: memoryLogger() });
      expect(run).toMatchObject({ status: 'succes', rows_in: 3, rows_loaded: 2, rows_rejected: 1, date_donnees: '2025-06-30' });
      expect(await w.all(`SELECT ligne, code, type_collectivite FROM essai ORDER BY ligne`)).toEqual([
        { ligne: 2, code: '35238', type_collectivite: 'commune' },
        { ligne: 3, code: '243500139', type_collectivite: 'epci' },
      ]);
      expect(await w.all(`SELECT ligne, identifiant, motif FROM rejets WHERE run_id = $r`, { r: run.run_id })).toEqual([{ ligne: 4, identifiant: '999999999', motif: 'SIREN inconnu' }]);
      expect(await w.all(`SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'tmp\\_%' ESCAPE '\\' OR table_name LIKE 'stg\\_%' ESCAPE '\\'`)).toEqual([]);
    });
  });

  it('fails with the counts when they do not add up, keeping the previous data', async () => {
    const config = testConfig(join(tmp.dir, 'counts'));
    await withWarehouse(config.paths.warehouse, async (w) => {
      await pullSource(config, w, sqlSource(), { from: file, date: '2025-06-30', log: memoryLogger() });
      const before = await w.all(`SELECT * FROM essai ORDER BY ligne`);
      const liar = sqlSource();
      const stage = liar.stage!;
      liar.stage = async (ctx) => ({ ...(await stage(ctx)), rowsIn: 10 });
      await expect(pullSource(config, w, liar, { from: file, date: '2025-12-31', log: memoryLogger() })).rejects.toThrow(/incohérence interne, 10 lignes lues ≠ 2 chargées \+ 1 rejetées/);
      expect(await w.all(`SELECT * FROM essai ORDER BY ligne`)).toEqual(before);
      expect((await runStatus(w))[0]).toMatchObject({ source: 'essai', status: 'echec' });
    });
  });

  it("refuses a staging table whose columns are not the table's", async () => {
    const config = testConfig(join(tmp.dir, 'columns'));
    const wrong = sqlSource({
      async stage(ctx) {
        await ctx.w.run(`CREATE TABLE ${quotedIdentifier(ctx.stagingTable('essai'))} AS SELECT 1 AS ligne`);
        const rejects = ctx.scratchTable('rejets');
        await ctx.w.run(`CREATE TABLE ${quotedIdentifier(rejects)} (ligne INTEGER, identifiant VARCHAR, motif VARCHAR)`);
        return { rejectsTable: rejects, rowsIn: 1, rowsLoaded: 1, rowsRejected: 0, dataDate: ctx.dataDate };
      },
    });
    await withWarehouse(config.paths.warehouse, async (w) => {
      await expect(pullSource(config, w, wrong, { from: file, log: memoryLogger() })).rejects.toThrow(/colonnes de transit de essai inattendues \(ligne\) ; attendues : date_donnees, run_id, ligne, code, type_collectivite/);
    });
  });
});

describe('normalise_nom, the SQL twin of normalizeName', () => {
  it('gives the same key for every name of the referential and for awkward spellings', async () => {
    const names = [
      ...new Set(referential().collectivites.map((c) => c.nom)),
      'Ville de Saint-Étienne',
      'COMMUNE DE STE-MARIE',
      "Mairie d'Œuilly",
      'Cœuvres-et-Valsery',
      'L’Haÿ-les-Roses',
      '  St  Denis ',
      'Æ test',
    ];
    await withWarehouse(':memory:', async (w) => {
      await w.run(NORMALISE_NOM_MACRO);
      await w.run(`CREATE TABLE n (nom VARCHAR)`);
      await w.insert('n', [{ name: 'nom', type: 'VARCHAR' }], names.map((nom) => ({ nom })));
      const rows = await w.all<{ nom: string; cle: string }>(`SELECT nom, normalise_nom(nom) AS cle FROM n`);
      const different = rows.filter((r) => r.cle !== normalizeName(r.nom)).map((r) => `${r.nom} → SQL « ${r.cle} », JS « ${normalizeName(r.nom)} »`);
      expect(different).toEqual([]);
      expect(rows.length).toBeGreaterThan(30_000);
    });
  });
});
