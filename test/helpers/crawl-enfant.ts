// A crawl in a process of its own, for the resume test (test/sites-brut.test.ts): argv[2] is a JSON of the sites, the
// raw file, the date and, optionally, the visit after which it pauses (announced on stderr) to be killed.
import { lireServices } from '../../pipelines/sources/sites/controles.ts';
import { crawlerVersFichier, type SiteAVisiter } from '../../pipelines/sources/sites/brut.ts';
import { Visiteur } from '../../pipelines/sources/sites/visite.ts';
import { reglagesTest } from './crawl.ts';

const { sites, path, dateVisite, pauseApres } = JSON.parse(process.argv[2]!) as { sites: SiteAVisiter[]; path: string; dateVisite: string; pauseApres?: number };
const visiteur = new Visiteur(reglagesTest({ delayMs: 0, concurrency: 1, pageTimeoutMs: 60_000 }));
const { visites, reprises } = await crawlerVersFichier(visiteur, sites, path, { services: lireServices(), dateVisite, pauseApres });
await visiteur.close();
process.stdout.write(`${JSON.stringify({ visites: visites.length, reprises })}\n`);
