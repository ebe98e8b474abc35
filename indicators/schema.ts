// The export contract: every exported table, its columns, their types and descriptions (Table Schema).
import { latestRunsSql } from '../pipelines/base/runs.ts';

export type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'date';
export interface Field {
  name: string;
  type: FieldType;
  description: string;
}
export interface ExportTable {
  name: string;
  title: string;
  description: string;
  /** SQL producing the rows, in column order. */
  sql: string;
  fields: Field[];
  /** Formats written (default: CSV, French CSV, JSON and Parquet). */
  formats?: ('csv' | 'json' | 'parquet')[];
  /** What the JSON's `provenance` says besides the generation date and the sample flag (e.g. the referentials' versions). */
  provenance?: Record<string, unknown>;
}

/** One column of an export's contract. */
export const f = (name: string, type: FieldType, description: string): Field => ({ name, type, description });

export const BAROMETRE_FIELDS: Field[] = [
  f('indicateur', 'string', "Identifiant de l'indicateur (voir la page Méthodologie)."),
  f('periode', 'string', 'Semestre des données : AAAA-S1 (janvier–juin) ou AAAA-S2 (juillet–décembre).'),
  f('niveau', 'string', 'Échelle territoriale : national, region ou departement.'),
  f('territoire', 'string', 'FR, code INSEE de la région ou code du département.'),
  f('type_collectivite', 'string', 'commune, epci, departement ou region.'),
  f('strate', 'string', "Strate de population (identifiant de data/referentiels/strates.csv), « toutes », « obligees » (communes soumises à l'obligation) ou « inconnue » (population inconnue)."),
  f('nature', 'string', "Pour les EPCI comptés par nature : CC (communauté de communes), CA (d'agglomération), CU (urbaine) ou METRO (métropole), toutes strates confondues ; vide pour les autres lignes, dont celles de tous les EPCI."),
  f('concernees', 'integer', 'Nombre de collectivités concernées (dénominateur).'),
  f('atteintes', 'integer', "Nombre de collectivités qui atteignent l'objectif (numérateur)."),
  f('taux', 'number', 'atteintes / concernees, entre 0 et 1 ; vide quand concernees est nul ou sous le seuil de diffusion.'),
  f('population_concernee', 'integer', 'Population municipale totale des collectivités concernées.'),
  f('population_atteinte', 'integer', "Population municipale totale des collectivités qui atteignent l'objectif."),
  f('source', 'string', 'Identifiant(s) des sources utilisées, séparés par « + ».'),
  f('date_donnees', 'date', 'Date des données les plus récentes utilisées pour ce semestre.'),
  f('methode_version', 'string', "Version de la méthode de calcul de l'indicateur."),
  f('ic_bas', 'number', 'Borne basse de l\'intervalle de confiance de Wilson à 95 % du taux.'),
  f('ic_haut', 'number', 'Borne haute de l\'intervalle de confiance de Wilson à 95 % du taux.'),
  f('taux_population', 'number', 'Taux pondéré par la population : population_atteinte / population_concernee.'),
  f('valeur_mediane', 'number', "Médiane des valeurs des collectivités concernées (part entre 0 et 1 ou nombre, selon l'indicateur : voir « valeur » dans indicateurs.json) ; vide pour un indicateur oui/non, et sous le seuil de diffusion."),
  f('statut', 'string', 'ok, ou effectif_insuffisant quand le nombre de concernées est sous le seuil de diffusion (le taux est alors masqué).'),
  f('obligation', 'string', "oui si toutes les collectivités de la ligne sont soumises à l'obligation légale mesurée, non si aucune, partielle sinon."),
  f('edition', 'string', 'Semestre de l\'édition publiée (figée) dont vient la ligne ; vide pour un calcul non encore publié.'),
  f('rupture_serie', 'boolean', 'Vrai quand la version de méthode change par rapport au semestre précédent de la même série : ne pas comparer directement.'),
];

export const ECARTS_FIELDS: Field[] = [
  f('edition', 'string', 'Édition publiée concernée.'),
  f('indicateur', 'string', "Identifiant de l'indicateur."),
  f('periode', 'string', 'Semestre.'),
  f('niveau', 'string', 'Échelle territoriale.'),
  f('territoire', 'string', 'Territoire.'),
  f('type_collectivite', 'string', 'Type de collectivité.'),
  f('strate', 'string', 'Strate.'),
  f('nature', 'string', 'Nature des EPCI pour une ligne par nature ; vide sinon.'),
  f('colonne', 'string', 'Colonne qui diffère.'),
  f('publie', 'string', "Valeur de l'édition publiée (celle qui reste diffusée)."),
  f('recalcule', 'string', 'Valeur obtenue par le recalcul (non appliquée).'),
];

