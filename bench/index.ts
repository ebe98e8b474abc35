// `npm run bench`: a full-scale warehouse from seeded synthetic files in every source's real format (every commune,
// EPCI, département and région; 20 semesters; a data.gouv.fr-sized catalogue; a DECP-sized contracts file), then the
// figures of each step printed against a floor measured in the same run:
//   - each large source's load against DuckDB's own read of the same file (target ≤ 5 ×);
//   - compute against DuckDB's read of all the raw files (target ≤ 10 ×), and the peak memory of the process that
//     computes, a process of its own as in a refresh (target ≤ 1.2 GB);
//   - the exports against DuckDB's COPY of the same tables, unmodified, to the same formats (target ≤ 2 ×);
//   - an incremental refresh (nothing changed, then one source changed);
//   - the site build (target ≤ 90 s), cold then with the PNG cache; Lighthouse on each page type.
// `npm run bench -- observatoire` runs only the web observatory's crawler against its floor (bench/observatoire.ts).
// `npm run bench -- decp` or `-- datagouv` runs only that source's load against its floor; `-- donnees` stops before
// the site; `BENCH_GARDER=<dossier>` keeps the folder, and `BENCH_GARDER=<dossier> npm run bench -- site` then
// measures the site alone from its exports.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { computeBarometre } from '../indicators/compute.ts';
import { writeExports } from '../indicators/exports.ts';
import { EXPORT_TABLES } from '../indicators/schema.ts';
import { periodeEnd, periodesBetween } from '../indicators/periods.ts';
import { buildAstro } from '../commands/build.ts';
import { computeInChildProcess } from '../commands/compute-process.ts';
import { produireRevuesPdf, trouverChromium } from '../commands/revue-pdf.ts';
import { parseConfig, PROJECT_ROOT, type Config } from '../pipelines/base/config.ts';
import { toCsv } from '../pipelines/base/csv.ts';
import { createLogger, memoryLogger } from '../pipelines/base/log.ts';
import { pullSource } from '../pipelines/sources/pull.ts';
import { referential, type Referential } from '../pipelines/referential/referential.ts';
import { sourceById } from '../pipelines/sources/index.ts';
import { memoryLimit, quotedString, Warehouse } from '../pipelines/base/warehouse.ts';
import { pageTypes } from './pages.ts';
import { serveStatic } from './static-server.ts';
import { generateDecp } from './decp.ts';
import { banPublications, GENERATORS, mulberry32, writeDatagouvCatalogue } from './generators.ts';
import { auditPages, formatAudits, loadBudgets, overBudget } from './lighthouse.ts';
import { benchObservatoire } from './observatoire.ts';

const SEMESTERS = periodesBetween('2017-S1', '2026-S2'); // 20 semesters
const log = createLogger();
const TARGETS = { load: 5, compute: 10, memoryBytes: 1.2 * 1024 ** 3, exports: 2, siteSeconds: 90 };

/** Every HTML page of a built site with its size. */
function htmlPages(root: string, prefix = ''): { path: string; bytes: number }[] {
  const out: { path: string; bytes: number }[] = [];
  for (const entry of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const rel = join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...htmlPages(root, rel));
    else if (entry.name.endsWith('.html')) out.push({ path: `/${rel}`.replace(/index\.html$/, ''), bytes: statSync(join(root, rel)).size });
  }
  return out;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} Mo`;
const s = (seconds: number) => `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
const fr = (n: number) => n.toLocaleString('fr-FR');
const ratio = (value: number, floor: number, target: number) => `${(value / floor).toFixed(1)} × (objectif ≤ ${target} ×)`;

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, (performance.now() - t0) / 1000];
}

/** compute's own line on where its time went. */
function phasesOf(log: ReturnType<typeof memoryLogger>): string {
  return log.lines.find((l) => l.message.startsWith('compute : durées par étape'))?.message ?? '?';
}

function print(out: string[][]): void {
  const width = Math.max(...out.map(([k]) => k!.length));
  process.stdout.write(`\n${out.map(([k, v]) => `${k!.padEnd(width)}  ${v}`).join('\n')}\n`);
}

/** A raw file of the bench: its source, where it is, the date it describes (none: the file says it), its reader for the floor. */
interface RawFile {
  source: string;
  path: string;
  date?: string;
  /** The DuckDB table functions that read it (and its companion files) plainly, for the floors. */
  reads: string[];
}

const csvRead = (path: string, delimiter = ',') => `read_csv(${quotedString(path)}, delim = ${quotedString(delimiter)}, header = true, all_varchar = true, quote = '"', escape = '"', parallel = false)`;

