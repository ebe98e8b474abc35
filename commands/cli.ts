// The `barometre` command: pull, compute, status, build.
import { parseArgs } from 'node:util';
import { computeBarometre } from '../indicators/compute.ts';
import { publishEdition } from '../indicators/editions.ts';
import { writeExports } from '../indicators/exports.ts';
import { buildSite } from './build.ts';
import { loadConfig, type Config } from '../pipelines/base/config.ts';
import { createLogger, type Logger } from '../pipelines/base/log.ts';
import { checkDate } from '../pipelines/base/dates.ts';
import { pendingSuspects, runStatus, type RunRecord } from '../pipelines/base/runs.ts';
import { pullSource, PULL_STEPS, PullError, type PullStep } from '../pipelines/sources/pull.ts';
import { Scheduler } from './schedule.ts';
import { liveUrl, SOURCES, sourceById } from '../pipelines/sources/index.ts';
import { withWarehouse, type Warehouse } from '../pipelines/base/warehouse.ts';

const USAGE = `barometre — baromètre de la dématérialisation (DCANT)

Utilisation :
  barometre pull [SOURCE…] [--from CHEMIN] [--date AAAA-MM-JJ] [--offline] [--all] [--urls LISTE.csv] [--accept-drop]
      Télécharge (ou lit CHEMIN, ou le jeu d'exemple avec --offline), valide et charge chaque source.
      sites (l'observatoire des sites) visite les sites déclarés les moins récemment vus (crawl.slice, 300 par
      défaut) ; --all : tous ; --urls LISTE.csv : les sites d'une liste (colonnes siren,url). Une collecte
      interrompue reprend où elle s'était arrêtée.
      Un chargement bien plus petit que le précédent (moins de la moitié des lignes ou des collectivités
      rapprochées), ou sous la taille plausible de la source la première fois, est mis de côté (statut suspect) :
      les données précédentes restent publiées. --accept-drop le publie à dessein : seul (barometre pull SOURCE
      --accept-drop), le fichier déjà archivé du chargement mis de côté, sans rien télécharger ; avec --from,
      le fichier donné, même plus petit (un extrait).
  barometre compute
      Calcule tous les indicateurs et écrit les exports dans data/exports/.
  barometre status [--json]
      Dernier chargement de chaque source ; un chargement mis de côté (suspect) dit ce qui a baissé et comment
      le publier.
  barometre build [--offline] [--skip-pull]
      pull (repli sur les jeux d'exemple si une source est injoignable), compute, puis construction du site dans dist/.
  barometre publish AAAA-S1|AAAA-S2
      Recalcule, puis fige le semestre dans data/editions/<période>/ (exports, définitions, empreintes des
      fichiers bruts). Une édition publiée ne change plus ; un recalcul qui diffère est signalé, pas appliqué.
  barometre schedule [--once]
      Planificateur : chaque source à son rythme (cron, Europe/Paris), recalcul et reconstruction du site
      après chaque chargement réussi ; journal JSON (un objet par ligne) sur la sortie standard.
      --once : exécute ce qui est dû puis s'arrête.

Sources : ${SOURCES.map((s) => s.id).join(', ')}
`;

export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  now?: () => Date;
}

class UsageError extends Error {}

/**
 * With `BAROMETRE_PAUSE_AT=<step>`, the process prints `barometre: pause <step>` on stderr when a pull reaches
 * that step and waits there until it is killed: crash tests kill at a known point, not after a guessed delay.
 */
function pauseHook(config: Config, stderr: NodeJS.WritableStream): ((step: PullStep) => Promise<void>) | undefined {
  const at = config.pauseAt;
  if (!at) return undefined;
  if (!(PULL_STEPS as readonly string[]).includes(at)) throw new UsageError(`BAROMETRE_PAUSE_AT=« ${at} » : étape inconnue. Étapes : ${PULL_STEPS.join(', ')}.`);
  return async (step) => {
    if (step !== at) return;
    stderr.write(`barometre: pause ${step}\n`);
    await new Promise<never>(() => setInterval(() => undefined, 60_000));
  };
}

