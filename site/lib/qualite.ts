// The data-quality report (qualite.json, written by `barometre compute`) in words: freshness, volumes, rejects, coverage.
import { qualite, TYPE_LABELS } from './data.ts';
import { formatDate, formatInteger, formatPercent } from './format.ts';

import type { SourceQuality } from '../../indicators/quality.ts';

// The report's shape, from the code that writes it (type-only import); the parser below stays defensive.
export type SourceQualite = SourceQuality;
export type Fraicheur = SourceQuality['fraicheur'];

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const arr = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? (v as Record<string, unknown>[]) : []);

function parseSuspect(v: unknown): SourceQualite['chargement_suspect'] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const r = v as Record<string, unknown>;
  const le = str(r.le);
  if (!le) return null;
  const c = str(r.comparaison);
  return {
    le,
    lignes: num(r.lignes),
    lignes_attendues: num(r.lignes_attendues),
    rapprochees: num(r.rapprochees),
    rapprochees_attendues: num(r.rapprochees_attendues),
    comparaison: c === 'minimum' || c === 'prevu' ? c : 'precedent',
  };
}

/** Reads one row of qualite.json defensively: an unexpected value becomes null, never a wrong number. */
export function parseSourceQualite(r: Record<string, unknown>): SourceQualite {
  const f = str(r.fraicheur);
  return {
    source: str(r.source) ?? '?',
    titre: str(r.titre) ?? str(r.source) ?? '?',
    calendrier: str(r.calendrier) ?? '',
    dernier_statut: str(r.dernier_statut),
    dernier_essai: str(r.dernier_essai),
    derniere_reussite: str(r.derniere_reussite),
    origine: str(r.origine),
    date_donnees: str(r.date_donnees),
    age_jours: num(r.age_jours),
    intervalle_jours: num(r.intervalle_jours),
    fraicheur: f === 'a_jour' || f === 'en_retard' || f === 'echantillon' ? f : 'jamais_chargee',
    lignes_lues: num(r.lignes_lues),
    lignes_chargees: num(r.lignes_chargees),
    lignes_rejetees: num(r.lignes_rejetees),
    taux_rapprochement: num(r.taux_rapprochement),
    motifs_rejet: arr(r.motifs_rejet).map((m) => ({ motif: str(m.motif) ?? '?', lignes: num(m.lignes) ?? 0 })),
    couverture: arr(r.couverture).map((c) => ({ type_collectivite: str(c.type_collectivite) ?? '?', couvertes: num(c.couvertes) ?? 0, total: num(c.total) ?? 0, taux: num(c.taux) ?? 0 })),
    chargement_suspect: parseSuspect(r.chargement_suspect),
  };
}

export function rapportQualite(folder?: string): SourceQualite[] {
  return qualite(folder).map(parseSourceQualite);
}

export const FRAICHEUR_LABELS: Record<Fraicheur, string> = { a_jour: 'à jour', en_retard: 'en retard', jamais_chargee: 'jamais chargée', echantillon: "jeu d'exemple seulement" };

export const ORIGINE_LABELS: Record<string, string> = { live: 'en ligne', fichier: 'fichier local', fixture: "jeu d'exemple" };

const JOURS = ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi'];

/** "chaque lundi à 6 h", "le 2 de chaque mois à 5 h"; the cron expression itself when it is not one of these shapes. */
export function calendrierEnMots(cron: string): string {
  const m = /^(\d{1,2}) (\d{1,2}) (\*|\d{1,2}) \* (\*|[0-7])$/.exec(cron.trim());
  if (!m) return cron === '' ? '—' : `selon l'expression cron « ${cron} »`;
  const heure = `${Number(m[2])} h${m[1] === '0' || m[1] === '00' ? '' : ` ${m[1]!.padStart(2, '0')}`}`;
  if (m[3] !== '*' && m[4] === '*') return `le ${m[3] === '1' ? '1er' : Number(m[3])} de chaque mois à ${heure}`;
  if (m[3] === '*' && m[4] !== '*') return `chaque ${JOURS[Number(m[4]) % 7]} à ${heure}`;
  if (m[3] === '*' && m[4] === '*') return `chaque jour à ${heure}`;
  return `selon l'expression cron « ${cron} »`;
}

