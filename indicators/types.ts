// The contract every indicator module fulfils.
import type { Warehouse } from '../pipelines/warehouse.ts';

export type AxeDcant = 'gouvernance-partagee' | 'socle-commun' | 'approche-globale-donnee' | 'passage-echelle';

export const AXES: Record<AxeDcant, string> = {
  'gouvernance-partagee': 'Gouvernance partagée',
  'socle-commun': 'Socle commun',
  'approche-globale-donnee': 'Approche globale de la donnée',
  'passage-echelle': "Passage à l'échelle",
};

export interface Level {
  /** Lower bound of the rate, inclusive (0–1). */
  min: number;
  label: string;
  /** Fill colour; chosen to stay distinct in greyscale (increasing darkness). */
  color: string;
}

export interface ComputeContext {
  /** Semesters to compute, oldest first. */
  periodes: string[];
}

export interface Indicator {
  id: string;
  label: string;
  description: string;
  /** `taux` for a share of collectivités. */
  unit: 'taux';
  direction: 'hausse' | 'baisse';
  levels: Level[];
  axe: AxeDcant;
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
