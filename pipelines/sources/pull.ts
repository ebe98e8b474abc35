// One pull of one source: obtain the bytes, archive them as received, prepare, load in one transaction.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Config } from '../base/config.ts';
import { copyFileAtomic, fileTimestamp, sha256, sha256File, writeFileAtomic } from '../base/files.ts';
import { fetchWithRetry, type HttpOptions, type HttpResult } from '../base/http.ts';
import type { Logger } from '../base/log.ts';
import { referential as defaultReferential, type Referential } from '../referential/referential.ts';
import { ensureReferential } from '../referential/referential-sql.ts';
import type { Companion, CrawlOptions, PrepareContext, Reject, Source, TableSpec } from './types.ts';
import { checkDate, parisDate } from '../base/dates.ts';
import { latestRun, markInterrupted, REJECT_COLUMNS, saveRun, stagingSuffix, type Origin, type RunRecord } from '../base/runs.ts';
import { judgeVolume, suspectMessage, volumeFigures } from './volume.ts';
import { quotedIdentifier, type Row, type Warehouse } from '../base/warehouse.ts';

export interface PullOptions {
  /** Read this file instead of the live URL. */
  from?: string;
  /** Use the source's bundled fixture. */
  offline?: boolean;
  /** The date the data describes when the file does not say it (YYYY-MM-DD). */
  date?: string;
  now?: () => Date;
  log: Logger;
  referential?: Referential;
  /** Overrides of HTTP settings (tests). */
  http?: Partial<HttpOptions>;
  /** `--all` / `--urls` for a source that crawls (`Source.crawler`). */
  crawl?: CrawlOptions;
  /**
   * `--accept-drop`: a load the volume guard would set aside is published on purpose. Without `from`, the pull
   * publishes the source's pending suspect load from its archived raw file, downloading nothing.
   */
  acceptDrop?: boolean;
  /** Called between steps (tests inject failures there, and `BAROMETRE_PAUSE_AT` pauses a process there). */
  onStep?: (step: PullStep) => void | Promise<void>;
}

/**
 * The points of a pull, in order: the run is recorded (`registered`), the bytes are archived (`fetched`),
 * parsed and validated (`prepared`), half the staging rows are written (`staging`), staging is complete
 * (`staged`), the swap transaction has replaced the data but not committed (`loading`), it has committed
 * (`committed`). A process that dies before `committed` leaves the previous data.
 */
export const PULL_STEPS = ['registered', 'fetched', 'prepared', 'staging', 'staged', 'loading', 'committed'] as const;
export type PullStep = (typeof PULL_STEPS)[number];

export class PullError extends Error {
  constructor(
    message: string,
    readonly run: RunRecord,
  ) {
    super(message);
    this.name = 'PullError';
  }

  /** The load was read but set aside by the volume guard (status `suspect`), not failed. */
  get suspect(): boolean {
    return this.run.status === 'suspect';
  }
}

export function httpOptions(config: Config, extra: Partial<HttpOptions> = {}): HttpOptions {
  return { ...config.http, ...extra };
}

interface Staging {
  /** Target table spec and its staging table. */
  tables: { spec: TableSpec; name: string }[];
  /** Scratch tables of the run, dropped after the load. */
  scratch: string[];
}

function stagingFor(source: Source, run: RunRecord): Staging {
  return { tables: source.tables.map((t) => ({ spec: t, name: `stg_${t.name}_${stagingSuffix(run.run_id)}` })), scratch: [] };
}

/** The JavaScript path: prepared rows written to staging tables, in two halves (a test stops a process between them). */
async function fillStaging(w: Warehouse, staging: Staging, tables: Record<string, Row[]>, onStep?: PullOptions['onStep']): Promise<void> {
  const total = staging.tables.reduce((n, { spec }) => n + (tables[spec.name]?.length ?? 0), 0);
  let written = 0;
  let halfway = false;
  for (const { spec, name } of staging.tables) {
    await w.createTable(name, spec.columns, { replace: true });
    const rows = tables[spec.name] ?? [];
    const cut = halfway ? 0 : Math.min(rows.length, Math.max(0, Math.ceil(total / 2) - written));
    await w.insert(name, spec.columns, rows.slice(0, cut));
    written += cut;
    if (!halfway && written >= Math.ceil(total / 2)) {
      halfway = true;
      await onStep?.('staging');
    }
    await w.insert(name, spec.columns, rows.slice(cut));
    written += rows.length - cut;
  }
}

