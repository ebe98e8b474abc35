// The web observatory's fetcher and its manners (pipelines/sources/sites/visite.ts, crawl.ts), against loopback
// servers started here: robots.txt, Crawl-delay, Retry-After, one request at a time per host with a delay, timeouts,
// redirects, sizes, content types, dropped connections, certificates, encodings; then a whole site visited.
import { createServer as createHttps } from 'node:https';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { afterAll, describe, expect, it } from 'vitest';
import { lireServices } from '../pipelines/sources/sites/controles.ts';
import { adresseDeDepart, choisirLiens, visiterSite, visiterSites, type VisiteSite } from '../pipelines/sources/sites/crawl.ts';
import { LecteursDeSites } from '../pipelines/sources/sites/lecteurs.ts';
import { lirePage } from '../pipelines/sources/sites/page.ts';
import { type CrawlSettings, DEFAULT_CRAWL, charsetOf, domaine, retryAfterMs, Visiteur } from '../pipelines/sources/sites/visite.ts';
import { reglagesTest, UA_TEST as UA } from './helpers/crawl.ts';

/** Generous ceilings (a hung server is the only thing that reaches them), a short politeness delay. */
const settings = (over: Partial<CrawlSettings> = {}): CrawlSettings => reglagesTest({ delayMs: 50, pageTimeoutMs: 60_000, ...over });

interface Hit {
  path: string;
  ua: string;
  arrivee: number;
  fin: number | null;
  enCours: number;
}

interface Loopback {
  url: string;
  hits: Hit[];
  close: () => Promise<void>;
}

const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

/** A loopback server routing by path; it logs each request's arrival, end and how many were in flight. */
async function loopback(routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void>, { host = '127.0.0.1', tls }: { host?: string; tls?: { key: string; cert: string } } = {}): Promise<Loopback> {
  const hits: Hit[] = [];
  let enCours = 0;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    enCours++;
    const hit: Hit = { path: req.url ?? '', ua: String(req.headers['user-agent']), arrivee: performance.now(), fin: null, enCours };
    hits.push(hit);
    const done = () => {
      if (hit.fin === null) {
        hit.fin = performance.now();
        enCours--;
      }
    };
    res.on('finish', done);
    res.on('close', done);
    const route = routes[new URL(req.url ?? '/', 'http://x').pathname] ?? ((_q, r) => r.writeHead(404).end('absente'));
    route(req, res);
  };
  const server = tls ? createHttps(tls, handler) : createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, host, r));
  const { port } = server.address() as AddressInfo;
  return { url: `${tls ? 'https' : 'http'}://${host}:${port}`, hits, close: async () => undefined };
}

