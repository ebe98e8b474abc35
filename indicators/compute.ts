// The barometer engine: per-collectivité values → rates per indicator × semester × type × strate × territory.
import { createHash } from 'node:crypto';
import type { Config } from '../pipelines/config.ts';
import type { Logger } from '../pipelines/log.ts';
import { referential as defaultReferential, storeReferential, type Referential } from '../pipelines/referential.ts';
import type { Column, Warehouse } from '../pipelines/warehouse.ts';
import { resolveChantiers } from './chantiers-indicateurs.ts';
import { computable, indicatorState, sourceStates, stateOf, usable, usableTables, type SourceEtat } from './disponibilite.ts';
import { applyEditions } from './editions.ts';
import { HISTORIQUE_SOURCE, historiqueSql } from './historique.ts';
import { INDICATORS } from './index.ts';
import { SOURCES } from '../pipelines/sources/index.ts';
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
  indicators: { id: string; periodes: string[]; rows: number; recalcule: boolean }[];
  barometreRows: number;
}

/** What a computation of an indicator depends on, as one hash: unchanged inputs, unchanged results. */
interface Empreinte {
  indicateur: string;
  empreinte: string;
}

/**
 * The successful loads that last changed each source's data (`inchange` runs change nothing). An indicator whose
 * sources have the same latest loads, with the same definition, SQL, semesters, referential and settings, has the
 * same values: it is not recomputed.
 */
async function latestLoads(w: Warehouse): Promise<Map<string, string>> {
  if (!(await w.tableExists('runs'))) return new Map();
  const rows = await w.all<{ source: string; run_id: string }>(
    `SELECT source, run_id FROM runs WHERE status = 'succes' QUALIFY row_number() OVER (PARTITION BY source ORDER BY started_at DESC, run_id DESC) = 1`,
  );
  return new Map(rows.map((r) => [r.source, r.run_id]));
}

