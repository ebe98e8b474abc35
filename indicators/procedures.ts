// Helper SQL over the observatory of the State's online procedures (source `vde`): per edition, the share of procedures
// reaching each indicator's goal (all, and those shared with collectivités); per procedure, its evolution between editions.
import { definitionsAnciennes, METHODE_ACTUELLE, METHODE_ANCIENNE, methodesParIndicateur } from '../pipelines/sources/vde-anciennes.ts';
import { aUnObjectif, vdeDefinitions } from '../pipelines/sources/vde-definitions.ts';
import { NIVEAUX_COLLECTIVITE } from '../pipelines/sources/vde-partagees.ts';
import { quotedString, type Warehouse } from '../pipelines/base/warehouse.ts';
import type { ExportTable, Field } from './schema.ts';

export const VDE_TABLES = ['vde_editions', 'vde_procedures', 'vde_valeurs'] as const;

/** True when the source has been loaded at least once (the SQL below needs its tables and `runs`). */
export async function vdeTablesReady(w: Warehouse): Promise<boolean> {
  for (const t of [...VDE_TABLES, 'runs']) if (!(await w.tableExists(t))) return false;
  return true;
}

/**
 * The rows of the latest run that loaded each edition date. A pull of the whole history inserts every edition again
 * while the framework's snapshot mode deletes only the rows of the run's own date, so older copies may remain.
 */
export function vdeCourant(table: (typeof VDE_TABLES)[number]): string {
  return `(SELECT t.* FROM ${table} t JOIN runs r ON r.run_id = t.run_id AND r.source = 'vde'
           QUALIFY t.run_id = first_value(t.run_id) OVER (PARTITION BY t.date_donnees ORDER BY r.started_at DESC, t.run_id DESC))`;
}

/**
 * The indicators as a SQL table (indicateur, indicateur_libelle, position, a_objectif, methodes): today's, from
 * data/referentiels/vde-indicateurs.json, then the series of 2019–2022 kept apart (vde-anciennes-editions.json);
 * `methodes` lists the methods that measure each one.
 */
function indicateursValues(): string {
  const actuelles = vdeDefinitions();
  const methodes = methodesParIndicateur(actuelles);
  const list = (slug: string) => `[${methodes.get(slug)!.map(quotedString).join(', ')}]`;
  return [
    ...actuelles.indicateurs.map((i) => `(${quotedString(i.slug)}, ${quotedString(i.libelle)}, ${i.position}, ${aUnObjectif(i)}, ${list(i.slug)})`),
    ...definitionsAnciennes().indicateurs.map((a) => `(${quotedString(a.slug)}, ${quotedString(a.libelle)}, ${a.position}, false, ${list(a.slug)})`),
  ].join(',\n      ');
}

const PERIMETRES = ['toutes', 'partagees', ...NIVEAUX_COLLECTIVITE];

/** The current editions, procedures and values, and the observatory's indicators: what both queries start from. */
function commonCtes(): string {
  // Editions loaded before the column existed came from today's API.
  return `ed AS (SELECT * REPLACE (coalesce(methode, ${quotedString(METHODE_ACTUELLE)}) AS methode) FROM ${vdeCourant('vde_editions')}),
    pr AS ${vdeCourant('vde_procedures')},
    va AS ${vdeCourant('vde_valeurs')},
    ind(indicateur, indicateur_libelle, position, a_objectif, methodes) AS (VALUES
      ${indicateursValues()})`;
}

