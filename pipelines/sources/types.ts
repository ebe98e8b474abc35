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
   * `snapshot`: rows carry `date_donnees`, and a load replaces only the rows of the same date, so that
   * history accumulates pull after pull (such tables also carry `run_id`). `replace`: the whole table is replaced.
   */
  mode: 'snapshot' | 'replace';
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
  tables: TableSpec[];
  /** The date the data describes when the live download says it (e.g. in its file name). */
  dataDateOf?(result: HttpResult): string | null;
  /** Downloads the live data. Returns the raw bytes (as received) and HTTP metadata. */
  fetchLive(ctx: FetchContext): Promise<HttpResult>;
  /** Parses and validates raw bytes; throws on a file that cannot be used at all. */
  prepare(bytes: Uint8Array, ctx: PrepareContext): Prepared;
}
