// The observatory's 12 indicators (data/referentiels/vde-indicateurs.json), and the rules that give a value its level.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../base/config.ts';
import { parseNumber } from '../base/csv.ts';

export const COULEURS = ['green', 'yellow', 'orange', 'red', 'blue', 'gray'] as const;
export type Couleur = (typeof COULEURS)[number];
/** `taux`: a fraction 0–1 in our tables and in the observatory's source table, compared in percent to the thresholds. */
export type Mesure = 'categorie' | 'note' | 'taux' | 'score' | 'duree_ms';
const MESURES: readonly Mesure[] = ['categorie', 'note', 'taux', 'score', 'duree_ms'];

export interface NiveauVde {
  /** The label the observatory displays; `X`s stand for the value (`X / 10`, `XX %`). */
  libelle: string;
  /** Name of the level, unique within the indicator (the observatory's `label_stats` when it has one). */
  niveau: string;
  couleur: Couleur;
  /** Lower bound (inclusive) in the observatory's unit (percent for `taux`); null for a level matched by its label. */
  seuil: number | null;
  objectif_atteint: boolean | null;
  description: string;
  /** Other spellings found in the data. */
  variantes?: string[];
}

export interface IndicateurVde {
  slug: string;
  libelle: string;
  position: number;
  colonne_csv: string;
  categorie: string;
  mesure: Mesure;
  unite: string | null;
  /** Accepted range of the value in our unit (fraction for `taux`); null upper bound: none. */
  bornes: [number, number | null] | null;
  niveaux: NiveauVde[];
}

export interface DefinitionsVde {
  version: string;
  min_avis: number;
  statuts_speciaux: { statut: string; variantes: string[] }[];
  indicateurs: IndicateurVde[];
  _provenance: { depot: string; commit: string; chemins: string[] };
}

export const DEFINITIONS_PATH = resolve(PROJECT_ROOT, 'data/referentiels/vde-indicateurs.json');
export const NON_RENSEIGNE = 'Non renseigné';

/** Loads and checks the definitions; a broken file fails loudly with what is wrong. */
export function loadVdeDefinitions(path = DEFINITIONS_PATH): DefinitionsVde {
  let d: DefinitionsVde;
  try {
    d = JSON.parse(readFileSync(path, 'utf8')) as DefinitionsVde;
  } catch (error) {
    throw new Error(`${path} : définitions des indicateurs illisibles (${(error as Error).message}).`);
  }
  const fail = (what: string) => {
    throw new Error(`${path} : ${what}`);
  };
  if (!Array.isArray(d.indicateurs) || d.indicateurs.length === 0) fail('liste « indicateurs » absente ou vide.');
  const slugs = new Set<string>();
  const columns = new Set<string>();
  for (const ind of d.indicateurs) {
    if (!ind.slug || slugs.has(ind.slug)) fail(`slug « ${ind.slug} » vide ou en double.`);
    if (!ind.colonne_csv || columns.has(ind.colonne_csv)) fail(`colonne « ${ind.colonne_csv} » vide ou en double (${ind.slug}).`);
    slugs.add(ind.slug);
    columns.add(ind.colonne_csv);
    if (!MESURES.includes(ind.mesure)) fail(`${ind.slug} : mesure « ${ind.mesure} » inconnue (attendu : ${MESURES.join(', ')}).`);
    if (!Array.isArray(ind.niveaux) || ind.niveaux.length === 0) fail(`${ind.slug} : aucun niveau.`);
    const names = new Set<string>();
    for (const n of ind.niveaux) {
      if (names.has(n.niveau)) fail(`${ind.slug} : niveau « ${n.niveau} » en double.`);
      names.add(n.niveau);
      if (!COULEURS.includes(n.couleur)) fail(`${ind.slug} : couleur « ${n.couleur} » inconnue (attendu : ${COULEURS.join(', ')}).`);
    }
    if (ind.mesure !== 'categorie' && !ind.niveaux.some((n) => n.seuil === 0)) fail(`${ind.slug} : aucun niveau de seuil 0, une valeur pourrait rester sans niveau.`);
  }
  if (!Array.isArray(d.statuts_speciaux)) fail('liste « statuts_speciaux » absente.');
  return d;
}

let cached: DefinitionsVde | undefined;
export function vdeDefinitions(): DefinitionsVde {
  cached ??= loadVdeDefinitions();
  return cached;
}

// ---------------------------------------------------------------------------------------------
// Titles and identity

