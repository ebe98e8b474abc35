// The observatory's editions of June 2019 to October 2022 (`/api/old-procedures`): their fields, how each maps to
// today's indicator when the definition is the same, and the series kept apart (data/referentiels/vde-anciennes-editions.json).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../base/config.ts';
import { parseNumber } from '../base/csv.ts';
import { aUnObjectif, evaluerChamp, NON_RENSEIGNE, type Couleur, type DefinitionsVde, type Evaluation, type IndicateurVde } from './vde-definitions.ts';

export const METHODE_ANCIENNE = 'observatoire-2019';
export const METHODE_ACTUELLE = 'vde-2023';

type Lecture = 'texte' | 'note_sur_10' | 'pourcentage' | 'nombre';
const LECTURES: readonly Lecture[] = ['texte', 'note_sur_10', 'pourcentage', 'nombre'];

export interface Correspondance {
  /** Today's indicator (slug of vde-indicateurs.json). */
  indicateur: string;
  /** OldProcedure fields, in order of preference (the first not empty is read). */
  champs: string[];
  lecture: Lecture;
  /** Old text values (lower case, no accents) → today's level. */
  niveaux?: Record<string, string>;
  /** The status that -1 stood for. */
  moins_un?: string;
  definition: string;
}

/** A series of the old observatory that no indicator of today measures the same way. */
export interface IndicateurAncien {
  slug: string;
  libelle: string;
  position: number;
  champs: string[];
  lecture: Lecture;
  definition: string;
}

export interface DefinitionsAnciennes {
  version: string;
  methodes: { id: string; libelle: string; depuis: string }[];
  editions: { slug: string; display: string }[];
  valeurs_speciales: Record<string, string>;
  correspondances: Correspondance[];
  indicateurs: IndicateurAncien[];
  couleurs: { texte: Record<string, Couleur>; note_sur_10: { min: number; couleur: Couleur; niveau: string }[] };
}

export const ANCIENNES_PATH = resolve(PROJECT_ROOT, 'data/referentiels/vde-anciennes-editions.json');

/** Loads and checks the file; a broken file fails loudly with what is wrong. */
export function loadDefinitionsAnciennes(path = ANCIENNES_PATH, actuelles?: DefinitionsVde): DefinitionsAnciennes {
  let d: DefinitionsAnciennes;
  try {
    d = JSON.parse(readFileSync(path, 'utf8')) as DefinitionsAnciennes;
  } catch (error) {
    throw new Error(`${path} : définitions des anciennes éditions illisibles (${(error as Error).message}).`);
  }
  const fail = (what: string): never => {
    throw new Error(`${path} : ${what}`);
  };
  if (!Array.isArray(d.editions) || d.editions.length === 0) fail('liste « editions » absente ou vide.');
  for (const e of d.editions) if (!slugDate(e.slug)) fail(`édition « ${e.slug} » : identifiant illisible (attendu : AAAA-mois, par exemple 2019-juin).`);
  if (!Array.isArray(d.correspondances) || !Array.isArray(d.indicateurs)) fail('listes « correspondances » et « indicateurs » attendues.');
  const slugs = new Set<string>();
  for (const c of [...d.correspondances.map((x) => ({ ...x, slug: x.indicateur })), ...d.indicateurs]) {
    if (slugs.has(c.slug)) fail(`indicateur « ${c.slug} » en double.`);
    slugs.add(c.slug);
    if (!LECTURES.includes(c.lecture)) fail(`${c.slug} : lecture « ${c.lecture} » inconnue (attendu : ${LECTURES.join(', ')}).`);
    if (!Array.isArray(c.champs) || c.champs.length === 0) fail(`${c.slug} : aucun champ.`);
  }
  if (actuelles) for (const c of d.correspondances) if (!actuelles.indicateurs.some((i) => i.slug === c.indicateur)) fail(`correspondance vers « ${c.indicateur} », absent de vde-indicateurs.json.`);
  return d;
}

