// The main job: pull every source (fixture fallback), compute, then build the site into dist/, all or nothing.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { replaceFolder } from './files.ts';
import { resolve } from 'node:path';
import { computeBarometre } from '../indicators/compute.ts';
import { writeExports } from '../indicators/exports.ts';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import { pullSource, ensureSystemTables } from './pull.ts';
import { produireRevuesPdf, trouverChromium } from './revue-pdf.ts';
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
      }
      // Offline, or the live pull failed: real data already loaded are kept, never replaced by a sample.
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

/** Keeps in the PNG cache only the images the build just used (each hit or render touches its file). */
export function pruneCache(dir: string, since: Date): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const path = resolve(dir, name);
    if (statSync(path).mtime < since) rmSync(path, { force: true });
  }
}

/** Builds the Astro site into a temporary folder, then swaps it in place of dist/; a failed build keeps the previous dist/. */
export async function buildAstro(
  config: Config,
  log: Logger,
  { env = process.env, outDir = resolve(config.root, 'dist'), exportsDir = config.paths.exports }: { env?: NodeJS.ProcessEnv; outDir?: string; exportsDir?: string } = {},
): Promise<void> {
  log.info('Construction du site…');
  const astro = resolve(config.root, 'node_modules/astro/bin/astro.mjs');
  const pngCache = resolve(config.paths.state, 'cache-png');
  const started = new Date(Date.now() - 1_000);
  // The pages link to the review's PDF only when this build can print it.
  const chromium = trouverChromium(config);
  if (!chromium.chemin) {
    log.warn(`Revue des semestres : pas de PDF pour ce build, ${chromium.raison}. Les pages de revue restent imprimables depuis le navigateur ; pour les PDF, installez Chromium (apt-get install chromium) ou donnez son chemin dans barometre.config.json (clé « chromium »).`);
  }
  await replaceFolder(outDir, async (tmp) => {
    const code = await run(process.execPath, [astro, 'build', '--outDir', tmp, '--silent'], { ASTRO_TELEMETRY_DISABLED: '1', BAROMETRE_PNG_CACHE: pngCache, ...env, BAROMETRE_EXPORTS: exportsDir, BAROMETRE_REVUE_PDF: chromium.chemin ? 'oui' : 'non' }, config.root);
    if (code !== 0 || !existsSync(resolve(tmp, 'index.html'))) {
      throw new Error(`La construction du site a échoué (code ${code}) ; le site précédent (dist/) est conservé.`);
    }
    if (chromium.chemin) {
      try {
        await produireRevuesPdf(tmp, chromium.chemin, log);
      } catch (error) {
        throw new Error(`La revue des semestres n'a pas pu être imprimée en PDF avec ${chromium.chemin} (${(error as Error).message}) ; le site précédent (dist/) est conservé. Pour construire sans PDF : « chromium »: false dans barometre.config.json.`);
      }
    }
  });
  pruneCache(pngCache, started);
  log.info(`Site construit dans ${outDir}.`);
}

/**
 * compute, then the exports into a scratch folder, then the site from them; only when the site built are
 * the exports swapped in: a failure leaves the previous exports and the previous site together.
 */
export async function publishSite(config: Config, log: Logger, { env, now = new Date() }: { env?: NodeJS.ProcessEnv; now?: Date } = {}): Promise<void> {
  const staging = `${config.paths.exports}.prochains-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    await withWarehouse(config.paths.warehouse, async (w) => {
      await computeBarometre(config, w, { log });
      await writeExports(config, w, now, staging);
    });
    await buildAstro(config, log, { env, exportsDir: staging });
    await replaceFolder(config.paths.exports, async (tmp) => {
      rmSync(tmp, { recursive: true, force: true });
      renameSync(staging, tmp);
    });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export async function buildSite(config: Config, options: BuildOptions): Promise<number> {
  if (!options.skipPull) await pullAll(config, options);
  await publishSite(config, options.log, { env: options.env, now: options.now?.() ?? new Date() });
  return 0;
}