/** Per edition × perimeter × indicator: counts and shares of procedures reaching the goal. */
export function sqlObjectifsParEdition(): string {
  return `
    WITH ${commonCtes()},
    perimetre AS (
      SELECT date_donnees, edition_id, titre_normalise, 'toutes' AS perimetre FROM pr
      UNION ALL
      SELECT date_donnees, edition_id, titre_normalise, 'partagees' FROM pr WHERE niveau_collectivite IS NOT NULL
      UNION ALL
      SELECT date_donnees, edition_id, titre_normalise, unnest(string_split(niveau_collectivite, '|')) FROM pr WHERE niveau_collectivite IS NOT NULL
    ),
    comptes AS (
      SELECT ed.edition_id, ed.nom AS edition, ed.date_donnees AS date_edition, ed.methode, pe.perimetre,
             ind.indicateur, ind.indicateur_libelle, ind.position, ind.a_objectif,
             count(*)::INTEGER AS demarches,
             count(va.indicateur)::INTEGER AS avec_valeur,
             count(*) FILTER (WHERE va.indicateur IS NOT NULL AND va.statut_special IS NULL)::INTEGER AS evaluees,
             count(*) FILTER (WHERE va.statut_special IS NOT NULL)::INTEGER AS statut_special,
             count(*) FILTER (WHERE va.objectif_atteint)::INTEGER AS atteintes,
             count(*) FILTER (WHERE va.statut_special IS NULL AND va.couleur IN ('green', 'blue'))::INTEGER AS favorables
      FROM perimetre pe
      JOIN ed ON ed.date_donnees = pe.date_donnees AND ed.edition_id = pe.edition_id
      -- Only the indicators the edition's method measures (no empty old series in 2024, nor clarity of language in 2019).
      JOIN ind ON list_contains(ind.methodes, ed.methode)
      LEFT JOIN va ON va.date_donnees = pe.date_donnees AND va.edition_id = pe.edition_id
                  AND va.titre_normalise = pe.titre_normalise AND va.indicateur = ind.indicateur
      GROUP BY ALL
    )
    SELECT edition_id, edition, date_edition, methode,
           coalesce(lag(methode) OVER s <> methode, false) AS rupture_serie,
           perimetre, indicateur, indicateur_libelle,
           demarches, avec_valeur, evaluees, statut_special,
           CASE WHEN a_objectif THEN atteintes END AS atteintes,
           CASE WHEN a_objectif AND evaluees > 0 THEN atteintes / evaluees END AS taux_objectif,
           CASE WHEN a_objectif AND avec_valeur > 0 THEN atteintes / avec_valeur END AS taux_objectif_observatoire,
           favorables,
           CASE WHEN evaluees > 0 THEN favorables / evaluees END AS taux_favorable,
           'vde-' || perimetre || '-' || indicateur AS mesure,
           CASE WHEN a_objectif THEN 'objectif' ELSE 'favorable' END AS mesure_definition,
           CASE WHEN evaluees = 0 THEN NULL WHEN a_objectif THEN atteintes / evaluees ELSE favorables / evaluees END AS valeur_mesure
    FROM comptes
    WINDOW s AS (PARTITION BY perimetre, indicateur ORDER BY date_edition, edition_id)
    ORDER BY date_edition, edition_id, list_position([${PERIMETRES.map(quotedString).join(', ')}], perimetre), position
  `;
}

/** Per edition × procedure × indicator: the value, and how it moved since the previous edition the procedure appears in. */
export function sqlEvolutionProcedures(): string {
  return `
    WITH ${commonCtes()},
    -- Colours order the levels of every indicator: blue and green best, red worst, grey not comparable.
    rang(couleur, rang) AS (VALUES ('blue', 0), ('green', 0), ('yellow', 1), ('orange', 1), ('red', 2)),
    lignes AS (
      SELECT ed.edition_id, ed.nom AS edition, ed.date_donnees AS date_edition, ed.methode,
             pr.titre_normalise, pr.titre, pr.ministere, pr.administration, pr.niveau_collectivite, pr.volume,
             va.indicateur, coalesce(ind.position, 99) AS position, va.valeur_texte, va.valeur_nombre, va.unite, va.niveau, va.libelle,
             va.couleur, va.objectif_atteint, va.statut_special,
             CASE WHEN va.statut_special IS NULL THEN rg.rang END AS rang
      FROM pr
      JOIN ed ON ed.date_donnees = pr.date_donnees AND ed.edition_id = pr.edition_id
      JOIN va ON va.date_donnees = pr.date_donnees AND va.edition_id = pr.edition_id AND va.titre_normalise = pr.titre_normalise
      LEFT JOIN ind ON ind.indicateur = va.indicateur
      LEFT JOIN rang rg ON rg.couleur = va.couleur
    ),
    suivies AS (
      SELECT *,
             lag(edition_id) OVER w AS edition_id_precedente,
             lag(date_edition) OVER w AS date_edition_precedente,
             lag(niveau) OVER w AS niveau_precedent,
             lag(valeur_nombre) OVER w AS valeur_nombre_precedente,
             lag(objectif_atteint) OVER w AS objectif_atteint_precedent,
             lag(rang) OVER w AS rang_precedent,
             lag(methode) OVER w AS methode_precedente
      FROM lignes
      WINDOW w AS (PARTITION BY titre_normalise, indicateur ORDER BY date_edition, edition_id)
    )
    SELECT edition_id, edition, date_edition, methode, titre_normalise, titre, ministere, administration, niveau_collectivite, volume,
           indicateur, valeur_texte, valeur_nombre, unite, niveau, libelle, couleur, objectif_atteint, statut_special,
           edition_id_precedente, date_edition_precedente, niveau_precedent, valeur_nombre_precedente, objectif_atteint_precedent,
           CASE WHEN methode_precedente = methode THEN round(valeur_nombre - valeur_nombre_precedente, 6) END AS variation,
           CASE WHEN date_edition_precedente IS NULL THEN 'nouvelle'
                WHEN methode_precedente <> methode THEN 'rupture'
                WHEN rang IS NULL OR rang_precedent IS NULL THEN 'non_comparable'
                WHEN rang < rang_precedent THEN 'progres'
                WHEN rang > rang_precedent THEN 'recul'
                ELSE 'stable' END AS evolution
    FROM suivies
    ORDER BY date_edition, edition_id, volume DESC NULLS LAST, titre_normalise, position, indicateur
  `;
}

