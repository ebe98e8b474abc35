// Reading CSV whatever its encoding and separator: detected, never assumed.
import Papa from 'papaparse';

export type Encoding = 'utf-8' | 'windows-1252';

export interface CsvTable {
  encoding: Encoding;
  bom: boolean;
  delimiter: string;
  lineBreak: '\r\n' | '\n' | '\r';
  header: string[];
  /** Each row keyed by header; `line` is the 1-based line number in the file (header is line 1). */
  rows: { line: number; values: Record<string, string> }[];
  /** Rows whose field count differs from the header's (kept apart with their line). */
  malformed: { line: number; reason: string; raw: string[] }[];
}

export class CsvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvError';
  }
}

/** UTF-8 when the bytes are valid UTF-8 (with or without BOM), otherwise Windows-1252 (a superset of Latin-1 in practice). */
export function decode(bytes: Uint8Array): { text: string; encoding: Encoding; bom: boolean } {
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    throw new CsvError('Le fichier est en UTF-16 : enregistrez-le en UTF-8 (ou Windows-1252) puis recommencez.');
  }
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    return { text, encoding: 'utf-8', bom };
  } catch {
    return { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'windows-1252', bom: false };
  }
}

function detectLineBreak(text: string): CsvTable['lineBreak'] {
  const i = text.search(/\r\n|\n|\r/);
  if (i < 0) return '\n';
  if (text[i] === '\r') return text[i + 1] === '\n' ? '\r\n' : '\r';
  return '\n';
}

/** The separator that splits the header line into the most fields, among `,`, `;`, tab and `|`. */
function detectDelimiter(text: string): string {
  const firstLine = text.split(/\r\n|\n|\r/, 1)[0] ?? '';
  let best = ',';
  let bestCount = 0;
  for (const d of [',', ';', '\t', '|']) {
    const n = Papa.parse<string[]>(firstLine, { delimiter: d }).data[0]?.length ?? 0;
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}

export function parseCsv(bytes: Uint8Array, { what = 'fichier' }: { what?: string } = {}): CsvTable {
  if (bytes.length === 0) throw new CsvError(`${what} : le fichier est vide.`);
  const { text, encoding, bom } = decode(bytes);
  if (/^\s*<(!doctype|html|\?xml)/i.test(text)) {
    throw new CsvError(`${what} : le contenu reçu est une page HTML ou XML, pas un CSV (page d'erreur du serveur ?).`);
  }
  const lineBreak = detectLineBreak(text);
  const delimiter = detectDelimiter(text);
  const parsed = Papa.parse<string[]>(text, { delimiter, newline: lineBreak, skipEmptyLines: false });
  const data = parsed.data;
  const header = (data[0] ?? []).map((h) => h.trim());
  if (header.length <= 1 && (header[0] ?? '') === '') throw new CsvError(`${what} : pas de ligne d'en-tête.`);
  const rows: CsvTable['rows'] = [];
  const malformed: CsvTable['malformed'] = [];
  // Papaparse reports quoting errors per row; a quote left open at the end of file means a truncated body.
  const unclosed = parsed.errors.find((e) => e.code === 'MissingQuotes');
  if (unclosed) {
    throw new CsvError(`${what} : guillemet non refermé à la ligne ${(unclosed.row ?? 0) + 1} : le fichier semble tronqué ou mal formé.`);
  }
  for (let i = 1; i < data.length; i++) {
    const raw = data[i]!;
    if (raw.length === 1 && raw[0] === '') continue; // blank line, including the final newline
    const line = i + 1;
    if (raw.length !== header.length) {
      malformed.push({ line, raw, reason: `${raw.length} champs au lieu de ${header.length} (séparateur « ${delimiter} »)` });
      continue;
    }
    const values: Record<string, string> = {};
    header.forEach((h, j) => (values[h] = raw[j] ?? ''));
    rows.push({ line, values });
  }
  return { encoding, bom, delimiter, lineBreak, header, rows, malformed };
}

/** Compares header names ignoring case, accents, spaces, `-` and `_`. */
export function normalizeHeader(h: string): string {
  return h
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/[\s_\-.]+/g, '');
}

/** The most columns a missing-column message lists (a DECP file has about a hundred). */
const FOUND_SHOWN = 40;

/**
 * The one message of a missing column, whatever reads the file (this module's `requireColumns`, the staging's
 * `requireHeader` for files DuckDB reads, a source's own layout check):
 * `what : colonne(s) obligatoire(s) absente(s) : « a », « b ». Colonnes trouvées : « x », « y ». Hint`.
 * A missing entry given as a list is one column under any of its names (`« depcode » ou « Département »`).
 */
