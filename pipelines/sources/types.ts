// The contract every source module fulfils.
import type { Config } from '../base/config.ts';
import type { HttpOptions, HttpResult } from '../base/http.ts';
import type { Referential } from '../referential/referential.ts';
import type { Column, Row, Warehouse } from '../base/warehouse.ts';

export interface Reject {
  ligne: number | null;
  identifiant: string | null;
  motif: string;
}

export interface TableSpec {
  name: string;
  columns: Column[];
  /**
   * `snapshot`: rows carry `date_donnees` and `run_id`; a load replaces the rows of every date it carries
   * (a full-history file carries many), so that history accumulates pull after pull.
   * `replace`: the whole table is replaced, or, with `partitionBy`, only the partitions the load carries
   * (e.g. a file of départements replaces the départements and leaves the régions).
   */
  mode: 'snapshot' | 'replace';
  partitionBy?: string[];
}

export interface PrepareContext {
  referential: Referential;
  /** The date the data describes, when the file does not say it (YYYY-MM-DD). */
  dataDate: string;
  /** Where `dataDate` comes from, in words for the log (option --date, nom du fichier, date de récupération…). */
  dataDateFrom?: string;
  /** True when the operator gave `--date`: it wins over what the file says. */
  dateImposee?: boolean;
  /** Where the bytes came from, for messages. */
  origin: string;
  runId: string;
}

export interface Prepared {
  /** Rows to load, per table name. */
  tables: Record<string, Row[]>;
  rejects: Reject[];
  /** Data rows read from the file (header excluded). rows_in = rows_loaded + rows_rejected. */
  rowsIn: number;
  rowsLoaded: number;
  /** The date of the data if the file says it (unless `dateImposee`), else the context's. */
  dataDate: string;
  /** When the file said the date: where (e.g. « TimeStamp le plus récent des lignes »), for the log. */
  dataDateFrom?: string;
  /** Free-form notes shown in the run's log (e.g. "12 rows matched through the correspondence file"). */
  notes?: string[];
}

/** What `stage` receives: the archived raw file on disk, for DuckDB to read itself. */
export interface StageContext extends PrepareContext {
  w: Warehouse;
  /** The archived raw file, as received (DuckDB's `read_csv`/`read_json`/`read_parquet` read it directly). */
  rawPath: string;
  /**
   * The staging table that the load swaps in for `table` (one of the source's `tables`). `stage` creates it
   * (e.g. `CREATE TABLE … AS SELECT …`) with exactly the table's columns, in order.
   */
  stagingTable(table: string): string;
  /** A scratch table of this run, dropped after the load whatever happens. */
  scratchTable(name: string): string;
  /** The archived companion files (`Source.companions`), by name. */
  companions: Record<string, string>;
}

/** What `stage` returns. */
export interface Staged {
  /** A table of this run (`ligne INTEGER, identifiant VARCHAR, motif VARCHAR`) holding the rejects. */
  rejectsTable: string;
  /** Data rows read from the file. rows_in = rows_loaded + rows_rejected, checked by the pull. */
  rowsIn: number;
  rowsLoaded: number;
  rowsRejected: number;
  dataDate: string;
  /** When the file said the date: where, for the log. */
  dataDateFrom?: string;
  notes?: string[];
}

/**
 * Another file a pull needs beside the main one (data.gouv.fr's datasets export beside its organisations export).
 * It is downloaded by `fetchLive` to `companionPath(name)`, found beside a local main file under `besideName`, and
 * archived next to the main raw file as `<raw>.<name>.<extension>`, its SHA-256 in the main file's `.sha256`.
 */
export interface Companion {
  name: string;
  extension: string;
  /** Its file name beside a local main file (`--from`, the fixture), from the main file's name. */
  besideName(mainName: string): string;
}

export interface FetchContext {
  config: Config;
  /** Where a large download may be streamed (`toFile`); the pull archives it from there. */
  downloadPath: string;
  /** The live URL to start from: the source's own, or the configuration's override. */
  url: string;
  http: HttpOptions;
  fetch: (url: string, extra?: Partial<HttpOptions>) => Promise<HttpResult>;
  log: (message: string) => void;
  /** Where `fetchLive` streams a companion file (`Source.companions`). */
  companionPath(name: string): string;
  /** Reads the warehouse (a query's rows): a source whose list of addresses is in another source's data (sites). */
  lire?<T extends Row = Row>(sql: string): Promise<T[]>;
  /** Runs `fn` with the warehouse closed (a crawl of hours holds no lock), then opens it again for the load. */
  sansEntrepot?<T>(fn: () => Promise<T>): Promise<T>;
  /** For a source that visits the web itself (`Source.crawler`): the options of `barometre pull … --all / --urls`. */
  crawl?: CrawlOptions;
  /**
   * Says how many items the live pull set out to bring (the web observatory's slice of sites): a source whose guard
   * compares with the plan (`VolumeGuard.compareBy: 'planned'`) calls it before returning.
   */
  plan?(count: number): void;
}

