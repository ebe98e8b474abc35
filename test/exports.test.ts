import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeBarometre } from '../indicators/compute.ts';
import { writeExports } from '../indicators/exports.ts';
import { EXPORT_TABLES } from '../indicators/schema.ts';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { csvCell, neutralise } from '../pipelines/base/csv.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import { pullSource } from '../pipelines/sources/pull.ts';
import { odt } from '../pipelines/sources/odt.ts';
import { withWarehouse } from '../pipelines/base/warehouse.ts';
import { scratch, testConfig } from './helpers/env.ts';

describe('neutralise', () => {
  it.each([
    ['=SOMME(A1)', "'=SOMME(A1)"],
    ['+33 1 23', "'+33 1 23"],
    ['-2', "'-2"],
    ['@cmd', "'@cmd"],
    ['\tx', "'\tx"],
    ['\rx', "'\rx"],
    ['Rennes', 'Rennes'],
    ['', ''],
  ])('%j → %j', (input, expected) => expect(neutralise(input)).toBe(expected));

  it('is applied by csvCell to text only, by the column type or else the value', () => {
    expect(csvCell('-2', 'string')).toBe("'-2");
    expect(csvCell('2024-01-01', 'date')).toBe('2024-01-01');
    expect(csvCell(-2.5, 'number')).toBe('-2.5');
    expect(csvCell(-2.5, 'number', { decimalComma: true })).toBe('-2,5');
    expect(csvCell(-2, 'string')).toBe("'-2");
    expect(csvCell(false, 'boolean')).toBe('false');
    expect(csvCell(null, 'string')).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(true)).toBe('true');
    expect(csvCell('=1+1')).toBe("'=1+1");
  });
});

describe('the exports of a run with a hostile name in the source', () => {
  const tmp = scratch();
  const config = testConfig(tmp.dir);
  const dir = () => config.paths.exports;
  beforeAll(async () => {
    const hostile = join(tmp.dir, 'hostile.csv');
    const fixture = readFileSync(resolve(PROJECT_ROOT, 'test/fixtures/odt/organisations.csv'), 'utf8');
    // An unknown commune whose name is a formula: it lands in the rejects, whose text cells are exported.
    writeHostile(hostile, fixture);
    await withWarehouse(config.paths.warehouse, async (w) => {
      await pullSource(config, w, odt, { from: hostile, date: '2021-04-09', log: memoryLogger() });
      await computeBarometre(config, w, { log: memoryLogger() });
      await writeExports(config, w, new Date('2026-11-22T10:00:00Z'));
    });
  });
  afterAll(tmp.cleanup);

  function writeHostile(path: string, fixture: string) {
    const line = '999999999,"=HYPERLINK(""http://x"")",COM,BRE-53,,4,,,,,,,,ptf,35';
    writeFileSync(path, `${fixture.trimEnd()}\n${line}\n`);
  }

  it('neutralises formula-like text cells in CSV, and keeps them as they are in JSON', () => {
    const csv = readFileSync(join(dir(), 'rejets.csv'), 'utf8');
    const rows = Papa.parse<Record<string, string>>(csv, { header: true, skipEmptyLines: true }).data;
    const row = rows.find((r) => r.identifiant === '999999999')!;
    expect(row.motif.startsWith("commune introuvable")).toBe(true);
    expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);
    const json = JSON.parse(readFileSync(join(dir(), 'rejets.json'), 'utf8'));
    expect(json.donnees.some((r: { motif: string }) => r.motif.includes('=HYPERLINK("http://x")'))).toBe(true);
  });

  it('never touches numbers, even negative ones', () => {
    const csv = readFileSync(join(dir(), 'barometre.csv'), 'utf8');
    expect(csv).not.toContain("'0");
  });

  it('offers a French spreadsheet variant: BOM, semicolon, decimal comma, same rows', () => {
    const fr = readFileSync(join(dir(), 'barometre.fr.csv'), 'utf8');
    const en = readFileSync(join(dir(), 'barometre.csv'), 'utf8');
    expect(fr.startsWith('\uFEFFindicateur;periode;niveau')).toBe(true);
    expect(fr.split('\n').length).toBe(en.split('\n').length);
    expect(fr).toMatch(/;0,\d+;/);
    expect(fr).not.toMatch(/;0\.\d+;/);
  });

  it('describes every exported column in datapackage.json, with sources and licence', async () => {
    const pkg = JSON.parse(readFileSync(join(dir(), 'datapackage.json'), 'utf8'));
    for (const table of EXPORT_TABLES) {
      const resource = pkg.resources.find((r: { name: string }) => r.name === table.name);
      const names = resource.schema.fields.map((f: { name: string }) => f.name);
      if (resource.format === 'csv') {
        expect(names).toEqual(readFileSync(join(dir(), `${table.name}.csv`), 'utf8').split('\n')[0]!.split(','));
      } else {
        const columns = await withWarehouse(':memory:', (w) => w.all<{ column_name: string }>(`DESCRIBE SELECT * FROM read_parquet('${join(dir(), resource.path)}')`));
        expect(names).toEqual(columns.map((c) => c.column_name));
      }
      for (const f of resource.schema.fields) expect(f.description.length).toBeGreaterThan(3);
    }
    expect(pkg.licenses[0].name).toBe('ODbL-1.0');
    expect(pkg.sources[0]).toMatchObject({ licence: 'ODbL 1.0', date_donnees: '2021-04-09' });
  });

  it('gives the site each indicator’s unit, and the wording of its values when they are shares or counts', () => {
    const defs = JSON.parse(readFileSync(join(dir(), 'indicateurs.json'), 'utf8')) as { id: string; unit: string; valeur?: { forme: string; libelle: string } }[];
    for (const d of defs) {
      expect(['taux', 'valeur']).toContain(d.unit);
      // A headline median needs values to take it from.
      if (d.unit === 'valeur') expect(d.valeur).toBeDefined();
      if (d.valeur) expect(['part', 'nombre']).toContain(d.valeur.forme);
    }
    expect(defs.filter((d) => d.unit === 'valeur').map((d) => d.id)).toContain('adresses-certifiees');
    const valeur = JSON.parse(readFileSync(join(dir(), 'datapackage.json'), 'utf8')).resources.find((r: { name: string }) => r.name === 'barometre').schema.fields.find((f: { name: string }) => f.name === 'valeur_mediane');
    expect(valeur).toMatchObject({ type: 'number', description: expect.stringMatching(/^Médiane des valeurs des collectivités concernées/) });
  });

  it('writes Parquet twins with the same rows as the CSV', async () => {
    await withWarehouse(':memory:', async (w) => {
      const row = await w.one<{ n: number }>(`SELECT count(*) AS n FROM read_parquet('${join(dir(), 'barometre.parquet')}')`);
      const csvRows = readFileSync(join(dir(), 'barometre.csv'), 'utf8').trim().split('\n').length - 1;
      expect(row!.n).toBe(csvRows);
    });
  });
});
