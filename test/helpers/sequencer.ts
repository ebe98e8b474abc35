// Long files first: on two cores, a long file started last keeps the run going on one core while the other idles.
// The expected time of a file is vitest's own record of its last run on this machine when it has one, else the
// figure in test/durees.json (seconds, from a quiet `.ci/run`; the run prints its slowest files to update it). The
// figures order the files, nothing else: figures taken from one busy run grouped the compute-heavy files (volume,
// echantillon, compute-process) at the start and made a fresh-clone run slower (14 min 52 s against 13 min 29 s with
// these), so an update is measured with a fresh-clone run before it is kept.
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export function loadDurations(path: string): Record<string, number> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

/** `files` ordered by expected duration, longest first; files with no figure keep their given order, after the others. */
export function longestFirst<T>(files: readonly T[], seconds: (file: T) => number | undefined): T[] {
  return files
    .map((file, i) => ({ file, i, s: seconds(file) ?? -1 }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((x) => x.file);
}

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const root = this.ctx.config.root;
    const committed = loadDurations(resolve(root, 'test/durees.json'));
    const seconds = (spec: TestSpecification) => {
      const cached = this.ctx.cache.getTestSpecificationResult(spec)?.duration;
      return cached !== undefined ? cached / 1000 : committed[relative(root, spec.moduleId)];
    };
    return longestFirst(base, seconds);
  }
}
