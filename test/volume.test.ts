// The volume guard (pipelines/sources/volume.ts): a real load far smaller than the previous good real load of its
// source, or matching none where that one matched some, or, the first time, under the source's minimum plausible size,
// is set aside (status `suspect`) and the published figures stay as they were; `--accept-drop` publishes it on purpose.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../commands/cli.ts';
import { Scheduler } from '../commands/schedule.ts';
import { computeBarometre } from '../indicators/compute.ts';
import { indicatorState, sourceStates } from '../indicators/disponibilite.ts';
import { writeExports } from '../indicators/exports.ts';
import { qualityReport, qualityRows } from '../indicators/quality.ts';
import { PROJECT_ROOT, type Config } from '../pipelines/base/config.ts';
import { sha256 } from '../pipelines/base/files.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import { ensureSystemTables, latestRun, pendingSuspects, RUN_COLUMNS, type RunRecord } from '../pipelines/base/runs.ts';
import { Warehouse, withWarehouse } from '../pipelines/base/warehouse.ts';
import { referential } from '../pipelines/referential/referential.ts';
import { banPublications } from '../pipelines/sources/ban-publications.ts';
import { datagouv } from '../pipelines/sources/datagouv.ts';
import { decp } from '../pipelines/sources/decp.ts';
import { odt } from '../pipelines/sources/odt.ts';
import { pullSource, PullError, type PullOptions } from '../pipelines/sources/pull.ts';
import { sites } from '../pipelines/sources/sites/source.ts';
import type { Source } from '../pipelines/sources/types.ts';
import { vde } from '../pipelines/sources/vde.ts';
import { judgeVolume, publishedShortfall } from '../pipelines/sources/volume.ts';
import { lignesQualite, parseSourceQualite, phraseSuspect } from '../site/lib/qualite.ts';
import { loadSiteData } from '../site/lib/data.ts';
import { keyFigures } from '../site/lib/home.ts';
import { contexte } from '../site/lib/territoires.ts';
import { vueTerritoire } from '../site/lib/territoires-vue.ts';
import { HAS_REALDATA, REALDATA, scratch, testConfig } from './helpers/env.ts';
import { respond, scriptedServer, type ScriptedServer } from './helpers/server.ts';

const tmp = scratch('barometre-volume-');
afterAll(tmp.cleanup);

const fixture = (path: string) => resolve(PROJECT_ROOT, 'test/fixtures', path);
const ODT_CSV = readFileSync(fixture('odt/organisations.csv'), 'utf8');
const NOW = new Date('2026-11-22T10:00:00Z');
/** Successive load times, a minute apart: « the previous load » is by load time. */
const clock = (start = Date.parse('2026-11-01T08:00:00Z')) => {
  let t = start;
  return () => new Date((t += 60_000));
};

function write(name: string, text: string): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, text);
  return path;
}

/** The exports as published (name → SHA-256), after a compute at a fixed time. */
async function publish(config: Config, w: Warehouse): Promise<Record<string, string>> {
  await computeBarometre(config, w, { log: memoryLogger() });
  await writeExports(config, w, NOW);
  return Object.fromEntries(readdirSync(config.paths.exports).sort().map((f) => [f, sha256(readFileSync(join(config.paths.exports, f)))]));
}

/** A pull that must be set aside: its PullError, its run recorded `suspect`. */
async function suspect(config: Config, w: Warehouse, source: Source, options: Omit<PullOptions, 'log'>): Promise<RunRecord> {
  const error = await pullSource(config, w, source, { log: memoryLogger(), ...options }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PullError);
  expect((error as PullError).suspect, (error as Error).message).toBe(true);
  const run = await latestRun(w, source.id, 'any');
  expect(run).toMatchObject({ status: 'suspect', error: (error as Error).message });
  return run!;
}

const rows = (w: Warehouse, table: string) => w.all(`SELECT * FROM ${table} ORDER BY ALL`);

/** `code,publication_date` for the first `n` communes of the referential. */
function publications(n: number): string {
  const communes = referential().collectivites.filter((c) => c.type_collectivite === 'commune').slice(0, n);
  return `code,publication_date\n${communes.map((c) => `${c.code},2020-03-0${(Number(c.code.slice(-1)) % 9) + 1} 00:00:00.000000000`).join('\n')}\n`;
}

