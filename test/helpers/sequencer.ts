// Long files first: on two cores, a long file started last keeps the run going on one core while the other idles.
// The shared site builds in the background at the start of the run (test/helpers/global-setup.ts), so the files
// that read it wait behind the long files that do not: those start first, while the site builds.
// The expected time of a file is vitest's own record of its last run on this machine when it has one, else the
// figure in test/durees.json (seconds, from a quiet `.ci/run`; the run prints its slowest files to update it).
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { SITE_TESTS } from './shared.ts';

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

/** About how long the shared site takes to build beside the first files (seconds, a quiet 2-core run). */
export const SITE_BUILD_SECONDS = 180;

/**
 * Longest first, except at the start: while the site builds, the workers run files that do not read it. Files that
 * do not read the site come first, longest first, until they fill every worker for the site's build time; then the
 * others, longest first, site or not.
 */
export function siteAware<T>(files: readonly T[], seconds: (file: T) => number | undefined, readsSite: (file: T) => boolean, workers = 3): T[] {
  const sorted = longestFirst(files, seconds);
  const first: T[] = [];
  let filled = 0;
  for (const f of sorted) {
    if (filled >= workers * SITE_BUILD_SECONDS) break;
    if (readsSite(f)) continue;
    first.push(f);
    filled += Math.max(0, seconds(f) ?? 0);
  }
  return [...first, ...sorted.filter((f) => !first.includes(f))];
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
    const workers = Number(this.ctx.config.maxWorkers) || 1;
    return siteAware(base, seconds, (spec) => SITE_TESTS.test(relative(root, spec.moduleId)), workers);
  }
}