let cached: DefinitionsAnciennes | undefined;
export function definitionsAnciennes(): DefinitionsAnciennes {
  cached ??= loadDefinitionsAnciennes();
  return cached;
}

const MOIS = ['janvier', 'fevrier', 'mars', 'avril', 'mai', 'juin', 'juillet', 'aout', 'septembre', 'octobre', 'novembre', 'decembre'];
const sansAccents = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');

/**
 * An old edition's slug (`2019-juin`) as the last day of its month: the old editions have no period dates, and the
 * month is that of their publication. Null when the slug is not « year-month ».
 */
export function slugDate(slug: string): string | null {
  const m = /^(\d{4})-([a-zéèûô]+)$/.exec(slug.trim().toLowerCase());
  if (!m) return null;
  const month = MOIS.indexOf(sansAccents(m[2]!));
  if (month < 0) return null;
  const last = new Date(Date.UTC(Number(m[1]), month + 1, 0)).getUTCDate();
  return `${m[1]}-${String(month + 1).padStart(2, '0')}-${String(last).padStart(2, '0')}`;
}

/** « Juin 2019 » from `2019-juin`, when the file does not give the edition's name. */
export function slugNom(slug: string): string {
  const [year, month] = slug.split('-');
  return `${month!.charAt(0).toUpperCase()}${month!.slice(1)} ${year}`;
}

const key = (s: string) => sansAccents(s).toLowerCase().replace(/\s+/g, ' ').trim();

/** The first of the fields with a value, as text (numbers as written). */
function lire(p: Record<string, unknown>, champs: string[]): { champ: string; texte: string } | null {
  for (const champ of champs) {
    const v = p[champ];
    if (typeof v === 'number' && Number.isFinite(v)) return { champ, texte: String(v) };
    if (typeof v === 'string' && v.trim() !== '') return { champ, texte: v.trim() };
  }
  return null;
}

function couleurTexte(defs: DefinitionsAnciennes, texte: string): Couleur {
  return defs.couleurs.texte[key(texte)] ?? 'gray';
}

/** « Oui », « En cours »: an old text value as shown (first letter upper case). */
const affiche = (texte: string) => texte.charAt(0).toUpperCase() + texte.slice(1);

function statut(statut: string, texte: string | null): Evaluation {
  return { valeur_texte: texte, valeur_nombre: null, niveau: statut, libelle: statut === NON_RENSEIGNE ? null : statut, couleur: 'gray', objectif_atteint: null, statut_special: statut };
}

export type ResultatAncien = { ok: Evaluation } | { erreur: string };

/** An old value of a field mapped to today's indicator, read with today's levels and goal. */
export function evaluerCorrespondance(c: Correspondance, ind: IndicateurVde, p: Record<string, unknown>, defs: DefinitionsAnciennes, actuelles: DefinitionsVde): ResultatAncien {
  const lu = lire(p, c.champs);
  if (!lu) return { ok: statut(NON_RENSEIGNE, null) };
  const special = defs.valeurs_speciales[key(lu.texte)];
  if (special) return { ok: statut(special, lu.texte) };
  const fail = (r: { erreur: string }) => ({ erreur: `${lu.champ} : ${r.erreur}` });
  if (c.lecture === 'texte') {
    const niveau = c.niveaux?.[key(lu.texte)];
    const r = evaluerChamp(ind, { value: niveau ?? lu.texte, label: null, color: null }, 'pourcent', actuelles);
    if ('erreur' in r) return fail(r);
    // A level that no longer exists (« En cours », « Partiel » FranceConnect): kept as the old observatory showed it.
    if (r.inconnu) return { ok: { ...r.ok, niveau: affiche(lu.texte), libelle: affiche(lu.texte), couleur: couleurTexte(defs, lu.texte), objectif_atteint: aUnObjectif(ind) ? false : null } };
    return { ok: r.ok };
  }
  const n = parseNumber(lu.texte.replace(/\s*%$/, '').replace(/\s*\/\s*10$/, ''));
  if (n === null || Number.isNaN(n)) return { erreur: `${lu.champ} : « ${lu.texte} » n'est pas un nombre (attendu : ${c.lecture === 'pourcentage' ? 'un pourcentage' : c.lecture === 'note_sur_10' ? 'une note sur 10' : 'un nombre'})` };
  if (n === -1 && c.moins_un) return { ok: statut(c.moins_un, lu.texte) };
  const r = evaluerChamp(ind, { value: String(n), label: null, color: null }, 'pourcent', actuelles);
  if ('erreur' in r) return fail(r);
  return { ok: r.ok };
}

