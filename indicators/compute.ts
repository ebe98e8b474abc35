// The barometer engine: per-collectivité values → rates per indicator × semester × type × strate × territory.
import type { Config } from '../pipelines/config.ts';
import type { Logger } from '../pipelines/log.ts';
import { referential as defaultReferential, type Referential } from '../pipelines/referential.ts';
import { ensureReferential } from '../pipelines/referential-sql.ts';
import type { Column, Warehouse } from '../pipelines/warehouse.ts';
import { applyEditions } from './editions.ts';
import { HISTORIQUE_SOURCE, historiqueSql } from './historique.ts';
import { INDICATORS } from './index.ts';
import { periodeEnd, periodeStart } from './periods.ts';
import type { Indicator } from './types.ts';
import { wilsonSql } from './wilson.ts';

const VALEURS_DDL = `indicateur VARCHAR, periode VARCHAR, code VARCHAR, type_collectivite VARCHAR, concernee BOOLEAN,
  obligee BOOLEAN, atteinte BOOLEAN, valeur DOUBLE, date_donnees VARCHAR`;

export const AVERTISSEMENT_COLUMNS: Column[] = [
  { name: 'indicateur', type: 'VARCHAR' },
  { name: 'avertissement', type: 'VARCHAR' },
];

export interface ComputeOptions {
  log: Logger;
  indicators?: readonly Indicator[];
  referential?: Referential;
}

export interface ComputeSummary {
  indicators: { id: string; periodes: string[]; rows: number }[];
  barometreRows: number;
}

/** Fills `valeurs` (one row per collectivité × indicator × semester) then `barometre` and `collectivites_resultats`. */
export async function computeBarometre(config: Config, w: Warehouse, options: ComputeOptions): Promise<ComputeSummary> {
  const { log } = options;
  const indicators = options.indicators ?? INDICATORS;
  await ensureReferential(w, options.referential ?? defaultReferential());
  const summary: ComputeSummary = { indicators: [], barometreRows: 0 };
  await w.run(`CREATE OR REPLACE TEMP TABLE valeurs_new (${VALEURS_DDL})`);
  for (const indicator of indicators) {
    const periodes = await indicator.periodes(w);
    if (periodes.length === 0) {
      log.warn(`${indicator.id} : aucune donnée dans l'entrepôt (sources : ${indicator.sources.join(', ')}) ; indicateur non calculé.`);
      summary.indicators.push({ id: indicator.id, periodes, rows: 0 });
      continue;
    }
    log.progress(`${indicator.id} : calcul de ${periodes.length} semestre(s)…`);
    await w.run(`CREATE OR REPLACE TEMP TABLE periodes (periode VARCHAR, debut VARCHAR, fin VARCHAR)`);
    for (const p of periodes) await w.run(`INSERT INTO periodes VALUES ($p, $d, $f)`, { p, d: periodeStart(p), f: periodeEnd(p) });
    const before = (await w.one<{ n: number }>(`SELECT count(*) AS n FROM valeurs_new`))!.n;
    await w.run(
      `INSERT INTO valeurs_new SELECT $id, periode, code, type_collectivite, concernee, obligee, atteinte, valeur, date_donnees FROM (${indicator.sql({ periodes })})`,
      { id: indicator.id },
    );
    const after = (await w.one<{ n: number }>(`SELECT count(*) AS n FROM valeurs_new`))!.n;
    summary.indicators.push({ id: indicator.id, periodes, rows: after - before });
  }

  // Warnings the figures must carry (a match rate too low…), read now and exported with the definitions.
  const avertissements: { indicateur: string; avertissement: string }[] = [];
  for (const indicator of indicators) {
    const texte = (await indicator.avertissement?.(w)) ?? null;
    if (texte) {
      avertissements.push({ indicateur: indicator.id, avertissement: texte });
      log.warn(`${indicator.id} : ${texte}`);
    }
  }

  const versions = indicators.map((i) => `('${i.id}', '${i.version}', '${i.sources.join('+')}')`).join(', ');
  const min = config.minEffectif;
  await w.transaction(async () => {
    await w.run(`CREATE OR REPLACE TABLE valeurs AS SELECT * FROM valeurs_new`);
    await w.run(`CREATE OR REPLACE TEMP TABLE indicateurs_meta (indicateur VARCHAR, methode_version VARCHAR, source VARCHAR)`);
    await w.run(`INSERT INTO indicateurs_meta VALUES ${versions}`);
    await w.run(`CREATE OR REPLACE TABLE barometre AS ${barometreSql(min)}`);
    await addHistory(w, indicators, min);
    await applyEditions(config, w, log);
    await w.run(`CREATE OR REPLACE TABLE collectivites_resultats AS ${collectivitesSql()}`);
    await w.createTable('indicateurs_avertissements', AVERTISSEMENT_COLUMNS, { replace: true });
    await w.insert('indicateurs_avertissements', AVERTISSEMENT_COLUMNS, avertissements);
  });
  summary.barometreRows = (await w.one<{ n: number }>(`SELECT count(*) AS n FROM barometre`))!.n;
  await w.checkpoint();
  return summary;
}

/**
 * National series from history sources (counts per type, no strate nor territory), for the semesters
 * before the engine's own. Their method version carries "+historique", so the junction is a series break.
 */
