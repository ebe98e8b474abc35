// Configuration is parsed once, through a schema, into a typed object with defaults.
// Nothing else reads the configuration file or the environment.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { z } from 'zod';

export const PROJECT_ROOT = resolve(import.meta.dirname, '../..');

const cron = z.string().regex(/^(\S+\s+){4,5}\S+$/, 'une expression cron de 5 ou 6 champs');

export const configSchema = z
  .object({
    /** Folder holding raw/, exports/, editions/, state/ and the warehouse (relative to the project). */
    dataDir: z.string().default('data'),
    /** Warehouse file, relative to dataDir. */
    warehouse: z.string().default('warehouse.duckdb'),
    /** Minimum number of collectivités concerned under which a rate is withheld. */
    minEffectif: z.number().int().min(1).default(5),
    timezone: z.string().default('Europe/Paris'),
    http: z
      .object({
        timeoutMs: z.number().int().positive().default(60_000),
        retries: z.number().int().min(0).max(10).default(3),
        backoffMs: z.number().int().min(0).default(1_000),
        maxBytes: z.number().int().positive().default(200 * 1024 * 1024),
        userAgent: z.string().default('barometre-dcant (+https://github.com/barometre-dcant)'),
      })
      .prefault({}),
    /**
     * The web observatory's manners (source `sites`, pipelines/sources/sites/visite.ts): the User-Agent is
     * `http.userAgent`; robots.txt is always obeyed.
     */
    crawl: z
      .object({
        /** Least time between two requests to one host (a robots.txt Crawl-delay may lengthen it). */
        delayMs: z.number().int().min(0).default(2_000),
        /** Sites visited at once (each host still one request at a time). */
        concurrency: z.number().int().min(1).max(256).default(16),
        /** Pages read per site, the home page included. */
        maxPages: z.number().int().min(1).max(50).default(8),
        connectTimeoutMs: z.number().int().positive().default(10_000),
        pageTimeoutMs: z.number().int().positive().default(30_000),
        /** A page's body is read up to this many bytes. */
        maxBytes: z.number().int().positive().default(2 * 1024 * 1024),
        maxRedirects: z.number().int().min(0).max(20).default(5),
        /** Longest Retry-After waited before giving up on a page. */
        maxRetryAfterMs: z.number().int().min(0).default(120_000),
        /**
         * Threads that read and judge the pages, beside the one that fetches them (0: the fetching thread reads them
         * too). Every request still goes through the one fetcher and its per-host turns.
         */
        readerThreads: z.number().int().min(0).max(8).default(1),
        /** Sites visited by one `pull sites` (the oldest visits first); `--all` visits every site. */
        slice: z.number().int().min(1).default(300),
      })
      .prefault({}),
    /** The volume guard of the pulls (pipelines/sources/volume.ts); its thresholds are in each source's definition. */
    volumeGuard: z
      .object({
        /**
         * Whether a first real load is held to its source's minimum plausible size. The test suite turns it off: it
         * loads its small hand-written samples as local files. The comparison with the previous real load always holds.
         */
        minimums: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** Per-source overrides: cron schedule, live URL (a mirror), or disabled. */
    sources: z
      .record(z.string(), z.object({ schedule: cron.optional(), enabled: z.boolean().default(true), url: z.url({ protocol: /^https?$/ }).optional() }).strict())
      .default({}),
    /**
     * Command the scheduler runs after a successful recomputation. Empty (the default): the built-in
     * build, which writes into a temporary folder and swaps it with dist/ only when it succeeded.
     */
    siteBuildCommand: z.string().default(''),
    /**
     * Chromium (or Chrome) that prints each semester's review to PDF at build time: a path, or false for no PDF.
     * Absent: the first of CHROMIUM_CANDIDATS that exists (commands/revue-pdf.ts).
     */
    chromium: z.union([z.string().min(1), z.literal(false)]).optional(),
  })
  .strict();

export type Config = z.infer<typeof configSchema> & {
  root: string;
  /**
   * A step of a pull (`PULL_STEPS`) where the `barometre` process announces itself on stderr and waits to be
   * killed: the crash tests stop a process at a known point instead of after a guessed delay.
   * From the environment variable `BAROMETRE_PAUSE_AT`; never set in normal use.
   */
  pauseAt?: string;
  paths: { data: string; raw: string; exports: string; editions: string; state: string; warehouse: string };
};

export const CONFIG_FILE = 'barometre.config.json';

/** Resolves `path` inside `base`, refusing anything that escapes it. */
export function insideFolder(base: string, path: string, what: string): string {
  const full = resolve(base, path);
  const rel = relative(base, full);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new Error(`${what} : le chemin « ${path} » sort du dossier ${base}. Donnez un chemin à l'intérieur de ce dossier.`);
  }
  return full;
}

/**
 * `dataFolder`, when given, is the data folder chosen by the operator (environment), trusted as is;
 * otherwise `dataDir` from the file is resolved inside the project and may not escape it.
 */
export function parseConfig(raw: unknown, root = PROJECT_ROOT, dataFolder?: string): Config {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i) => `  - ${i.path.join('.') || '(racine)'} : ${i.message}`).join('\n');
    throw new Error(`Configuration invalide (${CONFIG_FILE}) :\n${issues}`);
  }
  const c = result.data;
  const data = dataFolder ? resolve(dataFolder) : insideFolder(root, c.dataDir, 'dataDir');
  const warehouse = c.warehouse === ':memory:' ? ':memory:' : insideFolder(data, c.warehouse, 'warehouse');
  return {
    ...c,
    root,
    paths: {
      data,
      raw: resolve(data, 'raw'),
      exports: resolve(data, 'exports'),
      editions: resolve(data, 'editions'),
      state: resolve(data, 'state'),
      warehouse,
    },
  };
}

/** Reads `barometre.config.json` at the project root when it exists; `BAROMETRE_CONFIG` names another file. */
export function loadConfig(root = PROJECT_ROOT, env: NodeJS.ProcessEnv = process.env): Config {
  const file = env.BAROMETRE_CONFIG ? resolve(env.BAROMETRE_CONFIG) : resolve(root, CONFIG_FILE);
  let raw: unknown = {};
  if (existsSync(file)) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(`Configuration illisible (${file}) : ${(error as Error).message}`);
    }
  } else if (env.BAROMETRE_CONFIG) {
    throw new Error(`Configuration introuvable : ${file}`);
  }
  // BAROMETRE_DATA_DIR lets tests, the benchmark and CI work in a scratch folder.
  const config = parseConfig(raw, root, env.BAROMETRE_DATA_DIR || undefined);
  return env.BAROMETRE_PAUSE_AT ? { ...config, pauseAt: env.BAROMETRE_PAUSE_AT } : config;
}
