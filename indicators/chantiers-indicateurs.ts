// Which indicators measure each workstream: the `indicateurs` column of data/referentiels/chantiers.csv
// resolved against the registry, measured indicators first. An id the registry does not know fails loudly.
import { chantiers as defaultChantiers, type Chantier } from '../pipelines/referential/chantiers.ts';
import { prochainesEtapes as defaultEtapes, type ProchaineEtape } from '../pipelines/referential/prochaines-etapes.ts';
import { INDICATORS } from './index.ts';
import { AXES, NATURES, type Indicator, type NatureIndicateur } from './types.ts';

export interface ChantierMesure {
  chantier: Chantier;
  /** Measured indicators first, then the survey, each group in the file's order. */
  indicateurs: Indicator[];
}

export function natureOf(indicator: Pick<Indicator, 'nature'>): NatureIndicateur {
  return indicator.nature ?? 'mesure';
}

/**
 * What a collectivité's value is, for the comparisons a page may make: `continue` (a count, a share, a median: ranks
 * and percentiles mean something), `oui-non` (reached or not: only shares of the groups compare it), `categories`
 * (a survey's three answers: shares too).
 */
export type Echelle = 'continue' | 'oui-non' | 'categories';

export function echelleOf(indicator: Pick<Indicator, 'nature' | 'unit' | 'valeur'>): Echelle {
  if (natureOf(indicator) === 'declaration') return 'categories';
  return indicator.unit === 'valeur' || indicator.valeur ? 'continue' : 'oui-non';
}

/** The nature in words, as the pages write it: the indicator's own words when its nature needs them (NATURES otherwise). */
export function natureLibelle(indicator: Pick<Indicator, 'nature' | 'natureLibelle'>): string {
  return indicator.natureLibelle ?? NATURES[natureOf(indicator)];
}

/** The registry's indicators that an entry of the column names: one id, or every id of a family `prefix-*`. */
export function matching(entry: string, registry: readonly Indicator[]): Indicator[] {
  return entry.endsWith('-*') ? registry.filter((i) => i.id.startsWith(entry.slice(0, -1))) : registry.filter((i) => i.id === entry);
}

export function resolveChantiers(list: readonly Chantier[] = defaultChantiers(), registry: readonly Indicator[] = INDICATORS): { chantiers: ChantierMesure[] } {
  const inconnus: string[] = [];
  const chantiers = list.map((chantier) => {
    const found: Indicator[] = [];
    for (const entry of chantier.indicateurs) {
      const matches = matching(entry, registry);
      if (matches.length === 0) inconnus.push(`${entry} (chantier ${chantier.id})`);
      for (const m of matches) if (!found.includes(m)) found.push(m);
    }
    const indicateurs = [...found.filter((i) => natureOf(i) === 'mesure'), ...found.filter((i) => natureOf(i) === 'declaration')];
    // A principal named through a family (the loader checked the others against the column) must name one of its indicators.
    const principal = chantier.principal;
    const parFamille = principal !== null && chantier.indicateurs.some((x) => x.endsWith('-*') && principal.startsWith(x.slice(0, -1)));
    if (parFamille && !indicateurs.some((i) => i.id === principal)) inconnus.push(`${principal} (indicateur principal du chantier ${chantier.id})`);
    return { chantier, indicateurs };
  });
  if (inconnus.length > 0) {
    throw new Error(
      `data/referentiels/chantiers.csv, colonne indicateurs : ${inconnus.length > 1 ? 'indicateurs inconnus' : 'indicateur inconnu'} du registre : ${inconnus.join(', ')}. ` +
        `Attendu : un identifiant de indicators/index.ts (${registry.map((i) => i.id).join(', ')}) ou une famille « prefixe-* » qui en désigne au moins un.`,
    );
  }
  return { chantiers };
}

/** The indicator a workstream's scorecard row shows: the one marked `principal`, else its first (measured first). */
export function principalOf(c: ChantierMesure): string | null {
  return c.chantier.principal ?? c.indicateurs[0]?.id ?? null;
}

/**
 * Each indicator's next step (data/referentiels/prochaines-etapes.csv), resolved against the registry: a row names one
 * id or a family `prefix-*`; an id's own row wins over its family's. An entry that names no indicator fails loudly.
 */
export function resolveProchainesEtapes(list: readonly ProchaineEtape[] = defaultEtapes(), registry: readonly Indicator[] = INDICATORS): Map<string, Omit<ProchaineEtape, 'indicateur'>> {
  const out = new Map<string, Omit<ProchaineEtape, 'indicateur'>>();
  const inconnus = list.filter((e) => matching(e.indicateur, registry).length === 0).map((e) => e.indicateur);
  if (inconnus.length > 0) {
    throw new Error(
      `data/referentiels/prochaines-etapes.csv, colonne indicateur : ${inconnus.length > 1 ? 'indicateurs inconnus' : 'indicateur inconnu'} du registre : ${inconnus.join(', ')}. ` +
        'Attendu : un identifiant de indicators/index.ts ou une famille « prefixe-* » qui en désigne au moins un.',
    );
  }
  for (const family of [true, false]) {
    for (const { indicateur, ...etape } of list.filter((e) => e.indicateur.endsWith('-*') === family)) for (const i of matching(indicateur, registry)) out.set(i.id, etape);
  }
  return out;
}

/** One row per workstream and indicator (a workstream whose indicators are all still to come has one row without indicator). */
export function chantierRows(chantiers: readonly ChantierMesure[]): Record<string, unknown>[] {
  return chantiers.flatMap(({ chantier: c, indicateurs }): Record<string, unknown>[] => {
    const base = { chantier: c.id, chantier_libelle: c.libelle, axe: c.axe, axe_libelle: AXES[c.axe], reference: c.reference, obligation_depuis: c.obligation_depuis };
    if (indicateurs.length === 0) return [{ ...base, rang: null, indicateur: null, indicateur_libelle: null, nature: null, nature_libelle: null, principal: null }];
    const principal = principalOf({ chantier: c, indicateurs });
    return indicateurs.map((i, n) => ({ ...base, rang: n + 1, indicateur: i.id, indicateur_libelle: i.label, nature: natureOf(i), nature_libelle: natureLibelle(i), principal: i.id === principal }));
  });
}
