import { SEUIL_RAPPROCHEMENT_NOMS as SEUIL_RAPPROCHEMENT } from '../pipelines/referential/rapprochement-sql.ts';
import type { Indicator } from './types.ts';
import { periodeOf, periodesBetween } from './periods.ts';

const pct = (x: number) => `${(100 * x).toFixed(1).replace('.', ',')} %`;

export const demarchesEnLigneDs: Indicator = {
  id: 'demarches-en-ligne-ds',
  label: 'Collectivités proposant une démarche sur Démarches Simplifiées',
  labelCourt: 'Démarches Simplifiées',
  description:
    "Part des collectivités qui ont publié au moins une démarche en ligne sur demarches-simplifiees.fr au plus tard à la fin du semestre, selon l'export mensuel des démarches publiques de la plateforme. La valeur de chaque collectivité est son nombre de démarches distinctes.",
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
    "Source : l'export mensuel « démarches publiques » de demarches-simplifiees.fr (DINUM), publié sur data.gouv.fr : une fiche par démarche publiée (ouverte, close ou dépubliée depuis) dont l'administrateur a accepté l'ouverture des données et qui a reçu des dossiers, avec sa date de première publication et le service qui la porte (nom, organisme, type d'organisme). L'export ne donne pas de SIRET.",
    "L'organisme est rapproché du référentiel par son nom normalisé (majuscules, sans accents ni ponctuation, « Ville de », « Mairie de », « Commune de » retirés ; « Communauté de communes » abrégé en « CC » comme au référentiel ; après « Département », « Conseil départemental », « Région », le nom d'un département ou d'une région), et seulement lorsque ce nom désigne une seule collectivité ; à défaut, le nom du service. Un nom porté par plusieurs communes (il y en a environ 3 800) est rejeté comme ambigu, sauf si un département entre parenthèses le précise. Seules les démarches dont le type d'organisme est « collectivité territoriale » ou « autre » sont rapprochées ; celles de l'État, des opérateurs, des établissements d'enseignement et des associations sont rejetées avec leur motif.",
    `Le taux de rapprochement (démarches déclarées par une collectivité territoriale et rattachées à une seule collectivité, sur toutes les démarches de ce type) est gardé à chaque chargement et publié dans le rapport de qualité. Sous ${pct(SEUIL_RAPPROCHEMENT)}, l'indicateur porte un avertissement sur sa page et dans indicateurs.json : les démarches non rattachées (syndicats, CCAS, noms ambigus) manquent au numérateur et le taux n'est alors qu'un plancher.`,
    "Une collectivité atteint l'objectif dans un semestre lorsqu'au moins une démarche rattachée a été publiée au plus tard le dernier jour du semestre ; sa valeur est le nombre de ses démarches distinctes. Chaque semestre est lu dans le premier export daté au plus tôt de la fin du semestre (ou, pour le semestre en cours, le dernier) : la série remonte ainsi jusqu'à la première publication, mais elle ne voit pas les démarches supprimées depuis ni celles qui ne publient pas leurs données. Le dénominateur est l'ensemble des collectivités de la strate au référentiel.",
    "Limites : une démarche portée par un service mutualisé (EPCI, syndicat, centre de gestion) est rattachée à ce service, pas aux communes qu'il sert ; une collectivité qui n'apparaît pas peut utiliser une autre plateforme. Le taux est un minimum.",
    "Ancienne source : le fichier mensuel « procedure_service_instructeur_expert » (une ligne par mois, démarche et SIRET du service) n'a jamais été publié ; un tel fichier reste lisible avec --from. Ses démarches comptent dans les semestres de leurs mois, rapprochées par le SIREN du SIRET.",
  ].join('\n\n'),
  version: '2.0.0',
  versions: [
    { version: '1.0.0', depuis: '2022-S2', changement: 'Première version, sur le fichier procedure_service_instructeur_expert (jamais publié par la plateforme).' },
    {
      version: '2.0.0',
      depuis: '2018-S1',
      changement: "Export « démarches publiques » : organismes rapprochés par leur nom, démarches comptées à partir de leur date de publication ; série recalculée depuis la première publication.",
    },
  ],
  async periodes(w) {
    const out = new Set<string>();
    if (await w.tableExists('ds_procedures')) {
      for (const r of await w.all<{ m: string }>(`SELECT DISTINCT mois AS m FROM ds_procedures ORDER BY m`)) out.add(periodeOf(`${r.m}-01`));
    }
    if (await w.tableExists('ds_demarches')) {
      const span = await w.one<{ premiere: string | null; derniere: string | null }>(
        `SELECT min(date_publication) AS premiere, max(date_donnees) AS derniere FROM ds_demarches WHERE date_publication <= date_donnees`,
      );
      if (span?.premiere && span.derniere) for (const p of periodesBetween(periodeOf(span.premiere), periodeOf(span.derniere))) out.add(p);
    }
    return [...out].sort();
  },
  sql: () => `
    WITH mensuel AS (
      SELECT p.periode, d.categorie AS type_collectivite, d.code, d.procedure_id AS numero,
             strftime(last_day(CAST(d.mois || '-01' AS DATE)), '%Y-%m-%d') AS date_donnees
      FROM periodes p JOIN ds_procedures d ON d.mois || '-01' BETWEEN p.debut AND p.fin
      WHERE d.code IS NOT NULL AND d.categorie IN ('commune', 'epci', 'departement', 'region')
    ),
    exports AS (SELECT DISTINCT date_donnees FROM ds_demarches),
    -- The first export on or after the semester's end sees every procedure published by then; the current
    -- semester has none yet, and takes the latest. Semesters after the latest export are not read from it.
    export_of AS (
      SELECT p.periode, p.fin, coalesce(min(e.date_donnees) FILTER (WHERE e.date_donnees >= p.fin), max(e.date_donnees)) AS date_donnees
      FROM periodes p CROSS JOIN exports e
      GROUP BY p.periode, p.fin, p.debut
      HAVING p.debut <= max(e.date_donnees)
    ),
    publiees AS (
      SELECT x.periode, d.categorie AS type_collectivite, d.code, d.numero, x.date_donnees
      FROM export_of x JOIN ds_demarches d ON d.date_donnees = x.date_donnees AND d.date_publication <= x.fin
      WHERE d.code IS NOT NULL AND d.categorie IN ('commune', 'epci', 'departement', 'region')
    ),
    toutes AS (SELECT * FROM mensuel UNION ALL SELECT * FROM publiees),
    coverage AS (
      SELECT periode, max(date_donnees) AS date_donnees FROM (
        SELECT periode, max(date_donnees) AS date_donnees FROM mensuel GROUP BY periode
        UNION ALL SELECT periode, date_donnees FROM export_of
      ) GROUP BY periode
    ),
    procedures AS (
      SELECT periode, type_collectivite, code, count(DISTINCT numero) AS n FROM toutes GROUP BY ALL
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
  async avertissement(w) {
    if (!(await w.tableExists('ds_rapprochement'))) return null;
    const r = await w.one<{ date_donnees: string; demarches_collectivites: number; rapprochees: number; taux: number | null }>(
      `SELECT date_donnees, demarches_collectivites, rapprochees, taux FROM ds_rapprochement ORDER BY date_donnees DESC, run_id DESC LIMIT 1`,
    );
    if (!r || r.taux === null || r.taux >= SEUIL_RAPPROCHEMENT) return null;
    return (
      `Taux de rapprochement insuffisant : seules ${r.rapprochees} des ${r.demarches_collectivites} démarches déclarées par des collectivités territoriales dans l'export du ${r.date_donnees} ` +
      `ont pu être rattachées à une collectivité par leur nom (${pct(r.taux)}, sous le seuil de ${pct(SEUIL_RAPPROCHEMENT)}). Les taux publiés ne sont qu'un plancher, à lire avec prudence : ` +
      `ils ne disent pas combien de collectivités utilisent la plateforme.`
    );
  },
};
