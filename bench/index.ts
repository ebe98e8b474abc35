// `npm run bench`: builds a large warehouse from seeded synthetic files in the sources' real formats
// (every commune, EPCI, département and région; 20 semesters) and prints the figures of `compute`.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { computeBarometre } from '../indicators/compute.ts';
import { writeExports } from '../indicators/exports.ts';
import { periodeEnd, periodesBetween } from '../indicators/periods.ts';
import { parseConfig, PROJECT_ROOT } from '../pipelines/config.ts';
import { toCsv } from '../pipelines/csv.ts';
import { createLogger, memoryLogger } from '../pipelines/log.ts';
import { pullSource } from '../pipelines/pull.ts';
import { referential } from '../pipelines/referential.ts';
import { sourceById } from '../pipelines/sources/index.ts';
import { quotedString, Warehouse } from '../pipelines/warehouse.ts';
import { buildAstro } from '../pipelines/build.ts';
import { pageTypes } from '../test/helpers/pages.ts';
import { serveStatic } from '../test/helpers/static-server.ts';
import { benchDecp } from './decp.ts';
import { datagouv } from '../pipelines/sources/datagouv.ts';
import { GENERATORS, mulberry32, writeDatagouvCatalogue } from './generators.ts';
import { auditPages, formatAudits, loadBudgets, overBudget } from './lighthouse.ts';

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