/** Writes every raw file of the bench (or only `only`'s), in each source's real format. */
async function generate(dir: string, ref: Referential, only?: string): Promise<RawFile[]> {
  const random = mulberry32(20261122);
  const files: RawFile[] = [];
  mkdirSync(join(dir, 'in'), { recursive: true });
  for (const [i, periode] of (only ? [] : SEMESTERS).entries()) {
    for (const [sourceId, gen] of Object.entries(GENERATORS)) {
      const { columns, rows, extension, separator, format } = gen(ref, i / (SEMESTERS.length - 1), random, periode);
      const path = join(dir, 'in', `${sourceId}-${periode}.${extension}`);
      writeFileSync(path, format === 'json' ? JSON.stringify(rows) : toCsv(columns, rows, separator));
      files.push({ source: sourceId, path, date: periodeEnd(periode), reads: [format === 'json' ? `read_json(${quotedString(path)})` : csvRead(path, separator)] });
    }
  }
  if (!only) {
    const publications = banPublications(ref, random);
    const publicationsPath = join(dir, 'in', 'publication_date.csv');
    writeFileSync(publicationsPath, toCsv(publications.columns, publications.rows));
    files.push({ source: 'ban-publications', path: publicationsPath, reads: [csvRead(publicationsPath)] });
  }
  if (!only || only === 'datagouv') {
    mkdirSync(join(dir, 'catalogue'), { recursive: true });
    const catalogue = writeDatagouvCatalogue(join(dir, 'catalogue'), ref, mulberry32(20260116));
    files.push({ source: 'datagouv', path: catalogue.organisations, reads: [csvRead(catalogue.organisations, ';'), csvRead(catalogue.jeux, ';')] });
  }
  if (!only || only === 'decp') {
    const decp = await generateDecp(ref, dir);
    files.push({ source: 'decp', path: decp, reads: [`read_parquet(${quotedString(decp)})`] });
  }
  return files;
}

/** DuckDB's plain read of a file into a table (every column), alone: the floor of its load. */
async function plainRead(file: RawFile): Promise<number> {
  const floor = await Warehouse.open(':memory:');
  try {
    const [, seconds] = await time(async () => {
      for (const [i, r] of file.reads.entries()) await floor.run(`CREATE TABLE t${i} AS SELECT * FROM ${r}`);
    });
    return seconds;
  } finally {
    floor.close();
  }
}

/** DuckDB's COPY of the export tables, unmodified, to the formats the exports write: the floor of the exports. */
async function copyFloor(w: Warehouse, dir: string): Promise<number> {
  mkdirSync(dir, { recursive: true });
  const [, seconds] = await time(async () => {
    for (const table of EXPORT_TABLES) {
      const formats = table.formats ?? ['csv', 'json', 'parquet'];
      const to = (ext: string, options: string) => w.run(`COPY (${table.sql}) TO ${quotedString(join(dir, `${table.name}.${ext}`))} (${options})`);
      if (formats.includes('csv')) {
        await to('csv', 'FORMAT csv, HEADER true');
        await to('fr.csv', "FORMAT csv, HEADER true, DELIMITER ';'");
      }
      if (formats.includes('json')) await to('json', 'FORMAT json, ARRAY true');
      if (formats.includes('parquet')) await to('parquet', 'FORMAT parquet, COMPRESSION zstd');
    }
  });
  return seconds;
}

async function loadAll(config: Config, w: Warehouse, files: RawFile[], ref: Referential): Promise<Map<string, number>> {
  const seconds = new Map<string, number>();
  for (const f of files) {
    const [, t] = await time(() => pullSource(config, w, sourceById(f.source), { from: f.path, ...(f.date ? { date: f.date } : {}), log: memoryLogger(), referential: ref }));
    seconds.set(f.source, (seconds.get(f.source) ?? 0) + t);
  }
  return seconds;
}

/** `npm run bench -- decp|datagouv`: one large source's load against DuckDB's own read of the same file. */
async function benchOne(source: 'decp' | 'datagouv'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `barometre-bench-${source}-`));
  try {
    const ref = referential();
    const config = parseConfig({}, PROJECT_ROOT, join(dir, 'donnees'));
    const files = await generate(dir, ref, source);
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      // The referential tables are stored once per warehouse: a first sample load keeps them out of the measure.
      await pullSource(config, w, sourceById(source), { offline: true, log: memoryLogger(), referential: ref });
      const loads = await loadAll(config, w, files, ref);
      const floor = await plainRead(files[0]!);
      print([
        ['machine', machine()],
        [`${source} : chargement (pull --from)`, s(loads.get(source)!)],
        [`${source} : plancher (lecture par DuckDB seul)`, s(floor)],
        [`${source} : rapport`, ratio(loads.get(source)!, floor, TARGETS.load)],
      ]);
    } finally {
      w.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The site from the warehouse's exports: the Astro build cold (no PNG in the cache), then again (the PNG cache of a
 * scheduled refresh, where only changed charts are drawn again); the semester reviews printed to PDF, apart; then
 * Lighthouse on each page type. `npm run bench -- site` runs it alone on a folder kept by `BENCH_GARDER`.
 */
