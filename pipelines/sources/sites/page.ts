// A fetched page, read once into what the checks look at: its text (images' alternative text included), its
// headings, its links with their text, its viewport. The checks (controles.ts) judge a `PageLue`; they never fetch.
import { parseHTML } from 'linkedom';

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
  /** Class names of the link and of its ancestors up to three levels (FranceConnect buttons are known by class). */
  classes: string;
}

export interface PageLue extends PageRecue {
  titre: string;
  /** The visible text with images' alternative text in place, spaces (non-breaking ones too) collapsed. */
  texte: string;
  /** h1 to h6, in order, spaces collapsed. */
  intertitres: string[];
  liens: Lien[];
  /** Content of `<meta name="viewport">`, or null. */
  viewport: string | null;
  /** Elements a detector may query (buttons and the like). */
  document: Document;
}

/** Collapses every kind of space (non-breaking ones, line breaks) into one ordinary space. */
export const espaces = (s: string) => s.replace(/[\s\u00a0\u202f\u2007]+/gu, ' ').trim();

/** Lower case, without accents, spaces collapsed: the form that wording is compared in. */
export const plat = (s: string) => espaces(s).normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** Most links a page is read for: a page of 20 000 links costs the same as one of this many. */
export const MAX_LIENS = 2_000;

/** `href` made absolute against `base`; '' unless it is an http(s) or mailto address. */
export function absolu(href: string | null, base: string): string {
  if (!href) return '';
  try {
    const url = new URL(href.trim(), base);
    return ['http:', 'https:', 'mailto:'].includes(url.protocol) ? url.href : '';
  } catch {
    return '';
  }
}

function classesAutour(el: Element): string {
  const out: string[] = [];
  let node: Element | null = el;
  for (let i = 0; node && i < 4; i++, node = node.parentElement) out.push(node.getAttribute('class') ?? '');
  return espaces(out.join(' '));
}

export function lirePage(page: PageRecue): PageLue {
  const { document } = parseHTML(page.html);
  const base = absolu(document.querySelector('base[href]')?.getAttribute('href') ?? null, page.urlFinale) || page.urlFinale;
  const liens: Lien[] = [];
  for (const a of document.querySelectorAll('a[href], area[href]')) {
    if (liens.length >= MAX_LIENS) break;
    const alts = [...a.querySelectorAll('img[alt]')].map((img) => img.getAttribute('alt') ?? '');
    const texte = espaces([a.textContent ?? '', ...alts, a.getAttribute('title') ?? '', a.getAttribute('aria-label') ?? ''].join(' '));
    liens.push({ href: absolu(a.getAttribute('href'), base), texte, classes: classesAutour(a) });
  }
  const viewport = document.querySelector('meta[name="viewport" i]')?.getAttribute('content') ?? null;
  const titre = espaces(document.querySelector('title')?.textContent ?? '');
  const intertitres = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => espaces(h.textContent ?? ''));
  // The text a person reads: images replaced by their alternative text, scripts and styles left out.
  const body = document.body ?? document.documentElement;
  const parts: string[] = [];
  const walk = (node: Node, depth: number) => {
    if (depth > 400) return; // a pathological nesting is read to this depth only
    if (node.nodeType === 3) parts.push(node.textContent ?? '');
    else if (node.nodeType === 1) {
      const el = node as Element;
      const tag = el.tagName.toLowerCase();
      if (tag === 'script' || tag === 'style' || tag === 'template' || tag === 'noscript') return;
      if (tag === 'img') parts.push(` ${el.getAttribute('alt') ?? ''} `);
      else {
        const block = /^(p|div|li|td|th|tr|br|h[1-6]|section|footer|header|nav|ul|ol|table|article|aside|main)$/.test(tag);
        if (block) parts.push(' ');
        for (const child of el.childNodes) walk(child, depth + 1);
        if (block) parts.push(' ');
      }
    }
  };
  if (body) walk(body, 0);
  return { ...page, titre, texte: espaces(parts.join('')), intertitres, liens, viewport, document: document as unknown as Document };
}