const SEMESTERS = periodesBetween('2017-S1', '2026-S2'); // 20 semesters
const log = createLogger();

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} Mo`;
}

function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  return fn().then((r) => [r, (performance.now() - t0) / 1000]);
}

/** `npm run bench -- decp`: only the DECP load against DuckDB's own read. */
async function mainDecp() {
  const dir = mkdtempSync(join(tmpdir(), 'barometre-bench-decp-'));
  try {
    const out = await benchDecp(parseConfig({}, PROJECT_ROOT, join(dir, 'donnees')), referential(), dir);
    const width = Math.max(...out.map(([k]) => k.length));
    process.stdout.write(`\n${out.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A data.gouv.fr-sized catalogue (60 000 organisations, 600 000 datasets), loaded through the framework (DuckDB reads
 * both exports, matching and rejects in SQL), against DuckDB's own read of the same two files.
 */
async function benchDatagouv(dir: string): Promise<string[][]> {
  const config = parseConfig({}, PROJECT_ROOT, join(dir, 'datagouv'));
  const ref = referential();
  mkdirSync(join(dir, 'catalogue'), { recursive: true });
  const [files, genSeconds] = await time(async () => writeDatagouvCatalogue(join(dir, 'catalogue'), ref, mulberry32(20260116)));
  const w = await Warehouse.open(config.paths.warehouse);
  try {
    // The referential tables are stored once per warehouse: a first small pull keeps them out of the measure.
    await pullSource(config, w, datagouv, { offline: true, log: memoryLogger(), referential: ref });
    const [run, loadSeconds] = await time(() => pullSource(config, w, datagouv, { from: files.organisations, log: memoryLogger(), referential: ref }));
    const floor = await Warehouse.open(':memory:');
    const read = (path: string) => `SELECT count(*) AS n FROM read_csv(${quotedString(path)}, delim = ';', quote = '"', escape = '"', header = true, all_varchar = true, parallel = false)`;
    const [, floorSeconds] = await time(async () => {
      await floor.all(read(files.organisations));
      await floor.all(read(files.jeux));
    });
    floor.close();
    const size = statSync(files.organisations).size + statSync(files.jeux).size;
    return [
      ['data.gouv.fr : catalogue généré', `${run.rows_in!.toLocaleString('fr-FR')} lignes lues (organisations et jeux), ${mb(size)}, généré en ${genSeconds.toFixed(1)} s`],
      ['data.gouv.fr : chargement (pull --from)', `${loadSeconds.toFixed(1)} s (${run.rows_loaded!.toLocaleString('fr-FR')} chargées, ${run.rows_rejected!.toLocaleString('fr-FR')} rejetées)`],
      ['data.gouv.fr : plancher DuckDB (lecture des deux fichiers)', `${floorSeconds.toFixed(2)} s`],
      ['data.gouv.fr : rapport chargement / plancher', `${(loadSeconds / floorSeconds).toFixed(1)} ×`],
    ];
  } finally {
    w.close();
  }
}

function print(out: string[][]): void {
  const width = Math.max(...out.map(([k]) => k!.length));
  process.stdout.write(`\n${out.map(([k, v]) => `${k!.padEnd(width)}  ${v}`).join('\n')}\n`);
}

async function main() {
  // `npm run bench -- datagouv` (or BENCH_PART=datagouv) runs only the catalogue part.
  if (process.argv.includes('datagouv') || process.env.BENCH_PART === 'datagouv') {
    const dir = mkdtempSync(join(tmpdir(), 'barometre-bench-'));
    try {
      print([['machine', `${cpus().length} cœurs (${cpus()[0]?.model ?? '?'}), ${mb(totalmem())}, Node ${process.versions.node}`], ...(await benchDatagouv(dir))]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'barometre-bench-'));
  const config = parseConfig({}, PROJECT_ROOT, dir);
  const ref = referential();
  const random = mulberry32(20261122);
  try {
    // 1. Raw files, one per source and semester, in each source's real format.
    const files: { source: string; path: string; date: string }[] = [];
    mkdirSync(join(dir, 'in'), { recursive: true });
    for (const [i, periode] of SEMESTERS.entries()) {
      for (const [sourceId, generate] of Object.entries(GENERATORS)) {
        const { columns, rows, extension, separator } = generate(ref, i / (SEMESTERS.length - 1), random, periode);
        const path = join(dir, 'in', `${sourceId}-${periode}.${extension}`);
        writeFileSync(path, toCsv(columns, rows, separator), { flag: 'w' });
        files.push({ source: sourceId, path, date: periodeEnd(periode) });
      }
    }
    log.info(`Banc d'essai : ${Object.keys(GENERATORS).length} source(s) × ${SEMESTERS.length} semestres = ${files.length} fichiers bruts générés (graine fixe).`);

    const w = await Warehouse.open(config.paths.warehouse);
    try {
      // 2. Loading through the framework (parse, validate, match, transactional load).
      const [, loadSeconds] = await time(async () => {
        for (const f of files) await pullSource(config, w, sourceById(f.source), { from: f.path, date: f.date, log: memoryLogger(), referential: ref });
      });
      const loaded = (await w.one<{ n: number }>(`SELECT sum(rows_in)::BIGINT AS n FROM runs WHERE status = 'succes'`))!.n;

      // 3. compute, measured.
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const [summary, computeSeconds] = await time(() => computeBarometre(config, w, { log: memoryLogger(), referential: ref }));
      clearInterval(sampler);
      const valeurs = summary.indicators.reduce((s, i) => s + i.rows, 0);
      const [, exportSeconds] = await time(() => writeExports(config, w));

      // 4. The floor: DuckDB's own time to read the same raw files.
      const floor = await Warehouse.open(':memory:');
      const list = files.map((f) => quotedString(f.path)).join(', ');
      const [, floorSeconds] = await time(() => floor.all(`SELECT count(*) FROM read_csv([${list}], union_by_name = true, all_varchar = true, header = true, quote = '"', escape = '"')`));
      floor.close();

      const out = [
        ['machine', `${cpus().length} cœurs (${cpus()[0]?.model ?? '?'}), ${mb(totalmem())}, Node ${process.versions.node}`],
        ['données', `${ref.collectivites.length} collectivités × ${SEMESTERS.length} semestres ; ${loaded} lignes brutes chargées`],
        ['chargement (pull ×' + files.length + ')', `${loadSeconds.toFixed(1)} s`],
        ['compute : durée', `${computeSeconds.toFixed(2)} s`],
        ['compute : mémoire de pointe (RSS)', `${mb(peak)} (avant : ${mb(rssBefore)})`],
        ['compute : débit', `${Math.round(valeurs / computeSeconds).toLocaleString('fr-FR')} valeurs par collectivité / s (${valeurs.toLocaleString('fr-FR')} valeurs, ${summary.barometreRows.toLocaleString('fr-FR')} lignes de baromètre)`],
        ['exports', `${exportSeconds.toFixed(2)} s`],
        ['plancher DuckDB (lecture des fichiers bruts)', `${floorSeconds.toFixed(2)} s`],
        ['rapport compute / plancher', `${(computeSeconds / floorSeconds).toFixed(1)} ×`],
        // Its own warehouse: DuckDB lets one instance open a file.
        ...(await benchDecp(parseConfig({}, PROJECT_ROOT, join(dir, 'decp')), ref, dir)),
        ...(await benchDatagouv(dir)),
      ];

      // 5. The site from these exports: build time, pages, heaviest pages, then Lighthouse on each page type.
      const dist = join(dir, 'dist');
      const [, buildSeconds] = await time(() => buildAstro(config, memoryLogger(), { outDir: dist }));
      const pages = htmlPages(dist);
      const heaviest = [...pages].sort((a, b) => b.bytes - a.bytes).slice(0, 5);
      out.push(
        ['site : construction', `${buildSeconds.toFixed(1)} s pour ${pages.length.toLocaleString('fr-FR')} pages HTML`],
        ['site : pages les plus lourdes', heaviest.map((p) => `${p.path} ${Math.round(p.bytes / 1024)} ko`).join(' ; ')],
      );
      print(out);
      if (existsSync('/usr/bin/chromium')) {
        const server = await serveStatic(dist);
        try {
          const audits = await auditPages(server.url, pageTypes(dist).filter(([, p]) => !p.includes('absent')), { throttling: 'provided' });
          const budgets = loadBudgets();
          process.stdout.write(`\nLighthouse (budgets de budgets.json) :\n${formatAudits(audits)}\n`);
          const problems = audits.flatMap((a) => overBudget(a, budgets, { timings: true }));
          process.stdout.write(problems.length === 0 ? 'Toutes les pages sont dans leur budget.\n' : `Hors budget :\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
        } finally {
          await server.close();
        }
      } else {
        process.stdout.write('\nLighthouse ignoré : Chromium absent (/usr/bin/chromium).\n');
      }
    } finally {
      w.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await (process.argv.slice(2).includes('decp') ? mainDecp() : main());
