import { describe, expect, it } from 'vitest';
import { CsvError, decode, missingColumnsMessage, parseCsv, parseNumber, requireColumns, toCsv } from '../pipelines/base/csv.ts';

const enc = (s: string) => new TextEncoder().encode(s);
/** Windows-1252 bytes for a string made of ASCII and Latin-1 letters. */
const cp1252 = (s: string) => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));

describe('decode', () => {
  it('reads UTF-8 with a BOM and drops the BOM', () => {
    const r = decode(Uint8Array.from([0xef, 0xbb, 0xbf, ...enc('nom\nAcigné\n')]));
    expect(r).toMatchObject({ encoding: 'utf-8', bom: true });
    expect(r.text).toBe('nom\nAcigné\n');
  });
  it('falls back to Windows-1252 when the bytes are not UTF-8', () => {
    const r = decode(cp1252('nom\nAcign\u00e9\n'));
    expect(r.encoding).toBe('windows-1252');
    expect(r.text).toBe('nom\nAcigné\n');
  });
  it('refuses UTF-16 with a message saying what to do', () => {
    expect(() => decode(Uint8Array.from([0xff, 0xfe, 0x6e, 0x00]))).toThrow(/UTF-16.*UTF-8/);
  });
});

describe('parseCsv detects separator, line breaks and encoding', () => {
  const variants: [string, Uint8Array, string, string][] = [
    ['comma, LF, UTF-8', enc('siren,nom\n213500010,Acigné\n'), ',', '\n'],
    ['semicolon, CRLF, UTF-8 BOM', Uint8Array.from([0xef, 0xbb, 0xbf, ...enc('siren;nom\r\n213500010;Acigné\r\n')]), ';', '\r\n'],
    ['semicolon, CRLF, Windows-1252', cp1252('siren;nom\r\n213500010;Acign\u00e9\r\n'), ';', '\r\n'],
    ['tab, LF', enc('siren\tnom\n213500010\tAcigné\n'), '\t', '\n'],
  ];
  it.each(variants)('%s', (_name, bytes, delimiter, lineBreak) => {
    const t = parseCsv(bytes);
    expect(t.delimiter).toBe(delimiter);
    expect(t.lineBreak).toBe(lineBreak);
    expect(t.header).toEqual(['siren', 'nom']);
    expect(t.rows).toEqual([{ line: 2, values: { siren: '213500010', nom: 'Acigné' } }]);
  });

  it('keeps quoted separators and line breaks inside a field', () => {
    const t = parseCsv(enc('a,b\n"x, y","ligne 1\nligne 2"\n'));
    expect(t.rows[0]!.values).toEqual({ a: 'x, y', b: 'ligne 1\nligne 2' });
  });

  it('reports rows with the wrong number of fields with their line, without stopping', () => {
    const t = parseCsv(enc('a,b\n1,2\n3\n4,5\n'));
    expect(t.rows.map((r) => r.line)).toEqual([2, 4]);
    expect(t.malformed).toEqual([{ line: 3, raw: ['3'], reason: '1 champs au lieu de 2 (séparateur « , »)' }]);
  });

  it('fails on an HTML error page served instead of a CSV', () => {
    expect(() => parseCsv(enc('<!DOCTYPE html><html><body>502 Bad Gateway</body></html>'), { what: 'odt' })).toThrow(/page HTML/);
  });

  it('fails on an empty file', () => {
    expect(() => parseCsv(new Uint8Array())).toThrow(CsvError);
  });

  it('fails on a quote left open, the mark of a truncated download', () => {
    expect(() => parseCsv(enc('a,b\n1,"coupé en'))).toThrow(/tronqué/);
  });
});

describe('requireColumns', () => {
  it('names the missing column and the columns found', () => {
    const t = parseCsv(enc('siren,nom\n1,x\n'));
    expect(() => requireColumns(t, ['siren', 'type'], 'odt')).toThrow('odt : colonne obligatoire absente : « type ». Colonnes trouvées : « siren », « nom ».');
  });
  it('shares its message with every reader (missingColumnsMessage): alternatives, a long header cut, the hint last', () => {
    const found = Array.from({ length: 45 }, (_, i) => `c${i}`);
    expect(missingColumnsMessage('essai', ['id', ['depcode', 'Département']], found, 'Attendu : le fichier X.')).toBe(
      `essai : colonnes obligatoires absentes : « id », « depcode » ou « Département ». Colonnes trouvées : ${found.slice(0, 40).map((c) => `« ${c} »`).join(', ')}… (45 colonnes en tout). Attendu : le fichier X.`,
    );
  });
  it('accepts a column renamed only by case, accents or separators, and renames it', () => {
    const t = parseCsv(enc('SIREN;Nb_Ptf\n1;4\n'));
    requireColumns(t, ['siren', 'nb-ptf'], 'odt');
    expect(t.header).toEqual(['siren', 'nb-ptf']);
    expect(t.rows[0]!.values).toEqual({ siren: '1', 'nb-ptf': '4' });
  });
});

describe('parseNumber', () => {
  it.each([
    ['12', 12],
    ['1234.5', 1234.5],
    ['1 234,5', 1234.5],
    ['1\u202f234', 1234],
    ['-3', -3],
    ['', null],
    ['  ', null],
  ])('reads %j as %s', (cell, expected) => {
    expect(parseNumber(cell)).toBe(expected);
  });
  it.each(['douze', '12abc', '1,2,3'])('reads %j as NaN', (cell) => {
    expect(parseNumber(cell)).toBeNaN();
  });
});

describe('toCsv', () => {
  it('quotes fields holding the separator, quotes or line breaks', () => {
    expect(toCsv(['a', 'b'], [{ a: 'x, y', b: 'dit "oui"' }])).toBe('a,b\n"x, y","dit ""oui"""\n');
  });
});
