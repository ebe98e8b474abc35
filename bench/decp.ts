// The DECP file of the bench: the size of the live consolidated one (1.5 million contracts, today's tabular layout,
// Parquet), seeded, so that the same seed gives the same file.
import { join } from 'node:path';
import type { Referential } from '../pipelines/referential/referential.ts';
import { quotedString, Warehouse } from '../pipelines/base/warehouse.ts';
import { decpAcheteurs, decpTabularSql, mulberry32 } from './generators.ts';

export const DECP_CONTRATS = 1_500_000;

/** Writes the file into `dir` and returns its path. */
export async function generateDecp(ref: Referential, dir: string, contrats = DECP_CONTRATS): Promise<string> {
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
  return file;
}
