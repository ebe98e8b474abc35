// The single-pass aggregation (grouping sets; one sorted window per partition) gives exactly the rows of the first,
// plainer formulation (test/helpers/reference-sql.ts), on the fixtures of every source and on seeded random values
// with ties, missing values and every type of collectivité.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../bench/generators.ts';
import { defineIndicatorsMeta } from '../indicators/compute.ts';
import { INDICATORS } from '../indicators/index.ts';
import { barometreSql, collectivitesSql } from '../indicators/compute-sql.ts';
import { referential } from '../pipelines/referential/referential.ts';
import { Warehouse, type Column } from '../pipelines/base/warehouse.ts';
import { scratch } from './helpers/env.ts';
import { copyOfShared } from './helpers/shared.ts';
import { barometreSqlReference, collectivitesSqlReference } from './helpers/reference-sql.ts';

const tmp = scratch();
afterAll(tmp.cleanup);

/**
 * Rows of each formulation, and rows found in one and not the other (as multisets, compared by DuckDB). Each
 * formulation runs once, into a temporary table: the comparisons read the tables.
 */
async function compare(w: Warehouse, fast: string, reference: string): Promise<{ rows: number; onlyFast: unknown[]; onlyReference: unknown[] }> {
  await w.run(`CREATE OR REPLACE TEMP TABLE resultat_rapide AS ${fast}`);
  await w.run(`CREATE OR REPLACE TEMP TABLE resultat_reference AS ${reference}`);
  const rows = (await w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM resultat_reference`))!.n;
  const onlyFast = await w.all(`SELECT * FROM (FROM resultat_rapide EXCEPT ALL FROM resultat_reference) LIMIT 5`);
  const onlyReference = await w.all(`SELECT * FROM (FROM resultat_reference EXCEPT ALL FROM resultat_rapide) LIMIT 5`);
  return { rows, onlyFast, onlyReference };
}

async function bothAgree(w: Warehouse, minRows: number): Promise<void> {
  await w.run(`CREATE OR REPLACE TEMP TABLE tous AS SELECT DISTINCT indicateur FROM valeurs`);
  await w.run(`CREATE OR REPLACE TEMP TABLE valeurs_new AS SELECT * FROM valeurs`);
  const barometre = await compare(w, barometreSql(5, 'tous'), barometreSqlReference(5));
  expect(barometre.rows).toBeGreaterThan(minRows);
  expect(barometre.onlyFast).toEqual([]);
  expect(barometre.onlyReference).toEqual([]);
  // The reference orders its rows; the comparison is of multisets.
  const collectivites = await compare(w, collectivitesSql('tous'), collectivitesSqlReference().replace(/ORDER BY r\.indicateur[^`]*$/, ''));
  expect(collectivites.rows).toBeGreaterThan(minRows);
  expect(collectivites.onlyFast).toEqual([]);
  expect(collectivites.onlyReference).toEqual([]);
}

describe('the single-pass aggregation', () => {
  let w: Warehouse;
  beforeAll(async () => {
    // The shared warehouse, every source's sample pulled and computed (a copy: the second test replaces its values).
    const config = copyOfShared('computed', join(tmp.dir, 'fixtures'));
    w = await Warehouse.open(config.paths.warehouse);
    // The definitions the aggregation reads, a temporary table that compute made in its own connection.
    await defineIndicatorsMeta(w, INDICATORS);
  });
  afterAll(() => w.close());

  it('gives the rows of the reference formulation on the fixtures of every source', async () => {
    await bothAgree(w, 1000);
  });

  it('and on seeded random values with ties, missing values, obligations and EPCI natures', async () => {
    const random = mulberry32(7);
    const ref = referential();
    const sample = ref.collectivites.filter(() => random() < 0.05);
    await w.run(`CREATE OR REPLACE TABLE valeurs (indicateur VARCHAR, periode VARCHAR, code VARCHAR, type_collectivite VARCHAR, concernee BOOLEAN, obligee BOOLEAN, atteinte BOOLEAN, valeur DOUBLE, date_donnees VARCHAR)`);
    const rows = [];
    for (const indicateur of ['ouverture-donnees', 'adresses-certifiees']) {
      for (const periode of ['2024-S2', '2025-S1']) {
        for (const c of sample) {
          const valeur = random() < 0.1 ? null : Math.floor(random() * 4) / 2;
          rows.push({ indicateur, periode, code: c.code, type_collectivite: c.type_collectivite, concernee: random() < 0.9, obligee: c.type_collectivite !== 'commune' || (c.population ?? 0) >= 3500, atteinte: (valeur ?? 0) >= 1, valeur, date_donnees: `${periode.slice(0, 4)}-06-30` });
        }
      }
    }
    const columns: Column[] = [
      { name: 'indicateur', type: 'VARCHAR' },
      { name: 'periode', type: 'VARCHAR' },
      { name: 'code', type: 'VARCHAR' },
      { name: 'type_collectivite', type: 'VARCHAR' },
      { name: 'concernee', type: 'BOOLEAN' },
      { name: 'obligee', type: 'BOOLEAN' },
      { name: 'atteinte', type: 'BOOLEAN' },
      { name: 'valeur', type: 'DOUBLE' },
      { name: 'date_donnees', type: 'VARCHAR' },
    ];
    await w.insert('valeurs', columns, rows);
    await bothAgree(w, 500);
  });
});
