// The national history of `ouverture-donnees` before the first organisations snapshot, from the
// Observatory's counts per type (source `odt-historique`). The engine aggregates per collectivité and
// these counts name none, so this is a table-level query the engine adds next to its own rows.

export const HISTORIQUE_SOURCE = 'odt-historique';

/** Columns of `historiqueSql()`, in order, with what each holds (for the engine and the Table Schema). */
export const HISTORIQUE_COLUMNS = [
  { name: 'indicateur', type: 'VARCHAR', description: "Identifiant de l'indicateur (ouverture-donnees)." },
  { name: 'periode', type: 'VARCHAR', description: 'Semestre AAAA-S1 ou AAAA-S2.' },
  { name: 'niveau', type: 'VARCHAR', description: 'Toujours national : la série ne donne aucun territoire.' },
  { name: 'territoire', type: 'VARCHAR', description: 'Toujours FR.' },
  { name: 'type_collectivite', type: 'VARCHAR', description: 'commune, epci, departement ou region.' },
  { name: 'strate', type: 'VARCHAR', description: 'Toujours toutes : la série ne donne aucune strate.' },
  { name: 'concernees', type: 'INTEGER', description: "Collectivités du type au référentiel d'aujourd'hui." },
  { name: 'atteintes', type: 'INTEGER', description: "Collectivités publiant des données selon l'observation la plus récente datée au plus tard de la fin du semestre." },
  { name: 'date_donnees', type: 'VARCHAR', description: "Date de l'observation retenue (AAAA-MM-JJ)." },
  { name: 'source', type: 'VARCHAR', description: 'odt-historique.' },
] as const;

export const HISTORIQUE_METHODOLOGIE = [
  "Avant le premier instantané des organisations, la série est prolongée par l'historique national de l'Observatoire open data des territoires (OpenDataFrance) : le nombre de collectivités publiant des données ouvertes, par type, à chaque date d'observation depuis octobre 2016.",
  "Chaque semestre retient l'observation la plus récente datée au plus tard du dernier jour du semestre ; un libellé de mois (« Octobre 2016 ») est daté du dernier jour de ce mois. Les semestres vont de celui de la première observation à celui de la dernière ; un semestre sans observation nouvelle reprend la précédente.",
  "Le dénominateur est le nombre de collectivités du type au référentiel d'aujourd'hui, et non celui de la date d'observation : les fusions de communes et d'EPCI depuis 2016 ont réduit leur nombre, ce qui surestime un peu le taux des premières années. L'Observatoire comptait aussi quelques collectivités d'outre-mer hors du périmètre du baromètre.",
  "Cette série est nationale seulement, toutes strates confondues : elle ne dit ni quelles collectivités publiaient, ni où, ni dans quelle strate.",
].join('\n\n');

export interface HistoriqueOptions {
  /** Indicator id written in the rows. */
  indicateur?: string;
  /** Keep only semesters strictly before this one (e.g. the first semester the engine computes itself). */
  avant?: string;
}

/**
 * SQL returning one row per semester × type: `indicateur, periode, niveau, territoire, type_collectivite,
 * strate, concernees, atteintes, date_donnees, source`. Reads `odt_historique` and `ref_collectivites`.
 */
export function historiqueSql({ indicateur = 'ouverture-donnees', avant }: HistoriqueOptions = {}): string {
  if (avant !== undefined && !/^\d{4}-S[12]$/.test(avant)) throw new Error(`Période invalide « ${avant} » : format attendu AAAA-S1 ou AAAA-S2.`);
  const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
  // Semester k = 2 × year + (0 for S1, 1 for S2), from the first observation's to the last one's.
  return `
    WITH bounds AS (
      SELECT min(2 * year(d) + CASE WHEN month(d) <= 6 THEN 0 ELSE 1 END) AS k0,
             max(2 * year(d) + CASE WHEN month(d) <= 6 THEN 0 ELSE 1 END) AS k1
      FROM (SELECT CAST(date_observation AS DATE) AS d FROM odt_historique)
    ),
    semestres AS (
      SELECT k // 2 || '-S' || (k % 2 + 1) AS periode,
             strftime(CASE WHEN k % 2 = 0 THEN make_date(CAST(k // 2 AS BIGINT), 6, 30) ELSE make_date(CAST(k // 2 AS BIGINT), 12, 31) END, '%Y-%m-%d') AS fin
      FROM bounds, range(k0, k1 + 1) AS r(k)
      WHERE k0 IS NOT NULL
    ),
    observe AS (
      SELECT s.periode, h.type_collectivite,
             arg_max(h.nombre, h.date_observation) AS atteintes,
             max(h.date_observation) AS date_donnees
      FROM semestres s JOIN odt_historique h ON h.date_observation <= s.fin
      GROUP BY ALL
    ),
    referentiel AS (
      SELECT type_collectivite, count(*)::INTEGER AS concernees FROM ref_collectivites GROUP BY ALL
    )
    SELECT ${lit(indicateur)} AS indicateur, o.periode, 'national' AS niveau, 'FR' AS territoire, o.type_collectivite,
           'toutes' AS strate, r.concernees, o.atteintes::INTEGER AS atteintes, o.date_donnees, ${lit(HISTORIQUE_SOURCE)} AS source
    FROM observe o JOIN referentiel r USING (type_collectivite)
    ${avant ? `WHERE o.periode < ${lit(avant)}` : ''}
    ORDER BY o.periode, CASE o.type_collectivite WHEN 'commune' THEN 0 WHEN 'epci' THEN 1 WHEN 'departement' THEN 2 ELSE 3 END`;
}
