// What the home page says: one key figure per workstream (its principal indicator, measured before declared), at
// its latest semester, with its change since the semester before.
import { chantiersParAxe, chantiersVues, indicateurPrincipal } from './chantiers.ts';
import { levelColors } from './couleurs.ts';
import { type BarometreRow, type SiteData, TYPE_ORDER, latestPeriode } from './data.ts';
import { formatInteger, formatPeriode } from './format.ts';
import { type Variation, headline, indicatorHref, isSurvey, nationalRows, respondentsText, strateLongue, variation } from './indicateurs.ts';
import { previousPeriode } from './periodes.ts';

export interface KeyFigure {
  indicateur: string;
  label: string;
  /** The workstream the figure shows, and the nature of the figure in words. */
  chantier: string;
  nature: string;
  href: string;
  periode: string;
  /** Who the figure is about: "des communes soumises à l'obligation". */
  about: string;
  value: string;
  /** How many, in words: "7 sur 3 254", "4 sur 6 répondants", "1 répondant". */
  counts: string;
  fill: string | null;
  color: string | null;
  variation: Variation;
  row: BarometreRow;
  /** What the figure must be read with (a coverage, a load published below its usual volume…); null when nothing. */
  avertissement: string | null;
}

/**
 * The row that best sums an indicator up for a semester: the communes under the obligation when the indicator
 * has that strate and a rate for it; otherwise the whole type with the most collectivités concerned and a rate;
 * otherwise (nothing diffusable) the largest whole type, shown as withheld.
 */
export function headlineRow(rows: readonly BarometreRow[]): BarometreRow | null {
  const obligees = rows.find((r) => r.type_collectivite === 'commune' && r.strate === 'obligees' && r.statut === 'ok');
  if (obligees) return obligees;
  const wholes = rows
    .filter((r) => r.strate === 'toutes')
    .sort((a, b) => Number(b.statut === 'ok') - Number(a.statut === 'ok') || b.concernees - a.concernees || TYPE_ORDER.indexOf(a.type_collectivite) - TYPE_ORDER.indexOf(b.type_collectivite));
  return wholes[0] ?? null;
}

function about(data: SiteData, row: BarometreRow): string {
  const words = strateLongue(data, row.type_collectivite, row.strate);
  return words.startsWith('ensemble ') ? words.replace(/^ensemble /, '') : `des ${words}`;
}

export function countsText(row: BarometreRow, survey: boolean): string {
  const of = survey ? respondentsText(row.concernees) : formatInteger(row.concernees);
  if (row.statut !== 'ok') return survey ? of : `${of} collectivité${row.concernees > 1 ? 's' : ''} concernée${row.concernees > 1 ? 's' : ''}`;
  return `${formatInteger(row.atteintes)} sur ${of}`;
}

export function keyFigures(data: SiteData): KeyFigure[] {
  const out: KeyFigure[] = [];
  const chantiers = chantiersParAxe(chantiersVues(data)).flatMap((a) => a.chantiers);
  for (const chantier of chantiers) {
    const { indicateur: indicator, donnees } = indicateurPrincipal(chantier, (id) => latestPeriode(data, id) !== null);
    if (!indicator || !donnees) continue;
    const periode = latestPeriode(data, indicator.id);
    if (!periode) continue;
    const rows = nationalRows(data, indicator.id);
    const row = headlineRow(rows.filter((r) => r.periode === periode));
    if (!row) continue;
    const previous = rows.find((r) => r.periode === previousPeriode(periode) && r.type_collectivite === row.type_collectivite && r.strate === row.strate);
    const head = headline(indicator, row);
    const colors = row.statut === 'ok' ? levelColors(indicator.levels, head.value) : null;
    // A median of shares changes in points like a rate; a median of counts is not compared here.
    const median = indicator.unit === 'valeur';
    const asRate = (r: BarometreRow | undefined) => (r && median ? { ...r, taux: r.valeur_mediane ?? null } : r);
    out.push({
      indicateur: indicator.id,
      label: indicator.label,
      chantier: chantier.libelle,
      nature: indicator.nature_libelle,
      href: indicatorHref(indicator.id, row.type_collectivite, row.strate),
      periode,
      about: about(data, row),
      value: head.text,
      counts: median && row.statut === 'ok' ? `médiane de ${formatInteger(row.concernees)} collectivités ; objectif atteint par ${formatInteger(row.atteintes)}` : countsText(row, isSurvey(indicator)),
      fill: colors?.fill ?? null,
      color: colors?.text ?? null,
      variation: median && indicator.valeur?.forme !== 'part' ? { kind: 'absent', points: null, arrow: '', text: 'évolution de la médiane non calculée' } : variation(asRate(row), asRate(previous)),
      row,
      avertissement: indicator.avertissement ?? null,
    });
  }
  return out;
}

/** The latest semester of the barometer, for the link to its review. */
export function latestSemestre(data: SiteData): string | null {
  return data.barometre.map((r) => r.periode).sort().at(-1) ?? null;
}

export function keyFiguresSummary(figures: readonly KeyFigure[]): string {
  const periodes = [...new Set(figures.map((f) => f.periode))].sort();
  if (periodes.length === 0) return "Aucune donnée n'est encore disponible.";
  return periodes.length === 1
    ? `Chiffres du ${formatPeriode(periodes[0]!)}.`
    : `Chaque chantier est montré à son dernier semestre disponible (du ${formatPeriode(periodes[0]!)} au ${formatPeriode(periodes.at(-1)!)}).`;
}
