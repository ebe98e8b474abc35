// The main job: pull every source (fixture fallback), compute, then build the site into dist/, all or nothing.
import { spawn } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { computeBarometre } from '../indicators/compute.ts';
import { writeExports } from '../indicators/exports.ts';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import { pullSource, ensureSystemTables } from './pull.ts';
import { SOURCES } from './sources/index.ts';
import { withWarehouse } from './warehouse.ts';

export interface BuildOptions {
  log: Logger;
  offline?: boolean;
  skipPull?: boolean;
  now?: () => Date;
  env?: NodeJS.ProcessEnv;
}

/** Pulls each source live; when that fails, keeps earlier real data, or falls back to the fixture. */
export async function pullAll(config: Config, options: BuildOptions): Promise<void> {
  const { log } = options;
  await withWarehouse(config.paths.warehouse, async (w) => {
    await ensureSystemTables(w);
    for (const source of SOURCES) {
      if (config.sources[source.id]?.enabled === false) {
        log.info(`${source.id} : désactivée dans la configuration.`);
        continue;
      }
      if (!options.offline) {
        try {
          await pullSource(config, w, source, { log, now: options.now });
          continue;
        } catch (error) {
          log.warn(`${source.id} : source injoignable ou invalide (${(error as Error).message}).`);
        }
        const real = await w.one(`SELECT run_id FROM runs WHERE source = $s AND status IN ('succes', 'inchange') AND origin <> 'fixture' LIMIT 1`, { s: source.id });
        if (real) {
          log.warn(`${source.id} : les dernières données réelles chargées sont conservées.`);
          continue;
        }
        if (source.fixtureFallback === false) {
          log.warn(`${source.id} : ignorée pour ce build (pas de données réelles, pas de repli sur le jeu d'exemple) ; chargez-la avec « barometre pull ${source.id} --from FICHIER ».`);
          continue;
        }
        log.warn(`${source.id} : repli sur le jeu d'exemple ${source.fixture} ; le site affichera un bandeau « données d'exemple ».`);
      }
      await pullSource(config, w, source, { log, offline: true, now: options.now });
    }
  });
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolvePromise(signal ? 1 : (code ?? 1)));
  });
}

/** Builds the Astro site into a temporary folder, then swaps it in place of dist/; a failed build keeps the previous dist/. */
export async function buildAstro(
  config: Config,
  log: Logger,
  { env = process.env, outDir = resolve(config.root, 'dist') }: { env?: NodeJS.ProcessEnv; outDir?: string } = {},
): Promise<void> {
  const dist = outDir;
  const tmp = `${dist}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  log.info('Construction du site…');
  const astro = resolve(config.root, 'node_modules/astro/bin/astro.mjs');
  const code = await run(process.execPath, [astro, 'build', '--outDir', tmp, '--silent'], { ASTRO_TELEMETRY_DISABLED: '1', ...env, BAROMETRE_EXPORTS: config.paths.exports }, config.root);
  if (code !== 0 || !existsSync(resolve(tmp, 'index.html'))) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`La construction du site a échoué (code ${code}) ; le site précédent (dist/) est conservé.`);
  }
  const old = `${dist}.old-${process.pid}`;
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(tmp, dist);
  rmSync(old, { recursive: true, force: true });
  log.info(`Site construit dans ${dist}.`);
}

export async function buildSite(config: Config, options: BuildOptions): Promise<number> {
  const { log } = options;
  if (!options.skipPull) await pullAll(config, options);
  await withWarehouse(config.paths.warehouse, async (w) => {
    await computeBarometre(config, w, { log });
    await writeExports(config, w, options.now?.() ?? new Date());
  });
  await buildAstro(config, log, { env: options.env });
  return 0;
}
