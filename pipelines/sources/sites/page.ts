// A fetched page, read once into what the checks look at: its text (images' alternative text included), its
// headings, its links with their text and the text around them, its viewport, the elements FranceConnect's buttons
// are known by. The checks (controles.ts) judge a `PageLue`; they never fetch.
//
// The page is read in one pass of htmlparser2's tokenizer (the parser under linkedom and cheerio), without building
// a DOM: a crawl reads tens of thousands of pages, and a tree per page was most of its time and memory
// (`npm run bench -- observatoire`). htmlparser2 closes the elements HTML closes implicitly (`<li>`, `<p>`, `<tr>`…)
// and decodes entities; every text kept is bounded, so a hostile page costs what its size allows and no more.
import { Parser } from 'htmlparser2';

/** What the fetcher hands over for one page (the body already decoded and cut at the size limit). */
export interface PageRecue {
  /** The address asked for. */
  url: string;
  /** The address that answered, after redirects. */
  urlFinale: string;
  statut: number;
  html: string;
  /** Bytes received (before decoding). */
  octets: number;
  /** Milliseconds from the request to the end of the body. */
  dureeMs: number;
}

export interface Lien {
  /** Absolute address (resolved against the page's address); '' for a link with no usable href. */
  href: string;
  /** The link's text, its images' alternative text, its title and aria-label, spaces collapsed. */
  texte: string;
  /** `texte` lower case, without accents: the form wording is compared in (`plat`). */
  readonly textePlat: string;
  /** `href` with its percent-encoding decoded (when it is valid UTF-8), lower case. */
  readonly adressePlate: string;
  /**
   * The text of the table row, list item, paragraph or article that holds the link, near the link (at most 1 000
   * characters before it and as many from it); its own text outside one. Read when asked (most links are never asked).
   */
  readonly contexte: string;
}

/** An element whose class names name FranceConnect (`fr-connect`, `franceconnect-…`), with its text. */
export interface ElementClasse {
  /** Its text and its images' alternative text, spaces collapsed. */
  texte: string;
}

export interface PageLue extends PageRecue {
  titre: string;
  /** The visible text with images' alternative text in place, spaces (non-breaking ones too) collapsed. */
  texte: string;
  /** `texte` lower case, without accents (`plat`). */
  textePlat: string;
  /** h1 to h6, in order, spaces collapsed. */
  intertitres: string[];
  liens: Lien[];
  /** Content of `<meta name="viewport">`, or null. */
  viewport: string | null;
  /** Elements known by their class: the State design system's FranceConnect button and its older kin. */
  boutonsFranceConnect: ElementClasse[];
}

/**
 * Collapses every kind of space (non-breaking ones, line breaks) into one ordinary space. JavaScript's `\s` holds
 * them all (U+00A0, U+2007, U+202F are Unicode spaces); only runs and spaces other than U+0020 are replaced, which
 * leaves the ordinary single spaces of a text alone (several times faster on a page's text). The spaces at either end
 * are kept (as one): a piece of a page's text keeps its word boundary.
 */
const reduireEspaces = (s: string) => s.replace(/\s\s+|[^ \S]/g, ' ');
/** The same, and no space at either end. */
export const espaces = (s: string) => reduireEspaces(s).trim();

const runsAplatis = new Map<string, string>();
/**
 * A run of non-ASCII characters without their accents (each decomposed, its combining marks dropped), its apostrophes
 * made straight; a backquote made straight.
 */
