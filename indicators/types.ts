// The contract every indicator module fulfils.
import type { Warehouse } from '../pipelines/base/warehouse.ts';

import type { AxeDcant } from '../pipelines/referential/axes.ts';

export { AXES, type AxeDcant } from '../pipelines/referential/axes.ts';

/** How a figure is obtained: measured on every collectivité from a published source, or declared by survey respondents. */
export type NatureIndicateur = 'mesure' | 'declaration';

/** The words the pages write next to a figure (they travel in the exports). */
export const NATURES: Record<NatureIndicateur, string> = {
  mesure: 'mesuré sur toutes les collectivités',
  declaration: 'déclaré par les répondants',
};

export interface Level {
  /** Lower bound of the headline figure, inclusive: the rate (0–1), or the strate median for a `valeur` indicator. */
  min: number;
  label: string;
  /** Fill colour; chosen to stay distinct in greyscale (increasing darkness). */
  color: string;
}

export interface ComputeContext {
  /** Semesters to compute, oldest first. */
  periodes: string[];
  /** Tables of the warehouse (an indicator fed by several sources reads those that were loaded); absent: all of them. */
  tables?: ReadonlySet<string>;
}

/**
 * What a collectivité's value is when it says more than yes or no: a share (0–1, read as a percentage) or a
 * count, with its noun. It travels in `indicateurs.json`, so that the site words values without knowing ids.
 */
export interface ValeurIndicateur {
  forme: 'part' | 'nombre';
  /** What the value is, as a column title: « Part des adresses certifiées », « Marchés publiés ». */
  libelle: string;
  /** For a count: its noun and whether it is feminine (« aucune démarche », « aucun marché »). */
  unite?: { singulier: string; pluriel: string; feminin: boolean };
  /** Ends the sentence that gives a collectivité's value: « 12 marchés » + « notifiés dans le semestre ». */
  complement: string;
}

/**
 * The sentences that say a collectivité's yes/no value in words, `{nom}` standing for its name; they travel in
 * `indicateurs.json`, so that the pages word any yes/no indicator from its own definition. Without them, a page
 * writes « <label> : oui. ».
 */
export interface PhrasesIndicateur {
  /** « {nom} publie des données ouvertes. » */
  atteinte: string;
  /** « {nom} ne publie pas de données ouvertes (selon l'Observatoire open data des territoires). » */
  nonAtteinte: string;
  /**
   * For an indicator with a legal obligation, what follows the value on a commune's page: whether the commune is
   * under it (« Elle y est soumise par la loi. ») or not, and why (« Elle n’y est pas soumise (moins de 3 500 habitants). »).
   */
  obligation?: { obligee: string; nonObligee: string };
}

/**
 * A series that one source hands over to another: up to `jusqua` included (a semester), rows come from `source`;
 * the last segment has no `jusqua`. Rows carry their segment's source and the method version suffixed with it
 * (`2.0.0+odt`), so that the junction is a series break.
 */
export interface Relais {
  source: string;
  jusqua?: string;
}

/**
 * Where both sources of a relayed series measure the same semester: per collectivité, both answers, for the table
 * shown side by side (`raccords`). SQL columns: `periode, code, type_collectivite, obligee BOOLEAN,
 * atteinte_avant BOOLEAN, atteinte_apres BOOLEAN, date_avant VARCHAR, date_apres VARCHAR`; null when a source is missing.
 */
export interface Raccord {
  avant: string;
  apres: string;
  sql(ctx: ComputeContext): string | null;
}

export interface Indicator {
  id: string;
  label: string;
  /**
   * The short label the pages put in column headings and section titles (« Données ouvertes »); absent, the label.
   * Exported in `indicateurs.json` (always set there), so that the pages never keep a table of short labels.
   */
  labelCourt?: string;
  description: string;
  /**
   * `taux`: the headline is the share of collectivités that reach the objective.
   * `valeur`: the headline is the median of the collectivités' values in each strate (`valeur_mediane`), the
   * share reaching the objective (`taux`) coming second.
   */
  unit: 'taux' | 'valeur';
  /** Set when the per-collectivité value is a share or a count (its strate median is then computed and shown). */
  valeur?: ValeurIndicateur;
  /** For a yes/no indicator, the sentences that say a collectivité's value (see `PhrasesIndicateur`). */
  phrases?: PhrasesIndicateur;
  direction: 'hausse' | 'baisse';
  levels: Level[];
  axe: AxeDcant;
  /** `declaration` for a survey indicator; `mesure` when absent. */
  nature?: NatureIndicateur;
  /**
   * The nature in words when NATURES' would say too much: a measure made on part of the collectivités only
   * (« mesuré sur les sites visités »). Exported as `nature_libelle`.
   */
  natureLibelle?: string;
  /** Source ids from the source registry. */
  sources: string[];
  /** Sources that only extend the series back in time (national counts), with their own rows. */
  sourcesHistorique?: string[];
  /** Who is concerned, in words. */
  concernees: string;
  methodology: string;
  version: string;
  /** Periods of methodology versions, for broken series: the first semester computed with each version. */
  versions: { version: string; depuis: string; changement: string }[];
  /** Successive sources of the series (see `Relais`); absent for a series from one source. */
  relais?: Relais[];
  /** Both measures where the relayed series overlap (see `Raccord`). */
  raccord?: Raccord;
  /** The semesters for which the warehouse has data for this indicator. */
  periodes(w: Warehouse): Promise<string[]>;
  /**
   * SQL selecting one row per collectivité and semester, for `ctx.periodes`:
   * `periode, code, type_collectivite, concernee BOOLEAN, obligee BOOLEAN, atteinte BOOLEAN, valeur DOUBLE, date_donnees VARCHAR`.
   * It may read the warehouse tables, `ref_collectivites` and the table `periodes(periode, debut, fin)`.
   */
  sql(ctx: ComputeContext): string;
  /**
   * A warning the figures must carry, read from the warehouse at compute time (e.g. a match rate too low for the
   * rate to be more than a floor); null when there is none. Exported with the definition and shown on its page.
   */
  avertissement?(w: Warehouse): Promise<string | null>;
}