describe('each source kind: a refused load leaves the published figures as they were', () => {
  const config = testConfig(join(tmp.dir, 'kinds'));
  let w: Warehouse;
  let published: Record<string, string>;
  const tables = ['odt_organisations', 'ban_publications', 'datagouv_organisations', 'datagouv_jeux', 'vde_procedures', 'vde_valeurs'];
  let before: Record<string, unknown[]>;
  const now = clock();

  beforeAll(async () => {
    w = await Warehouse.open(config.paths.warehouse);
    // The previous good real loads: local files of normal size (for these samples).
    await pullSource(config, w, odt, { from: write('odt.csv', ODT_CSV), date: '2022-06-30', log: memoryLogger(), now });
    await pullSource(config, w, banPublications, { from: write('publication_date.csv', publications(300)), log: memoryLogger(), now });
    await pullSource(config, w, datagouv, { from: fixture('datagouv/organisations.csv'), date: '2022-12-31', log: memoryLogger(), now });
    await pullSource(config, w, vde, { from: fixture('vde/observatoire.json'), log: memoryLogger(), now });
    published = await publish(config, w);
    before = Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await rows(w, t)] as const)));
  }, 120_000);
  afterAll(() => w?.close());

  it('a truncated CSV (odt): its few whole records are not a new edition', async () => {
    // Cut in the middle of a record, as a download that stopped: three organisations and half of a fourth.
    const cut = ODT_CSV.split('\n').slice(0, 5).join('\n').slice(0, -40);
    const run = await suspect(config, w, odt, { from: write('odt-tronque.csv', cut), date: '2022-12-31', now });
    const previous = await latestRun(w, 'odt', 'good');
    expect(run).toMatchObject({ rows_expected: 20, compared_with: previous!.run_id, matched_expected: previous!.matched });
    expect(run.rows_loaded).toBeLessThan(10);
    expect(run.error).toMatch(/^odt : volume suspect, chargement mis de côté : \d lignes? chargées? contre 20 au dernier chargement réel, du 2026-11-01, moins de 50 %.*Les données précédentes restent publiées.*barometre pull odt --accept-drop$/);
    // Read and archived, not published.
    expect(existsSync(run.raw_path!)).toBe(true);
    expect(await rows(w, 'odt_organisations')).toEqual(before.odt_organisations);
    expect(await w.one(`SELECT count(*)::INTEGER AS n FROM rejets WHERE run_id = $r`, { r: run.run_id })).toEqual({ n: 0 });
  });

  it('a file with the right header and 1 % of the rows (ban-publications)', async () => {
    const run = await suspect(config, w, banPublications, { from: write('publication_date-1pc.csv', publications(3)), now });
    expect(run).toMatchObject({ rows_loaded: 3, rows_expected: 300, matched: 3, matched_expected: 300 });
    expect(run.error).toContain('3 lignes chargées contre 300 au dernier chargement réel');
    expect(run.error).toContain('3 collectivités rapprochées contre 300');
    expect(await rows(w, 'ban_publications')).toEqual(before.ban_publications);
  });

  it('an empty catalogue (datagouv): the organisations export with its header alone, the datasets beside it', async () => {
    const header = readFileSync(fixture('datagouv/organisations.csv'), 'utf8').split('\n')[0]!;
    write('vide-organisations.csv', `${header}\n`);
    write('vide-datasets.csv', readFileSync(fixture('datagouv/datasets.csv'), 'utf8'));
    const run = await suspect(config, w, datagouv, { from: join(tmp.dir, 'vide-organisations.csv'), date: '2023-01-31', now });
    // Its organisations known from the datasets file alone would look like a catalogue: the guard counts the export's.
    expect(run).toMatchObject({ rows_counted: 0, matched: 0 });
    expect(run.rows_loaded).toBeGreaterThan(10);
    expect(run.rows_expected).toBeGreaterThan(5);
    expect(run.matched_expected).toBeGreaterThan(0);
    expect(run.error).toMatch(/0 organisation du fichier des organisations contre \d+ au dernier chargement réel.* ; aucune collectivité rapprochée, contre \d+ au dernier chargement réel/);
    expect(await rows(w, 'datagouv_organisations')).toEqual(before.datagouv_organisations);
    expect(await rows(w, 'datagouv_jeux')).toEqual(before.datagouv_jeux);
  });

  it('a JSON export cut in the middle (vde): unreadable, a failure; cut and closed again, set aside', async () => {
    const text = readFileSync(fixture('vde/observatoire.json'), 'utf8');
    await expect(pullSource(config, w, vde, { from: write('vde-coupe.json', text.slice(0, Math.floor(text.length / 2))), log: memoryLogger(), now })).rejects.toThrow(/JSON illisible/);
    expect(await latestRun(w, 'vde', 'any')).toMatchObject({ status: 'echec' });
    // The same cut, brackets closed by a repairing tool: valid JSON, a few procedures of every edition.
    const doc = JSON.parse(text) as Record<string, unknown[]>;
    const closed = { ...doc, procedures: doc.procedures!.slice(0, 2), old_procedures: doc.old_procedures!.slice(0, 1) };
    const run = await suspect(config, w, vde, { from: write('vde-referme.json', JSON.stringify(closed)), now });
    expect(run).toMatchObject({ rows_expected: 19, parts: JSON.stringify(['plusieurs éditions']) });
    expect(run.rows_loaded).toBeLessThan(10);
    expect(await rows(w, 'vde_procedures')).toEqual(before.vde_procedures);
    expect(await rows(w, 'vde_valeurs')).toEqual(before.vde_valeurs);
  });

  it('after all of them, the barometer computes the same figures, byte for byte; only the reports of the loads tell', async () => {
    const after = await publish(config, w);
    // provenance.json (each source's latest attempt) and the data-quality report say what happened to the loads.
    const telling = (f: string) => f === 'provenance.json' || f.startsWith('qualite.');
    const figures = (e: Record<string, string>) => Object.fromEntries(Object.entries(e).filter(([f]) => !telling(f)));
    expect(Object.keys(figures(after)).length).toBeGreaterThan(30);
    expect(figures(after)).toEqual(figures(published));
    const provenance = readFileSync(join(config.paths.exports, 'provenance.json'), 'utf8');
    expect(provenance).toContain('"statut": "suspect"');
    expect(provenance).not.toContain(tmp.dir);
  }, 60_000);

  it('status, the data-quality report and its page say which loads were set aside, with both figures', async () => {
    const suspects = await pendingSuspects(w);
    expect(suspects.map((r) => r.source)).toEqual(['ban-publications', 'datagouv', 'odt', 'vde']);
    const report = await qualityReport(config, w, NOW);
    const ban = report.find((q) => q.source === 'ban-publications')!;
    expect(ban).toMatchObject({ dernier_statut: 'suspect', lignes_chargees: 300 });
    expect(ban.chargement_suspect).toMatchObject({ lignes: 3, lignes_attendues: 300, rapprochees: 3, rapprochees_attendues: 300, comparaison: 'precedent' });
    expect(report.find((q) => q.source === 'contours')!.chargement_suspect).toBeNull();
    expect(qualityRows(report).find((q) => q.source === 'ban-publications')!.chargement_suspect).toMatch(/^2026-11-01T08:\d\d:00\.000Z : 3 lignes \(attendu : 300, chargement réel précédent\) ; 3 collectivités rapprochées \(attendu : 300, chargement réel précédent\)$/);
    // The page, from qualite.json as published.
    const page = lignesQualite(JSON.parse(JSON.stringify(report)).map(parseSourceQualite));
    expect(page.find((q) => q.source === 'ban-publications')!.suspect).toBe(
      'Chargement du 1 novembre 2026 mis de côté (volume suspect) : 3 lignes contre 300 au chargement réel précédent ; 3 collectivités rapprochées contre 300 au chargement réel précédent. Les données précédentes restent utilisées.',
    );
    expect(page.find((q) => q.source === 'contours')!.suspect).toBeNull();
    // A first real load is held to the minimum, a slice to its plan.
    expect(phraseSuspect({ le: '2026-11-20T06:30:00Z', lignes: 3, lignes_attendues: 1000, rapprochees: 0, rapprochees_attendues: 100, comparaison: 'minimum' })).toBe(
      'Chargement du 20 novembre 2026 mis de côté (volume suspect) : 3 lignes (au moins 1\u202f000 attendues d’un premier chargement de cette source) ; 0 collectivité rapprochée (au moins 100 attendues d’un premier chargement de cette source). Les données précédentes restent utilisées.',
    );
    expect(phraseSuspect({ le: '2026-11-20T06:30:00Z', lignes: 120, lignes_attendues: 300, rapprochees: null, rapprochees_attendues: null, comparaison: 'prevu' })).toBe(
      'Chargement du 20 novembre 2026 mis de côté (volume suspect) : 120 lignes sur 300 prévues dans la tranche de visites. Les données précédentes restent utilisées.',
    );
  });
});

