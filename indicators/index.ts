// The registry: the only list of indicators.
import { ouvertureDonnees } from './ouverture-donnees.ts';
import type { Indicator } from './types.ts';

export const INDICATORS: readonly Indicator[] = [ouvertureDonnees];

export function indicatorById(id: string): Indicator {
  const indicator = INDICATORS.find((i) => i.id === id);
  if (!indicator) throw new Error(`Indicateur inconnu « ${id} ». Indicateurs : ${INDICATORS.map((i) => i.id).join(', ')}.`);
  return indicator;
}
