// Seeded generators of raw files in the sources' real formats, for the benchmark.
import type { Referential } from '../pipelines/referential.ts';

export type Random = () => number;

/** A small, well-known seeded PRNG (mulberry32): same seed, same files. */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Generated {
  columns: string[];
  rows: Record<string, unknown>[];
  extension: string;
}

/** `progress` goes from 0 (first semester) to 1 (last): adoption grows over time. */
export type Generator = (ref: Referential, progress: number, random: Random) => Generated;

const ODT_COLUMNS = ['siren', 'nom', 'type', 'regcode', 'url-ptf', 'nb-ptf', 'url-datagouv', 'nb-datagouv', 'id-datagouv', 'id-ods', 'pop-insee', 'lat', 'long', 'merge', 'depcode'];
const ODT_TYPE: Record<string, string> = { CC: 'CC', CA: 'CA', CU: 'CU', METRO: 'MET' };

/** Every collectivité, each a row of the ODT organisations file, publishing with a probability growing with size and time. */
const odt: Generator = (ref, progress, random) => {
  const rows: Record<string, unknown>[] = [];
  for (const c of ref.collectivites) {
    const size = Math.log10(Math.max(10, c.population ?? 10)) / 7;
    const p = Math.min(0.95, 0.02 + size * (0.2 + 0.6 * progress));
    const n = random() < p ? 1 + Math.floor(random() * 50) : 0;
    const type = c.type_collectivite === 'commune' ? 'COM' : c.type_collectivite === 'epci' ? (ODT_TYPE[c.nature ?? ''] ?? 'CC') : c.type_collectivite === 'departement' ? 'DEP' : 'REG';
    rows.push({
      siren: c.siren ?? '',
      nom: c.nom.toUpperCase(),
      type,
      regcode: `XX-${c.region ?? ''}`,
      'nb-ptf': n,
      'nb-datagouv': '',
      'pop-insee': c.population ?? '',
      merge: 'ptf',
      depcode: c.departement ?? '',
    });
  }
  return { columns: ODT_COLUMNS, rows, extension: 'csv' };
};

/** One generator per source that feeds a per-collectivité indicator. */
export const GENERATORS: Record<string, Generator> = { odt };
