import { instantaneSql, periodesInstantanes } from './instantanes.ts';
import { CONCERNEES_PRESENCE, METHODE_DPNT, NIVEAUX_PRESENCE } from './presence-numerique.ts';
import type { Indicator } from './types.ts';

export const siteInternet: Indicator = {
  id: 'site-internet',
  label: 'Collectivités déclarant un site internet officiel',
  description:
    "Part des collectivités dont un site internet officiel est déclaré dans l'Annuaire de l'administration (Service-Public.fr), selon les Données de la Présence Numérique des Territoires de l'ANCT (critère 1.1 du RPNT).",
  unit: 'taux',
  direction: 'hausse',
  levels: NIVEAUX_PRESENCE,
  axe: 'socle-commun',
  sources: ['presence-numerique'],
  concernees: CONCERNEES_PRESENCE,
  methodology: [
    ...METHODE_DPNT,
    "Une collectivité atteint l'objectif lorsque la colonne site_internet du fichier est renseignée : un site est déclaré et son adresse est bien formée (le producteur ne publie pas une adresse mal formée). Le site n'est pas visité par le baromètre : qu'il réponde, qu'il soit en HTTPS, relève des critères 1.3 à 1.8 du RPNT (voir rpnt-conformite). Valeur : 1 ou 0.",
  ].join('\n\n'),
  version: '1.0.0',
  versions: [{ version: '1.0.0', depuis: '2025-S2', changement: 'Première version.' }],
  periodes: (w) => periodesInstantanes(w, 'presence_numerique'),
  sql: () =>
    instantaneSql(
      'presence_numerique',
      `SELECT date_donnees, categorie AS type_collectivite, code, bool_or(site_internet IS NOT NULL) AS atteinte,
              CASE WHEN bool_or(site_internet IS NOT NULL) THEN 1.0 ELSE 0.0 END AS valeur
       FROM presence_numerique WHERE code IS NOT NULL GROUP BY ALL`,
    ),
};