/**
 * Per procedure (its normalised title): in how many editions of each method it appears. A procedure found on one side
 * of the 2022→2023 change only cannot be followed across it: a new title, a procedure added or dropped.
 */
export function sqlContinuiteProcedures(): string {
  return `
    WITH ${commonCtes()},
    lignes AS (
      SELECT pr.titre_normalise, pr.titre, pr.niveau_collectivite, ed.edition_id, ed.nom AS edition, ed.date_donnees AS date_edition, ed.methode
      FROM pr JOIN ed ON ed.date_donnees = pr.date_donnees AND ed.edition_id = pr.edition_id
    ),
    parcours AS (
      SELECT titre_normalise,
             arg_max(titre, date_edition) AS titre,
             arg_max(niveau_collectivite, date_edition) AS niveau_collectivite,
             count(*) FILTER (WHERE methode = ${quotedString(METHODE_ANCIENNE)})::INTEGER AS editions_2019_2022,
             count(*) FILTER (WHERE methode <> ${quotedString(METHODE_ANCIENNE)})::INTEGER AS editions_depuis_2023,
             arg_min(edition, date_edition) AS premiere_edition,
             min(date_edition) AS date_premiere_edition,
             arg_max(edition, date_edition) AS derniere_edition,
             max(date_edition) AS date_derniere_edition
      FROM lignes GROUP BY titre_normalise
    ),
    methodes AS (SELECT count(DISTINCT methode) FILTER (WHERE methode = ${quotedString(METHODE_ANCIENNE)}) AS anciennes, count(DISTINCT methode) FILTER (WHERE methode <> ${quotedString(METHODE_ANCIENNE)}) AS actuelles FROM ed)
    SELECT p.titre_normalise, p.titre, p.niveau_collectivite, p.editions_2019_2022, p.editions_depuis_2023,
           p.premiere_edition, p.date_premiere_edition, p.derniere_edition, p.date_derniere_edition,
           CASE WHEN m.anciennes = 0 OR m.actuelles = 0 THEN 'non_evaluee'
                WHEN p.editions_2019_2022 > 0 AND p.editions_depuis_2023 > 0 THEN 'suivie'
                WHEN p.editions_2019_2022 > 0 THEN 'ancienne_seulement'
                ELSE 'nouvelle_seulement' END AS continuite
    FROM parcours p CROSS JOIN methodes m
    ORDER BY list_position(['ancienne_seulement', 'nouvelle_seulement', 'suivie', 'non_evaluee'], continuite), p.niveau_collectivite IS NULL, p.titre_normalise
  `;
}

const f = (name: string, type: Field['type'], description: string): Field => ({ name, type, description });

