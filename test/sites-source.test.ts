// The source `sites` (the web observatory's visits) loaded from its raw file, and the web-* indicators computed from it:
// one row per visit and check, bad lines rejected with why, visits accumulating from one load to the next.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { computeBarometre } from '../indicators/compute.ts';
import { controlesSitesExportTable } from '../indicators/controles-sites.ts';
import { copyCsv, defineExportMacros } from '../indicators/export-sql.ts';
import { WEB_INDICATORS } from '../indicators/sites-web.ts';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import { acquireLock } from '../pipelines/base/lock.ts';
import { Warehouse } from '../pipelines/base/warehouse.ts';
import { pullSource } from '../pipelines/sources/pull.ts';
import type { VisiteSite } from '../pipelines/sources/sites/crawl.ts';
import { CONTROLES } from '../pipelines/sources/sites/controles.ts';
import { sites } from '../pipelines/sources/sites/source.ts';
import { scratch, testConfig } from './helpers/env.ts';

const fixture = readFileSync(resolve(PROJECT_ROOT, sites.fixture), 'utf8');
const visites = fixture.trim().split('\n').map((l) => JSON.parse(l) as VisiteSite);

describe('sites on its sample file', () => {
  const tmp = scratch();
  const config = testConfig(tmp.dir);
  let w: Warehouse;
  beforeAll(async () => {
    w = await Warehouse.open(config.paths.warehouse);
    await pullSource(config, w, sites, { offline: true, log: memoryLogger() });
  });
  afterAll(() => {
    w.close();
    tmp.cleanup();
  });

  it('is written as the crawl writes it: one compact JSON visit per line, every check judged', () => {
    expect(fixture.split('\n').filter((l) => l).map((l) => JSON.stringify(JSON.parse(l)))).toEqual(fixture.split('\n').filter((l) => l));
    for (const v of visites) expect(Object.keys(v.controles).sort()).toEqual([...CONTROLES].sort());
  });

  it('keeps one row per visit and check, matched to its collectivité by SIREN, with its evidence', async () => {
    const rows = await w.all<{ n: number; visites: number }>(`SELECT count(*)::INTEGER AS n, count(DISTINCT siren)::INTEGER AS visites FROM sites_visites`);
    expect(rows[0]).toEqual({ n: visites.length * CONTROLES.length, visites: visites.length });
    const rennes = await w.one<Record<string, unknown>>(`SELECT code, type_collectivite, resultat, preuve, extrait FROM sites_visites WHERE siren = '213502388' AND controle = 'https'`);
    const attendu = visites.find((v) => v.siren === '213502388')!.controles.https;
    expect(rennes).toEqual({ code: '35238', type_collectivite: 'commune', resultat: attendu.resultat, preuve: attendu.preuve, extrait: attendu.extrait });
    expect(await w.one(`SELECT code, type_collectivite FROM sites_visites WHERE siren = '233500016' LIMIT 1`)).toEqual({ code: '53', type_collectivite: 'region' });
  });

  it('computes one web-* rate per yes/no check over the visits that could judge it', async () => {
    await computeBarometre(config, w, { log: memoryLogger() });
    const jugees = (controle: string) => visites.filter((v) => ['oui', 'non'].includes(v.controles[controle as (typeof CONTROLES)[number]].resultat));
    for (const controle of ['https', 'actes-en-ligne', 'franceconnect']) {
      const row = await w.one<{ concernees: number; atteintes: number }>(
        `SELECT sum(concernee::INTEGER)::INTEGER AS concernees, sum(atteinte::INTEGER)::INTEGER AS atteintes FROM valeurs WHERE indicateur = $i AND periode = '2025-S2'`,
        { i: `web-${controle}` },
      );
      expect(row).toEqual({ concernees: jugees(controle).length, atteintes: jugees(controle).filter((v) => v.controles[controle as (typeof CONTROLES)[number]].resultat === 'oui').length });
    }
    expect(WEB_INDICATORS.map((i) => i.id)).not.toContain('web-poids-accueil');
    // The coverage travels with the rate: the visits that could not judge, and the collectivités not visited.
    const couverture = await w.one<{ avertissement: string }>(`SELECT avertissement FROM indicateurs_avertissements WHERE indicateur = 'web-actes-en-ligne'`);
    const inconnues = visites.filter((v) => v.controles['actes-en-ligne'].resultat === 'inconnu').length;
    expect(couverture?.avertissement).toMatch(
      new RegExp(`^Couverture au 2e semestre 2025 : le taux porte sur ${jugees('actes-en-ligne').length} collectivités dont le site a été visité et jugé\\. ${inconnues} autres visites n'ont pas pu juger ce contrôle \\(robots\\.txt\\) ; `),
    );
  });

  it('exports each collectivité’s latest visit, check by check, in the contract’s columns', async () => {
    const table = controlesSitesExportTable();
    await defineExportMacros(w);
    const path = join(tmp.dir, 'controles-sites.csv');
    const n = await copyCsv(w, table.sql, table.fields, path, false);
    expect(n).toBe(visites.length * CONTROLES.length);
    const lignes = Papa.parse<Record<string, string>>(readFileSync(path, 'utf8'), { header: true, skipEmptyLines: true });
    expect(lignes.meta.fields).toEqual(['code', 'type_collectivite', 'url', 'url_finale', 'controle', 'resultat', 'valeur_texte', 'valeur_nombre', 'unite', 'preuve', 'extrait', 'statut_http', 'date_visite', 'motif']);
    const robots = visites.find((v) => v.pages_lues === 0)!;
    const ligne = lignes.data.find((r) => r.url === robots.url && r.controle === 'actes-en-ligne');
    expect(ligne).toMatchObject({ resultat: 'inconnu', motif: 'robots.txt', preuve: robots.controles['actes-en-ligne'].preuve, date_visite: robots.date_visite });
  });
});

