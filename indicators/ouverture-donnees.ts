import type { Warehouse } from '../pipelines/base/warehouse.ts';
import type { ComputeContext, Indicator } from './types.ts';
import { HISTORIQUE_METHODOLOGIE } from './historique.ts';
import { nextPeriode, periodeOf, periodesBetween } from './periods.ts';

/** The last semester measured by the Observatoire open data des territoires; data.gouv.fr takes over after it. */
export const RELAIS_ODT = '2022-S2';

const TYPES = `('commune', 'epci', 'departement', 'region')`;
const OBLIGEE = `coalesce(c.type_collectivite <> 'commune' OR c.population >= 3500, FALSE)`;

/** The semester of a date column, in SQL. */
const periodeOfSql = (d: string) => `(year(CAST(${d} AS DATE)) || '-S' || CASE WHEN month(CAST(${d} AS DATE)) <= 6 THEN 1 ELSE 2 END)`;

/** Per collectivité and ODT snapshot: whether the Observatory counted it as publishing. */
const ODT_PUBLIE = `
  SELECT date_donnees, categorie AS type_collectivite, code, bool_or(publie) AS publie
  FROM odt_organisations
  WHERE code IS NOT NULL AND categorie IN ${TYPES}
  GROUP BY ALL`;

/** Per collectivité, on the date `d` of `dates(d)`: whether one of its data.gouv.fr organisations had a public dataset. */
const DATAGOUV_PUBLIE = (dates: string) => `
  SELECT x.d, o.categorie AS type_collectivite, o.code
  FROM ${dates} x
  JOIN datagouv_jeux j ON j.cree_le <= x.d AND (j.archive_le IS NULL OR j.archive_le > x.d) AND NOT coalesce(j.prive, FALSE)
  JOIN datagouv_organisations o ON o.id = j.organisation_id
  WHERE o.code IS NOT NULL AND o.categorie IN ${TYPES}
  GROUP BY ALL`;