describe('what a load is compared with', () => {
  it('never a sample load: the fixture, bigger, stands for nothing; a first real load after it is held to the minimum', async () => {
    const config = testConfig(join(tmp.dir, 'echantillon'), { volumeGuard: { minimums: true } });
    await withWarehouse(config.paths.warehouse, async (w) => {
      const now = clock();
      await pullSource(config, w, banPublications, { offline: true, log: memoryLogger(), now });
      // A first real load: the sample (15 rows) is not « the previous load »; the minimum plausible size is.
      const run = await suspect(config, w, banPublications, { from: write('premier-reel.csv', publications(8)), now });
      expect(run).toMatchObject({ compared_with: 'minimum', rows_expected: 5_000, matched_expected: 5_000 });
      expect(run.error).toContain('premier chargement réel : 8 lignes chargées, sous le minimum plausible de 5\u202f000 pour cette source');
      // Accepted, it becomes the previous load; a later sample load changes nothing to that.
      await pullSource(config, w, banPublications, { from: join(tmp.dir, 'premier-reel.csv'), acceptDrop: true, log: memoryLogger(), now });
      await pullSource(config, w, banPublications, { offline: true, log: memoryLogger(), now });
      const next = await pullSource(config, w, banPublications, { from: write('second-reel.csv', publications(5)), log: memoryLogger(), now });
      expect(next).toMatchObject({ status: 'succes', rows_loaded: 5, rows_expected: 8 });
    });
  });

  it('the latest good real load by load time, never a suspect one', async () => {
    const config = testConfig(join(tmp.dir, 'par-date'));
    await withWarehouse(config.paths.warehouse, async (w) => {
      const now = clock();
      const first = await pullSource(config, w, banPublications, { from: write('p40.csv', publications(40)), log: memoryLogger(), now });
      await suspect(config, w, banPublications, { from: write('p10.csv', publications(10)), now });
      // 21 is more than half of 40: published, compared with the good load, not with the suspect one.
      const run = await pullSource(config, w, banPublications, { from: write('p21.csv', publications(21)), log: memoryLogger(), now });
      expect(run).toMatchObject({ status: 'succes', rows_expected: 40, compared_with: first.run_id });
      expect(await pendingSuspects(w)).toEqual([]);
    });
  });

  it('DECP: like with like, a producer’s decp.json with the same producer’s previous one', async () => {
    const config = testConfig(join(tmp.dir, 'decp'));
    const marches = (source: string, n: number) =>
      JSON.stringify({
        marches: Array.from({ length: n }, (_, i) => ({
          uid: `21350238800019${source}${i}`,
          id: `${source}${i}`,
          _type: 'Marché',
          source,
          acheteur: { id: '21350238800019', nom: 'Ville de Rennes' },
          dateNotification: '2019-02-11',
          datePublicationDonnees: '2019-03-01',
          montant: 1000,
        })),
      });
    await withWarehouse(config.paths.warehouse, async (w) => {
      const now = clock();
      const first = await pullSource(config, w, decp, { from: write('pes.json', marches('pes', 40)), log: memoryLogger(), now });
      // Forty contracts of one buyer: one collectivité matched, counted once.
      expect(first).toMatchObject({ rows_counted: 40, matched: 1 });
      // Another producer's small file is a part of its own, not a drop of the first.
      const other = await pullSource(config, w, decp, { from: write('petit.json', marches('petit', 4)), log: memoryLogger(), now });
      expect(other).toMatchObject({ status: 'succes', parts: JSON.stringify(['decp.json:petit']), compared_with: null });
      const run = await suspect(config, w, decp, { from: write('pes-coupe.json', marches('pes', 6)), now });
      expect(run).toMatchObject({ rows_expected: 40, parts: JSON.stringify(['decp.json:pes']) });
      expect(run.error).toContain('6 lignes chargées contre 40 au dernier chargement réel (même partie : decp.json:pes)');
      expect(await w.all(`SELECT lot, count(*)::INTEGER AS n FROM decp_marches GROUP BY 1 ORDER BY 1`)).toEqual([
        { lot: 'decp.json:pes', n: 40 },
        { lot: 'decp.json:petit', n: 4 },
      ]);
    });
  });

  it('the web observatory: a slice with the slice planned, never with the previous pass', async () => {
    const config = testConfig(join(tmp.dir, 'tranche'));
    await withWarehouse(config.paths.warehouse, async (w) => {
      await ensureSystemTables(w);
      // The previous pass visited every site (--all).
      await w.insert('runs', RUN_COLUMNS, [{ source: 'sites', run_id: 'sites-tout', status: 'succes', origin: 'live', location: 'x', started_at: '2026-10-01T00:00:00Z', rows_loaded: 30_000, matched: 30_000 }]);
      const run = { source: 'sites', run_id: 'sites-tranche', origin: 'live' } as RunRecord;
      const judge = (rows: number, matched: number, planned?: number) => judgeVolume(w, sites, run, { rows, matched, parts: null }, { planned, minimums: true });
      expect(await judge(290, 288, 300)).toEqual({ compared_with: 'planned', rows_expected: 300, matched_expected: 300, reasons: [] });
      expect((await judge(120, 120, 300)).reasons).toEqual(['120 visites de sites pour 300 prévues (la tranche planifiée), moins de 50 %', '120 collectivités rapprochées sur 300 prévues']);
      expect((await judge(300, 0, 300)).reasons).toEqual(['aucune collectivité rapprochée sur 300 prévues']);
      // A file of visits given with --from has no plan: nothing to compare with.
      expect(await judge(3, 3)).toEqual({ compared_with: null, rows_expected: null, matched_expected: null, reasons: [] });
    });
  });
});

