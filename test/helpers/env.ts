// Shared helpers for tests: scratch folders, a config rooted in the project, the real data folder.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseConfig, PROJECT_ROOT, type Config } from '../../pipelines/base/config.ts';

export const REALDATA = resolve(PROJECT_ROOT, '../shared/realdata');
export const HAS_REALDATA = existsSync(REALDATA);

if (!HAS_REALDATA) {
  // Visible in the test output: these tests are skipped, not passed.
  console.warn(`\n[tests] ${REALDATA} est absent : les tests sur données réelles sont IGNORÉS (skipped).\n`);
}

export function scratch(prefix = 'barometre-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A configuration whose data folder is `dir` (HTTP retries fast, for loopback tests; a timeout no loopback answer can
 * lose). The fixtures are a few rows each: a first load of one as a local file is not held to its source's minimum
 * plausible size (`volumeGuard.minimums`), unless a test asks for it.
 */
export function testConfig(dir: string, overrides: Record<string, unknown> = {}): Config {
  return parseConfig({ http: { retries: 2, backoffMs: 5, timeoutMs: 10_000 }, volumeGuard: { minimums: false }, ...overrides }, PROJECT_ROOT, dir);
}
