// Fault injection: a loopback server plays the sources' faults. Each ends in a successful load or in a clear
// failure with the previous data and exports untouched, and `status` telling what happened.
import { spawn } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { computeBarometre } from '../indicators/compute.ts';
import { writeExports } from '../indicators/exports.ts';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { sha256 } from '../pipelines/base/files.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import { runStatus } from '../pipelines/base/runs.ts';
import { pullSource, PULL_STEPS, type PullStep } from '../pipelines/sources/pull.ts';
import { odt } from '../pipelines/sources/odt.ts';
import { Warehouse, withWarehouse } from '../pipelines/base/warehouse.ts';
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
  { name: 'timeouts until the retries run out', script: [hang], outcome: /pas de réponse en 2000 ms.*Abandon après 3 tentatives/ },
  { name: 'truncated bodies until the retries run out', script: [truncated(FIXTURE.slice(0, 300), FIXTURE.length)], outcome: /réponse tronquée|interrompue/ },
  { name: 'a wrong Content-Type', script: [respond(200, FIXTURE, { 'content-type': 'image/png' })], outcome: /type de contenu inattendu « image\/png »/ },
  { name: 'an HTML error page instead of CSV', script: [respond(200, '<!DOCTYPE html><html><body><h1>Erreur 503</h1></body></html>', { 'content-type': 'text/csv' })], outcome: /page HTML/ },
  { name: 'a huge body', script: [respond(200, FIXTURE + 'x'.repeat(200_000))], http: { maxBytes: 100_000 }, outcome: /limite de 100000 octets/ },
  { name: 'a slow drip past the timeout', script: [drip(FIXTURE, 50)], http: { timeoutMs: 2_000, retries: 0 }, outcome: /délai dépassé|pas de réponse|interrompue/ },
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
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    server = await scriptedServer(c.script);
    const dir = join(tmp.dir, c.name.replace(/\W+/g, '-'));
    cpSync(base, dir, { recursive: true });
    const config = testConfig(dir, { http: { retries: 2, backoffMs: 5, timeoutMs: 2_000, ...c.http }, sources: { odt: { url: `${server.url}/organisations.csv` } } });
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
  });
});

describe('a process killed at a known point of a load', () => {
  const FIXTURE_PATH = resolve(PROJECT_ROOT, 'test/fixtures/odt/organisations.csv');
  let previous: unknown[];
  let base: string;

  beforeAll(async () => {
    base = join(tmp.dir, 'kill-base');
    await withWarehouse(testConfig(base).paths.warehouse, async (w) => {
      await pullSource(testConfig(base), w, odt, { from: FIXTURE_PATH, date: '2020-12-31', log: memoryLogger() });
      previous = await w.all(`SELECT * FROM odt_organisations ORDER BY ligne`);
    });
  });

  /**
   * Starts `barometre pull` paused at `step` (BAROMETRE_PAUSE_AT), waits for its announcement on stderr, then
   * sends SIGKILL. Returns how the process ended: a kill that did not land where it says fails the test.
   */
  async function killAt(step: PullStep, dataDir: string): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
    const child = spawn(process.execPath, [resolve(PROJECT_ROOT, 'bin/barometre.mjs'), 'pull', 'odt', '--from', FIXTURE_PATH, '--date', '2021-06-30'], {
      env: { ...process.env, BAROMETRE_DATA_DIR: dataDir, BAROMETRE_PAUSE_AT: step, CI: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
    const paused = new Promise<void>((r) =>
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes(`barometre: pause ${step}\n`)) r();
      }),
    );
    // Whichever comes first: the announcement (then the kill) or an exit without it (a failure below).
    await Promise.race([paused, exited]);
    child.kill('SIGKILL');
    return { signal: await exited, stderr };
  }

  const expectations: [PullStep, 'interrompu' | 'succes'][] = [
    ['registered', 'interrompu'],
    ['fetched', 'interrompu'],
    ['prepared', 'interrompu'],
    ['staging', 'interrompu'],
    ['staged', 'interrompu'],
    ['loading', 'interrompu'],
    ['committed', 'succes'],
  ];

  it('has a case for every step of a pull', () => {
    expect(expectations.map(([step]) => step)).toEqual([...PULL_STEPS]);
  });

  it.each(expectations)('by SIGKILL at « %s » leaves a warehouse that opens with the run marked %s', async (step, outcome) => {
    const dir = join(tmp.dir, `kill-${step}`);
    cpSync(base, dir, { recursive: true });
    const { signal, stderr } = await killAt(step, dir);
    // The process was paused where it says and died of the kill, not of its own accord.
    expect(stderr).toContain(`barometre: pause ${step}`);
    expect(signal).toBe('SIGKILL');
    const w = await Warehouse.open(testConfig(dir).paths.warehouse);
    try {
      expect(await w.all(`SELECT * FROM odt_organisations WHERE date_donnees = '2020-12-31' ORDER BY ligne`)).toEqual(previous);
      const newer = await w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM odt_organisations WHERE date_donnees = '2021-06-30'`);
      const [status] = await runStatus(w);
      if (outcome === 'succes') {
        // After the commit: the complete new snapshot, and the run a success.
        expect(newer!.n).toBe(previous.length);
        expect(status).toMatchObject({ source: 'odt', status: 'succes', date_donnees: '2021-06-30', rows_loaded: previous.length });
      } else {
        // Before the commit: nothing of the new snapshot, no staging table left, and the run says it was cut.
        expect(newer!.n).toBe(0);
        expect(status).toMatchObject({ source: 'odt', status: 'interrompu', error: expect.stringMatching(/interrompu/) });
        const staging = await w.all(`SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'stg_%'`);
        expect(staging).toEqual([]);
      }
    } finally {
      w.close();
    }
  });

  it('refuses an unknown pause step with a usage error', async () => {
    const dir = join(tmp.dir, 'kill-unknown');
    const child = spawn(process.execPath, [resolve(PROJECT_ROOT, 'bin/barometre.mjs'), 'pull', 'odt', '--offline'], {
      env: { ...process.env, BAROMETRE_DATA_DIR: dir, BAROMETRE_PAUSE_AT: 'nulle-part', CI: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(stderr).toMatch(/étape inconnue.*registered, fetched/);
  });
});
