// Seeded fuzzing of CSV reading and of the odt validation: never a crash other than a clear error,
// and never a loaded row that breaks the table's schema.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../bench/generators.ts';
import { CsvError, parseCsv } from '../pipelines/base/csv.ts';
import { referential } from '../pipelines/referential/referential.ts';
import { prepareOdt } from '../pipelines/sources/odt.ts';

const ref = referential();
const HEADER = 'siren,nom,type,regcode,url-ptf,nb-ptf,url-datagouv,nb-datagouv,id-datagouv,id-ods,pop-insee,lat,long,merge,depcode';
const random = mulberry32(424242);
const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
const sirens = [...ref.communeBySiren.keys()].slice(0, 500).concat([...ref.epciBySiren.keys()].slice(0, 100));

const cellGenerators: (() => string)[] = [
  () => '',
  () => pick(sirens),
  () => String(Math.floor(random() * 1e10)),
  () => pick(['COM', 'CC', 'CA', 'CU', 'MET', 'DEP', 'REG', 'AGCT', 'EPT', 'XYZ', '']),
  () => pick(['-1', '0', '3', '1e3', '2,5', 'NaN', '∞', '１２', '12 ']),
  () => pick(['"', '""', '"a,b"', 'a\nb', '\r', ';', '\t', '=1+1', '<script>alert(1)</script>', '\u202eevil', '😀', '\u200e213502388']),
  () => 'x'.repeat(Math.floor(random() * 5000)),
  () => String.fromCharCode(...Array.from({ length: 8 }, () => Math.floor(random() * 0x2fff))),
];

const communes = [...ref.communeBySiren.values()].slice(0, 500);

/** A plausible row (a real commune), with one cell replaced by fuzz half of the time. */
function validLine(): string {
  const c = pick(communes);
  const cells = [c.siren!, c.nom.toUpperCase(), 'COM', `XX-${c.region}`, '', String(Math.floor(random() * 9)), '', '', '', '', '', '', '', 'ptf', c.departement!];
  if (random() < 0.5) cells[Math.floor(random() * cells.length)] = pick(cellGenerators)();
  return cells.map((x) => (/[",\n\r]/.test(x) ? `"${x.replaceAll('"', '""')}"` : x)).join(',');
}

function fuzzLine(): string {
  if (random() < 0.5) return validLine();
  const n = random() < 0.85 ? 15 : Math.floor(random() * 20);
  return Array.from({ length: n }, () => {
    const cell = pick(cellGenerators)();
    return random() < 0.3 ? `"${cell.replaceAll('"', '""')}"` : cell;
  }).join(pick([',', ',', ',', ';']));
}

function fuzzFile(): Uint8Array {
  const lines = [random() < 0.9 ? HEADER : fuzzLine(), ...Array.from({ length: Math.floor(random() * 30) }, fuzzLine)];
  let text = lines.join(pick(['\n', '\r\n', '\r']));
  if (random() < 0.2) text = text.slice(0, Math.floor(random() * text.length)); // truncated
  const bytes = new TextEncoder().encode(text);
  if (random() < 0.1) return Uint8Array.from([0xef, 0xbb, 0xbf, ...bytes]);
  if (random() < 0.1) return bytes.map((b) => (b > 0x7f ? 0xe9 : b)); // broken UTF-8 → Windows-1252
  return bytes;
}

const ctx = { referential: ref, dataDate: '2021-04-09', origin: 'fuzz', runId: 'fuzz' };

describe('fuzzing (seeded, 400 files)', () => {
  it('parseCsv either reads a table or throws a CsvError with a message', () => {
    for (let i = 0; i < 400; i++) {
      const bytes = fuzzFile();
      try {
        const t = parseCsv(bytes);
        for (const r of t.rows) expect(Object.keys(r.values)).toHaveLength(new Set(t.header).size);
      } catch (error) {
        expect(error).toBeInstanceOf(CsvError);
        expect((error as Error).message.length).toBeGreaterThan(10);
      }
    }
  });

  it('prepareOdt never loads a row that breaks the schema, and accounts for every row', () => {
    let loaded = 0;
    for (let i = 0; i < 400; i++) {
      const bytes = fuzzFile();
      let p;
      try {
        p = prepareOdt(bytes, ctx);
      } catch (error) {
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message).toMatch(/odt \(fuzz\)|colonne|vide|HTML|tronqué|UTF-16|en-tête/);
        continue;
      }
      expect(p.rowsIn).toBe(p.rowsLoaded + p.rejects.length);
      for (const r of p.tables.odt_organisations!) {
        loaded++;
        expect(r.siren === null || /^\d{9}$/.test(r.siren as string)).toBe(true);
        for (const n of [r.nb_ptf, r.nb_datagouv]) expect(n === null || (Number.isInteger(n) && (n as number) >= 0)).toBe(true);
        expect(['commune', 'epci', 'departement', 'region', 'ept', 'hors-collectivite']).toContain(r.categorie);
        if (r.categorie === 'commune') expect(ref.communeByCode.has(r.code as string)).toBe(true);
        if (r.categorie === 'epci') expect(ref.epciBySiren.has(r.code as string)).toBe(true);
        expect(typeof r.publie).toBe('boolean');
      }
      for (const j of p.rejects) expect(j.motif.length).toBeGreaterThan(5);
    }
    // The generator must produce loadable rows too, or the schema checks above never run.
    expect(loaded).toBeGreaterThan(50);
  });
});
