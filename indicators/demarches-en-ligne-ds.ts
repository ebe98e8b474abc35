import type { Indicator } from './types.ts';
import { periodeOf } from './periods.ts';

export const demarchesEnLigneDs: Indicator = {
  id: 'demarches-en-ligne-ds',
  label: 'Collectivités proposant une démarche sur Démarches Simplifiées',
  description:
    "Part des collectivités dont un service porte au moins une démarche publiée sur demarches-simplifiees.fr au cours du semestre, selon les statistiques mensuelles de la plateforme. La valeur de chaque collectivité est son nombre de démarches distinctes.",
  unit: 'taux',
  valeur: {
    forme: 'nombre',
    libelle: 'Démarches publiées',
    unite: { singulier: 'démarche publiée', pluriel: 'démarches publiées', feminin: true },
    complement: 'sur demarches-simplifiees.fr dans le semestre',
  },
  direction: 'hausse',
  // Blues of increasing darkness: distinct in greyscale and from the open-data indicator's browns.
  levels: [
    { min: 0, label: 'Marginal (moins de 5 %)', color: '#e1edf5' },
    { min: 0.05, label: 'Émergent (5 à 20 %)', color: '#8ab6d6' },
    { min: 0.2, label: 'Répandu (20 à 50 %)', color: '#3a76a3' },
    { min: 0.5, label: 'Majoritaire (50 % ou plus)', color: '#123a5a' },
  ],
  axe: 'socle-commun',
  sources: ['ds'],
  concernees:
    "Toutes les collectivités (communes, EPCI à fiscalité propre, départements, régions). Aucune obligation légale n'impose d'utiliser cette plateforme : aucune collectivité n'est « soumise ».",
  methodology: [
    "Source : le fichier « procedure_service_instructeur_expert » des statistiques de demarches-simplifiees.fr publiées chaque mois par la DINUM sur data.gouv.fr. Chaque ligne associe un mois, une démarche publiée et le SIRET du service qui la porte.",
    "Les 9 premiers chiffres du SIRET (le SIREN) sont rapprochés du référentiel : communes et EPCI par leur SIREN (et la table de correspondances pour les EPCI qui ont changé de SIREN), départements et régions par la table data/referentiels/siren-departements-regions.csv, tirée des identifiants de l'Observatoire open data des territoires ; elle ne couvre pas tous les départements et régions, et ceux qui y manquent sont comptés comme n'ayant aucune démarche. Les services de l'État et les autres organismes sont gardés dans l'entrepôt comme « hors collectivité », hors du baromètre.",
    "Une collectivité atteint l'objectif lorsqu'au moins une démarche lui est rattachée dans l'un des mois du semestre ; sa valeur est le nombre de démarches distinctes du semestre. Le dénominateur est l'ensemble des collectivités de la strate au référentiel.",
    "Limite importante : la plateforme ne publie que les démarches qui ont accepté l'ouverture de leurs statistiques et qui comptent au moins 300 dossiers (d'après le code de publication de la plateforme). Une collectivité qui n'apparaît pas peut donc utiliser la plateforme pour de petites démarches, ou une autre solution : le taux est un minimum, surtout pour les petites communes. Une démarche portée par un service mutualisé (EPCI, syndicat, centre de gestion) est rattachée à ce service, pas aux communes qu'il sert.",
    "Le semestre est calculé sur les mois publiés qui y tombent ; la date des données est le dernier jour du dernier mois disponible.",
  ].join('\n\n'),
  version: '1.0.0',
  versions: [{ version: '1.0.0', depuis: '2022-S2', changement: 'Première version.' }],
  async periodes(w) {
    if (!(await w.tableExists('ds_procedures'))) return [];
    const rows = await w.all<{ m: string }>(`SELECT DISTINCT mois AS m FROM ds_procedures ORDER BY m`);
    return [...new Set(rows.map((r) => periodeOf(`${r.m}-01`)))];
  },
  sql: () => `
    WITH rows_in_period AS (
      SELECT p.periode, d.*
      FROM periodes p JOIN ds_procedures d ON d.mois || '-01' BETWEEN p.debut AND p.fin
    ),
    coverage AS (
      SELECT periode, strftime(last_day(CAST(max(mois) || '-01' AS DATE)), '%Y-%m-%d') AS date_donnees
      FROM rows_in_period GROUP BY periode
    ),
    procedures AS (
      SELECT periode, categorie AS type_collectivite, code, count(DISTINCT procedure_id) AS n
      FROM rows_in_period
      WHERE code IS NOT NULL AND categorie IN ('commune', 'epci', 'departement', 'region')
      GROUP BY ALL
    )
    SELECT cv.periode, c.code, c.type_collectivite,
           TRUE AS concernee,
           FALSE AS obligee,
           coalesce(pr.n, 0) >= 1 AS atteinte,
           coalesce(pr.n, 0)::DOUBLE AS valeur,
           cv.date_donnees
    FROM coverage cv
    CROSS JOIN ref_collectivites c
    LEFT JOIN procedures pr ON pr.periode = cv.periode AND pr.code = c.code AND pr.type_collectivite = c.type_collectivite
  `,
};
