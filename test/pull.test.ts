import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import { runStatus } from '../pipelines/base/runs.ts';
import { pullSource, PullError } from '../pipelines/sources/pull.ts';
import { sha256 } from '../pipelines/base/files.ts';
import { odt } from '../pipelines/sources/odt.ts';
import { Warehouse } from '../pipelines/base/warehouse.ts';
import { scratch, testConfig } from './helpers/env.ts';
import { respond, scriptedServer, type ScriptedServer } from './helpers/server.ts';

const FIXTURE = resolve(PROJECT_ROOT, 'test/fixtures/odt/organisations.csv');
const tmp = scratch();
afterAll(tmp.cleanup);

async function counts(w: Warehouse) {
  return w.one<{ rows: number; publie: number; rejets: number }>(
    `SELECT (SELECT count(*) FROM odt_organisations) AS rows, (SELECT count(*) FROM odt_organisations WHERE publie) AS publie, (SELECT count(*) FROM rejets) AS rejets`,
  );
}

describe('a pull', () => {
  const dir = join(tmp.dir, 'a');
  const config = testConfig(dir);
  let w: Warehouse;
  beforeAll(async () => {
    w = await Warehouse.open(config.paths.warehouse);
  });
  afterAll(() => w.close());

  it('archives the raw file as received, with its SHA-256, and records the run', async () => {
    const run = await pullSource(config, w, odt, { offline: true, log: memoryLogger() });
    expect(run).toMatchObject({ status: 'succes', origin: 'fixture', rows_in: 23, rows_loaded: 20, rows_rejected: 3, date_donnees: '2021-04-09' });
    expect(run.raw_path!.startsWith(join(dir, 'raw', 'odt'))).toBe(true);
    expect(readFileSync(run.raw_path!)).toEqual(readFileSync(FIXTURE));
    expect(run.raw_sha256).toBe(sha256(readFileSync(FIXTURE)));
    expect(readFileSync(`${run.raw_path}.sha256`, 'utf8')).toContain(run.raw_sha256!);
    expect(await counts(w)).toEqual({ rows: 20, publie: 19, rejets: 3 });
  });

  it('uses --date for the data date of a local file, and keeps one snapshot per date', async () => {
    await pullSource(config, w, odt, { from: FIXTURE, date: '2021-12-31', log: memoryLogger() });
    await pullSource(config, w, odt, { from: FIXTURE, date: '2022-06-30', log: memoryLogger() });
    await pullSource(config, w, odt, { from: FIXTURE, date: '2022-06-30', log: memoryLogger() });
    const dates = await w.all<{ d: string; n: number }>(`SELECT date_donnees AS d, count(*) AS n FROM odt_organisations GROUP BY 1 ORDER BY 1`);
    // The fixture snapshot is gone: sample data never mixes with real data.
    expect(dates).toEqual([
      { d: '2021-12-31', n: 20 },
      { d: '2022-06-30', n: 20 },
    ]);
  });

  it('fails in the middle of the load without touching the previous tables, and says so in status', async () => {
    const before = await w.all(`SELECT * FROM odt_organisations ORDER BY date_donnees, ligne`);
    const rejetsBefore = await w.all(`SELECT * FROM rejets ORDER BY run_id, ligne`);
    const error = await pullSource(config, w, odt, {
      from: FIXTURE,
      date: '2022-06-30',
      log: memoryLogger(),
      onStep: (step) => {
        if (step === 'loading') throw new Error('panne simulée pendant le chargement');
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PullError);
    expect(await w.all(`SELECT * FROM odt_organisations ORDER BY date_donnees, ligne`)).toEqual(before);
    expect(await w.all(`SELECT * FROM rejets ORDER BY run_id, ligne`)).toEqual(rejetsBefore);
    const [status] = await runStatus(w);
    expect(status).toMatchObject({ source: 'odt', status: 'echec', error: 'panne simulée pendant le chargement' });
    expect(await w.tableExists(`stg_odt_organisations_${status!.run_id.replace(/\W/g, '_')}`)).toBe(false);
  });

  it('keeps the previous data when every row is unusable', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'siren,nom,type,regcode,depcode,nb-ptf,nb-datagouv\n200012508,NOUMEA,COM,NC,988,1,\n');
    const before = await counts(w);
    await expect(pullSource(config, w, odt, { from: bad, log: memoryLogger() })).rejects.toThrow(/aucune ligne utilisable sur 1 \(hors périmètre/);
    expect(await counts(w)).toEqual(before);
  });

  it('fails clearly on a missing file or an invalid date', async () => {
    await expect(pullSource(config, w, odt, { from: join(dir, 'absent.csv'), log: memoryLogger() })).rejects.toThrow(/Fichier introuvable/);
    await expect(pullSource(config, w, odt, { from: FIXTURE, date: '2021-02-30', log: memoryLogger() })).rejects.toThrow(/Date invalide « 2021-02-30 »/);
  });
});

describe('a live pull against a loopback mirror', () => {
  const dir = join(tmp.dir, 'live');
  let server: ScriptedServer;
  afterEach(async () => server?.close());

  it('downloads, takes the data date from the file name, then sends a conditional request', async () => {
    const body = readFileSync(FIXTURE, 'utf8');
    server = await scriptedServer([respond(500), respond(200, body, { etag: '"abc"' }), respond(304, '', { etag: '"abc"' })]);
    const config = testConfig(dir, { sources: { odt: { url: `${server.url}/organisations-2022-12-31-.csv` } } });
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      const first = await pullSource(config, w, odt, { log: memoryLogger() });
      expect(first).toMatchObject({ status: 'succes', origin: 'live', date_donnees: '2022-12-31', etag: '"abc"', rows_loaded: 20 });
      const second = await pullSource(config, w, odt, { log: memoryLogger() });
      expect(server.requests.at(-1)!.headers['if-none-match']).toBe('"abc"');
      expect(second).toMatchObject({ status: 'inchange', rows_loaded: 20, raw_sha256: first.raw_sha256 });
    } finally {
      w.close();
    }
  });

  it('records a download of the same bytes (no ETag) as unchanged, without reloading nor archiving it twice', async () => {
    const body = readFileSync(FIXTURE, 'utf8');
    server = await scriptedServer([respond(200, body), respond(200, body), respond(200, body.replace('ACIGNE', 'ACIGNÉ'))]);
    const config = testConfig(join(tmp.dir, 'same'), { sources: { odt: { url: `${server.url}/organisations.csv` } } });
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      const first = await pullSource(config, w, odt, { log: memoryLogger() });
      const table = await w.all(`SELECT * FROM odt_organisations ORDER BY ligne`);
      const log = memoryLogger();
      const second = await pullSource(config, w, odt, { log });
      expect(second).toMatchObject({ status: 'inchange', raw_path: first.raw_path, raw_sha256: first.raw_sha256, rows_loaded: first.rows_loaded, date_donnees: first.date_donnees });
      expect(log.lines.map((l) => l.message).join('\n')).toMatch(/inchangé .*même empreinte SHA-256.*rien à recharger/);
      // Same rows, same run id: nothing was reloaded; one raw file only.
      expect(await w.all(`SELECT * FROM odt_organisations ORDER BY ligne`)).toEqual(table);
      expect(readdirSync(join(config.paths.raw, 'odt')).filter((f) => f.endsWith('.csv'))).toHaveLength(1);
      // Other bytes: a real load again.
      const third = await pullSource(config, w, odt, { log: memoryLogger() });
      expect(third).toMatchObject({ status: 'succes' });
      expect(third.raw_sha256).not.toBe(first.raw_sha256);
      expect(await w.one(`SELECT DISTINCT run_id FROM odt_organisations`)).toEqual({ run_id: third.run_id });
    } finally {
      w.close();
    }
  });

  it('leaves the previous data untouched when the source answers an HTML error page', async () => {
    server = await scriptedServer([respond(200, '<!doctype html><p>Maintenance</p>', { 'content-type': 'text/csv' })]);
    const config = testConfig(join(tmp.dir, 'html'), { sources: { odt: { url: `${server.url}/organisations.csv` } } });
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      await pullSource(config, w, odt, { offline: true, log: memoryLogger() });
      await expect(pullSource(config, w, odt, { log: memoryLogger() })).rejects.toThrow(/page HTML/);
      expect(await counts(w)).toMatchObject({ rows: 20 });
      expect(existsSync(config.paths.raw)).toBe(true);
    } finally {
      w.close();
    }
  });
});

