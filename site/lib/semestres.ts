// The INP's semester review: every indicator this semester against the previous semester it was computed for,
// grouped by workstream, its measured indicator first.
import { chantiersParAxe, chantiersVues, type ChantierVue } from './chantiers.ts';
import { type BarometreRow, type IndicatorDefinition, lignesIndicateur, type SiteData, TYPE_ORDER } from './data.ts';
import { formatInteger, formatPercent, formatPeriode } from './format.ts';

export type Sens = 'hausse' | 'baisse' | 'stable';
/** Why two semesters cannot be compared: first semester computed, no value before, a methodology break, or a withheld rate. */
export type NonComparable = 'premier' | 'absente' | 'rupture' | 'effectif';

/** Below half a tenth of a point the change does not show at the precision published: "stable". */
export const SEUIL_STABLE_POINTS = 0.05;

export interface Comparaison {
  /** Change of the rate, in percentage points; null when not comparable. */
  ecart: number | null;
  sens: Sens | null;
  nonComparable: NonComparable | null;
}

/** Compares a rate with the same series' rate at an earlier semester. */
export function comparer(actuel: BarometreRow, precedent: BarometreRow | null | undefined): Comparaison {
  if (!precedent) return { ecart: null, sens: null, nonComparable: 'absente' };
  // rupture_serie marks the first semester of a new method; a skipped semester can hide it, hence the version check.
  if (actuel.rupture_serie || actuel.methode_version !== precedent.methode_version) return { ecart: null, sens: null, nonComparable: 'rupture' };
  if (actuel.statut !== 'ok' || precedent.statut !== 'ok' || actuel.taux === null || precedent.taux === null) return { ecart: null, sens: null, nonComparable: 'effectif' };
  const ecart = (actuel.taux - precedent.taux) * 100;
  const sens: Sens = Math.abs(ecart) < SEUIL_STABLE_POINTS ? 'stable' : ecart > 0 ? 'hausse' : 'baisse';
  return { ecart, sens, nonComparable: null };
}

const points = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** "+1,2 point", "−3,0 points", "0,0 point" (a true minus sign, the French plural from 2). */
export function formatPoints(ecart: number): string {
  const rounded = Math.round(ecart * 10) / 10;
  const abs = Math.abs(rounded);
  const sign = rounded > 0 ? '+' : rounded < 0 ? '−' : '';
  return `${sign}${points.format(abs)}\u00a0point${abs >= 2 ? 's' : ''}`;
}

export const SENS_MOTS: Record<Sens, { fleche: string; mots: string }> = {
  hausse: { fleche: '↑', mots: 'en hausse' },
  baisse: { fleche: '↓', mots: 'en baisse' },
  stable: { fleche: '→', mots: 'stable' },
};

export const NON_COMPARABLE_MOTS: Record<NonComparable, string> = {
  premier: 'premier semestre calculé',
  absente: 'pas de valeur au semestre de comparaison',
  rupture: 'non comparable : changement de méthode (rupture de série)',
  effectif: 'non comparable : effectif insuffisant',
};

/** The semester before: 2021-S1 → 2020-S2. */
export function semestrePrecedent(periode: string): string {
  const m = /^(\d{4})-S([12])$/.exec(periode);
  if (!m) throw new Error(`période « ${periode} » invalide (attendu AAAA-S1 ou AAAA-S2)`);
  return m[2] === '2' ? `${m[1]}-S1` : `${Number(m[1]) - 1}-S2`;
}

const TYPE_TITRE: Record<string, string> = { commune: 'Communes', epci: 'EPCI à fiscalité propre', departement: 'Départements', region: 'Régions' };

export function libelleLigne(r: Pick<BarometreRow, 'type_collectivite' | 'strate'>): string {
  const type = TYPE_TITRE[r.type_collectivite] ?? r.type_collectivite;
  if (r.type_collectivite !== 'commune') return type;
  return r.strate === 'obligees' ? 'Communes soumises à l’obligation' : 'Communes, toutes';
}

export interface LigneSemestre extends Comparaison {
  libelle: string;
  actuel: BarometreRow;
  precedent: BarometreRow | null;
}

export interface IndicateurSemestre {
  indicateur: IndicatorDefinition;
  periode: string;
  /** The semester compared with: the indicator's latest semester before this one (not always the one just before). */
  periodePrecedente: string | null;
  /** True when the comparison skips semesters without data. */
  ecartDeSemestres: boolean;
  /** Survey indicators: the rate is a share of respondents. */
  enquete: boolean;
  lignes: LigneSemestre[];
}

/** National rows shown in the review: every type as a whole, and communes under the obligation. */
function retenue(r: BarometreRow): boolean {
  return r.niveau === 'national' && (r.strate === 'toutes' || (r.type_collectivite === 'commune' && r.strate === 'obligees'));
}

const retenues = new WeakMap<readonly BarometreRow[], Map<string, BarometreRow[]>>();

/** An indicator's rows shown in the review, picked once per build (the review of every semester reads them). */
function lignesRetenues(rows: readonly BarometreRow[], indicateur: string): BarometreRow[] {
  let parIndicateur = retenues.get(rows);
  if (!parIndicateur) retenues.set(rows, (parIndicateur = new Map()));
  let list = parIndicateur.get(indicateur);
  if (!list) parIndicateur.set(indicateur, (list = lignesIndicateur(rows, indicateur).filter(retenue)));
  return list;
}

const ordre = (r: BarometreRow) => TYPE_ORDER.indexOf(r.type_collectivite) * 2 + (r.strate === 'obligees' ? 1 : 0);