export function missingColumnsMessage(what: string, missing: readonly (string | readonly string[])[], found: readonly string[], hint = ''): string {
  const s = missing.length > 1 ? 's' : '';
  const names = missing.map((m) => (typeof m === 'string' ? [m] : m).map((n) => `« ${n} »`).join(' ou ')).join(', ');
  const shown = found.slice(0, FOUND_SHOWN).map((h) => `« ${h} »`).join(', ');
  const more = found.length > FOUND_SHOWN ? `… (${found.length} colonnes en tout)` : '';
  return `${what} : colonne${s} obligatoire${s} absente${s} : ${names}. Colonnes trouvées : ${shown || 'aucune'}${more}.${hint ? ` ${hint}` : ''}`;
}

/**
 * Checks that every required column is present. Columns whose name differs only by case, accents or
 * separators are accepted and renamed; a missing column fails with the columns found.
 */
export function requireColumns(table: CsvTable, required: readonly string[], what: string): void {
  const byNorm = new Map(table.header.map((h) => [normalizeHeader(h), h]));
  const missing: string[] = [];
  const renames: [string, string][] = [];
  for (const col of required) {
    if (table.header.includes(col)) continue;
    const found = byNorm.get(normalizeHeader(col));
    if (found) renames.push([found, col]);
    else missing.push(col);
  }
  if (missing.length > 0) throw new CsvError(missingColumnsMessage(what, missing, table.header));
  for (const [from, to] of renames) {
    table.header[table.header.indexOf(from)] = to;
    for (const r of table.rows) {
      r.values[to] = r.values[from] ?? '';
      delete r.values[from];
    }
  }
}

/**
 * The formula rule: a text cell that a spreadsheet would run as a formula (beginning with =, +, -, @, tab or CR) gets
 * a leading apostrophe. Applied to text only, never to numbers (`csvCell` decides). Its SQL twin is the macro
 * `csv_neutralise` of indicators/export-sql.ts.
 */
export function neutralise(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * The one rule of a cell for every JavaScript CSV writer (the exports' `csvRows`, the editions, the site's CSV
 * downloads): empty for null, `true`/`false` for a boolean, a number as JavaScript prints it (its first decimal point
 * made a comma with `decimalComma`, the French form), text neutralised (`neutralise`). `type` is the column's (a
 * Table Schema type: string, date, integer, number, boolean); without it, the value's own. Quoting is `toCsv`'s.
 * Its SQL twin, for DuckDB's COPY of the big exports, is `csvCell` of indicators/export-sql.ts (macros
 * `csv_neutralise`, `js_number`, `csv_quote`): test/export-sql.test.ts proves both write the same bytes.
 */
export function csvCell(value: unknown, type?: string, { decimalComma = false }: { decimalComma?: boolean } = {}): string {
  if (value === null || value === undefined) return '';
  const kind = type ?? (typeof value === 'number' || typeof value === 'bigint' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'string');
  switch (kind) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'integer':
    case 'number':
      return decimalComma ? String(value).replace('.', ',') : String(value);
    default:
      return neutralise(String(value));
  }
}

/** Serialises rows to CSV text (RFC 4180, LF, a final line break), with papaparse. */
export function toCsv(columns: readonly string[], rows: readonly Record<string, unknown>[], delimiter = ','): string {
  // Papaparse ends a header without rows with a line break of its own.
  if (rows.length === 0) return `${Papa.unparse({ fields: [...columns], data: [] }, { delimiter, newline: '\n' }).replace(/\n$/, '')}\n`;
  return Papa.unparse(
    { fields: [...columns], data: rows.map((r) => columns.map((c) => r[c] ?? '')) },
    { delimiter, newline: '\n', quotes: false, escapeFormulae: false },
  ) + '\n';
}

/**
 * Reads a number written the English or the French way (`1234.5`, `1 234,5`, `1 234`).
 * Returns null for an empty cell, NaN for anything that is not a number.
 */
export function parseNumber(cell: string | undefined): number | null {
  const s = (cell ?? '').trim();
  if (s === '') return null;
  const compact = s.replace(/[\s\u00a0\u202f]/g, '');
  const normalised = /^-?\d+,\d+$/.test(compact) ? compact.replace(',', '.') : compact;
  if (!/^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(normalised)) return Number.NaN;
  return Number(normalised);
}