describe('--accept-drop', () => {
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  function sink() {
    let text = '';
    const stream = new Writable({ write(chunk, _enc, cb) { text += chunk; cb(); } });
    return { stream, text: () => text };
  }
  async function cli(args: string[], dataDir: string) {
    const out = sink();
    const err = sink();
    const code = await main(args, { stdout: out.stream, stderr: err.stream, env: { BAROMETRE_DATA_DIR: dataDir, CI: 'true' } });
    return { code, stdout: out.text(), stderr: err.text() };
  }

  it('publishes the suspect live load from its archive, downloading nothing; status says it before, not after', async () => {
    const small = ODT_CSV.split('\n').slice(0, 4).join('\n') + '\n';
    server = await scriptedServer([respond(200, ODT_CSV), respond(200, small)]);
    const config = testConfig(join(tmp.dir, 'accepter'), { sources: { odt: { url: `${server.url}/organisations-2022-06-30.csv` } } });
    let suspectRun: RunRecord;
    await withWarehouse(config.paths.warehouse, async (w) => {
      const now = clock();
      await pullSource(config, w, odt, { log: memoryLogger(), now });
      suspectRun = await suspect(config, w, odt, { now });
    });
    const requests = server.requests.length;
    const raws = readdirSync(join(config.paths.raw, 'odt')).sort();

    const status = await cli(['status'], config.paths.data);
    expect(status.stdout).toMatch(/^odt\s+odt-\S+\s+suspect\s/m);
    expect(status.stdout).toContain(`Chargements mis de côté par le contrôle de volume (les données précédentes restent publiées) :\n- odt, chargement ${suspectRun!.run_id} du ${suspectRun!.started_at} : odt : volume suspect`);
    expect(status.stdout).toContain('barometre pull odt --accept-drop');
    const json = JSON.parse((await cli(['status', '--json'], config.paths.data)).stdout) as Record<string, unknown>[];
    expect(json.find((s) => s.source === 'odt')).toMatchObject({ status: 'suspect', rows_loaded: 3, rows_expected: 20, suspect_run_id: suspectRun!.run_id });

    const accepted = await cli(['pull', 'odt', '--accept-drop'], config.paths.data);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stderr).toContain(`publication à dessein (--accept-drop) du chargement mis de côté ${suspectRun!.run_id}`);
    expect(accepted.stderr).toMatch(/attention : odt : baisse de volume publiée à dessein \(--accept-drop\) : 3 lignes chargées contre 20/);
    expect(server.requests.length).toBe(requests);
    expect(readdirSync(join(config.paths.raw, 'odt')).sort()).toEqual(raws);
    await withWarehouse(config.paths.warehouse, async (w) => {
      const run = await latestRun(w, 'odt', 'any');
      expect(run).toMatchObject({ status: 'succes', origin: 'live', location: suspectRun!.location, raw_path: suspectRun!.raw_path, raw_sha256: suspectRun!.raw_sha256, rows_loaded: 3, date_donnees: suspectRun!.date_donnees });
      expect(await w.one(`SELECT count(*)::INTEGER AS n FROM odt_organisations`)).toEqual({ n: 3 });
      // Published on purpose, it is the previous load from now on; the suspect one stays in the history as it was.
      expect(await pendingSuspects(w)).toEqual([]);
      expect(await w.one(`SELECT status FROM runs WHERE run_id = $r`, { r: suspectRun!.run_id })).toEqual({ status: 'suspect' });
    });
    expect((await cli(['status'], config.paths.data)).stdout).not.toContain('mis de côté');

    // Nothing left to publish: a clear failure, and no run recorded for it.
    const again = await cli(['pull', 'odt', '--accept-drop'], config.paths.data);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('odt : aucun chargement mis de côté à publier (dernier chargement : succes');
    expect(again.stderr).toContain('barometre pull odt --from FICHIER --accept-drop');
  });

  it('with --from, loads a smaller file on purpose (an extract), saying so; alone or with --offline, --all, it is a usage error', async () => {
    const dir = join(tmp.dir, 'extrait');
    const config = testConfig(dir);
    await withWarehouse(config.paths.warehouse, (w) => pullSource(config, w, odt, { from: write('odt-normal.csv', ODT_CSV), date: '2022-06-30', log: memoryLogger() }));
    const extract = write('odt-extrait.csv', ODT_CSV.split('\n').slice(0, 3).join('\n') + '\n');
    const refused = await cli(['pull', 'odt', '--from', extract, '--date', '2022-12-31'], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^attention : odt : volume suspect, chargement mis de côté : 2 lignes chargées contre 20/m);
    const loaded = await cli(['pull', 'odt', '--from', extract, '--date', '2022-12-31', '--accept-drop'], dir);
    expect(loaded.code, loaded.stderr).toBe(0);
    expect(loaded.stderr).toContain('attention : odt : baisse de volume publiée à dessein (--accept-drop) : 2 lignes chargées contre 20');
    for (const args of [['pull', '--accept-drop'], ['pull', 'odt', '--offline', '--accept-drop'], ['pull', 'sites', '--all', '--accept-drop']]) {
      const r = await cli(args, dir);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('--accept-drop');
    }
  });
});