/** As the observatory does when it imports a title: the 📄 emoji and `#` removed, trimmed. */
export function nettoyerTitre(title: string): string {
  return title.replace(/(?:\uD83D\uDCC4|#)/g, '').replace(/\s+/g, ' ').trim();
}

/** The observatory's `title_normalized`: accents stripped (NFD, U+0300–U+036F); case and punctuation kept. */
export function titreNormaliseObservatoire(title: string): string {
  return nettoyerTitre(title).normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

/**
 * Our identity key for a procedure across editions: the observatory's normalisation, then lower case,
 * ligatures spelled out, and every run of anything but letters and digits turned into one space.
 * Stricter than the observatory's, so that a change of case or punctuation between editions keeps the identity.
 */
export function cleDemarche(title: string): string {
  return titreNormaliseObservatoire(title)
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

// ---------------------------------------------------------------------------------------------
// Special values and levels

/** Comparison key for labels: case, accents, spaces and punctuation ignored, `+` kept (FranceConnect +). */
function labelKey(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9+/]/g, '');
}

/** The special status a text stands for (« À venir », « Non applicable »…), or null. Empty or a dash: « Non renseigné ». */
export function statutSpecial(text: string | null | undefined, defs = vdeDefinitions()): string | null {
  const key = labelKey(text ?? '');
  if (key === '') return NON_RENSEIGNE;
  for (const s of defs.statuts_speciaux) if (s.variantes.some((v) => labelKey(v) === key && key !== '')) return s.statut;
  return null;
}

export function aUnObjectif(ind: IndicateurVde): boolean {
  return ind.niveaux.some((n) => n.objectif_atteint === true);
}

const isTemplate = (libelle: string) => /X{1,5}/.test(libelle);

/** The level whose label (or a variant) is the text; levels whose label is a template (`X / 10`) never match a text. */
export function niveauParLibelle(ind: IndicateurVde, text: string): NiveauVde | null {
  const key = labelKey(text);
  if (key === '') return null;
  return ind.niveaux.find((n) => !isTemplate(n.libelle) && [n.libelle, n.niveau, ...(n.variantes ?? [])].some((l) => labelKey(l) === key)) ?? null;
}

/** The value as the observatory compares it: a `taux` in percent rounded to the tenth, anything else as is. */
export function valeurComparee(ind: IndicateurVde, value: number): number {
  return ind.mesure === 'taux' ? Number((value * 100).toFixed(1)) : value;
}

/** Levels sorted by threshold, highest first; the first whose threshold is at most the value wins (the observatory's rule). */
export function niveauParValeur(ind: IndicateurVde, value: number): NiveauVde | null {
  const v = valeurComparee(ind, value);
  return (
    ind.niveaux
      .filter((n) => n.seuil !== null)
      .sort((a, b) => b.seuil! - a.seuil!)
      .find((n) => n.seuil! <= v) ?? null
  );
}

/** The label as the observatory shows it: `8.2 / 10`, `85.3 %`. */
export function libelleAffiche(ind: IndicateurVde, level: NiveauVde, value: number): string {
  if (!isTemplate(level.libelle)) return level.libelle;
  const shown = ind.mesure === 'taux' ? (value * 100).toFixed(1).replace(/\.0$/, '') : (Math.round(value * 10) / 10).toFixed(1);
  return level.libelle.replace(/X{1,5}/g, shown);
}

export interface Evaluation {
  valeur_texte: string | null;
  valeur_nombre: number | null;
  niveau: string | null;
  libelle: string | null;
  couleur: string | null;
  objectif_atteint: boolean | null;
  statut_special: string | null;
}

export type Resultat = { ok: Evaluation; divergence?: boolean; inconnu?: boolean } | { erreur: string };

function objectif(ind: IndicateurVde, level: NiveauVde): boolean | null {
  return aUnObjectif(ind) ? level.objectif_atteint === true : null;
}

/** A special status keeps its text; never a number, never a reached or missed goal. */
function special(ind: IndicateurVde, statut: string, raw: string | null): Evaluation {
  const level = niveauParLibelle(ind, statut);
  return {
    valeur_texte: raw === null || raw.trim() === '' ? null : raw.trim(),
    valeur_nombre: null,
    niveau: statut,
    // The observatory shows « - » for a missing value; null says it plainly (and a leading « - » would be neutralised in CSV exports).
    libelle: statut === NON_RENSEIGNE ? null : (level?.libelle ?? statut),
    couleur: level?.couleur ?? 'gray',
    objectif_atteint: null,
    statut_special: statut,
  };
}

/** Checks the value in our unit; the message quotes the value as found, with the range in the file's unit. */
function inRange(ind: IndicateurVde, n: number, text: string, pourcent: boolean): string | null {
  if (!ind.bornes) return null;
  const [lo, hi] = ind.bornes;
  if (n >= lo && (hi === null || n <= hi)) return null;
  if (pourcent) return `valeur hors limites « ${text} » (attendu : un pourcentage entre ${lo * 100} et ${hi! * 100})`;
  const range = hi === null ? `${lo} ou plus` : `entre ${lo} et ${hi}`;
  const hint = ind.mesure === 'taux' ? ' ; un taux s’écrit en fraction, 0.85 pour 85 %' : '';
  return `valeur hors limites « ${text} » (attendu : ${range}${hint})`;
}

function expected(ind: IndicateurVde, defs: DefinitionsVde): string {
  const labels = ind.niveaux.filter((n) => !isTemplate(n.libelle)).map((n) => n.libelle);
  const specials = defs.statuts_speciaux.map((s) => s.statut).filter((s) => s !== NON_RENSEIGNE && !labels.includes(s));
  const number = ind.mesure === 'categorie' ? [] : [`un nombre ${ind.bornes?.[1] === null ? `positif` : `entre ${ind.bornes?.[0]} et ${ind.bornes?.[1]}`}`];
  return [...number, ...[...labels, ...specials].map((l) => `« ${l} »`)].join(', ');
}

function numeric(ind: IndicateurVde, n: number, text: string, pourcent = false): Resultat {
  const out = inRange(ind, n, text, pourcent);
  if (out) return { erreur: out };
  const level = niveauParValeur(ind, n);
  if (!level) return { erreur: `aucun niveau pour la valeur « ${text} »` };
  return {
    ok: { valeur_texte: text, valeur_nombre: n, niveau: level.niveau, libelle: libelleAffiche(ind, level, n), couleur: level.couleur, objectif_atteint: objectif(ind, level), statut_special: null },
  };
}

/** A cell of the observatory's source table (CSV): number, level label, or special status. */
export function evaluerCellule(ind: IndicateurVde, cell: string | undefined, defs = vdeDefinitions()): Resultat {
  const text = (cell ?? '').trim();
  const statut = statutSpecial(text, defs);
  if (statut) return { ok: special(ind, statut, text) };
  if (ind.mesure !== 'categorie') {
    const n = parseNumber(text);
    if (n !== null && !Number.isNaN(n)) return numeric(ind, n, text);
  }
  const level = niveauParLibelle(ind, text);
  if (level) return { ok: { valeur_texte: text, valeur_nombre: null, niveau: level.niveau, libelle: level.libelle, couleur: level.couleur, objectif_atteint: objectif(ind, level), statut_special: null } };
  return { erreur: `valeur « ${text} » inattendue (attendu : ${expected(ind, defs)})` };
}

export interface ChampApi {
  slug?: unknown;
  label?: unknown;
  value?: unknown;
  color?: unknown;
  goalReached?: unknown;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null);

/**
 * A field of the observatory's API. Its published colour and goal win over ours (they are the observatory's own
 * judgement); ours fill them in when absent (older editions have no `goalReached`). `echelle` says whether this
 * edition publishes its rates in percent or in fractions.
 */
export function evaluerChamp(ind: IndicateurVde, field: ChampApi, echelle: 'pourcent' | 'fraction', defs = vdeDefinitions()): Resultat {
  const label = str(field.label);
  let value = str(field.value);
  if (value === 'NaN') value = null;
  const color = typeof field.color === 'string' && (COULEURS as readonly string[]).includes(field.color) ? field.color : null;
  const goal = typeof field.goalReached === 'boolean' ? field.goalReached : null;
  const isLink = value !== null && /^https?:\/\//i.test(value);
  const shown = value !== null && !isLink ? value : label;

  const statutValue = value !== null && !isLink ? statutSpecial(value, defs) : null;
  const statutLabel = statutSpecial(label, defs);
  const statut = statutValue && statutValue !== NON_RENSEIGNE ? statutValue : statutLabel && statutLabel !== NON_RENSEIGNE ? statutLabel : null;
  if (statut) {
    const e = special(ind, statut, shown);
    return { ok: { ...e, libelle: label ?? e.libelle, couleur: color ?? e.couleur } };
  }
  if ((value === null || isLink || statutValue === NON_RENSEIGNE) && statutLabel === NON_RENSEIGNE) return { ok: special(ind, NON_RENSEIGNE, null) };

  if (ind.mesure !== 'categorie' && value !== null && !isLink) {
    const raw = parseNumber(value);
    if (raw !== null && !Number.isNaN(raw)) {
      const pourcent = ind.mesure === 'taux' && echelle === 'pourcent';
      const n = pourcent ? Number((raw / 100).toPrecision(12)) : raw;
      const r = numeric(ind, n, value, pourcent);
      if ('erreur' in r) return r;
      const computed = ind.niveaux.find((l) => l.niveau === r.ok.niveau)!;
      const published = color ? ind.niveaux.find((l) => l.seuil !== null && l.couleur === color) : undefined;
      const level = published ?? computed;
      return {
        ok: {
          ...r.ok,
          niveau: level.niveau,
          libelle: label ?? r.ok.libelle,
          couleur: color ?? level.couleur,
          objectif_atteint: aUnObjectif(ind) ? (goal ?? level.objectif_atteint === true) : null,
        },
        divergence: color !== null && color !== computed.couleur,
      };
    }
  }
  const level = (label !== null ? niveauParLibelle(ind, label) : null) ?? (value !== null && !isLink ? niveauParLibelle(ind, value) : null);
  if (level) {
    return {
      ok: {
        valeur_texte: shown,
        valeur_nombre: null,
        niveau: level.niveau,
        libelle: label ?? level.libelle,
        couleur: color ?? level.couleur,
        objectif_atteint: aUnObjectif(ind) ? (goal ?? level.objectif_atteint === true) : null,
        statut_special: null,
      },
      divergence: color !== null && color !== level.couleur,
    };
  }
  // Published, but matching none of our levels: kept as the observatory shows it.
  return { ok: { valeur_texte: shown, valeur_nombre: null, niveau: label, libelle: label, couleur: color, objectif_atteint: aUnObjectif(ind) ? goal : null, statut_special: null }, inconnu: true };
}
