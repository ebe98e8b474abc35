// The series the engine adds to its own aggregates (compute.ts): relayed series (their segments' sources), the
// junctions where two sources measure the same semester, and the national history before the engine's semesters.
import type { Warehouse } from '../pipelines/base/warehouse.ts';
import { computable, usable, type SourceEtat } from './disponibilite.ts';
import { HISTORIQUE_SOURCE, historiqueSql } from './historique.ts';
import type { Indicator } from './types.ts';
import { wilsonSql } from './wilson.ts';

/** A relayed series (`Indicator.relais`): each row carries its segment's source, and the version suffixed with it. */
export async function applyRelais(w: Warehouse, indicators: readonly Indicator[], table: 'barometre_nouveau' | 'collectivites_nouveau'): Promise<void> {
  for (const indicator of indicators) {
    if (!indicator.relais?.length) continue;
    const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
    const source = `CASE ${indicator.relais.map((r) => (r.jusqua ? `WHEN periode <= ${lit(r.jusqua)} THEN ${lit(r.source)}` : `ELSE ${lit(r.source)}`)).join(' ')} END`;
    const set = table === 'barometre_nouveau' ? `source = ${source}, methode_version = methode_version || '+' || ${source}` : `methode_version = methode_version || '+' || ${source}`;
    await w.run(`UPDATE ${table} SET ${set} WHERE indicateur = $i`, { i: indicator.id });
  }
}

/**
 * Where a relayed series has both measures of a semester (`Indicator.raccord`): national rates of each, side by side,
 * per type, for communes under the obligation, and per EPCI nature.
 */
export async function computeRaccords(w: Warehouse, indicators: readonly Indicator[], tables: ReadonlySet<string>, minEffectif: number): Promise<void> {
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
export async function addHistory(w: Warehouse, indicators: readonly Indicator[], minEffectif: number, states: ReadonlyMap<string, SourceEtat>, table: string): Promise<void> {
  for (const indicator of indicators) {
    if (!indicator.sourcesHistorique?.includes(HISTORIQUE_SOURCE) || !(await w.tableExists('odt_historique'))) continue;
    // Neither a sample history under real data, nor a history for an indicator that is not computed.
    if (!usable(states, HISTORIQUE_SOURCE) || !computable(indicator, states)) continue;
    const first = await w.one<{ p: string | null }>(`SELECT min(periode) AS p FROM ${table} WHERE indicateur = $i`, { i: indicator.id });
    const history = historiqueSql({ indicateur: indicator.id, avant: first?.p ?? undefined });
    const ok = `h.concernees >= ${minEffectif}`;
    await w.run(`
      INSERT INTO ${table} BY NAME
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
