// The site can be built by two Astro processes side by side, one per core (commands/build.ts): `BAROMETRE_PARTIE`
// says which pages this one builds. « territoires »: the pages of the EPCI and communes (4 510 at full scale, more
// than half of the build) and the search index; « generale »: every other page. Unset, one process builds every page.
// A route's paths of the other part are not even computed. (The charts' images stay in « generale »: they are drawn on
// worker threads, already on both cores (site/lib/png-workers.ts); shared between the parts, they took as long.)
import { SEUIL_PAGE_COMMUNE, urlTerritoire, type TypeCollectivite } from './recherche.ts';

export type Partie = 'generale' | 'territoires';

export function partieConstruite(env: NodeJS.ProcessEnv = process.env): Partie | 'toutes' {
  const p = env.BAROMETRE_PARTIE;
  if (p === undefined || p === '') return 'toutes';
  if (p === 'generale' || p === 'territoires') return p;
  throw new Error(`BAROMETRE_PARTIE vaut « ${p} » : « generale », « territoires » ou rien (tout le site).`);
}

/** The part that builds the pages of a type of collectivité. */
export function partieDe(type: TypeCollectivite): Partie {
  return type === 'epci' || type === 'commune' ? 'territoires' : 'generale';
}

/**
 * `BAROMETRE_PAGES`, for development and tests: the only pages of the dynamic routes to build, as a comma-separated
 * list of addresses; an address that ends with « / » (other than the home page) also stands for every file under
 * it. Unset: every page. The static pages (home, methodology…) are always built.
 */
export function pagesDemandees(env: NodeJS.ProcessEnv = process.env): string[] | null {
  const v = env.BAROMETRE_PAGES?.trim();
  if (!v) return null;
  const pages = v.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const wrong = pages.filter((p) => !p.startsWith('/'));
  if (wrong.length > 0) throw new Error(`BAROMETRE_PAGES : « ${wrong.join(' », « ')} » n'est pas une adresse du site (elle commence par « / », par exemple /indicateurs/).`);
  return pages;
}

/** Whether the page at `url` is one of `pages` (see `pagesDemandees`). */
export function pageDemandee(url: string, pages: readonly string[]): boolean {
  return pages.some((p) => url === p || (p !== '/' && p.endsWith('/') && url.startsWith(p)));
}

/** The address of a path of a dynamic route: `/embed/[id]/` with `{ id: 'x' }` is `/embed/x/`. */
export function adresse(route: string, params: Record<string, string | undefined>): string {
  return route.replace(/\[(\w+)\]/g, (_, name: string) => params[name] ?? '');
}

/**
 * The paths of a dynamic route (`route`: its address pattern, `/indicateurs/[id]/`) of `partie`: all of them when this
 * process builds that part (less those `BAROMETRE_PAGES` leaves out), none otherwise.
 */
export function chemins<T extends { params: Record<string, string | undefined> }>(partie: Partie, route: string, paths: () => T[]): T[] {
  const built = partieConstruite();
  if (built !== 'toutes' && built !== partie) return [];
  const pages = pagesDemandees();
  const all = paths();
  return pages === null ? all : all.filter((p) => pageDemandee(adresse(route, p.params), pages));
}

interface AvecPage {
  type_collectivite: TypeCollectivite;
  code: string;
  population: number | null;
}

/** A collectivité has a page of its own unless it is a commune under the threshold. */
export function aUnePage(t: AvecPage): boolean {
  return t.type_collectivite !== 'commune' || (t.population ?? 0) >= SEUIL_PAGE_COMMUNE;
}

/**
 * The collectivités with a page, régions first, then départements, EPCI and communes (`max`: the first `max` EPCI and
 * communes only, in development).
 */
export function avecPage<T extends AvecPage>(territoires: readonly T[], max?: number): T[] {
  const order: TypeCollectivite[] = ['region', 'departement', 'epci', 'commune'];
  return order.flatMap((type) => {
    const list = territoires.filter((t) => t.type_collectivite === type && aUnePage(t));
    return max !== undefined && (type === 'commune' || type === 'epci') ? list.slice(0, max) : list;
  });
}

/** The addresses of the pages the territories part builds, for the sitemap the other part writes. */
export function adressesTerritoires(territoires: readonly AvecPage[], max?: number): string[] {
  return avecPage(territoires, max)
    .filter((t) => partieDe(t.type_collectivite) === 'territoires')
    .map((t) => urlTerritoire(t.type_collectivite, t.code, true));
}