export const PROCEDURES_OBJECTIFS_FIELDS: Field[] = [
  f('edition_id', 'string', "Identifiant de l'édition de l'Observatoire (csv-AAAA-MM-JJ pour une édition chargée depuis la table source en CSV)."),
  f('edition', 'string', "Nom de l'édition (par exemple « Avril 2024 »)."),
  f('date_edition', 'date', "Date de fin de la période observée par l'édition (éditions 2019–2022 : dernier jour du mois de l'édition)."),
  f('methode', 'string', "observatoire-2019 (éditions de juin 2019 à octobre 2022, ancienne API) ou vde-2023 (« Vos démarches numériques essentielles », depuis 2023)."),
  f('rupture_serie', 'boolean', "Vrai pour la première édition d'une autre méthode que l'édition précédente de la série : ne pas comparer directement."),
  f('perimetre', 'string', 'toutes, partagees (démarches associant des collectivités), ou commune, epci, departement, region (démarches associant ce niveau).'),
  f('indicateur', 'string', "Identifiant de l'indicateur de l'Observatoire (online, satisfaction, handicap…)."),
  f('indicateur_libelle', 'string', "Libellé de l'indicateur."),
  f('demarches', 'integer', 'Nombre de démarches du périmètre dans l’édition.'),
  f('avec_valeur', 'integer', "Démarches pour lesquelles l'édition publie une valeur de l'indicateur (statuts particuliers compris)."),
  f('evaluees', 'integer', 'Démarches dont la valeur est mesurée (hors « À venir », « Non applicable », « Nombre d’avis insuffisant », « En attente », non renseignée).'),
  f('statut_special', 'integer', 'Démarches dont la valeur est un statut particulier.'),
  f('atteintes', 'integer', "Démarches qui atteignent l'objectif de l'indicateur ; vide pour un indicateur sans objectif (online, usage, help_used)."),
  f('taux_objectif', 'number', 'atteintes / evaluees, entre 0 et 1 ; vide si aucune démarche évaluée ou sans objectif.'),
  f('taux_objectif_observatoire', 'number', "atteintes / avec_valeur : le calcul de l'Observatoire, qui compte les statuts particuliers comme objectif non atteint."),
  f('favorables', 'integer', 'Démarches évaluées au meilleur niveau (couleur verte ou bleue).'),
  f('taux_favorable', 'number', 'favorables / evaluees, entre 0 et 1.'),
  f('mesure', 'string', "Identifiant de la série pour la feuille de route : vde-<perimetre>-<indicateur> (par exemple vde-partagees-auth)."),
  f('mesure_definition', 'string', 'objectif (valeur_mesure = taux_objectif) ou favorable (indicateur sans objectif : valeur_mesure = taux_favorable).'),
  f('valeur_mesure', 'number', 'La valeur suivie par la feuille de route, entre 0 et 1 : part des démarches évaluées qui atteignent l’objectif, ou au meilleur niveau pour un indicateur sans objectif.'),
];

export const PROCEDURES_FIELDS: Field[] = [
  f('edition_id', 'string', "Identifiant de l'édition."),
  f('edition', 'string', "Nom de l'édition."),
  f('date_edition', 'date', "Date de fin de la période observée par l'édition."),
  f('methode', 'string', 'observatoire-2019 ou vde-2023 (voir procedures-objectifs).'),
  f('titre_normalise', 'string', 'Clé de la démarche entre éditions : titre en minuscules, sans accents ni ponctuation, espaces réduits.'),
  f('titre', 'string', "Titre de la démarche tel que publié dans l'édition."),
  f('ministere', 'string', 'Ministère.'),
  f('administration', 'string', 'Administration responsable.'),
  f('niveau_collectivite', 'string', 'Niveaux de collectivités associés à la démarche (commune, epci, departement, region, séparés par « | ») ; vide : démarche de l’État seul.'),
  f('volume', 'integer', 'Volume annuel de démarches en ligne publié par l’Observatoire ; pour les éditions 2019–2022, le volume total (en ligne et hors ligne) alors publié.'),
  f('indicateur', 'string', "Identifiant de l'indicateur."),
  f('valeur_texte', 'string', 'Valeur telle que publiée.'),
  f('valeur_nombre', 'number', 'Valeur numérique (taux en fraction 0–1, notes sur 10, score DLNUF, millisecondes) ; vide pour une catégorie ou un statut particulier.'),
  f('unite', 'string', 'Unité de valeur_nombre.'),
  f('niveau', 'string', 'Niveau atteint (Très bien, Partiel, Optimal…) ou statut particulier.'),
  f('libelle', 'string', "Libellé affiché par l'Observatoire (par exemple « 8.1 / 10 »)."),
  f('couleur', 'string', "Couleur du niveau dans l'Observatoire : green, yellow, orange, red, blue, gray."),
  f('objectif_atteint', 'boolean', "L'objectif de l'indicateur est-il atteint ? Vide pour un statut particulier ou un indicateur sans objectif."),
  f('statut_special', 'string', '« À venir », « Non applicable », « Nombre d’avis insuffisant », « En attente » ou « Non renseigné » ; vide pour une valeur mesurée.'),
  f('edition_id_precedente', 'string', "Édition précédente où figure la démarche (avec cet indicateur)."),
  f('date_edition_precedente', 'date', "Date de fin de l'édition précédente."),
  f('niveau_precedent', 'string', "Niveau dans l'édition précédente."),
  f('valeur_nombre_precedente', 'number', "Valeur numérique dans l'édition précédente."),
  f('objectif_atteint_precedent', 'boolean', "Objectif atteint dans l'édition précédente."),
  f('variation', 'number', 'valeur_nombre − valeur_nombre_precedente (attention : pour dlnuf et performance, une baisse est un progrès) ; vide entre deux méthodes.'),
  f('evolution', 'string', 'nouvelle (première édition de la démarche), progres, recul ou stable (d’après la couleur du niveau : vert et bleu > jaune > rouge), non_comparable (statut particulier ou niveau gris), rupture (l’édition précédente relevait d’une autre méthode).'),
];

