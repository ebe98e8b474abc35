// The crawler's side of `npm run bench -- observatoire`, in a process of its own that loads the crawler and nothing
// else (the bench's other steps load DuckDB, Astro and a browser driver, which are not the crawler's memory). Given
// the simulated sites' servers (argv[2], JSON `{ adresses, sites }`), it warms up, then twice crawls `sites` sites
// and fetches the same addresses plainly (the floor), and prints its figures as one JSON line. Two passes, each figure
// kept at its best (the shortest): a shared machine slows one pass or the other, and the best of each is the least
// disturbed measure of both the crawl and its floor.
import { Agent, request } from 'undici';
import { configSchema } from '../pipelines/base/config.ts';
import { lireServices } from '../pipelines/sources/sites/controles.ts';
import { visiterSites } from '../pipelines/sources/sites/crawl.ts';
import { LecteursDeSites } from '../pipelines/sources/sites/lecteurs.ts';
import { crawlSettings, Visiteur } from '../pipelines/sources/sites/visite.ts';

export interface MesureCrawl {
  faits: number;
  requetes: number;
  declarations: number;
  /** The shortest of the passes. */
  crawlS: number;
  plancherS: number;
  /** Each pass: its crawl and its floor, in seconds. */
  passes: { crawlS: number; plancherS: number }[];
  rssAvant: number;
  rssPic: number;
}

const { adresses, sites } = JSON.parse(process.argv[2] ?? '{}') as { adresses: string[]; sites: number };
const settings = { ...crawlSettings(configSchema.parse({})), delayMs: 0 };
const services = lireServices();
// The reading threads of the configuration (`crawl.readerThreads`), started once for the warm-up and the measure.
const lecteurs = settings.readerThreads > 0 ? new LecteursDeSites(settings.readerThreads, services) : undefined;
const liste = (debut: number, n: number) => Array.from({ length: n }, (_, k) => ({ siren: String(200_000_000 + debut + k), url: `${adresses[(debut + k) % adresses.length]}/s${debut + k}/` }));

/** The crawl of `sites`, every address it asked noted. */
async function crawl(sitesAVisiter: { siren: string; url: string }[]) {
  const demandees: string[] = [];
  const visiteur = new Visiteur(settings, (e) => void demandees.push(e.url));
  let declarations = 0;
  const t0 = performance.now();
  const faits = await visiterSites(visiteur, sitesAVisiter, {
    services,
    dateVisite: '2026-11-20',
    ...(lecteurs ? { lecteurs } : {}),
    surVisite: (v) => void (declarations += v.controles['declaration-accessibilite'].resultat === 'oui' ? 1 : 0),
  });
  const secondes = (performance.now() - t0) / 1000;
  await visiteur.close();
  return { faits, demandees, declarations, secondes };
}

/** The floor: the same addresses fetched plainly, as many at a time as the crawl visits sites, bodies read whole. */
async function plancher(demandees: readonly string[]) {
  const agent = new Agent({ connect: { timeout: settings.connectTimeoutMs } });
  let suivant = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: settings.concurrency }, async () => {
      while (suivant < demandees.length) {
        const res = await request(demandees[suivant++]!, { dispatcher: agent, headers: { 'user-agent': settings.userAgent } });
        await res.body.arrayBuffer();
      }
    }),
  );
  const secondes = (performance.now() - t0) / 1000;
  await agent.close();
  return secondes;
}

// Warm-up, not counted: both ways once on other sites, so that neither pays alone for the first compilations (the
// crawler's, undici's, the servers').
const chauffe = await crawl(liste(sites, Math.max(50, Math.min(500, Math.round(sites / 10)))));
await plancher(chauffe.demandees);

const rssAvant = process.memoryUsage.rss();
// Two passes on different sites (none of them visited before), each its crawl then its floor.
const passes: { crawlS: number; plancherS: number }[] = [];
let mesure: Awaited<ReturnType<typeof crawl>> | undefined;
for (const debut of [0, sites + 1000]) {
  mesure = await crawl(liste(debut, sites));
  passes.push({ crawlS: mesure.secondes, plancherS: await plancher(mesure.demandees) });
}
const rssPic = process.resourceUsage().maxRSS * 1024;
const resultat: MesureCrawl = {
  faits: mesure!.faits,
  requetes: mesure!.demandees.length,
  declarations: mesure!.declarations,
  crawlS: Math.min(...passes.map((p) => p.crawlS)),
  plancherS: Math.min(...passes.map((p) => p.plancherS)),
  passes,
  rssAvant,
  rssPic,
};
await lecteurs?.close();
process.stdout.write(`${JSON.stringify(resultat)}\n`);