/** Checks that `stage` left each staging table with the target's columns, in order. */
async function checkStaging(w: Warehouse, source: Source, staging: Staging): Promise<void> {
  for (const { spec, name } of staging.tables) {
    if (!(await w.tableExists(name))) throw new Error(`${source.id} : la préparation n'a pas créé la table de transit de ${spec.name}.`);
    const cols = await w.all<{ c: string }>(`SELECT column_name AS c FROM information_schema.columns WHERE table_schema = 'main' AND table_name = $t ORDER BY ordinal_position`, { t: name });
    const found = cols.map((c) => c.c).join(', ');
    const expected = spec.columns.map((c) => c.name).join(', ');
    if (found !== expected) throw new Error(`${source.id} : colonnes de transit de ${spec.name} inattendues (${found}) ; attendues : ${expected}.`);
  }
}

/** Swaps staged data in: one transaction replaces the source's data, records the rejects and the run. */
async function swap(w: Warehouse, source: Source, staging: Staging, run: RunRecord, rejects: { rows: Reject[] } | { table: string }, onStep?: PullOptions['onStep']): Promise<void> {
  await w.transaction(async () => {
    for (const { spec, name } of staging.tables) {
      const target = quotedIdentifier(spec.name);
      await w.createTable(spec.name, spec.columns);
      // A column added to a source's table since the warehouse was made: added, empty for the older rows.
      for (const c of spec.columns) await w.run(`ALTER TABLE ${target} ADD COLUMN IF NOT EXISTS ${quotedIdentifier(c.name)} ${c.type}`);
      // Sample data never mixes with real data: a fixture load replaces everything, a real load
      // removes what fixtures left, then replaces the snapshot of the same date.
      const staged = quotedIdentifier(name);
      if (run.origin === 'fixture' || (spec.mode === 'replace' && !spec.partitionBy?.length)) {
        await w.run(`DELETE FROM ${target}`);
      } else {
        await w.run(`DELETE FROM ${target} WHERE run_id IN (SELECT run_id FROM runs WHERE source = $s AND origin = 'fixture')`, { s: source.id });
        if (spec.mode === 'snapshot') {
          await w.run(`DELETE FROM ${target} WHERE date_donnees = $d OR date_donnees IN (SELECT DISTINCT date_donnees FROM ${staged})`, { d: run.date_donnees });
        } else {
          const cols = spec.partitionBy!.map(quotedIdentifier).join(', ');
          await w.run(`DELETE FROM ${target} WHERE (${cols}) IN (SELECT DISTINCT ${cols} FROM ${staged})`);
        }
      }
      await w.run(`INSERT INTO ${target} BY NAME SELECT * FROM ${staged}`);
    }
    await onStep?.('loading');
    if ('rows' in rejects) {
      await w.insert('rejets', REJECT_COLUMNS, rejects.rows.map((r) => ({ source: source.id, run_id: run.run_id, ...r })));
    } else {
      await w.run(`INSERT INTO rejets SELECT $s, $r, ligne::INTEGER, identifiant::VARCHAR, motif::VARCHAR FROM ${quotedIdentifier(rejects.table)}`, { s: source.id, r: run.run_id });
    }
    await saveRun(w, run);
  });
}

async function dropStaging(w: Warehouse, staging: Staging): Promise<void> {
  for (const name of [...staging.tables.map((t) => t.name), ...staging.scratch]) await w.run(`DROP TABLE IF EXISTS ${quotedIdentifier(name)}`).catch(() => undefined);
}

function locate(path: string): string {
  const full = resolve(path);
  if (!existsSync(full)) throw new Error(`Fichier introuvable : ${full}`);
  if (!statSync(full).isFile()) throw new Error(`${full} n'est pas un fichier.`);
  return full;
}

/** The extension of the archived raw file: a local file's (or the fixture's) own when the source reads that format too. */
function rawExtension(source: Source, from: string | undefined): string {
  const name = from ? basename(from).toLowerCase() : '';
  const known = [...(source.extensions ?? [])].sort((a, b) => b.length - a.length);
  return known.find((ext) => name.endsWith(`.${ext}`)) ?? source.extension;
}

/** Where a companion file is archived: beside the main raw file, `<raw>.<name>.<extension>`. */
export function companionRawPath(rawPath: string, c: Pick<Companion, 'name' | 'extension'>): string {
  return `${rawPath.replace(/\.[^./]+$/, '')}.${c.name}.${c.extension}`;
}