export const COLLECTIVITES_FIELDS: Field[] = [
  f('code', 'string', 'Code INSEE (commune, département, région) ou SIREN (EPCI).'),
  f('type_collectivite', 'string', 'commune, epci, departement ou region.'),
  f('nom', 'string', 'Nom officiel.'),
  f('strate', 'string', 'Strate de population.'),
  f('departement', 'string', 'Code du département (pour un EPCI : celui de sa commune la plus peuplée).'),
  f('region', 'string', 'Code de la région.'),
  f('population', 'integer', 'Population municipale.'),
  f('indicateur', 'string', "Identifiant de l'indicateur."),
  f('periode', 'string', 'Semestre.'),
  f('valeur', 'number', 'Valeur de la collectivité (1 = atteint, 0 = non atteint pour un indicateur binaire).'),
  f('atteinte', 'boolean', "La collectivité atteint-elle l'objectif ?"),
  f('obligee', 'boolean', "La collectivité est-elle soumise à l'obligation légale mesurée ?"),
  f('rang_strate', 'integer', 'Rang dans la strate au niveau national (1 = meilleur ; ex æquo au même rang).'),
  f('effectif_strate', 'integer', 'Nombre de collectivités de la strate au niveau national.'),
  f('percentile_strate', 'number', 'Part (en %) des collectivités de la strate dont la valeur est inférieure ou égale.'),
  f('rang_departement', 'integer', 'Rang parmi les collectivités de la même strate du même département.'),
  f('effectif_departement', 'integer', 'Nombre de collectivités de la même strate dans le département.'),
  f('percentile_departement', 'number', 'Part (en %) des collectivités de la même strate du département dont la valeur est inférieure ou égale.'),
  f('mediane_strate', 'number', 'Valeur médiane de la strate au niveau national.'),
  f('taux_strate', 'number', "Taux d'atteinte de la strate au niveau national."),
  f('date_donnees', 'date', 'Date des données utilisées.'),
  f('methode_version', 'string', 'Version de la méthode de calcul.'),
];

export const RACCORDS_FIELDS: Field[] = [
  f('indicateur', 'string', "Identifiant de l'indicateur dont la série passe d'une source à une autre."),
  f('periode', 'string', 'Semestre mesuré par les deux sources.'),
  f('type_collectivite', 'string', 'commune, epci, departement ou region.'),
  f('strate', 'string', "toutes, ou obligees (communes soumises à l'obligation)."),
  f('nature', 'string', 'Nature des EPCI (CC, CA, CU, METRO) pour les lignes par nature ; vide sinon.'),
  f('concernees', 'integer', 'Collectivités concernées (le même dénominateur pour les deux mesures).'),
  f('source_avant', 'string', 'Source qui mesurait la série jusque-là.'),
  f('date_avant', 'date', 'Date des données de cette source pour le semestre.'),
  f('atteintes_avant', 'integer', 'Collectivités qui atteignent l\'objectif selon cette source.'),
  f('taux_avant', 'number', 'Taux selon cette source (vide sous le seuil de diffusion).'),
  f('source_apres', 'string', 'Source qui prend le relais.'),
  f('date_apres', 'date', 'Date à laquelle la nouvelle source est lue pour ce semestre (la même que date_avant).'),
  f('atteintes_apres', 'integer', 'Collectivités qui atteignent l\'objectif selon la nouvelle source.'),
  f('taux_apres', 'number', 'Taux selon la nouvelle source.'),
  f('ecart_points', 'number', 'taux_apres − taux_avant, en points de pourcentage.'),
  f('source_retenue', 'string', 'La source dont vient la ligne du baromètre pour ce semestre.'),
];

export const CHIFFRES_PUBLIES_FIELDS: Field[] = [
  f('id', 'string', 'Identifiant du chiffre publié (data/referentiels/chiffres-publies.csv).'),
  f('indicateur', 'string', "Indicateur du baromètre auquel le chiffre se compare."),
  f('date_donnees', 'date', 'Date des données du chiffre publié.'),
  f('ce_qui_est_compte', 'string', 'Ce que le producteur compte, en ses mots.'),
  f('perimetre', 'string', 'Le périmètre du producteur.'),
  f('producteur', 'string', 'Qui a publié le chiffre.'),
  f('source_titre', 'string', 'Titre du document qui publie le chiffre.'),
  f('source_url', 'string', 'Adresse du document (vide pour un document du programme sans adresse publique).'),
  f('citation', 'string', 'La phrase du document qui donne le chiffre.'),
  f('unite', 'string', 'taux (entre 0 et 1) ou nombre.'),
  f('valeur_publiee', 'number', 'Le chiffre publié.'),
  f('numerateur_publie', 'integer', 'Son numérateur, quand il est publié.'),
  f('denominateur_publie', 'integer', 'Son dénominateur, quand il est publié.'),
  f('notre_valeur', 'number', 'Le chiffre le plus proche calculé par le baromètre sur ses propres données, avec la définition du producteur autant que possible ; vide quand les données manquent.'),
  f('notre_numerateur', 'integer', 'Notre numérateur.'),
  f('notre_denominateur', 'integer', 'Notre dénominateur.'),
  f('notre_source', 'string', 'La source de notre chiffre (odt : une édition de l\'Observatoire ; odt-historique : sa série nationale).'),
  f('notre_date_donnees', 'date', 'La date des données de notre chiffre.'),
  f('ecart', 'number', 'Notre valeur moins la valeur publiée : en points de pourcentage pour un taux, en collectivités pour un nombre.'),
  f('explication', 'string', 'Chaque différence entre les deux chiffres, en mots.'),
];