describe('the scheduler and the pages', () => {
  it('the scheduler logs a suspect load apart from a failure, with its figures and the command, and recomputes nothing', async () => {
    const config = testConfig(join(tmp.dir, 'planificateur'));
    await withWarehouse(config.paths.warehouse, (w) => pullSource(config, w, odt, { from: write('odt-plan.csv', ODT_CSV), date: '2022-06-30', log: memoryLogger() }));
    const cut = write('odt-plan-coupe.csv', ODT_CSV.split('\n').slice(0, 3).join('\n'));
    const log = memoryLogger();
    let recomputed = 0;
    const scheduler = new Scheduler({
      config,
      log,
      sources: [odt],
      pull: (s) => withWarehouse(config.paths.warehouse, (w) => pullSource(config, w, s, { from: cut, date: '2022-12-31', log })),
      recompute: async () => void recomputed++,
      buildSite: async () => {},
    });
    await scheduler.trigger('odt');
    const line = log.lines.find((l) => l.fields.event === 'pull:suspect');
    expect(line).toMatchObject({ level: 'warn', fields: { source: 'odt', rows_counted: 2, rows_expected: 20, command: 'barometre pull odt --accept-drop' } });
    expect(line!.message).toMatch(/^odt : volume suspect, chargement mis de côté : 2 lignes chargées contre 20 /);
    expect(log.lines.some((l) => l.fields.event === 'pull:failed')).toBe(false);
    expect(recomputed).toBe(0);
  });

  it('an indicator whose only load was set aside says so, without a path', async () => {
    const config = testConfig(join(tmp.dir, 'indisponible'), { volumeGuard: { minimums: true } });
    await withWarehouse(config.paths.warehouse, async (w) => {
      await suspect(config, w, odt, { from: write('odt-seul.csv', ODT_CSV), date: '2022-06-30' });
      const state = indicatorState({ sources: ['odt'] }, await sourceStates(w), false);
      expect(state.raison).toContain('le dernier chargement a été mis de côté, son volume étant suspect');
      expect(state.raison).not.toContain(tmp.dir);
    });
  });

  it('an older warehouse gets the new columns of runs when opened, and its runs still count as previous loads', async () => {
    const config = testConfig(join(tmp.dir, 'ancien'));
    await withWarehouse(config.paths.warehouse, async (w) => {
      const old = RUN_COLUMNS.slice(0, RUN_COLUMNS.findIndex((c) => c.name === 'error') + 1);
      await w.createTable('runs', old);
      await w.insert('runs', old, [{ source: 'ban-publications', run_id: 'ban-publications-ancien', status: 'succes', origin: 'fichier', location: 'x', started_at: '2026-01-01T00:00:00Z', rows_in: 400, rows_loaded: 400, rows_rejected: 0 }]);
      const run = await suspect(config, w, banPublications, { from: write('apres-ancien.csv', publications(10)) });
      // Its collectivités were never counted: only its rows are compared.
      expect(run).toMatchObject({ compared_with: 'ban-publications-ancien', rows_expected: 400, matched_expected: null });
    });
  });
});

