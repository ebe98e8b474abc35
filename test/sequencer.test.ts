// The run's order: long files first, by vitest's record of the last run or else test/durees.json.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { loadDurations, longestFirst } from './helpers/sequencer.ts';
import { slowestFiles } from './helpers/summary-reporter.ts';

describe('longestFirst', () => {
  it('puts the longest first, keeps the given order for ties and for files with no figure, after the known ones', () => {
    const seconds: Record<string, number> = { a: 5, b: 120, c: 5, e: 0 };
    expect(longestFirst(['x', 'a', 'b', 'y', 'c', 'e'], (f) => seconds[f])).toEqual(['b', 'a', 'c', 'e', 'x', 'y']);
  });
});

describe('test/durees.json', () => {
  it('names only test files that exist, each with a duration in seconds', () => {
    const durations = loadDurations(resolve(PROJECT_ROOT, 'test/durees.json'));
    expect(Object.keys(durations).length).toBeGreaterThan(5);
    for (const [file, s] of Object.entries(durations)) {
      expect(file).toMatch(/^test\/[\w-]+\.test\.ts$/);
      expect(() => readFileSync(resolve(PROJECT_ROOT, file)), file).not.toThrow();
      expect(s).toBeGreaterThan(0);
    }
  });
});

describe('slowestFiles', () => {
  it('lists at most n files, slowest first, with their seconds aligned', () => {
    const lines = slowestFiles([{ file: 'test/a.test.ts', seconds: 1.04 }, { file: 'test/long-name.test.ts', seconds: 312.25 }, { file: 'test/b.test.ts', seconds: 7 }], 2);
    expect(lines).toEqual(['  test/long-name.test.ts   312.3 s', '  test/b.test.ts             7.0 s']);
  });
});
