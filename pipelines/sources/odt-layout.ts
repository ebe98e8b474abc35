// The organisations table of every edition (odt.ts): the model's fields and the names they have gone by, the mapping
// of a file's header to them, and the data dates read in `TimeStamp` cells and file names.
import { CsvError, missingColumnsMessage, normalizeHeader } from '../base/csv.ts';

/**
 * One model for every edition of the organisations table: each field and the column names it has gone by
 * (compared without case, accents, spaces, `-` or `_`: `nb-ptf` = `nb_ptf`, `dep-code` = `depcode`). A new layout
 * whose columns go by a known name loads without code; add a name here when a new one appears.
 */
export const ODT_FIELDS = {
  siren: ['siren'],
  nom: ['nom'],
  type: ['type'],
  regcode: ['regcode'],
  depcode: ['depcode', 'Département'],
  nb_ptf: ['nb-ptf'],
  nb_datagouv: ['nb-datagouv'],
  population: ['pop-insee'],
  url_ptf: ['url-ptf', 'url-website', 'url-platform'],
  url_datagouv: ['url-datagouv'],
  timestamp: ['TimeStamp'],
} as const satisfies Record<string, readonly string[]>;

export type OdtField = keyof typeof ODT_FIELDS;

/** Without these a row cannot be identified. */
export const REQUIRED_FIELDS: readonly OdtField[] = ['siren', 'nom'];

/** A row of any layout, in the model's terms (absent columns are empty). */
export type OdtRow = Record<OdtField, string>;

export interface Layout {
  /** Model field → the file's column. */
  columns: Partial<Record<OdtField, string>>;
  /** Whether the file says each organisation's type, and its dataset counts. */
  hasType: boolean;
  hasCounts: boolean;
}

/**
 * Maps a file's header to the model. Fails, naming the names looked for and the columns found, when a required
 * field is missing, or when one dataset count comes without the other (half the counts would undercount).
 */
export function odtLayout(header: readonly string[], what: string): Layout {
  const byNorm = new Map<string, string>();
  for (const h of header) if (h !== '' && !byNorm.has(normalizeHeader(h))) byNorm.set(normalizeHeader(h), h);
  const columns: Layout['columns'] = {};
  for (const [field, names] of Object.entries(ODT_FIELDS) as [OdtField, readonly string[]][]) {
    const found = names.map((n) => byNorm.get(normalizeHeader(n))).find((h) => h !== undefined);
    if (found) columns[field] = found;
  }
  const missing = REQUIRED_FIELDS.filter((f) => !columns[f]);
  if (columns.nb_ptf && !columns.nb_datagouv) missing.push('nb_datagouv');
  if (columns.nb_datagouv && !columns.nb_ptf) missing.push('nb_ptf');
  if (missing.length > 0) throw new CsvError(missingColumnsMessage(what, missing.map((f) => ODT_FIELDS[f]), header));
  return { columns, hasType: Boolean(columns.type), hasCounts: Boolean(columns.nb_ptf) };
}

function validDate(y: number, m: number, d: number): string | null {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? date.toISOString().slice(0, 10) : null;
}

/** The date of a `TimeStamp` cell: `15/12/2021 11:57am` (day first, as in the real file) or ISO `2022-10-04…`. */
export function timestampDate(cell: string, dayFirst = true): string | null {
  const s = cell.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  const fr = /^(\d{1,2})\/(\d{1,2})\/(\d{4})\b/.exec(s);
  let y: number, m: number, d: number;
  if (iso) [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (fr) [y, m, d] = dayFirst ? [Number(fr[3]), Number(fr[2]), Number(fr[1])] : [Number(fr[3]), Number(fr[1]), Number(fr[2])];
  else return null;
  return validDate(y, m, d);
}

/** The latest date of the `TimeStamp` column; day first unless a cell can only be read month first. */
export function latestTimestamp(cells: string[]): string | null {
  const slashed = cells.map((c) => /^(\d{1,2})\/(\d{1,2})\/\d{4}/.exec(c.trim())).filter((m) => m !== null);
  const dayFirst = !slashed.some((m) => Number(m[2]) > 12) || slashed.some((m) => Number(m[1]) > 12);
  const dates = cells.map((c) => timestampDate(c, dayFirst)).filter((d): d is string => d !== null);
  return dates.length > 0 ? dates.sort().at(-1)! : null;
}

/**
 * The data date written in a file name: `…-organisations-2022-12-31-.csv`, or the Observatory's export stamp
 * `…-221019.csv` / `…-211105a.csv` (YYMMDD, a letter for the day's versions). A month alone (`2020-10_…`) is not a date.
 */
export function dateInUrl(url: string): string | null {
  const name = url.replace(/[?#].*$/, '').split('/').filter(Boolean).at(-1) ?? '';
  const full = /(\d{4})-(\d{2})-(\d{2})/.exec(name);
  if (full) return validDate(Number(full[1]), Number(full[2]), Number(full[3]));
  const stamp = /[-_](\d{2})(\d{2})(\d{2})[a-z]?\.[a-z0-9]+$/i.exec(name);
  return stamp ? validDate(2000 + Number(stamp[1]), Number(stamp[2]), Number(stamp[3])) : null;
}