async function cmdPull(config: Config, w: Warehouse, args: string[], log: Logger, io: CliIO): Promise<number> {
  const now = io.now;
  const onStep = pauseHook(config, io.stderr);
  const { values, positionals } = parseArgs({
    args,
    options: {
      from: { type: 'string' },
      date: { type: 'string' },
      offline: { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
      urls: { type: 'string' },
      'accept-drop': { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const ids = positionals.length > 0 ? positionals : SOURCES.map((s) => s.id);
  if (values.from && ids.length !== 1) throw new UsageError('--from lit un seul fichier : nommez une seule source (par exemple : barometre pull odt --from organisations.csv).');
  if (values.from && values.offline) throw new UsageError('--from et --offline sont incompatibles.');
  // A malformed command (unknown source, bad date) is a usage error: exit code 2, before anything runs.
  let sources = ids.map((id) => {
    try {
      return sourceById(id);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  });
  if ((values.all || values.urls) && !sources.every((s) => s.crawler)) {
    throw new UsageError(`--all et --urls s'appliquent aux sources qui visitent le web elles-mêmes (${SOURCES.filter((s) => s.crawler).map((s) => s.id).join(', ')}).`);
  }
  if ((values.all || values.urls) && (values.from || values.offline)) throw new UsageError('--all et --urls règlent une collecte en ligne : ils ne vont ni avec --from ni avec --offline.');
  const acceptDrop = values['accept-drop'];
  if (acceptDrop && positionals.length === 0) throw new UsageError('--accept-drop publie un chargement précis : nommez la source (par exemple : barometre pull datagouv --accept-drop).');
  if (acceptDrop && values.offline) throw new UsageError("--accept-drop et --offline sont incompatibles : un jeu d'exemple n'est jamais mis de côté.");
  if (acceptDrop && (values.all || values.urls)) throw new UsageError('--accept-drop seul publie la collecte déjà archivée, sans visiter de nouveau : il ne va ni avec --all ni avec --urls.');
  if (values.date) {
    try {
      checkDate(values.date);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  if (positionals.length === 0 && !values.offline) {
    // Pulling "everything" skips sources that have no live address (surveys), saying so.
    for (const s of sources.filter((x) => liveUrl(config, x) === null)) {
      log.info(`${s.id} : pas d'adresse en ligne configurée (sources.${s.id}.url) ; ignorée. Chargez-la avec « barometre pull ${s.id} --from FICHIER ».`);
    }
    sources = sources.filter((x) => liveUrl(config, x) !== null);
  }
  let failures = 0;
  for (const source of sources) {
    try {
      await pullSource(config, w, source, { from: values.from, offline: values.offline, date: values.date, log, now, onStep, crawl: { all: values.all, urls: values.urls }, acceptDrop });
    } catch (error) {
      failures++;
      if (error instanceof PullError && error.suspect) log.warn(error.message, { source: source.id, status: 'suspect' });
      else log.error(`${source.id} : échec du chargement. ${(error as Error).message} Les données précédentes sont conservées.`, { source: source.id });
    }
  }
  return failures === 0 ? 0 : 1;
}

async function cmdCompute(config: Config, w: Warehouse, log: Logger, now?: () => Date): Promise<number> {
  const summary = await computeBarometre(config, w, { log });
  const exports = await writeExports(config, w, now?.() ?? new Date());
  for (const i of summary.indicators) {
    if (i.rows > 0) log.info(`${i.id} : ${i.periodes.length} semestre(s) (${i.periodes.join(', ')}), ${i.rows} valeurs par collectivité.`);
  }
  log.info(`Exports écrits dans ${exports.folder} : ${Object.entries(exports.rows).map(([k, n]) => `${k} ${n} lignes`).join(', ')}.`);
  return 0;
}

const STATUS_COLUMNS = ['source', 'run_id', 'status', 'started_at', 'finished_at', 'rows_in', 'rows_loaded', 'rows_rejected', 'raw_sha256', 'error'] as const;
/** The volume guard's figures, in `status --json` after the table's columns. */
const GUARD_COLUMNS = ['rows_counted', 'rows_expected', 'matched', 'matched_expected', 'compared_with'] as const;

function statusTable(runs: RunRecord[]): string {
  const rows = [
    [...STATUS_COLUMNS],
    ...SOURCES.map((s) => {
      const r = runs.find((x) => x.source === s.id);
      return STATUS_COLUMNS.map((c) => (c === 'source' ? s.id : r ? String(r[c] ?? '') : c === 'status' ? 'jamais chargée' : ''));
    }),
  ];
  const widths = STATUS_COLUMNS.map((_, j) => Math.min(64, Math.max(...rows.map((r) => r[j]!.length))));
  return rows.map((r) => r.map((cell, j) => cell.slice(0, 64).padEnd(widths[j]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/** Below the table, in full: each load set aside by the volume guard, its figures and the command that publishes it. */
function suspectNotes(suspects: RunRecord[]): string {
  if (suspects.length === 0) return '';
  const lines = suspects.map((r) => `- ${r.source}, chargement ${r.run_id} du ${r.started_at} : ${r.error ?? 'volume suspect'}`);
  return `\nChargements mis de côté par le contrôle de volume (les données précédentes restent publiées) :\n${lines.join('\n')}\n`;
}

async function cmdStatus(w: Warehouse, args: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } }, strict: true });
  const runs = await runStatus(w);
  const suspects = await pendingSuspects(w);
  if (values.json) {
    const out = SOURCES.map((s) => {
      const r = runs.find((x) => x.source === s.id);
      const suspect = suspects.find((x) => x.source === s.id);
      return {
        ...Object.fromEntries([...STATUS_COLUMNS, ...GUARD_COLUMNS].map((c) => [c, c === 'source' ? s.id : r ? (r[c] ?? null) : c === 'status' ? 'jamais' : null])),
        // The load awaiting `--accept-drop`, even when a later attempt failed.
        suspect_run_id: suspect?.run_id ?? null,
      };
    });
    io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    io.stdout.write(statusTable(runs) + suspectNotes(suspects));
  }
  return 0;
}

async function cmdSchedule(config: Config, args: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args, options: { once: { type: 'boolean', default: false } }, strict: true });
  const log = createLogger({ json: true, stream: io.stdout, now: io.now, env: io.env });
  const scheduler = new Scheduler({ config, log, now: io.now });
  scheduler.acquire();
  let signalled: NodeJS.Signals | null = null;
  const stopped = new Promise<void>((resolveStop) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) return;
      signalled = signal;
      log.info('signal reçu ; arrêt après le travail en cours', { event: 'signal', signal });
      void scheduler.stop().then(resolveStop);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  if (values.once) {
    const result = await scheduler.runOnce();
    if (!signalled) await scheduler.stop();
    return result.failed.length > 0 ? 1 : 0;
  }
  scheduler.start();
  await stopped;
  return 0;
}

export async function main(argv: string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const [command, ...args] = argv;
  const log = createLogger({ stream: io.stderr, env: io.env, now: io.now });
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    io.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  try {
    const config = loadConfig(undefined, io.env);
    switch (command) {
      case 'pull':
        return await withWarehouse(config.paths.warehouse, (w) => cmdPull(config, w, args, log, io));
      case 'compute':
        return await withWarehouse(config.paths.warehouse, (w) => cmdCompute(config, w, log, io.now));
      case 'status':
        return await withWarehouse(config.paths.warehouse, (w) => cmdStatus(w, args, io));
      case 'build': {
        const { values } = parseArgs({ args, options: { offline: { type: 'boolean', default: false }, 'skip-pull': { type: 'boolean', default: false } }, strict: true });
        return await buildSite(config, { log, offline: values.offline, skipPull: values['skip-pull'], now: io.now, env: io.env });
      }
      case 'publish': {
        const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
        if (positionals.length !== 1) throw new UsageError('publish attend un semestre, par exemple : barometre publish 2026-S2');
        return await withWarehouse(config.paths.warehouse, async (w) => {
          await computeBarometre(config, w, { log });
          const manifest = await publishEdition(config, w, positionals[0]!, io.now?.() ?? new Date());
          // Recompute so that the exports carry the edition mark of the semester just frozen.
          await computeBarometre(config, w, { log });
          await writeExports(config, w, io.now?.() ?? new Date());
          log.info(`Édition ${manifest.edition} publiée : ${Object.keys(manifest.fichiers).length} fichiers, ${manifest.sources_brutes.length} fichier(s) brut(s) référencé(s).`);
          return 0;
        });
      }
      case 'schedule':
        return await cmdSchedule(config, args, io);
      default:
        throw new UsageError(`commande inconnue « ${command} ».`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      log.error(`${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    log.error(error instanceof PullError ? error.message : ((error as Error).stack ?? String(error)));
    return 1;
  }
}
