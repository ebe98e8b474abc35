// Exports written by DuckDB's own COPY: CSV, French CSV (`;`, decimal comma, BOM), JSON and Parquet, with the
// formula neutralisation, the quoting and the number formatting done in SQL, so that no row is materialised in
// JavaScript. The bytes are those of the JavaScript writer (`csvRows` + papaparse, whose cell rule is `csvCell` of
// pipelines/base/csv.ts): numbers as JavaScript prints them, text quoted as papaparse quotes it (a test compares both
// on every export and on hostile values).
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { quotedIdentifier, quotedString, type Warehouse } from '../pipelines/base/warehouse.ts';
import type { Field } from './schema.ts';

/**
 * SQL macros: `js_number(x)` writes a DOUBLE as JavaScript's `String(x)` does (DuckDB and JavaScript both print the
 * shortest digits that read back to the same double; only the layout differs: `2.0` → `2`, `2.5e-05` → `0.000025`,
 * `1e+21` stays); `csv_neutralise(s)` is the formula rule, the SQL twin of `neutralise` in pipelines/base/csv.ts
 * (change both together); `csv_quote(s, delimiter)` quotes a cell as papaparse does.
 */
export const EXPORT_MACROS = [
  `CREATE OR REPLACE MACRO jsn_int(s) AS regexp_extract(s, '^([0-9]+)', 1)`,
  `CREATE OR REPLACE MACRO jsn_raw(s) AS jsn_int(s) || regexp_extract(s, '\\.([0-9]+)', 1)`,
  `CREATE OR REPLACE MACRO jsn_exp(s) AS coalesce(TRY_CAST(regexp_extract(s, 'e([+-]?[0-9]+)$', 1) AS INTEGER), 0)`,
  `CREATE OR REPLACE MACRO jsn_digits(s) AS rtrim(ltrim(jsn_raw(s), '0'), '0')`,
  // The decimal point's position after the first significant digit's place (JavaScript's n in 0.d1d2… × 10^n).
  `CREATE OR REPLACE MACRO jsn_n(s) AS length(jsn_int(s)) + jsn_exp(s) - (length(jsn_raw(s)) - length(ltrim(jsn_raw(s), '0')))`,
  `CREATE OR REPLACE MACRO jsn_layout(d, n) AS CASE
     WHEN length(d) <= n AND n <= 21 THEN d || repeat('0', n - length(d))
     WHEN 0 < n AND n <= 21 THEN substr(d, 1, n) || '.' || substr(d, n + 1)
     WHEN -6 < n AND n <= 0 THEN '0.' || repeat('0', -n) || d
     ELSE substr(d, 1, 1) || CASE WHEN length(d) > 1 THEN '.' || substr(d, 2) ELSE '' END || 'e' || CASE WHEN n - 1 >= 0 THEN '+' ELSE '-' END || abs(n - 1)::VARCHAR
   END`,
  `CREATE OR REPLACE MACRO jsn_abs(s) AS CASE
     WHEN NOT contains(s, 'e') THEN CASE WHEN suffix(s, '.0') THEN s[:-3] ELSE s END
     ELSE jsn_layout(jsn_digits(s), jsn_n(s))
   END`,
  `CREATE OR REPLACE MACRO js_number(x) AS CASE
     WHEN x IS NULL THEN NULL
     WHEN isnan(x) THEN 'NaN'
     WHEN isinf(x) THEN CASE WHEN x > 0 THEN 'Infinity' ELSE '-Infinity' END
     WHEN x = 0 THEN '0'
     ELSE CASE WHEN x < 0 THEN '-' ELSE '' END || jsn_abs(CAST(abs(x) AS VARCHAR))
   END`,
  // The formula rule, once in SQL: its JavaScript twin is `neutralise` of pipelines/base/csv.ts.
  `CREATE OR REPLACE MACRO csv_neutralise(s) AS CASE WHEN regexp_matches(s, '^[=+\\-@\\t\\r]') THEN '''' || s ELSE s END`,
  `CREATE OR REPLACE MACRO csv_quote(s, delimiter) AS CASE
     WHEN s IS NULL THEN ''
     WHEN regexp_matches(s, '[\\r\\n"\\x{FEFF}]') OR contains(s, delimiter) OR starts_with(s, ' ') OR suffix(s, ' ')
       THEN '"' || replace(s, '"', '""') || '"'
     ELSE s
   END`,
];