function fingerprint(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * Fills `valeurs` (one row per collectivité × indicator × semester), then `barometre` and `collectivites_resultats`.
 * Incremental: an indicator whose inputs did not change since the last computation (same fingerprint) keeps its rows;
 * only the others are recomputed, from their values to their aggregates. Published editions, series breaks, the
 * relays' junctions and the published figures are then applied to the whole, as before.
 */
export async function computeBarometre(config: Config, w: Warehouse, options: ComputeOptions): Promise<ComputeSummary> {
  const { log } = options;
  // Where the time goes, logged at the end (one line, each phase in seconds).
  const phases: Record<string, number> = {};
  let phaseStart = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round((now - phaseStart) / 100) / 10;
    phaseStart = now;
  };
  const indicators = options.indicators ?? INDICATORS;
  const ref = options.referential ?? defaultReferential();
  await storeReferential(w, ref);
  // The workstreams' indicators are checked here, before any work: an unknown id fails the compute.
  resolveChantiers();
  const states = await sourceStates(w);
  const loads = await latestLoads(w);
  const summary: ComputeSummary = { indicators: [], barometreRows: 0 };
  // The tables an indicator may read: those of sources whose data may be used (under real data, a source that has
  // only its sample is left out, so that a series relayed by two sources never mixes real and sample figures).
  const tables = usableTables(new Set((await w.all<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'main'`)).map((r) => r.t)), states);
  const min = config.minEffectif;
  const previous = new Map(
    (await w.tableExists('calculs')) && (await w.tableExists('barometre_calcul')) && (await w.tableExists('valeurs')) && (await w.tableExists('collectivites_resultats'))
      ? (await w.all<Empreinte & Record<string, unknown>>(`SELECT indicateur, empreinte FROM calculs`)).map((r) => [r.indicateur, r.empreinte])
      : [],
  );
  const refKey = fingerprint([ref.version, ref.strates, ref.collectivites.length, ref.correspondances]);
  // The sources' tables an indicator may read (the engine's own tables come and go with each computation).
  const sourceTables = new Set(SOURCES.flatMap((s) => s.tables.map((t) => t.name)));
  const readable = [...tables].filter((t) => sourceTables.has(t)).sort();
  // What each source table holds (row count and an order-independent hash of its rows): a correction written into a
  // table, by a load or by hand, changes the fingerprint of the indicators whose SQL reads that table.
  const contenus = new Map<string, string>();
  for (const t of readable) {
    const r = (await w.one<{ n: number; h: string }>(`SELECT count(*)::BIGINT AS n, coalesce(sum(hash(t))::VARCHAR, '') AS h FROM ${t} AS t`))!;
    contenus.set(t, `${r.n}:${r.h}`);
  }
  phase('empreintes_sources');

  await w.run(`CREATE OR REPLACE TEMP TABLE valeurs_new (${VALEURS_DDL})`);
  await w.run(`CREATE OR REPLACE TEMP TABLE a_calculer (indicateur VARCHAR)`);
  const empreintes: Empreinte[] = [];
  const sansValeurs: Indicator[] = [];
  for (const indicator of indicators) {
    const inputs = [...indicator.sources, ...(indicator.sourcesHistorique ?? [])].map((s) => [s, loads.get(s) ?? null, stateOf(states, s).etat]);
    if (!computable(indicator, states)) {
      log.warn(`${indicator.id} : indicateur non calculé. ${indicatorState(indicator, states, false).raison}`);
      summary.indicators.push({ id: indicator.id, periodes: [], rows: 0, recalcule: false });
      continue;
    }
    const periodes = await indicator.periodes(w);
    if (periodes.length === 0) {
      log.warn(`${indicator.id} : aucune donnée dans l'entrepôt (sources : ${indicator.sources.join(', ')}) ; indicateur non calculé.`);
      summary.indicators.push({ id: indicator.id, periodes, rows: 0, recalcule: false });
      // Its history (published national counts) may still give it a series: that part is always rebuilt.
      sansValeurs.push(indicator);
      continue;
    }
    const sql = indicator.sql({ periodes, tables });
    // Inputs, and the code that turns them into results: any change of the aggregation SQL recomputes everything.
    const own = new Set(inputs.flatMap(([id]) => SOURCES.find((x) => x.id === id)?.tables.map((t) => t.name) ?? []));
    const lues = readable.filter((t) => own.has(t) || new RegExp(`\\b${t}\\b`).test(sql)).map((t) => [t, contenus.get(t)]);
    const empreinte = fingerprint([indicator.id, indicator.version, indicator.valeur !== undefined, indicator.relais ?? null, sql, periodes, inputs, lues, refKey, min, readable, AGGREGATION_SQL]);
    empreintes.push({ indicateur: indicator.id, empreinte });
    if (previous.get(indicator.id) === empreinte) {
      const n = (await w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM valeurs WHERE indicateur = $i`, { i: indicator.id }))!.n;
      summary.indicators.push({ id: indicator.id, periodes, rows: n, recalcule: false });
      continue;
    }
    log.progress(`${indicator.id} : calcul de ${periodes.length} semestre(s)…`);
    await w.run(`CREATE OR REPLACE TEMP TABLE periodes (periode VARCHAR, debut VARCHAR, fin VARCHAR)`);
    for (const p of periodes) await w.run(`INSERT INTO periodes VALUES ($p, $d, $f)`, { p, d: periodeStart(p), f: periodeEnd(p) });
    const before = (await w.one<{ n: number }>(`SELECT count(*) AS n FROM valeurs_new`))!.n;
    await w.run(`INSERT INTO valeurs_new SELECT $id, periode, code, type_collectivite, concernee, obligee, atteinte, valeur, date_donnees FROM (${sql})`, { id: indicator.id });
    await w.run(`INSERT INTO a_calculer VALUES ($i)`, { i: indicator.id });
    const after = (await w.one<{ n: number }>(`SELECT count(*) AS n FROM valeurs_new`))!.n;
    summary.indicators.push({ id: indicator.id, periodes, rows: after - before, recalcule: true });
  }
  phase('valeurs');
  const kept = empreintes.filter((e) => previous.get(e.indicateur) === e.empreinte).map((e) => e.indicateur);
  if (kept.length > 0) log.info(`${kept.length} indicateur(s) inchangé(s) depuis le dernier calcul, non recalculé(s) : ${kept.join(', ')}.`);

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
  const recomputed = [...indicators.filter((i) => summary.indicators.find((x) => x.id === i.id)?.recalcule), ...sansValeurs];
  await w.transaction(async () => {
    await w.run(`CREATE OR REPLACE TEMP TABLE indicateurs_meta (indicateur VARCHAR, methode_version VARCHAR, source VARCHAR, mediane BOOLEAN)`);
    await w.run(`INSERT INTO indicateurs_meta VALUES ${versions}`);
    // The recomputed indicators' aggregates, with their relays and history, before editions. One indicator at a time:
    // DuckDB keeps a median's values outside its memory limit, so aggregating every indicator at once held all
    // of them (gigabytes at full scale); per indicator, the peak is the largest indicator's.
    await w.run(`CREATE OR REPLACE TEMP TABLE barometre_nouveau AS ${barometreSql(min, 'a_calculer')} LIMIT 0`);
    await w.run(`CREATE OR REPLACE TEMP TABLE collectivites_nouveau AS ${collectivitesSql('a_calculer')} LIMIT 0`);
    await w.run(`CREATE OR REPLACE TEMP TABLE un_indicateur (indicateur VARCHAR)`);
    for (const { indicateur } of await w.all<{ indicateur: string }>(`SELECT indicateur FROM a_calculer ORDER BY indicateur`)) {
      await w.run(`DELETE FROM un_indicateur`);
      await w.run(`INSERT INTO un_indicateur VALUES ($i)`, { i: indicateur });
      await w.run(`INSERT INTO barometre_nouveau ${barometreSql(min, 'un_indicateur')}`);
      await w.run(`INSERT INTO collectivites_nouveau ${collectivitesSql('un_indicateur')}`);
    }
    await applyRelais(w, recomputed, 'barometre_nouveau');
    await addHistory(w, recomputed, min, states, 'barometre_nouveau');
    await applyRelais(w, recomputed, 'collectivites_nouveau');
    phase('agregats');
    // Each persisted table: the kept indicators' rows (same fingerprint) and the recomputed ones; nothing else stays.
    await w.run(`CREATE OR REPLACE TEMP TABLE gardes (indicateur VARCHAR)`);
    for (const id of kept) await w.run(`INSERT INTO gardes VALUES ($i)`, { i: id });
    // With indicators kept and the same columns, only the others' rows are replaced (a load of one source rewrites
    // its readers' rows, not the million others); otherwise the table is written anew (sorted when `order` is given).
    // Every reader of these tables orders what it reads: their physical order carries no meaning.
    const columns = async (table: string) =>
      (await w.all<{ c: string }>(`SELECT column_name || ' ' || data_type AS c FROM information_schema.columns WHERE table_name = $t ORDER BY ordinal_position`, { t: table })).map((r) => r.c).join(', ');
    const merge = async (table: string, fresh: string, order?: string, join = '') => {
      if (kept.length > 0 && (await w.tableExists(table)) && (await columns(table)) === (await columns(fresh))) {
        await w.run(`DELETE FROM ${table} WHERE indicateur NOT IN (SELECT indicateur FROM gardes)`);
        await w.run(`INSERT INTO ${table} BY NAME SELECT * FROM ${fresh}`);
        return;
      }
      await w.run(`CREATE OR REPLACE TABLE ${table} AS SELECT x.* FROM ${fresh} x ${join}${order ? ` ORDER BY ${order}` : ''}`);
    };
    // The two tables of values per collectivité (millions of rows) are not sorted: valeurs_new is already grouped by
    // indicator, and a sort of that size, spilled to disk under the memory limit, was most of this step.
    await merge('valeurs', 'valeurs_new');
    await merge('barometre_calcul', 'barometre_nouveau', BAROMETRE_ORDER, 'LEFT JOIN ref_strates rs ON rs.id = x.strate');
    await merge('collectivites_resultats', 'collectivites_nouveau');
    phase('tables');
    // Published editions replace their semester; series breaks are marked across the whole.
    await w.run(`CREATE OR REPLACE TABLE barometre AS SELECT * FROM barometre_calcul`);
    await applyEditions(config, w, log);
    await computeRaccords(w, indicators, tables, min);
    await computeChiffresPublies(w);
    phase('editions_raccords');
    await w.createTable('indicateurs_avertissements', AVERTISSEMENT_COLUMNS, { replace: true });
    await w.insert('indicateurs_avertissements', AVERTISSEMENT_COLUMNS, avertissements);
    await w.run(`CREATE OR REPLACE TABLE calculs (indicateur VARCHAR, empreinte VARCHAR)`);
    await w.insert('calculs', [{ name: 'indicateur', type: 'VARCHAR' }, { name: 'empreinte', type: 'VARCHAR' }], empreintes as unknown as Record<string, unknown>[]);
  });
  summary.barometreRows = (await w.one<{ n: number }>(`SELECT count(*) AS n FROM barometre`))!.n;
  await w.checkpoint();
  phase('checkpoint');
  log.info(`compute : durées par étape (s) ${Object.entries(phases).map(([k, v]) => `${k} ${v}`).join(' ; ')}.`, { phases });
  return summary;
}

/** A relayed series (`Indicator.relais`): each row carries its segment's source, and the version suffixed with it. */
async function applyRelais(w: Warehouse, indicators: readonly Indicator[], table: 'barometre_nouveau' | 'collectivites_nouveau'): Promise<void> {
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
async function addHistory(w: Warehouse, indicators: readonly Indicator[], minEffectif: number, states: ReadonlyMap<string, SourceEtat>, table: string): Promise<void> {
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

/** The order of the barometer's rows (levels, then territories, types and strates in the referential's order). */
const BAROMETRE_ORDER = `x.indicateur, x.periode, CASE x.niveau WHEN 'national' THEN 0 WHEN 'region' THEN 1 ELSE 2 END, x.territoire,
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
const AGGREGATION_SQL = [barometreSql(0, 'x'), collectivitesSql('x'), historiqueSql({ indicateur: 'x' })].join('\n');
