// One reading thread of the crawl (started by lecteurs.ts): it runs each site's visit as crawl.ts writes it (the pages
// read, the links to follow chosen, the checks judged) and asks the main thread for every page it needs. Fetching
// stays on the main thread, in the crawl's one `Visiteur`: robots.txt, the per-host turns and delays and Retry-After
// are kept for the whole crawl, whatever thread reads the page. A page is read where it is judged, and only the
// visit's derived facts come back.
import type { MessagePort } from 'node:worker_threads';
import type { ServiceConnu } from './controles.ts';
import { type Pages, type VisiteSite, visiterSite } from './crawl.ts';
import { decoderPage, type ReponseBrute } from './visite.ts';

/** Messages from the main thread to a reading thread. */
export type VersLecteur =
  | { t: 'visite'; id: number; site: { siren: string; url: string }; dateVisite: string; maxPages: number }
  | { t: 'reponse'; demande: number; reponse: ReponseBrute }
  | { t: 'echec'; demande: number; message: string };

/** Messages from a reading thread to the main thread. */
export type DuLecteur =
  /** Pages asked, several at once where a visit asks them together (the links chosen on a home page). */
  | { t: 'pages'; demandes: { id: number; demande: number; adresse: string }[] }
  | { t: 'fait'; id: number; visite: VisiteSite }
  | { t: 'erreur'; id: number; message: string; stack: string | undefined };

/** Serves the visits asked on `port` (the thread's `parentPort`), several at a time, until the thread is stopped. */
export function servir(port: MessagePort, services: readonly ServiceConnu[]): void {
  const demandes = new Map<number, { ok: (r: ReponseBrute) => void; ko: (e: Error) => void }>();
  let suivante = 0;
  const envoyer = (m: DuLecteur) => port.postMessage(m);
  // The pages asked during one turn of the thread's work go in one message.
  let aDemander: { id: number; demande: number; adresse: string }[] = [];
  const demanderLot = () => {
    const lot = aDemander;
    aDemander = [];
    envoyer({ t: 'pages', demandes: lot });
  };
  port.on('message', (m: VersLecteur) => {
    if (m.t !== 'visite') {
      const attente = demandes.get(m.demande);
      demandes.delete(m.demande);
      if (m.t === 'reponse') attente?.ok(m.reponse);
      else attente?.ko(new Error(m.message));
      return;
    }
    const pages: Pages = {
      settings: { maxPages: m.maxPages },
      // The page fetched on the main thread, its body sent as received and decoded here.
      page: (adresse) =>
        new Promise<ReponseBrute>((ok, ko) => {
          const demande = suivante++;
          demandes.set(demande, { ok, ko });
          if (aDemander.push({ id: m.id, demande, adresse }) === 1) queueMicrotask(demanderLot);
        }).then(decoderPage),
    };
    const erreur = (error: unknown) => envoyer({ t: 'erreur', id: m.id, message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined });
    visiterSite(pages, m.site, { services, dateVisite: m.dateVisite }).then((visite) => {
      try {
        envoyer({ t: 'fait', id: m.id, visite });
      } catch (error) {
        erreur(error);
      }
    }, erreur);
  });
}
