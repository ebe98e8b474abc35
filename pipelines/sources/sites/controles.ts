// The checks of the web observatory: each one a small detector, a function from a page read (page.ts) to a typed
// result, as in the model crawlers: a check never fetches, a fetcher never judges. Their wording, legal basis, who
// is bound and the rule are in data/referentiels/controles-sites.csv, which the methodology page prints; the services
// recognised by address or link text are in data/referentiels/services-en-ligne-sites.csv.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Papa from 'papaparse';
import { PROJECT_ROOT } from '../../base/config.ts';
import { espaces, type Lien, type PageLue, plat } from './page.ts';

export type Verdict = 'oui' | 'non' | 'inconnu' | 'mesure';

export interface Resultat {
  /** `mesure` for the numeric checks (weight, response time), which say no yes or no. */
  resultat: Verdict;
  valeur_texte: string | null;
  valeur_nombre: number | null;
  unite: string | null;
  /** The address that shows it: the page, or the link found on it. */
  preuve: string | null;
  /** The matched text, at most 200 characters. */
  extrait: string | null;
  /** Why it is `inconnu` (robots.txt, délai, TLS, pas du HTML…), or what else a reader should know. */
  motif: string | null;
}

export const CONTROLES = [
  'https',
  'mention-accessibilite',
  'declaration-accessibilite',
  'schema-pluriannuel',
  'actes-en-ligne',
  'urbanisme-en-ligne',
  'franceconnect',
  'demarches-en-ligne',
  'mentions-legales',
  'donnees-personnelles',
  'contact',
  'mobile',
  'poids-accueil',
  'temps-reponse',
] as const;
export type Controle = (typeof CONTROLES)[number];

export interface DefinitionControle {
  id: Controle;
  libelle: string;
  base_legale: string;
  /** Who is bound, in the `chantiers.csv` notation (`commune>=3500;epci;…`), '' when nobody is. */
  obligees: string;
  methode: string;
}

const EXTRAIT_MAX = 200;
const extrait = (s: string) => {
  const t = espaces(s);
  return t.length <= EXTRAIT_MAX ? t : `${t.slice(0, EXTRAIT_MAX - 1)}…`;
};

const resultat = (verdict: Verdict, fields: Partial<Omit<Resultat, 'resultat'>> = {}): Resultat => ({
  resultat: verdict,
  valeur_texte: null,
  valeur_nombre: null,
  unite: null,
  preuve: null,
  extrait: null,
  motif: null,
  ...fields,
  ...(fields.extrait ? { extrait: extrait(fields.extrait) } : {}),
});

export function lireDefinitions(path = resolve(PROJECT_ROOT, 'data/referentiels/controles-sites.csv')): DefinitionControle[] {
  const rows = Papa.parse<Record<string, string>>(readFileSync(path, 'utf8'), { header: true, skipEmptyLines: true }).data;
  const ids = rows.map((r) => r.id);
  const manquants = CONTROLES.filter((c) => !ids.includes(c));
  const inconnus = ids.filter((id) => !(CONTROLES as readonly string[]).includes(id!));
  if (manquants.length || inconnus.length) {
    throw new Error(`${path} : contrôles ${manquants.length ? `manquants (${manquants.join(', ')})` : ''}${inconnus.length ? ` inconnus (${inconnus.join(', ')})` : ''} ; chaque contrôle a une ligne et un détecteur.`);
  }
  return rows.map((r) => ({ id: r.id as Controle, libelle: r.libelle ?? '', base_legale: r.base_legale ?? '', obligees: r.obligees ?? '', methode: r.methode ?? '' }));
}

// ---------------------------------------------------------------------------------------------------------------
// Known online services (data/referentiels/services-en-ligne-sites.csv)

export interface ServiceConnu {
  type: string;
  /** On the link's host and path, lower case, without the scheme. */
  adresse: RegExp | null;
  /** On the link's text, lower case and without accents. */
  texte: RegExp | null;
  libelle: string;
}

export function lireServices(path = resolve(PROJECT_ROOT, 'data/referentiels/services-en-ligne-sites.csv')): ServiceConnu[] {
  const rows = Papa.parse<Record<string, string>>(readFileSync(path, 'utf8'), { header: true, skipEmptyLines: true }).data;
  return rows.map((r, i) => {
    if (!r.type || (!r.adresse && !r.texte)) throw new Error(`${path}, ligne ${i + 2} : un service a un type et une adresse ou un texte.`);
    return { type: r.type, adresse: r.adresse ? new RegExp(r.adresse, 'i') : null, texte: r.texte ? new RegExp(r.texte, 'i') : null, libelle: r.libelle ?? '' };
  });
}

