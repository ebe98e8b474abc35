// The crawl's raw file (pipelines/sources/sites/brut.ts): a crawl killed at an announced point and restarted visits
// only what was left, and ends with the results of an uninterrupted crawl; the list of sites and its refusals.
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { crawlerVersFichier, ligneDeProgression, lireListe, type Progression, sirensExclus, visitesDuFichier } from '../pipelines/sources/sites/brut.ts';
import { lireServices } from '../pipelines/sources/sites/controles.ts';
import type { VisiteSite } from '../pipelines/sources/sites/crawl.ts';
import { Visiteur } from '../pipelines/sources/sites/visite.ts';
import { reglagesTest } from './helpers/crawl.ts';
import { scratch } from './helpers/env.ts';

const tmp = scratch('barometre-sites-');
const requests: string[] = [];
let base = '';
const server = createServer((req: IncomingMessage, res) => {
  requests.push(req.url ?? '');
  if (req.url === '/robots.txt') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('');
  const site = /^\/(s\d)\//.exec(req.url ?? '')?.[1] ?? 'x';
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
    `<!doctype html><html lang="fr"><head><title>${site}</title><meta name="viewport" content="width=device-width"></head><body><a href="/${site}/mentions-legales">Mentions légales</a><footer>Accessibilité : ${site === 's2' ? 'totalement' : 'non'} conforme</footer></body></html>`,
  );
});
const SITES = ['s1', 's2', 's3', 's4'].map((s, i) => ({ siren: `21350000${i}`, url: '' as string, chemin: `/${s}/` }));
const DATE = '2026-11-20';

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const s of SITES) s.url = `${base}${s.chemin}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  tmp.cleanup();
});

/** A visit without what changes from one visit to the next (the response time). */
const stable = (v: VisiteSite) => ({ ...v, controles: { ...v.controles, 'temps-reponse': { ...v.controles['temps-reponse'], valeur_nombre: null } } });

/** Runs the crawl in a child process; with `pauseApres`, waits for its announcement and kills it. */
function enfant(path: string, pauseApres?: number): Promise<{ signal: NodeJS.Signals | null; code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(PROJECT_ROOT, 'test/helpers/crawl-enfant.ts'), JSON.stringify({ sites: SITES.map(({ siren, url }) => ({ siren, url })), path, dateVisite: DATE, pauseApres })], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<{ signal: NodeJS.Signals | null; code: number | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  const paused = new Promise<void>((r) =>
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (pauseApres !== undefined && stderr.includes(`pause:${pauseApres}\n`)) r();
    }),
  );
  return (async () => {
    if (pauseApres !== undefined) {
      await Promise.race([paused, exited]);
      child.kill('SIGKILL');
    }
    const end = await exited;
    return { ...end, stderr, stdout };
  })();
}

describe('a crawl killed at a known point, then restarted', () => {
  it('visits only what was left, and ends with the results of an uninterrupted crawl', async () => {
    const path = join(tmp.dir, 'interrompu.jsonl');
    const killed = await enfant(path, 2);
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stderr).toContain('pause:2');
    const avant = visitesDuFichier(path);
    expect(avant.map((v) => v.siren)).toEqual([SITES[0]!.siren, SITES[1]!.siren]);

    requests.length = 0;
    const resumed = await enfant(path);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual({ visites: 4, reprises: 2 });
    // The restart asked nothing of the two sites already visited.
    expect(requests.filter((u) => u.startsWith('/s1/') || u.startsWith('/s2/'))).toEqual([]);
    expect(requests.some((u) => u.startsWith('/s3/'))).toBe(true);

    const reference = join(tmp.dir, 'continu.jsonl');
    const visiteur = new Visiteur(reglagesTest({ delayMs: 0, concurrency: 1 }));
    await crawlerVersFichier(visiteur, SITES, reference, { services: lireServices(), dateVisite: DATE });
    await visiteur.close();
    expect(visitesDuFichier(path).map(stable)).toEqual(visitesDuFichier(reference).map(stable));
    expect(visitesDuFichier(path)[1]!.controles['mention-accessibilite'].valeur_texte).toBe('totalement conforme');
  });

  it('drops a last line cut short by a crash, and refuses a damaged line in the middle', () => {
    const path = join(tmp.dir, 'coupe.jsonl');
    writeFileSync(path, `${JSON.stringify({ siren: '213500001' })}\n{"siren":"2135`);
    expect(visitesDuFichier(path).map((v) => v.siren)).toEqual(['213500001']);
    expect(readFileSync(path, 'utf8')).toBe(`${JSON.stringify({ siren: '213500001' })}\n`);
    appendFileSync(path, `{cassé\n${JSON.stringify({ siren: '213500002' })}\n`);
    expect(() => visitesDuFichier(path)).toThrow(/ligne 2 : ligne illisible/);
  });

  it('reports progress as sites done out of the total, a rate and the time left', async () => {
    const path = join(tmp.dir, 'progression.jsonl');
    const seen: Progression[] = [];
    let t = 0;
    const visiteur = new Visiteur(reglagesTest({ delayMs: 0, concurrency: 1 }));
    await crawlerVersFichier(visiteur, SITES, path, { services: lireServices(), dateVisite: DATE, progression: (p) => void seen.push(p), maintenant: () => (t += 30_000) });
    await visiteur.close();
    expect(seen.map((p) => p.faits)).toEqual([1, 2, 3, 4]);
    // A fake clock: 30 s per call, so 1 site in 30 s at the first visit.
    expect(ligneDeProgression(seen[0]!)).toBe('1/4 sites, 2 par minute, environ 2 min restantes');
    expect(seen.at(-1)!.resteMs).toBe(0);
  });

  it('dates each visit when it starts, not when the crawl started (a full pass lasts hours, across midnight)', async () => {
    const path = join(tmp.dir, 'dates.jsonl');
    // A fake clock on each side of midnight in Paris, an hour per call.
    let t = Date.parse('2026-06-30T20:30:00Z');
    const visiteur = new Visiteur(reglagesTest({ delayMs: 0, concurrency: 1 }));
    const { visites } = await crawlerVersFichier(visiteur, SITES, path, { services: lireServices(), maintenant: () => (t += 3_600_000) });
    await visiteur.close();
    const dates = visites.map((v) => v.date_visite);
    expect(new Set(dates).size).toBe(SITES.length);
    expect(dates.every((d, i) => i === 0 || d > dates[i - 1]!)).toBe(true);
    // The last visits fall on 1 July: the second semester, where a date fixed at the crawl's start would have said June.
    expect(dates.at(-1)!.slice(0, 10)).toBe('2026-07-01');
  });
});

