// The registry: the only list of indicators.
import { adressesBal } from './adresses-bal.ts';
import { adressesCertifiees } from './adresses-certifiees.ts';
import { CHANTIER_INDICATORS } from './chantiers.ts';
import { demarchesEnLigneDs } from './demarches-en-ligne-ds.ts';
import { marchesDonneesEssentielles } from './marches-donnees-essentielles.ts';
import { ouvertureDonnees } from './ouverture-donnees.ts';
import { PRESENCE_INDICATORS } from './presence-numerique.ts';
import { SERVICE_INDICATORS, servicesPartages } from './services-anct.ts';
import { WEB_INDICATORS } from './sites-web.ts';
import type { Indicator } from './types.ts';

export const INDICATORS: readonly Indicator[] = [
  ouvertureDonnees,
  demarchesEnLigneDs,
  adressesBal,
  adressesCertifiees,
  marchesDonneesEssentielles,
  servicesPartages,
  ...SERVICE_INDICATORS,
  ...PRESENCE_INDICATORS,
  ...WEB_INDICATORS,
  ...CHANTIER_INDICATORS,
];

export function indicatorById(id: string): Indicator {
  const indicator = INDICATORS.find((i) => i.id === id);
  if (!indicator) throw new Error(`Indicateur inconnu « ${id} ». Indicateurs : ${INDICATORS.map((i) => i.id).join(', ')}.`);
  return indicator;
}
