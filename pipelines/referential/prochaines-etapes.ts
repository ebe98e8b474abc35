// What a collectivité does to reach an indicator's objective: data/referentiels/prochaines-etapes.csv, reviewed and
// committed. One row per indicator (or family `prefix-*`): the step in words, the public page that explains it, and
// who publishes that page. The scorecard of every collectivité page links it; no step is written in code.
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../base/config.ts';
import { readCsvFile } from './referential.ts';

export const PROCHAINES_ETAPES_FILE = 'data/referentiels/prochaines-etapes.csv';
const COLUMNS = ['indicateur', 'libelle', 'url', 'source'] as const;

export interface ProchaineEtape {
  /** An indicator id, or a family `prefix-*` (checked against the registry by the indicators layer). */
  indicateur: string;
  /** The step, as a link's text: « Publier sa Base Adresse Locale ». */
  libelle: string;
  /** The public page that explains it (https). */
  url: string;
  /** Who publishes that page: « Documentation de la Base Adresse Nationale (ANCT, IGN) ». */
  source: string;
}

export function loadProchainesEtapes(path = resolve(PROJECT_ROOT, PROCHAINES_ETAPES_FILE)): ProchaineEtape[] {
  const rows = readCsvFile<Record<string, string>>(path);
  const header = rows.length > 0 ? Object.keys(rows[0]!) : [];
  const missing = COLUMNS.filter((c) => !header.includes(c));
  if (rows.length > 0 && missing.length > 0) throw new Error(`${path} : colonne${missing.length > 1 ? 's' : ''} manquante${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (attendu : ${COLUMNS.join(',')})`);
  const seen = new Set<string>();
  return rows.map((r, i) => {
    const where = `${path}, ligne ${i + 2}`;
    const indicateur = (r.indicateur ?? '').trim();
    if (!/^[a-z0-9]+(-[a-z0-9]+)*(-\*)?$/.test(indicateur)) throw new Error(`${where} : « ${r.indicateur} » n'est pas un identifiant d'indicateur (minuscules, chiffres et tirets, ou une famille « prefixe-* »)`);
    if (seen.has(indicateur)) throw new Error(`${where} : l'indicateur « ${indicateur} » a déjà une prochaine étape (une seule par indicateur)`);
    seen.add(indicateur);
    const libelle = (r.libelle ?? '').trim();
    const source = (r.source ?? '').trim();
    if (libelle === '') throw new Error(`${where} : libellé vide`);
    if (source === '') throw new Error(`${where} : source vide (qui publie la page liée ?)`);
    const url = (r.url ?? '').trim();
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.protocol !== 'https:') throw new Error(`${where} : adresse « ${url} » invalide (une adresse https:// complète est attendue)`);
    return { indicateur, libelle, url, source };
  });
}

let cached: ProchaineEtape[] | undefined;
export function prochainesEtapes(): ProchaineEtape[] {
  cached ??= loadProchainesEtapes();
  return cached;
}