/** `--all`: every site, not a slice; `--urls`: a list of sites (`siren,url`) instead of the declared ones. */
export interface CrawlOptions {
  all?: boolean;
  urls?: string;
}

/** The least a first real load of a source (or of one part of it) may bring: rows loaded, collectivités matched. */
export interface VolumeMinimum {
  rows?: number;
  matched?: number;
}

/**
 * The volume guard (pipelines/sources/volume.ts): a real load that falls below `ratio` of the previous good real load
 * (rows loaded, or collectivités matched), or matches none where it matched some, or, the first time, falls under the
 * minimum plausible size, is not published: its run is `suspect` and the previous data stay.
 */
export interface VolumeGuard {
  /** The minimum plausible size of a first real load; a function of the parts it carries when they differ in size. */
  minimum: VolumeMinimum | ((parts: readonly string[]) => VolumeMinimum);
  /** The share of the previous load under which a load is suspect (default 0.5). */
  ratio?: number;
  /**
   * How the collectivités a load matched are counted: distinct (type, code) of these staged tables, where the code is
   * set and the type is one of the four kinds. Absent for a source that matches none (a national series).
   */
  matched?: { tables: readonly string[]; type?: string; code?: string; where?: string };
  /**
   * The rows the guard counts when not every row loaded: a query (column `n`) over the staged tables, `staged(table)`
   * naming each (quoted), and what they are, singular and plural (« organisation du fichier des organisations »).
   * Default: the rows loaded (`rows_loaded`).
   */
  rows?: { sql?(staged: (table: string) => string): string; unit: readonly [string, string] };
  /**
   * What a load is compared with. `previous` (default): the previous good real load of the source. `partition`: the
   * previous good real load that carried the same partitions (`partitionBy` of the source's first partitioned table),
   * like with like for a source fed several partial files. `planned`: the number of items the live pull planned
   * (`FetchContext.plan`), never a previous pass (the web observatory's slices).
   */
  compareBy?: 'previous' | 'partition' | 'planned';
  /**
   * With `compareBy: 'partition'`, the parts of a load when they are not the partitions of a table: a query (column
   * `p`, one row per part) over the staged tables, `staged(table)` naming each (quoted).
   */
  partsSql?(staged: (table: string) => string): string;
}

/**
 * What a source is to the pages besides the indicators it feeds, exported with it (provenance.json) so that a page finds
 * it without naming its id: `fonds-de-carte`, the boundaries drawn under the maps (contours-*.geojson);
 * `observatoire-demarches`, the observatory of the State's online procedures (the procedures exports).
 */
export type RoleSource = 'fonds-de-carte' | 'observatoire-demarches';

export interface Source {
  id: string;
  /** Absent for a source that only feeds indicators (see `RoleSource`); at most one source per role. */
  role?: RoleSource;
  title: string;
  producer: string;
  licence: string;
  licenceUrl: string;
  /** Human landing page of the dataset. */
  homepage: string;
  /** The live URL the connector starts from (documentation and status). */
  url: string;
  /** Default cron schedule (Europe/Paris), overridable in barometre.config.json. */
  schedule: string;
  /** What one pull keeps, for the README and the data page. */
  keeps: string;
  /** Bundled fixture, relative to the project root: a small file in the exact real format. */
  fixture: string;
  /** Extension of the raw file archived. */
  extension: string;
  /** Other formats the source reads: a local file (`--from`) with one of these extensions is archived under it. */
  extensions?: readonly string[];
  /** Date the fixture describes. */
  fixtureDate: string;
  /**
   * Whether `build` may load the fixture when the live pull fails and no real data was ever loaded
   * (default true). False for a source whose live file may not exist: the build then goes without it
   * rather than publishing sample figures and the « Données d'exemple » banner.
   */
  fixtureFallback?: boolean;
  tables: TableSpec[];
  /** The volume guard's thresholds for this source (every registered source declares them). */
  volume?: VolumeGuard;
  /** Files read with the main one, each archived beside it (see `Companion`). */
  companions?: Companion[];
  /** The date the data describes when a file's name or URL says it (e.g. `…-2022-12-31-.csv`). */
  dataDateOf?(name: string): string | null;
  /**
   * Downloads the live data. Returns the raw bytes (as received) and HTTP metadata; a large file is streamed to
   * disk (`ctx.fetch(url, { toFile: ctx.downloadPath })`) and returned as `file`.
   */
  fetchLive(ctx: FetchContext): Promise<HttpResult>;
  /**
   * One of `prepare` and `stage`. `prepare` parses and validates raw bytes in JavaScript (small files and odd
   * formats); `stage` lets DuckDB read the raw file into staging tables, with validation, matching and rejects in
   * SQL (large files). Both throw on a file that cannot be used at all.
   */
  /** The source visits the web itself (its live pull is a crawl): `--all` and `--urls` apply to it. */
  crawler?: boolean;
  prepare?(bytes: Uint8Array, ctx: PrepareContext): Prepared;
  stage?(ctx: StageContext): Promise<Staged>;
}
