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
