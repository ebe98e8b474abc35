// The aggregation SQL as it was written first (copies of the rows by UNION ALL, one window per rank, percentile and
// count): the specification that the single-pass formulation of indicators/compute.ts must match row for row.
import { wilsonSql } from '../../indicators/wilson.ts';

export function barometreSqlReference(minEffectif: number): string {
  const grouped = `
    WITH v AS (
      SELECT v.*, c.strate, c.population, c.departement, c.region, c.nature AS nature_epci
      FROM valeurs v JOIN ref_collectivites c USING (code, type_collectivite)
      WHERE v.concernee
    ),
    partial_obligation AS (
      SELECT indicateur FROM v WHERE type_collectivite = 'commune' GROUP BY indicateur HAVING bool_or(NOT obligee)
    ),
    s AS (
      SELECT *, strate AS strate_id, NULL::VARCHAR AS nature FROM v
      UNION ALL SELECT *, 'toutes', NULL FROM v
      UNION ALL SELECT *, 'obligees', NULL FROM v WHERE type_collectivite = 'commune' AND obligee AND indicateur IN (SELECT indicateur FROM partial_obligation)
      -- EPCI per nature (CC, CA, CU, METRO), all strates together, nationally and per région.
      UNION ALL SELECT *, 'toutes', nature_epci FROM v WHERE type_collectivite = 'epci' AND nature_epci IS NOT NULL
    ),
    t AS (
      SELECT *, 'national' AS niveau, 'FR' AS territoire FROM s
      UNION ALL SELECT *, 'region', region FROM s WHERE type_collectivite IN ('commune', 'epci', 'departement') AND region IS NOT NULL
      UNION ALL SELECT *, 'departement', departement FROM s WHERE type_collectivite IN ('commune', 'epci') AND departement IS NOT NULL AND nature IS NULL
    ),
    g AS (
      SELECT indicateur, periode, niveau, territoire, type_collectivite, strate_id AS strate, nature,
             count(*)::INTEGER AS concernees,
             count(*) FILTER (WHERE atteinte)::INTEGER AS atteintes,
             sum(population)::BIGINT AS population_concernee,
             coalesce(sum(population) FILTER (WHERE atteinte), 0)::BIGINT AS population_atteinte,
             max(date_donnees) AS date_donnees,
             median(valeur) AS valeur_mediane,
             CASE WHEN bool_and(obligee) THEN 'oui' WHEN bool_or(obligee) THEN 'partielle' ELSE 'non' END AS obligation
      FROM t GROUP BY ALL
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
    FROM g JOIN indicateurs_meta m USING (indicateur)
    LEFT JOIN ref_strates rs ON rs.id = g.strate
    ORDER BY g.indicateur, g.periode, CASE g.niveau WHEN 'national' THEN 0 WHEN 'region' THEN 1 ELSE 2 END, g.territoire,
             g.type_collectivite, coalesce(rs.ordre, CASE g.strate WHEN 'obligees' THEN 100 WHEN 'toutes' THEN 101 ELSE 99 END), g.strate, g.nature NULLS FIRST`;
}

/** One row per collectivité × indicator × semester, with its place among its strate nationally and in its département. */
export function collectivitesSqlReference(): string {
  // Medians and rates come from a GROUP BY joined back: a median window over whole partitions is quadratic.
  return `
    WITH v AS (
      SELECT v.*, c.nom, c.strate, c.departement, c.region, c.population
      FROM valeurs v JOIN ref_collectivites c USING (code, type_collectivite)
      WHERE v.concernee
    ),
    stats AS (
      SELECT indicateur, periode, type_collectivite, strate,
             median(valeur) AS mediane_strate, avg(CASE WHEN atteinte THEN 1.0 ELSE 0.0 END) AS taux_strate
      FROM v GROUP BY ALL
    ),
    ranked AS (
      SELECT v.*,
        rank() OVER (PARTITION BY indicateur, periode, type_collectivite, strate ORDER BY valeur DESC)::INTEGER AS rang_strate,
        count(*) OVER (PARTITION BY indicateur, periode, type_collectivite, strate)::INTEGER AS effectif_strate,
        round(100 * cume_dist() OVER (PARTITION BY indicateur, periode, type_collectivite, strate ORDER BY valeur ASC), 1) AS percentile_strate,
        rank() OVER (PARTITION BY indicateur, periode, type_collectivite, strate, departement ORDER BY valeur DESC)::INTEGER AS rang_departement,
        count(*) OVER (PARTITION BY indicateur, periode, type_collectivite, strate, departement)::INTEGER AS effectif_departement,
        round(100 * cume_dist() OVER (PARTITION BY indicateur, periode, type_collectivite, strate, departement ORDER BY valeur ASC), 1) AS percentile_departement
      FROM v
    )
    SELECT r.code, r.type_collectivite, r.nom, r.strate, r.departement, r.region, r.population,
           r.indicateur, r.periode, r.valeur, r.atteinte, r.obligee,
           r.rang_strate, r.effectif_strate, r.percentile_strate,
           r.rang_departement, r.effectif_departement, r.percentile_departement,
           s.mediane_strate, s.taux_strate, r.date_donnees, m.methode_version
    FROM ranked r
    JOIN stats s USING (indicateur, periode, type_collectivite, strate)
    JOIN indicateurs_meta m USING (indicateur)
    ORDER BY r.indicateur, r.periode, r.type_collectivite, r.code`;
}
