// The DCANT workstreams followed through surveys: data/referentiels/chantiers.csv, reviewed and committed.
// A new row is a new workstream (and a new indicator): no code to write.
import { resolve } from 'node:path';
import type { AxeDcant } from '../indicators/types.ts';
import { PROJECT_ROOT } from './config.ts';
import { readCsvFile, TYPES_COLLECTIVITE, type TypeCollectivite } from './referential.ts';

export const CHANTIERS_FILE = 'data/referentiels/chantiers.csv';
const AXES: readonly AxeDcant[] = ['gouvernance-partagee', 'socle-commun', 'approche-globale-donnee', 'passage-echelle'];

/** One type of collectivité, optionally above a population (municipale) threshold. */
export interface Perimetre {
  type: TypeCollectivite;
  /** `>` (strictly more than, as in "communes de plus de 3 500 habitants") or `>=`. */
  operateur: '>' | '>=' | null;
  population: number | null;
}

export interface Chantier {
  id: string;
  libelle: string;
  axe: AxeDcant;
  /** Who the workstream is for: answers from other collectivités are kept but not counted. */
  concernees: Perimetre[];
  /** Who is under a legal obligation (a subset of `concernees`); empty when there is none. */
  obligees: Perimetre[];
  base_legale: string;
  note: string;
}

const TOKEN = /^(commune|epci|departement|region)(?:\s*(>=|>)\s*(\d+))?$/;

/** Parses `commune>3500;epci;departement;region`. */
export function parsePerimetre(text: string, where: string): Perimetre[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  return trimmed.split(';').map((part) => {
    const m = TOKEN.exec(part.trim().replace(/\s+/g, ' '));
    if (!m) {
      throw new Error(`${where} : « ${part.trim()} » n'est pas un périmètre (attendu : ${TYPES_COLLECTIVITE.join(', ')}, suivi au besoin d'un seuil de population, par exemple commune>3500)`);
    }
    return { type: m[1] as TypeCollectivite, operateur: (m[2] as '>' | '>=' | undefined) ?? null, population: m[3] === undefined ? null : Number(m[3]) };
  });
}

export function loadChantiers(path = resolve(PROJECT_ROOT, CHANTIERS_FILE)): Chantier[] {
  const rows = readCsvFile<Record<string, string>>(path);
  const ids = new Set<string>();
  return rows.map((r, i) => {
    const where = `${path}, ligne ${i + 2}`;
    const id = (r.id ?? '').trim();
    // The id becomes an indicator id and is written into SQL: keep it to a safe alphabet.
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id)) throw new Error(`${where} : identifiant « ${r.id} » invalide (minuscules, chiffres et tirets, par exemple sve-urbanisme)`);
    if (ids.has(id)) throw new Error(`${where} : identifiant « ${id} » déjà utilisé`);
    ids.add(id);
    const axe = (r.axe ?? '').trim() as AxeDcant;
    if (!AXES.includes(axe)) throw new Error(`${where} : axe « ${r.axe} » inconnu (attendu : ${AXES.join(', ')})`);
    const libelle = (r.libelle ?? '').trim();
    if (libelle === '') throw new Error(`${where} : libellé vide`);
    const concernees = parsePerimetre(r.concernees ?? '', `${where}, colonne concernees`);
    if (concernees.length === 0) throw new Error(`${where} : colonne concernees vide (au moins un type de collectivité attendu)`);
    const obligees = parsePerimetre(r.obligees ?? '', `${where}, colonne obligees`);
    for (const o of obligees) {
      if (!concernees.some((c) => c.type === o.type)) throw new Error(`${where} : les obligées (${o.type}) doivent faire partie des concernées`);
    }
    const base = (r.base_legale ?? '').trim();
    if (obligees.length > 0 && base === '') throw new Error(`${where} : une obligation sans base légale (colonne base_legale vide)`);
    return { id, libelle, axe, concernees, obligees, base_legale: base, note: (r.note ?? '').trim() };
  });
}

let cached: Chantier[] | undefined;
export function chantiers(): Chantier[] {
  cached ??= loadChantiers();
  return cached;
}

/** SQL condition on `ref_collectivites` aliased `c`; NULL populations do not meet a threshold. */
export function perimetreSql(perimetre: readonly Perimetre[]): string {
  if (perimetre.length === 0) return 'FALSE';
  return perimetre
    .map((p) => `(c.type_collectivite = '${p.type}'${p.operateur ? ` AND coalesce(c.population ${p.operateur} ${p.population}, FALSE)` : ''})`)
    .join(' OR ');
}

const NOMS: Record<TypeCollectivite, string> = { commune: 'communes', epci: 'EPCI à fiscalité propre', departement: 'départements', region: 'régions' };

/** « communes de plus de 3 500 habitants, EPCI à fiscalité propre » */
export function describePerimetre(perimetre: readonly Perimetre[]): string {
  const fmt = (n: number) => n.toLocaleString('fr-FR').replace(/\u202f|\u00a0/g, ' ');
  return perimetre
    .map((p) => (p.operateur ? `${NOMS[p.type]} ${p.operateur === '>' ? 'de plus de' : "d'au moins"} ${fmt(p.population!)} habitants` : NOMS[p.type]))
    .join(', ');
}
