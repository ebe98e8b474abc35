// The CSV twins of the site's pages: the rows a page shows, with the columns of /donnees/barometre.csv as the
// exports' own schema lists them (datapackage.json, written from indicators/schema.ts: a column added there appears
// here), each cell by the exports' rule (`csvCell` of pipelines/base/csv.ts), in the international form (",",
// decimal point) and the French spreadsheet form (BOM, ";", decimal comma). A page's file holds the very lines of
// barometre.csv (or barometre.fr.csv) for its rows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvCell, toCsv } from '../../pipelines/base/csv.ts';
import type { BarometreRow } from './data.ts';

/** A column of an export, as datapackage.json (Table Schema) describes it. */
export interface ExportField {
  name: string;
  type: string;
}

/** The columns of barometre.csv, in its order, with their types: the `barometre` resource of the exports' datapackage.json. */
export function barometreFields(folder: string): ExportField[] {
  const pkg = JSON.parse(readFileSync(join(folder, 'datapackage.json'), 'utf8')) as { resources: { name: string; schema?: { fields: ExportField[] } }[] };
  const fields = pkg.resources.find((r) => r.name === 'barometre')?.schema?.fields;
  if (!fields?.length) throw new Error(`${join(folder, 'datapackage.json')} : pas de ressource « barometre » avec ses colonnes ; relancez « barometre compute ».`);
  return fields.map(({ name, type }) => ({ name, type }));
}

export function barometreCsv(rows: readonly BarometreRow[], fields: readonly ExportField[], { french = false } = {}): string {
  const cells = rows.map((r) => {
    const row = r as unknown as Record<string, unknown>;
    return Object.fromEntries(fields.map((f) => [f.name, csvCell(row[f.name], f.type, { decimalComma: french })]));
  });
  return `${french ? '\uFEFF' : ''}${toCsv(fields.map((f) => f.name), cells, french ? ';' : ',')}`;
}