/** The raw bytes of a pull: in memory (small downloads) or in a file (large downloads, local files). */
type Obtained = { bytes: Uint8Array } | { file: string; temporary: boolean };

/** Archives the raw data as received (write then rename, never in place) and returns its SHA-256. */
async function archive(obtained: Obtained, rawPath: string): Promise<string> {
  if ('bytes' in obtained) {
    writeFileAtomic(rawPath, obtained.bytes);
    return sha256(obtained.bytes);
  }
  if (obtained.temporary) {
    mkdirSync(dirname(rawPath), { recursive: true });
    renameSync(obtained.file, rawPath);
  } else {
    copyFileAtomic(obtained.file, rawPath);
  }
  return sha256File(rawPath);
}

/**
 * A live pull that brought the very file whose data the warehouse holds (304, or the same SHA-256): recorded as
 * `inchange`, pointing at the previous archive, without reloading anything. The scheduler then recomputes nothing.
 */
async function recordUnchanged(w: Warehouse, run: RunRecord, previous: RunRecord, why: string, log: Logger, finishedAt: Date): Promise<RunRecord> {
  Object.assign(run, {
    status: 'inchange',
    finished_at: finishedAt.toISOString(),
    date_donnees: previous.date_donnees,
    rows_in: previous.rows_in,
    rows_loaded: previous.rows_loaded,
    rows_rejected: previous.rows_rejected,
    raw_path: previous.raw_path,
    raw_sha256: previous.raw_sha256,
    etag: run.etag ?? previous.etag,
    last_modified: run.last_modified ?? previous.last_modified,
    // The same data: the next load is compared with these figures.
    rows_counted: previous.rows_counted ?? null,
    matched: previous.matched ?? null,
    parts: previous.parts ?? null,
  } satisfies Partial<RunRecord>);
  await saveRun(w, run);
  log.info(`${run.source} : inchangé depuis le chargement du ${previous.started_at} (${why}) ; données conservées, rien à recharger.`, { source: run.source, run_id: run.run_id, status: 'inchange' });
  return run;
}

/** The load `--accept-drop` publishes (without `--from`): the source's pending suspect load, its raw file still archived. */
async function suspectToAccept(w: Warehouse, source: Source): Promise<RunRecord & { raw_path: string; raw_sha256: string }> {
  await markInterrupted(w, new Date());
  const suspect = await latestRun(w, source.id, 'suspect');
  if (!suspect) {
    const last = await latestRun(w, source.id, 'any');
    throw new Error(
      `${source.id} : aucun chargement mis de côté à publier (${last ? `dernier chargement : ${last.status}, le ${last.started_at}` : 'jamais chargée'}). --accept-drop publie le fichier archivé d'un chargement que le contrôle de volume a mis de côté (statut suspect, voir barometre status) ; pour charger un fichier en acceptant sa baisse : barometre pull ${source.id} --from FICHIER --accept-drop.`,
    );
  }
  if (!suspect.raw_path || !suspect.raw_sha256 || !existsSync(suspect.raw_path)) {
    throw new Error(`${source.id} : le fichier brut du chargement mis de côté ${suspect.run_id} n'est plus archivé (${suspect.raw_path ?? 'aucun chemin'}) ; rien à publier. Rechargez la source.`);
  }
  return suspect as RunRecord & { raw_path: string; raw_sha256: string };
}

