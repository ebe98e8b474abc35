// The one staging module: helpers for sources that let DuckDB read their raw file (`stage`). What the file holds
// (gzip or not, CSV or JSON), its header, the check of its columns (the message is `missingColumnsMessage` of csv.ts,
// shared with the JavaScript path), a CSV read into a table with every malformed record kept apart with its line,
// row counts.
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGunzip, gunzipSync } from 'node:zlib';
import Papa from 'papaparse';
import { missingColumnsMessage } from './csv.ts';
import { quotedIdentifier, quotedString, type Warehouse } from './warehouse.ts';

export interface RawKind {
  gzip: boolean;
  /** The beginning of the (decompressed) content, BOM removed: enough to tell CSV from JSON and read a header. */
  head: string;
  /** `json` when the content opens with `[` or `{`, else `csv`. */
  format: 'json' | 'csv';
}

/** Looks at the first bytes of a file, decompressing them when they are gzip (whatever the file's name says). */
export function sniffRaw(path: string, what: string): RawKind {
  const fd = openSync(path, 'r');
  let raw: Buffer;
  try {
    // Enough for the header of a file of a hundred long column names (the « DECP augmentées »).
    const buf = Buffer.alloc(65_536);
    raw = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0));
  } finally {
    closeSync(fd);
  }
  const gzip = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
  let content: Buffer = raw;
  if (gzip) {
    try {
      // A partial stream: take what it gives (Z_SYNC_FLUSH), capped so that a compression bomb cannot blow up.
      content = gunzipSync(raw, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 4 << 20 });
    } catch (error) {
      throw new Error(`${what} : le fichier est compressé en gzip mais illisible (${(error as Error).message}). Téléchargez-le de nouveau.`);
    }
  }
  const head = content.toString('utf8').replace(/^\uFEFF/, '');
  if (head.trim() === '') throw new Error(gzip ? `${what} : fichier gzip tronqué ou vide : rien à décompresser. Téléchargez-le de nouveau.` : `${what} : le fichier est vide.`);
  return { gzip, head, format: /^\s*[[{]/.test(head) ? 'json' : 'csv' };
}

/**
 * Reads a gzip file to its end, discarding what it gives: DuckDB's reader accepts a stream cut before its end (a
 * file copied or downloaded by hand) and would load only the rows it got.
 */
export async function checkGzip(path: string, what: string): Promise<void> {
  try {
    await pipeline(createReadStream(path), createGunzip(), new Writable({ write: (_chunk, _enc, done) => done() }));
  } catch (error) {
    throw new Error(`${what} : fichier gzip tronqué ou corrompu (${(error as Error).message}). Téléchargez-le de nouveau ; les données précédentes sont conservées.`);
  }
}

/**
 * The header of a delimited file, from the beginning of its text (`RawKind.head`: BOM removed, gzip undone): its
 * first record split with the file's separator and quotes, names trimmed. DuckDB's column names are
 * case-insensitive: a second `typePrix` after `TypePrix` (the « DECP augmentées » have both) is renamed
 * `typePrix_2`, as DuckDB's own reader does.
 */
export function csvHeader(head: string, delimiter: string): string[] {
  const seen = new Map<string, number>();
  return (Papa.parse<string[]>(head, { delimiter, preview: 1 }).data[0] ?? []).map((c) => {
    const name = c.trim();
    if (name === '') return name;
    const n = (seen.get(name.toLowerCase()) ?? 0) + 1;
    seen.set(name.toLowerCase(), n);
    return n === 1 ? name : `${name}_${n}`;
  });
}

/**
 * Fails when a required column (or JSON key) is missing from `found`, with the one message of a missing column
 * (`missingColumnsMessage`): the missing names, the names found, then `hint` (what file was expected).
 */
export function requireHeader(found: readonly string[], required: readonly string[], what: string, hint = ''): void {
  const missing = required.filter((c) => !found.includes(c));
  if (missing.length > 0) throw new Error(missingColumnsMessage(what, missing, found, hint));
}

/** The number of rows of a table (BIGINT in SQL, a number here). */
export async function countRows(w: Warehouse, table: string): Promise<number> {
  return (await w.one<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${quotedIdentifier(table)}`))!.n;
}

/** Creates the rejects table of a run (`ligne, identifiant, motif`), as `Staged.rejectsTable` expects. */
export async function createRejects(w: Warehouse, table: string, { ifNotExists = false } = {}): Promise<void> {
  await w.run(`CREATE TABLE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${quotedIdentifier(table)} (ligne INTEGER, identifiant VARCHAR, motif VARCHAR)`);
}

export interface CsvRead {
  /** The file, gzip or not (told by its content, whatever its name says), BOM or not. */
  path: string;
  delimiter: string;
  /** Names the file in messages (`source (origine)`). */
  what: string;
  /**
   * Receives `ligne` (the record's number, the header being 1) then every column of the header as text: a temporary
   * table (a file of a million rows need not go through the warehouse's log).
   */
  table: string;
  /** Receives each malformed record (`ligne, identifiant, motif`); created as `createRejects` does when it does not exist. */
  rejects: string;
  /** A scratch name of the run (`StageContext.scratchTable`), for DuckDB's own reject tables. */
  scratch: (name: string) => string;
  /** Columns the header must have, checked (`requireHeader`) before the file is read; `hint` says what file was expected. */
  required?: readonly string[];
  hint?: string;
}

export interface CsvReadResult {
  /** The header (`csvHeader`: names trimmed, case-insensitive repeats renamed as DuckDB does). */
  columns: string[];
  gzip: boolean;
  /** How many malformed records went to `rejects`. */
  malformed: number;
}

/**
 * Reads a delimited file with DuckDB into `table`, every column as text. The header is read here (`csvHeader`)
 * rather than sniffed: DuckDB's sniffer gives up on a file with a malformed line. A gzip file is read to its end
 * first (`checkGzip`). A record that does not split into the header's columns is not lost: it goes to `rejects` with
 * its number, its first field and the reason, in the words of the JavaScript reader (`parseCsv`: « ligne mal
 * formée : 3 champs au lieu de 7 (séparateur « ; ») »); the other records keep their own numbers. DuckDB numbers
 * records, not physical lines (a quoted line break does not shift them) and skips the bad ones, so the count of bad
 * records before each good one is added back.
 */
export async function readCsvInto(w: Warehouse, o: CsvRead): Promise<CsvReadResult> {
  const kind = sniffRaw(o.path, o.what);
  const columns = csvHeader(kind.head, o.delimiter);
  if (columns.length === 0 || columns.every((c) => c === '')) throw new Error(`${o.what} : fichier vide ou sans en-tête.`);
  if (o.required) requireHeader(columns, o.required, o.what, o.hint);
  if (kind.gzip) await checkGzip(o.path, o.what);
  const q = quotedIdentifier;
  const delimiter = quotedString(o.delimiter);
  const errors = o.scratch(`${o.table}_erreurs`);
  const scans = o.scratch(`${o.table}_lectures`);
  const raw = o.scratch(`${o.table}_brut`);
  const bad = o.scratch(`${o.table}_mal_formees`);
  try {
    await w.run(
      `CREATE TEMP TABLE ${q(raw)} AS SELECT * FROM read_csv(${quotedString(o.path)},
         delim = ${delimiter}, quote = '"', escape = '"', header = true, auto_detect = false,
         columns = {${columns.map((h) => `${quotedString(h)}: 'VARCHAR'`).join(', ')}},
         compression = ${kind.gzip ? "'gzip'" : "'none'"}, store_rejects = true, rejects_table = ${quotedString(errors)}, rejects_scan = ${quotedString(scans)})`,
    );
  } catch (error) {
    throw new Error(`${o.what} : fichier CSV illisible (${(error as Error).message.split('\n')[0]}).`);
  }
  // One row per malformed record, with its rank k among them. DuckDB writes one error per missing or extra field:
  // the fewest found tell how many a short record has, the most found how many a long one has.
  const found = `TRY_CAST(regexp_extract(error_message, 'Found: (\\d+)', 1) AS INTEGER)`;
  const fields = (n: string, otherwise: string) => `coalesce(${n} || ' champs au lieu de ${columns.length} (séparateur « ' || ${delimiter} || ' »)', '${otherwise}')`;
  await w.run(
    `CREATE TEMP TABLE ${q(bad)} AS
     SELECT line, k, line - k - 1 AS seuil, identifiant,
            'ligne mal formée : ' || CASE type
              WHEN 'MISSING COLUMNS' THEN ${fields('manquants', 'champs manquants')}
              WHEN 'TOO MANY COLUMNS' THEN ${fields('en_trop', 'trop de champs')}
              WHEN 'UNQUOTED VALUE' THEN 'guillemets mal placés'
              WHEN 'INVALID UNICODE' THEN 'caractères invalides (UTF-8 attendu)'
              ELSE lower(type) || ' (' || message || ')'
            END AS motif
     FROM (
       SELECT line::INTEGER AS line, row_number() OVER (ORDER BY line)::INTEGER AS k,
              nullif(trim(trim(split_part(ltrim(any_value(csv_line), chr(13) || chr(10)), ${delimiter}, 1)), '"'), '') AS identifiant,
              arg_min(error_type, column_idx) AS type, arg_min(error_message, column_idx) AS message,
              min(${found}) FILTER (WHERE error_type = 'MISSING COLUMNS') AS manquants,
              max(${found}) FILTER (WHERE error_type = 'TOO MANY COLUMNS') AS en_trop
       FROM ${q(errors)} GROUP BY line)`,
  );
  // Good record n (0-based) comes after the k-th bad record (line l) when n >= l - k - 1, lines counting from 2 under
  // the header: the last such bad record (an ASOF join, not a count per row; consecutive bad lines share a threshold,
  // the largest k wins) gives how many to add back.
  await w.run(
    `CREATE TEMP TABLE ${q(o.table)} AS
     SELECT (r.n + 2 + coalesce(b.k, 0))::INTEGER AS ligne, r.* EXCLUDE (n)
     FROM (SELECT rowid AS n, * FROM ${q(raw)}) r
     ASOF LEFT JOIN (SELECT seuil, max(k) AS k FROM ${q(bad)} GROUP BY seuil) b ON r.n >= b.seuil
     ORDER BY r.n`,
  );
  await createRejects(w, o.rejects, { ifNotExists: true });
  await w.run(`INSERT INTO ${q(o.rejects)} SELECT line, identifiant, motif FROM ${q(bad)} ORDER BY line`);
  const malformed = await countRows(w, bad);
  for (const t of [raw, bad, errors, scans]) await w.run(`DROP TABLE IF EXISTS ${q(t)}`);
  return { columns, gzip: kind.gzip, malformed };
}

/** The `compression` argument of DuckDB's `read_json` (which does not know 'none'). */
export function jsonCompression(gzip: boolean): string {
  return gzip ? "'gzip'" : "'uncompressed'";
}

/** The keys of the objects of a JSON array file (DuckDB samples the first objects). */
export async function jsonKeys(w: Warehouse, path: string, gzip: boolean, what: string): Promise<string[]> {
  try {
    const rows = await w.all<{ column_name: string }>(
      `DESCRIBE SELECT * FROM read_json(${quotedString(path)}, format = 'array', maximum_depth = 1, compression = ${jsonCompression(gzip)})`,
    );
    return rows.map((r) => r.column_name);
  } catch (error) {
    throw new Error(`${what} : JSON illisible (un tableau d'objets est attendu) : ${(error as Error).message.split('\n')[0]}`);
  }
}
