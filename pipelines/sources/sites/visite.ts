// The web observatory's fetcher, and its manners: robots.txt read (robots-parser) and obeyed, Crawl-delay included;
// a User-Agent that names the project and a contact; one request at a time per host, and at least a delay between
// two requests to one host; 429 and 503 with Retry-After honoured; HTML only, cut at a size; redirects followed by
// hand (each hop asks robots.txt of its host and waits its turn), the final address kept; certificates verified (a
// TLS failure is a result); pages in windows-1252 or ISO-8859-1 decoded. It fetches and never judges (controles.ts
// judges). HTTP is undici's (a connect timeout of its own, streaming bodies that can be cut).
import { createRequire } from 'node:module';
import { Agent, request } from 'undici';
import { type Config, configSchema } from '../../base/config.ts';
import type { PageRecue } from './page.ts';

export interface CrawlSettings {
  /** The `http.userAgent` of the configuration: the project's name and a contact address. */
  userAgent: string;
  /** Least time between the end of a request to a host and the start of the next (a robots.txt Crawl-delay may lengthen it). */
  delayMs: number;
  /** Sites visited at once. */
  concurrency: number;
  /** Pages read per site, the home page included. */
  maxPages: number;
  connectTimeoutMs: number;
  /** For a whole page: headers and body. */
  pageTimeoutMs: number;
  /** A body is cut there: the page is read up to this many bytes. */
  maxBytes: number;
  maxRedirects: number;
  /** Longest Retry-After waited (a longer one gives up on the page). */
  maxRetryAfterMs: number;
  /** Threads that read and judge the pages (lecteurs.ts), beside the fetching one; 0: none. */
  readerThreads: number;
}

/** The configuration's defaults (block `crawl`), without a User-Agent. */
export const DEFAULT_CRAWL: Omit<CrawlSettings, 'userAgent'> = reglagesDeVisite(configSchema.parse({}).crawl);

/** The crawl block without what is not the visitor's (`slice`: how many sites a live pull visits). */
function reglagesDeVisite({ slice: _slice, ...reglages }: Config['crawl']): Omit<CrawlSettings, 'userAgent'> {
  return reglages;
}

/** The crawl settings of a configuration: its `crawl` block and its `http.userAgent`. */
export function crawlSettings(config: Pick<Config, 'crawl' | 'http'>): CrawlSettings {
  return { ...reglagesDeVisite(config.crawl), userAgent: config.http.userAgent };
}

/** Why a page could not be judged: the `motif` of an `inconnu`. */
export type Motif = 'robots.txt' | 'délai' | 'TLS' | 'réseau' | 'pas du HTML' | 'statut HTTP' | 'trop de redirections' | 'connexion interrompue' | 'adresse invalide';

type Echec = { ok: false; url: string; urlFinale: string; motif: Motif; detail: string; statut: number | null };

export type Reponse = { ok: true; page: PageRecue; /** The final address is on another domain than the one asked. */ autreDomaine: boolean; tronquee: boolean } | Echec;

/** A page as received, before its body is decoded (`decoderPage`): what a reading thread is sent. */
export interface PageBrute extends Omit<PageRecue, 'html'> {
  contentType: string;
  /** The body as received, cut at the size limit. */
  corps: Uint8Array;
}

export type ReponseBrute = { ok: true; page: PageBrute; autreDomaine: boolean; tronquee: boolean } | Echec;

/** What fetches pages for a reading thread (lecteurs.ts): the `Visiteur`, its pages left undecoded. */
export interface SourceBrute {
  readonly settings: Pick<CrawlSettings, 'maxPages'>;
  pageBrute(adresse: string): Promise<ReponseBrute>;
}

/**
 * A page's body decoded in the charset it declares (Content-Type, else a `<meta>` in its first 2 KB; UTF-8 otherwise).
 * A body without a Content-Type that does not start with a tag is not HTML.
 */
export function decoderPage(r: ReponseBrute): Reponse {
  if (!r.ok) return r;
  const { contentType, corps, ...page } = r.page;
  const html = decodeur(charsetOf(contentType, corps)).decode(corps);
  if (contentType === '' && !/^\s*</.test(html)) return { ok: false, url: page.url, urlFinale: page.urlFinale, motif: 'pas du HTML', detail: 'sans Content-Type, et le corps ne commence pas par une balise', statut: page.statut };
  return { ok: true, page: { ...page, html }, autreDomaine: r.autreDomaine, tronquee: r.tronquee };
}

/**
 * The registrable part of a host, roughly (its last two labels: a redirect from www.x.fr to x.fr stays on x.fr); an
 * IP address is its own domain.
 */
export function domaine(host: string): string {
  const h = host.replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/:\d+$/, '');
  return /^[\d.]+$/.test(h) || h.includes(':') ? h : h.split('.').slice(-2).join('.');
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

