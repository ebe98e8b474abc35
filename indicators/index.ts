// The registry: the only list of indicators.
import { CHANTIER_INDICATORS } from './chantiers.ts';
import { demarchesEnLigneDs } from './demarches-en-ligne-ds.ts';
import { messagerieDomainePropre } from './messagerie-domaine-propre.ts';
import { ouvertureDonnees } from './ouverture-donnees.ts';
import { rpntConformite } from './rpnt-conformite.ts';
import { SERVICE_INDICATORS } from './services-anct.ts';
import { servicesPartages } from './services-partages.ts';
import { siteInternet } from './site-internet.ts';
import type { Indicator } from './types.ts';

export const INDICATORS: readonly Indicator[] = [
  ouvertureDonnees,
  demarchesEnLigneDs,
  servicesPartages,
  ...SERVICE_INDICATORS,
  siteInternet,
  messagerieDomainePropre,
  rpntConformite,
  ...CHANTIER_INDICATORS,
];

export function indicatorById(id: string): Indicator {
  const indicator = INDICATORS.find((i) => i.id === id);
  if (!indicator) throw new Error(`Indicateur inconnu « ${id} ». Indicateurs : ${INDICATORS.map((i) => i.id).join(', ')}.`);
  return indicator;
}
