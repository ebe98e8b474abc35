// The closing summary line counts every failure: a child vitest runs files that fail on purpose.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';

const FOLDER = resolve(PROJECT_ROOT, 'test/fixtures/reporter');

function run(pattern: string): { status: number | null; line: string; stdout: string } {
  const child = spawnSync(process.execPath, [resolve(PROJECT_ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', resolve(FOLDER, 'vitest.config.ts')], {
    cwd: FOLDER,
    env: { ...process.env, REPORTER_FIXTURE: pattern, CI: 'true', NO_COLOR: '1' },
    encoding: 'utf8',
  });
  const line = child.stdout.split('\n').findLast((l) => l.startsWith('vitest: ')) ?? `(no summary line)\n${child.stdout}\n${child.stderr}`;
  return { status: child.status, line, stdout: child.stdout };
}

describe('the closing summary line', () => {
  it.each([
    ['passes.fixture.ts', 0, /^vitest: 1 passed, 0 failed, 1 skipped$/],
    ['test-fails.fixture.ts', 1, /^vitest: 1 passed, 1 failed, 0 skipped$/],
    ['after-all-throws.fixture.ts', 1, /^vitest: 1 passed, 1 failed, 0 skipped \(0 test\(s\), 1 error\(s\) in hooks or files, 0 unhandled error\(s\)\)$/],
    ['before-all-throws.fixture.ts', 1, /^vitest: 0 passed, [1-9]\d* failed, \d+ skipped/],
    ['unhandled.fixture.ts', 1, /^vitest: 1 passed, 1 failed, 0 skipped \(0 test\(s\), 0 error\(s\) in hooks or files, 1 unhandled error\(s\)\)$/],
    ['import-fails.fixture.ts', 1, /^vitest: 0 passed, 1 failed, 0 skipped/],
  ] as const)('for %s, with vitest exiting %i', (file, status, expected) => {
    const result = run(file);
    expect(result.line).toMatch(expected);
    expect(result.status).toBe(status);
  });

  it('is preceded by the slowest files, each with its duration, slowest first', () => {
    const result = run('{passes,test-fails}.fixture.ts');
    const lines = result.stdout.split('\n');
    const title = lines.findIndex((l) => l.startsWith('Les 2 fichiers les plus lents'));
    const summary = lines.findIndex((l) => l.startsWith('vitest: '));
    expect(title).toBeGreaterThan(-1);
    expect(summary).toBeGreaterThan(title);
    const rows = lines.slice(title + 1, title + 3).map((l) => /^\s+(\S+)\s+(\d+\.\d) s$/.exec(l));
    expect(rows.map((r) => r?.[1]).sort()).toEqual(['passes.fixture.ts', 'test-fails.fixture.ts']);
    const seconds = rows.map((r) => Number(r![2]));
    expect(seconds[0]).toBeGreaterThanOrEqual(seconds[1]!);
  });

  it('adds up several files, and a red run never says "0 failed"', () => {
    const result = run('{passes,test-fails,after-all-throws,unhandled}.fixture.ts');
    expect(result.status).toBe(1);
    expect(result.line).toMatch(/^vitest: 4 passed, 3 failed, 1 skipped/);
  });
});
