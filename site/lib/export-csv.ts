// The CSV twins of the site's pages: the same columns as /donnees/barometre.csv, written with papaparse, in the
// international form (",", decimal point) and the French spreadsheet form (BOM, ";", decimal comma).
import Papa from 'papaparse';
import { neutralise } from '../../pipelines/csv.ts';
import type { BarometreRow } from './data.ts';

/** The columns of barometre.csv, in its order. */
export const BAROMETRE_COLUMNS = [
  'indicateur', 'periode', 'niveau', 'territoire', 'type_collectivite', 'strate', 'nature', 'concernees', 'atteintes', 'taux',
  'population_concernee', 'population_atteinte', 'source', 'date_donnees', 'methode_version', 'ic_bas', 'ic_haut',
  'taux_population', 'statut', 'obligation', 'edition', 'rupture_serie',
] as const satisfies readonly (keyof BarometreRow)[];

const DECIMALS = new Set(['taux', 'ic_bas', 'ic_haut', 'taux_population']);


function cell(column: string, value: unknown, french: boolean): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return french && DECIMALS.has(column) ? String(value).replace('.', ',') : String(value);
  return neutralise(String(value));
}

export function barometreCsv(rows: readonly BarometreRow[], { french = false } = {}): string {
  const text = Papa.unparse(
    { fields: [...BAROMETRE_COLUMNS], data: rows.map((r) => BAROMETRE_COLUMNS.map((c) => cell(c, r[c], french))) },
    { delimiter: french ? ';' : ',', newline: '\n', quotes: false, escapeFormulae: false },
  );
  return `${french ? '\uFEFF' : ''}${text}\n`;
}