async function hasRows(w: Warehouse, table: string): Promise<boolean> {
  return (await w.tableExists(table)) && ((await w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${table}`))?.n ?? 0) > 0;
}

export const ouvertureDonnees: Indicator = {
  id: 'ouverture-donnees',
  label: 'Collectivités publiant des données ouvertes',
  labelCourt: 'Données ouvertes',
  description:
    "Part des collectivités qui publient au moins un jeu de données ouvertes : selon l'Observatoire open data des territoires (portail local ou data.gouv.fr) jusqu'en 2022, selon le catalogue de data.gouv.fr ensuite.",
  unit: 'taux',
  direction: 'hausse',
  levels: [
    { min: 0, label: 'Faible (moins de 25 %)', color: '#f2e6c9' },
    { min: 0.25, label: 'En progression (25 à 50 %)', color: '#d7a84e' },
    { min: 0.5, label: 'Avancé (50 à 75 %)', color: '#8f5a1d' },
    { min: 0.75, label: 'Généralisé (75 % ou plus)', color: '#3d2308' },
  ],
  phrases: {
    atteinte: '{nom} publie des données ouvertes.',
    // The page adds the semester's own source (« selon … »): the series joins two sources.
    nonAtteinte: '{nom} ne publie pas de données ouvertes.',
    obligation: { obligee: 'Elle y est soumise par la loi.', nonObligee: 'Elle n’y est pas soumise (moins de 3 500 habitants).' },
  },
  axe: 'approche-globale-donnee',
  sources: ['odt', 'datagouv'],
  sourcesHistorique: ['odt-historique'],
  relais: [{ source: 'odt', jusqua: RELAIS_ODT }, { source: 'datagouv' }],
  concernees:
    "Soumises à l'obligation d'ouverture (loi pour une République numérique, art. L. 312-1-1 du CRPA) : communes de 3 500 habitants ou plus, EPCI à fiscalité propre, départements et régions. Les communes de moins de 3 500 habitants sont montrées aussi, comme non soumises.",
  methodology: [
    "Jusqu'au 2e semestre 2022, une collectivité « publie des données ouvertes » lorsque l'Observatoire open data des territoires (OpenDataFrance) lui compte au moins un jeu de données, sur son portail (nb-ptf) ou sur data.gouv.fr (nb-datagouv), ou, dans les éditions qui ne donnent pas ces nombres (octobre 2020, décembre 2022), lorsqu'il la liste parmi les organisations qui publient. Chaque semestre de 2020-S2 à 2022-S2 repose sur une édition réelle de l'Observatoire (octobre 2020, avril 2021, novembre et décembre 2021, octobre et décembre 2022) ; le 1er semestre 2022, sans édition, reprend celle de décembre 2021.",
    "Chaque organisation de l'Observatoire est rapprochée du référentiel : les communes par SIREN, puis par nom normalisé dans le département, puis par l'historique des communes fusionnées ; les EPCI par SIREN ou par la table de correspondances du dépôt (successions d'EPCI) ; les départements par leur code, les régions par le code de regcode ; dans une édition sans colonne de type (décembre 2022), le type vient du référentiel par le SIREN. Les doublons comptent une fois. Les lignes non rapprochées sont rejetées avec leur motif (voir rejets.csv).",
    "À partir du 1er semestre 2023, l'Observatoire ne publiant plus d'observation, la mesure vient du catalogue de data.gouv.fr : une collectivité publie lorsqu'une organisation data.gouv.fr qui est elle (même SIREN, les 9 premiers chiffres de son numéro SIRET, ou, sans SIREN, un nom — « Ville de … », « Département de … », « Région … », « Communauté de communes … », « … Métropole » — qui ne désigne qu'une collectivité du référentiel) a au moins un jeu de données public non archivé à la fin du semestre. Un seul export suffit à refaire toute la série : la date de création de chaque jeu et sa date d'archivage disent s'il était public à chaque fin de semestre passée.",
    "Ce que data.gouv.fr ne voit pas : les jeux supprimés (absents de l'export, ils ne comptent pour aucun semestre passé), les portails locaux que data.gouv.fr ne moissonne pas, les données publiées sous l'organisation d'un tiers (un syndicat, un département pour ses communes) ; la date de création d'un jeu moissonné peut être celle de son portail d'origine. Le passage de l'Observatoire à data.gouv.fr est donc une rupture de série : les deux mesures du même semestre sont montrées côte à côte avec leur écart (raccords.csv).",
    "Le dénominateur (« concernées ») est l'ensemble des collectivités de la strate au référentiel @etalab/decoupage-administratif (populations municipales en vigueur). La strate « obligees » des communes ne retient que celles de 3 500 habitants ou plus. Les EPCI sont aussi comptés par nature (communautés de communes, d'agglomération, urbaines, métropoles).",
    "L'exemption des collectivités de moins de 50 agents (article D. 312-1-1-A du CRPA) n'est pas appliquée : le nombre d'agents n'est pas une donnée ouverte.",
    "Chaque semestre est calculé « à la date » de sa fin : pour l'Observatoire, l'édition retenue est la plus récente datée au plus tard du dernier jour du semestre ; pour data.gouv.fr, l'état des jeux à cette date (ou à la date de l'export pour le semestre en cours).",
    HISTORIQUE_METHODOLOGIE,
    "Les semestres issus de l'historique portent la version de méthode suivie de « +historique », ceux de l'Observatoire « +odt », ceux de data.gouv.fr « +datagouv » : chaque changement de source est marqué comme une rupture de série. Les chiffres publiés par les producteurs sont comparés aux nôtres dans chiffres-publies.csv, avec l'explication de chaque écart.",
  ].join('\n\n'),
  version: '2.0.0',
  versions: [
    { version: '1.0.0', depuis: '2016-S2', changement: 'Première version.' },
    {
      version: '2.0.0',
      depuis: '2023-S1',
      changement:
        "Toutes les éditions de l'Observatoire de 2020-S2 à 2022-S2 lues par un seul modèle ; relais par le catalogue de data.gouv.fr à partir du 1er semestre 2023 (rupture de série) ; EPCI comptés aussi par nature.",
    },
  ],
  async periodes(w) {
    const out = new Set<string>();
    if (await hasRows(w, 'odt_organisations')) {
      const r = (await w.one<{ a: string; b: string }>(`SELECT min(date_donnees) AS a, max(date_donnees) AS b FROM odt_organisations`))!;
      const last = periodeOf(r.b) < RELAIS_ODT ? periodeOf(r.b) : RELAIS_ODT;
      if (periodeOf(r.a) <= last) for (const p of periodesBetween(periodeOf(r.a), last)) out.add(p);
    }
    if ((await hasRows(w, 'datagouv_organisations')) && (await w.tableExists('datagouv_jeux'))) {
      const r = (await w.one<{ d: string }>(`SELECT max(date_donnees) AS d FROM datagouv_organisations`))!;
      const first = nextPeriode(RELAIS_ODT);
      if (periodeOf(r.d) >= first) for (const p of periodesBetween(first, periodeOf(r.d))) out.add(p);
    }
    return [...out].sort();
  },
  sql: ({ tables }: ComputeContext) => {
    const has = (t: string) => tables?.has(t) ?? true;
    const parts: string[] = [];
    if (has('odt_organisations')) {
      parts.push(`
        WITH snapshots AS (SELECT DISTINCT date_donnees FROM odt_organisations),
        snapshot_of AS (
          SELECT p.periode, max(s.date_donnees) AS date_donnees
          FROM periodes p JOIN snapshots s ON s.date_donnees <= p.fin
          WHERE p.periode <= '${RELAIS_ODT}'
          GROUP BY p.periode
        ),
        published AS (${ODT_PUBLIE})
        SELECT so.periode, c.code, c.type_collectivite, TRUE AS concernee, ${OBLIGEE} AS obligee,
               coalesce(pub.publie, FALSE) AS atteinte, CASE WHEN coalesce(pub.publie, FALSE) THEN 1.0 ELSE 0.0 END AS valeur, so.date_donnees
        FROM snapshot_of so
        CROSS JOIN ref_collectivites c
        LEFT JOIN published pub ON pub.date_donnees = so.date_donnees AND pub.code = c.code AND pub.type_collectivite = c.type_collectivite`);
    }
    if (has('datagouv_organisations') && has('datagouv_jeux')) {
      // The state on the semester's last day, or on the export's date for the semester under way.
      parts.push(`
        WITH export AS (SELECT max(date_donnees) AS date_donnees FROM datagouv_organisations),
        observe AS (
          SELECT p.periode, least(p.fin, e.date_donnees) AS d, e.date_donnees
          FROM periodes p, export e
          WHERE p.periode > '${RELAIS_ODT}' AND p.debut <= e.date_donnees
        ),
        published AS (${DATAGOUV_PUBLIE('observe')})
        SELECT ob.periode, c.code, c.type_collectivite, TRUE AS concernee, ${OBLIGEE} AS obligee,
               pub.code IS NOT NULL AS atteinte, CASE WHEN pub.code IS NOT NULL THEN 1.0 ELSE 0.0 END AS valeur, ob.date_donnees
        FROM observe ob
        CROSS JOIN ref_collectivites c
        LEFT JOIN published pub ON pub.d = ob.d AND pub.code = c.code AND pub.type_collectivite = c.type_collectivite`);
    }
    return parts.length > 0 ? parts.map((p) => `(${p})`).join('\nUNION ALL\n') : `SELECT NULL AS periode WHERE FALSE`;
  },
  raccord: {
    avant: 'odt',
    apres: 'datagouv',
    // Each semester holding an edition of the Observatory that data.gouv.fr's history also covers, compared on the
    // edition's own date (the latest edition of the semester).
    sql: ({ tables }) => {
      if (!['odt_organisations', 'datagouv_organisations', 'datagouv_jeux'].every((t) => tables?.has(t) ?? true)) return null;
      return `
        WITH export AS (SELECT max(date_donnees) AS date_donnees FROM datagouv_organisations),
        debut AS (SELECT min(cree_le) AS d FROM datagouv_jeux),
        editions AS (
          SELECT ${periodeOfSql('s.date_donnees')} AS periode, max(s.date_donnees) AS d
          FROM (SELECT DISTINCT date_donnees FROM odt_organisations) s, export e, debut b
          WHERE s.date_donnees <= e.date_donnees AND s.date_donnees >= b.d
          GROUP BY 1
        ),
        odt AS (${ODT_PUBLIE}),
        dg AS (${DATAGOUV_PUBLIE('editions')})
        SELECT ed.periode, c.code, c.type_collectivite, ${OBLIGEE} AS obligee,
               coalesce(odt.publie, FALSE) AS atteinte_avant, dg.code IS NOT NULL AS atteinte_apres,
               ed.d AS date_avant, ed.d AS date_apres
        FROM editions ed
        CROSS JOIN ref_collectivites c
        LEFT JOIN odt ON odt.date_donnees = ed.d AND odt.code = c.code AND odt.type_collectivite = c.type_collectivite
        LEFT JOIN dg ON dg.d = ed.d AND dg.code = c.code AND dg.type_collectivite = c.type_collectivite`;
    },
  },
};
