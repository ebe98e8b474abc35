// The barometer engine: per-collectivité values → rates per indicator × semester × type × strate × territory.
import { createHash } from 'node:crypto';
import type { Config } from '../pipelines/base/config.ts';
import type { Logger } from '../pipelines/base/log.ts';
import { ensureSystemTables, latestRunsSql, type RunRecord } from '../pipelines/base/runs.ts';
import { publishedShortfall } from '../pipelines/sources/volume.ts';
import { parisDate } from '../pipelines/base/dates.ts';
import { dateEnMots, nombreFr } from '../pipelines/base/francais.ts';
import { referential as defaultReferential, storeReferential, type Referential } from '../pipelines/referential/referential.ts';
import type { Column, Warehouse } from '../pipelines/base/warehouse.ts';
import { resolveChantiers } from './chantiers-indicateurs.ts';
import { computable, indicatorState, sourceStates, stateOf, usableTables } from './disponibilite.ts';
import { applyEditions } from './editions.ts';
import { INDICATORS } from './index.ts';
import { SOURCES } from '../pipelines/sources/index.ts';
import { periodeEnd, periodeStart } from './periods.ts';
import type { Indicator } from './types.ts';
import { computeChiffresPublies } from './chiffres-publies.ts';
import { AGGREGATION_SQL, BAROMETRE_ORDER, barometreSql, collectivitesSql } from './compute-sql.ts';
import { addHistory, applyRelais, computeRaccords } from './compute-relais.ts';

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
    `SELECT source, run_id FROM (${latestRunsSql('loaded')})`,
  );
  return new Map(rows.map((r) => [r.source, r.run_id]));
}

function fingerprint(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * The definitions the aggregation SQL reads (`barometreSql`, `collectivitesSql`), as a temporary table of the
 * connection: method version, sources, and `mediane` (the indicator's values are shares or counts, whose strate median
 * is published as `valeur_mediane`).
 */
export async function defineIndicatorsMeta(w: Warehouse, indicators: readonly Indicator[]): Promise<void> {
  const versions = indicators.map((i) => `('${i.id}', '${i.version}', '${i.sources.join('+')}', ${i.valeur !== undefined})`).join(', ');
  await w.run(`CREATE OR REPLACE TEMP TABLE indicateurs_meta (indicateur VARCHAR, methode_version VARCHAR, source VARCHAR, mediane BOOLEAN)`);
  await w.run(`INSERT INTO indicateurs_meta VALUES ${versions}`);
}

/**
 * Fills `valeurs` (one row per collectivité × indicator × semester), then `barometre` and `collectivites_resultats`.
 * Incremental: an indicator whose inputs did not change since the last computation (same fingerprint) keeps its rows;
 * only the others are recomputed, from their values to their aggregates. Published editions, series breaks, the
 * relays' junctions and the published figures are then applied to the whole, as before.
 */
export async function computeBarometre(config: Config, w: Warehouse, options: ComputeOptions): Promise<ComputeSummary> {
  const { log } = options;
  // A warehouse made by an older version gets the run bookkeeping's newer columns (the volume guard's) before they are
  // read: `barometre compute` straight after an upgrade, before any pull, computes instead of failing.
  await ensureSystemTables(w);
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
  const reduits = await loadsBelowVolume(w);
  for (const indicator of indicators) {
    const sourcesEnUsage = [...new Set([...indicator.sources, ...(indicator.sourcesHistorique ?? [])])];
    const texte = [(await indicator.avertissement?.(w)) ?? null, ...sourcesEnUsage.flatMap((s) => reduits.get(s) ?? [])].filter((x): x is string => !!x).join(' ') || null;
    if (texte) {
      avertissements.push({ indicateur: indicator.id, avertissement: texte });
      log.warn(`${indicator.id} : ${texte}`);
    }
  }

  const recomputed = [...indicators.filter((i) => summary.indicators.find((x) => x.id === i.id)?.recalcule), ...sansValeurs];
  await w.transaction(async () => {
    await defineIndicatorsMeta(w, indicators);
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

/**
 * Per source, a warning when the load in use was published below the volume guard's figures (`--accept-drop`, an
 * extract loaded on purpose): the indicators it feeds say so on their pages.
 */
async function loadsBelowVolume(w: Warehouse): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  // The loads in use, per source and part (the runs table exists: computeBarometre made sure of it): an accepted lot
  // stays in use until that lot is loaded again, whatever the other lots do.
  const runs = await w.all<RunRecord & Record<string, unknown>>(`${latestRunsSql('loaded', { perPart: true })} ORDER BY source, started_at`);
  for (const run of runs) {
    const source = SOURCES.find((x) => x.id === run.source);
    const shortfall = source ? publishedShortfall(source, run) : null;
    if (!source || !shortfall) continue;
    const [one, many] = source.volume?.rows?.unit ?? ['ligne', 'lignes'];
    const attendues = (n: number) => `au moins ${nombreFr(n)} ${n >= 2 ? 'attendues' : 'attendue'}`;
    const figures = [
      shortfall.rows ? `${nombreFr(shortfall.rows[0])} ${shortfall.rows[0] >= 2 ? many : one} pour ${attendues(shortfall.rows[1])}` : null,
      shortfall.matched ? `${nombreFr(shortfall.matched[0])} ${shortfall.matched[0] >= 2 ? 'collectivités rapprochées' : 'collectivité rapprochée'} pour ${attendues(shortfall.matched[1])}` : null,
    ].filter(Boolean);
    const list = out.get(run.source) ?? [];
    list.push(
      `Le chargement en usage de « ${source.title} » (données du ${dateEnMots(run.date_donnees ?? parisDate(new Date(run.started_at)))}) a été publié à dessein malgré une baisse de volume (${figures.join(' ; ')}) : un extrait ou une source réduite ; les chiffres qui en viennent ne couvrent peut-être pas toutes les collectivités.`,
    );
    out.set(run.source, list);
  }
  return out;
}
