// The volume guard: a real load far smaller than the previous good real load of its source (rows loaded, or
// collectivités matched), or matching none where that one matched some, or, the first time, under the source's minimum
// plausible size, is not published. A header with three rows of a national catalogue validates line by line; only its
// size says that it is not the catalogue. The thresholds are in each source's definition (`Source.volume`).
import { parisDate } from '../base/dates.ts';
import { previousRealLoad, type RunRecord } from '../base/runs.ts';
import { quotedIdentifier, type Warehouse } from '../base/warehouse.ts';
import type { Source, VolumeGuard, VolumeMinimum } from './types.ts';

export const DEFAULT_RATIO = 0.5;

const KINDS = `('commune', 'epci', 'departement', 'region')`;

/** The figures of a load, read from its staging tables before the swap. */
export interface VolumeFigures {
  /** The rows counted: the rows loaded, or the source's own count (`VolumeGuard.rows`). */
  rows: number;
  /** Distinct collectivités matched; null for a source that matches none. */
  matched: number | null;
  /** The partitions the load carries (JSON list, sorted), for a source compared part by part; else null. */
  parts: string | null;
}

/** What the guard found: what it compared with, the figures it held the load to, and why the load is suspect (none: publishable). */
export interface VolumeVerdict {
  compared_with: string | null;
  rows_expected: number | null;
  matched_expected: number | null;
  reasons: string[];
}

/** The staged tables a load swaps in, by the source's table name. */
export type StagedName = (table: string) => string;

/** The partitioned table a source's parts are read from (its first table with `partitionBy`). */
function partitionedTable(source: Source) {
  return source.tables.find((t) => t.partitionBy?.length);
}