/** Every indicator with data at `periode`, each row compared with the indicator's previous semester. */
export function revueSemestre(data: Pick<SiteData, 'barometre' | 'indicateurs'>, periode: string): IndicateurSemestre[] {
  const out: IndicateurSemestre[] = [];
  for (const indicateur of data.indicateurs) {
    const rows = lignesRetenues(data.barometre, indicateur.id);
    const actuels = rows.filter((r) => r.periode === periode).sort((a, b) => ordre(a) - ordre(b));
    if (actuels.length === 0) continue;
    const avant = [...new Set(rows.map((r) => r.periode).filter((p) => p < periode))].sort();
    const periodePrecedente = avant.at(-1) ?? null;
    const precedents = rows.filter((r) => r.periode === periodePrecedente);
    out.push({
      indicateur,
      periode,
      periodePrecedente,
      ecartDeSemestres: periodePrecedente !== null && periodePrecedente !== semestrePrecedent(periode),
      enquete: indicateur.nature === 'declaration',
      lignes: actuels.map((actuel) => {
        const precedent = precedents.find((p) => p.type_collectivite === actuel.type_collectivite && p.strate === actuel.strate) ?? null;
        const comparaison: Comparaison = periodePrecedente === null ? { ecart: null, sens: null, nonComparable: 'premier' } : comparer(actuel, precedent);
        return { libelle: libelleLigne(actuel), actuel, precedent, ...comparaison };
      }),
    });
  }
  return out;
}

/** A rate as shown in the review: "12,5 % (5 sur 40)", or "effectif insuffisant (3)" — never 0 % for a withheld rate. */
export function tauxEnMots(r: BarometreRow | null): string {
  if (!r) return '—';
  if (r.statut !== 'ok' || r.taux === null) return `effectif insuffisant (${formatInteger(r.concernees)})`;
  return `${formatPercent(r.taux)} (${formatInteger(r.atteintes)} sur ${formatInteger(r.concernees)})`;
}

export interface SemestreResume {
  periode: string;
  titre: string;
  indicateurs: number;
  hausses: number;
  baisses: number;
  stables: number;
  nonComparables: number;
  publie: string | null;
}

/** Semesters with data, newest first, each with how its rows moved. */
export function listeSemestres(data: Pick<SiteData, 'barometre' | 'indicateurs'>): SemestreResume[] {
  return [...new Set(data.barometre.map((r) => r.periode))]
    .sort()
    .reverse()
    .map((periode) => {
      const revue = revueSemestre(data, periode);
      const lignes = revue.flatMap((i) => i.lignes);
      return {
        periode,
        titre: formatPeriode(periode),
        indicateurs: revue.length,
        hausses: lignes.filter((l) => l.sens === 'hausse').length,
        baisses: lignes.filter((l) => l.sens === 'baisse').length,
        stables: lignes.filter((l) => l.sens === 'stable').length,
        nonComparables: lignes.filter((l) => l.sens === null).length,
        publie: data.barometre.find((r) => r.periode === periode && r.edition !== null)?.edition ?? null,
      };
    });
}

/** "3 en hausse, 1 stable et 2 non comparables" (parts with a zero count are left out). */
export function resumeMouvements(s: Pick<SemestreResume, 'hausses' | 'baisses' | 'stables' | 'nonComparables'>): string {
  const parts = [
    s.hausses > 0 ? `${s.hausses} en hausse` : null,
    s.baisses > 0 ? `${s.baisses} en baisse` : null,
    s.stables > 0 ? `${s.stables} stable${s.stables > 1 ? 's' : ''}` : null,
    s.nonComparables > 0 ? `${s.nonComparables} sans comparaison possible` : null,
  ].filter((x): x is string => x !== null);
  if (parts.length === 0) return 'aucune série';
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} et ${parts.at(-1)}`;
}

/** Per indicator: the sources, data date, method version and edition behind this semester's rows. */
export function donneesDuSemestre(revue: IndicateurSemestre[]): { indicateur: string; sources: string; date: string | null; version: string; edition: string | null }[] {
  return revue.map((i) => ({
    indicateur: i.indicateur.label,
    sources: [...new Set(i.lignes.flatMap((l) => l.actuel.source.split('+')))].join(', '),
    date: i.lignes.map((l) => l.actuel.date_donnees).sort().at(-1) ?? null,
    version: [...new Set(i.lignes.map((l) => l.actuel.methode_version))].join(', '),
    edition: i.lignes.find((l) => l.actuel.edition)?.actuel.edition ?? null,
  }));
}

export interface ChantierSemestre {
  chantier: ChantierVue;
  /** Its indicators with national values this semester, the principal one (measured before declared) first. */
  indicateurs: IndicateurSemestre[];
}

/** The review by workstream, in the order of the axes; the workstreams without any value this semester apart. */
export function revueParChantier(data: Pick<SiteData, 'barometre' | 'indicateurs' | 'chantiers'>, periode: string): { chantiers: ChantierSemestre[]; sansDonnees: ChantierVue[] } {
  const chantiers: ChantierSemestre[] = [];
  const sansDonnees: ChantierVue[] = [];
  for (const chantier of chantiersParAxe(chantiersVues(data)).flatMap((a) => a.chantiers)) {
    const indicateurs = revueSemestre({ barometre: data.barometre, indicateurs: chantier.indicateurs }, periode);
    if (indicateurs.length > 0) chantiers.push({ chantier, indicateurs });
    else sansDonnees.push(chantier);
  }
  return { chantiers, sansDonnees };
}
