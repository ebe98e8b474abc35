// `npm run bench -- observatoire`: the web observatory's crawler on 5 000 simulated sites of eight pages, served on
// loopback by a process of its own (bench/observatoire-serveur.ts), politeness off (no delay; robots.txt still read).
// Floor, in the same run: a plain fetch of the same pages (the very addresses the crawl asked, robots.txt included),
// as many at a time, without parsing. Both run in a process that loads the crawler only (bench/observatoire-crawl.ts),
// after a warm-up of both on other sites, in two passes whose best crawl and best floor are compared. Targets: the
// crawl ≤ 3 × the floor; the crawler's peak memory ≤ 500 MB.
// Then what a real pass of 30 000 sites takes at the default politeness.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { configSchema, PROJECT_ROOT } from '../pipelines/base/config.ts';
import { crawlSettings } from '../pipelines/sources/sites/visite.ts';
import type { MesureCrawl } from './observatoire-crawl.ts';

const SITES = Number(process.env.BENCH_SITES ?? 5000);
const SERVEURS = 50;
const TARGETS = { ratio: 3, rssBytes: 500 * 1024 ** 2 };
/** An assumption for the estimate of a real pass, said as such: a public site's page in about half a second. */
const PAGE_REELLE_MS = 500;

export async function benchObservatoire(): Promise<void> {
  const serveur = spawn(process.execPath, ['--import', 'tsx', resolve(PROJECT_ROOT, 'bench/observatoire-serveur.ts'), String(SERVEURS), String(SITES)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const premiere = await new Promise<string>((ok, ko) => {
      createInterface({ input: serveur.stdout! }).once('line', ok);
      serveur.once('exit', (code) => ko(new Error(`le serveur du banc s'est arrêté (code ${code})`)));
    });
    const { adresses } = JSON.parse(premiere) as { adresses: string[] };
    const defaults = crawlSettings(configSchema.parse({}));
    // The crawler in a process of its own (bench/observatoire-crawl.ts): its memory is the crawler's alone.
    const crawler = spawn(process.execPath, ['--import', 'tsx', resolve(PROJECT_ROOT, 'bench/observatoire-crawl.ts'), JSON.stringify({ adresses, sites: SITES })], { stdio: ['ignore', 'pipe', 'inherit'] });
    const sortie: string[] = [];
    crawler.stdout!.on('data', (chunk: Buffer) => void sortie.push(chunk.toString('utf8')));
    const code = await new Promise<number | null>((ok) => crawler.once('exit', ok));
    if (code !== 0) throw new Error(`le crawler du banc s'est arrêté (code ${code})`);
    const { faits, requetes, declarations: oui, crawlS, plancherS, passes, rssAvant, rssPic: rss } = JSON.parse(sortie.join('').trim().split('\n').at(-1)!) as MesureCrawl;
    const s = (x: number) => `${x.toFixed(1)} s`;

    const parSite = requetes / faits;
    const passeH = (30_000 * parSite * (defaults.delayMs + PAGE_REELLE_MS)) / defaults.concurrency / 3_600_000;
    const lignes: [string, string][] = [
      ['sites visités', `${faits.toLocaleString('fr-FR')} (${requetes.toLocaleString('fr-FR')} requêtes, ${parSite.toFixed(1)} par site robots.txt compris ; déclaration trouvée sur ${oui.toLocaleString('fr-FR')})`],
      ['passages (crawl ; plancher)', passes.map((p, i) => `${i + 1} : ${s(p.crawlS)} ; ${s(p.plancherS)}`).join(' — ')],
      ['plancher : les mêmes adresses, sans analyse', `${s(plancherS)} (le meilleur des passages)`],
      ['crawl (politesse coupée)', `${s(crawlS)} (le meilleur des passages), ${(crawlS / plancherS).toFixed(1)} × le plancher (objectif ≤ ${TARGETS.ratio} ×)`],
      ['mémoire du crawler (pic)', `${(rss / 1024 ** 2).toFixed(0)} Mo, ${(rssAvant / 1024 ** 2).toFixed(0)} Mo avant le crawl, dans un processus qui ne charge que le crawler (objectif ≤ ${TARGETS.rssBytes / 1024 ** 2} Mo)`],
      [
        'un passage réel de 30 000 sites',
        `environ ${passeH.toFixed(1)} h à la politesse par défaut (${defaults.delayMs} ms entre deux requêtes d'un hôte, ${defaults.concurrency} sites à la fois, ${parSite.toFixed(1)} requêtes par site, ${PAGE_REELLE_MS} ms par page supposées) ; en tranches quotidiennes de ${configSchema.parse({}).crawl.slice} sites, ${Math.ceil(30_000 / configSchema.parse({}).crawl.slice)} jours`,
      ],
    ];
    const width = Math.max(...lignes.map(([k]) => k.length));
    process.stdout.write(`\nObservatoire des sites\n${lignes.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
    if (crawlS / plancherS > TARGETS.ratio || rss > TARGETS.rssBytes) process.exitCode = 1;
  } finally {
    serveur.kill();
  }
}