/** A link's address lower case, without `http://` or `https://`; made once per link (two checks ask it of every link). */
const sansSchemas = new WeakMap<Lien, { href: string; adresse: string }>();
const sansSchema = (lien: Lien) => {
  const connu = sansSchemas.get(lien);
  if (connu?.href === lien.href) return connu.adresse;
  const a = lien.href.toLowerCase();
  const adresse = a.startsWith('https://') ? a.slice(8) : a.startsWith('http://') ? a.slice(7) : a;
  sansSchemas.set(lien, { href: lien.href, adresse });
  return adresse;
};

/**
 * Every address pattern of a list of services in one expression, and every text pattern in another: a link that
 * matches neither leads to none of them (most links of a page), which two tests tell instead of one per service.
 */
const filtres = new WeakMap<readonly ServiceConnu[], { adresse: RegExp | null; texte: RegExp | null } | null>();
function filtreDe(services: readonly ServiceConnu[]) {
  let f = filtres.get(services);
  if (f === undefined) {
    // Only for patterns read as `lireServices` makes them (case-insensitive, no other flag), each service with one at
    // least, and none with a back-reference or a named group (joined, their numbers would shift or their names
    // clash): then the joined pattern matches wherever one of its parts does, and lets only more links through to
    // the exact test, never fewer.
    const simple = (r: RegExp | null) => !r || ((r.flags === 'i' || r.flags === '') && !/\\[1-9k]|\(\?<[^=!]/.test(r.source));
    const simples = services.every((s) => (s.adresse || s.texte) && simple(s.adresse) && simple(s.texte));
    const un = (sources: string[]) => (sources.length ? new RegExp(sources.map((x) => `(?:${x})`).join('|'), 'i') : null);
    f = simples ? { adresse: un(services.flatMap((s) => (s.adresse ? [s.adresse.source] : []))), texte: un(services.flatMap((s) => (s.texte ? [s.texte.source] : []))) } : null;
    filtres.set(services, f);
  }
  return f;
}

/** The known service a link leads to, or null: its address and its text must both match where both are given. */
export function serviceDuLien(lien: Lien, services: readonly ServiceConnu[], type?: string): ServiceConnu | null {
  if (!/^https?:/i.test(lien.href)) return null;
  const adresse = sansSchema(lien);
  const texte = lien.textePlat;
  const filtre = filtreDe(services);
  if (filtre && !filtre.adresse?.test(adresse) && !filtre.texte?.test(texte)) return null;
  return services.find((s) => (!type || s.type === type) && (!s.adresse || s.adresse.test(adresse)) && (!s.texte || s.texte.test(texte))) ?? null;
}

// ---------------------------------------------------------------------------------------------------------------
// Dates written in French (digits bounded by non-digits: a table cell's text runs into the next one's)

const MOIS = ['janvier', 'fevrier', 'mars', 'avril', 'mai', 'juin', 'juillet', 'aout', 'septembre', 'octobre', 'novembre', 'decembre'];
const DATE_TEXTE = /(?<!\d)(\d{1,2})(?:er)?\s+(janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre)\s+(\d{4})(?!\d)/g;
const DATE_CHIFFRES = /(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)/g;
const DATE_ISO = /(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)/g;

const JOURS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const deux = (n: number) => (n < 10 ? `0${n}` : String(n));
/** The ISO date of a day, or null for a day that does not exist or a year outside 1990–2100. */
const iso = (y: number, m: number, d: number) => {
  if (y < 1990 || y > 2100 || m < 1 || m > 12 || d < 1) return null;
  const bissextile = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > JOURS[m - 1]! + (m === 2 && bissextile ? 1 : 0)) return null;
  return `${y}-${deux(m)}-${deux(d)}`;
};