/** An old series kept apart: its level and colour are the old observatory's. */
export function evaluerAncien(a: IndicateurAncien, p: Record<string, unknown>, defs: DefinitionsAnciennes): ResultatAncien {
  const lu = lire(p, a.champs);
  if (!lu) return { ok: statut(NON_RENSEIGNE, null) };
  const special = defs.valeurs_speciales[key(lu.texte)];
  if (special) return { ok: statut(special, lu.texte) };
  if (a.lecture === 'texte') {
    const couleur = defs.couleurs.texte[key(lu.texte)];
    return { ok: { valeur_texte: lu.texte, valeur_nombre: null, niveau: affiche(lu.texte), libelle: affiche(lu.texte), couleur: couleur ?? 'gray', objectif_atteint: null, statut_special: null } };
  }
  const n = parseNumber(lu.texte.replace(/\s*\/\s*10$/, ''));
  if (n === null || Number.isNaN(n)) return { erreur: `${lu.champ} : « ${lu.texte} » n'est pas un nombre (attendu : une note sur 10)` };
  if (n < 0 || n > 10) return { erreur: `${lu.champ} : valeur hors limites « ${lu.texte} » (attendu : une note entre 0 et 10)` };
  const band = defs.couleurs.note_sur_10.find((b) => n >= b.min)!;
  return { ok: { valeur_texte: lu.texte, valeur_nombre: n, niveau: band.niveau, libelle: `${String(n).replace('.', ',')} / 10`, couleur: band.couleur, objectif_atteint: null, statut_special: null } };
}

/** Every indicator value of one OldProcedure: today's indicators it maps to, then the old series. */
export function evaluerAncienneDemarche(
  p: Record<string, unknown>,
  defs: DefinitionsAnciennes,
  actuelles: DefinitionsVde,
): { valeurs: { slug: string; e: Evaluation; unite: string | null }[]; erreurs: string[] } {
  const valeurs: { slug: string; e: Evaluation; unite: string | null }[] = [];
  const erreurs: string[] = [];
  for (const c of defs.correspondances) {
    const ind = actuelles.indicateurs.find((i) => i.slug === c.indicateur)!;
    const r = evaluerCorrespondance(c, ind, p, defs, actuelles);
    if ('erreur' in r) erreurs.push(r.erreur);
    else valeurs.push({ slug: ind.slug, e: r.ok, unite: ind.unite });
  }
  for (const a of defs.indicateurs) {
    const r = evaluerAncien(a, p, defs);
    if ('erreur' in r) erreurs.push(r.erreur);
    else valeurs.push({ slug: a.slug, e: r.ok, unite: a.lecture === 'note_sur_10' ? 'note sur 10' : null });
  }
  return { valeurs, erreurs };
}

/** Which method measures each indicator: today's mapped ones both, the others one each. */
export function methodesParIndicateur(actuelles: DefinitionsVde, defs = definitionsAnciennes()): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const i of actuelles.indicateurs) out.set(i.slug, defs.correspondances.some((c) => c.indicateur === i.slug) ? [METHODE_ANCIENNE, METHODE_ACTUELLE] : [METHODE_ACTUELLE]);
  for (const a of defs.indicateurs) out.set(a.slug, [METHODE_ANCIENNE]);
  return out;
}