describe('a load published below the guard (publishedShortfall)', () => {
  const run = (over: Partial<RunRecord>) => ({ status: 'succes' as const, rows_counted: 990, rows_expected: 1000, matched: 400, matched_expected: 410, compared_with: 'run-1', ...over });
  it('is no shortfall when the load met the guard: smaller than the previous one but above its share', () => {
    expect(publishedShortfall(odt, run({}))).toBeNull();
    expect(publishedShortfall(odt, run({ rows_counted: 500 }))).toBeNull();
  });
  it('names each figure below the least expected: the previous load’s share, a minimum itself, a planned slice’s share', () => {
    expect(publishedShortfall(odt, run({ rows_counted: 499 }))).toEqual({ rows: [499, 500], matched: null });
    expect(publishedShortfall(odt, run({ matched: 0, matched_expected: 1 }))).toEqual({ rows: null, matched: [0, 1] });
    expect(publishedShortfall(datagouv, run({ compared_with: 'minimum', rows_counted: 3, rows_expected: 1000, matched: 0, matched_expected: 100 }))).toEqual({ rows: [3, 1000], matched: [0, 100] });
    expect(publishedShortfall(sites, run({ compared_with: 'planned', rows_counted: 100, rows_expected: 300, matched: null, matched_expected: null }))).toEqual({ rows: [100, 150], matched: null });
  });
  it('says nothing of a load that was not compared, not published, or of a source without a guard', () => {
    expect(publishedShortfall(odt, run({ compared_with: null, rows_counted: 1 }))).toBeNull();
    expect(publishedShortfall(odt, run({ status: 'suspect', rows_counted: 1 }))).toBeNull();
    expect(publishedShortfall({ volume: undefined }, run({ rows_counted: 1 }))).toBeNull();
  });
});

