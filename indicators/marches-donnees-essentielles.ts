import { periodeOf } from './periods.ts';
import type { Indicator } from './types.ts';

/** Open-format publication of essential data is compulsory for contracts notified from 1 October 2018. */
export const PREMIER_SEMESTRE_DECP = '2018-S2';

export const marchesDonneesEssentielles: Indicator = {
  id: 'marches-donnees-essentielles',
  label: 'Collectivités publiant les données essentielles de leurs marchés',
  description:
    "Part des collectivités qui ont publié les données essentielles d'au moins un marché public notifié dans le semestre, selon les données essentielles de la commande publique consolidées. La valeur de chaque collectivité est son nombre de marchés publiés.",
  unit: 'taux',
  valeur: {
    forme: 'nombre',
    libelle: 'Marchés publiés',
    unite: { singulier: 'marché publié', pluriel: 'marchés publiés', feminin: false },
    complement: 'dans les données essentielles de la commande publique (date de notification dans le semestre)',
  },
  direction: 'hausse',
  // Reds of increasing darkness: distinct in greyscale and from the other indicators' palettes.
  levels: [
    { min: 0, label: 'Marginal (moins de 10 %)', color: '#fbe4e0' },
    { min: 0.1, label: 'Partiel (10 à 30 %)', color: '#eb9a8c' },
    { min: 0.3, label: 'Répandu (30 à 60 %)', color: '#b8432f' },
    { min: 0.6, label: 'Majoritaire (60 % ou plus)', color: '#5c1a0f' },
  ],
  axe: 'socle-commun',
  sources: ['decp'],
  concernees:
    "Toutes les collectivités (communes, EPCI à fiscalité propre, départements, régions). Chaque acheteur doit publier les données essentielles de ses marchés de 40 000 € HT ou plus (25 000 € avant 2020 ; code de la commande publique, art. R. 2196-1) ; une collectivité qui n'a notifié aucun marché de ce montant dans le semestre n'a rien à publier : aucune n'est comptée comme « soumise ».",
  methodology: [
    "Source : les données essentielles de la commande publique (DECP) consolidées au format tabulaire par le projet decp-processing et publiées chaque jour ouvré sur data.gouv.fr (source « decp »). Sont aussi lus les fichiers decp.json consolidés de 2019 et les « DECP augmentées » du ministère de l'Économie, qui suivent le même modèle.",
    "Chaque marché est identifié par son uid (SIRET de l'acheteur suivi de son identifiant interne, recomposé quand le fichier ne le donne pas) et compte une fois : les lignes du même marché (une par titulaire et par modification dans le fichier tabulaire) n'en font qu'un, un marché publié deux fois ou présent dans deux fichiers aussi (le chargement le plus récent l'emporte). Sa date est celle de la notification initiale, avant toute modification.",
    "L'acheteur est identifié par son SIRET, dont les 9 premiers chiffres (le SIREN) sont rapprochés du référentiel : communes et EPCI par SIREN (et la table des successions), départements et régions par data/referentiels/siren-departements-regions.csv. Les autres acheteurs (services de l'État, établissements publics, hôpitaux, syndicats, établissements publics territoriaux…) sont gardés à part, hors du baromètre ; un SIREN de commune, de département ou de région qui ne se rapproche pas (commune fusionnée depuis, table incomplète) est signalé.",
    "Une collectivité atteint l'objectif lorsqu'au moins un de ses marchés notifiés dans le semestre figure dans les données ; sa valeur est le nombre de ces marchés. Rejets, avec leur motif : SIRET absent ou invalide (14 chiffres et clé de contrôle), identifiant absent, date de notification absente, illisible, antérieure au régime des données essentielles (1er avril 2016) ou postérieure à la date des données, contrats de concession (hors champ).",
    "Les semestres sont calculés à partir du 2e semestre 2018 (la publication en format ouvert est obligatoire pour les marchés notifiés depuis le 1er octobre 2018) ; le semestre en cours est calculé à la date des données, la dernière date de publication du fichier.",
    "Limites : le taux est un plancher. Un marché sous le seuil de publication, ou publié seulement sur un profil d'acheteur que la consolidation ne moissonne pas, n'apparaît pas ; un marché passé par un groupement, une centrale d'achat ou un syndicat est rattaché à cet acheteur, pas aux collectivités membres.",
  ].join('\n\n'),
  version: '1.0.0',
  versions: [{ version: '1.0.0', depuis: PREMIER_SEMESTRE_DECP, changement: 'Première version.' }],
  async periodes(w) {
    if (!(await w.tableExists('decp_marches'))) return [];
    const r = await w.all<{ d: string }>(`SELECT DISTINCT left(date_notification, 7) || '-01' AS d FROM decp_marches WHERE date_notification IS NOT NULL ORDER BY d`);
    return [...new Set(r.map((x) => periodeOf(x.d)))].filter((p) => p >= PREMIER_SEMESTRE_DECP);
  },
  sql: () => `
    WITH marches AS (
      -- A contract present in several loads counts once, as the most recent load describes it.
      SELECT * FROM decp_marches
      QUALIFY row_number() OVER (PARTITION BY uid ORDER BY date_donnees DESC, lot, ligne) = 1
    ),
    du_semestre AS (
      SELECT p.periode, m.* FROM periodes p JOIN marches m ON m.date_notification BETWEEN p.debut AND p.fin
    ),
    couverture AS (SELECT periode, max(date_donnees) AS date_donnees FROM du_semestre GROUP BY periode),
    par_collectivite AS (
      SELECT periode, categorie AS type_collectivite, code, count(*) AS n
      FROM du_semestre
      WHERE code IS NOT NULL AND categorie IN ('commune', 'epci', 'departement', 'region')
      GROUP BY ALL
    )
    SELECT cv.periode, c.code, c.type_collectivite,
           TRUE AS concernee,
           FALSE AS obligee,
           coalesce(pc.n, 0) >= 1 AS atteinte,
           coalesce(pc.n, 0)::DOUBLE AS valeur,
           cv.date_donnees
    FROM couverture cv
    CROSS JOIN ref_collectivites c
    LEFT JOIN par_collectivite pc ON pc.periode = cv.periode AND pc.code = c.code AND pc.type_collectivite = c.type_collectivite
  `,
};
