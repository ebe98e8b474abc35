// The DECP part of the bench: a file the size of the live consolidated one (1.5 million contracts, tabular Parquet,
// seeded), loaded through the source, against DuckDB's own read of the same file.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../pipelines/config.ts';
import { memoryLogger } from '../pipelines/log.ts';
import { pullSource, type RunRecord } from '../pipelines/pull.ts';
import type { Referential } from '../pipelines/referential.ts';
import { decp } from '../pipelines/sources/decp.ts';
import { quotedString, Warehouse } from '../pipelines/warehouse.ts';
import { decpAcheteurs, decpTabularSql, mulberry32 } from './generators.ts';

export const DECP_CONTRATS = 1_500_000;

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, (performance.now() - t0) / 1000];
}

/** Generates the file, loads it with `pull --from`, reads it with DuckDB alone; returns the lines to print. */
export async function benchDecp(config: Config, ref: Referential, dir: string, contrats = DECP_CONTRATS): Promise<[string, string][]> {
  const file = join(dir, 'decp.parquet');
  const gen = await Warehouse.open(':memory:');
  try {
    // Buyers drawn by weight: each appears as many times as its weight in the table the contracts pick from.
    const acheteurs = decpAcheteurs(ref, mulberry32(20261129));
    const rows: { k: number; siret: string; nom: string }[] = [];
    for (const a of acheteurs) for (let i = 0; i < Math.round(a.poids); i++) rows.push({ k: rows.length, siret: a.siret, nom: a.nom });
    await gen.run(`CREATE TABLE acheteurs (k INTEGER, siret VARCHAR, nom VARCHAR)`);
    await gen.insert('acheteurs', [{ name: 'k', type: 'INTEGER' }, { name: 'siret', type: 'VARCHAR' }, { name: 'nom', type: 'VARCHAR' }], rows);
    await gen.run(`COPY (${decpTabularSql(contrats, 20261129, rows.length)}) TO ${quotedString(file)} (FORMAT parquet, COMPRESSION zstd)`);
  } finally {
    gen.close();
  }
  const w = await Warehouse.open(config.paths.warehouse);
  let run: RunRecord;
  let loadSeconds: number;
  try {
    [run, loadSeconds] = await time(() => pullSource(config, w, decp, { from: file, log: memoryLogger(), referential: ref }));
  } finally {
    w.close();
  }
  // The floor: DuckDB alone reads every column of the same file into a table, with the warehouse's two threads.
  const floor = await Warehouse.open(':memory:');
  let floorSeconds: number;
  let fileRows: number;
  try {
    [, floorSeconds] = await time(() => floor.run(`CREATE TABLE t AS SELECT * FROM read_parquet(${quotedString(file)})`));
    fileRows = (await floor.one<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM t`))!.n;
  } finally {
    floor.close();
  }
  const mb = (statSync(file).size / 1024 / 1024).toFixed(0);
  return [
    ['DECP : fichier généré', `${contrats.toLocaleString('fr-FR')} marchés, ${fileRows.toLocaleString('fr-FR')} lignes (titulaires, modifications), Parquet ${mb} Mo, graine fixe`],
    ['DECP : chargement (pull --from)', `${loadSeconds.toFixed(1)} s ; ${run.rows_loaded!.toLocaleString('fr-FR')} lignes utilisées, ${run.rows_rejected!.toLocaleString('fr-FR')} rejetées, sur ${run.rows_in!.toLocaleString('fr-FR')}`],
    ['DECP : lecture par DuckDB seul (read_parquet, toutes colonnes)', `${floorSeconds.toFixed(1)} s`],
    ['DECP : rapport chargement / lecture DuckDB', `${(loadSeconds / floorSeconds).toFixed(1)} × (objectif : 5 × au plus)`],
  ];
}