describe('sites on bad and successive files', () => {
  const tmp = scratch();
  const config = testConfig(tmp.dir);
  let w: Warehouse;
  beforeAll(async () => {
    w = await Warehouse.open(config.paths.warehouse);
  });
  afterAll(() => {
    w.close();
    tmp.cleanup();
  });

  it('rejects each unusable line with why, and loads the others', async () => {
    const [a, b, c, d] = visites;
    const lignes = [
      JSON.stringify(a),
      '{"siren":"213502883","url":"https://www.saint-malo.fr", coupé',
      JSON.stringify({ ...b, siren: '999999999' }),
      JSON.stringify({ ...c, date_visite: 'hier' }),
      JSON.stringify({ ...d, controles: { ...d!.controles, https: { ...d!.controles.https, resultat: 'peut-être' } } }),
      JSON.stringify(a),
    ];
    const path = join(tmp.dir, 'visites.jsonl');
    writeFileSync(path, `${lignes.join('\n')}\n`);
    const run = await pullSource(config, w, sites, { from: path, log: memoryLogger() });
    expect([run.rows_in, run.rows_loaded, run.rows_rejected]).toEqual([6, 1, 5]);
    const motifs = (await w.all<{ ligne: number; motif: string }>(`SELECT ligne, motif FROM rejets WHERE source = 'sites' ORDER BY ligne`)).map((r) => `${r.ligne} ${r.motif}`);
    expect(motifs).toEqual([
      expect.stringMatching(/^2 ligne illisible/),
      '3 SIREN 999999999 introuvable au référentiel des collectivités',
      expect.stringMatching(/^4 date de visite invalide « hier »/),
      expect.stringMatching(/^5 résultat inconnu pour le contrôle https : « peut-être »/),
      '6 doublon : même visite (SIREN et date) que la ligne 1',
    ]);
  });

  it('keeps every earlier visit when a later crawl visits the same site again', async () => {
    const [a] = visites;
    const path = join(tmp.dir, 'visites-2.jsonl');
    writeFileSync(path, `${JSON.stringify({ ...a, date_visite: '2026-01-15T09:00:00.000Z' })}\n`);
    await pullSource(config, w, sites, { from: path, log: memoryLogger() });
    const dates = await w.all<{ date_visite: string }>(`SELECT DISTINCT date_visite FROM sites_visites WHERE siren = $s ORDER BY 1`, { s: a!.siren });
    expect(dates.map((d) => d.date_visite)).toEqual([a!.date_visite, '2026-01-15T09:00:00.000Z']);
  });
});

