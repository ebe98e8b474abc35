// Honest sample data: one live source that fails does not turn the site into a sample. Its indicators are shown
// as unavailable, with the reason and the date of the attempt; the others stay real, and no page carries the banner.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { JSDOM } from 'jsdom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provenance } from '../indicators/exports.ts';
import { computeBarometre } from '../indicators/compute.ts';
import { writeExports } from '../indicators/exports.ts';
import { INDICATORS } from '../indicators/index.ts';
import { buildAstro, pullAll } from '../commands/build.ts';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import { pullSource } from '../pipelines/sources/pull.ts';
import { SOURCES } from '../pipelines/sources/index.ts';
import { Warehouse, withWarehouse } from '../pipelines/base/warehouse.ts';
import { scratch, testConfig } from './helpers/env.ts';
import { respond, scriptedServer, type ScriptedServer } from './helpers/server.ts';

// ds is the source the issue names: its live resource was never published, so its live pull fails.
const FAILING = 'ds';
const ATTEMPT = new Date('2026-11-22T10:00:00Z');

const tmp = scratch('barometre-echantillon-');
let server: ScriptedServer;
let dist: string;
let exportsDir: string;
let warehouse: string;
const log = memoryLogger();

const page = (path: string) => new JSDOM(readFileSync(join(dist, path, 'index.html'), 'utf8')).window.document;
const text = (el: Element | null | undefined) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();

beforeAll(async () => {
  server = await scriptedServer([respond(503, 'maintenance')]);
  // The failing source is live on a loopback server that answers 503; the others are switched off for the
  // build, after their real files (here the fixture files, read as local files with --from) were loaded.
  const sources = Object.fromEntries(SOURCES.map((s) => [s.id, s.id === FAILING ? { url: `${server.url}/${s.id}` } : { enabled: false }]));
  // No review PDF in this build: the shared site's PDFs are the ones checked (site-semestres).
  const config = testConfig(tmp.dir, { sources, chromium: false });
  await withWarehouse(config.paths.warehouse, async (w) => {
    for (const source of SOURCES.filter((s) => s.id !== FAILING)) {
      await pullSource(config, w, source, { from: resolve(PROJECT_ROOT, source.fixture), log, now: () => new Date('2026-11-21T08:00:00Z') });
    }
  });
  await pullAll(config, { log, now: () => ATTEMPT });
  await withWarehouse(config.paths.warehouse, async (w) => {
    await computeBarometre(config, w, { log });
    await writeExports(config, w, ATTEMPT);
  });
  exportsDir = config.paths.exports;
  warehouse = config.paths.warehouse;
  dist = join(tmp.dir, 'dist');
  // Only the pages read here (BAROMETRE_PAGES), in the general part, without PDFs: the shared site is the whole one.
  const pages = ['/', '/barometre/', '/indicateurs/', '/semestres/2025-S1/', '/territoires/departement/35/', '/donnees/', '/demarches/', '/embed/ouverture-donnees--strates/'];
  await buildAstro(config, log, { outDir: dist, parties: ['generale'], env: { ...process.env, BAROMETRE_PAGES: pages.join(',') } });
}, 900_000);

afterAll(async () => {
  await server?.close();
  tmp.cleanup();
});

