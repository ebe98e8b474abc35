// The tile grid of départements: one square per département, roughly where it lies, for the map that
// needs no boundaries (data/referentiels/tuiles-departements.csv, reviewed and committed).
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../base/config.ts';
import { readCsvFile, type Referential } from './referential.ts';

export interface Tuile {
  code: string;
  nom: string;
  /** 1-based, row 1 at the top (north); as CSS grid lines count. */
  ligne: number;
  colonne: number;
}

export const TUILES_PATH = resolve(PROJECT_ROOT, 'data/referentiels/tuiles-departements.csv');

/**
 * Reads and checks the grid: positive integer cells, one département per cell, and, given the
 * referential, exactly its départements.
 */
export function loadTuilesDepartements(path = TUILES_PATH, ref?: Referential): Tuile[] {
  const rows = readCsvFile<Record<string, string>>(path);
  const tuiles: Tuile[] = [];
  const cells = new Map<string, string>();
  rows.forEach((r, i) => {
    const where = `${path}, ligne ${i + 2}`;
    const ligne = Number(r.ligne);
    const colonne = Number(r.colonne);
    if (!r.code || !Number.isInteger(ligne) || !Number.isInteger(colonne) || ligne < 1 || colonne < 1) {
      throw new Error(`${where} : code, ligne et colonne attendus (entiers à partir de 1), trouvé « ${r.code ?? ''} », « ${r.ligne ?? ''} », « ${r.colonne ?? ''} ».`);
    }
    const cell = `${ligne},${colonne}`;
    if (cells.has(cell)) throw new Error(`${where} : la case (ligne ${ligne}, colonne ${colonne}) est déjà prise par le département ${cells.get(cell)}.`);
    cells.set(cell, r.code);
    tuiles.push({ code: r.code, nom: r.nom ?? '', ligne, colonne });
  });
  if (ref) {
    const codes = new Set(tuiles.map((t) => t.code));
    const missing = [...ref.departementByCode.keys()].filter((c) => !codes.has(c));
    const unknown = tuiles.filter((t) => !ref.departementByCode.has(t.code)).map((t) => t.code);
    if (missing.length > 0 || unknown.length > 0 || codes.size !== tuiles.length) {
      throw new Error(
        `${path} : la grille doit placer chaque département du référentiel une fois` +
          (missing.length ? ` ; absents : ${missing.join(', ')}` : '') +
          (unknown.length ? ` ; inconnus : ${unknown.join(', ')}` : '') +
          (codes.size !== tuiles.length ? ' ; un code apparaît plusieurs fois' : '') +
          '.',
      );
    }
  }
  return tuiles;
}