const html = (body: string, head = '') => (_req: IncomingMessage, res: ServerResponse) =>
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Mairie</title>${head}</head><body>${body}</body></html>`);
const robots = (text: string) => (_req: IncomingMessage, res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/plain' }).end(text);

describe('manners', () => {
  it('obeys robots.txt: a disallowed page is `inconnu` (robots.txt) and nothing but robots.txt is asked', async () => {
    const s = await loopback({ '/robots.txt': robots('User-agent: *\nDisallow: /\n'), '/': html('<p>accueil</p>') });
    const v = new Visiteur(settings());
    const r = await v.page(`${s.url}/`);
    expect(r).toMatchObject({ ok: false, motif: 'robots.txt' });
    expect(s.hits.map((h) => h.path)).toEqual(['/robots.txt']);
    expect(s.hits[0]!.ua).toBe(UA);
    await v.close();
  });

  it('reads the group of its own name and the Crawl-delay, which lengthens the wait between two requests', async () => {
    const s = await loopback({ '/robots.txt': robots('User-agent: autre\nDisallow: /\n\nUser-agent: barometre-dcant-test\nCrawl-delay: 1\nDisallow: /prive/\n'), '/': html('a'), '/b': html('b'), '/prive/x': html('x') });
    const v = new Visiteur(settings());
    expect((await v.page(`${s.url}/`)).ok).toBe(true);
    expect((await v.page(`${s.url}/b`)).ok).toBe(true);
    expect(await v.page(`${s.url}/prive/x`)).toMatchObject({ ok: false, motif: 'robots.txt' });
    const [, a, b] = s.hits;
    expect(b!.arrivee - a!.arrivee).toBeGreaterThanOrEqual(1000);
    await v.close();
  });

  it('waits the Retry-After of a 429, at the host’s turn, then reads the page', async () => {
    let n = 0;
    const s = await loopback({
      '/robots.txt': robots(''),
      '/': (req, res) => (n++ === 0 ? res.writeHead(429, { 'retry-after': '1' }).end('trop') : html('<p>enfin</p>')(req, res)),
    });
    const v = new Visiteur(settings());
    const r = await v.page(`${s.url}/`);
    expect(r.ok).toBe(true);
    const pages = s.hits.filter((h) => h.path === '/');
    expect(pages).toHaveLength(2);
    expect(pages[1]!.arrivee - pages[0]!.arrivee).toBeGreaterThanOrEqual(1000);
    await v.close();
  });

  it('holds back the other pages of a visit, asked together, while a Retry-After is waited', async () => {
    let n = 0;
    const s = await loopback({
      '/robots.txt': robots(''),
      '/': html('<a href="/accessibilite">Accessibilité</a><a href="/plan-du-site">Plan du site</a><a href="/deliberations">Délibérations</a>'),
      '/accessibilite': (req, res) => (n++ === 0 ? res.writeHead(429, { 'retry-after': '1' }).end('trop') : html('<h1>Déclaration</h1>')(req, res)),
      '/plan-du-site': html('<h1>Plan du site</h1>'),
      '/deliberations': html('<h1>Délibérations</h1>'),
    });
    const v = new Visiteur(settings());
    const visite = await visiterSite(v, { siren: '213502388', url: `${s.url}/` }, { services: lireServices(), dateVisite: '2026-11-20' });
    await v.close();
    expect(visite.pages_lues).toBe(4);
    const i = s.hits.findIndex((h) => h.path === '/accessibilite');
    const apres = s.hits.slice(i + 1);
    expect(apres.map((h) => h.path).sort()).toEqual(['/accessibilite', '/deliberations', '/plan-du-site']);
    // A lower bound only, from the server's own clock: nothing reached the host during the second it asked for.
    for (const h of apres) expect(h.arrivee - s.hits[i]!.arrivee, h.path).toBeGreaterThanOrEqual(1000);
  });

  it.each([
    ['on the fetching thread', 0],
    ['read on two reading threads', 2],
  ])('never sends two requests at once to a host, nor two closer than the delay (three sites on one host, %s)', async (_, fils) => {
    const routes: Record<string, ReturnType<typeof html>> = { '/robots.txt': robots('') };
    for (const site of ['a', 'b', 'c']) {
      routes[`/${site}/`] = html(`<a href="/${site}/accessibilite">Accessibilité</a><a href="/${site}/plan-du-site">Plan du site</a>`);
      routes[`/${site}/accessibilite`] = html('<h1>Déclaration</h1>');
      routes[`/${site}/plan-du-site`] = html('<h1>Plan du site</h1>');
    }
    const s = await loopback(routes);
    const v = new Visiteur(settings({ delayMs: 150, concurrency: 3 }));
    const visites: VisiteSite[] = [];
    const lecteurs = fils ? new LecteursDeSites(fils, lireServices()) : undefined;
    await visiterSites(v, ['a', 'b', 'c'].map((x) => ({ siren: x, url: `${s.url}/${x}/` })), { services: lireServices(), dateVisite: '2026-11-20', surVisite: (x) => void visites.push(x), ...(lecteurs ? { lecteurs } : {}) });
    await lecteurs?.close();
    expect(visites).toHaveLength(3);
    expect(s.hits).toHaveLength(1 + 3 * 3);
    expect(Math.max(...s.hits.map((h) => h.enCours))).toBe(1);
    // A lower bound only, from the arrivals (the server's own clock): the visitor waits the delay after the end of the
    // previous request, so two arrivals are at least the delay apart.
    for (let i = 1; i < s.hits.length; i++) expect(s.hits[i]!.arrivee - s.hits[i - 1]!.arrivee, s.hits[i]!.path).toBeGreaterThanOrEqual(150);
    await v.close();
  });
});

describe('faults, each a result', () => {
  it('a server that never answers: `délai`', async () => {
    const s = await loopback({ '/robots.txt': robots(''), '/': () => undefined });
    const v = new Visiteur(settings({ pageTimeoutMs: 300 }));
    expect(await v.page(`${s.url}/`)).toMatchObject({ ok: false, motif: 'délai' });
    await v.close();
  });

  it('a redirect loop: `trop de redirections`, after a bounded number of requests', async () => {
    const s = await loopback({ '/robots.txt': robots(''), '/a': (_q, r) => r.writeHead(302, { location: '/b' }).end(), '/b': (_q, r) => r.writeHead(301, { location: '/a' }).end() });
    const v = new Visiteur(settings());
    expect(await v.page(`${s.url}/a`)).toMatchObject({ ok: false, motif: 'trop de redirections' });
    expect(s.hits.filter((h) => h.path !== '/robots.txt').length).toBeLessThanOrEqual(DEFAULT_CRAWL.maxRedirects + 1);
    await v.close();
  });

  it('a redirect to another domain: followed, the final address kept and said to be elsewhere', async () => {
    const ailleurs = await loopback({ '/robots.txt': robots(''), '/accueil': html('<p>nouveau site</p>') }, { host: '127.0.0.2' });
    const s = await loopback({ '/robots.txt': robots(''), '/': (_q, r) => r.writeHead(301, { location: `${ailleurs.url}/accueil` }).end() });
    const v = new Visiteur(settings());
    const r = await v.page(`${s.url}/`);
    expect(r).toMatchObject({ ok: true, autreDomaine: true, page: { url: `${s.url}/`, urlFinale: `${ailleurs.url}/accueil` } });
    // The other host's robots.txt was asked before its page.
    expect(ailleurs.hits.map((h) => h.path)).toEqual(['/robots.txt', '/accueil']);
    await v.close();
  });

  it('a 50 MB body: read up to the size limit only', async () => {
    let envoyes = 0;
    const s = await loopback({
      '/robots.txt': robots(''),
      '/': (_q, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        const bloc = Buffer.alloc(64 * 1024, '<p>x</p>');
        const pousser = () => {
          while (envoyes < 50 * 1024 * 1024) {
            envoyes += bloc.length;
            if (!res.write(bloc)) return void res.once('drain', pousser);
          }
          res.end();
        };
        res.on('close', () => (envoyes = Math.min(envoyes, 50 * 1024 * 1024)));
        pousser();
      },
    });
    const v = new Visiteur(settings({ maxBytes: 256 * 1024 }));
    const r = await v.page(`${s.url}/`);
    expect(r).toMatchObject({ ok: true, tronquee: true, page: { octets: 256 * 1024 } });
    expect(envoyes).toBeLessThan(50 * 1024 * 1024);
    await v.close();
  });

  it('binary content: `pas du HTML`, its body left unread', async () => {
    const s = await loopback({ '/robots.txt': robots(''), '/': (_q, r) => r.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(1024)) });
    const v = new Visiteur(settings());
    expect(await v.page(`${s.url}/`)).toMatchObject({ ok: false, motif: 'pas du HTML' });
    await v.close();
  });

  it('a connection dropped in the middle of the body: `connexion interrompue`', async () => {
    const s = await loopback({
      '/robots.txt': robots(''),
      '/': (req, res) => {
        res.writeHead(200, { 'content-type': 'text/html', 'content-length': '100000' });
        res.write('<html><body><p>début');
        setImmediate(() => req.socket.destroy());
      },
    });
    const v = new Visiteur(settings());
    expect(await v.page(`${s.url}/`)).toMatchObject({ ok: false, motif: 'connexion interrompue' });
    await v.close();
  });

  it('a self-signed certificate (made now): `TLS`; the same server trusted explicitly is read, so certificates are verified', async () => {
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], { keySize: 2048, extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }] });
    const s = await loopback({ '/robots.txt': robots(''), '/': html('<p>sécurisé</p>') }, { tls: { key: pems.private, cert: pems.cert } });
    const v = new Visiteur(settings());
    expect(await v.page(`${s.url}/`)).toMatchObject({ ok: false, motif: 'TLS' });
    await v.close();
    const confiant = new Visiteur(settings(), undefined, { ca: pems.cert });
    expect(await confiant.page(`${s.url}/`)).toMatchObject({ ok: true });
    await confiant.close();
  });

  it('a windows-1252 page, by its header or its meta: decoded', async () => {
    const texte = Buffer.from('<body><p>Accessibilit\xe9 : non conforme \x96 \x80</p></body></html>', 'latin1');
    const s = await loopback({
      '/robots.txt': robots(''),
      '/entete': (_q, r) => r.writeHead(200, { 'content-type': 'text/html; charset=windows-1252' }).end(texte),
      '/meta': (_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end(Buffer.concat([Buffer.from('<!doctype html><html><head><meta charset="iso-8859-1"><title>M</title></head>'), texte])),
    });
    const v = new Visiteur(settings());
    const a = await v.page(`${s.url}/entete`);
    const b = await v.page(`${s.url}/meta`);
    if (!a.ok || !b.ok) throw new Error('pages non lues');
    expect(a.page.html).toContain('Accessibilité : non conforme – €');
    expect(lirePage(b.page).texte).toContain('Accessibilité : non conforme');
    await v.close();
  });
});

describe('helpers', () => {
  it('read Retry-After in seconds or as a date, charsets, domains and declared addresses', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs('Wed, 21 Oct 2026 07:28:10 GMT', Date.parse('2026-10-21T07:28:00Z'))).toBe(10_000);
    expect(retryAfterMs('plus tard')).toBeNull();
    expect(charsetOf('text/html; charset=ISO-8859-1', new Uint8Array())).toBe('iso-8859-1');
    expect(charsetOf('text/html', new TextEncoder().encode('<meta charset="inconnu">'))).toBe('utf-8');
    expect(domaine('www.mairie-exemple.fr')).toBe(domaine('mairie-exemple.fr:443'));
    expect(domaine('127.0.0.1:8080')).not.toBe(domaine('127.0.0.2:8080'));
    expect(adresseDeDepart('www.rennes.fr')).toBe('https://www.rennes.fr');
    expect(adresseDeDepart('http://www.rennes.fr/')).toBe('https://www.rennes.fr/');
  });
});

describe('a whole site', () => {
  it('is visited from its home page: the declaration through the site map, FranceConnect on a portal on another host', async () => {
    const portail = await loopback({
      '/robots.txt': robots(''),
      '/': html('<div class="fr-connect-group"><button class="fr-connect"><span class="fr-connect__login">S’identifier avec</span> <span class="fr-connect__brand">FranceConnect</span></button></div>'),
    }, { host: '127.0.0.2' });
    const s = await loopback({
      '/robots.txt': robots('User-agent: *\nDisallow: /admin/\n'),
      '/': html(
        `<nav><a href="/plan-du-site">Plan du site</a><a href="${portail.url}/">Portail citoyen</a><a href="/admin/">Administration</a><a href="/nous-contacter">Contact</a></nav>` +
          '<footer><a href="/mentions-legales">Mentions légales</a> · ACCESSIBILITÉ&nbsp;: PARTIELLEMENT CONFORME</footer>',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
      ),
      '/plan-du-site': html('<h1>Plan du site</h1><ul><li><a href="/infos/declaration-a11y">Accessibilité</a></li></ul>'),
      '/infos/declaration-a11y': html("<h1>Déclaration d'accessibilité</h1><h2>État de conformité</h2><h2>Résultats des tests</h2><p>62 % des critères du RGAA sont respectés.</p><h2>Voies de recours</h2>"),
    });
    const v = new Visiteur(settings());
    const visite = await visiterSite(v, { siren: '213502388', url: `${s.url}/` }, { services: lireServices(), dateVisite: '2026-11-20' });
    await v.close();
    expect(visite).toMatchObject({ siren: '213502388', statut_http: 200, autre_domaine: false, pages_lues: 4 });
    const r = Object.fromEntries(Object.entries(visite.controles).map(([k, x]) => [k, x.resultat]));
    expect(r).toMatchObject({ 'mention-accessibilite': 'oui', 'declaration-accessibilite': 'oui', franceconnect: 'oui', 'mentions-legales': 'oui', contact: 'oui', mobile: 'oui', 'actes-en-ligne': 'non', https: 'non' });
    expect(visite.controles['declaration-accessibilite']).toMatchObject({ valeur_nombre: 62, preuve: `${s.url}/infos/declaration-a11y` });
    expect(visite.controles.franceconnect.preuve).toBe(`${portail.url}/`);
    // The disallowed link was never asked for; no page was asked twice.
    expect(s.hits.map((h) => h.path)).not.toContain('/admin/');
    const paths = s.hits.map((h) => h.path);
    expect(new Set(paths).size).toBe(paths.length);
  });

  /** The home page of https://m.fr/ with this HTML, as the visitor reads it. */
  const accueilDe = (html: string) => lirePage({ url: 'https://m.fr/', urlFinale: 'https://m.fr/', statut: 200, octets: 0, dureeMs: 0, html });

  it('chooses at most n links, one of each kind in turn, never a document', () => {
    const accueil = accueilDe(
      '<a href="/accessibilite">Accessibilité</a><a href="/rgaa.pdf">RGAA (PDF)</a><a href="/plan">Plan du site</a><a href="/deliberations">Délibérations</a><a href="https://portail.exemple.fr/">E-services</a><a href="/urbanisme">Urbanisme</a><a href="https://ailleurs.fr/accessibilite">Accessibilité ailleurs</a>',
    );
    expect(choisirLiens(accueil, 3)).toEqual(['https://m.fr/accessibilite', 'https://m.fr/plan', 'https://m.fr/deliberations']);
    expect(choisirLiens(accueil, 10)).toEqual(['https://m.fr/accessibilite', 'https://m.fr/plan', 'https://m.fr/deliberations', 'https://portail.exemple.fr/', 'https://m.fr/urbanisme']);
  });

  it('visits first the link of the legal mention, then one that says « déclaration », before other pages about accessibility', () => {
    const accueil = accueilDe(
      '<a href="/actualites/accessibilite-des-voiries">Accessibilité des voiries</a><a href="/services/accessibilite">Accessibilité des services</a><a href="/a11y">Déclaration d’accessibilité</a><footer><a href="/accessibilite">Accessibilité&nbsp;: partiellement conforme</a></footer>',
    );
    expect(choisirLiens(accueil, 3)).toEqual(['https://m.fr/accessibilite', 'https://m.fr/a11y', 'https://m.fr/actualites/accessibilite-des-voiries']);
  });
});