/** Reads a load's figures from its staging tables. */
export async function volumeFigures(w: Warehouse, source: Source, rowsLoaded: number, staged: StagedName): Promise<VolumeFigures> {
  const guard = source.volume;
  const quoted = (t: string) => quotedIdentifier(staged(t));
  const rows = guard?.rows?.sql ? (await w.one<{ n: number }>(`SELECT n::INTEGER AS n FROM (${guard.rows.sql(quoted)})`))!.n : rowsLoaded;
  let matched: number | null = null;
  if (guard?.matched) {
    const type = quotedIdentifier(guard.matched.type ?? 'categorie');
    const code = quotedIdentifier(guard.matched.code ?? 'code');
    const where = guard.matched.where ? ` AND (${guard.matched.where})` : '';
    const selects = guard.matched.tables.map((t) => `SELECT ${type} AS t, ${code} AS c FROM ${quoted(t)} WHERE ${code} IS NOT NULL AND ${type} IN ${KINDS}${where}`);
    matched = (await w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM (SELECT DISTINCT t, c FROM (${selects.join(' UNION ALL ')}))`))!.n;
  }
  let parts: string | null = null;
  const table = partitionedTable(source);
  if (guard?.compareBy === 'partition' && (guard.partsSql || table)) {
    const sql = guard.partsSql
      ? guard.partsSql(quoted)
      : `SELECT concat_ws('/', ${table!.partitionBy!.map((c) => `coalesce(${quotedIdentifier(c)}::VARCHAR, '')`).join(', ')}) AS p FROM ${quotedIdentifier(staged(table!.name))}`;
    const rows = await w.all<{ p: string }>(`SELECT DISTINCT p::VARCHAR AS p FROM (${sql}) ORDER BY p`);
    parts = JSON.stringify(rows.map((r) => r.p));
  }
  return { rows, matched, parts };
}

function minimumOf(guard: VolumeGuard, parts: string | null): VolumeMinimum {
  return typeof guard.minimum === 'function' ? guard.minimum(parts === null ? [] : (JSON.parse(parts) as string[])) : guard.minimum;
}

const n = (x: number) => x.toLocaleString('fr-FR');
const plural = (x: number, one: string, many: string) => `${n(x)} ${x >= 2 ? many : one}`;

export interface JudgeOptions {
  /** How many items the live pull planned (`FetchContext.plan`), for a source compared with its plan. */
  planned?: number;
  /** Whether a first real load is held to the minimum plausible size (`volumeGuard.minimums`). */
  minimums: boolean;
}

/**
 * Compares a real load's figures with what its source's guard holds it to. Sample (fixture) loads are never judged, and
 * never count as the previous load.
 */
export async function judgeVolume(w: Warehouse, source: Source, run: RunRecord, figures: VolumeFigures, options: JudgeOptions): Promise<VolumeVerdict> {
  const guard = source.volume;
  const verdict: VolumeVerdict = { compared_with: null, rows_expected: null, matched_expected: null, reasons: [] };
  if (!guard || run.origin === 'fixture') return verdict;
  const ratio = guard.ratio ?? DEFAULT_RATIO;
  const share = `${Math.round(ratio * 100)} %`;
  const [one, many] = guard.rows?.unit ?? ['ligne chargée', 'lignes chargées'];
  const rowsText = (x: number) => plural(x, one, many);

  if (guard.compareBy === 'planned') {
    // A slice of the web observatory is compared with the slice planned, never with the previous pass (which may have
    // visited every site). A file given with --from has no plan: nothing to compare with.
    if (options.planned === undefined) return verdict;
    Object.assign(verdict, { compared_with: 'planned', rows_expected: options.planned, matched_expected: figures.matched === null ? null : options.planned });
    if (figures.rows < ratio * options.planned) verdict.reasons.push(`${rowsText(figures.rows)} pour ${n(options.planned)} prévues (la tranche planifiée), moins de ${share}`);
    if (figures.matched !== null && options.planned > 0 && figures.matched < ratio * options.planned) {
      verdict.reasons.push(figures.matched === 0 ? `aucune collectivité rapprochée sur ${n(options.planned)} prévues` : `${plural(figures.matched, 'collectivité rapprochée', 'collectivités rapprochées')} sur ${n(options.planned)} prévues`);
    }
    return verdict;
  }

  const previous = await previousRealLoad(w, source.id, run.run_id, guard.compareBy === 'partition' ? (figures.parts ?? undefined) : undefined);
  const part = guard.compareBy === 'partition' && figures.parts ? ` (même partie : ${(JSON.parse(figures.parts) as string[]).join(', ')})` : '';
  if (previous) {
    // A run recorded before the guard existed has no count of its own: its rows loaded.
    const prevRows = previous.rows_counted ?? previous.rows_loaded ?? null;
    const prevMatched = previous.matched ?? null;
    Object.assign(verdict, { compared_with: previous.run_id, rows_expected: prevRows, matched_expected: prevMatched });
    const when = `au dernier chargement réel${part}, du ${parisDate(new Date(previous.started_at))}`;
    if (prevRows !== null && figures.rows < ratio * prevRows) {
      verdict.reasons.push(`${rowsText(figures.rows)} contre ${n(prevRows)} ${when}, moins de ${share}`);
    }
    if (figures.matched !== null && prevMatched !== null && prevMatched > 0 && figures.matched < ratio * prevMatched) {
      verdict.reasons.push(
        figures.matched === 0
          ? `aucune collectivité rapprochée, contre ${n(prevMatched)} ${when}`
          : `${plural(figures.matched, 'collectivité rapprochée', 'collectivités rapprochées')} contre ${n(prevMatched)} ${when}, moins de ${share}`,
      );
    }
    return verdict;
  }

  if (!options.minimums) return verdict;
  const min = minimumOf(guard, figures.parts);
  Object.assign(verdict, { compared_with: 'minimum', rows_expected: min.rows ?? null, matched_expected: figures.matched === null ? null : (min.matched ?? null) });
  const first = `premier chargement réel${part}`;
  if (min.rows !== undefined && figures.rows < min.rows) verdict.reasons.push(`${first} : ${rowsText(figures.rows)}, sous le minimum plausible de ${n(min.rows)} pour cette source`);
  if (figures.matched !== null && min.matched !== undefined && figures.matched < min.matched) {
    verdict.reasons.push(`${first} : ${figures.matched === 0 ? 'aucune collectivité rapprochée' : plural(figures.matched, 'collectivité rapprochée', 'collectivités rapprochées')}, sous le minimum plausible de ${n(min.matched)}`);
  }
  return verdict;
}

/**
 * Where a published load falls short of what the guard held it to: published on purpose (`--accept-drop`), so its
 * figures may not cover every collectivité. Each shortfall as [counted, least expected]; null when the load met them
 * (a load the guard let through always does: a smaller load above the ratio is no shortfall).
 */
export function publishedShortfall(
  source: Pick<Source, 'volume'>,
  run: Pick<RunRecord, 'status' | 'rows_counted' | 'rows_expected' | 'matched' | 'matched_expected' | 'compared_with'>,
): { rows: [number, number] | null; matched: [number, number] | null } | null {
  if (run.status !== 'succes' || !source.volume || !run.compared_with) return null;
  // Against a minimum, the figure itself; against a previous load or a planned slice, its share (the guard's ratio).
  const ratio = run.compared_with === 'minimum' ? 1 : (source.volume.ratio ?? DEFAULT_RATIO);
  const short = (got: number | null | undefined, expected: number | null | undefined): [number, number] | null => {
    if (got === null || got === undefined || expected === null || expected === undefined) return null;
    const least = Math.ceil(ratio * expected);
    return got < least || (got === 0 && expected > 0) ? [got, least] : null;
  };
  const rows = short(run.rows_counted, run.rows_expected);
  const matched = short(run.matched, run.matched_expected);
  return rows || matched ? { rows, matched } : null;
}

/** The command that publishes a suspect load on purpose. */
export function acceptCommand(sourceId: string): string {
  return `barometre pull ${sourceId} --accept-drop`;
}

/** The message of a suspect load: what dropped, from what to what, what stays published, and how to publish it anyway. */
export function suspectMessage(sourceId: string, verdict: VolumeVerdict): string {
  return `${sourceId} : volume suspect, chargement mis de côté : ${verdict.reasons.join(' ; ')}. Les données précédentes restent publiées. Si ce fichier est juste (la source a vraiment rétréci, ou c'est un extrait voulu), publiez-le quand même avec : ${acceptCommand(sourceId)}`;
}
