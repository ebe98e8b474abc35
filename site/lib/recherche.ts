// Finding a collectivité by name, postal code or INSEE code. Pure functions, shared by the build
// (which writes the search index) and the browser script (which reads it): no Node import here.

export type TypeCode = 'c' | 'e' | 'd' | 'r';
export type TypeCollectivite = 'commune' | 'epci' | 'departement' | 'region';

/** One collectivité in the search index: [code, nom, type, département, codes postaux (space-separated), population, has a static page (1) or not (0)]. */
export type EntreeRecherche = [code: string, nom: string, type: TypeCode, departement: string, codesPostaux: string, population: number, page: 0 | 1];

/** One file of the search index: its entries and the names of the départements they mention. */
export interface FichierRecherche {
  departements: Record<string, string>;
  entrees: EntreeRecherche[];
}

export const TYPE_CODES: Record<TypeCollectivite, TypeCode> = { commune: 'c', epci: 'e', departement: 'd', region: 'r' };
export const TYPE_DE_CODE: Record<TypeCode, TypeCollectivite> = { c: 'commune', e: 'epci', d: 'departement', r: 'region' };

/** Communes of this population or more have a static page; the others are shown by the generic page. */
export const SEUIL_PAGE_COMMUNE = 3500;

const ARTICLES = new Set(['le', 'la', 'les', 'l']);

/**
 * Lower case, without accents, ligatures, apostrophes or hyphens, single spaces; "st"/"ste" as whole
 * words become "saint"/"sainte". "Saint-Étienne", "saint etienne" and "ST ETIENNE" all give "saint etienne".
 */
export function normaliser(text: string): string {
  return text
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .map((w) => (w === 'st' ? 'saint' : w === 'ste' ? 'sainte' : w))
    .join(' ');
}

/** The name without its leading article ("le mans" → "mans"), or null when it has none. */
export function sansArticle(normalise: string): string | null {
  const space = normalise.indexOf(' ');
  return space > 0 && ARTICLES.has(normalise.slice(0, space)) ? normalise.slice(space + 1) : null;
}

/**
 * The index file a query needs: the first letter of a name ("s" for "saint etienne"), or the first
 * two characters of a code ("35" for "35238" or "35000", "2a" for "2A004"); null while too short.
 */
export function cleDeRecherche(query: string): string | null {
  const q = normaliser(query).replace(/ /g, '');
  if (q.length === 0) return null;
  if (/^[0-9]/.test(q)) return q.length >= 2 ? q.slice(0, 2) : null;
  return q[0]!;
}

/** Every index file an entry belongs to: its name's first letter (and the one after a leading article), its code's and postal codes' first two characters. */
export function clesDeEntree(entree: EntreeRecherche): string[] {
  const [code, nom, , , codesPostaux] = entree;
  const n = normaliser(nom);
  const keys = new Set<string>();
  if (n) keys.add(n[0]!);
  const bare = sansArticle(n);
  if (bare) keys.add(bare[0]!);
  keys.add(code.slice(0, 2).toLowerCase());
  for (const cp of codesPostaux.split(' ').filter(Boolean)) keys.add(cp.slice(0, 2));
  return [...keys].sort();
}

export interface Resultat {
  entree: EntreeRecherche;
  score: number;
}

/** How well an entry matches a normalised query: 0 exact, 1 starts with, 2 starts with after the article, 3 a later word starts with; null if not at all. */
export function score(entree: EntreeRecherche, q: string, nomNormalise = normaliser(entree[1])): number | null {
  if (q.length === 0) return null;
  const compact = q.replace(/ /g, '');
  if (/^[0-9]/.test(compact)) {
    const code = entree[0].toLowerCase();
    const cps = entree[4].split(' ').filter(Boolean);
    if (code === compact || cps.includes(compact)) return 0;
    if (code.startsWith(compact) || cps.some((cp) => cp.startsWith(compact))) return 1;
    return null;
  }
  if (nomNormalise === q) return 0;
  if (nomNormalise.startsWith(q)) return 1;
  if (sansArticle(nomNormalise)?.startsWith(q)) return 2;
  if (nomNormalise.includes(` ${q}`)) return 3;
  return null;
}

/** Matching entries, best first (score, then larger population, then name), at most `limite`; `total` counts them all. */
export function rechercher(
  entrees: readonly EntreeRecherche[],
  query: string,
  { limite = 20, types, normalises }: { limite?: number; types?: readonly TypeCode[]; normalises?: readonly string[] } = {},
): { resultats: Resultat[]; total: number } {
  const q = normaliser(query);
  const found: Resultat[] = [];
  entrees.forEach((entree, i) => {
    if (types && !types.includes(entree[2])) return;
    const s = score(entree, q, normalises?.[i]);
    if (s !== null) found.push({ entree, score: s });
  });
  found.sort((a, b) => a.score - b.score || b.entree[5] - a.entree[5] || a.entree[1].localeCompare(b.entree[1], 'fr'));
  return { resultats: found.slice(0, limite), total: found.length };
}

/** The département of a commune, from its INSEE code ("35238" → "35", "2A004" → "2A", "97411" → "974"). */
export function departementDeCommune(code: string): string {
  return code.startsWith('97') ? code.slice(0, 3) : code.slice(0, 2);
}

/** Where a collectivité's page is: its own static page, or the generic commune page. */
export function urlTerritoire(type: TypeCollectivite, code: string, page: boolean): string {
  return page ? `/territoires/${type}/${code}/` : `/territoires/commune/?code=${encodeURIComponent(code)}`;
}

/** The small data file holding a collectivité's values: its département's file for a commune, one file for all EPCI, one for départements and régions. */
export function fichierDonnees(type: TypeCollectivite, code: string): string {
  if (type === 'commune') return `/territoires/donnees/${departementDeCommune(code)}.json`;
  if (type === 'epci') return '/territoires/donnees/epci.json';
  return '/territoires/donnees/france.json';
}

export function fichierRecherche(cle: string): string {
  return `/territoires/recherche/${cle}.json`;
}
