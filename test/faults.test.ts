// Fault injection: a loopback server plays the sources' faults. Each ends in a successful load or in a clear
// failure with the previous data and exports untouched, and `status` telling what happened.
import { spawn } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { computeBarometre } from '../indicators/compute.ts';
import { writeExports } from '../indicators/exports.ts';
import { PROJECT_ROOT } from '../pipelines/config.ts';
import { sha256 } from '../pipelines/files.ts';
import { memoryLogger } from '../pipelines/log.ts';
import { pullSource, runStatus } from '../pipelines/pull.ts';
import { odt } from '../pipelines/sources/odt.ts';
import { Warehouse, withWarehouse } from '../pipelines/warehouse.ts';
import { GENERATORS, mulberry32 } from '../bench/generators.ts';
import { referential } from '../pipelines/referential.ts';
import { toCsv } from '../pipelines/csv.ts';
import { scratch, testConfig } from './helpers/env.ts';
import { hang, respond, scriptedServer, truncated, type Handler, type ScriptedServer } from './helpers/server.ts';

const FIXTURE = readFileSync(resolve(PROJECT_ROOT, 'test/fixtures/odt/organisations.csv'), 'utf8');
const tmp = scratch();
afterAll(tmp.cleanup);

/** Writes `body` one byte every `ms` milliseconds. */
const drip =
  (body: string, ms: number): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/csv' });
    let i = 0;
    const timer = setInterval(() => {
      if (res.destroyed || i >= body.length) {
        clearInterval(timer);
        if (!res.destroyed) res.end();
        return;
      }
      res.write(body[i++]!);
    }, ms);
  };

function snapshotFolder(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, sha256(readFileSync(join(dir, f)))]));
}

interface Case {
  name: string;
  script: Handler[];
  http?: Record<string, number>;
  outcome: 'succes' | RegExp;
}

const cases: Case[] = [
  { name: 'a timeout, then an answer', script: [hang, respond(200, FIXTURE)], outcome: 'succes' },
  { name: 'two 500s, then success', script: [respond(500), respond(502), respond(200, FIXTURE)], outcome: 'succes' },
  { name: 'a truncated body, then the whole file', script: [truncated(FIXTURE.slice(0, 300), FIXTURE.length), respond(200, FIXTURE)], outcome: 'succes' },
  { name: 'a 404', script: [respond(404, 'Not found')], outcome: /a répondu 404/ },
  { name: 'timeouts until the retries run out', script: [hang], outcome: /pas de réponse en 300 ms.*Abandon après 3 tentatives/ },
  { name: 'truncated bodies until the retries run out', script: [truncated(FIXTURE.slice(0, 300), FIXTURE.length)], outcome: /réponse tronquée|interrompue/ },
  { name: 'a wrong Content-Type', script: [respond(200, FIXTURE, { 'content-type': 'image/png' })], outcome: /type de contenu inattendu « image\/png »/ },
  { name: 'an HTML error page instead of CSV', script: [respond(200, '<!DOCTYPE html><html><body><h1>Erreur 503</h1></body></html>', { 'content-type': 'text/csv' })], outcome: /page HTML/ },
  { name: 'a huge body', script: [respond(200, FIXTURE + 'x'.repeat(200_000))], http: { maxBytes: 100_000 }, outcome: /limite de 100000 octets/ },
  { name: 'a slow drip past the timeout', script: [drip(FIXTURE, 50)], http: { timeoutMs: 500, retries: 0 }, outcome: /délai dépassé|pas de réponse|interrompue/ },
  { name: 'a CSV missing a required column', script: [respond(200, FIXTURE.replace('nb-datagouv', 'nb_jeux_dg_renomme'))], outcome: /colonne obligatoire absente : « nb-datagouv »/ },
];