describe('a build where one live source fails and the others have real data', () => {
  it('tries the failing source live once, and loads no sample for it', async () => {
    const w = await Warehouse.open(warehouse);
    try {
      const runs = await w.all<{ source: string; origin: string; status: string }>(`SELECT source, origin, status FROM runs WHERE source = $s`, { s: FAILING });
      expect(runs).toEqual([{ source: FAILING, origin: 'live', status: 'echec' }]);
      expect((await w.all(`SELECT * FROM runs WHERE origin = 'fixture'`)).length).toBe(0);
    } finally {
      w.close();
    }
    expect(server.requests.length).toBeGreaterThan(0);
    expect(log.lines.map((l) => l.message)).toContain(
      `${FAILING} : pas de données réelles ; ses indicateurs seront affichés comme indisponibles (le jeu d'exemple ne sert qu'à un premier build sans aucune donnée réelle).`,
    );
  });

  it('exports the failing source’s indicators as unavailable, with the reason and the date of the attempt, and the others as real', () => {
    const provenance = JSON.parse(readFileSync(join(exportsDir, 'provenance.json'), 'utf8')) as Provenance;
    expect(provenance.echantillon).toBe(false);
    const failing = INDICATORS.filter((i) => i.sources.includes(FAILING)).map((i) => i.id);
    expect(failing.length).toBeGreaterThan(0);
    for (const i of provenance.indicateurs) {
      if (failing.includes(i.id)) {
        expect(i).toMatchObject({ etat: 'indisponible', derniere_tentative: ATTEMPT.toISOString() });
        expect(i.raison).toMatch(new RegExp(`^La source « .+ » \\(${FAILING}\\) n'a pas de données ; le dernier chargement a échoué : .*a répondu 503`));
      } else {
        expect(i.etat).not.toBe('echantillon');
      }
    }
    expect(provenance.indicateurs.find((i) => i.id === 'ouverture-donnees')).toMatchObject({ etat: 'reel', raison: null });
    expect(provenance.sources.find((s) => s.id === FAILING)).toMatchObject({ etat: 'absente', chargement: null, derniere_tentative: { le: ATTEMPT.toISOString(), statut: 'echec' } });
    expect(provenance.sources.filter((s) => s.id !== FAILING).every((s) => s.etat === 'reelle')).toBe(true);
    const barometre = readFileSync(join(exportsDir, 'barometre.csv'), 'utf8');
    expect(barometre).toMatch(/^ouverture-donnees,/m);
    for (const id of failing) expect(barometre).not.toMatch(new RegExp(`^${id},`, 'm'));
  });

  it('shows no sample banner on any page or embed', () => {
    const pages = ['', 'barometre', 'indicateurs', 'indicateurs/ouverture-donnees', 'semestres/2025-S1', 'territoires/departement/35', 'donnees', 'demarches', 'embed/ouverture-donnees--strates'];
    for (const p of pages) {
      expect(existsSync(join(dist, p, 'index.html')), p).toBe(true);
      expect(page(p).querySelector('[data-sample-banner]'), p).toBeNull();
    }
  });

  it('says on the unavailable indicator’s page and in the matrix why it has no figure, and since when', () => {
    const failing = INDICATORS.find((i) => i.sources.includes(FAILING))!;
    const doc = page(`indicateurs/${failing.id}`);
    const note = text(doc.querySelector('[data-indisponible]'));
    // No empty chart: the page says there is nothing to show.
    expect(text(doc.querySelector('main'))).toContain("Aucune donnée n'est encore disponible pour cet indicateur.");
    expect(doc.querySelector('svg[role="img"]')).toBeNull();
    expect(note).toMatch(/^Cet indicateur est indisponible : la source « .+ » \(ds\) n'a pas de données ; le dernier chargement a échoué : .*a répondu 503.* \(dernière tentative le 22 novembre 2026\)\.$/);
    // The full matrix lists every indicator of each workstream (the compact one shows the workstream by an indicator
    // that has figures: here the web observatory's, for online procedures).
    const row = page('barometre').querySelector(`tr[data-indicateur="${failing.id}"]`);
    expect(text(row?.querySelector('th .indisponible'))).toMatch(/^indisponible : la source .* \(dernière tentative le 22 novembre 2026\)\.$/);
    expect([...(row?.querySelectorAll('td') ?? [])].every((td) => text(td) === '—')).toBe(true);
    // The real indicator next to it keeps its figures.
    expect(text(page('barometre').querySelector('tr[data-indicateur="ouverture-donnees"] td:last-child'))).toMatch(/%/);
  });
});
