// The site can be built by two Astro processes side by side, one per core (commands/build.ts): `BAROMETRE_PARTIE`
// says which pages this one builds. « territoires »: the pages of the EPCI and communes (4 510 at full scale, more
// than half of the build) and the search index; « generale »: every other page. Unset, one process builds every page.
// A route's paths of the other part are not even computed.
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

/** The paths of a dynamic route of `partie`: all of them when this process builds that part, none otherwise. */
export function chemins<T>(partie: Partie, paths: () => T[]): T[] {
  const built = partieConstruite();
  return built === 'toutes' || built === partie ? paths() : [];
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