export const PROCEDURES_CONTINUITE_FIELDS: Field[] = [
  f('titre_normalise', 'string', "Clé de la démarche entre éditions et entre les deux API (titre normalisé)."),
  f('titre', 'string', 'Titre de la démarche dans sa dernière édition.'),
  f('niveau_collectivite', 'string', 'Niveaux de collectivités associés (vide : État seul).'),
  f('editions_2019_2022', 'integer', 'Nombre d’éditions de 2019–2022 (ancienne API) où figure la démarche.'),
  f('editions_depuis_2023', 'integer', 'Nombre d’éditions depuis 2023 où figure la démarche.'),
  f('premiere_edition', 'string', 'Première édition où elle figure.'),
  f('date_premiere_edition', 'date', 'Date de cette édition.'),
  f('derniere_edition', 'string', 'Dernière édition où elle figure.'),
  f('date_derniere_edition', 'date', 'Date de cette édition.'),
  f('continuite', 'string', "suivie (présente avant et après le changement de 2023), ancienne_seulement (absente depuis 2023 sous ce titre), nouvelle_seulement (absente de 2019–2022 sous ce titre), non_evaluee (une des deux périodes n'est pas chargée)."),
];

/**
 * The versions of the committed referentials the procedures exports are computed with, carried in their JSON's
 * `provenance`: the observatory's levels and thresholds (vde-indicateurs.json) and the correspondences of the
 * 2019–2022 editions (vde-anciennes-editions.json).
 */
export function referentielsProcedures(): { niveaux: string; anciennes_editions: string } {
  return { niveaux: vdeDefinitions().version, anciennes_editions: definitionsAnciennes().version };
}

/** Ready to add to the exports: procedures.csv (per procedure) and procedures-objectifs.csv (per edition). */
export function proceduresExportTables(): ExportTable[] {
  const provenance = { referentiels: referentielsProcedures() };
  return [
    {
      name: 'procedures',
      title: "Démarches de l'État : indicateurs de qualité par édition et évolution",
      description:
        "Une ligne par édition, démarche et indicateur de l'Observatoire de la qualité des démarches en ligne (DINUM), avec le niveau de collectivités associé et l'évolution depuis l'édition précédente.",
      sql: sqlEvolutionProcedures(),
      provenance,
      fields: PROCEDURES_FIELDS,
    },
    {
      name: 'procedures-objectifs',
      title: "Démarches de l'État : part atteignant l'objectif, par édition",
      description:
        "Pour chaque édition de l'Observatoire depuis juin 2019 et chaque indicateur, la part des démarches qui atteignent l'objectif, pour toutes les démarches et pour celles qui associent des collectivités ; la méthode de l'édition et la rupture de série de 2023.",
      sql: sqlObjectifsParEdition(),
      provenance,
      fields: PROCEDURES_OBJECTIFS_FIELDS,
    },
    {
      name: 'procedures-continuite',
      title: 'Démarches de l’État : suivi d’une démarche entre les éditions 2019–2022 et celles depuis 2023',
      description:
        "Pour chaque démarche (titre normalisé), le nombre d'éditions de l'ancien observatoire (2019–2022) et de « Vos démarches numériques essentielles » (depuis 2023) où elle figure : celles qui ne figurent que d'un côté ne peuvent pas être suivies à travers le changement de méthode.",
      sql: sqlContinuiteProcedures(),
      provenance,
      fields: PROCEDURES_CONTINUITE_FIELDS,
    },
  ];
}