describe('sites live: a crawl of a list on loopback, the warehouse closed meanwhile, and its resume', () => {
  const tmp = scratch();
  // Politeness kept (robots.txt, one request at a time per host) but with a short delay: the test is about the pull.
  const config = testConfig(tmp.dir, { crawl: { delayMs: 5, concurrency: 4, maxPages: 3, connectTimeoutMs: 5_000, pageTimeoutMs: 10_000 } });
  const page = (titre: string, corps: string) => `<!doctype html><html lang="fr"><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>${titre}</title></head><body>${corps}</body></html>`;
  const requetes: string[] = [];
  let entrepotLibre: boolean[] = [];
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      requetes.push(req.url!);
      // While the crawl runs, another process could open the warehouse: try it from here.
      void Warehouse.open(config.paths.warehouse).then(
        (other) => {
          other.close();
          entrepotLibre.push(true);
        },
        () => entrepotLibre.push(false),
      );
      if (req.url === '/robots.txt') return res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nAllow: /\n');
      const site = req.url!.split('/')[1];
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
        page(`Mairie ${site}`, `<footer><a href="/${site}/mentions-legales">Mentions légales</a> <p>Accessibilité : partiellement conforme</p> <a href="/${site}/contact">Contact</a></footer>`),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    tmp.cleanup();
  });

  it('visits the listed sites with the warehouse closed, archives the crawl and loads it as a live pull', async () => {
    const liste = join(tmp.dir, 'liste.csv');
    writeFileSync(liste, `siren,url,nom\n213502388,${base}/rennes/,Rennes\n213502883,${base}/saint-malo/,Saint-Malo\nabc,${base}/x/,Refusée\n`);
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      const run = await pullSource(config, w, sites, { crawl: { urls: liste }, log: memoryLogger() });
      expect(run).toMatchObject({ origin: 'live', status: 'succes', rows_loaded: 2 });
      // The volume guard compared the crawl with the list it planned (two valid lines), not with a previous pass.
      expect(run).toMatchObject({ compared_with: 'planned', rows_counted: 2, rows_expected: 2, matched: 2, matched_expected: 2 });
      expect(existsSync(run.raw_path!)).toBe(true);
      const rows = await w.all<{ code: string; controle: string; resultat: string }>(
        `SELECT code, controle, resultat FROM sites_visites WHERE controle IN ('mention-accessibilite', 'mentions-legales', 'https') ORDER BY code, controle`,
      );
      expect(rows).toEqual([
        { code: '35238', controle: 'https', resultat: 'non' },
        { code: '35238', controle: 'mention-accessibilite', resultat: 'oui' },
        { code: '35238', controle: 'mentions-legales', resultat: 'oui' },
        { code: '35288', controle: 'https', resultat: 'non' },
        { code: '35288', controle: 'mention-accessibilite', resultat: 'oui' },
        { code: '35288', controle: 'mentions-legales', resultat: 'oui' },
      ]);
    } finally {
      w.close();
    }
    expect(entrepotLibre.length).toBeGreaterThan(0);
    expect(entrepotLibre.every(Boolean)).toBe(true);
    expect(readdirSync(join(config.paths.raw, 'sites')).filter((f) => f.startsWith('.en-cours'))).toEqual([]);
  });

  it('refuses a second crawl while one holds the crawl lock, saying who holds it', async () => {
    const verrou = acquireLock(join(config.paths.raw, 'sites', '.collecte.lock'), { purpose: 'une autre collecte' });
    const liste = join(tmp.dir, 'liste-2.csv');
    writeFileSync(liste, `siren,url\n213502388,${base}/rennes/\n`);
    requetes.length = 0;
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      await expect(pullSource(config, w, sites, { crawl: { urls: liste }, log: memoryLogger() })).rejects.toThrow(/Un autre processus tient déjà .*\.collecte\.lock .*une autre collecte/);
      expect(requetes).toEqual([]);
    } finally {
      w.close();
      verrou.release();
    }
  });

  it('resumes an interrupted crawl: same list, only the sites not yet visited', async () => {
    const dossier = join(config.paths.raw, 'sites');
    const [fait] = visites;
    const reste = { siren: '213500242', url: `${base}/betton/` };
    writeFileSync(join(dossier, '.en-cours.json'), JSON.stringify({ debut: '2026-03-01T02:00:00.000Z', origine: 'test', sites: [{ siren: fait!.siren, url: `${base}/deja/` }, reste] }));
    writeFileSync(join(dossier, '.en-cours.jsonl'), `${JSON.stringify({ ...fait, date_visite: '2026-03-01T02:00:00.000Z' })}\n`);
    requetes.length = 0;
    entrepotLibre = [];
    const avant = Date.now();
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      const run = await pullSource(config, w, sites, { log: memoryLogger() });
      expect(run).toMatchObject({ origin: 'live', rows_loaded: 2 });
      expect(requetes.some((r) => r.startsWith('/deja/'))).toBe(false);
      expect(requetes.some((r) => r.startsWith('/betton/'))).toBe(true);
      // The visit finished before the interruption keeps its date; the one made on resuming is dated when it was made.
      const lues = (await w.all<{ siren: string; date_visite: string }>(`SELECT DISTINCT siren, date_visite FROM sites_visites ORDER BY 1`)).filter(
        (r) => r.date_visite === '2026-03-01T02:00:00.000Z' || Date.parse(r.date_visite) >= avant,
      );
      expect(lues.map((r) => r.siren)).toEqual([reste.siren, fait!.siren].sort());
      expect(lues.find((r) => r.siren === fait!.siren)!.date_visite).toBe('2026-03-01T02:00:00.000Z');
      expect(Date.parse(lues.find((r) => r.siren === reste.siren)!.date_visite)).toBeGreaterThanOrEqual(avant);
    } finally {
      w.close();
    }
  });
});