/** Every date written in `text` (« 12 mars 2025 », « 12/03/2025 », « 2025-03-12 »), as ISO dates. */
export function datesEcrites(text: string): string[] {
  const t = plat(text);
  const out: string[] = [];
  // `exec` on the module's expressions from the start of the text (`matchAll` would copy the expression at each call).
  let m: RegExpExecArray | null;
  DATE_TEXTE.lastIndex = 0;
  while ((m = DATE_TEXTE.exec(t))) {
    const d = iso(Number(m[3]), MOIS.indexOf(m[2]!) + 1, Number(m[1]));
    if (d) out.push(d);
  }
  DATE_CHIFFRES.lastIndex = 0;
  while ((m = DATE_CHIFFRES.exec(t))) {
    const d = iso(Number(m[3]), Number(m[2]), Number(m[1]));
    if (d) out.push(d);
  }
  DATE_ISO.lastIndex = 0;
  while ((m = DATE_ISO.exec(t))) {
    const d = iso(Number(m[1]), Number(m[2]), Number(m[3]));
    if (d) out.push(d);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Detectors. Each judges one page; `premierOui` (crawl.ts) keeps the first page that says yes.

export interface Contexte {
  /** True for the home page (the mention of accessibility, the viewport, the weight and time are judged there). */
  accueil: boolean;
  /** The date of the visit (ISO), for the age of a declaration. */
  dateVisite: string;
  services: readonly ServiceConnu[];
}

export type Detecteur = (page: PageLue, ctx: Contexte) => Resultat;

const lienTrouve = (page: PageLue, test: (l: Lien, texte: string) => boolean): Lien | undefined =>
  page.liens.find((l) => l.href && test(l, l.textePlat));

const ouiLien = (lien: Lien, fields: Partial<Resultat> = {}) => resultat('oui', { preuve: lien.href, extrait: lien.texte || lien.href, ...fields });
const non = (page: PageLue, motif: string | null = null) => resultat('non', { preuve: page.urlFinale, motif });

const MENTION = /accessibilit[eé]\s*:?\s*(non|partiellement|totalement)\s+conforme/iu;

/** The home page's mention, in its text, a link or an image's alternative text. */
const mentionAccessibilite: Detecteur = (page, ctx) => {
  if (!ctx.accueil) return non(page, "la mention est attendue sur la page d'accueil");
  const m = MENTION.exec(page.texte);
  if (!m) return non(page);
  const niveau = m[1]!.toLowerCase();
  const lien = page.liens.find((l) => MENTION.test(l.texte));
  return resultat('oui', { valeur_texte: `${niveau} conforme`, preuve: lien?.href || page.urlFinale, extrait: m[0] });
};

/** Headings of the official model of declaration (RGAA 4.1), compared without case nor accents. */
export const INTERTITRES_MODELE = [
  'etat de conformite',
  'resultats des tests',
  'contenus non accessibles',
  'non-conformites',
  'derogations pour charge disproportionnee',
  "contenus non soumis a l'obligation d'accessibilite",
  "etablissement de cette declaration d'accessibilite",
  'technologies utilisees pour la realisation du site',
  'environnement de test',
  "outils pour evaluer l'accessibilite",
  'pages du site ayant fait l',
  "retour d'information et contact",
  'voies de recours',
];

const TAUX = /(\d{1,3}(?:[.,]\d{1,2})?)\s*%\s*des\s+criteres/;
const ETABLIE = /(etablie|mise a jour|realise|effectue)e?s?\s+(?:le\s+)?(?:\d|[a-z]+\s+\d)/;

/**
 * Several texts flattened at once, kept apart by a character no wording holds and `plat` leaves alone: a wording is in
 * one of them if and only if it is in the whole.
 */
const platEnsemble = (textes: readonly string[]) => plat(textes.join('\0'));

const declarationAccessibilite: Detecteur = (page, ctx) => {
  const intertitres = platEnsemble(page.intertitres);
  const trouves = INTERTITRES_MODELE.filter((m) => intertitres.includes(m));
  if (trouves.length < 2) return non(page);
  const texte = page.textePlat;
  const taux = TAUX.exec(texte);
  // The date it was made: the first date after « établie le », else none.
  const apres = ETABLIE.exec(texte);
  const date = apres ? datesEcrites(texte.slice(apres.index, apres.index + 80))[0] ?? null : null;
  let ancienne = false;
  if (date) {
    const limite = new Date(`${ctx.dateVisite.slice(0, 10)}T00:00:00Z`);
    limite.setUTCFullYear(limite.getUTCFullYear() - 3);
    ancienne = date < limite.toISOString().slice(0, 10);
  }
  return resultat('oui', {
    valeur_nombre: taux ? Number(taux[1]!.replace(',', '.')) : null,
    unite: taux ? '%' : null,
    valeur_texte: date ? `établie le ${date}${ancienne ? ', plus de trois ans avant la visite' : ''}` : null,
    preuve: page.urlFinale,
    extrait: `${page.intertitres.find((h) => plat(h).includes('declaration')) ?? page.titre} — ${trouves.length} intertitres du modèle`,
  });
};

const schemaPluriannuel: Detecteur = (page) => {
  const lien = lienTrouve(page, (l, t) => /schema\s+pluri-?annuel/.test(t) || /schema[-_ ]?pluri-?annuel/.test(l.adressePlate));
  return lien ? ouiLien(lien) : non(page);
};

const TITRE_ACTES = /deliberations?|arretes?|proces-verba(l|ux)|publication des actes|actes administratifs|recueil des actes|conseils? municipa(l|ux)|conseil communautaire/;
const DOCUMENT = /\.(pdf|odt|docx?)(\?|#|$)/i;

/** A page about acts (its title or a heading) offering at least one dated document. */
const actesEnLigne: Detecteur = (page) => {
  if (!TITRE_ACTES.test(platEnsemble([page.titre, ...page.intertitres]))) return non(page);
  // A dated document: a link to a document whose text, or the text of its list item or table row, carries a date.
  let meilleur: { date: string; href: string; texte: string } | null = null;
  for (const lien of page.liens) {
    const { href } = lien;
    if (!DOCUMENT.test(href)) continue;
    const texte = lien.contexte;
    const dates = datesEcrites(`${texte} ${lien.adressePlate}`).sort();
    const date = dates.at(-1);
    if (date && (!meilleur || date > meilleur.date)) meilleur = { date, href, texte };
  }
  if (!meilleur) return non(page, 'page des actes sans document daté');
  return resultat('oui', { valeur_texte: meilleur.date, preuve: page.urlFinale, extrait: meilleur.texte, motif: null });
};

const urbanismeEnLigne: Detecteur = (page, ctx) => {
  for (const lien of page.liens) {
    const service = serviceDuLien(lien, ctx.services, 'urbanisme');
    if (service) return ouiLien(lien, { valeur_texte: service.libelle });
  }
  return non(page);
};

/** A word found in a text even where spaces cut it (« France Connect », « F r a n c e C o n n e c t »). */
const motEspace = (mot: string) => new RegExp(mot.split('').join('\\s*'), 'i');
const FRANCECONNECT = motEspace('franceconnect');
const PROCONNECT = motEspace('proconnect');
/** ProConnect (the agents' sign-in) is not FranceConnect: a text that names it is never FranceConnect's evidence. */
const pasProConnect = (texte: string) => !PROCONNECT.test(texte);

/** The State design system's button (not ProConnect's), a link to franceconnect.gouv.fr, or the older button. */
const franceconnect: Detecteur = (page) => {
  for (const { texte } of page.boutonsFranceConnect) {
    if (FRANCECONNECT.test(texte) && pasProConnect(texte)) return resultat('oui', { preuve: page.urlFinale, extrait: texte });
  }
  const lien = page.liens.find((l) => pasProConnect(l.texte) && (/^https?:\/\/([a-z0-9-]+\.)*franceconnect\.gouv\.fr(\/|$)/i.test(l.href) || FRANCECONNECT.test(l.texte)));
  return lien ? ouiLien(lien) : non(page);
};

const demarchesEnLigne: Detecteur = (page, ctx) => {
  const types = new Map<string, Lien>();
  for (const lien of page.liens) {
    const service = serviceDuLien(lien, ctx.services);
    if (service && service.type !== 'urbanisme' && !types.has(service.type)) types.set(service.type, lien);
  }
  if (types.size === 0) return non(page);
  const premier = [...types.values()][0]!;
  return resultat('oui', { valeur_nombre: types.size, unite: 'types', valeur_texte: [...types.keys()].sort().join(';'), preuve: premier.href, extrait: premier.texte || premier.href });
};

const parLien =
  (texte: RegExp, adresse: RegExp): Detecteur =>
  (page) => {
    const lien = lienTrouve(page, (l, t) => texte.test(t) || adresse.test(l.adressePlate));
    return lien ? ouiLien(lien) : non(page);
  };

const mentionsLegales = parLien(/mentions?\s+legales?/, /mentions?[-_]legales?/);
const donneesPersonnelles = parLien(/donnees\s+personnelles|confidentialite|vie\s+privee|\brgpd\b|protection\s+des\s+donnees/, /donnees[-_]personnelles|confidentialite|vie[-_]privee|rgpd|privacy/);
const contact: Detecteur = (page) => {
  const lien = lienTrouve(page, (l, t) => /^mailto:/i.test(l.href) || /\bcontact|nous\s+ecrire|ecrire\s+a\s+la\s+mairie/.test(t) || /\/contact/i.test(l.href));
  return lien ? ouiLien(lien) : non(page);
};

/** A viewport for small screens that does not forbid zooming. */
const mobile: Detecteur = (page, ctx) => {
  if (!ctx.accueil) return non(page, "jugé sur la page d'accueil");
  if (!page.viewport) return non(page, 'pas de balise meta viewport');
  const v = page.viewport.toLowerCase().replace(/\s+/g, '');
  const extraitViewport = `<meta name="viewport" content="${page.viewport}">`;
  if (!/width=device-width/.test(v)) return resultat('non', { preuve: page.urlFinale, extrait: extraitViewport, motif: 'zone d’affichage sans width=device-width' });
  const max = /maximum-scale=([\d.]+)/.exec(v);
  if (/user-scalable=(no|0)\b/.test(v) || (max && Number(max[1]) < 2)) return resultat('non', { preuve: page.urlFinale, extrait: extraitViewport, motif: 'le zoom est interdit (RGAA 10.4)' });
  return resultat('oui', { preuve: page.urlFinale, extrait: extraitViewport });
};

const poidsAccueil: Detecteur = (page) => resultat('mesure', { valeur_nombre: page.octets, unite: 'octets', preuve: page.urlFinale });
const tempsReponse: Detecteur = (page) => resultat('mesure', { valeur_nombre: Math.round(page.dureeMs), unite: 'ms', preuve: page.urlFinale });

/** HTTPS with a valid certificate: judged on the home page's final address (a TLS failure never reaches a page). */
const https: Detecteur = (page) =>
  page.urlFinale.startsWith('https:') ? resultat('oui', { preuve: page.urlFinale }) : resultat('non', { preuve: page.urlFinale, motif: 'la page est servie en HTTP' });

export const DETECTEURS: Record<Controle, Detecteur> = {
  https,
  'mention-accessibilite': mentionAccessibilite,
  'declaration-accessibilite': declarationAccessibilite,
  'schema-pluriannuel': schemaPluriannuel,
  'actes-en-ligne': actesEnLigne,
  'urbanisme-en-ligne': urbanismeEnLigne,
  franceconnect,
  'demarches-en-ligne': demarchesEnLigne,
  'mentions-legales': mentionsLegales,
  'donnees-personnelles': donneesPersonnelles,
  contact,
  mobile,
  'poids-accueil': poidsAccueil,
  'temps-reponse': tempsReponse,
};

/** Checks judged on the home page only; the others on every page visited, the first `oui` kept. */
export const SUR_ACCUEIL: ReadonlySet<Controle> = new Set(['https', 'mention-accessibilite', 'mobile', 'poids-accueil', 'temps-reponse']);

/**
 * The site's result for each check, from its pages in visit order (the home page first): a home-page check from the
 * home page; another, the first page that says `oui`, else the home page's `non`.
 */
export function jugerSite(pages: readonly PageLue[], ctx: Omit<Contexte, 'accueil'>): Record<Controle, Resultat> {
  const [accueil, ...autres] = pages;
  if (!accueil) throw new Error('jugerSite : au moins la page d’accueil');
  const out = {} as Record<Controle, Resultat>;
  for (const id of CONTROLES) {
    const detect = DETECTEURS[id];
    const first = detect(accueil, { ...ctx, accueil: true });
    if (SUR_ACCUEIL.has(id) || first.resultat === 'oui') {
      out[id] = first;
      continue;
    }
    // The other pages in visit order, up to the first that says yes (a detector is a pure function of its page).
    out[id] = first;
    for (const p of autres) {
      const r = detect(p, { ...ctx, accueil: false });
      if (r.resultat === 'oui') {
        out[id] = r;
        break;
      }
    }
  }
  return out;
}
