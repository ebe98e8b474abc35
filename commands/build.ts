// The main job: pull every source (samples only for a build without any real data), compute, then build the site into dist/, all or nothing.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { moveMissing, replaceFolder } from '../pipelines/base/files.ts';
import type { Partie } from '../site/lib/partie.ts';
import { resolve } from 'node:path';
import { computeInChildProcess } from './compute-process.ts';
import type { Config } from '../pipelines/base/config.ts';
import type { Logger } from '../pipelines/base/log.ts';
import { ensureSystemTables, hasRun } from '../pipelines/base/runs.ts';
import { pullSource, PullError } from '../pipelines/sources/pull.ts';
import { produireRevuesPdf, trouverChromium } from './revue-pdf.ts';
import { SOURCES } from '../pipelines/sources/index.ts';
import { withWarehouse } from '../pipelines/base/warehouse.ts';

export interface BuildOptions {
  log: Logger;
  offline?: boolean;
  skipPull?: boolean;
  now?: () => Date;
  env?: NodeJS.ProcessEnv;
}

/**
 * Pulls each source live; a failure keeps the real data already loaded. The bundled samples stand in only
 * for a fully offline first build, when no source has any real data: otherwise a source without real data is
 * left without, and its indicators are shown as unavailable (with the reason and the date of the attempt).
 */
export async function pullAll(config: Config, options: BuildOptions): Promise<void> {
  const { log } = options;
  await withWarehouse(config.paths.warehouse, async (w) => {
    await ensureSystemTables(w);
    const enabled = SOURCES.filter((source) => {
      if (config.sources[source.id]?.enabled !== false) return true;
      log.info(`${source.id} : désactivée dans la configuration.`);
      return false;
    });
    const hasReal = (id?: string) => hasRun(w, 'good-real', id);
    const failed: typeof enabled = [];
    for (const source of enabled) {
      if (!options.offline) {
        try {
          await pullSource(config, w, source, { log, now: options.now });
          continue;
        } catch (error) {
          if (error instanceof PullError && error.suspect) log.warn(error.message);
          else log.warn(`${source.id} : source injoignable ou invalide (${(error as Error).message}).`);
        }
      }
      failed.push(source);
    }
    // Any real data at all (this run or before, any source): no sample stands in for a missing source.
    const anyReal = await hasReal();
    for (const source of failed) {
      if (await hasReal(source.id)) {
        log.warn(`${source.id} : les dernières données réelles chargées sont conservées.`);
      } else if (anyReal) {
        log.warn(`${source.id} : pas de données réelles ; ses indicateurs seront affichés comme indisponibles (le jeu d'exemple ne sert qu'à un premier build sans aucune donnée réelle).`);
      } else if (source.fixtureFallback === false) {
        log.warn(`${source.id} : ignorée pour ce build (pas de données réelles, pas de repli sur le jeu d'exemple) ; chargez-la avec « barometre pull ${source.id} --from FICHIER ».`);
      } else {
        log.warn(`${source.id} : aucune source n'a de données réelles, repli sur le jeu d'exemple ${source.fixture} ; les pages qui en montrent les chiffres afficheront un bandeau « données d'exemple ».`);
        await pullSource(config, w, source, { log, offline: true, now: options.now });
      }
    }
  });
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, signal?: AbortSignal): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'], signal });
    child.on('error', (error) => (error.name === 'AbortError' ? undefined : reject(error)));
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

/**
 * Builds the Astro site into a temporary folder, then swaps it in place of dist/; a failed build keeps the previous
 * dist/. Two Astro processes share the work, one per core: the territory pages, and the rest.
 */
