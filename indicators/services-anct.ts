// One indicator per family of services of data/referentiels/services-anct.csv that has its own indicator
// (ids `service-<famille>`): adding a service to the catalogue is adding a row, not writing code.
import { famillesAvecIndicateur, type FamilleServices } from '../pipelines/services-anct.ts';
import { instantaneSql, periodesInstantanes } from './instantanes.ts';
import { METHODE_DEPLOIEMENT, NIVEAUX_SERVICES } from './services-partages.ts';
import type { Indicator } from './types.ts';

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
