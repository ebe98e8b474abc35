// The exports written by DuckDB's COPY are byte for byte those of the JavaScript writer (csvRows + papaparse):
// numbers as JavaScript prints them, text neutralised and quoted the same way, on every export table and on
// hostile values. JSON carries the same data.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mulberry32 } from '../bench/generators.ts';
import { copyCsv, defineExportMacros } from '../indicators/export-sql.ts';
import { csvRows } from '../indicators/exports.ts';
import { EXPORT_TABLES, type Field } from '../indicators/schema.ts';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { toCsv } from '../pipelines/base/csv.ts';
import { Warehouse } from '../pipelines/base/warehouse.ts';
import { scratch } from './helpers/env.ts';
import { copyOfShared } from './helpers/shared.ts';

const tmp = scratch();
afterAll(tmp.cleanup);

/** '' when two texts are equal, else where they first differ, with a little of each around it. */
function sameText(actual: string, expected: string): string {
  if (actual === expected) return '';
  let i = 0;
  while (i < actual.length && actual[i] === expected[i]) i++;
  return `différence au caractère ${i} : « ${actual.slice(Math.max(0, i - 80), i + 80)} » au lieu de « ${expected.slice(Math.max(0, i - 80), i + 80)} »`;
}

/** What the JavaScript writer produces for the same rows. */
function reference(rows: Record<string, unknown>[], fields: Field[], french: boolean): string {
  const columns = fields.map((f) => f.name);
  return french ? `\uFEFF${toCsv(columns, csvRows(rows, fields, true), ';')}` : toCsv(columns, csvRows(rows, fields, false));
}

describe('js_number', () => {
  let w: Warehouse;
  beforeAll(async () => {
    w = await Warehouse.open(':memory:');
    await defineExportMacros(w);
  });
  afterAll(() => w.close());

  it('prints every double as String(x) does, across magnitudes and at the layout boundaries', async () => {
    const random = mulberry32(42);
    const values = [0, -0, 1, -1, 2, 0.5, 0.1, 0.3, 1 / 3, 2 / 3, 1e-7, 1e-6, 9.99e-7, 1.5e-7, 1e21, 9.99e20, 1e20, 123456789012345680000, 5e-324, 1.7976931348623157e308, 2.777777777777778e-5, 0.000025, 100, 1e6, 12.5, -0.0001];
    for (let i = 0; i < 4000; i++) {
      const magnitude = 10 ** Math.floor(random() * 50 - 25);
      values.push((random() - 0.3) * magnitude);
      values.push(Math.round(random() * 1e6) / 10 ** Math.floor(random() * 8));
    }
    await w.run('CREATE OR REPLACE TABLE v (i INTEGER, x DOUBLE)');
    await w.insert('v', [{ name: 'i', type: 'INTEGER' }, { name: 'x', type: 'DOUBLE' }], values.map((x, i) => ({ i, x })));
    const rows = await w.all<{ i: number; s: string }>('SELECT i, js_number(x) AS s FROM v ORDER BY i');
    const wrong = rows.filter((r) => r.s !== String(values[r.i])).map((r) => `${String(values[r.i])} → ${r.s}`);
    expect(wrong).toEqual([]);
  });
});

