// The crawler's side of `npm run bench -- observatoire`, in a process of its own that loads the crawler and nothing
// else (the bench's other steps load DuckDB, Astro and a browser driver, which are not the crawler's memory). Given
// the simulated sites' servers (argv[2], JSON `{ adresses, sites }`), it warms up, crawls, then fetches the same
// addresses plainly (the floor), and prints its figures as one JSON line.
import { Agent, request } from 'undici';
import { configSchema } from '../pipelines/base/config.ts';
import { lireServices } from '../pipelines/sources/sites/controles.ts';
import { visiterSites } from '../pipelines/sources/sites/crawl.ts';
import { crawlSettings, Visiteur } from '../pipelines/sources/sites/visite.ts';

export interface MesureCrawl {
  faits: number;
  requetes: number;
  declarations: number;
  crawlS: number;
  plancherS: number;
  rssAvant: number;
  rssPic: number;
}

const { adresses, sites } = JSON.parse(process.argv[2] ?? '{}') as { adresses: string[]; sites: number };
const settings = { ...crawlSettings(configSchema.parse({})), delayMs: 0 };
const services = lireServices();
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
const mesure = await crawl(liste(0, sites));
const rssPic = process.resourceUsage().maxRSS * 1024;
const plancherS = await plancher(mesure.demandees);
const resultat: MesureCrawl = { faits: mesure.faits, requetes: mesure.demandees.length, declarations: mesure.declarations, crawlS: mesure.secondes, plancherS, rssAvant, rssPic };
process.stdout.write(`${JSON.stringify(resultat)}\n`);
