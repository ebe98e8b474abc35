// The registry: the only list of indicators.
import { CHANTIER_INDICATORS } from './chantiers.ts';
import { demarchesEnLigneDs } from './demarches-en-ligne-ds.ts';
import { ouvertureDonnees } from './ouverture-donnees.ts';
import type { Indicator } from './types.ts';

export const INDICATORS: readonly Indicator[] = [ouvertureDonnees, demarchesEnLigneDs, ...CHANTIER_INDICATORS];

export function indicatorById(id: string): Indicator {
  const indicator = INDICATORS.find((i) => i.id === id);
  if (!indicator) throw new Error(`Indicateur inconnu « ${id} ». Indicateurs : ${INDICATORS.map((i) => i.id).join(', ')}.`);
  return indicator;
}
