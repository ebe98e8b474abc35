// The only module that talks to DuckDB. Everything else goes through `Warehouse`.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBAppender, type DuckDBValue } from '@duckdb/node-api';

export type ColumnType = 'VARCHAR' | 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'DATE' | 'TIMESTAMP';
export interface Column {
  name: string;
  type: ColumnType;
}
export type Row = Record<string, unknown>;
export type Params = Record<string, DuckDBValue>;

/** Quotes an identifier for SQL (tables and columns built from names). */
export function quotedIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string literal (for paths in COPY, where parameters are not accepted). */
export function quotedString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function toPlain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  return value;
}

function plainRow<T extends Row>(row: Record<string, unknown>): T {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k] = toPlain(v);
  return out as T;
}

export function columnsDDL(columns: readonly Column[]): string {
  return columns.map((c) => `${quotedIdentifier(c.name)} ${c.type}`).join(', ');
}

/**
 * DuckDB's memory limit unless `BAROMETRE_DUCKDB_MEMOIRE` says otherwise (a DuckDB size: `400MB`, `4GB`). At the
 * bench's full scale, 400 MB keeps a full `compute` near 1 GB of process memory and is no slower than 800 MB:
 * what does not fit spills to disk.
 */
export const DEFAULT_MEMORY_LIMIT = '400MB';

/** The memory limit a warehouse opens with. */
export function memoryLimit(env: NodeJS.ProcessEnv = process.env): string {
  return env.BAROMETRE_DUCKDB_MEMOIRE || DEFAULT_MEMORY_LIMIT;
}

export class Warehouse {
  private constructor(
    readonly path: string,
    private instance: DuckDBInstance,
    private connection: DuckDBConnection,
    private readonly limit: string,
  ) {}

