// Prints the slowest test files with their durations, then one plain closing line that CI reads:
// "vitest: N passed, N failed, N skipped".
// "failed" counts every failure of the run: failed tests, errors of suites and files (a throwing
// beforeAll/afterAll, a file that cannot load) and unhandled errors. A red run never prints "0 failed".
import type { Reporter, SerializedError, TestModule, TestRunEndReason, TestSuite } from 'vitest/node';

export interface RunCounts {
  passed: number;
  skipped: number;
  failedTests: number;
  /** Errors attached to a suite or a file rather than to a test: hooks, collection, imports. */
  suiteErrors: number;
  unhandledErrors: number;
  /** Vitest's own verdict on the run. */
  reason: TestRunEndReason;
}

export function countRun(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): RunCounts {
  const counts: RunCounts = { passed: 0, skipped: 0, failedTests: 0, suiteErrors: 0, unhandledErrors: unhandledErrors.length, reason };
  const suiteErrors = (suite: TestModule | TestSuite): number =>
    suite.errors().length + [...suite.children].reduce((n, child) => n + (child.type === 'suite' ? suiteErrors(child) : 0), 0);
  for (const module of testModules) {
    let moduleFailures = 0;
    for (const test of module.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') counts.passed++;
      else if (state === 'failed') moduleFailures++, counts.failedTests++;
      else counts.skipped++;
    }
    const errors = suiteErrors(module);
    counts.suiteErrors += errors;
    moduleFailures += errors;
    // A file that vitest marks failed with nothing above to explain it still counts once.
    if (module.state() === 'failed' && moduleFailures === 0) counts.suiteErrors++;
  }
  return counts;
}

export function failures(c: RunCounts): number {
  const n = c.failedTests + c.suiteErrors + c.unhandledErrors;
  // Vitest says the run failed but nothing above explains it: still a failure, never "0 failed".
  return n === 0 && c.reason === 'failed' ? 1 : n;
}

export function summaryLine(c: RunCounts): string {
  const failed = failures(c);
  const detail = failed > c.failedTests ? ` (${c.failedTests} test(s), ${c.suiteErrors} error(s) in hooks or files, ${c.unhandledErrors} unhandled error(s))` : '';
  return `vitest: ${c.passed} passed, ${failed} failed, ${c.skipped} skipped${detail}`;
}

/** A file's time: importing it and running its tests and hooks (the setup's shared fixtures are not in it). */
export function fileSeconds(module: TestModule): number {
  const d = module.diagnostic();
  return (d.collectDuration + d.duration) / 1000;
}

/** The `n` slowest files, slowest first, as lines of a small table. */
export function slowestFiles(files: ReadonlyArray<{ file: string; seconds: number }>, n = 10): string[] {
  const top = [...files].sort((a, b) => b.seconds - a.seconds || a.file.localeCompare(b.file)).slice(0, n);
  const width = Math.max(0, ...top.map((f) => f.file.length));
  return top.map((f) => `  ${f.file.padEnd(width)}  ${f.seconds.toFixed(1).padStart(6)} s`);
}

export default class SummaryReporter implements Reporter {
  private started = performance.now();

  onTestRunStart(): void {
    this.started = performance.now();
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): void {
    const files = testModules.map((m) => ({ file: m.moduleId.replace(`${m.project.config.root}/`, ''), seconds: fileSeconds(m) }));
    const wall = (performance.now() - this.started) / 1000;
    const table = files.length > 0 ? `\nLes ${Math.min(10, files.length)} fichiers les plus lents (import, tests et hooks ; ${files.length} fichiers, ${wall.toFixed(0)} s de tests) :\n${slowestFiles(files).join('\n')}\n` : '';
    process.stdout.write(`${table}\n${summaryLine(countRun(testModules, unhandledErrors, reason))}\n`);
  }
}