export async function pullSource(config: Config, w: Warehouse, source: Source, options: PullOptions): Promise<RunRecord> {
  const now = options.now ?? (() => new Date());
  // --accept-drop alone: the suspect load's archive is read again, nothing is downloaded.
  const accepting = options.acceptDrop && !options.from && !options.offline ? await suspectToAccept(w, source) : undefined;
  const started = now();
  const origin: Origin = accepting ? accepting.origin : options.from ? 'fichier' : options.offline ? 'fixture' : 'live';
  const run: RunRecord = {
    source: source.id,
    run_id: `${source.id}-${fileTimestamp(started)}-${Math.random().toString(36).slice(2, 6)}`,
    status: 'en_cours',
    origin,
    location: accepting ? accepting.location : options.from ? resolve(options.from) : options.offline ? source.fixture : (config.sources[source.id]?.url ?? source.url),
    started_at: started.toISOString(),
    finished_at: null,
    date_donnees: null,
    rows_in: null,
    rows_loaded: null,
    rows_rejected: null,
    raw_path: null,
    raw_sha256: null,
    etag: null,
    last_modified: null,
    error: null,
    rows_counted: null,
    rows_expected: null,
    matched: null,
    matched_expected: null,
    compared_with: null,
    parts: null,
  };
  await markInterrupted(w, started);
  await saveRun(w, run);
  const log = options.log;
  // The run's own suffix: two runs in the same second never share (or overwrite) a raw file.
  const rawPath = accepting?.raw_path ?? resolve(config.paths.raw, source.id, `${fileTimestamp(started)}-${run.run_id.split('-').at(-1)}.${rawExtension(source, options.from ?? (options.offline ? source.fixture : undefined))}`);
  const downloadPath = resolve(config.paths.raw, source.id, `.${basename(rawPath)}.part`);
  const companions = (source.companions ?? []).map((c) => ({ c, part: resolve(config.paths.raw, source.id, `.${basename(rawPath)}.${c.name}.part`), raw: companionRawPath(rawPath, c) }));
  const staging = stagingFor(source, run);
  try {
    await options.onStep?.('registered');
    if (options.date) checkDate(options.date);
    let obtained: Obtained;
    let companionFiles: { file: string; temporary: boolean }[] = [];
    let http: HttpResult | undefined;
    let nameDate: string | null = null;
    let unchangedCandidate: RunRecord | undefined;
    /** How many items the live pull planned (`FetchContext.plan`): the web observatory's slice. */
    let planned: number | undefined;
    if (accepting) {
      obtained = { file: accepting.raw_path, temporary: false };
      companionFiles = companions.map(({ c }) => ({ file: companionRawPath(accepting.raw_path, c), temporary: false }));
      run.etag = accepting.etag;
      run.last_modified = accepting.last_modified;
      log.info(`${source.id} : publication à dessein (--accept-drop) du chargement mis de côté ${accepting.run_id} du ${accepting.started_at}, depuis son archive ${accepting.raw_path} (rien n'est téléchargé).`, { source: source.id });
    } else if (origin === 'live') {
      const previous = await latestRun(w, source.id, 'good-archived');
      const base = httpOptions(config, options.http);
      const fetchCtx = {
        config,
        url: config.sources[source.id]?.url ?? source.url,
        http: base,
        downloadPath,
        companionPath: (name: string) => {
          const found = companions.find((x) => x.c.name === name);
          if (!found) throw new Error(`${source.id} : fichier compagnon « ${name} » inconnu (compagnons de la source : ${companions.map((x) => x.c.name).join(', ') || 'aucun'}).`);
          return found.part;
        },
        log: (m: string) => log.info(m, { source: source.id }),
        lire: <T extends Row = Row>(sql: string) => w.all<T>(sql),
        sansEntrepot: <T>(fn: () => Promise<T>) => w.relacher(fn),
        crawl: options.crawl,
        plan: (count: number) => {
          planned = count;
        },
        fetch: (url: string, extra: Partial<HttpOptions> = {}) =>
          fetchWithRetry(url, { ...base, onRetry: (n, reason, ms) => log.warn(`${source.id} : tentative ${n + 1} dans ${ms} ms (${reason})`, { source: source.id }), ...extra }),
      };
      log.progress(`${source.id} : téléchargement de ${fetchCtx.url}…`);
      // Conditional request only when the previous download was live and its raw file is still archived.
      const conditional = previous?.origin === 'live' && previous.raw_path && existsSync(previous.raw_path) ? { etag: previous.etag, lastModified: previous.last_modified } : {};
      // Validators belong to the file they came from: sent only to the previous run's final URL.
      http = await source.fetchLive({ ...fetchCtx, fetch: (url, extra = {}) => fetchCtx.fetch(url, { ...(url === previous?.location ? conditional : {}), ...extra }) });
      run.location = http.url;
      run.etag = http.etag;
      run.last_modified = http.lastModified;
      nameDate = source.dataDateOf?.(http.url) ?? null;
      if (http.notModified && previous?.raw_path) {
        // The warehouse holds that archive's data when the previous success was this live download: nothing to do.
        if (previous.origin === 'live' && !options.date && companions.length === 0) return await recordUnchanged(w, run, previous, 'réponse 304', log, now());
        obtained = { file: previous.raw_path, temporary: false };
        companionFiles = companions.map(({ c }) => ({ file: companionRawPath(previous.raw_path!, c), temporary: false }));
        log.info(`${source.id} : inchangé depuis le ${previous.started_at} (réponse 304) ; rechargement de l'archive ${previous.raw_path}.`);
      } else {
        obtained = http.file ? { file: http.file, temporary: true } : { bytes: http.body };
        companionFiles = companions.map(({ part }) => ({ file: part, temporary: true }));
      }
      unchangedCandidate = previous?.origin === 'live' && !options.date ? previous : undefined;
    } else {
      const path = options.from ? locate(options.from) : resolve(config.root, source.fixture);
      obtained = { file: path, temporary: false };
      companionFiles = companions.map(({ c }) => ({ file: join(dirname(path), c.besideName(basename(path))), temporary: false }));
      if (options.from) nameDate = source.dataDateOf?.(basename(path)) ?? null;
    }
    await options.onStep?.('fetched');

    companionFiles.forEach(({ file }, i) => {
      const { c } = companions[i]!;
      if (existsSync(file)) return;
      if (accepting) throw new Error(`${source.id} : le fichier « ${c.name} » du chargement mis de côté n'est plus archivé (${file}).`);
      if (origin === 'live') throw new Error(`${source.id} : le téléchargement n'a pas produit le fichier « ${c.name} » (${file}).`);
      throw new Error(`${source.id} : fichier « ${c.name} » introuvable : ${file}. Il se lit avec le fichier principal et doit se trouver à côté de lui, sous ce nom.`);
    });
    if (accepting) {
      // Already archived by the suspect load, checksum file included: checked, not copied.
      run.raw_sha256 = await sha256File(rawPath);
      if (run.raw_sha256 !== accepting.raw_sha256) throw new Error(`${source.id} : l'archive ${rawPath} a changé depuis le chargement mis de côté (SHA-256 ${run.raw_sha256} au lieu de ${accepting.raw_sha256}) ; rien n'est publié.`);
    } else {
      run.raw_sha256 = await archive(obtained, rawPath);
      // The same bytes as the live download the warehouse already holds: nothing to reload (servers without ETag).
      // A source with companion files reloads: its main file alone does not say that nothing changed.
      if (companions.length === 0 && unchangedCandidate && unchangedCandidate.raw_sha256 === run.raw_sha256 && unchangedCandidate.raw_path && existsSync(unchangedCandidate.raw_path)) {
        rmSync(rawPath, { force: true });
        return await recordUnchanged(w, run, unchangedCandidate, 'même empreinte SHA-256', log, now());
      }
      // One checksum file for the pull: the main file's line first, then each companion's (`sha256sum -c` reads them all).
      const sums = [`${run.raw_sha256}  ${basename(rawPath)}`];
      for (const [i, { raw }] of companions.entries()) sums.push(`${await archive(companionFiles[i]!, raw)}  ${basename(raw)}`);
      writeFileAtomic(`${rawPath}.sha256`, `${sums.join('\n')}\n`);
    }
    run.raw_path = rawPath;

    // The date of the data: --date, else what the file says (the source reads it), else its name, else the
    // fixture's date or the retrieval date. The log says which.
    const [fallbackDate, fallbackFrom] = options.date
      ? [options.date, 'option --date']
      : accepting?.date_donnees
        ? [accepting.date_donnees, 'date du chargement mis de côté']
      : nameDate
        ? [nameDate, 'nom du fichier']
        : origin === 'fixture'
          ? [source.fixtureDate, "date du jeu d'exemple"]
          : [parisDate(started), 'date de récupération'];
    const ctx: PrepareContext = { referential: options.referential ?? defaultReferential(), dataDate: fallbackDate, dataDateFrom: fallbackFrom, dateImposee: Boolean(options.date), origin: run.location, runId: run.run_id };
    log.progress(`${source.id} : lecture et validation…`);
    let result: { rowsIn: number; rowsLoaded: number; rowsRejected: number; dataDate: string; dataDateFrom?: string; notes?: string[]; firstReject: () => Promise<string | undefined> };
    let rejects: { rows: Reject[] } | { table: string };
    if (source.stage) {
      await ensureReferential(w, ctx.referential);
      const staged = await source.stage({
        ...ctx,
        w,
        rawPath,
        companions: Object.fromEntries(companions.map(({ c, raw }) => [c.name, raw])),
        stagingTable: (table) => {
          const t = staging.tables.find((x) => x.spec.name === table);
          if (!t) throw new Error(`${source.id} : table « ${table} » inconnue (tables de la source : ${source.tables.map((x) => x.name).join(', ')}).`);
          return t.name;
        },
        scratchTable: (name) => {
          const t = `tmp_${name}_${stagingSuffix(run.run_id)}`;
          staging.scratch.push(t);
          return t;
        },
      });
      await options.onStep?.('prepared');
      await checkStaging(w, source, staging);
      rejects = { table: staged.rejectsTable };
      result = { ...staged, firstReject: async () => (await w.one<{ m: string }>(`SELECT motif AS m FROM ${quotedIdentifier(staged.rejectsTable)} LIMIT 1`))?.m };
    } else if (source.prepare) {
      const bytes = 'bytes' in obtained ? obtained.bytes : readFileSync(rawPath);
      const prepared = source.prepare(bytes, ctx);
      await options.onStep?.('prepared');
      rejects = { rows: prepared.rejects };
      result = { ...prepared, rowsRejected: prepared.rejects.length, firstReject: async () => prepared.rejects[0]?.motif };
      if (prepared.rowsLoaded > 0) await fillStaging(w, staging, prepared.tables, options.onStep);
    } else {
      throw new Error(`${source.id} : la source n'a ni prepare ni stage.`);
    }
    run.date_donnees = result.dataDate;
    run.rows_in = result.rowsIn;
    run.rows_loaded = result.rowsLoaded;
    run.rows_rejected = result.rowsRejected;
    if (run.rows_in !== run.rows_loaded + run.rows_rejected) {
      throw new Error(`${source.id} : incohérence interne, ${run.rows_in} lignes lues ≠ ${run.rows_loaded} chargées + ${run.rows_rejected} rejetées.`);
    }
    if (run.rows_loaded === 0) {
      throw new Error(`${source.id} : aucune ligne utilisable sur ${run.rows_in} (${(await result.firstReject()) ?? 'fichier sans données'}). Les données précédentes sont conservées.`);
    }
    await options.onStep?.('staged');
    // The volume guard: a load far smaller than the previous real one is not published (pipelines/sources/volume.ts).
    const figures = await volumeFigures(w, source, run.rows_loaded, (table) => staging.tables.find((t) => t.spec.name === table)!.name);
    const verdict = await judgeVolume(w, source, run, figures, { planned, minimums: config.volumeGuard.minimums });
    Object.assign(run, { rows_counted: figures.rows, matched: figures.matched, parts: figures.parts, rows_expected: verdict.rows_expected, matched_expected: verdict.matched_expected, compared_with: verdict.compared_with });
    if (verdict.reasons.length > 0) {
      if (!options.acceptDrop) {
        run.status = 'suspect';
        throw new Error(suspectMessage(source.id, verdict));
      }
      log.warn(`${source.id} : baisse de volume publiée à dessein (--accept-drop) : ${verdict.reasons.join(' ; ')}.`, { source: source.id, run_id: run.run_id, rows_counted: run.rows_counted, rows_expected: run.rows_expected, matched: run.matched, matched_expected: run.matched_expected });
    }
    log.progress(`${source.id} : chargement de ${run.rows_loaded} lignes…`);
    run.status = http?.notModified ? 'inchange' : 'succes';
    run.finished_at = now().toISOString();
    await swap(w, source, staging, run, rejects, options.onStep);
    log.info(
      `${source.id} : ${run.rows_loaded} lignes chargées, ${run.rows_rejected} rejetées sur ${run.rows_in} (données du ${run.date_donnees} — ${result.dataDate === fallbackDate ? fallbackFrom : (result.dataDateFrom ?? 'contenu du fichier')} ; ${origin === 'fixture' ? "jeu d'exemple" : origin === 'fichier' ? 'fichier local' : 'en ligne'}).`,
      { source: source.id, run_id: run.run_id, rows_in: run.rows_in, rows_loaded: run.rows_loaded, rows_rejected: run.rows_rejected, date_donnees: run.date_donnees },
    );
    for (const note of result.notes ?? []) log.info(`${source.id} : ${note}`, { source: source.id });
  } catch (error) {
    // A load set aside by the volume guard keeps its status (`suspect`): read, archived, not published.
    if (run.status !== 'suspect') run.status = 'echec';
    run.finished_at = now().toISOString();
    run.error = (error as Error).message;
    await saveRun(w, run).catch(() => undefined);
    throw new PullError(run.error, run);
  } finally {
    await dropStaging(w, staging);
    rmSync(downloadPath, { force: true });
    for (const { part } of companions) rmSync(part, { force: true });
  }
  await options.onStep?.('committed');
  // After the commit: a failed checkpoint is not a failed load (the data are in the write-ahead log).
  await w.checkpoint().catch((error: Error) => log.warn(`${source.id} : point de contrôle de l'entrepôt différé (${error.message}).`));
  return run;
}
