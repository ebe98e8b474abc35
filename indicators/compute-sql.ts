// The aggregation SQL of the engine (compute.ts): the barometer's grouping sets, the places of each collectivité in
// its strate and département, the order of the barometer's rows, and the code that enters each fingerprint.
import { historiqueSql } from './historique.ts';
import { wilsonSql } from './wilson.ts';

/** The order of the barometer's rows (levels, then territories, types and strates in the referential's order). */
export const BAROMETRE_ORDER = `x.indicateur, x.periode, CASE x.niveau WHEN 'national' THEN 0 WHEN 'region' THEN 1 ELSE 2 END, x.territoire,
  x.type_collectivite, coalesce(rs.ordre, CASE x.strate WHEN 'obligees' THEN 100 WHEN 'toutes' THEN 101 ELSE 99 END), x.strate, x.nature NULLS FIRST`;

/** The values to aggregate: concerned collectivités with their strate and territories, optionally only some indicators. */
function concernees(only?: string): string {
  return `SELECT v.indicateur, v.periode, v.code, v.type_collectivite, v.obligee, v.atteinte, v.valeur, v.date_donnees,
                 c.nom, c.strate, c.population, c.departement, c.region, c.nature AS nature_epci
          FROM valeurs${only ? '_new' : ''} v JOIN ref_collectivites c USING (code, type_collectivite)
          WHERE v.concernee${only ? ` AND v.indicateur IN (SELECT indicateur FROM ${only})` : ''}`;
}

const AGGREGATES = `count(*)::INTEGER AS concernees,
             count(*) FILTER (WHERE atteinte)::INTEGER AS atteintes,
             sum(population)::BIGINT AS population_concernee,
             coalesce(sum(population) FILTER (WHERE atteinte), 0)::BIGINT AS population_atteinte,
             max(date_donnees) AS date_donnees,
             median(valeur) AS valeur_mediane,
             CASE WHEN bool_and(obligee) THEN 'oui' WHEN bool_or(obligee) THEN 'partielle' ELSE 'non' END AS obligation`;

/**
 * Aggregation, in one pass of grouping sets rather than copies of the rows. Territory levels: national (every
 * type), région (communes, EPCI, départements), département (communes, EPCI). Strates: each band, `toutes`, and for
 * communes `obligees` when the indicator distinguishes collectivités under a legal obligation. EPCI also per nature
 * (all strates together), nationally and per région. `only`: a table of the indicators to aggregate (their values
 * are then read from `valeurs_new`).
 */
export function barometreSql(minEffectif: number, only?: string): string {
  const grouped = `
    WITH v AS (${concernees(only)}),
    partial_obligation AS (
      SELECT indicateur FROM v WHERE type_collectivite = 'commune' GROUP BY indicateur HAVING bool_or(NOT obligee)
    ),
    sets AS (
      SELECT indicateur, periode, type_collectivite,
             CASE WHEN GROUPING(region) = 0 THEN 'region' WHEN GROUPING(departement) = 0 THEN 'departement' ELSE 'national' END AS niveau,
             CASE WHEN GROUPING(region) = 0 THEN region WHEN GROUPING(departement) = 0 THEN departement ELSE 'FR' END AS territoire,
             CASE WHEN GROUPING(strate) = 0 THEN strate ELSE 'toutes' END AS strate,
             CASE WHEN GROUPING(nature_epci) = 0 THEN nature_epci END AS nature,
             GROUPING(nature_epci) = 0 AS par_nature,
             ${AGGREGATES}
      FROM v
      GROUP BY GROUPING SETS (
        (indicateur, periode, type_collectivite, strate), (indicateur, periode, type_collectivite),
        (indicateur, periode, type_collectivite, region, strate), (indicateur, periode, type_collectivite, region),
        (indicateur, periode, type_collectivite, departement, strate), (indicateur, periode, type_collectivite, departement),
        (indicateur, periode, type_collectivite, nature_epci), (indicateur, periode, type_collectivite, region, nature_epci)
      )
    ),
    obligees AS (
      SELECT indicateur, periode, type_collectivite,
             CASE WHEN GROUPING(region) = 0 THEN 'region' WHEN GROUPING(departement) = 0 THEN 'departement' ELSE 'national' END AS niveau,
             CASE WHEN GROUPING(region) = 0 THEN region WHEN GROUPING(departement) = 0 THEN departement ELSE 'FR' END AS territoire,
             'obligees' AS strate, NULL::VARCHAR AS nature, FALSE AS par_nature,
             ${AGGREGATES}
      FROM v
      WHERE type_collectivite = 'commune' AND obligee AND indicateur IN (SELECT indicateur FROM partial_obligation)
      GROUP BY GROUPING SETS ((indicateur, periode, type_collectivite), (indicateur, periode, type_collectivite, region), (indicateur, periode, type_collectivite, departement))
    ),
    g AS (
      SELECT * FROM (SELECT * FROM sets UNION ALL SELECT * FROM obligees)
      WHERE territoire IS NOT NULL
        AND (niveau <> 'region' OR type_collectivite IN ('commune', 'epci', 'departement'))
        AND (niveau <> 'departement' OR type_collectivite IN ('commune', 'epci'))
        AND (NOT par_nature OR (type_collectivite = 'epci' AND nature IS NOT NULL))
    )`;
  const ok = `g.concernees >= ${minEffectif}`;
  return `${grouped}
    SELECT g.indicateur, g.periode, g.niveau, g.territoire, g.type_collectivite, g.strate, g.nature,
           g.concernees, g.atteintes,
           CASE WHEN ${ok} THEN g.atteintes::DOUBLE / g.concernees END AS taux,
           g.population_concernee, g.population_atteinte,
           m.source, g.date_donnees, m.methode_version,
           CASE WHEN ${ok} THEN ${wilsonSql('g.atteintes', 'g.concernees', 'low')} END AS ic_bas,
           CASE WHEN ${ok} THEN ${wilsonSql('g.atteintes', 'g.concernees', 'high')} END AS ic_haut,
           CASE WHEN ${ok} AND g.population_concernee > 0 THEN g.population_atteinte::DOUBLE / g.population_concernee END AS taux_population,
           CASE WHEN ${ok} AND m.mediane THEN g.valeur_mediane END AS valeur_mediane,
           CASE WHEN ${ok} THEN 'ok' ELSE 'effectif_insuffisant' END AS statut,
           g.obligation,
           NULL::VARCHAR AS edition,
           FALSE AS rupture_serie
    FROM g JOIN indicateurs_meta m USING (indicateur)`;
}

