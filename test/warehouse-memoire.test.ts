// The warehouse opens with DuckDB's memory bounded; an unreadable bound is refused with the variable's name.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MEMORY_LIMIT, memoryLimit, Warehouse } from '../pipelines/base/warehouse.ts';

describe("DuckDB's memory limit", () => {
  it('is 400 MB unless BAROMETRE_DUCKDB_MEMOIRE says otherwise', () => {
    expect(DEFAULT_MEMORY_LIMIT).toBe('400MB');
    expect(memoryLimit({})).toBe(DEFAULT_MEMORY_LIMIT);
    expect(memoryLimit({ BAROMETRE_DUCKDB_MEMOIRE: '2GB' })).toBe('2GB');
  });

  it('is the one the warehouse runs with', async () => {
    const w = await Warehouse.open(':memory:', '500MB');
    try {
      expect((await w.one<{ m: string }>(`SELECT current_setting('memory_limit') AS m`))!.m).toBe('476.8 MiB');
    } finally {
      w.close();
    }
  });

  it('gives freed memory back to the system promptly', async () => {
    const w = await Warehouse.open(':memory:');
    try {
      const r = (await w.one<{ f: string; b: string }>(`SELECT current_setting('allocator_flush_threshold')::VARCHAR AS f, current_setting('allocator_background_threads')::VARCHAR AS b`))!;
      expect(r).toEqual({ f: '7.6 MiB', b: 'true' });
    } finally {
      w.close();
    }
  });

  it('refuses an unreadable limit with a clear message', async () => {
    await expect(Warehouse.open(':memory:', 'beaucoup')).rejects.toThrow(/Limite de mémoire de DuckDB illisible : « beaucoup » \(variable BAROMETRE_DUCKDB_MEMOIRE/);
  });
});

describe('a large result read in batches (Warehouse.stream)', () => {
  it('gives the rows of `all`, in the query’s order, in batches of the size asked, the last one shorter', async () => {
    const w = await Warehouse.open(':memory:');
    try {
      const sql = `SELECT i, 'ligne ' || i AS texte, DATE '2026-01-01' + (i % 3)::INTEGER AS jour, i::BIGINT * 3 AS grand, i / 7 AS double
                   FROM range(10000) t(i) ORDER BY i DESC`;
      const lots: number[] = [];
      const lues: Record<string, unknown>[] = [];
      for await (const rows of w.stream(sql, 4096)) {
        lots.push(rows.length);
        lues.push(...rows);
      }
      // DuckDB streams chunks of 2 048 rows: a batch closes at the first chunk that reaches its size.
      expect(lots).toEqual([4096, 4096, 1808]);
      expect(lues).toEqual(await w.all(sql));
      expect(lues[0]).toEqual({ i: 9999, texte: 'ligne 9999', jour: '2026-01-01', grand: 29997, double: 9999 / 7 });
    } finally {
      w.close();
    }
  });
});