describe.skipIf(!HAS_REALDATA)('the README’s real files: the three-organisation catalogue refused while the previous figures stay', () => {
  it('the README’s sequence loads as written; its extract lines say --accept-drop, without which they are set aside', async () => {
    const readme = readFileSync(resolve(PROJECT_ROOT, 'README.md'), 'utf8');
    const lines = [...readme.matchAll(/^npx barometre (pull .+)$/gm)].map((m) => m[1]!.split(/\s+/));
    expect(lines.length).toBeGreaterThanOrEqual(13);
    const extracts = lines.filter((l) => l.includes('--accept-drop')).map((l) => l[1]);
    expect(extracts).toEqual(['datagouv', 'ban-publications']);
    const dir = join(tmp.dir, 'readme-cli');
    const cli = (args: string[]) => {
      const err = { text: '' };
      const stream = new Writable({ write(chunk, _enc, cb) { err.text += chunk; cb(); } });
      return main(args, { stdout: stream, stderr: stream, env: { BAROMETRE_DATA_DIR: dir, CI: 'true' } }).then((code) => ({ code, text: err.text }));
    };
    for (const args of lines) {
      if (args.includes('--accept-drop')) {
        const refused = await cli(args.filter((a) => a !== '--accept-drop'));
        expect(refused.code, refused.text).toBe(1);
        expect(refused.text).toContain(`${args[1]} : volume suspect, chargement mis de côté : premier chargement réel`);
      }
      const r = await cli(args);
      expect(r.code, `${args.join(' ')}\n${r.text}`).toBe(0);
    }
  }, 180_000);

  it('after the real ODT editions, the datagouv extract (a header and three organisations) is set aside and the barometer does not change', async () => {
    // The operator's configuration: a first real load is held to the source's minimum plausible size.
    const config = testConfig(join(tmp.dir, 'readme'), { volumeGuard: { minimums: true } });
    await withWarehouse(config.paths.warehouse, async (w) => {
      for (const [file, date] of [
        ['odt/editions/2020-10_organisations.csv', '2020-10-31'],
        ['odt/organisations.csv', '2021-04-09'],
        ['odt/editions/2021-11-05_organisations.csv', undefined],
        ['odt/editions/2021-12-16_organisations.csv', undefined],
        ['odt/editions/2022-10-19_organisations.csv', undefined],
        ['odt/editions/2022-12-31_organisations-reduit.csv', undefined],
      ] as const) {
        expect(await pullSource(config, w, odt, { from: join(REALDATA, file), date, log: memoryLogger() })).toMatchObject({ status: 'succes' });
      }
      await computeBarometre(config, w, { log: memoryLogger() });
      const barometre = await w.all(`SELECT * FROM barometre ORDER BY ALL`);
      expect(barometre.length).toBeGreaterThan(0);

      const run = await suspect(config, w, datagouv, { from: join(REALDATA, 'datagouv/organizations-extract-2025-09_datagouvfr_data_pipelines-test.csv') });
      expect(run).toMatchObject({ compared_with: 'minimum', rows_counted: 3, rows_expected: 1_000, matched: 0, matched_expected: 100 });
      expect(run.error).toContain('premier chargement réel : 3 organisations du fichier des organisations, sous le minimum plausible de 1\u202f000 pour cette source ; premier chargement réel : aucune collectivité rapprochée, sous le minimum plausible de 100');
      expect(await w.tableExists('datagouv_organisations')).toBe(false);
      await computeBarometre(config, w, { log: memoryLogger() });
      expect(await w.all(`SELECT * FROM barometre ORDER BY ALL`)).toEqual(barometre);

      // The README's line, --accept-drop written: published on purpose, and every page that shows its figures says so.
      expect(await pullSource(config, w, datagouv, { from: join(REALDATA, 'datagouv/organizations-extract-2025-09_datagouvfr_data_pipelines-test.csv'), acceptDrop: true, log: memoryLogger() })).toMatchObject({ status: 'succes' });
      await computeBarometre(config, w, { log: memoryLogger() });
      await writeExports(config, w, new Date('2026-11-22T10:00:00Z'));
    });
    const defs = JSON.parse(readFileSync(join(config.paths.exports, 'indicateurs.json'), 'utf8')) as { id: string; avertissement: string | null }[];
    expect(defs.find((d) => d.id === 'ouverture-donnees')!.avertissement).toContain(
      'Le chargement en usage de « Catalogue de data.gouv.fr : organisations et jeux de données » (données du 19 septembre 2025) a été publié à dessein malgré une baisse de volume (3 organisations du fichier des organisations pour au moins 1 000 attendues ; 0 collectivité rapprochée pour au moins 100 attendues) : un extrait ou une source réduite',
    );
    const data = loadSiteData(config.paths.exports);
    expect(keyFigures(data).find((f) => f.indicateur === 'ouverture-donnees')?.avertissement).toContain('publié à dessein malgré une baisse de volume');

    // The issue's two other defects, on the same real files: Rennes' page, open data, 2nd semester 2025.
    const vue = vueTerritoire(contexte(config.paths.exports), 'commune', '35238');
    const od = vue.indicateurs.find((i) => i.def.id === 'ouverture-donnees')!;
    expect(od.valeurCourte).toBe('non');
    // No rank nor percentile on a yes/no measure (« 1re sur 42 … ex æquo avec 41 autres ; percentile 100 »).
    expect(od.rangs).toEqual([]);
    expect(od.comparaisons[0]!.texte).toMatch(/^\d+,\d\u202f% \(\d+ sur \d+\)/);
    // The source named is the semester's own (data.gouv.fr's catalogue, method 2.0.0), not the ODT's fixed text.
    expect(od.resume.methode_version).toMatch(/^2\.0\.0/);
    expect(od.phrase).toContain('(selon Catalogue de data.gouv.fr, données du');
    expect(od.phrase).not.toContain('Observatoire open data');
    expect(od.relais).toBe("Série : Observatoire open data des territoires jusqu'au 2e semestre 2022, Catalogue de data.gouv.fr ensuite.");
    // And its scorecard row: the value, the obligation, the next step.
    const ligne = vue.tableau.find((l) => l.chantierId === 'ouverture-donnees')!;
    expect(ligne).toMatchObject({ valeur: 'non', obligation: 'obligatoire depuis le 7 octobre 2018', mesure: 'mesuré', periode: '2e semestre 2025' });
    expect(ligne.etape?.url).toMatch(/^https:\/\/guides\.data\.gouv\.fr\//);
  }, 180_000);
});
