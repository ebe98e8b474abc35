// The levels of the contours (contours.ts): département, région or EPCI, their referential entries, and the level
// of a file whose features do not say it.
import { normalizeName, type Referential } from '../referential/referential.ts';

export type Niveau = 'departement' | 'region' | 'epci';
export const NIVEAUX: readonly Niveau[] = ['departement', 'region', 'epci'];

// --- Levels ----------------------------------------------------------------------------------------

export function entry(ref: Referential, niveau: Niveau, code: string) {
  return niveau === 'departement' ? ref.departementByCode.get(code) : niveau === 'region' ? ref.regionByCode.get(code) : ref.epciBySiren.get(code);
}

export function referentialCodes(ref: Referential, niveau: Niveau): string[] {
  const map = niveau === 'departement' ? ref.departementByCode : niveau === 'region' ? ref.regionByCode : ref.epciBySiren;
  return [...map.keys()];
}

/** Codes as the COG writes them: a one-digit département or région code takes its leading zero. */
export function normalizeCode(value: unknown): string {
  const s = (typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '').trim().toUpperCase();
  return /^\d$/.test(s) ? `0${s}` : s;
}

export function niveauOf(value: unknown): Niveau | null {
  const s = typeof value === 'string' ? value.trim().toLowerCase().normalize('NFD').replace(/\p{Diacritic}/gu, '') : '';
  return (NIVEAUX as readonly string[]).includes(s) ? (s as Niveau) : null;
}

export function niveauFromFileName(origin: string): Niveau | null {
  const name = (origin.split(/[/\\]/).pop() ?? '').normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();
  const found = NIVEAUX.filter((n) => (n === 'epci' ? /epci/ : n === 'region' ? /region/ : /departement/).test(name));
  return found.length === 1 ? found[0]! : null;
}

/**
 * The level of a file whose features do not say it. Région codes are also département codes (01 is
 * Guadeloupe and Ain), so the codes alone cannot tell: the file name decides when it names one level;
 * otherwise each level scores the features whose code and name both match its referential entry; as a
 * last resort, codes that only départements have (2A, 2B, 971…) or nine-digit SIREN decide.
 */
export function detectNiveau(features: { code: string; nom: string }[], origin: string, ref: Referential): { niveau: Niveau; how: string } | null {
  const byName = niveauFromFileName(origin);
  if (byName) return { niveau: byName, how: 'du nom du fichier' };
  const scores = NIVEAUX.map((niveau) => ({
    niveau,
    score: features.filter((f) => {
      const e = entry(ref, niveau, f.code);
      return e !== undefined && normalizeName(e.nom) === normalizeName(f.nom);
    }).length,
  })).sort((a, b) => b.score - a.score);
  if (scores[0]!.score > 0 && scores[0]!.score > scores[1]!.score) return { niveau: scores[0]!.niveau, how: `des codes et des noms (${scores[0]!.score} sur ${features.length} reconnus)` };
  if (features.length > 0 && features.every((f) => /^\d{9}$/.test(f.code))) return { niveau: 'epci', how: 'des codes (SIREN à 9 chiffres)' };
  if (features.some((f) => /^(2A|2B|97\d)$/.test(f.code))) return { niveau: 'departement', how: 'des codes (2A, 2B ou 97x)' };
  return null;
}
