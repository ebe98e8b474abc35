// One collectivité's site visited: the home page, then the links most likely to hold what the checks look for (the
// accessibility declaration, the site map, the acts, the urbanisme and démarches pages, the e-services portal),
// at most `maxPages` pages; the checks judge the pages read (controles.ts). Only derived facts come out.
import { CONTROLES, type Controle, jugerSite, type Resultat, type ServiceConnu } from './controles.ts';
import { decodeAdresse, type Lien, lirePage, type PageLue, plat } from './page.ts';
import { type CrawlSettings, type Motif, type Reponse, type SourceBrute, domaine } from './visite.ts';

/**
 * What a site's visit asks of the fetcher: pages, one address at a time, and its page budget. The `Visiteur` itself
 * on the main thread; on a reading thread (lecteur.ts), a messenger to the main thread's `Visiteur`, so that every
 * request of the crawl still goes through one fetcher and its per-host turns.
 */
export interface Pages {
  readonly settings: Pick<CrawlSettings, 'maxPages'>;
  page(adresse: string): Promise<Reponse>;
}

/**
 * Threads that read and judge the pages (lecteurs.ts): `visiter` runs `visiterSite` on one of them, its pages fetched
 * by `source` on this thread and decoded there.
 */
export interface Lecteurs {
  visiter(source: SourceBrute, site: { siren: string; url: string }, dateVisite: string): Promise<VisiteSite>;
}

/** What one visit of one site leaves: per check, a result with its evidence. One JSON line of the raw file. */
export interface VisiteSite {
  siren: string;
  url: string;
  url_finale: string | null;
  date_visite: string;
  statut_http: number | null;
  /** The home page answered from another domain than the one declared. */
  autre_domaine: boolean;
  pages_lues: number;
  controles: Record<Controle, Resultat>;
}

