import { instantaneSql, periodesInstantanes } from './instantanes.ts';
import { CONCERNEES_PRESENCE, METHODE_DPNT, NIVEAUX_PRESENCE } from './presence-numerique.ts';
import type { Indicator } from './types.ts';

export const rpntConformite: Indicator = {
  id: 'rpnt-conformite',
  label: 'Collectivités conformes au niveau A du Référentiel de la Présence Numérique des Territoires',
  description:
    "Part des collectivités qui atteignent le niveau A du Référentiel de la Présence Numérique des Territoires (RPNT) de l'ANCT : site internet et messagerie officiels déclarés, sur un nom de domaine souverain et commun, site joignable en HTTPS, messagerie configurée (MX, SPF).",
  unit: 'taux',
  direction: 'hausse',
  levels: NIVEAUX_PRESENCE,
  axe: 'socle-commun',
  sources: ['presence-numerique'],
  concernees: CONCERNEES_PRESENCE,
  methodology: [
    ...METHODE_DPNT,
    "Le RPNT (version 0.1 du 10 avril 2025) a deux parties : le site internet (critères 1.1 à 1.8) et la messagerie (2.1 à 2.8). Le producteur vérifie chaque jour les critères, à partir des déclarations sur Service-Public.fr et de tests (site joignable, HTTPS, certificat, redirections, enregistrements DNS MX, SPF, DMARC), et publie dans la colonne rpnt les critères atteints et les groupes complets : « 1.a », « 2.a », « a » (niveau A) et « 1.aa », « 2.aa », « aa » (niveau AA).",
    "Une collectivité atteint l'objectif lorsque sa liste rpnt contient « a » : elle atteint tous les critères que le producteur met dans le niveau A (dans son code actuel : 1.1 à 1.5, site déclaré, extension souveraine, joignable, en HTTPS avec un certificat valide ; 2.1 à 2.5 et 2.8, messagerie déclarée, domaine non générique et identique à celui du site, enregistrements MX et SPF, serveurs de messagerie dans l'Union européenne). Le baromètre reprend ce jugement tel quel, sans refaire les tests : si le producteur change la composition du niveau A, la série change avec lui (la version du RPNT est rappelée ici). Valeur : 1 ou 0 ; le nombre de critères atteints est gardé dans l'entrepôt (presence_numerique.rpnt_criteres).",
    "Cet indicateur suit la présence numérique de confiance des collectivités et la sensibilisation à la cybersécurité (action C6 de la feuille de route 2020).",
  ].join('\n\n'),
  version: '1.0.0',
  versions: [{ version: '1.0.0', depuis: '2025-S2', changement: 'Première version.' }],
  periodes: (w) => periodesInstantanes(w, 'presence_numerique'),
  sql: () =>
    instantaneSql(
      'presence_numerique',
      `SELECT date_donnees, categorie AS type_collectivite, code, bool_or(rpnt_niveau_a) AS atteinte,
              CASE WHEN bool_or(rpnt_niveau_a) THEN 1.0 ELSE 0.0 END AS valeur
       FROM presence_numerique WHERE code IS NOT NULL GROUP BY ALL`,
    ),
};
