// Small helpers for sources that stage in SQL: DuckDB reads a CSV into a scratch table (malformed lines kept as
// rejects with their line), columns are checked by name, rows are counted.
import { closeSync, openSync, readSync } from 'node:fs';
import Papa from 'papaparse';
import { quotedIdentifier, quotedString, type Warehouse } from '../warehouse.ts';
import type { StageContext } from './types.ts';

export async function countRows(w: Warehouse, table: string): Promise<number> {
  return (await w.one<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${quotedIdentifier(table)}`))!.n;
}

/** Throws a message that names the missing columns, the columns found and what to check. */
export function requireColumnsFound(found: readonly string[], required: readonly string[], what: string, hint = ''): void {
  const missing = required.filter((c) => !found.includes(c));
  if (missing.length === 0) return;
  const shown = found.length > 12 ? `${found.slice(0, 12).join(', ')}… (${found.length} colonnes)` : found.join(', ');
  throw new Error(`${what} : colonne(s) attendue(s) absente(s) : ${missing.join(', ')}. En-tête trouvé : ${shown || '(vide)'}.${hint ? ` ${hint}` : ''}`);
}

/** The header of a CSV file (UTF-8, BOM or not), split with the file's separator and quotes. */
export function csvHeader(path: string, delim: string): string[] {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(65536);
  const n = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  const text = head.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '');
  const parsed = Papa.parse<string[]>(text, { delimiter: delim, preview: 1 });
  // DuckDB's column names are case-insensitive: a second `typePrix` after `TypePrix` (the « DECP augmentées » have
  // both) is renamed `typePrix_2`, as DuckDB's own reader does.
  const seen = new Map<string, number>();
  return (parsed.data[0] ?? []).map((c) => {
    const name = c.trim();
    const n = (seen.get(name.toLowerCase()) ?? 0) + 1;
    seen.set(name.toLowerCase(), n);
    return n === 1 ? name : `${name}_${n}`;
  });
}

export interface CsvStaged {
  /** Scratch table: `ligne` (the record's number, the header being 1) then every column of the file as text. */
  table: string;
  /** Scratch table of the records DuckDB could not split into the header's columns: `ligne, identifiant, motif`. */
  malformed: string;
  columns: string[];
}

/**
 * Reads a CSV with DuckDB into a temporary scratch table (a large file need not go through the warehouse's log), every
 * value as text. A record that does not split into the header's
 * columns is not lost: it goes to `malformed` with its number and DuckDB's reason, and the other records keep their
 * own numbers (DuckDB numbers records, not physical lines, so a quoted line break does not shift them).
 */
export async function readCsvInto(ctx: StageContext, name: string, { delim, what }: { delim: string; what: string }): Promise<CsvStaged> {
  const w = ctx.w;
  const options = `header = true, all_varchar = true, delim = ${quotedString(delim)}, quote = '"', escape = '"', auto_detect = false`;
  const path = quotedString(ctx.rawPath);
  // The header is read here rather than sniffed: DuckDB's sniffer gives up on a file with a malformed line.
  const columns = csvHeader(ctx.rawPath, delim);
  if (columns.length === 0 || columns.every((c) => c === '')) throw new Error(`${what} : fichier vide ou sans en-tête.`);
  const raw = ctx.scratchTable(`${name}_brut`);
  const rejected = `${raw}_rejets`;
  const scan = `${raw}_scan`;
  const cols = columns.map((c) => `${quotedString(c)}: 'VARCHAR'`).join(', ');
  try {
    await w.run(
      `CREATE TEMP TABLE ${quotedIdentifier(raw)} AS SELECT row_number() OVER () AS k, * FROM read_csv(${path}, ${options}, columns = {${cols}},
         store_rejects = true, rejects_table = ${quotedString(rejected)}, rejects_scan = ${quotedString(scan)})`,
    );
  } catch (error) {
    throw new Error(`${what} : fichier CSV illisible (${(error as Error).message.split('\n')[0]}).`);
  }
  const table = ctx.scratchTable(name);
  const malformed = ctx.scratchTable(`${name}_malformes`);
  // DuckDB writes one error per missing column: the first one gives the count found. Its reasons are put in French.
  await w.run(
    `CREATE TEMP TABLE ${quotedIdentifier(malformed)} AS
     WITH e AS (
       SELECT line, arg_min(error_type, column_idx) AS type, arg_min(error_message, column_idx) AS message,
              left(regexp_replace(trim(any_value(csv_line), chr(13) || chr(10)), '[\r\n]+', ' ', 'g'), 80) AS texte
       FROM ${quotedIdentifier(rejected)} GROUP BY line
     )
     SELECT line::INTEGER AS ligne, NULL::VARCHAR AS identifiant,
            'ligne mal formée : ' || CASE
              WHEN type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS')
                THEN regexp_extract(message, 'Found: (\\d+)', 1) || ' valeur(s) pour les ' || regexp_extract(message, 'Columns: (\\d+)', 1) || ' colonnes de l''en-tête'
              WHEN type = 'UNQUOTED VALUE' THEN 'guillemets mal placés'
              WHEN type = 'INVALID UNICODE' THEN 'caractères invalides (UTF-8 attendu)'
              ELSE message
            END || ' (« ' || texte || ' »)' AS motif
     FROM e`,
  );
  // Valid records are numbered 1…n in file order; their line is the n-th number left once the rejected lines are removed.
  await w.run(
    `CREATE TEMP TABLE ${quotedIdentifier(table)} AS
     WITH total AS (SELECT (SELECT count(*) FROM ${quotedIdentifier(raw)}) + (SELECT count(*) FROM ${quotedIdentifier(malformed)}) AS n),
     lignes AS (
       SELECT row_number() OVER (ORDER BY r.range) AS k, r.range::INTEGER AS ligne
       FROM total, range(2, total.n + 2) r
       WHERE r.range NOT IN (SELECT ligne FROM ${quotedIdentifier(malformed)})
     )
     SELECT l.ligne, b.* EXCLUDE (k) FROM ${quotedIdentifier(raw)} b JOIN lignes l USING (k) ORDER BY l.ligne`,
  );
  await w.run(`DROP TABLE IF EXISTS ${quotedIdentifier(raw)}`);
  await w.run(`DROP TABLE IF EXISTS ${quotedIdentifier(rejected)}`);
  await w.run(`DROP TABLE IF EXISTS ${quotedIdentifier(scan)}`);
  return { table, malformed, columns };
}
