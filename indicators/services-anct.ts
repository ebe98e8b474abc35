// The indicators read from the deployment file of the Incubateur des territoires (source `anct-services`): one for
// the use of any of its services (`services-partages`), and one per family of services of
// data/referentiels/services-anct.csv that has its own indicator (ids `service-<famille>`): adding a service to the
// catalogue is adding a row, not writing code.
import { famillesAvecIndicateur, type FamilleServices } from '../pipelines/referential/services-anct.ts';
import { HISTORIQUE_QUOTIDIEN, instantaneSql, periodesInstantanes } from './instantanes.ts';
import type { Indicator, Level } from './types.ts';

// Purples of increasing darkness: distinct in greyscale and from the other indicators' palettes.
export const NIVEAUX_SERVICES: Level[] = [
  { min: 0, label: 'Marginal (moins de 5 %)', color: '#ece6f3' },
  { min: 0.05, label: 'Émergent (5 à 20 %)', color: '#b39bcf' },
  { min: 0.2, label: 'Répandu (20 à 50 %)', color: '#6f4a9b' },
  { min: 0.5, label: 'Majoritaire (50 % ou plus)', color: '#2e1748' },
];

/** What the deployment file says and cannot say, shared by every indicator read from it. */
export const METHODE_DEPLOIEMENT = [
  "Source : le fichier quotidien « deploiement-quotidien.csv.gz » du jeu « Déploiement des services de l'Incubateur des territoires » (ANCT), publié sur data.gouv.fr. Il compte une ligne par organisation et par service dont elle a au moins un utilisateur, avec la colonne « active » qui vaut 1 lorsque le service a eu des utilisateurs actifs dans l'année, selon les métriques de l'ANCT.",
  "Chaque ligne est rapprochée du référentiel par le SIREN (les 9 premiers chiffres de son SIRET) : communes et EPCI par leur SIREN ou la table de correspondances, départements et régions par data/referentiels/siren-departements-regions.csv ; une commune dont le SIREN est inconnu l'est ensuite par son code INSEE (l'ancien code d'une commune fusionnée mène à la commune d'aujourd'hui). Les autres organisations (syndicats, opérateurs…) et les lignes illisibles sont rejetées avec leur motif (rejets.csv).",
  "Le service d'une ligne est rapproché de data/referentiels/services-anct.csv, tiré de la liste des services publiée par le même producteur (services-quotidien.csv) ; une famille de services (les fournisseurs d'identité ProConnect, les outils de la Suite territoriale) compte pour un service.",
  HISTORIQUE_QUOTIDIEN,
  "Limites : le fichier ne voit que les services dont l'ANCT mesure l'usage ; une collectivité qui utilise un service par l'intermédiaire d'un opérateur public de services numériques (OPSN) ou d'un EPCI peut ne pas y figurer à son nom. Une collectivité absente du fichier est comptée comme n'utilisant aucun service.",
];

export const servicesPartages: Indicator = {
  id: 'services-partages',
  label: "Collectivités utilisant un service partagé de l'Incubateur des territoires",
  description:
    "Part des collectivités qui utilisent activement au moins un des services partagés État – collectivités de l'Incubateur des territoires (ANCT) : ProConnect, Mes Adresses, RDV Service Public, Mes Services Cyber, la Suite territoriale… La valeur de chaque collectivité est son nombre de services actifs.",
  unit: 'taux',
  direction: 'hausse',
  levels: NIVEAUX_SERVICES,
  axe: 'socle-commun',
  sources: ['anct-services'],
  concernees: "Toutes les collectivités (communes, EPCI à fiscalité propre, départements, régions). Aucune obligation légale : l'usage de ces services est un choix de la collectivité.",
  methodology: [
    ...METHODE_DEPLOIEMENT,
    "Une collectivité atteint l'objectif lorsqu'au moins un service lui est rattaché avec « active » à 1 ; sa valeur est son nombre de familles de services actives (un service absent de la liste compte pour lui-même). Le dénominateur est l'ensemble des collectivités de la strate au référentiel. Cet indicateur suit les actions B1, B2 (déployer le catalogue de solutions partagées et suivre leur mise à disposition) et D4 (les promouvoir) de la feuille de route 2020 du programme DCANT.",
  ].join('\n\n'),
  version: '1.0.0',
  versions: [{ version: '1.0.0', depuis: '2025-S2', changement: 'Première version.' }],
  periodes: (w) => periodesInstantanes(w, 'anct_services'),
  sql: () =>
    instantaneSql(
      'anct_services',
      `SELECT date_donnees, categorie AS type_collectivite, code, bool_or(active) AS atteinte,
              count(DISTINCT coalesce(famille, 'service-' || service)) FILTER (WHERE active)::DOUBLE AS valeur
       FROM anct_services WHERE code IS NOT NULL GROUP BY ALL`,
    ),
};

function instances(f: FamilleServices): string {
  const noms = f.services.map((s) => (s.nom_instance ? `${s.nom} (${s.nom_instance}, n° ${s.id})` : `${s.nom} (n° ${s.id})`));
  return noms.join(', ');
}

export function serviceIndicator(f: FamilleServices): Indicator {
  return {
    id: `service-${f.famille}`,
    label: `Collectivités utilisant ${f.libelle}`,
    description: `Part des collectivités qui utilisent activement ${f.libelle}, un service partagé État – collectivités de l'Incubateur des territoires (ANCT), selon le fichier de déploiement quotidien du producteur.`,
    unit: 'taux',
    direction: 'hausse',
    levels: NIVEAUX_SERVICES,
    axe: f.axe,
    sources: ['anct-services'],
    concernees: "Toutes les collectivités (communes, EPCI à fiscalité propre, départements, régions). Aucune obligation légale : l'usage du service est un choix de la collectivité.",
    methodology: [
      ...METHODE_DEPLOIEMENT,
      `Le service suivi ici regroupe les services de la liste du producteur : ${instances(f)}. Une collectivité atteint l'objectif lorsqu'au moins l'un d'eux lui est rattaché avec « active » à 1 (valeur 1, sinon 0). Le dénominateur est l'ensemble des collectivités de la strate au référentiel.`,
    ].join('\n\n'),
    version: '1.0.0',
    versions: [{ version: '1.0.0', depuis: '2025-S2', changement: 'Première version.' }],
    periodes: (w) => periodesInstantanes(w, 'anct_services'),
    // f.famille is restricted to [a-z0-9-] by the referential's loader, so it is safe inside the SQL text.
    sql: () =>
      instantaneSql(
        'anct_services',
        `SELECT date_donnees, categorie AS type_collectivite, code, bool_or(active) AS atteinte,
                CASE WHEN bool_or(active) THEN 1.0 ELSE 0.0 END AS valeur
         FROM anct_services WHERE code IS NOT NULL AND famille = '${f.famille}' GROUP BY ALL`,
      ),
  };
}

/** Built once from the committed referential, for the registry. */
export const SERVICE_INDICATORS: readonly Indicator[] = famillesAvecIndicateur().map(serviceIndicator);
