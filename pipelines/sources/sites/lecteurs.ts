// The crawl's reading threads: each site's visit runs on one of them (lecteur.ts), its pages fetched on this thread
// by the crawl's one `Visiteur`. Reading and judging a page (htmlparser2, the checks) is most of the crawl's
// processor time once the network is fast, as on a crawl without politeness (`npm run bench -- observatoire`); on
// threads of their own, the fetching thread stays free for the network and a second core is used. The results are
// the same as those of a visit on this thread (test/sites-lecteurs.test.ts).
//
// The threads run TypeScript: each registers tsx (a dependency, which `barometre` already loads the sources with) and
// imports lecteur.ts from its path. Their code is given as text, CommonJS whatever the process was started with.
// Idle threads do not keep a process alive.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { ServiceConnu } from './controles.ts';
import type { Lecteurs, VisiteSite } from './crawl.ts';
import type { DuLecteur, VersLecteur } from './lecteur.ts';
import type { ReponseBrute, SourceBrute } from './visite.ts';

const require = createRequire(import.meta.url);

const CODE = `
const { parentPort, workerData } = require('node:worker_threads');
require(workerData.tsx).register();
import(workerData.lecteur).then((m) => m.servir(parentPort, workerData.services));
`;

interface EnCours {
  source: SourceBrute;
  resolve: (v: VisiteSite) => void;
  reject: (e: Error) => void;
}

interface Fil {
  worker: Worker;
  visites: Map<number, EnCours>;
}

/** A fixed number of reading threads; each site's visit goes to the one with the fewest visits under way. */
export class LecteursDeSites implements Lecteurs {
  private readonly fils: Fil[] = [];
  private suivante = 0;
  /** Set when a thread failed or the threads were stopped: every visit asked afterwards fails with it. */
  private arret: Error | null = null;

  constructor(taille: number, services: readonly ServiceConnu[]) {
    if (!Number.isInteger(taille) || taille < 1) throw new Error(`LecteursDeSites : au moins un fil de lecture (${taille} demandé).`);
    const workerData = { tsx: require.resolve('tsx/esm/api'), lecteur: new URL('./lecteur.ts', import.meta.url).href, services };
    for (let i = 0; i < taille; i++) this.fils.push(this.nouveau(workerData));
  }

  visiter(source: SourceBrute, site: { siren: string; url: string }, dateVisite: string): Promise<VisiteSite> {
    if (this.arret) return Promise.reject(this.arret);
    const fil = this.fils.reduce((a, b) => (b.visites.size < a.visites.size ? b : a));
    const id = this.suivante++;
    return new Promise<VisiteSite>((resolve, reject) => {
      fil.visites.set(id, { source, resolve, reject });
      // Busy, a thread keeps the process alive until its visits come back.
      fil.worker.ref();
      try {
        this.envoyer(fil, { t: 'visite', id, site, dateVisite, maxPages: source.settings.maxPages });
      } catch (error) {
        this.retirer(fil, id);
        reject(error as Error);
      }
    });
  }

  /** Stops the threads: the visits under way fail. */
  async close(): Promise<void> {
    this.echouer(new Error('Visite non terminée : les fils de lecture ont été arrêtés.'));
    await Promise.all(this.fils.map((f) => f.worker.terminate()));
  }

  private envoyer(fil: Fil, m: VersLecteur, transfert: ArrayBuffer[] = []): void {
    fil.worker.postMessage(m, transfert);
  }

  /** A page's answer, its body moved to the thread rather than copied (a body of its own, not a slice of a pool). */
  private repondre(fil: Fil, demande: number, reponse: ReponseBrute): void {
    if (!reponse.ok || reponse.page.corps.byteLength === 0) return this.envoyer(fil, { t: 'reponse', demande, reponse });
    const { corps } = reponse.page;
    const propre = corps.byteOffset === 0 && corps.byteLength === corps.buffer.byteLength && corps.buffer instanceof ArrayBuffer ? corps : new Uint8Array(corps);
    this.envoyer(fil, { t: 'reponse', demande, reponse: { ...reponse, page: { ...reponse.page, corps: propre } } }, [propre.buffer as ArrayBuffer]);
  }

  /** A visit that ended, taken off its thread; an idle thread no longer keeps the process alive. */
  private retirer(fil: Fil, id: number): EnCours | undefined {
    const visite = fil.visites.get(id);
    fil.visites.delete(id);
    if (fil.visites.size === 0) fil.worker.unref();
    return visite;
  }

  /** Every visit under way fails with `error`, and so does every visit asked from now on. */
  private echouer(error: Error): void {
    this.arret ??= error;
    for (const fil of this.fils) {
      const visites = [...fil.visites.values()];
      fil.visites.clear();
      fil.worker.unref();
      for (const v of visites) v.reject(error);
    }
  }

  private nouveau(workerData: object): Fil {
    const worker = new Worker(CODE, { eval: true, execArgv: [], workerData });
    const fil: Fil = { worker, visites: new Map() };
    worker.unref();
    worker.on('message', (m: DuLecteur) => {
      if (m.t === 'pages') {
        for (const { id, demande, adresse } of m.demandes) {
          const visite = fil.visites.get(id);
          if (!visite) continue;
          // The page is fetched here, at its host's turn; the answer, or why there is none, goes back to the thread.
          const echec = (error: unknown) => this.envoyer(fil, { t: 'echec', demande, message: error instanceof Error ? error.message : String(error) });
          visite.source.pageBrute(adresse).then((reponse) => {
            try {
              this.repondre(fil, demande, reponse);
            } catch (error) {
              // An answer that cannot be sent to a thread fails this page of this visit, not the crawl.
              echec(error);
            }
          }, echec);
        }
        return;
      }
      const visite = this.retirer(fil, m.id);
      if (!visite) return;
      if (m.t === 'fait') visite.resolve(m.visite);
      else visite.reject(Object.assign(new Error(m.message), { stack: m.stack ?? m.message }));
    });
    // A thread that dies (an exception outside a visit, out of memory) or a message that cannot be read: the crawl
    // stops there, with why (what was appended to the raw file is kept, and a restart resumes it).
    const perdu = (error: Error) => this.echouer(new Error(`Un fil de lecture du crawl s'est arrêté : ${error.message}`, { cause: error }));
    worker.on('error', perdu);
    worker.on('messageerror', perdu);
    worker.on('exit', (code) => {
      if (!this.arret) perdu(new Error(`code de sortie ${code}`));
    });
    return fil;
  }
}