export async function defineExportMacros(w: Warehouse): Promise<void> {
  for (const sql of EXPORT_MACROS) await w.run(sql);
}

/**
 * One field as CSV text: empty for null, formulas neutralised, numbers as JavaScript prints them (the French form:
 * first decimal point made a comma). The SQL twin of `csvCell` of pipelines/base/csv.ts, the rule of every JavaScript
 * writer.
 */
function csvCell(field: Field, delimiter: string, french: boolean): string {
  const col = `t.${quotedIdentifier(field.name)}`;
  switch (field.type) {
    case 'string':
    case 'date':
      return `csv_quote(csv_neutralise(CAST(${col} AS VARCHAR)), ${quotedString(delimiter)})`;
    case 'boolean':
      return `CASE WHEN ${col} IS NULL THEN '' WHEN ${col} THEN 'true' ELSE 'false' END`;
    case 'integer':
    case 'number': {
      const n = `coalesce(js_number(CAST(${col} AS DOUBLE)), '')`;
      // The French CSV replaces the first decimal point only, as String.replace does.
      return french ? `regexp_replace(${n}, '\\.', ',')` : n;
    }
  }
}

export interface CopyResult {
  rows: number;
}

async function copy(w: Warehouse, select: string, path: string, options: string): Promise<number> {
  const out = await w.one<{ Count?: number; count?: number }>(`COPY (${select}) TO ${quotedString(path)} (${options})`);
  return Number(out?.Count ?? out?.count ?? 0);
}

/**
 * Writes `sql` as CSV with `fields` (in order). `french`: `;`, decimal comma and a UTF-8 BOM (carried by the first
 * column's name, which DuckDB writes as it is since quoting is done in SQL).
 */
export async function copyCsv(w: Warehouse, sql: string, fields: Field[], path: string, french: boolean): Promise<number> {
  const delimiter = french ? ';' : ',';
  const columns = fields.map((f, i) => `${csvCell(f, delimiter, french)} AS ${quotedIdentifier(`${french && i === 0 ? '\uFEFF' : ''}${f.name}`)}`);
  return copy(w, `SELECT ${columns.join(', ')} FROM (${sql}) t`, path, `FORMAT csv, HEADER true, QUOTE '', ESCAPE '', DELIMITER ${quotedString(delimiter)}`);
}

/** Writes `{"provenance": …, "donnees": [rows]}`: DuckDB writes the rows, a stream adds the wrapper. */
export async function copyJson(w: Warehouse, sql: string, fields: Field[], path: string, provenance: object): Promise<number> {
  const rows = `${path}.rows.tmp`;
  try {
    // A negative zero is written 0, as JSON.stringify writes it.
    const column = (f: Field) => (f.type === 'number' ? `CASE WHEN t.${quotedIdentifier(f.name)} = 0 THEN 0 ELSE t.${quotedIdentifier(f.name)} END AS ${quotedIdentifier(f.name)}` : `t.${quotedIdentifier(f.name)}`);
    const n = await copy(w, `SELECT ${fields.map(column).join(', ')} FROM (${sql}) t`, rows, 'FORMAT json, ARRAY true');
    const out = createWriteStream(path);
    out.write(`{"provenance":${JSON.stringify(provenance)},"donnees":`);
    await pipeline(createReadStream(rows), out, { end: false });
    await new Promise<void>((resolve, reject) => out.end('}', () => resolve()).on('error', reject));
    return n;
  } finally {
    rmSync(rows, { force: true });
  }
}

export async function copyParquet(w: Warehouse, sql: string, path: string): Promise<number> {
  return copy(w, sql, path, 'FORMAT parquet, COMPRESSION zstd');
}
