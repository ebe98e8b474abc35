// The contract every source module fulfils.
import type { Config } from '../config.ts';
import type { HttpOptions, HttpResult } from '../http.ts';
import type { Referential } from '../referential.ts';
import type { Column, Row } from '../warehouse.ts';

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
  /** The date of the data if the file says it, else the context's. */
  dataDate: string;
  /** Free-form notes shown in the run's log (e.g. "12 rows matched through the correspondence file"). */
  notes?: string[];
}

export interface FetchContext {
  config: Config;
  /** The live URL to start from: the source's own, or the configuration's override. */
  url: string;
  http: HttpOptions;
  fetch: (url: string, extra?: Partial<HttpOptions>) => Promise<HttpResult>;
  log: (message: string) => void;
}

export interface Source {
  id: string;
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
  /** Date the fixture describes. */
  fixtureDate: string;
  /**
   * Whether `build` may load the fixture when the live pull fails and no real data was ever loaded
   * (default true). False for a source whose live file may not exist: the build then goes without it
   * rather than publishing sample figures and the « Données d'exemple » banner.
   */
  fixtureFallback?: boolean;
  tables: TableSpec[];
  /** The date the data describes when the live download says it (e.g. in its file name). */
  dataDateOf?(result: HttpResult): string | null;
  /** Downloads the live data. Returns the raw bytes (as received) and HTTP metadata. */
  fetchLive(ctx: FetchContext): Promise<HttpResult>;
  /** Parses and validates raw bytes; throws on a file that cannot be used at all. */
  prepare(bytes: Uint8Array, ctx: PrepareContext): Prepared;
}
