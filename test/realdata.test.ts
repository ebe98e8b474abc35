// The whole chain on the real OpenDataFrance file from ../shared/realdata (skipped, visibly, when absent).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeBarometre } from '../indicators/compute.ts';
import { writeExports } from '../indicators/exports.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import type { RunRecord } from '../pipelines/base/runs.ts';
import { pullSource } from '../pipelines/sources/pull.ts';
import { odt } from '../pipelines/sources/odt.ts';
import { Warehouse } from '../pipelines/base/warehouse.ts';
import { HAS_REALDATA, REALDATA, scratch, testConfig } from './helpers/env.ts';

const FILE = join(REALDATA, 'odt/organisations.csv');

describe.skipIf(!HAS_REALDATA)('the real ODT organisations file, end to end', () => {
  const tmp = scratch();
  const config = testConfig(tmp.dir);
  let w: Warehouse;
  let run: RunRecord;
  let raw: Record<string, string>[];
  const n = (s: string | undefined) => Number(s || 0);
  const publishes = (r: Record<string, string>) => n(r['nb-ptf']) + n(r['nb-datagouv']) > 0;

  beforeAll(async () => {
    raw = Papa.parse<Record<string, string>>(readFileSync(FILE, 'utf8'), { header: true, skipEmptyLines: true }).data;
    w = await Warehouse.open(config.paths.warehouse);
    run = await pullSource(config, w, odt, { from: FILE, date: '2021-04-09', log: memoryLogger() });
    await computeBarometre(config, w, { log: memoryLogger() });
    await writeExports(config, w, new Date('2026-11-22T10:00:00Z'));
  });
  afterAll(() => {
    w?.close();
    tmp.cleanup();
  });

  const national = (type: string) => w.one<Record<string, number>>(`SELECT * FROM barometre WHERE niveau = 'national' AND strate = 'toutes' AND type_collectivite = $t`, { t: type });

  it('reads every data row of the file and accounts for each', () => {
    expect(run.rows_in).toBe(raw.length);
    expect(run.rows_in).toBe(run.rows_loaded! + run.rows_rejected!);
  });

  it('counts the publishing départements the file lists inside the perimeter', async () => {
    // DEP rows outside New Caledonia, one per département code, with at least one dataset.
    const expected = new Set(raw.filter((r) => r.type === 'DEP' && r.depcode !== '988' && publishes(r)).map((r) => r.depcode!.padStart(2, '0'))).size;
    expect((await national('departement'))!.atteintes).toBe(expected);
    expect((await national('departement'))!.concernees).toBe(101);
  });

  it('counts the publishing régions the file lists, New Caledonia excluded', async () => {
    const expected = new Set(raw.filter((r) => r.type === 'REG' && r.regcode !== 'NC' && publishes(r)).map((r) => r.regcode)).size;
    expect((await national('region'))!).toMatchObject({ atteintes: expected, concernees: 18 });
  });

  it('reports the overseas collectivities of the file as "hors périmètre", each with its line', async () => {
    // Collectivities only: an overseas grouping (AGCT) is kept as a non-collectivité, like any other.
    const collectivity = (r: Record<string, string>) => ['COM', 'CC', 'CA', 'CU', 'MET', 'DEP', 'REG'].includes(r.type!);
    const overseas = raw.filter((r) => collectivity(r) && (['PF', 'NC'].includes(r.regcode!) || r.depcode === '988' || r.depcode === '987')).length;
    const rejects = await w.all<{ motif: string }>(`SELECT motif FROM rejets WHERE motif LIKE 'hors périmètre%'`);
    expect(rejects).toHaveLength(overseas);
  });

  it('counts the duplicated SIREN of the file once', async () => {
    const rows = await w.all(`SELECT * FROM odt_organisations WHERE siren = '200066876'`);
    expect(rows).toHaveLength(1);
  });

  it('matches every commune, EPCI, département and région row of the file, or rejects it with a reason', async () => {
    const collectivityRows = raw.filter((r) => ['COM', 'CC', 'CA', 'CU', 'MET', 'DEP', 'REG'].includes(r.type!)).length;
    const matched = (await w.one<{ n: number }>(`SELECT count(*) AS n FROM odt_organisations WHERE categorie IN ('commune','epci','departement','region') AND code IS NOT NULL`))!.n;
    const rejected = (await w.one<{ n: number }>(`SELECT count(*) AS n FROM rejets`))!.n;
    expect(matched + rejected).toBe(collectivityRows);
    expect(matched / collectivityRows).toBeGreaterThan(0.97);
  });

  it('writes the exports with the real data, not marked as sample', () => {
    const provenance = JSON.parse(readFileSync(join(tmp.dir, 'exports', 'provenance.json'), 'utf8'));
    expect(provenance.echantillon).toBe(false);
    expect(provenance.sources[0].chargement).toMatchObject({ origin: 'fichier', date_donnees: '2021-04-09', rows_in: raw.length });
  });
});