function motifErreur(error: unknown): { motif: Motif; detail: string } {
  const e = error as { code?: string; name?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  const message = e.message ?? String(error);
  if (TLS_CODES.has(code) || /certificate|self[- ]signed|ssl|tls/i.test(`${message} ${e.cause?.message ?? ''}`)) return { motif: 'TLS', detail: code || message };
  if (/TIMEOUT/i.test(code) || e.name === 'TimeoutError' || e.name === 'AbortError') return { motif: 'délai', detail: code || e.name || message };
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || /other side closed|socket/i.test(message)) return { motif: 'connexion interrompue', detail: code || message };
  return { motif: 'réseau', detail: code || message };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Seconds or an HTTP date, in milliseconds from now; null when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return null;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The charset a page declares: its Content-Type, else a `<meta>` in its first 2 KB; utf-8 otherwise. */
export function charsetOf(contentType: string, head: Uint8Array): string {
  const fromHeader = /charset\s*=\s*["']?([\w-]+)/i.exec(contentType)?.[1];
  const fromMeta = fromHeader ? undefined : /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(decodeur('latin1').decode(head.subarray(0, 2048)))?.[1];
  const label = (fromHeader ?? fromMeta ?? 'utf-8').toLowerCase();
  try {
    decodeur(label);
    return label;
  } catch {
    return 'utf-8';
  }
}

const decodeurs = new Map<string, TextDecoder>();
/** One decoder per charset for the whole crawl (a decoder used without `stream` keeps nothing between pages). */
function decodeur(label: string): TextDecoder {
  let d = decodeurs.get(label);
  if (!d) {
    d = new TextDecoder(label);
    decodeurs.set(label, d);
  }
  return d;
}

// robots-parser is CommonJS (module.exports = the function); its types describe an ES default export.
const robotsParser = createRequire(import.meta.url)('robots-parser') as (url: string, contents: string) => Robots;

interface Robots {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
}

/**
 * One visitor for a whole crawl: it keeps, per host, the turn (one request at a time), the end of the last request
 * and the robots.txt. `journal` hears every request made (tests, and the progress line).
 */
export class Visiteur {
  private readonly agent: Agent;
  private readonly tours = new Map<string, Promise<unknown>>();
  private readonly fin = new Map<string, number>();
  /** Per host, the time before which nothing is asked of it (a Retry-After being waited). */
  private readonly pauses = new Map<string, number>();
  private readonly robots = new Map<string, Promise<Robots | { motif: Motif; detail: string }>>();
  /** The product token robots.txt groups are matched against (the User-Agent's first word). */
  private readonly jeton: string;
  requetes = 0;

  constructor(
    readonly settings: CrawlSettings,
    private readonly journal: (event: { url: string; statut: number | null; debut: number; fin: number }) => void = () => undefined,
    tls: { ca?: string | Buffer } = {},
  ) {
    this.agent = new Agent({ connect: { timeout: settings.connectTimeoutMs, ...tls }, headersTimeout: settings.pageTimeoutMs, bodyTimeout: settings.pageTimeoutMs });
    this.jeton = settings.userAgent.split(/[\s/(]/)[0] || settings.userAgent;
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  /** Runs `fn` at this host's turn, once the delay since its last request, and any pause it asked for, have passed. */
  private async aSonTour<T>(host: string, delai: number, fn: () => Promise<T>): Promise<T> {
    const avant = this.tours.get(host) ?? Promise.resolve();
    const pret = () => Math.max((this.fin.get(host) ?? -Infinity) + delai, this.pauses.get(host) ?? -Infinity);
    const tour = avant.catch(() => undefined).then(async () => {
      // Timers count whole milliseconds (a fractional wait may end up to 1 ms early): wait until the delay has passed.
      for (let attente = pret() - performance.now(); attente > 0; attente = pret() - performance.now()) {
        await sleep(Math.ceil(attente));
      }
      try {
        return await fn();
      } finally {
        this.fin.set(host, performance.now());
      }
    });
    this.tours.set(host, tour);
    return tour;
  }

  /** One GET, at its host's turn; 429 and 503 wait their Retry-After (bounded), twice at most. */
  private async get(url: URL, delai: number, maxBytes: number, lisible: (contentType: string) => boolean = (t) => t === '' || /html|xml/i.test(t)) {
    for (let essai = 0; ; essai++) {
      const r = await this.aSonTour(url.host, delai, async () => {
        const debut = performance.now();
        this.requetes++;
        const res = await request(url, {
          dispatcher: this.agent,
          method: 'GET',
          headers: { 'user-agent': this.settings.userAgent, accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.1' },
          signal: AbortSignal.timeout(this.settings.pageTimeoutMs),
        });
        const attente = res.statusCode === 429 || res.statusCode === 503 ? retryAfterMs(res.headers['retry-after']) : null;
        // A wait that will be honoured pauses the host, before its turn ends: the requests already queued for it (the
        // other pages of a visit, asked together) wait too, and so does this one, asked again.
        const reessayer = attente !== null && essai < 2 && attente <= this.settings.maxRetryAfterMs;
        if (reessayer) this.pauses.set(url.host, performance.now() + attente);
        const contentType = String(res.headers['content-type'] ?? '');
        const chunks: Buffer[] = [];
        let octets = 0;
        let tronquee = false;
        // Only what may be HTML is read (robots.txt: text); anything else is left unread and the connection closed.
        const html = lisible(contentType);
        if (html && attente === null) {
          // Read as it comes (events rather than an async iterator: one promise per body, not one per chunk), up to
          // the size limit; the stream's error, or its close before its end, is the request's failure.
          const body = res.body;
          await new Promise<void>((ok, ko) => {
            const finir = (error?: Error) => {
              body.off('data', donnees).off('end', finir).off('error', finir).off('close', ferme);
              if (error) ko(error);
              else ok();
            };
            const ferme = () => finir(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
            const donnees = (chunk: Buffer) => {
              const reste = maxBytes - octets;
              if (chunk.length >= reste) {
                chunks.push(chunk.subarray(0, reste));
                octets += reste;
                tronquee = true;
                finir();
                return;
              }
              chunks.push(chunk);
              octets += chunk.length;
            };
            body.on('data', donnees).on('end', finir).on('error', finir).on('close', ferme);
          });
        }
        // Closing a body not read to its end aborts it: that abort is expected, not an error.
        res.body.on('error', () => undefined);
        res.body.destroy();
        const fin = performance.now();
        this.journal({ url: url.href, statut: res.statusCode, debut, fin });
        return { statut: res.statusCode, headers: res.headers, contentType, body: Buffer.concat(chunks), octets, tronquee, reessayer, dureeMs: fin - debut, html };
      });
      // Asked again at the host's turn, which waits for the pause: nothing else goes to that host meanwhile.
      if (r.reessayer) continue;
      return r;
    }
  }

  /**
   * The robots.txt of `origin`, fetched once: a 4xx means everything is allowed; a 5xx or a redirect, nothing (the
   * conservative reading); a failure to connect is the site's failure, said with its own motive.
   */
  private robotsDe(origin: string): Promise<Robots | { motif: Motif; detail: string }> {
    let robots = this.robots.get(origin);
    if (!robots) {
      robots = (async () => {
        try {
          const r = await this.get(new URL('/robots.txt', origin), this.settings.delayMs, 512 * 1024, (t) => t === '' || /text/i.test(t));
          if (r.statut >= 400 && r.statut < 500) return robotsParser(`${origin}/robots.txt`, '');
          if (r.statut >= 300) return { motif: 'robots.txt' as const, detail: `robots.txt de ${origin} : HTTP ${r.statut}, rien n'est demandé à ce site` };
          return robotsParser(`${origin}/robots.txt`, r.body.toString('utf8'));
        } catch (error) {
          return motifErreur(error);
        }
      })();
      this.robots.set(origin, robots);
    }
    return robots;
  }

  /** The page at `adresse`: its redirects followed, each hop allowed by robots.txt, HTML only, decoded. */
  async page(adresse: string): Promise<Reponse> {
    return decoderPage(await this.pageBrute(adresse));
  }

  /** The same, its body left as received (decoded where it is read: `decoderPage`). */
  async pageBrute(adresse: string): Promise<ReponseBrute> {
    let url: URL;
    try {
      url = new URL(adresse);
      if (!/^https?:$/.test(url.protocol)) throw new Error(url.protocol);
    } catch {
      return { ok: false, url: adresse, urlFinale: adresse, motif: 'adresse invalide', detail: adresse, statut: null };
    }
    const depart = url;
    const vues = new Set<string>();
    let dureeMs = 0;
    for (let saut = 0; ; saut++) {
      const echec = (motif: Motif, detail: string, statut: number | null = null): Echec => ({ ok: false, url: depart.href, urlFinale: url.href, motif, detail, statut });
      if (saut > this.settings.maxRedirects || vues.has(url.href)) return echec('trop de redirections', `${saut} redirections, dernière vers ${url.href}`);
      vues.add(url.href);
      const robots = await this.robotsDe(url.origin);
      if ('motif' in robots) return echec(robots.motif, robots.detail);
      if (robots.isAllowed(url.href, this.jeton) === false) return echec('robots.txt', `robots.txt de ${url.origin} interdit ${url.pathname}`);
      const delai = Math.max(this.settings.delayMs, (robots.getCrawlDelay(this.jeton) ?? 0) * 1000);
      let r: Awaited<ReturnType<Visiteur['get']>>;
      try {
        r = await this.get(url, delai, this.settings.maxBytes);
      } catch (error) {
        const { motif, detail } = motifErreur(error);
        return echec(motif, detail);
      }
      dureeMs += r.dureeMs;
      if (r.statut >= 300 && r.statut < 400 && r.headers.location) {
        url = new URL(String(r.headers.location), url);
        continue;
      }
      if (r.statut >= 400) return echec('statut HTTP', `HTTP ${r.statut}`, r.statut);
      if (!r.html) return echec('pas du HTML', r.contentType, r.statut);
      const page: PageBrute = { url: depart.href, urlFinale: url.href, statut: r.statut, contentType: r.contentType, corps: r.body, octets: r.octets, dureeMs };
      return { ok: true, page, autreDomaine: domaine(url.host) !== domaine(depart.host), tronquee: r.tronquee };
    }
  }
}
