// The heavy fixtures every test shares, made once by the global setup (test/helpers/global-setup.ts): the warehouse
// after every source's sample was pulled, the same warehouse computed with its exports, and the site built from
// them. A test that needs a warehouse to change takes a copy of the file (a file copy, not a recompute); a test
// that only reads uses the exports or the site in place.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { Config } from '../../pipelines/base/config.ts';
import { testConfig } from './env.ts';

/** The date of every shared pull and of the shared exports. */
export const SHARED_NOW = new Date('2026-11-22T10:00:00Z');

/** Test files (by name) that read a shared warehouse; a run filtered to other files skips making them. */
export const WAREHOUSE_TESTS = /compute-process|compute-equivalence|export-sql|incremental/;
/**
 * Test files that read the built site; a run filtered to other files skips building it. Matched at the start of a
 * file's name (or of the filter): `sites-visite` is no site test, though « visite » holds « site ».
 */
export const SITE_TESTS = /(^|\/)(site(?!s)|e2e|a11y|embed|browser|budget)/;

export type SharedWarehouse = 'pulled' | 'computed';

/** The folder the global setup made for `kind` (its `warehouse.duckdb` is the shared warehouse). */
export function sharedFolder(kind: SharedWarehouse): string {
  const folder = inject(kind === 'pulled' ? 'pulledData' : 'computedData');
  if (!folder) throw new Error(`Le setup global n'a pas préparé l'entrepôt partagé « ${kind} » : ajoutez ce fichier à WAREHOUSE_TESTS (test/helpers/shared.ts).`);
  return folder;
}

/**
 * A configuration whose data folder is `dir`, holding a copy of the shared warehouse of `kind`. The runs of the copy
 * name raw files in the shared folder, which no test changes.
 */
export function copyOfShared(kind: SharedWarehouse, dir: string, overrides: Record<string, unknown> = {}): Config {
  const config = testConfig(dir, overrides);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(sharedFolder(kind), 'warehouse.duckdb'), config.paths.warehouse);
  return config;
}

/**
 * The folder of the shared site. A file that reads it takes it at its top (`const dist = await sharedSite();`): when
 * the build failed, every such file fails with the build's own reason instead of with missing pages.
 */
export async function sharedSite(): Promise<string> {
  const dist = inject('siteDist');
  if (!dist) throw new Error("Le setup global n'a pas construit le site partagé : ajoutez ce fichier à SITE_TESTS (test/helpers/shared.ts).");
  const error = inject('siteBuildError');
  if (error) throw new Error(`La construction du site partagé a échoué : ${error}`);
  return dist;
}