  /**
   * Opens (and creates if needed) the warehouse file. `:memory:` gives a throwaway warehouse.
   * DuckDB's memory is bounded (`BAROMETRE_DUCKDB_MEMOIRE`, default {@link DEFAULT_MEMORY_LIMIT}): past it, sorts,
   * joins and aggregates spill to `<warehouse>.tmp/` instead of taking 80 % of the machine's RAM, DuckDB's default.
   */
  static async open(path: string, limit = memoryLimit()): Promise<Warehouse> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    // The allocator gives freed memory back to the system promptly (by default each thread may keep 128 MB, and
    // the process kept memory DuckDB no longer used): at the bench's scale under a 500 MB limit, a full compute
    // peaked at 1.26 GB without these settings and 1.18 GB with them.
    const options = { threads: '2', memory_limit: limit, allocator_flush_threshold: '8MB', allocator_background_threads: 'true' };
    const instance = await DuckDBInstance.create(path, options).catch((error: Error) => {
      if (!/config|memory/i.test(error.message)) throw error;
      throw new Error(`Limite de mémoire de DuckDB illisible : « ${limit} » (variable BAROMETRE_DUCKDB_MEMOIRE ; une taille comme 400MB ou 4GB). ${error.message}`);
    });
    const connection = await instance.connect();
    return new Warehouse(path, instance, connection, limit);
  }

  /**
   * Runs `fn` with the warehouse closed, so that other processes may open it meanwhile (a crawl of hours must not
   * hold the lock), then opens it again. Temporary tables do not survive. If another process holds it when `fn` ends,
   * the reopening waits for it (every `attente` ms, at most `essais` times) and then fails saying so.
   */
  async relacher<T>(fn: () => Promise<T>, { essais = 120, attente = 1_000 } = {}): Promise<T> {
    if (this.path === ':memory:') return fn();
    this.close();
    try {
      return await fn();
    } finally {
      for (let essai = 1; ; essai++) {
        try {
          const other = await Warehouse.open(this.path, this.limit);
          this.instance = other.instance;
          this.connection = other.connection;
          break;
        } catch (error) {
          if (essai >= essais || !/lock/i.test((error as Error).message)) throw error;
          await new Promise((r) => setTimeout(r, attente));
        }
      }
    }
  }

  async run(sql: string, params?: Params): Promise<void> {
    await this.connection.run(sql, params);
  }

  async all<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS().map((row) => plainRow<T>(row));
  }

  /**
   * The rows of `sql` in batches of about `batch`, in the query's order, read as DuckDB streams them: a large result
   * is never held whole, nor scanned again per batch. The same values as `all`. Nothing else may run on this
   * warehouse until the last batch is read.
   */
  async *stream<T extends Row = Row>(sql: string, batch = 50_000): AsyncGenerator<T[]> {
    const result = await this.connection.stream(sql);
    let out: T[] = [];
    for await (const rows of result.yieldRowObjectJs()) {
      for (const row of rows) out.push(plainRow<T>(row));
      if (out.length >= batch) {
        yield out;
        out = [];
      }
    }
    if (out.length > 0) yield out;
  }

  async one<T extends Row = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  async tableExists(name: string): Promise<boolean> {
    const row = await this.one<{ n: number }>(
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'main' AND table_name = $name`,
      { name },
    );
    return (row?.n ?? 0) > 0;
  }

  async createTable(name: string, columns: readonly Column[], { replace = false } = {}): Promise<void> {
    const verb = replace ? 'CREATE OR REPLACE TABLE' : 'CREATE TABLE IF NOT EXISTS';
    await this.run(`${verb} ${quotedIdentifier(name)} (${columnsDDL(columns)})`);
    if (replace) return;
    // A column added to a source's table since the warehouse was created: existing rows get NULL.
    const existing = new Set((await this.all<{ c: string }>(`SELECT column_name AS c FROM information_schema.columns WHERE table_schema = 'main' AND table_name = $t`, { t: name })).map((r) => r.c));
    for (const c of columns) if (!existing.has(c.name)) await this.run(`ALTER TABLE ${quotedIdentifier(name)} ADD COLUMN ${quotedIdentifier(c.name)} ${c.type}`);
  }

  /** Bulk insert through DuckDB's appender; values are converted to each column's type. */
  async insert(table: string, columns: readonly Column[], rows: Iterable<Row>): Promise<number> {
    const appender = await this.connection.createAppender(table);
    let n = 0;
    try {
      for (const row of rows) {
        for (const c of columns) appendTyped(appender, c, row[c.name]);
        appender.endRow();
        n++;
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    return n;
  }

  /** Runs `fn` in one transaction: everything or nothing. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.run('BEGIN TRANSACTION');
    try {
      const result = await fn();
      await this.run('COMMIT');
      return result;
    } catch (error) {
      await this.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async checkpoint(): Promise<void> {
    if (this.path !== ':memory:') await this.run('CHECKPOINT');
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

function appendTyped(appender: DuckDBAppender, column: Column, value: unknown): void {
  if (value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value))) {
    appender.appendNull();
    return;
  }
  switch (column.type) {
    case 'VARCHAR':
      appender.appendVarchar(String(value));
      return;
    case 'INTEGER':
      appender.appendInteger(Number(value));
      return;
    case 'BIGINT':
      appender.appendBigInt(BigInt(value as number));
      return;
    case 'DOUBLE':
      appender.appendDouble(Number(value));
      return;
    case 'BOOLEAN':
      appender.appendBoolean(Boolean(value));
      return;
    case 'DATE':
    case 'TIMESTAMP':
      // Dates travel as ISO text; DuckDB casts them on append.
      appender.appendVarchar(String(value));
      return;
  }
}

/** Opens the warehouse, runs `fn`, closes it whatever happens. */
export async function withWarehouse<T>(path: string, fn: (w: Warehouse) => Promise<T>): Promise<T> {
  const w = await Warehouse.open(path);
  try {
    return await fn(w);
  } finally {
    w.close();
  }
}
