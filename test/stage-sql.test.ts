// Helpers of the sources that let DuckDB read their files: sniffing, gzip checks, CSV lines kept through rejects.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { checkGzip, createRejects, csvHeader, jsonKeys, readCsvInto, sniffRaw } from '../pipelines/stage-sql.ts';
import { withWarehouse } from '../pipelines/warehouse.ts';
import { scratch } from './helpers/env.ts';

const tmp = scratch();
afterAll(tmp.cleanup);
const file = (name: string, content: string | Uint8Array) => {
  const path = join(tmp.dir, name);
  writeFileSync(path, content);
  return path;
};

describe('sniffRaw and checkGzip', () => {
  it('tells gzip from plain and CSV from JSON by the content, whatever the name says', () => {
    expect(sniffRaw(file('a.json.gz', 'x;y\r\n1;2\r\n'), 't')).toMatchObject({ gzip: false, format: 'csv' });
    expect(sniffRaw(file('b.csv', gzipSync('\uFEFF [{"a":1}]')), 't')).toMatchObject({ gzip: true, format: 'json', head: ' [{"a":1}]' });
    expect(csvHeader('type;siret;"in;see"\r\ncommune;1;2', ';')).toEqual(['type', 'siret', 'in;see']);
  });

  it('refuses an empty file and a gzip cut before its end', async () => {
    expect(() => sniffRaw(file('vide.csv', ''), 'essai')).toThrow('essai : le fichier est vide.');
    const whole = gzipSync('x;y\r\n'.repeat(1000));
    const cut = file('coupe.gz', whole.subarray(0, whole.length - 20));
    await expect(checkGzip(cut, 'essai')).rejects.toThrow(/essai : fichier gzip tronqué ou corrompu/);
    await expect(checkGzip(file('entier.gz', whole), 'essai')).resolves.toBeUndefined();
  });
});

describe('readCsvInto', () => {
  const read = (name: string, text: string, gzip = false) =>
    withWarehouse(':memory:', async (w) => {
      const path = file(name, gzip ? gzipSync(text) : text);
      await createRejects(w, 'rejets');
      const header = csvHeader(text, ';');
      const n = await readCsvInto(w, { path, gzip, delimiter: ';', header, table: 'lu', rejects: 'rejets', scratch: (s) => `tmp_${s}` });
      return {
        n,
        rows: await w.all<{ ligne: number; a: string }>(`SELECT ligne, a FROM lu ORDER BY ligne`),
        rejects: await w.all<{ ligne: number; identifiant: string }>(`SELECT ligne, identifiant FROM rejets ORDER BY ligne`),
      };
    });

  it('keeps every good record at its own line, around consecutive malformed ones, first and last included', async () => {
    // Lines: 1 header, 2 bad, 3 good, 4 bad, 5 bad, 6 good, 7 good, 8 bad.
    const text = ['a;b;c', 'x2;1', 'g3;1;2', 'x4;1;2;3', 'x5', 'g6;1;2', 'g7;1;2', 'x8;1;2;3;4'].join('\r\n') + '\r\n';
    for (const gzip of [false, true]) {
      const r = await read(`lignes-${gzip}.csv`, text, gzip);
      expect(r.n).toBe(4);
      expect(r.rows).toEqual([
        { ligne: 3, a: 'g3' },
        { ligne: 6, a: 'g6' },
        { ligne: 7, a: 'g7' },
      ]);
      expect(r.rejects).toEqual([
        { ligne: 2, identifiant: 'x2' },
        { ligne: 4, identifiant: 'x4' },
        { ligne: 5, identifiant: 'x5' },
        { ligne: 8, identifiant: 'x8' },
      ]);
    }
  });

  it('reads a header without rows as an empty table', async () => {
    expect(await read('entete.csv', 'a;b;c\r\n')).toEqual({ n: 0, rows: [], rejects: [] });
  });
});

describe('jsonKeys', () => {
  it('lists the keys of the objects, and says plainly when the file is no JSON array', async () => {
    await withWarehouse(':memory:', async (w) => {
      expect(await jsonKeys(w, file('ok.json', '[{"number": 1, "service": {"nom": "x"}}, {"title": "t"}]'), false, 't')).toEqual(['number', 'service', 'title']);
      await expect(jsonKeys(w, file('ko.json', '[{"number": 1,'), false, 'essai')).rejects.toThrow(/essai : JSON illisible \(un tableau d'objets est attendu\)/);
    });
  });
});
