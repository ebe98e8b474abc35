// The barometer engine: per-collectivité values → rates per indicator × semester × type × strate × territory.
import type { Config } from '../pipelines/config.ts';
import type { Logger } from '../pipelines/log.ts';
import { referential as defaultReferential, storeReferential, type Referential } from '../pipelines/referential.ts';
import type { Column, Warehouse } from '../pipelines/warehouse.ts';
import { resolveChantiers } from './chantiers-indicateurs.ts';
import { computable, indicatorState, sourceStates, usable, usableTables, type SourceEtat } from './disponibilite.ts';
import { applyEditions } from './editions.ts';
import { HISTORIQUE_SOURCE, historiqueSql } from './historique.ts';
import { INDICATORS } from './index.ts';
import { periodeEnd, periodeStart } from './periods.ts';
import type { Indicator } from './types.ts';
import { computeChiffresPublies } from './chiffres-publies.ts';
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
  await storeReferential(w, options.referential ?? defaultReferential());
  // The workstreams' indicators are checked here, before any work: an unknown id fails the compute.
  resolveChantiers();
  const states = await sourceStates(w);
  const summary: ComputeSummary = { indicators: [], barometreRows: 0 };
  await w.run(`CREATE OR REPLACE TEMP TABLE valeurs_new (${VALEURS_DDL})`);
  // The tables an indicator may read: those of sources whose data may be used (under real data, a source that has
  // only its sample is left out, so that a series relayed by two sources never mixes real and sample figures).
  const tables = usableTables(new Set((await w.all<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'main'`)).map((r) => r.t)), states);
  for (const indicator of indicators) {
    if (!computable(indicator, states)) {
      log.warn(`${indicator.id} : indicateur non calculé. ${indicatorState(indicator, states, false).raison}`);
      summary.indicators.push({ id: indicator.id, periodes: [], rows: 0 });
      continue;
    }
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
      `INSERT INTO valeurs_new SELECT $id, periode, code, type_collectivite, concernee, obligee, atteinte, valeur, date_donnees FROM (${indicator.sql({ periodes, tables })})`,
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

  // `mediane`: the indicator's values are shares or counts, whose strate median is published (`valeur_mediane`).
  const versions = indicators.map((i) => `('${i.id}', '${i.version}', '${i.sources.join('+')}', ${i.valeur !== undefined})`).join(', ');
  const min = config.minEffectif;
  await w.transaction(async () => {
    await w.run(`CREATE OR REPLACE TABLE valeurs AS SELECT * FROM valeurs_new`);
    await w.run(`CREATE OR REPLACE TEMP TABLE indicateurs_meta (indicateur VARCHAR, methode_version VARCHAR, source VARCHAR, mediane BOOLEAN)`);
    await w.run(`INSERT INTO indicateurs_meta VALUES ${versions}`);
    await w.run(`CREATE OR REPLACE TABLE barometre AS ${barometreSql(min)}`);
    await applyRelais(w, indicators, 'barometre');
    await addHistory(w, indicators, min, states);
    await applyEditions(config, w, log);
    await w.run(`CREATE OR REPLACE TABLE collectivites_resultats AS ${collectivitesSql()}`);
    await applyRelais(w, indicators, 'collectivites_resultats');
    await computeRaccords(w, indicators, tables, min);
    await computeChiffresPublies(w);
    await w.createTable('indicateurs_avertissements', AVERTISSEMENT_COLUMNS, { replace: true });
    await w.insert('indicateurs_avertissements', AVERTISSEMENT_COLUMNS, avertissements);
  });
  summary.barometreRows = (await w.one<{ n: number }>(`SELECT count(*) AS n FROM barometre`))!.n;
  await w.checkpoint();
  return summary;
}

/** A relayed series (`Indicator.relais`): each row carries its segment's source, and the version suffixed with it. */
async function applyRelais(w: Warehouse, indicators: readonly Indicator[], table: 'barometre' | 'collectivites_resultats'): Promise<void> {
  for (const indicator of indicators) {
    if (!indicator.relais?.length) continue;
    const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
    const source = `CASE ${indicator.relais.map((r) => (r.jusqua ? `WHEN periode <= ${lit(r.jusqua)} THEN ${lit(r.source)}` : `ELSE ${lit(r.source)}`)).join(' ')} END`;
    const set = table === 'barometre' ? `source = ${source}, methode_version = methode_version || '+' || ${source}` : `methode_version = methode_version || '+' || ${source}`;
    await w.run(`UPDATE ${table} SET ${set} WHERE indicateur = $i`, { i: indicator.id });
  }
}

/**
 * Where a relayed series has both measures of a semester (`Indicator.raccord`): national rates of each, side by side,
 * per type, for communes under the obligation, and per EPCI nature.
 */
async function computeRaccords(w: Warehouse, indicators: readonly Indicator[], tables: ReadonlySet<string>, minEffectif: number): Promise<void> {
  await w.run(`CREATE OR REPLACE TABLE raccords (indicateur VARCHAR, periode VARCHAR, type_collectivite VARCHAR, strate VARCHAR, nature VARCHAR,
    concernees INTEGER, source_avant VARCHAR, date_avant VARCHAR, atteintes_avant INTEGER, taux_avant DOUBLE,
    source_apres VARCHAR, date_apres VARCHAR, atteintes_apres INTEGER, taux_apres DOUBLE, ecart_points DOUBLE, source_retenue VARCHAR)`);
  for (const indicator of indicators) {
    const sql = indicator.raccord?.sql({ periodes: [], tables });
    if (!sql) continue;
    const { avant, apres } = indicator.raccord!;
    const jusqua = indicator.relais?.find((r) => r.source === avant)?.jusqua ?? '9999-S2';
    const ok = `count(*) >= ${minEffectif}`;
    await w.run(`
      INSERT INTO raccords
      WITH r AS (SELECT r.*, c.nature AS nature_epci FROM (${sql}) r JOIN ref_collectivites c USING (code, type_collectivite)),
      s AS (
        SELECT *, 'toutes' AS strate, NULL::VARCHAR AS nature FROM r
        UNION ALL SELECT *, 'obligees', NULL FROM r WHERE type_collectivite = 'commune' AND obligee
        UNION ALL SELECT *, 'toutes', nature_epci FROM r WHERE type_collectivite = 'epci' AND nature_epci IS NOT NULL
      )
      SELECT $i, periode, type_collectivite, strate, nature, count(*)::INTEGER,
             $avant, max(date_avant), count(*) FILTER (WHERE atteinte_avant)::INTEGER,
             CASE WHEN ${ok} THEN count(*) FILTER (WHERE atteinte_avant) / count(*) END,
             $apres, max(date_apres), count(*) FILTER (WHERE atteinte_apres)::INTEGER,
             CASE WHEN ${ok} THEN count(*) FILTER (WHERE atteinte_apres) / count(*) END,
             CASE WHEN ${ok} THEN round(100 * (count(*) FILTER (WHERE atteinte_apres) - count(*) FILTER (WHERE atteinte_avant)) / count(*), 1) END,
             CASE WHEN periode <= $jusqua THEN $avant ELSE $apres END
      FROM s GROUP BY periode, type_collectivite, strate, nature
      ORDER BY periode, CASE type_collectivite WHEN 'commune' THEN 0 WHEN 'epci' THEN 1 WHEN 'departement' THEN 2 ELSE 3 END, strate DESC, nature NULLS FIRST`,
      { i: indicator.id, avant, apres, jusqua });
  }
}

/**
 * National series from history sources (counts per type, no strate nor territory), for the semesters
 * before the engine's own. Their method version carries "+historique", so the junction is a series break.
 */
async function addHistory(w: Warehouse, indicators: readonly Indicator[], minEffectif: number, states: ReadonlyMap<string, SourceEtat>): Promise<void> {
  for (const indicator of indicators) {
    if (!indicator.sourcesHistorique?.includes(HISTORIQUE_SOURCE) || !(await w.tableExists('odt_historique'))) continue;
    // Neither a sample history under real data, nor a history for an indicator that is not computed.
    if (!usable(states, HISTORIQUE_SOURCE) || !computable(indicator, states)) continue;
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