describe('COPY exports against the JavaScript writer', () => {
  let w: Warehouse;
  beforeAll(async () => {
    // The shared warehouse, every source's sample pulled and computed (a copy: this file writes tables of its own).
    const config = copyOfShared('computed', join(tmp.dir, 'all'));
    w = await Warehouse.open(config.paths.warehouse);
    await defineExportMacros(w);
  });
  afterAll(() => w.close());

  const withRows: string[] = [];
  const tables = EXPORT_TABLES.filter((t) => (t.formats ?? ['csv']).includes('csv'));
  it.each(tables.map((t) => [t.name, t] as const))('%s: the same bytes in CSV and French CSV, the same data in JSON', async (name, table) => {
    const columns = table.fields.map((f) => f.name);
    // The exports the global setup wrote from this warehouse with COPY (writeExports), read once each as bytes: the
    // largest are hundreds of megabytes, kept out of the JavaScript heap and never decoded whole.
    const folder = inject('siteExports');
    const files = { en: readFileSync(join(folder, `${name}.csv`)), fr: readFileSync(join(folder, `${name}.fr.csv`)) };
    const json = readFileSync(join(folder, `${name}.json`));
    // Compared batch after batch with what the JavaScript writer makes of the same rows: CSV byte for byte (the
    // header, then each batch's lines, then nothing more), JSON row by row as the string JSON.stringify gives of the
    // row read back (keys in the same order), inside the envelope of the export's provenance. A difference is shown
    // as text, where it starts (sameText).
    const sameBytes = (file: Buffer, at: number, expected: string, message: string) => {
      const bytes = Buffer.from(expected, 'utf8');
      if (!file.subarray(at, at + bytes.length).equals(bytes)) {
        // Bytes that differ but decode alike (invalid UTF-8 read as U+FFFD) still fail.
        expect(sameText(file.toString('utf8', at, at + bytes.length), expected) || 'mêmes caractères, octets différents (UTF-8 invalide ?)', message).toBe('');
      }
      return bytes.length;
    };
    const header = (french: boolean) => reference([], table.fields, french);
    const at = { en: sameBytes(files.en, 0, header(false), 'en-tête'), fr: sameBytes(files.fr, 0, header(true), 'en-tête français') };
    expect(json.toString('utf8', 0, '{"provenance":{'.length)).toBe('{"provenance":{');
    const debutDonnees = json.indexOf(',"donnees":[');
    expect(JSON.parse(json.toString('utf8', '{"provenance":'.length, debutDonnees))).toMatchObject({ genere_le: expect.any(String) });
    let jsonAt = debutDonnees + ',"donnees":['.length;
    let seen = 0;
    // Streamed in batches (Warehouse.stream): the largest table is never held whole in memory, nor scanned per batch.
    for await (const rows of w.stream(table.sql)) {
      for (const [key, french] of [['en', false], ['fr', true]] as const) {
        // The rows' lines alone: the reference's header cut off (a header without rows is one line).
        const lines = french ? toCsv(columns, csvRows(rows, table.fields, true), ';') : toCsv(columns, csvRows(rows, table.fields, false));
        at[key] += sameBytes(files[key], at[key], lines.slice(lines.indexOf('\n') + 1), `${key}, lignes ${seen + 1} à ${seen + rows.length}`);
      }
      for (const row of rows) {
        const end = json.indexOf(10, jsonAt + 1);
        const line = json.toString('utf8', jsonAt, end === -1 ? json.length : end).trim().replace(/,$/, '');
        const [lu, attendu] = [JSON.stringify(JSON.parse(line)), JSON.stringify(row)];
        if (lu !== attendu) expect(sameText(lu, attendu), `JSON, ligne ${seen + 1}`).toBe('');
        jsonAt = end === -1 ? json.length : end;
        seen++;
      }
    }
    if (seen > 0) withRows.push(name);
    expect(at.en).toBe(files.en.length);
    expect(at.fr).toBe(files.fr.length);
    // After the last row, only the array's and the envelope's ends (DuckDB writes an empty array on three lines).
    expect(json.toString('utf8', jsonAt).replace(/\s+/g, '')).toBe(']}');
  });

  it('compared tables with rows, not only headers', () => {
    expect(withRows).toEqual(expect.arrayContaining(['barometre', 'collectivites', 'rejets']));
  });

  it('the same bytes on hostile text and awkward numbers', async () => {
    const fields: Field[] = [
      { name: 'texte', type: 'string', description: '' },
      { name: 'nombre', type: 'number', description: '' },
      { name: 'entier', type: 'integer', description: '' },
      { name: 'vrai', type: 'boolean', description: '' },
      { name: 'jour', type: 'date', description: '' },
    ];
    const hostile = readFileSync(resolve(PROJECT_ROOT, 'test/fixtures/odt/organisations.csv'), 'utf8').split('\n')[1]!;
    const texts = ['=SOMME(A1)', '+33', '-2', '@x', '\tx', '\rx', 'a "b" c', 'x,y', 'x;y', ' lead', 'trail ', 'ligne\nligne', 'cr\rlf', 'x\uFEFFy', "l'apostrophe", 'émoji 🎉', '', null, hostile];
    const numbers = [0.1, 2, -0.5, 2.5e-5, 1e-7, 1e21, 1234.5678, null, 1 / 3, -0];
    await w.run('CREATE OR REPLACE TABLE h (texte VARCHAR, nombre DOUBLE, entier BIGINT, vrai BOOLEAN, jour VARCHAR)');
    await w.insert(
      'h',
      [
        { name: 'texte', type: 'VARCHAR' },
        { name: 'nombre', type: 'DOUBLE' },
        { name: 'entier', type: 'BIGINT' },
        { name: 'vrai', type: 'BOOLEAN' },
        { name: 'jour', type: 'VARCHAR' },
      ],
      texts.map((texte, i) => ({ texte, nombre: numbers[i % numbers.length], entier: i % 3 === 0 ? null : -i * 1000, vrai: i % 3 === 0 ? null : i % 2 === 0, jour: i % 2 ? '2026-06-30' : null })),
    );
    const sql = 'SELECT * FROM h';
    const rows = await w.all(sql);
    for (const french of [false, true]) {
      const path = join(tmp.dir, `hostile${french ? '.fr' : ''}.csv`);
      await copyCsv(w, sql, fields, path, french);
      expect(readFileSync(path, 'utf8')).toBe(reference(rows, fields, french));
    }
  });
});
