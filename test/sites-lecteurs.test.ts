// The crawl's reading threads (pipelines/sources/sites/lecteurs.ts, lecteur.ts), against loopback servers started
// here: the same visits as on one thread, the same requests, a failing page or visit failing alone, threads stopped
// failing what was under way, and idle threads that let the process end.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { lireServices } from '../pipelines/sources/sites/controles.ts';
import { type VisiteSite, visiterSites } from '../pipelines/sources/sites/crawl.ts';
import { LecteursDeSites } from '../pipelines/sources/sites/lecteurs.ts';
import { type SourceBrute, Visiteur } from '../pipelines/sources/sites/visite.ts';
import { reglagesTest } from './helpers/crawl.ts';

const services = lireServices();
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

type Route = (req: IncomingMessage, res: ServerResponse) => void;
/** A loopback server routing by path, which notes every path asked. */
async function loopback(routes: Record<string, Route>, host = '127.0.0.1') {
  const chemins: string[] = [];
  const server = createServer((req, res) => {
    chemins.push(req.url ?? '');
    (routes[req.url ?? ''] ?? ((_q, r) => r.writeHead(404, { 'content-type': 'text/html' }).end('<h1>absente</h1>')))(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, host, r));
  return { url: `http://${host}:${(server.address() as AddressInfo).port}`, chemins };
}

const page = (body: string, { head = '', charset = 'utf-8' } = {}): Route => (_req, res) => {
  const text = `<!doctype html><html lang="fr"><head><meta charset="${charset}"><title>Mairie</title>${head}</head><body>${body}</body></html>`;
  res.writeHead(200, { 'content-type': `text/html; charset=${charset}` }).end(charset === 'windows-1252' ? Buffer.from(text, 'latin1') : text);
};
const robots = (text: string): Route => (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(text);
const viewport = '<meta name="viewport" content="width=device-width, initial-scale=1">';

/**
 * Sites of the shapes the checks look for, a portal on another host, a missing site and a disallowed one; one home page
 * larger than Node's buffer pool slice (4 KB), so that both ways a body goes to a thread are taken.
 */
async function sitesDeTest() {
  const portail = await loopback({ '/robots.txt': robots(''), '/': page('<a class="fr-connect" href="https://app.franceconnect.gouv.fr/">S’identifier avec FranceConnect</a>') }, '127.0.0.2');
  const s = await loopback({
    '/robots.txt': robots('User-agent: *\nDisallow: /e/\n'),
    '/a/': page(
      `<nav><a href="/a/declaration">Accessibilité</a><a href="/a/deliberations">Délibérations</a><a href="/a/demarches">Démarches en ligne</a><a href="/a/mentions-legales">Mentions légales</a><a href="mailto:mairie@a.fr">Nous écrire</a><a href="${portail.url}/">Portail citoyen</a></nav><main>${'<p>La mairie informe les habitants des travaux de voirie.</p>'.repeat(120)}</main><footer>ACCESSIBILITÉ&nbsp;: PARTIELLEMENT CONFORME</footer>`,
      { head: viewport },
    ),
    '/a/declaration': page("<h1>Déclaration d'accessibilité</h1><h2>État de conformité</h2><h2>Résultats des tests</h2><p>71,5 % des critères du RGAA sont respectés.</p><h2>Établissement de cette déclaration d'accessibilité</h2><p>Cette déclaration a été établie le 3 février 2022.</p>"),
    '/a/deliberations': page('<h1>Délibérations du conseil municipal</h1><table><tr><td>Séance du 12 mars 2026</td><td><a href="/a/docs/d1.pdf">Budget</a></td></tr><tr><td>14/01/2026</td><td><a href="/a/docs/d2.pdf">Tarifs</a></td></tr></table>'),
    '/a/demarches': page(`<h1>Démarches</h1><a href="https://www.payfip.gouv.fr/tpa/accueil">Payer en ligne</a><a href="https://gnau1.operis.fr/a/gnau/">Déposer un permis de construire</a>`),
    '/a/mentions-legales': page('<h1>Mentions légales</h1>'),
    '/b/': page('<a href="/b/plan-du-site">Plan du site</a><a href="/b/urbanisme">Urbanisme</a><p>Accessibilité : non conforme</p>'),
    '/b/plan-du-site': page('<h1>Plan du site</h1><ul><li><a href="/b/a11y">Accessibilité</a></li></ul>'),
    '/b/a11y': page("<h1>Déclaration d'accessibilité</h1><h2>État de conformité</h2><h2>Voies de recours</h2>"),
    '/b/urbanisme': page('<h1>Urbanisme</h1><a href="https://www.demarches-simplifiees.fr/commencer/permis-x">Déclaration préalable de travaux</a>'),
    '/d/': page('<p>Accessibilité : totalement conforme</p><a href="/d/contact">Contact</a>', { charset: 'windows-1252' }),
  });
  const sites = ['a', 'b', 'c', 'd', 'e'].map((x, i) => ({ siren: `21000000${i}`, url: `${s.url}/${x}/` }));
  return { s, portail, sites };
}

/** A visit without its response time (the only figure that depends on the moment). */
const sansDuree = (v: VisiteSite) => ({ ...v, controles: { ...v.controles, 'temps-reponse': { ...v.controles['temps-reponse'], valeur_nombre: null } } });

async function crawl(sites: { siren: string; url: string }[], lecteurs?: LecteursDeSites) {
  const v = new Visiteur(reglagesTest({ delayMs: 0, concurrency: 3, pageTimeoutMs: 60_000 }));
  const visites: VisiteSite[] = [];
  await visiterSites(v, sites, { services, dateVisite: '2026-11-20', surVisite: (x) => void visites.push(x), ...(lecteurs ? { lecteurs } : {}) });
  await v.close();
  return visites.sort((x, y) => x.siren.localeCompare(y.siren)).map(sansDuree);
}

describe('the reading threads', () => {
  it('visit as one thread does: the same facts, from the same requests', async () => {
    const { s, portail, sites } = await sitesDeTest();
    const seul = await crawl(sites);
    const cheminsSeul = [...s.chemins].sort();
    const portailSeul = [...portail.chemins].sort();
    s.chemins.length = 0;
    portail.chemins.length = 0;
    const lecteurs = new LecteursDeSites(2, services);
    const avecFils = await crawl(sites, lecteurs);
    await lecteurs.close();

    // The comparison is worth something: the visits found what each site shows, and failed where it should.
    const r = (i: number) => Object.fromEntries(Object.entries(seul[i]!.controles).map(([k, x]) => [k, x.resultat]));
    expect(r(0)).toMatchObject({ 'mention-accessibilite': 'oui', 'declaration-accessibilite': 'oui', 'actes-en-ligne': 'oui', 'urbanisme-en-ligne': 'oui', franceconnect: 'oui', 'demarches-en-ligne': 'oui', 'mentions-legales': 'oui', contact: 'oui', mobile: 'oui' });
    expect(seul[0]!.controles['actes-en-ligne'].valeur_texte).toBe('2026-03-12');
    expect(r(1)).toMatchObject({ 'mention-accessibilite': 'oui', 'declaration-accessibilite': 'oui', 'urbanisme-en-ligne': 'oui', franceconnect: 'non' });
    expect(seul[2]).toMatchObject({ pages_lues: 0, controles: { contact: { resultat: 'inconnu' } } });
    expect(seul[3]!.controles['mention-accessibilite'].valeur_texte).toBe('totalement conforme');
    expect(seul[4]!.controles.contact).toMatchObject({ resultat: 'inconnu', motif: 'robots.txt' });

    expect(avecFils).toEqual(seul);
    expect([...s.chemins].sort()).toEqual(cheminsSeul);
    expect([...portail.chemins].sort()).toEqual(portailSeul);
  });

  it('fail a visit whose page cannot be fetched or sent, with why, and go on with the next ones', async () => {
    const { sites } = await sitesDeTest();
    const lecteurs = new LecteursDeSites(1, services);
    const v = new Visiteur(reglagesTest({ delayMs: 0, pageTimeoutMs: 60_000 }));
    const enPanne: SourceBrute = { settings: { maxPages: 8 }, pageBrute: () => Promise.reject(new Error('réseau en panne')) };
    // An answer a thread cannot receive (a function inside): that visit fails, the thread stays.
    const intransmissible: SourceBrute = {
      settings: { maxPages: 8 },
      pageBrute: async (adresse) => ({ ok: true, page: { url: adresse, urlFinale: adresse, statut: 200, contentType: 'text/html', corps: new Uint8Array(), octets: 0, dureeMs: 0, rappel: () => 1 } as never, autreDomaine: false, tronquee: false }),
    };
    await expect(lecteurs.visiter(enPanne, sites[0]!, '2026-11-20')).rejects.toThrow('réseau en panne');
    await expect(lecteurs.visiter(intransmissible, sites[0]!, '2026-11-20')).rejects.toThrow(/could not be cloned|clone/i);
    const visite = await lecteurs.visiter(v, sites[1]!, '2026-11-20');
    expect(visite.controles['mention-accessibilite'].resultat).toBe('oui');
    await v.close();
    await lecteurs.close();
  });

  it('once stopped, fail the visits under way and those asked afterwards instead of leaving them pending', async () => {
    const lecteurs = new LecteursDeSites(1, services);
    // A fetcher that never answers; the visit is under way once the thread has asked it for the home page.
    let demandee!: () => void;
    const accueilDemandee = new Promise<void>((ok) => (demandee = ok));
    const jamais: SourceBrute = { settings: { maxPages: 8 }, pageBrute: () => (demandee(), new Promise(() => undefined)) };
    const enCours = lecteurs.visiter(jamais, { siren: '210000000', url: 'http://127.0.0.1:9/' }, '2026-11-20');
    const echec = expect(enCours).rejects.toThrow(/arrêtés/);
    await accueilDemandee;
    await lecteurs.close();
    await echec;
    await expect(lecteurs.visiter(jamais, { siren: '210000001', url: 'http://127.0.0.1:9/' }, '2026-11-20')).rejects.toThrow(/arrêtés/);
  });

  it('keep the process alive while visiting, and not once idle', async () => {
    // A process that visits a site, then another once its thread is idle (a timer later), and never stops its
    // threads: it ends by itself, with both visits made. A busy thread that let the process end would lose the second.
    const { sites } = await sitesDeTest();
    const dir = (f: string) => JSON.stringify(resolve(PROJECT_ROOT, f));
    const code = `import { register } from 'tsx/esm/api';
      register();
      const { LecteursDeSites } = await import(${dir('pipelines/sources/sites/lecteurs.ts')});
      const { lireServices } = await import(${dir('pipelines/sources/sites/controles.ts')});
      const { Visiteur, DEFAULT_CRAWL } = await import(${dir('pipelines/sources/sites/visite.ts')});
      const lecteurs = new LecteursDeSites(1, lireServices());
      const v = new Visiteur({ ...DEFAULT_CRAWL, delayMs: 0, userAgent: 'barometre-dcant-test (+https://example.org/contact)' });
      const visiter = async (site) => console.log((await lecteurs.visiter(v, site, '2026-11-20')).controles['mention-accessibilite'].resultat);
      await visiter(${JSON.stringify(sites[0])});
      setTimeout(async () => { await visiter(${JSON.stringify(sites[1])}); await v.close(); }, 50);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'], timeout: 120_000 });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    const [exitCode, signal] = (await once(child, 'exit')) as [number | null, string | null];
    expect(signal, 'the process was still running after 120 s: an idle thread keeps it alive').toBeNull();
    expect(exitCode).toBe(0);
    expect(out.trim().split('\n')).toEqual(['oui', 'oui']);
  });
});