describe('build with --offline', () => {
  it('keeps real data already loaded, and loads no sample once a source has real data', async () => {
    const { pullAll } = await import('../commands/build.ts');
    const dir = join(tmp.dir, 'offline');
    const config = testConfig(dir);
    const history = resolve(PROJECT_ROOT, 'test/fixtures/odt-historique/nb_collectivites_ouvertes_timeseries.csv');
    const { odtHistorique } = await import('../pipelines/sources/odt-historique.ts');
    await withWarehouseAt(config.paths.warehouse, (w) => pullSource(config, w, odtHistorique, { from: history, log: memoryLogger() }));
    await pullAll(config, { log: memoryLogger(), offline: true });
    await withWarehouseAt(config.paths.warehouse, async (w) => {
      const runs = await w.all<{ source: string; origin: string }>(`SELECT source, origin FROM runs WHERE status = 'succes' ORDER BY source, started_at`);
      expect(runs.filter((r) => r.source === 'odt-historique')).toEqual([{ source: 'odt-historique', origin: 'fichier' }]);
      expect(runs.some((r) => r.source === 'enquetes')).toBe(false);
      // odt has no real data, but odt-historique has: odt is left without data (its indicator unavailable), not sampled.
      expect(runs.some((r) => r.origin === 'fixture')).toBe(false);
    });
  });
});

async function withWarehouseAt<T>(path: string, fn: (w: Warehouse) => Promise<T>): Promise<T> {
  const w = await Warehouse.open(path);
  try {
    return await fn(w);
  } finally {
    w.close();
  }
}