describe('the list of sites to visit', () => {
  it('reads siren,url and ignores other columns; refuses bad SIREN, empty addresses and duplicates, with the line', () => {
    const { sites, refus } = lireListe('\uFEFFnom,SIREN,url,note\nRennes,213502388,https://metropole.rennes.fr,x\nX,12,https://x.fr,\nY,213500001,,\nRennes bis,213502388,https://autre.fr,\n', 'liste.csv');
    expect(sites).toEqual([{ siren: '213502388', url: 'https://metropole.rennes.fr' }]);
    expect(refus).toEqual([
      { ligne: 3, motif: 'SIREN invalide « 12 »' },
      { ligne: 4, motif: 'adresse vide' },
      { ligne: 5, motif: 'SIREN 213502388 en double (la première ligne est gardée)' },
    ]);
  });

  it('says which columns are missing', () => {
    expect(() => lireListe('code,site\n1,x\n', 'liste.csv')).toThrow(/colonne\(s\) siren, url absente\(s\).*Colonnes lues : code, site/);
  });

  it('reads the exclusion list (empty today, its header the contract)', () => {
    expect(readFileSync(resolve(PROJECT_ROOT, 'data/referentiels/sites-exclus.csv'), 'utf8').split('\n')[0]).toBe('siren,nom,date_demande,motif');
    const path = join(tmp.dir, 'exclus.csv');
    writeFileSync(path, 'siren,nom,date_demande,motif\n213502388,Rennes,2026-01-05,demande écrite\n');
    expect([...sirensExclus(path)]).toEqual(['213502388']);
    expect(sirensExclus(resolve(PROJECT_ROOT, 'data/referentiels/sites-exclus.csv')).size).toBe(0);
  });
});
