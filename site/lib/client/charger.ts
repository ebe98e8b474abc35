// Browser side: fetching the small JSON files of the Territoires section, each at most once per page.
import { type FichierRecherche, cleDeRecherche, fichierRecherche, normaliser } from '../recherche.ts';
import type { FichierDonnees } from '../territoires-texte.ts';

const fichiers = new Map<string, Promise<unknown>>();

export function chargerJson<T>(url: string): Promise<T> {
  let p = fichiers.get(url);
  if (!p) {
    p = fetch(url).then((r) => {
      if (!r.ok) throw new Error(`${url} : ${r.status}`);
      return r.json();
    });
    // A failed request may be retried later (e.g. after a network hiccup).
    p.catch(() => fichiers.delete(url));
    fichiers.set(url, p);
  }
  return p as Promise<T>;
}

export interface IndexCharge extends FichierRecherche {
  normalises: string[];
}

const index = new Map<string, Promise<IndexCharge | null>>();

/** The search index file for a query (null when the query is too short or no file exists for it), with normalised names computed once. */
export function chargerIndex(query: string): Promise<IndexCharge | null> {
  const cle = cleDeRecherche(query);
  if (cle === null || !/^[a-z0-9]{1,2}$/.test(cle)) return Promise.resolve(null);
  let p = index.get(cle);
  if (!p) {
    p = fetch(fichierRecherche(cle)).then(async (r) => {
      // No file: no collectivité begins so.
      if (r.status === 404) return null;
      if (!r.ok) throw new Error(`${fichierRecherche(cle)} : ${r.status}`);
      const f = (await r.json()) as FichierRecherche;
      return { ...f, normalises: f.entrees.map((e) => normaliser(e[1])) };
    });
    p.catch(() => index.delete(cle));
    index.set(cle, p);
  }
  return p;
}

export function chargerDonnees(url: string): Promise<FichierDonnees> {
  return chargerJson<FichierDonnees>(url);
}

/** Waits for a pause in typing. */
export function differer<A extends unknown[]>(fn: (...args: A) => void, ms = 200): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Creates an element with text (never HTML from data). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}