describe('each fault of a live source', () => {
  let server: ScriptedServer | undefined;
  // The previous good state, built once and copied for each case: a real load and its exports.
  const base = join(tmp.dir, 'base');
  beforeAll(async () => {
    const config = testConfig(base);
    const previousFile = join(tmp.dir, 'previous.csv');
    writeFileSync(previousFile, FIXTURE);
    await withWarehouse(config.paths.warehouse, async (w) => {
      await pullSource(config, w, odt, { from: previousFile, date: '2020-12-31', log: memoryLogger() });
      await computeBarometre(config, w, { log: memoryLogger() });
      await writeExports(config, w);
    });
  }, 120_000);
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    server = await scriptedServer(c.script);
    const dir = join(tmp.dir, c.name.replace(/\W+/g, '-'));
    cpSync(base, dir, { recursive: true });
    const config = testConfig(dir, { http: { retries: 2, backoffMs: 5, timeoutMs: 300, ...c.http }, sources: { odt: { url: `${server.url}/organisations.csv` } } });
    await withWarehouse(config.paths.warehouse, async (w) => {
      const tableBefore = await w.all(`SELECT * FROM odt_organisations ORDER BY date_donnees, ligne`);
      const exportsBefore = snapshotFolder(config.paths.exports);

      const result = await pullSource(config, w, odt, { log: memoryLogger() }).then(
        (run) => run,
        (error: Error) => error,
      );
      const [status] = await runStatus(w);
      if (c.outcome === 'succes') {
        expect(result).toMatchObject({ status: 'succes', rows_loaded: 20 });
        expect(status).toMatchObject({ status: 'succes' });
      } else {
        expect(result).toBeInstanceOf(Error);
        expect((result as Error).message).toMatch(c.outcome);
        expect(status).toMatchObject({ source: 'odt', status: 'echec', error: expect.stringMatching(c.outcome) });
        expect(await w.all(`SELECT * FROM odt_organisations ORDER BY date_donnees, ligne`)).toEqual(tableBefore);
      }
      // A pull never touches the exports: only a successful compute rewrites them.
      expect(snapshotFolder(config.paths.exports)).toEqual(exportsBefore);
    });
  }, 30_000);
});

describe('a process killed in the middle of a load', () => {
  const dir = join(tmp.dir, 'kill');
  const config = testConfig(dir);
  const big = join(tmp.dir, 'big.csv');
  let previous: unknown[];
  const outcomes: string[] = [];
  // At least one of the kills must land before the load finished, or this test proves nothing.
  afterAll(() => expect(outcomes).toContain('interrompu'));

  beforeAll(async () => {
    // Every collectivité of France in the ODT format: a load that takes seconds.
    const { columns, rows } = GENERATORS.odt!(referential(), 0.5, mulberry32(7));
    writeFileSync(big, toCsv(columns, rows));
    await withWarehouse(config.paths.warehouse, async (w) => {
      await pullSource(config, w, odt, { from: resolve(PROJECT_ROOT, 'test/fixtures/odt/organisations.csv'), date: '2020-12-31', log: memoryLogger() });
      previous = await w.all(`SELECT * FROM odt_organisations ORDER BY ligne`);
    });
  });

  it.each([400, 1200, 2500])('by SIGKILL after %i ms leaves a warehouse that opens and holds the previous data (or the complete new data)', async (delay) => {
    const child = spawn(process.execPath, [resolve(PROJECT_ROOT, 'bin/barometre.mjs'), 'pull', 'odt', '--from', big, '--date', '2021-06-30'], {
      env: { ...process.env, BAROMETRE_DATA_DIR: dir, CI: 'true' },
      stdio: 'ignore',
    });
    const exited = new Promise((r) => child.on('exit', r));
    await new Promise((r) => setTimeout(r, delay));
    child.kill('SIGKILL');
    await exited;
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      const dates = await w.all<{ d: string; n: number }>(`SELECT date_donnees AS d, count(*)::INTEGER AS n FROM odt_organisations GROUP BY 1 ORDER BY 1`);
      expect(await w.all(`SELECT * FROM odt_organisations WHERE date_donnees = '2020-12-31' ORDER BY ligne`)).toEqual(previous);
      // The new snapshot is either absent or complete: never half loaded.
      const newer = dates.find((d) => d.d === '2021-06-30');
      if (newer) expect(newer.n).toBeGreaterThan(30_000);
      const [status] = await runStatus(w);
      outcomes.push(status!.status);
      expect(['interrompu', 'succes']).toContain(status!.status);
      if (status!.status === 'interrompu') expect(status!.error).toMatch(/interrompu/);
    } finally {
      w.close();
    }
    // Clean up for the next delay: back to the previous data only.
    await withWarehouse(config.paths.warehouse, (w) => w.run(`DELETE FROM odt_organisations WHERE date_donnees <> '2020-12-31'`));
  }, 60_000);
});
