// Helpers for sources that let DuckDB read their raw file (`stage`): what the file holds (gzip or not, CSV or
// JSON), its header, a CSV read into a table with every malformed record kept apart with its line.
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGunzip, gunzipSync } from 'node:zlib';
import Papa from 'papaparse';
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
    const buf = Buffer.alloc(16_384);
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

/** The header of a delimited file, from its first line. */
export function csvHeader(head: string, delimiter: string): string[] {
  const first = head.split(/\r\n|\n|\r/, 1)[0] ?? '';
  return (Papa.parse<string[]>(first, { delimiter }).data[0] ?? []).map((h) => h.trim());
}

/** Fails, naming what was expected and what was found, when a required column is missing. */
export function requireHeader(found: readonly string[], required: readonly string[], what: string, hint = ''): void {
  const missing = required.filter((c) => !found.includes(c));
  if (missing.length > 0) {
    throw new Error(
      `${what} : colonnes obligatoires absentes : ${missing.map((c) => `« ${c} »`).join(', ')}. Colonnes trouvées : ${found.map((c) => `« ${c} »`).join(', ') || 'aucune'}.${hint ? ` ${hint}` : ''}`,
    );
  }
}

export async function countRows(w: Warehouse, table: string): Promise<number> {
  return (await w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${quotedIdentifier(table)}`))!.n;
}

/** Creates the rejects table of a run (`ligne, identifiant, motif`), as `Staged.rejectsTable` expects. */
export async function createRejects(w: Warehouse, table: string): Promise<void> {
  await w.run(`CREATE TABLE ${quotedIdentifier(table)} (ligne INTEGER, identifiant VARCHAR, motif VARCHAR)`);
}

export interface CsvRead {
  path: string;
  gzip: boolean;
  delimiter: string;
  header: readonly string[];
  /** Receives every column of the header as VARCHAR, plus `ligne` (the record's line, header = 1). */
  table: string;
  /** Receives each malformed record: its line, its first field, the reason. */
  rejects: string;
  /** Scratch names for DuckDB's own reject tables. */
  scratch: (name: string) => string;
}

/**
 * Reads a delimited file with DuckDB into `table`, every column as text. A record with too many or too few
 * fields goes to `rejects` with its line; the others keep their own line number (DuckDB skips the bad ones,
 * so the count of bad records before each good one is added back). Returns the number of malformed records.
 */
export async function readCsvInto(w: Warehouse, o: CsvRead): Promise<number> {
  const columns = `{${o.header.map((h) => `${quotedString(h)}: 'VARCHAR'`).join(', ')}}`;
  const errors = o.scratch('csv_erreurs');
  const scans = o.scratch('csv_lectures');
  const raw = o.scratch('csv_brut');
  await w.run(
    `CREATE TABLE ${quotedIdentifier(raw)} AS SELECT * FROM read_csv(${quotedString(o.path)},
       delim = ${quotedString(o.delimiter)}, quote = '"', escape = '"', header = true, auto_detect = false, columns = ${columns},
       compression = ${o.gzip ? "'gzip'" : "'none'"}, store_rejects = true, rejects_table = ${quotedString(errors)}, rejects_scan = ${quotedString(scans)})`,
  );
  await w.run(
    `CREATE TEMP TABLE ${quotedIdentifier(`${errors}_lignes`)} AS
     SELECT *, line - k - 1 AS seuil FROM (
       SELECT line::INTEGER AS line, row_number() OVER (ORDER BY line)::INTEGER AS k, any_value(csv_line) AS csv_line,
              string_agg(DISTINCT error_type, ', ') AS erreur
       FROM ${quotedIdentifier(errors)} GROUP BY line)`,
  );
  const bad = `${quotedIdentifier(`${errors}_lignes`)}`;
  // Good record n (0-based) comes after the k-th bad record (line l) when n >= l - k - 1, lines counting from 2 under
  // the header: the last such bad record (an ASOF join, not a count per row; consecutive bad lines share a threshold,
  // the largest k wins) gives how many to add back.
  await w.run(
    `CREATE TABLE ${quotedIdentifier(o.table)} AS
     SELECT (r.n + 2 + coalesce(b.k, 0))::INTEGER AS ligne, r.* EXCLUDE (n)
     FROM (SELECT rowid AS n, * FROM ${quotedIdentifier(raw)}) r
     ASOF LEFT JOIN (SELECT seuil, max(k) AS k FROM ${bad} GROUP BY seuil) b ON r.n >= b.seuil
     ORDER BY r.n`,
  );
  await w.run(
    `INSERT INTO ${quotedIdentifier(o.rejects)}
     SELECT line, nullif(trim(split_part(ltrim(csv_line, chr(13) || chr(10)), ${quotedString(o.delimiter)}, 1)), ''),
            'ligne mal formée : ' || CASE WHEN erreur LIKE '%TOO MANY%' THEN 'trop de champs' WHEN erreur LIKE '%MISSING%' THEN 'champs manquants' ELSE lower(erreur) END
              || ' (' || ${o.header.length} || ' attendus, séparateur « ' || ${quotedString(o.delimiter)} || ' »)'
     FROM ${bad}`,
  );
  const n = (await w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${bad}`))!.n;
  await w.run(`DROP TABLE IF EXISTS ${bad}`);
  await w.run(`DROP TABLE IF EXISTS ${quotedIdentifier(errors)}`);
  await w.run(`DROP TABLE IF EXISTS ${quotedIdentifier(scans)}`);
  return n;
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