/** Kinds of pages worth a visit, each recognised by its link's text or address, in the order they are visited. */
const CIBLES: { nom: string; texte: RegExp; adresse: RegExp; autreHote?: boolean; priorite?: (texte: string) => number }[] = [
  // The legal mention (« Accessibilité : partiellement conforme ») links to the declaration: that link first, then
  // those that say « déclaration », before any other page about accessibility (a news item, a service's page).
  { nom: 'accessibilite', texte: /accessibilit|rgaa|conformite|declaration/, adresse: /accessibilit|rgaa/, priorite: (t) => (/accessibilite\s*:?\s*(non|partiellement|totalement)\s+conforme/.test(t) ? 0 : /declaration/.test(t) ? 1 : 2) },
  { nom: 'plan', texte: /plan du site/, adresse: /plan-du-site|sitemap|plan_du_site/ },
  { nom: 'actes', texte: /deliberations?|arretes?|publication des actes|actes administratifs|recueil des actes|proces-verba|conseil municipal|conseil communautaire/, adresse: /deliberation|arrete|actes|proces-verba|conseil-municipal|raa/ },
  { nom: 'demarches', texte: /demarches|services en ligne|e-services|teleservices|portail (citoyen|famille|usager)|espace (citoyen|famille)|mon compte/, adresse: /demarches|e-services|teleservice|portail|espace-citoyen|espace-famille/, autreHote: true },
  { nom: 'urbanisme', texte: /urbanisme|permis de construire|autorisations? d'urbanisme/, adresse: /urbanisme/, autreHote: true },
];

/** The links of the home page to visit next, at most `n`: one per kind in turn, then a second per kind… */
export function choisirLiens(accueil: PageLue, n: number): string[] {
  const base = new URL(accueil.urlFinale);
  const ici = base.href.split('#')[0];
  // Each link read once: its address parsed, its path decoded; then judged against each kind.
  const candidats: { lien: Lien; memeHote: boolean; chemin: string }[] = [];
  for (const l of accueil.liens) {
    if (!/^https?:/.test(l.href)) continue;
    const u = new URL(l.href);
    if (u.href.split('#')[0] === ici) continue;
    if (/\.(pdf|docx?|odt|xlsx?|zip|jpe?g|png|gif|svg|mp[34])(\?|$)/i.test(u.pathname)) continue;
    candidats.push({ lien: l, memeHote: u.host === base.host, chemin: decodeAdresse(u.pathname).toLowerCase() });
  }
  const parCible = CIBLES.map((c) => {
    const liens = candidats.filter(({ lien, memeHote, chemin }) => (memeHote || c.autreHote) && (c.texte.test(lien.textePlat) || c.adresse.test(chemin))).map((x) => x.lien);
    const priorite = c.priorite;
    // A stable sort: links of the same priority keep the page's order.
    return priorite ? liens.map((l, i) => ({ l, i, p: priorite(l.textePlat) })).sort((a, b) => a.p - b.p || a.i - b.i).map((x) => x.l) : liens;
  });
  const choisis: string[] = [];
  for (let rang = 0; choisis.length < n && parCible.some((liens) => liens.length > rang); rang++) {
    for (const liens of parCible) {
      const href = liens[rang]?.href.split('#')[0];
      if (href && !choisis.includes(href) && choisis.length < n) choisis.push(href);
    }
  }
  return choisis;
}

const inconnu = (motif: Motif, detail: string, preuve: string): Resultat => ({ resultat: 'inconnu', valeur_texte: null, valeur_nombre: null, unite: null, preuve, extrait: detail.slice(0, 200), motif });

/** Every check `inconnu` for a site whose home page could not be read; HTTPS says `non` for a TLS failure. */
function illisible(r: Extract<Reponse, { ok: false }>): Record<Controle, Resultat> {
  const out = {} as Record<Controle, Resultat>;
  for (const id of CONTROLES) out[id] = inconnu(r.motif, r.detail, r.urlFinale);
  if (r.motif === 'TLS') out.https = { ...out.https, resultat: 'non' };
  return out;
}

/** An address as declared (« www.mairie.fr », « http://… »): asked in HTTPS first. */
export function adresseDeDepart(url: string): string {
  const t = url.trim();
  if (/^https:\/\//i.test(t)) return t;
  return `https://${t.replace(/^http:\/\//i, '')}`;
}

export async function visiterSite(
  visiteur: Pages,
  site: { siren: string; url: string },
  { services, dateVisite }: { services: readonly ServiceConnu[]; dateVisite: string },
): Promise<VisiteSite> {
  const depart = adresseDeDepart(site.url);
  let accueil = await visiteur.page(depart);
  let https: Resultat | null = null;
  // No HTTPS at all (refused, or a certificate that fails): the site is read in HTTP, and HTTPS says why not.
  if (!accueil.ok && (accueil.motif === 'TLS' || accueil.motif === 'réseau')) {
    https = { resultat: 'non', valeur_texte: null, valeur_nombre: null, unite: null, preuve: depart, extrait: accueil.detail.slice(0, 200), motif: accueil.motif };
    // What HTTP answers, read or not: a site without HTTPS whose home page is missing or disallowed by robots.txt
    // says so for its other checks, rather than the failure of HTTPS that `https` already tells.
    accueil = await visiteur.page(depart.replace(/^https:/, 'http:'));
  }
  const base = { siren: site.siren, url: site.url, date_visite: dateVisite };
  if (!accueil.ok) {
    const controles = illisible(accueil);
    if (https) controles.https = https;
    return { ...base, url_finale: accueil.urlFinale, statut_http: accueil.statut, autre_domaine: false, pages_lues: 0, controles };
  }
  const pages: PageLue[] = [lirePage(accueil.page)];
  const aLire = choisirLiens(pages[0]!, visiteur.settings.maxPages - 1);
  // Every chosen page asked at once: the fetcher still takes a host's pages one at a time, at its turn and in this
  // order, and each page is read as it comes, while the next one is fetched.
  const reponses = aLire.map((href) => visiteur.page(href));
  for (const r of reponses) r.catch(() => undefined);
  for (const r of reponses) {
    const reponse = await r;
    if (reponse.ok) pages.push(lirePage(reponse.page));
  }
  // The site map read, the declaration may be one link further: read it if the budget allows.
  const dejaLus = new Set(pages.map((p) => p.urlFinale));
  for (const p of pages.slice(1)) {
    if (pages.length >= visiteur.settings.maxPages) break;
    if (!/plan/.test(plat(p.titre)) && !/plan-du-site|sitemap/.test(p.urlFinale)) continue;
    const lien = p.liens.find((l) => /accessibilit/.test(l.textePlat) && /^https?:/.test(l.href) && !dejaLus.has(l.href));
    if (lien) {
      const r = await visiteur.page(lien.href);
      if (r.ok) pages.push(lirePage(r.page));
    }
  }
  const controles = jugerSite(pages, { services, dateVisite });
  if (https) controles.https = https;
  return {
    ...base,
    url_finale: accueil.page.urlFinale,
    statut_http: accueil.page.statut,
    autre_domaine: domaine(new URL(accueil.page.urlFinale).host) !== domaine(new URL(depart).host),
    pages_lues: pages.length,
    controles,
  };
}

/**
 * Visits `sites`, `concurrency` at a time (each host still one request at a time), handing each visit to `surVisite`
 * as soon as it ends (the raw file appends it: an interrupted crawl keeps what it finished).
 */
export async function visiterSites(
  visiteur: Pages & SourceBrute & { readonly settings: Pick<CrawlSettings, 'concurrency'> },
  sites: readonly { siren: string; url: string }[],
  options: {
    services: readonly ServiceConnu[];
    /** A fixed date for every visit (tests, the bench); otherwise each visit is dated by `horloge` when it starts. */
    dateVisite?: string;
    horloge?: () => number;
    surVisite: (v: VisiteSite) => void | Promise<void>;
    /** Reading threads: the pages are read and judged there, fetched here (without them, here too). */
    lecteurs?: Lecteurs;
  },
): Promise<number> {
  const horloge = options.horloge ?? Date.now;
  let suivant = 0;
  let faits = 0;
  const travailleur = async () => {
    while (suivant < sites.length) {
      const site = sites[suivant++]!;
      // Each visit its own date: a full pass lasts hours, and may cross midnight or the end of a semester.
      const dateVisite = options.dateVisite ?? new Date(horloge()).toISOString();
      const visite = options.lecteurs ? await options.lecteurs.visiter(visiteur, site, dateVisite) : await visiterSite(visiteur, site, { services: options.services, dateVisite });
      await options.surVisite(visite);
      faits++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(visiteur.settings.concurrency, sites.length)) }, travailleur));
  return faits;
}
