// The run bookkeeping: the `runs` table (one row per pull of a source) and `rejets` (its unusable rows), and the one
// definition of "the latest run of a source" in each of the senses the project needs. The pull engine writes runs;
// the indicators, the exports, the status, the scheduler and the build read them, all through this module.
import { quotedIdentifier, type Column, type Warehouse } from './warehouse.ts';

export type Origin = 'live' | 'fichier' | 'fixture';
/**
 * `suspect`: the load was read and validated but not published, its volume far below the previous good real load's
 * (or, the first time, below the source's minimum plausible size): the previous data stay; its raw file is archived,
 * and `barometre pull SOURCE --accept-drop` publishes it on purpose (pipelines/sources/volume.ts).
 */
export type RunStatus = 'en_cours' | 'succes' | 'echec' | 'inchange' | 'interrompu' | 'suspect';

export const RUN_COLUMNS: Column[] = [
  { name: 'source', type: 'VARCHAR' },
  { name: 'run_id', type: 'VARCHAR' },
  { name: 'status', type: 'VARCHAR' },
  { name: 'origin', type: 'VARCHAR' },
  { name: 'location', type: 'VARCHAR' },
  { name: 'started_at', type: 'VARCHAR' },
  { name: 'finished_at', type: 'VARCHAR' },
  { name: 'date_donnees', type: 'VARCHAR' },
  { name: 'rows_in', type: 'INTEGER' },
  { name: 'rows_loaded', type: 'INTEGER' },
  { name: 'rows_rejected', type: 'INTEGER' },
  { name: 'raw_path', type: 'VARCHAR' },
  { name: 'raw_sha256', type: 'VARCHAR' },
  { name: 'etag', type: 'VARCHAR' },
  { name: 'last_modified', type: 'VARCHAR' },
  { name: 'error', type: 'VARCHAR' },
  // The volume guard's figures (added after the others: an older warehouse gets them, empty, when it is opened).
  { name: 'rows_counted', type: 'INTEGER' },
  { name: 'rows_expected', type: 'INTEGER' },
  { name: 'matched', type: 'INTEGER' },
  { name: 'matched_expected', type: 'INTEGER' },
  { name: 'compared_with', type: 'VARCHAR' },
  { name: 'parts', type: 'VARCHAR' },
];

export const REJECT_COLUMNS: Column[] = [
  { name: 'source', type: 'VARCHAR' },
  { name: 'run_id', type: 'VARCHAR' },
  { name: 'ligne', type: 'INTEGER' },
  { name: 'identifiant', type: 'VARCHAR' },
  { name: 'motif', type: 'VARCHAR' },
];

export interface RunRecord {
  source: string;
  run_id: string;
  status: RunStatus;
  origin: Origin;
  location: string;
  started_at: string;
  finished_at: string | null;
  date_donnees: string | null;
  rows_in: number | null;
  rows_loaded: number | null;
  rows_rejected: number | null;
  raw_path: string | null;
  raw_sha256: string | null;
  etag: string | null;
  last_modified: string | null;
  error: string | null;
  /** The rows the volume guard counts: `rows_loaded`, or a source's own count (datagouv: its organisations export's). */
  rows_counted?: number | null;
  /** What the guard held `rows_counted` to: the previous real load's, the minimum plausible size or the planned slice. */
  rows_expected?: number | null;
  /** Collectivités the load matched (distinct), for a source that matches collectivités; else null. */
  matched?: number | null;
  /** The same for `matched`. */
  matched_expected?: number | null;
  /** What the guard compared with: the previous real load's run_id, `minimum` (a first real load) or `planned` (a slice). */
  compared_with?: string | null;
  /** The partitions the load carried (JSON list), for a source whose loads are compared part by part. */
  parts?: string | null;
}

/**
 * Which runs count as "the latest run of a source", by use:
 * - `any`: the latest attempt, whatever its outcome (the status of a source, the data-quality page);
 * - `good`: the latest run whose data are in use, a success or an unchanged file (provenance, rejects, freshness);
 * - `good-real`: the same, sample (fixture) loads left out (is a source due, has the site real data);
 * - `good-archived`: the same with a raw archive to compare the next download with (the pull's "unchanged" check);
 * - `loaded`: the latest success, the run whose rows the source's tables hold (`inchange` loads nothing; the
 *   incremental computation's fingerprint);
 * - `attempt-real`: the latest attempt at real data, fixture loads left out (an unavailable indicator's reason);
 * - `suspect`: the latest load set aside by the volume guard with no good run since (what `--accept-drop` publishes,
 *   what `status` and the data-quality page point at).
 */
export type RunKind = 'any' | 'good' | 'good-real' | 'good-archived' | 'loaded' | 'attempt-real' | 'suspect';

