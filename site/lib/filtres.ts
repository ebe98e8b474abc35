// The barometer's filters as URL parameters (?type=epci&indicateur=ouverture-donnees), read and written the same way
// by the page's small script; the semester is the page itself (/barometre/ or /barometre/AAAA-Sn/).

export interface Filtres {
  type: string;
  indicateur: string;
}

/** Reads the filters from a query string; unknown values fall back to "all" (an empty string). */
export function readFiltres(search: string, known: { types: readonly string[]; indicateurs: readonly string[] }): Filtres {
  const params = new URLSearchParams(search);
  const type = params.get('type') ?? '';
  const indicateur = params.get('indicateur') ?? '';
  return { type: known.types.includes(type) ? type : '', indicateur: known.indicateurs.includes(indicateur) ? indicateur : '' };
}

/** The query string of a set of filters, without the empty ones ("" when nothing is filtered). */
export function writeFiltres(filtres: Filtres): string {
  const params = new URLSearchParams();
  if (filtres.type) params.set('type', filtres.type);
  if (filtres.indicateur) params.set('indicateur', filtres.indicateur);
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** The page of a semester ("" for the latest data), keeping the other filters. */
export function barometreHref(periode: string, filtres: Filtres): string {
  return `/barometre/${periode ? `${periode}/` : ''}${writeFiltres(filtres)}`;
}