/** "moins d'un jour", "1 jour", "12 jours" (ages are given to the tenth of a day). */
export function ageEnMots(jours: number | null): string {
  if (jours === null) return '—';
  if (jours < 1) return "moins d'un jour";
  const n = Math.floor(jours);
  return `${formatInteger(n)} jour${n >= 2 ? 's' : ''}`;
}

export interface LigneQualite {
  source: string;
  titre: string;
  fraicheur: Fraicheur;
  fraicheurTexte: string;
  derniereReussite: string;
  age: string;
  calendrier: string;
  origine: string;
  dateDonnees: string;
  lues: string;
  chargees: string;
  rejetees: string;
  rapprochement: string;
  motifs: string[];
  couverture: string[];
  /** The load set aside by the volume guard, in a sentence; null when none is pending. */
  suspect: string | null;
}

/** What the figure was held to, after the figure itself. */
function attendu(c: NonNullable<SourceQualite['chargement_suspect']>, x: number | null): string {
  if (x === null) return '';
  if (c.comparaison === 'minimum') return ` (au moins ${formatInteger(x)} attendues d’un premier chargement de cette source)`;
  if (c.comparaison === 'prevu') return ` sur ${formatInteger(x)} prévues dans la tranche de visites`;
  return ` contre ${formatInteger(x)} au chargement réel précédent`;
}

/** « Chargement du 22 novembre 2026 mis de côté (volume suspect) : 7 lignes contre 41 230 au chargement réel précédent ; … » */
export function phraseSuspect(c: NonNullable<SourceQualite['chargement_suspect']>): string {
  const lignes = `${formatInteger(c.lignes)} ligne${(c.lignes ?? 0) >= 2 ? 's' : ''}${attendu(c, c.lignes_attendues)}`;
  const rapprochees = c.rapprochees === null ? '' : ` ; ${formatInteger(c.rapprochees)} collectivité${c.rapprochees >= 2 ? 's' : ''} rapprochée${c.rapprochees >= 2 ? 's' : ''}${attendu(c, c.rapprochees_attendues)}`;
  return `Chargement du ${formatDate(c.le)} mis de côté (volume suspect) : ${lignes}${rapprochees}. Les données précédentes restent utilisées.`;
}

/** Reasons are grouped by their text before " : ", which can cut a parenthesis open: close it visibly. */
export function fermerParentheses(motif: string): string {
  const open = (motif.match(/\(/g) ?? []).length - (motif.match(/\)/g) ?? []).length;
  return open > 0 ? `${motif}…${')'.repeat(open)}` : motif;
}

/** One row per source, in words and French numbers, ready for a table. */
export function lignesQualite(report: SourceQualite[]): LigneQualite[] {
  return report.map((q) => ({
    source: q.source,
    titre: q.titre,
    fraicheur: q.fraicheur,
    fraicheurTexte: FRAICHEUR_LABELS[q.fraicheur],
    derniereReussite: q.derniere_reussite ? formatDate(q.derniere_reussite) : 'aucun',
    age: ageEnMots(q.age_jours),
    calendrier: calendrierEnMots(q.calendrier),
    origine: q.origine ? (ORIGINE_LABELS[q.origine] ?? q.origine) : '—',
    dateDonnees: formatDate(q.date_donnees),
    lues: formatInteger(q.lignes_lues),
    chargees: formatInteger(q.lignes_chargees),
    rejetees: formatInteger(q.lignes_rejetees),
    rapprochement: formatPercent(q.taux_rapprochement),
    motifs: q.motifs_rejet.map((m) => `${fermerParentheses(m.motif)} : ${formatInteger(m.lignes)} ligne${m.lignes >= 2 ? 's' : ''}`),
    couverture: q.couverture.map((c) => `${TYPE_LABELS[c.type_collectivite]?.pluriel ?? c.type_collectivite} : ${formatInteger(c.couvertes)} sur ${formatInteger(c.total)} (${formatPercent(c.taux)})`),
    suspect: q.chargement_suspect ? phraseSuspect(q.chargement_suspect) : null,
  }));
}