/**
 * One row per collectivité × indicator × semester, with its place among its strate nationally and in its département.
 * One sorted window pass per partition gives the count, the non-null count and the cumulative distribution; the rank
 * (best first, ties sharing it) follows from them: 1 + the number of greater values = 1 + non-null − #(values ≤ v),
 * and a missing value ranks after all the others, as `rank() … ORDER BY valeur DESC NULLS LAST` would.
 */
export function collectivitesSql(only?: string): string {
  const rank = (n: string, nn: string, cd: string) => `(CASE WHEN valeur IS NULL THEN 1 + ${nn} ELSE 1 + ${nn} - round(${cd} * ${n})::INTEGER END)::INTEGER`;
  // Medians and rates come from a GROUP BY joined back: a median window over whole partitions is quadratic.
  return `
    WITH v AS (${concernees(only)}),
    stats AS (
      SELECT indicateur, periode, type_collectivite, strate,
             median(valeur) AS mediane_strate, avg(CASE WHEN atteinte THEN 1.0 ELSE 0.0 END) AS taux_strate
      FROM v GROUP BY ALL
    ),
    windows AS (
      SELECT v.*,
        count(*) OVER s AS n_s, count(valeur) OVER s AS nn_s, cume_dist() OVER s AS cd_s,
        count(*) OVER d AS n_d, count(valeur) OVER d AS nn_d, cume_dist() OVER d AS cd_d
      FROM v
      WINDOW s AS (PARTITION BY indicateur, periode, type_collectivite, strate ORDER BY valeur ASC NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
             d AS (PARTITION BY indicateur, periode, type_collectivite, strate, departement ORDER BY valeur ASC NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    )
    SELECT r.code, r.type_collectivite, r.nom, r.strate, r.departement, r.region, r.population,
           r.indicateur, r.periode, r.valeur, r.atteinte, r.obligee,
           ${rank('r.n_s', 'r.nn_s', 'r.cd_s')} AS rang_strate, r.n_s::INTEGER AS effectif_strate, round(100 * r.cd_s, 1) AS percentile_strate,
           ${rank('r.n_d', 'r.nn_d', 'r.cd_d')} AS rang_departement, r.n_d::INTEGER AS effectif_departement, round(100 * r.cd_d, 1) AS percentile_departement,
           s.mediane_strate, s.taux_strate, r.date_donnees, m.methode_version
    FROM windows r
    JOIN stats s USING (indicateur, periode, type_collectivite, strate)
    JOIN indicateurs_meta m USING (indicateur)`;
}

/** The aggregation code, part of each indicator's fingerprint: changing it recomputes every indicator. */
export const AGGREGATION_SQL = [barometreSql(0, 'x'), collectivitesSql('x'), historiqueSql({ indicateur: 'x' })].join('\n');