async function addHistory(w: Warehouse, indicators: readonly Indicator[], minEffectif: number): Promise<void> {
  for (const indicator of indicators) {
    if (!indicator.sourcesHistorique?.includes(HISTORIQUE_SOURCE) || !(await w.tableExists('odt_historique'))) continue;
    const first = await w.one<{ p: string | null }>(`SELECT min(periode) AS p FROM barometre WHERE indicateur = $i`, { i: indicator.id });
    const history = historiqueSql({ indicateur: indicator.id, avant: first?.p ?? undefined });
    const ok = `h.concernees >= ${minEffectif}`;
    await w.run(`
      INSERT INTO barometre BY NAME
      SELECT h.indicateur, h.periode, h.niveau, h.territoire, h.type_collectivite, h.strate, h.concernees, h.atteintes,
             CASE WHEN ${ok} THEN h.atteintes::DOUBLE / h.concernees END AS taux,
             h.source, h.date_donnees, $v AS methode_version,
             CASE WHEN ${ok} THEN ${wilsonSql('h.atteintes', 'h.concernees', 'low')} END AS ic_bas,
             CASE WHEN ${ok} THEN ${wilsonSql('h.atteintes', 'h.concernees', 'high')} END AS ic_haut,
             CASE WHEN ${ok} THEN 'ok' ELSE 'effectif_insuffisant' END AS statut,
             CASE WHEN h.type_collectivite = 'commune' THEN 'partielle' ELSE 'oui' END AS obligation,
             FALSE AS rupture_serie
      FROM (${history}) h`, { v: `${indicator.version}+historique` });
  }
}

/**
 * Aggregation. Territory levels: national (every type), région (communes, EPCI, départements),
 * département (communes, EPCI). Strates: each band, `toutes`, and for communes `obligees`
 * when the indicator distinguishes collectivités under a legal obligation.
 */
export function barometreSql(minEffectif: number): string {
  const grouped = `
    WITH v AS (
      SELECT v.*, c.strate, c.population, c.departement, c.region
      FROM valeurs v JOIN ref_collectivites c USING (code, type_collectivite)
      WHERE v.concernee
    ),
    partial_obligation AS (
      SELECT indicateur FROM v WHERE type_collectivite = 'commune' GROUP BY indicateur HAVING bool_or(NOT obligee)
    ),
    s AS (
      SELECT *, strate AS strate_id FROM v
      UNION ALL SELECT *, 'toutes' FROM v
      UNION ALL SELECT *, 'obligees' FROM v WHERE type_collectivite = 'commune' AND obligee AND indicateur IN (SELECT indicateur FROM partial_obligation)
    ),
    t AS (
      SELECT *, 'national' AS niveau, 'FR' AS territoire FROM s
      UNION ALL SELECT *, 'region', region FROM s WHERE type_collectivite IN ('commune', 'epci', 'departement') AND region IS NOT NULL
      UNION ALL SELECT *, 'departement', departement FROM s WHERE type_collectivite IN ('commune', 'epci') AND departement IS NOT NULL
    ),
    g AS (
      SELECT indicateur, periode, niveau, territoire, type_collectivite, strate_id AS strate,
             count(*)::INTEGER AS concernees,
             count(*) FILTER (WHERE atteinte)::INTEGER AS atteintes,
             sum(population)::BIGINT AS population_concernee,
             coalesce(sum(population) FILTER (WHERE atteinte), 0)::BIGINT AS population_atteinte,
             max(date_donnees) AS date_donnees,
             CASE WHEN bool_and(obligee) THEN 'oui' WHEN bool_or(obligee) THEN 'partielle' ELSE 'non' END AS obligation
      FROM t GROUP BY ALL
    )`;
  const ok = `g.concernees >= ${minEffectif}`;
  return `${grouped}
    SELECT g.indicateur, g.periode, g.niveau, g.territoire, g.type_collectivite, g.strate,
           g.concernees, g.atteintes,
           CASE WHEN ${ok} THEN g.atteintes::DOUBLE / g.concernees END AS taux,
           g.population_concernee, g.population_atteinte,
           m.source, g.date_donnees, m.methode_version,
           CASE WHEN ${ok} THEN ${wilsonSql('g.atteintes', 'g.concernees', 'low')} END AS ic_bas,
           CASE WHEN ${ok} THEN ${wilsonSql('g.atteintes', 'g.concernees', 'high')} END AS ic_haut,
           CASE WHEN ${ok} AND g.population_concernee > 0 THEN g.population_atteinte::DOUBLE / g.population_concernee END AS taux_population,
           CASE WHEN ${ok} THEN 'ok' ELSE 'effectif_insuffisant' END AS statut,
           g.obligation,
           NULL::VARCHAR AS edition,
           FALSE AS rupture_serie
    FROM g JOIN indicateurs_meta m USING (indicateur)
    LEFT JOIN ref_strates rs ON rs.id = g.strate
    ORDER BY g.indicateur, g.periode, CASE g.niveau WHEN 'national' THEN 0 WHEN 'region' THEN 1 ELSE 2 END, g.territoire,
             g.type_collectivite, coalesce(rs.ordre, CASE g.strate WHEN 'obligees' THEN 100 WHEN 'toutes' THEN 101 ELSE 99 END), g.strate`;
}

/** One row per collectivité × indicator × semester, with its place among its strate nationally and in its département. */
export function collectivitesSql(): string {
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
