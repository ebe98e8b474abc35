import type { Indicator } from './types.ts';
import { HISTORIQUE_METHODOLOGIE } from './historique.ts';
import { periodeOf } from './periods.ts';

export const ouvertureDonnees: Indicator = {
  id: 'ouverture-donnees',
  label: 'Collectivités publiant des données ouvertes',
  description:
    "Part des collectivités qui publient au moins un jeu de données ouvertes, sur leur portail ou sur data.gouv.fr, selon l'Observatoire open data des territoires.",
  unit: 'taux',
  direction: 'hausse',
  levels: [
    { min: 0, label: 'Faible (moins de 25 %)', color: '#f2e6c9' },
    { min: 0.25, label: 'En progression (25 à 50 %)', color: '#d7a84e' },
    { min: 0.5, label: 'Avancé (50 à 75 %)', color: '#8f5a1d' },
    { min: 0.75, label: 'Généralisé (75 % ou plus)', color: '#3d2308' },
  ],
  axe: 'approche-globale-donnee',
  sources: ['odt'],
  sourcesHistorique: ['odt-historique'],
  concernees:
    "Soumises à l'obligation d'ouverture (loi pour une République numérique, art. L. 312-1-1 du CRPA) : communes de 3 500 habitants ou plus, EPCI à fiscalité propre, départements et régions. Les communes de moins de 3 500 habitants sont montrées aussi, comme non soumises.",
  methodology: [
    "Une collectivité « publie des données ouvertes » lorsque l'Observatoire open data des territoires (OpenDataFrance) lui compte au moins un jeu de données, sur son portail (nb-ptf) ou sur data.gouv.fr (nb-datagouv).",
    "Chaque organisation de l'Observatoire est rapprochée du référentiel : les communes par SIREN, puis par nom normalisé dans le département, puis par l'historique des communes fusionnées ; les EPCI par SIREN ou par la table de correspondances du dépôt (successions d'EPCI) ; les départements par leur code, les régions par le code de regcode. Les doublons comptent une fois. Les lignes non rapprochées sont rejetées avec leur motif (voir rejets.csv).",
    "Le dénominateur (« concernées ») est l'ensemble des collectivités de la strate au référentiel @etalab/decoupage-administratif (populations municipales en vigueur). La strate « obligees » des communes ne retient que celles de 3 500 habitants ou plus.",
    "L'exemption des collectivités de moins de 50 agents (article D. 312-1-1-A du CRPA) n'est pas appliquée : le nombre d'agents n'est pas une donnée ouverte.",
    "Chaque semestre est calculé « à la date » de sa fin : l'instantané retenu est le plus récent dont la date de données est antérieure ou égale au dernier jour du semestre.",
    HISTORIQUE_METHODOLOGIE,
    "Les semestres issus de l'historique portent la version de méthode suivie de « +historique » : le passage à la série par collectivité est marqué comme une rupture de série.",
  ].join('\n\n'),
  version: '1.0.0',
  versions: [{ version: '1.0.0', depuis: '2016-S2', changement: 'Première version.' }],
  async periodes(w) {
    if (!(await w.tableExists('odt_organisations'))) return [];
    const rows = await w.all<{ d: string }>(`SELECT DISTINCT date_donnees AS d FROM odt_organisations ORDER BY d`);
    return [...new Set(rows.map((r) => periodeOf(r.d)))];
  },
  sql: () => `
    WITH snapshots AS (SELECT DISTINCT date_donnees FROM odt_organisations),
    snapshot_of AS (
      SELECT p.periode, max(s.date_donnees) AS date_donnees
      FROM periodes p JOIN snapshots s ON s.date_donnees <= p.fin
      GROUP BY p.periode
    ),
    published AS (
      SELECT date_donnees, categorie AS type_collectivite, code, bool_or(publie) AS publie
      FROM odt_organisations
      WHERE code IS NOT NULL AND categorie IN ('commune', 'epci', 'departement', 'region')
      GROUP BY ALL
    )
    SELECT so.periode, c.code, c.type_collectivite,
           TRUE AS concernee,
           coalesce(c.type_collectivite <> 'commune' OR c.population >= 3500, FALSE) AS obligee,
           coalesce(pub.publie, FALSE) AS atteinte,
           CASE WHEN coalesce(pub.publie, FALSE) THEN 1.0 ELSE 0.0 END AS valeur,
           so.date_donnees
    FROM snapshot_of so
    CROSS JOIN ref_collectivites c
    LEFT JOIN published pub ON pub.date_donnees = so.date_donnees AND pub.code = c.code AND pub.type_collectivite = c.type_collectivite
  `,
};