async function benchSite(config: Config, dir: string): Promise<void> {
  const out: string[][] = [['machine', machine()]];
  const dist = join(dir, 'dist');
  const siteOnly = { ...config, chromium: false as const };
  rmSync(join(config.paths.state, 'cache-png'), { recursive: true, force: true });
  const [, buildSeconds] = await time(() => buildAstro(siteOnly, memoryLogger(), { outDir: dist }));
  const pages = htmlPages(dist);
  const [, warmSeconds] = await time(() => buildAstro(siteOnly, memoryLogger(), { outDir: dist }));
  const heaviest = [...pages].sort((a, b) => b.bytes - a.bytes).slice(0, 5);
  out.push(
    ['site : construction à froid (tous les PNG dessinés)', `${s(buildSeconds)} pour ${fr(pages.length)} pages HTML (objectif ≤ ${TARGETS.siteSeconds} s)`],
    ['site : reconstruction (cache des PNG)', `${s(warmSeconds)} (objectif ≤ ${TARGETS.siteSeconds} s)`],
    ['site : pages les plus lourdes', heaviest.map((p) => `${p.path} ${Math.round(p.bytes / 1024)} ko`).join(' ; ')],
  );
  const chromium = trouverChromium(config);
  if (chromium.chemin) {
    const [pdfs, pdfSeconds] = await time(() => produireRevuesPdf(dist, chromium.chemin!, memoryLogger()));
    out.push(['site : revues des semestres en PDF (Chromium)', `${s(pdfSeconds)} pour ${pdfs.length} PDF`]);
  }
  print(out);

  // Lighthouse on each page type, observed timings, one page after the other.
  if (existsSync('/usr/bin/chromium')) {
    const server = await serveStatic(dist);
    try {
      const audits = await auditPages(server.url, pageTypes(dist).filter(([, p]) => !p.includes('absent')), { throttling: 'provided' });
      process.stdout.write(`\nLighthouse (budgets de budgets.json) :\n${formatAudits(audits)}\n`);
      const problems = audits.flatMap((a) => overBudget(a, loadBudgets(), { timings: true }));
      process.stdout.write(problems.length === 0 ? 'Toutes les pages sont dans leur budget.\n' : `Hors budget :\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    } finally {
      await server.close();
    }
  } else {
    process.stdout.write('\nLighthouse ignoré : Chromium absent (/usr/bin/chromium).\n');
  }
}

function machine(): string {
  return `${cpus().length} cœurs (${cpus()[0]?.model ?? '?'}), ${mb(totalmem())}, Node ${process.versions.node}`;
}

async function main(): Promise<void> {
  // BENCH_GARDER=<dossier>: the bench works there and leaves it (warehouse, exports, site) to be looked at afterwards.
  const kept = process.env.BENCH_GARDER;
  if (kept) mkdirSync(kept, { recursive: true });
  const dir = kept || mkdtempSync(join(tmpdir(), 'barometre-bench-'));
  const config = parseConfig({}, PROJECT_ROOT, join(dir, 'donnees'));
  const ref = referential();
  try {
    // The raw files are generated by a child process: the measured process is the one a refresh runs (loads, then
    // compute), without the generator's rows in its memory.
    const [files, genSeconds] = await time(async () => {
      execFileSync(process.execPath, [...process.execArgv, import.meta.filename, 'generer', dir], { stdio: 'inherit', env: process.env });
      return JSON.parse(readFileSync(join(dir, 'fichiers.json'), 'utf8')) as RawFile[];
    });
    log.info(`Banc d'essai : ${files.length} fichiers bruts générés en ${s(genSeconds)} (graine fixe).`);
    const out: string[][] = [['machine', machine()]];

    let w = await Warehouse.open(config.paths.warehouse);
    try {
      // 1. Loading through the framework (parse, validate, match, transactional load), each source timed.
      const loads = await loadAll(config, w, files, ref);
      const loaded = (await w.one<{ n: number }>(`SELECT sum(rows_in)::BIGINT AS n FROM runs WHERE status = 'succes'`))!.n;
      out.push(['données', `${fr(ref.collectivites.length)} collectivités × ${SEMESTERS.length} semestres ; ${fr(loaded)} lignes brutes lues (${files.length} fichiers)`]);
      for (const [source, t] of loads) {
        if (source !== 'decp' && source !== 'datagouv') {
          out.push([`chargement : ${source}`, s(t)]);
          continue;
        }
        const floor = await plainRead(files.find((f) => f.source === source)!);
        out.push([`chargement : ${source}`, `${s(t)} ; plancher (lecture par DuckDB seul) ${s(floor)} ; ${ratio(t, floor, TARGETS.load)}`]);
      }

      // 2. compute with every indicator, against DuckDB's plain read of every raw file. As in a refresh (main job,
      // scheduler), compute runs in a process of its own: its peak memory is that process's (the kernel's maxrss).
      w.close();
      const computeLog = memoryLogger();
      const [{ summary, peakRssBytes: peak }, computeSeconds] = await time(() => computeInChildProcess(config, computeLog, { exports: false }));
      w = await Warehouse.open(config.paths.warehouse);
      let readFloor = 0;
      for (const f of files) readFloor += await plainRead(f);
      const valeurs = summary.indicators.reduce((n, i) => n + i.rows, 0);
      out.push(
        ['compute : durée', `${s(computeSeconds)} ; ${summary.indicators.filter((i) => i.rows > 0).length} indicateurs, ${fr(valeurs)} valeurs par collectivité, ${fr(summary.barometreRows)} lignes de baromètre (processus à part, démarrage compris)`],
        ['compute : plancher (lecture de tous les fichiers bruts par DuckDB)', s(readFloor)],
        ['compute : rapport', ratio(computeSeconds, readFloor, TARGETS.compute)],
        ['compute : mémoire de pointe (RSS du processus de calcul)', `${mb(peak)} (objectif ≤ ${mb(TARGETS.memoryBytes)} ; limite de DuckDB ${memoryLimit()} ; le processus qui calcule dans un rafraîchissement, démarrage et référentiel compris)`],
        ['compute : étapes', phasesOf(computeLog)],
      );

      // 3. Exports against DuckDB's COPY of the same tables, unmodified, to the same formats.
      const [, exportSeconds] = await time(() => writeExports(config, w));
      const copySeconds = await copyFloor(w, join(dir, 'plancher-exports'));
      out.push(['exports : durée', s(exportSeconds)], ['exports : plancher (COPY des mêmes tables)', s(copySeconds)], ['exports : rapport', ratio(exportSeconds, copySeconds, TARGETS.exports)]);

      // 4. Incremental: nothing changed, then one source changed.
      const againLog = memoryLogger();
      const [again, againSeconds] = await time(() => computeBarometre(config, w, { log: againLog, referential: ref }));
      out.push(['compute sans changement', `${s(againSeconds)} ; ${again.indicators.filter((i) => i.recalcule).length} indicateur(s) recalculé(s) ; ${phasesOf(againLog)}`]);
      const anct = files.filter((f) => f.source === 'anct-services').at(-1)!;
      await pullSource(config, w, sourceById('anct-services'), { from: anct.path, date: '2026-12-31', log: memoryLogger(), referential: ref });
      const oneLog = memoryLogger();
      const [one, oneSeconds] = await time(() => computeBarometre(config, w, { log: oneLog, referential: ref }));
      out.push(['compute après un chargement (anct-services)', `${s(oneSeconds)} ; recalculés : ${one.indicators.filter((i) => i.recalcule).map((i) => i.id).join(', ')} ; ${phasesOf(oneLog)}`]);
      await writeExports(config, w);
    } finally {
      w.close();
    }

    // The data's figures now: the site's build is long at this scale. `npm run bench -- donnees` stops here.
    print(out);
    out.length = 0;
    if (dataOnly) return;

    await benchSite(config, dir);
  } finally {
    if (!kept) rmSync(dir, { recursive: true, force: true });
  }
}

const dataOnly = process.argv.includes('donnees') || process.env.BENCH_PART === 'donnees';
const part = process.argv.slice(2).find((a) => a === 'decp' || a === 'datagouv') ?? (process.env.BENCH_PART as 'decp' | 'datagouv' | undefined);
if (process.argv[2] === 'generer') {
  // Child of the full bench: writes the raw files and their list.
  const dir = process.argv[3]!;
  writeFileSync(join(dir, 'fichiers.json'), JSON.stringify(await generate(dir, referential())));
} else if (process.argv.includes('observatoire')) {
  await benchObservatoire();
} else if (process.argv.includes('site')) {
  // The site alone, from the exports of a bench run kept by BENCH_GARDER.
  const kept = process.env.BENCH_GARDER;
  if (!kept || !existsSync(join(kept, 'donnees', 'exports', 'barometre.json'))) {
    process.stderr.write('npm run bench -- site : donnez le dossier d\'un banc gardé, BENCH_GARDER=<dossier> (rempli par « BENCH_GARDER=<dossier> npm run bench -- donnees »).\n');
    process.exit(2);
  }
  await benchSite(parseConfig({}, PROJECT_ROOT, join(kept, 'donnees')), kept);
} else {
  await (part ? benchOne(part) : main());
}
