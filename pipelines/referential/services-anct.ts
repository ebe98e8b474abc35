// The services of the Incubateur des territoires (ANCT), from its published services list, reviewed and
// committed as data/referentiels/services-anct.csv. A family of services (the eight ProConnect identity
// providers, the tools of the Suite territoriale) is one indicator: adding a row adds a service, no code.
import { resolve } from 'node:path';
import type { AxeDcant } from './axes.ts';
import { PROJECT_ROOT } from '../base/config.ts';
import { readCsvFile } from './referential.ts';

export const SERVICES_ANCT_FILE = 'data/referentiels/services-anct.csv';
const AXES: readonly AxeDcant[] = ['gouvernance-partagee', 'socle-commun', 'approche-globale-donnee', 'passage-echelle'];

export interface ServiceAnct {
  /** The service id of the producer's list (`id` of services-quotidien.csv, `service` of the deployment file). */
  id: string;
  nom: string;
  nom_instance: string;
  famille: string;
  libelle_famille: string;
  /** Whether the family has its own indicator `service-<famille>`. */
  indicateur: boolean;
  axe: AxeDcant | null;
}

export interface FamilleServices {
  famille: string;
  libelle: string;
  axe: AxeDcant;
  services: ServiceAnct[];
}

export function loadServicesAnct(path = resolve(PROJECT_ROOT, SERVICES_ANCT_FILE)): ServiceAnct[] {
  const rows = readCsvFile<Record<string, string>>(path);
  const ids = new Set<string>();
  const families = new Map<string, ServiceAnct>();
  return rows.map((r, i) => {
    const where = `${path}, ligne ${i + 2}`;
    const id = (r.id ?? '').trim();
    if (!/^\d+$/.test(id)) throw new Error(`${where} : identifiant de service « ${r.id ?? ''} » invalide (nombre entier attendu, colonne id de services-quotidien.csv)`);
    if (ids.has(id)) throw new Error(`${where} : service ${id} déjà présent`);
    ids.add(id);
    const famille = (r.famille ?? '').trim();
    // The family becomes an indicator id and is written into SQL: keep it to a safe alphabet.
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(famille)) throw new Error(`${where} : famille « ${r.famille ?? ''} » invalide (minuscules, chiffres et tirets, par exemple proconnect)`);
    const indicateur = (r.indicateur ?? '').trim();
    if (indicateur !== 'oui' && indicateur !== 'non') throw new Error(`${where} : colonne indicateur « ${r.indicateur ?? ''} » (attendu : oui ou non)`);
    const axe = (r.axe ?? '').trim();
    if (indicateur === 'oui' && !AXES.includes(axe as AxeDcant)) throw new Error(`${where} : axe « ${axe} » inconnu pour un service qui a son indicateur (attendu : ${AXES.join(', ')})`);
    const s: ServiceAnct = {
      id,
      nom: (r.nom ?? '').trim(),
      nom_instance: (r.nom_instance ?? '').trim(),
      famille,
      libelle_famille: (r.libelle_famille ?? '').trim(),
      indicateur: indicateur === 'oui',
      axe: indicateur === 'oui' ? (axe as AxeDcant) : null,
    };
    if (s.nom === '' || s.libelle_famille === '') throw new Error(`${where} : nom ou libellé de famille vide`);
    const first = families.get(famille);
    if (first && (first.libelle_famille !== s.libelle_famille || first.indicateur !== s.indicateur || first.axe !== s.axe)) {
      throw new Error(`${where} : la famille « ${famille} » a un autre libellé, indicateur ou axe que sur la ligne de son premier service (${first.id})`);
    }
    families.set(famille, first ?? s);
    return s;
  });
}

let cached: ServiceAnct[] | undefined;
export function servicesAnct(): ServiceAnct[] {
  cached ??= loadServicesAnct();
  return cached;
}

/** The families that have their own indicator, in the order of their first service in the file. */
export function famillesAvecIndicateur(services: readonly ServiceAnct[] = servicesAnct()): FamilleServices[] {
  const out = new Map<string, FamilleServices>();
  for (const s of services) {
    if (!s.indicateur) continue;
    const f = out.get(s.famille) ?? { famille: s.famille, libelle: s.libelle_famille, axe: s.axe!, services: [] };
    f.services.push(s);
    out.set(s.famille, f);
  }
  return [...out.values()];
}
