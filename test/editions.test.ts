import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeBarometre } from '../indicators/compute.ts';
import { listEditions, publishEdition } from '../indicators/editions.ts';
import { ouvertureDonnees } from '../indicators/ouverture-donnees.ts';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { sha256 } from '../pipelines/base/files.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import { pullSource } from '../pipelines/sources/pull.ts';
import { odt } from '../pipelines/sources/odt.ts';
import { Warehouse } from '../pipelines/base/warehouse.ts';
import { scratch, testConfig } from './helpers/env.ts';

const FIXTURE = resolve(PROJECT_ROOT, 'test/fixtures/odt/organisations.csv');
const tmp = scratch();
const config = testConfig(tmp.dir);
let w: Warehouse;
const national = (periode: string, type: string) =>
  w.one<Record<string, unknown>>(`SELECT * FROM barometre WHERE periode = $p AND niveau = 'national' AND type_collectivite = $t AND strate = 'toutes'`, { p: periode, t: type });

beforeAll(async () => {
  w = await Warehouse.open(config.paths.warehouse);
  await pullSource(config, w, odt, { from: FIXTURE, date: '2021-04-09', log: memoryLogger() });
  await computeBarometre(config, w, { log: memoryLogger() });
});
afterAll(() => {
  w.close();
  tmp.cleanup();
});

describe('publish', () => {
  it('freezes a semester: exports, indicator definitions, SHA-256 of every raw file used, read-only', async () => {
    const manifest = await publishEdition(config, w, '2021-S1', new Date('2021-07-15T10:00:00Z'));
    const folder = join(config.paths.editions, '2021-S1');
    expect(Object.keys(manifest.fichiers).sort()).toEqual(['barometre.csv', 'barometre.parquet', 'collectivites.csv', 'collectivites.parquet', 'indicateurs.json', 'provenance.json', 'rejets.csv']);
    expect(manifest.sources_brutes).toEqual([expect.objectContaining({ source: 'odt', sha256: sha256(readFileSync(FIXTURE)), date_donnees: '2021-04-09' })]);
    for (const [file, hash] of Object.entries(manifest.fichiers)) expect(sha256(readFileSync(join(folder, file)))).toBe(hash);
    expect(JSON.parse(readFileSync(join(folder, 'indicateurs.json'), 'utf8'))[0]).toMatchObject({ id: 'ouverture-donnees', version: '2.0.0' });
    // Read-only for everyone (root can still write: the manifest's hashes are the real guard, tested below).
    expect(statSync(join(folder, 'barometre.csv')).mode & 0o777).toBe(0o444);
  });

  it('refuses to publish the same semester twice, or a semester without results', async () => {
    await expect(publishEdition(config, w, '2021-S1')).rejects.toThrow(/déjà publiée/);
    await expect(publishEdition(config, w, '2030-S1')).rejects.toThrow(/Aucun résultat pour 2030-S1/);
    await expect(publishEdition(config, w, '2021-S3')).rejects.toThrow(/Période invalide/);
  });

  it('keeps the published figures when the data change later, and reports the difference instead', async () => {
    const before = await national('2021-S1', 'departement');
    // The same snapshot date, now with every département row gone: a fresh computation would say 0.
    const changed = join(tmp.dir, 'changed.csv');
    writeFileSync(changed, readFileSync(FIXTURE, 'utf8').split('\n').filter((l) => !l.includes(',DEP,')).join('\n'));
    await pullSource(config, w, odt, { from: changed, date: '2021-04-09', log: memoryLogger() });
    const log = memoryLogger();
    await computeBarometre(config, w, { log });
    const after = await national('2021-S1', 'departement');
    expect(after).toMatchObject({ atteintes: before!.atteintes, edition: '2021-S1' });
    const ecarts = await w.all(`SELECT colonne, publie, recalcule FROM ecarts_editions WHERE niveau = 'national' AND type_collectivite = 'departement' AND strate = 'toutes' ORDER BY colonne`);
    expect(ecarts).toContainEqual({ colonne: 'atteintes', publie: '2', recalcule: '0' });
    expect(log.lines.some((l) => l.level === 'warn' && /écart\(s\) entre les éditions publiées/.test(l.message))).toBe(true);
  });

  it('marks the series broken where the methodology version changes', async () => {
    await pullSource(config, w, odt, { from: FIXTURE, date: '2021-12-31', log: memoryLogger() });
    const v3 = { ...ouvertureDonnees, version: '3.0.0' };
    await computeBarometre(config, w, { log: memoryLogger(), indicators: [v3] });
    expect(await national('2021-S1', 'region')).toMatchObject({ methode_version: '2.0.0+odt', edition: '2021-S1', rupture_serie: false });
    expect(await national('2021-S2', 'region')).toMatchObject({ methode_version: '3.0.0+odt', edition: null, rupture_serie: true });
  });

  it('detects an edition altered on disk', () => {
    const file = join(config.paths.editions, '2021-S1', 'rejets.csv');
    chmodSync(file, 0o644);
    writeFileSync(file, 'source,run_id,ligne,identifiant,motif\n');
    expect(() => listEditions(config)).toThrow(/Édition 2021-S1 altérée : rejets.csv/);
    expect(existsSync(file)).toBe(true);
  });
});