const aplatirRun = (run: string) => {
  let out = runsAplatis.get(run);
  if (out === undefined) {
    out = run === '`' ? "'" : run.normalize('NFD').replace(/\p{M}/gu, '').replace(/[’`]/g, "'");
    // Single characters (é, à, ’…) are most runs of a French text: each is worked out once for the crawl.
    if (run.length === 1 && runsAplatis.size < 10_000) runsAplatis.set(run, out);
  }
  return out;
};

/** `plat` of a text whose spaces are already collapsed (one pass over the text after lowering its case). */
const aplatir = (t: string) => t.toLowerCase().replace(/[^\x00-\x7f]+|`/g, aplatirRun);

/**
 * Lower case, without accents, spaces collapsed, typographic apostrophes made straight: the form that wording is
 * compared in. Only the non-ASCII runs are decomposed (NFD, marks dropped): the same result as decomposing the whole
 * text, at a fraction of its cost.
 */
export const plat = (s: string) => aplatir(espaces(s));

/** `decodeURIComponent`, or the text as it is when it is not valid percent-encoding (`%E9` from a Latin-1 site). */
export function decodeAdresse(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Most links a page is read for: a page of 20 000 links costs the same as one of this many. */
export const MAX_LIENS = 2_000;
/** Most characters kept of one link's, heading's or element's text (spaces collapsed). */
const MAX_TEXTE = 1_000;
/** A link's context: at most this many characters before the link and as many from it, inside its holder. */
const MAX_CONTEXTE = 1_000;
const MAX_INTERTITRES = 500;
const MAX_BOUTONS = 50;

/**
 * A path from the root made only of characters an address keeps as they are: letters, digits and `-_~!$&()*+,;=:@.?#/`
 * (no space, quote, backslash or percent sign, no dot segment, not `//`). Against an http(s) base, `URL` writes it as
 * the base's origin followed by the path, which is what `absolu` then does without parsing it (most links of a site).
 */
const CHEMIN_SIMPLE = /^(?=\/)(?!\/\/)(?:[A-Za-z0-9\-_~!$&()*+,;=:@.?#]|\/(?!\.\.?(?:[/?#]|$)))*$/;

/** `href` made absolute against `base`; '' unless it is an http(s) or mailto address. */
function absolu(href: string | null, base: string, origine: string | null = null): string {
  if (!href) return '';
  if (origine !== null && CHEMIN_SIMPLE.test(href)) return origine + href;
  try {
    const url = new URL(href.trim(), base);
    return ['http:', 'https:', 'mailto:'].includes(url.protocol) ? url.href : '';
  } catch {
    return '';
  }
}

/**
 * Elements whose content is not read: scripts, styles, inert templates. (What `<noscript>` holds is read: the robot
 * runs no script, and a menu built by a script often keeps its links there.)
 */
const NON_LUS = new Set(['script', 'style', 'template']);
/** Elements that separate words: a space before and after their text (`<td>1</td><td>2</td>` reads « 1 2 »). */
const BLOCS = new Set(['p', 'div', 'li', 'td', 'th', 'tr', 'br', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'section', 'footer', 'header', 'nav', 'ul', 'ol', 'table', 'article', 'aside', 'main', 'dt', 'dd', 'caption', 'figcaption', 'option', 'label', 'button']);
/** The containers whose text is a link's context (a row of a table of acts, an item of a list of documents). */
const CONTENEURS = new Set(['tr', 'li', 'p', 'article']);
const INTERTITRES = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
const CLASSE_FRANCECONNECT = /(^|\s)fr-connect(\s|$)|franceconnect/;
/** What may stand in a `<head>`: any other element ends it, as in a browser (`<head><title>…</title><div>…`). */
const DE_HEAD = new Set(['title', 'meta', 'link', 'script', 'style', 'base', 'noscript', 'template']);

/** The sets above as bits, so that an element's kinds are one lookup when it opens and one when it closes. */
const NON_LU = 1;
const BLOC = 2;
const CONTENEUR = 4;
const INTERTITRE = 8;
const DANS_HEAD = 16;
const GENRES = new Map<string, number>();
for (const [ensemble, bit] of [[NON_LUS, NON_LU], [BLOCS, BLOC], [CONTENEURS, CONTENEUR], [INTERTITRES, INTERTITRE], [DE_HEAD, DANS_HEAD]] as const) {
  for (const tag of ensemble) GENRES.set(tag, (GENRES.get(tag) ?? 0) | bit);
}

/**
 * The text of `parts[debut, fin)`, at most `max` characters counted with spaces collapsed (each part's collapsed as it
 * is read; a space where two parts meet is kept once), so that indented markup does not use up the budget. The parts
 * are kept as the page wrote them: only those a heading, a link or a context reads are collapsed one by one, and the
 * page's whole text is collapsed once, at the end.
 */
function lireParts(parts: readonly string[], debut: number, fin: number, max: number): string {
  let out = '';
  for (let i = debut; i < fin && out.length < max; i++) {
    const part = reduireEspaces(parts[i]!);
    out += out.endsWith(' ') && part.startsWith(' ') ? part.slice(1) : part;
  }
  return out.length > max ? out.slice(0, max) : out;
}

/** The same, read backwards from `fin`: the last `max` characters before it. */
function lirePartsAvant(parts: readonly string[], debut: number, fin: number, max: number): string {
  let out = '';
  for (let i = fin - 1; i >= debut && out.length < max; i--) {
    const part = reduireEspaces(parts[i]!);
    out = (part.endsWith(' ') && out.startsWith(' ') ? part.slice(0, -1) : part) + out;
  }
  return out.length > max ? out.slice(out.length - max) : out;
}

/** A link read; its flattened forms and its context are made only when a check asks for them. */
class LienLu implements Lien {
  /** The href as written until the page is read, then absolute (`absolu`, against the page's base). */
  href: string;
  texte = '';
  /** The holder's span in the page's text parts; -1 outside a holder. */
  debut = -1;
  fin = -1;
  private readonly parts: readonly string[];
  /** Where the link starts in the page's text parts. */
  private readonly position: number;
  private lu: string | null = null;
  private plat: string | null = null;
  private adresse: string | null = null;

  constructor(href: string, parts: readonly string[]) {
    this.href = href;
    this.parts = parts;
    this.position = parts.length;
  }

  get textePlat(): string {
    this.plat ??= aplatir(this.texte);
    return this.plat;
  }

  get adressePlate(): string {
    this.adresse ??= decodeAdresse(this.href).toLowerCase();
    return this.adresse;
  }

  get contexte(): string {
    // A window of the holder around the link: a long article or a paragraph of sixty acts is read near the link.
    this.lu ??= this.debut < 0 ? this.texte : espaces(lirePartsAvant(this.parts, this.debut, this.position, MAX_CONTEXTE) + lireParts(this.parts, this.position, this.fin, MAX_CONTEXTE));
    return this.lu;
  }
}

/** What an open element needs kept beyond its name and start: most elements need nothing (no object is made). */
interface Suivi {
  /** Links whose nearest container this is (containers only). */
  liens?: LienLu[];
  lien?: { lien: LienLu; titre: string };
  bouton?: ElementClasse;
  /** Its index in the headings (headings only). */
  intertitre?: number;
}

export function lirePage(page: PageRecue): PageLue {
  /**
   * The text read so far, in pieces (each piece non-empty, as the page wrote it): an element's text is the pieces
   * since it opened.
   */
  const parts: string[] = [];
  // `lireParts` gives its text collapsed already: only its ends are left to trim.
  const depuis = (debut: number, max: number) => lireParts(parts, debut, parts.length, max).trim();
  // The open elements, as three stacks of the same height: the name, the index in the text's parts where it starts,
  // and what it needs kept (or null).
  const pile: string[] = [];
  const debuts: number[] = [];
  const suivis: (Suivi | null)[] = [];
  /** Indices in `pile` of the open containers (tr, li, p, article). */
  const conteneurs: number[] = [];
  const liens: LienLu[] = [];
  const intertitres: string[] = [];
  const boutons: ElementClasse[] = [];
  let base: string | null = null;
  let viewport: string | null = null;
  let titre: string | null = null;
  let titreEnCours: string | null = null;
  let nonLus = 0;
  let dansHead = false;
  const pousser = (s: string) => {
    if (s && nonLus === 0 && !dansHead) parts.push(s);
  };

  const parser = new Parser(
    {
      onopentag(tag, attrs) {
        // Where the element starts: before the space a block puts before its text, as the budgets of its text count.
        const debut = parts.length;
        const genres = GENRES.get(tag) ?? 0;
        const classes = attrs.class;
        let suivi: Suivi | null = null;
        if (tag === 'head') dansHead = true;
        else if (dansHead && !(genres & DANS_HEAD)) dansHead = false;
        if (genres & NON_LU) nonLus++;
        else if (tag === 'title' && titre === null) titreEnCours = '';
        else if (tag === 'base' && base === null && attrs.href) base = attrs.href;
        else if (tag === 'meta' && viewport === null && attrs.name?.toLowerCase() === 'viewport') viewport = attrs.content ?? '';
        else if (tag === 'img') pousser(` ${attrs.alt ?? ''} `);
        if (genres & BLOC) pousser(' ');
        if ((tag === 'a' || tag === 'area') && attrs.href !== undefined && nonLus === 0 && liens.length < MAX_LIENS) {
          const lien = new LienLu(attrs.href, parts);
          liens.push(lien);
          suivi = { lien: { lien, titre: attrs.title || attrs['aria-label'] ? `${attrs.title ?? ''} ${attrs['aria-label'] ?? ''}` : '' } };
          const conteneur = conteneurs.at(-1);
          if (conteneur !== undefined) ((suivis[conteneur] ??= {}).liens ??= []).push(lien);
        }
        // An image is known by its alternative text inside a button or a link, not alone (a logo is no button).
        if (classes && tag !== 'img' && nonLus === 0 && boutons.length < MAX_BOUTONS && classes.includes('connect') && CLASSE_FRANCECONNECT.test(classes)) {
          const bouton = { texte: '' };
          (suivi ??= {}).bouton = bouton;
          boutons.push(bouton);
        }
        // A heading's place is taken when it opens: nested headings keep the document's order.
        if (genres & INTERTITRE && nonLus === 0 && intertitres.length < MAX_INTERTITRES) {
          (suivi ??= {}).intertitre = intertitres.length;
          intertitres.push('');
        }
        if (genres & CONTENEUR) conteneurs.push(pile.length);
        pile.push(tag);
        debuts.push(debut);
        suivis.push(suivi);
      },
      ontext(text) {
        // The title is the page's name, not its text (even where a head was closed early).
        if (titreEnCours !== null) titreEnCours += text;
        else pousser(text);
      },
      onclosetag(tag) {
        // htmlparser2 closes what it opened, implied closings included, in order: the top of the pile is `tag`.
        const haut = pile.length - 1;
        if (haut < 0 || pile[haut] !== tag) return;
        pile.pop();
        const debut = debuts.pop()!;
        const suivi = suivis.pop()!;
        const genres = GENRES.get(tag) ?? 0;
        if (genres & NON_LU) nonLus--;
        else if (tag === 'head') dansHead = false;
        else if (tag === 'title' && titreEnCours !== null) {
          titre = espaces(titreEnCours).slice(0, MAX_TEXTE);
          titreEnCours = null;
        }
        if (genres & BLOC) pousser(' ');
        if (genres & CONTENEUR) conteneurs.pop();
        if (suivi === null) return;
        if (suivi.intertitre !== undefined) intertitres[suivi.intertitre] = depuis(debut, MAX_TEXTE);
        if (suivi.lien) {
          const { lien, titre: attributs } = suivi.lien;
          const propre = lireParts(parts, debut, parts.length, MAX_TEXTE);
          lien.texte = attributs ? espaces(`${propre} ${attributs}`) : propre.trim();
        }
        if (suivi.bouton) suivi.bouton.texte = depuis(debut, MAX_TEXTE);
        for (const lien of suivi.liens ?? []) {
          lien.debut = debut;
          lien.fin = parts.length;
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(page.html);

  const racine = absolu(base, page.urlFinale) || page.urlFinale;
  let origine: string | null = null;
  try {
    if (/^https?:/.test(racine)) origine = new URL('/', racine).href.slice(0, -1);
  } catch {
    // An address `URL` cannot read: each link goes through `absolu`, which says '' as before.
  }
  for (const lien of liens) lien.href = absolu(lien.href, racine, origine);
  let texte: string | null = null;
  let textePlat: string | null = null;
  return {
    ...page,
    titre: titre ?? '',
    // Put together when a check asks (the home page's mention, a declaration's figures): most pages are only read for
    // their headings and links.
    get texte() {
      texte ??= espaces(parts.join(''));
      return texte;
    },
    get textePlat() {
      textePlat ??= plat(this.texte);
      return textePlat;
    },
    intertitres,
    liens,
    viewport,
    boutonsFranceConnect: boutons,
  };
}
