// The crawl's raw file: one JSON line per site visited, appended as each visit ends, so that an interrupted crawl
// keeps what it finished and a restart visits only what is left. The list of sites to visit comes from a CSV
// (`barometre pull sites --urls LISTE.csv`: columns `siren,url`, other columns ignored, a contract) or from the
// declared sites of `presence-numerique`; collectivités that asked not to be visited are left out
// (data/referentiels/sites-exclus.csv).
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Papa from 'papaparse';
import { PROJECT_ROOT } from '../../base/config.ts';
import type { ServiceConnu } from './controles.ts';
import { type VisiteSite, visiterSites } from './crawl.ts';
import { LecteursDeSites } from './lecteurs.ts';
import type { Visiteur } from './visite.ts';

export interface SiteAVisiter {
  siren: string;
  url: string;
}

/** A list of sites (`siren,url`, other columns ignored): rows without a 9-digit SIREN or an address are refused, with why. */
export function lireListe(text: string, origine: string): { sites: SiteAVisiter[]; refus: { ligne: number; motif: string }[] } {
  const parsed = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: true, transformHeader: (h) => h.trim().toLowerCase() });
  const colonnes = parsed.meta.fields ?? [];
  const manquantes = ['siren', 'url'].filter((c) => !colonnes.includes(c));
  if (manquantes.length) throw new Error(`${origine} : colonne(s) ${manquantes.join(', ')} absente(s) ; la liste a les colonnes siren,url (les autres sont ignorées). Colonnes lues : ${colonnes.join(', ') || 'aucune'}.`);
  const sites: SiteAVisiter[] = [];
  const refus: { ligne: number; motif: string }[] = [];
  const vus = new Set<string>();
  parsed.data.forEach((row, i) => {
    const siren = (row.siren ?? '').replace(/\s/g, '');
    const url = (row.url ?? '').trim();
    const ligne = i + 2;
    if (!/^\d{9}$/.test(siren)) refus.push({ ligne, motif: `SIREN invalide « ${row.siren ?? ''} »` });
    else if (!url) refus.push({ ligne, motif: 'adresse vide' });
    else if (vus.has(siren)) refus.push({ ligne, motif: `SIREN ${siren} en double (la première ligne est gardée)` });
    else {
      vus.add(siren);
      sites.push({ siren, url });
    }
  });
  return { sites, refus };
}

/** SIREN of the collectivités that asked not to be visited. */
export function sirensExclus(path = resolve(PROJECT_ROOT, 'data/referentiels/sites-exclus.csv')): Set<string> {
  if (!existsSync(path)) return new Set();
  const rows = Papa.parse<Record<string, string>>(readFileSync(path, 'utf8'), { header: true, skipEmptyLines: true }).data;
  return new Set(rows.map((r) => (r.siren ?? '').trim()).filter((s) => /^\d{9}$/.test(s)));
}

/** The visits already in a raw file; a last line cut by a crash is ignored (and rewritten without it). */
export function visitesDuFichier(path: string): VisiteSite[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const lignes = text.split('\n');
  const visites: VisiteSite[] = [];
  let propre = true;
  for (const [i, ligne] of lignes.entries()) {
    if (!ligne.trim()) continue;
    try {
      visites.push(JSON.parse(ligne) as VisiteSite);
    } catch {
      // Only the last line can be cut short (a crash mid-write); anything else is a damaged file.
      if (i < lignes.length - 1 && lignes.slice(i + 1).some((l) => l.trim())) throw new Error(`${path}, ligne ${i + 1} : ligne illisible au milieu du fichier brut.`);
      propre = false;
    }
  }
  if (!propre) writeFileSync(path, visites.map((v) => `${JSON.stringify(v)}\n`).join(''));
  return visites;
}

export interface Progression {
  faits: number;
  total: number;
  /** Sites per minute since the start of this run. */
  parMinute: number;
  /** Estimated milliseconds left, null before the first visit. */
  resteMs: number | null;
}

/**
 * Visits `sites` into the raw file `path`, skipping those it already holds (a resumed crawl), each visit appended
 * as soon as it ends. `pauseApres` (tests only): after that many visits appended, announces it on stderr and waits to
 * be killed, so that a crash test stops the crawl at a known point rather than after a guessed delay.
 */
export async function crawlerVersFichier(
  visiteur: Visiteur,
  sites: readonly SiteAVisiter[],
  path: string,
  options: {
    services: readonly ServiceConnu[];
    /** A fixed date for every visit (tests); otherwise each visit is dated by `maintenant` when it starts. */
    dateVisite?: string;
    progression?: (p: Progression) => void;
    pauseApres?: number;
    maintenant?: () => number;
  },
): Promise<{ visites: VisiteSite[]; reprises: number }> {
  const deja = visitesDuFichier(path);
  const faits = new Set(deja.map((v) => v.siren));
  const reste = sites.filter((s) => !faits.has(s.siren));
  if (!existsSync(path)) writeFileSync(path, '');
  const maintenant = options.maintenant ?? Date.now;
  const debut = maintenant();
  let n = 0;
  // The pages read and judged on threads of their own (`crawl.readerThreads`), fetched here by the one visitor.
  const lecteurs = visiteur.settings.readerThreads > 0 && reste.length > 0 ? new LecteursDeSites(visiteur.settings.readerThreads, options.services) : undefined;
  try {
    await visiterSites(visiteur, reste, {
      services: options.services,
      ...(lecteurs ? { lecteurs } : {}),
      ...(options.dateVisite ? { dateVisite: options.dateVisite } : {}),
      horloge: maintenant,
      surVisite: async (visite) => {
        appendFileSync(path, `${JSON.stringify(visite)}\n`);
        n++;
        const ecoule = Math.max(1, maintenant() - debut);
        options.progression?.({ faits: deja.length + n, total: deja.length + reste.length, parMinute: (n * 60_000) / ecoule, resteMs: ((reste.length - n) * ecoule) / n });
        if (options.pauseApres !== undefined && n === options.pauseApres) {
          process.stderr.write(`pause:${n}\n`);
          await new Promise(() => undefined);
        }
      },
    });
  } finally {
    await lecteurs?.close();
  }
  return { visites: visitesDuFichier(path), reprises: deja.length };
}

/** « 120/300 sites, 14,2 par minute, environ 12 min restantes » for a terminal. */
export function ligneDeProgression(p: Progression): string {
  const nombre = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
  const reste = p.resteMs === null ? '' : `, environ ${p.resteMs < 60_000 ? `${Math.ceil(p.resteMs / 1000)} s` : `${Math.ceil(p.resteMs / 60_000)} min`} restantes`;
  return `${p.faits}/${p.total} sites, ${nombre.format(p.parMinute)} par minute${reste}`;
}