export async function buildAstro(
  config: Config,
  log: Logger,
  {
    env = process.env,
    outDir = resolve(config.root, 'dist'),
    exportsDir = config.paths.exports,
    parties = ['generale', 'territoires'],
  }: {
    env?: NodeJS.ProcessEnv;
    outDir?: string;
    exportsDir?: string;
    /** The parts to build (site/lib/partie.ts); a test that reads only the general pages builds only them. */
    parties?: readonly Partie[];
  } = {},
): Promise<void> {
  if (!parties.includes('generale')) throw new Error("La partie « generale » du site (accueil, indicateurs, semestres…) est toujours construite.");
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
    // Two Astro processes side by side, one per core (site/lib/partie.ts): the pages of the EPCI and communes (more
    // than half of the build at full scale), and the rest. Each builds into a folder of its own inside the project:
    // Astro keeps its intermediate files inside an output folder within the project, in the project's .astro/
    // otherwise, and two builds (the two parts, or two builds side by side) must not share them. The general part is
    // then moved into the output folder, and the territories' pages beside it.
    const dossiers = Object.fromEntries(parties.map((p) => [p, resolve(config.root, '.construction', `${p}.${process.pid}.${randomBytes(4).toString('hex')}`)])) as Record<Partie, string>;
    const stop = new AbortController();
    // Each process keeps for V8's helper threads (garbage collection, compilation) what its half of the cores leaves
    // once its main thread has one: with V8's default of four each, the two builds' helpers fought over the cores
    // (rebuild at full scale on 2 cores: 88 s with four, 73 to 82 s with one).
    const helpers = Math.max(1, Math.floor(availableParallelism() / 2) - 1);
    const part = async (partie: Partie, dir: string) => {
      const t = performance.now();
      const code = await run(
        process.execPath,
        [`--v8-pool-size=${helpers}`, astro, 'build', '--outDir', dir, '--silent'],
        // resvg's allocator (mimalloc) keeps its memory between two images rather than handing it back to the system
        // and faulting it in again for the next one (sample site, 1 900 images: the general part 105 s → 94 s).
        { ASTRO_TELEMETRY_DISABLED: '1', BAROMETRE_PNG_CACHE: pngCache, MIMALLOC_ALLOW_LARGE_OS_PAGES: '1', MIMALLOC_PURGE_DELAY: '-1', ...env, BAROMETRE_EXPORTS: exportsDir, BAROMETRE_REVUE_PDF: chromium.chemin ? 'oui' : 'non', BAROMETRE_PARTIE: partie },
        config.root,
        stop.signal,
      );
      // One part failed: the other would be thrown away, stop it.
      if (code !== 0) stop.abort();
      else log.info(`Site : partie « ${partie} » construite en ${((performance.now() - t) / 1000).toFixed(1)} s.`);
      return code;
    };
    try {
      const codes = await Promise.all(parties.map((p) => part(p, dossiers[p])));
      const failed = codes.find((c) => c !== 0);
      if (failed !== undefined || !existsSync(resolve(dossiers.generale, 'index.html'))) {
        throw new Error(`La construction du site a échoué (code ${failed ?? codes[0]}) ; le site précédent (dist/) est conservé.`);
      }
      // The general part first: the territories' part adds only the files the other does not have.
      for (const p of ['generale', 'territoires'] as const) if (parties.includes(p)) moveMissing(dossiers[p], tmp);
    } finally {
      for (const dir of Object.values(dossiers)) rmSync(dir, { recursive: true, force: true });
    }
    if (chromium.chemin) {
      try {
        const t = performance.now();
        await produireRevuesPdf(tmp, chromium.chemin, log);
        log.info(`Site : revues imprimées en PDF en ${((performance.now() - t) / 1000).toFixed(1)} s.`);
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
 * the exports swapped in: a failure leaves the previous exports and the previous site together. compute and the
 * exports run in a process of their own (compute-process.ts): after the pulls, its memory is its own.
 */
export async function publishSite(config: Config, log: Logger, { env, now = new Date() }: { env?: NodeJS.ProcessEnv; now?: Date } = {}): Promise<void> {
  const staging = `${config.paths.exports}.prochains-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    await computeInChildProcess(config, log, { now, exports: staging, env });
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
