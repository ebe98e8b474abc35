import { instantaneSql, periodesInstantanes } from './instantanes.ts';
import { CONCERNEES_PRESENCE, METHODE_DPNT, NIVEAUX_PRESENCE } from './presence-numerique.ts';
import type { Indicator } from './types.ts';

export const messagerieDomainePropre: Indicator = {
  id: 'messagerie-domaine-propre',
  label: 'Collectivités dont la messagerie officielle est sur leur propre nom de domaine',
  description:
    "Part des collectivités dont l'adresse de messagerie officielle (déclarée sur Service-Public.fr) n'est pas chez un fournisseur générique (wanadoo.fr, orange.fr, gmail.com…), selon les Données de la Présence Numérique des Territoires de l'ANCT (critère 2.2 du RPNT).",
  unit: 'taux',
  direction: 'hausse',
  levels: NIVEAUX_PRESENCE,
  axe: 'socle-commun',
  sources: ['presence-numerique'],
  concernees: CONCERNEES_PRESENCE,
  methodology: [
    ...METHODE_DPNT,
    `Une collectivité atteint l'objectif lorsqu'une adresse de messagerie est déclarée et que son domaine (la partie après « @ ») n'est pas dans la liste des domaines génériques du producteur (GENERIC_EMAIL_DOMAINS de son code, transcrite dans data/referentiels/domaines-messagerie-generiques.csv : fournisseurs d'accès et de messagerie grand public, et quelques domaines distribués en commun à des communes). C'est la règle du critère 2.2 du RPNT (« l'adresse de messagerie ne doit pas utiliser un nom de domaine générique »), que le producteur signale par le code EMAIL_DOMAIN_GENERIC. Un domaine qui n'est pas dans la liste compte comme propre, même s'il n'est pas celui du site (c'est le critère 2.3, voir rpnt-conformite) ; un fournisseur générique absent de la liste passerait donc pour un domaine propre. Valeur : 1 ou 0.`,
    "Cet indicateur relève de la sensibilisation des collectivités à la cybersécurité (action C6 de la feuille de route 2020) : une adresse sur un domaine propre permet d'authentifier les messages (SPF, DMARC) et d'éviter l'usurpation.",
  ].join('\n\n'),
  version: '1.0.0',
  versions: [{ version: '1.0.0', depuis: '2025-S2', changement: 'Première version.' }],
  periodes: (w) => periodesInstantanes(w, 'presence_numerique'),
  sql: () =>
    instantaneSql(
      'presence_numerique',
      `SELECT date_donnees, categorie AS type_collectivite, code,
              bool_or(adresse_messagerie IS NOT NULL AND NOT domaine_generique) AS atteinte,
              CASE WHEN bool_or(adresse_messagerie IS NOT NULL AND NOT domaine_generique) THEN 1.0 ELSE 0.0 END AS valeur
       FROM presence_numerique WHERE code IS NOT NULL GROUP BY ALL`,
    ),
};