const GOOD = `status IN ('succes', 'inchange')`;
const REAL = `origin <> 'fixture'`;
const WHERE: Record<RunKind, string> = {
  any: 'TRUE',
  good: GOOD,
  'good-real': `${GOOD} AND ${REAL}`,
  'good-archived': `${GOOD} AND raw_sha256 IS NOT NULL`,
  loaded: `status = 'succes'`,
  'attempt-real': REAL,
  suspect: `status = 'suspect' AND NOT EXISTS (SELECT 1 FROM runs g WHERE g.source = runs.source AND g.status IN ('succes', 'inchange') AND (g.started_at > runs.started_at OR (g.started_at = runs.started_at AND g.run_id > runs.run_id)))`,
};
const LATEST_FIRST = 'started_at DESC, run_id DESC';

/**
 * The latest run of each source of the given kind: one row per source, every column of `runs`. With `perPart`, one
 * per source and part: a source fed by lots (DECP by producer, vde by kind of file) keeps each lot's latest run.
 */
export function latestRunsSql(kind: RunKind, { perPart = false } = {}): string {
  return `SELECT * FROM runs WHERE ${WHERE[kind]} QUALIFY row_number() OVER (PARTITION BY source${perPart ? ", coalesce(parts, '')" : ''} ORDER BY ${LATEST_FIRST}) = 1`;
}

/** The latest run of one source of the given kind. */
export async function latestRun(w: Warehouse, source: string, kind: RunKind): Promise<RunRecord | undefined> {
  return w.one<RunRecord & Record<string, unknown>>(`SELECT * FROM runs WHERE source = $source AND ${WHERE[kind]} ORDER BY ${LATEST_FIRST} LIMIT 1`, { source });
}

/**
 * The load a new one of `source` is compared with: its previous good real load by load time (sample loads never count),
 * the current run left out; with `parts`, the previous one that carried the same parts (like with like).
 */
export async function previousRealLoad(w: Warehouse, source: string, runId: string, parts?: string): Promise<RunRecord | undefined> {
  return w.one<RunRecord & Record<string, unknown>>(
    `SELECT * FROM runs WHERE source = $source AND run_id <> $runId AND ${WHERE['good-real']} ${parts === undefined ? '' : 'AND parts = $parts'} ORDER BY ${LATEST_FIRST} LIMIT 1`,
    parts === undefined ? { source, runId } : { source, runId, parts },
  );
}

/** Whether any source (or the given one) has a run of the given kind. */
export async function hasRun(w: Warehouse, kind: RunKind, source?: string): Promise<boolean> {
  const row = await w.one(`SELECT run_id FROM runs WHERE ${source === undefined ? '' : 'source = $source AND '}${WHERE[kind]} LIMIT 1`, source === undefined ? undefined : { source });
  return row !== undefined;
}

/** The suffix of a run's staging tables (`stg_<table>_<suffix>`). */
export function stagingSuffix(runId: string): string {
  return runId.replace(/\W/g, '_');
}

export async function ensureSystemTables(w: Warehouse): Promise<void> {
  await w.createTable('runs', RUN_COLUMNS);
  await w.createTable('rejets', REJECT_COLUMNS);
}

/** Records a run (replacing its previous record, as a run is saved at each of its steps). */
export async function saveRun(w: Warehouse, run: RunRecord): Promise<void> {
  await w.run(`DELETE FROM runs WHERE run_id = $id`, { id: run.run_id });
  await w.insert('runs', RUN_COLUMNS, [run as unknown as Record<string, unknown>]);
}

/**
 * A run still "en_cours" when the warehouse is opened belongs to a process that died (killed, power cut):
 * DuckDB lets one process at a time write the file, and this one has just opened it. Say so in status.
 */
export async function markInterrupted(w: Warehouse, now: Date): Promise<number> {
  await ensureSystemTables(w);
  const stale = await w.all<{ run_id: string }>(`SELECT run_id FROM runs WHERE status = 'en_cours'`);
  if (stale.length === 0) return 0;
  // Its staging and scratch tables were written outside any transaction: they outlive the process, so drop them here.
  for (const { run_id } of stale) {
    const tables = await w.all<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'main' AND (starts_with(table_name, 'stg_') OR starts_with(table_name, 'tmp_')) AND ends_with(table_name, $suffix)`, {
      suffix: `_${stagingSuffix(run_id)}`,
    });
    for (const { name } of tables) await w.run(`DROP TABLE IF EXISTS ${quotedIdentifier(name)}`);
  }
  await w.run(
    `UPDATE runs SET status = 'interrompu', finished_at = coalesce(finished_at, $t),
            error = coalesce(error, 'Chargement interrompu (processus arrêté avant la fin) ; les données précédentes sont conservées.')
     WHERE status = 'en_cours'`,
    { t: now.toISOString() },
  );
  return stale.length;
}

/** The loads set aside by the volume guard with no good run since, one per source at most (status, data quality). */
export async function pendingSuspects(w: Warehouse): Promise<RunRecord[]> {
  await ensureSystemTables(w);
  return w.all<RunRecord & Record<string, unknown>>(`${latestRunsSql('suspect')} ORDER BY source`);
}

/** The latest run of every source, interrupted runs marked first: what `barometre status` shows. */
export async function runStatus(w: Warehouse): Promise<RunRecord[]> {
  await markInterrupted(w, new Date());
  return w.all<RunRecord & Record<string, unknown>>(`${latestRunsSql('any')} ORDER BY source`);
}
