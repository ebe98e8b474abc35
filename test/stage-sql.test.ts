// The staging module (pipelines/base/staging.ts), helpers of the sources that let DuckDB read their files: sniffing,
// gzip checks, headers, the missing-column check, CSV lines kept through rejects.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { checkGzip, countRows, createRejects, csvHeader, jsonKeys, readCsvInto, requireHeader, sniffRaw } from '../pipelines/base/staging.ts';
import { withWarehouse } from '../pipelines/base/warehouse.ts';
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

  it('renames a column repeated regardless of case as DuckDB does, and reads a header whose name holds a line break', () => {
    expect(csvHeader(' TypePrix ;typePrix;id;TYPEPRIX\n1;2;3;4\n', ';')).toEqual(['TypePrix', 'typePrix_2', 'id', 'TYPEPRIX_3']);
    expect(csvHeader('a,"b\nc",d\n1,2,3', ',')).toEqual(['a', 'b\nc', 'd']);
  });

  it('refuses an empty file and a gzip cut before its end', async () => {
    expect(() => sniffRaw(file('vide.csv', ''), 'essai')).toThrow('essai : le fichier est vide.');
    const whole = gzipSync('x;y\r\n'.repeat(1000));
    const cut = file('coupe.gz', whole.subarray(0, whole.length - 20));
    await expect(checkGzip(cut, 'essai')).rejects.toThrow(/essai : fichier gzip tronqué ou corrompu/);
    await expect(checkGzip(file('entier.gz', whole), 'essai')).resolves.toBeUndefined();
  });
});

describe('requireHeader', () => {
  it('names the missing columns, the columns found and what file was expected, in the one format of a missing column', () => {
    expect(() => requireHeader(['siren', 'nom'], ['siren', 'type', 'population'], 'essai', 'Attendu : le fichier X.')).toThrow(
      'essai : colonnes obligatoires absentes : « type », « population ». Colonnes trouvées : « siren », « nom ». Attendu : le fichier X.',
    );
    expect(() => requireHeader([], ['id'], 'essai')).toThrow('essai : colonne obligatoire absente : « id ». Colonnes trouvées : aucune.');
    expect(() => requireHeader(['id'], ['id'], 'essai')).not.toThrow();
  });
});

describe('readCsvInto', () => {
  const read = (name: string, text: string, gzip = false) =>
    withWarehouse(':memory:', async (w) => {
      const path = file(name, gzip ? gzipSync(text) : text);
      await createRejects(w, 'rejets');
      const r = await readCsvInto(w, { path, delimiter: ';', what: 'essai', table: 'lu', rejects: 'rejets', scratch: (s) => `tmp_${s}` });
      return {
        n: r.malformed,
        gzip: r.gzip,
        rows: await w.all<{ ligne: number; a: string }>(`SELECT ligne, a FROM lu ORDER BY ligne`),
        rejects: await w.all<{ ligne: number; identifiant: string; motif: string }>(`SELECT ligne, identifiant, motif FROM rejets ORDER BY ligne`),
        counts: [await countRows(w, 'lu'), await countRows(w, 'rejets')],
      };
    });

  it('keeps every good record at its own line, around consecutive malformed ones, first and last included', async () => {
    // Lines: 1 header, 2 bad, 3 good, 4 bad, 5 bad, 6 good, 7 good, 8 bad.
    const text = ['a;b;c', 'x2;1', 'g3;1;2', 'x4;1;2;3', 'x5', 'g6;1;2', 'g7;1;2', 'x8;1;2;3;4'].join('\r\n') + '\r\n';
    for (const gzip of [false, true]) {
      const r = await read(`lignes-${gzip}.csv`, text, gzip);
      expect(r.n).toBe(4);
      expect(r.gzip).toBe(gzip);
      expect(r.rows).toEqual([
        { ligne: 3, a: 'g3' },
        { ligne: 6, a: 'g6' },
        { ligne: 7, a: 'g7' },
      ]);
      // The words of the JavaScript reader (parseCsv): how many fields, how many expected, which separator.
      expect(r.rejects).toEqual([
        { ligne: 2, identifiant: 'x2', motif: 'ligne mal formée : 2 champs au lieu de 3 (séparateur « ; »)' },
        { ligne: 4, identifiant: 'x4', motif: 'ligne mal formée : 4 champs au lieu de 3 (séparateur « ; »)' },
        { ligne: 5, identifiant: 'x5', motif: 'ligne mal formée : 1 champs au lieu de 3 (séparateur « ; »)' },
        { ligne: 8, identifiant: 'x8', motif: 'ligne mal formée : 5 champs au lieu de 3 (séparateur « ; »)' },
      ]);
      expect(r.counts).toEqual([3, 4]);
    }
  });

  it('numbers records, not physical lines, around a quoted line break and a misplaced quote', async () => {
    const r = await read('guillemets.csv', ['a;b;c', 'g2;"1\n1";2', 'x3;"a"b;c', 'g4;1;2'].join('\n') + '\n');
    expect(r.rows).toEqual([
      { ligne: 2, a: 'g2' },
      { ligne: 4, a: 'g4' },
    ]);
    expect(r.rejects).toEqual([{ ligne: 3, identifiant: 'x3', motif: 'ligne mal formée : guillemets mal placés' }]);
  });

  it('reads a header without rows as an empty table', async () => {
    expect(await read('entete.csv', 'a;b;c\r\n')).toEqual({ n: 0, gzip: false, rows: [], rejects: [], counts: [0, 0] });
  });

  it('checks the required columns before reading, and creates the rejects table when it is not there', async () => {
    await withWarehouse(':memory:', async (w) => {
      const path = file('colonnes.csv', 'a;B;b\r\n1;2;3\r\n1;2\r\n');
      const o = { path, delimiter: ';', what: 'essai', table: 'lu', rejects: 'mal_formes', scratch: (s: string) => `tmp_${s}` };
      await expect(readCsvInto(w, { ...o, required: ['a', 'z'], hint: 'Attendu : X.' })).rejects.toThrow(
        'essai : colonne obligatoire absente : « z ». Colonnes trouvées : « a », « B », « b_2 ». Attendu : X.',
      );
      expect(await readCsvInto(w, { ...o, required: ['a', 'b_2'] })).toEqual({ columns: ['a', 'B', 'b_2'], gzip: false, malformed: 1 });
      expect(await w.all(`SELECT ligne, a, "B", b_2 FROM lu`)).toEqual([{ ligne: 2, a: '1', B: '2', b_2: '3' }]);
      expect(await w.all(`SELECT ligne, identifiant FROM mal_formes`)).toEqual([{ ligne: 3, identifiant: '1' }]);
      await expect(readCsvInto(w, { ...o, path: file('vide.csv', ';;\n'), table: 'lu2' })).rejects.toThrow('essai : fichier vide ou sans en-tête.');
    });
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