export const REJETS_FIELDS: Field[] = [
  f('source', 'string', 'Identifiant de la source.'),
  f('run_id', 'string', 'Identifiant du chargement.'),
  f('ligne', 'integer', "Numéro de ligne dans le fichier brut (l'en-tête est la ligne 1)."),
  f('identifiant', 'string', 'Identifiant lu dans la ligne (SIREN, code, nom…).'),
  f('motif', 'string', 'Raison du rejet, en clair.'),
];

const select = (fields: Field[]) => fields.map((x) => `"${x.name}"`).join(', ');

export const EXPORT_TABLES: ExportTable[] = [
  {
    name: 'barometre',
    title: 'Baromètre de la dématérialisation',
    description: 'Taux par indicateur, semestre, type de collectivité, strate et territoire.',
    sql: `SELECT ${BAROMETRE_FIELDS.map((x) => `b."${x.name}"`).join(', ')} FROM barometre b LEFT JOIN ref_strates rs ON rs.id = b.strate
          ORDER BY b.indicateur, b.periode, CASE b.niveau WHEN 'national' THEN 0 WHEN 'region' THEN 1 ELSE 2 END, b.territoire,
                   b.type_collectivite, coalesce(rs.ordre, CASE b.strate WHEN 'obligees' THEN 100 WHEN 'toutes' THEN 101 ELSE 99 END), b.strate, b.nature NULLS FIRST`,
    fields: BAROMETRE_FIELDS,
  },
  {
    name: 'collectivites',
    title: 'Résultats par collectivité',
    description:
      'Valeur de chaque collectivité pour chaque indicateur, au dernier semestre calculé de l\'indicateur, avec son rang et son percentile dans sa strate (historique complet : collectivites-historique.parquet).',
    sql: `SELECT ${select(COLLECTIVITES_FIELDS)} FROM collectivites_resultats
          WHERE (indicateur, periode) IN (SELECT (indicateur, max(periode)) FROM collectivites_resultats GROUP BY indicateur)
          ORDER BY indicateur, type_collectivite, code`,
    fields: COLLECTIVITES_FIELDS,
  },
  {
    name: 'collectivites-historique',
    title: 'Résultats par collectivité, tous les semestres',
    description: 'Les mêmes colonnes que collectivites, pour chaque semestre calculé (en Parquet seulement, vu son volume).',
    sql: `SELECT ${select(COLLECTIVITES_FIELDS)} FROM collectivites_resultats ORDER BY indicateur, periode, type_collectivite, code`,
    fields: COLLECTIVITES_FIELDS,
    formats: ['parquet'],
  },
  {
    name: 'ecarts-editions',
    title: 'Écarts entre éditions publiées et recalcul',
    description: "Différences entre les valeurs figées d'une édition publiée et un recalcul ultérieur : signalées, jamais appliquées.",
    sql: `SELECT ${select(ECARTS_FIELDS)} FROM ecarts_editions ORDER BY ALL`,
    fields: ECARTS_FIELDS,
  },
  {
    name: 'raccords',
    title: 'Raccords de séries : deux sources pour un même semestre',
    description:
      "Là où la série d'un indicateur passe d'une source à une autre (ouverture-donnees : Observatoire open data des territoires jusqu'en 2022, data.gouv.fr ensuite), les deux mesures d'un même semestre côte à côte, avec leur écart.",
    sql: `SELECT ${select(RACCORDS_FIELDS)} FROM raccords ORDER BY indicateur, periode, CASE type_collectivite WHEN 'commune' THEN 0 WHEN 'epci' THEN 1 WHEN 'departement' THEN 2 ELSE 3 END, strate DESC, nature NULLS FIRST`,
    fields: RACCORDS_FIELDS,
  },
  {
    name: 'chiffres-publies',
    title: 'Nos chiffres face aux chiffres publiés',
    description:
      'Chaque chiffre publié par un producteur (data/referentiels/chiffres-publies.csv), le chiffre le plus proche calculé par le baromètre, leur écart et son explication en mots.',
    sql: `SELECT ${select(CHIFFRES_PUBLIES_FIELDS)} FROM chiffres_publies ORDER BY indicateur, date_donnees, id`,
    fields: CHIFFRES_PUBLIES_FIELDS,
  },
  {
    name: 'rejets',
    title: 'Lignes rejetées',
    description: 'Lignes des sources qui n\'ont pas pu être utilisées, avec leur motif (dernier chargement réussi de chaque source).',
    sql: `SELECT ${select(REJETS_FIELDS)} FROM rejets WHERE run_id IN (SELECT run_id FROM (${latestRunsSql('good')}))
          ORDER BY source, ligne`,
    fields: REJETS_FIELDS,
  },
];
