// The evolution of an indicator per strate over the semesters: the series and their segments (not joined across
// a methodology break), the chart's summary sentence and its data table.
import type { BarometreRow, IndicatorDefinition, SiteData } from './data.ts';
import { formatInteger, formatPercent, formatPeriode } from './format.ts';
import { type TypeCollectivite, TYPE_DE, isHistorique, isSurvey, nationalRows, rateText, respondentsText, strateColumns, strateCourte } from './indicateurs.ts';
import { periodeIndex } from './periodes.ts';

export interface EvolutionPoint {
  serie: string;
  strate: string;
  periode: string;
  index: number;
  taux: number;
  ic_bas: number | null;
  ic_haut: number | null;
  historique: boolean;
  /** Points of one series in the same segment are joined; a gap, a withheld rate or a methodology break starts a new one. */
  segment: string;
}

export interface EvolutionBreak {
  periode: string;
  index: number;
  /** Series (labels) that break at this semester. */
  series: string[];
}

export interface EvolutionView {
  type: TypeCollectivite;
  periodes: string[];
  series: { strate: string; label: string; last: EvolutionPoint | null; rows: BarometreRow[] }[];
  points: EvolutionPoint[];
  breaks: EvolutionBreak[];
}

/**
 * Joins each series' semesters into segments: a segment stops at a missing semester, a withheld rate,
 * or a row flagged `rupture_serie` (that row starts a new segment, and the break is listed).
 */
export function evolutionSegments(rows: readonly BarometreRow[], serie: string): { points: EvolutionPoint[]; breaks: string[] } {
  const sorted = [...rows].sort((a, b) => a.periode.localeCompare(b.periode));
  const points: EvolutionPoint[] = [];
  const breaks: string[] = [];
  let segment = 0;
  let previousIndex: number | null = null;
  for (const r of sorted) {
    const index = periodeIndex(r.periode);
    if (r.rupture_serie) breaks.push(r.periode);
    const shown = r.statut === 'ok' && r.taux !== null;
    if (!shown || r.rupture_serie || previousIndex === null || index !== previousIndex + 1) segment += 1;
    if (shown) points.push({ serie, strate: r.strate, periode: r.periode, index, taux: r.taux!, ic_bas: r.ic_bas, ic_haut: r.ic_haut, historique: isHistorique(r), segment: `${serie}#${segment}` });
    previousIndex = shown ? index : null;
  }
  return { points, breaks };
}

export function evolutionView(data: SiteData, indicateur: string, type: TypeCollectivite): EvolutionView {
  const rows = nationalRows(data, indicateur).filter((r) => r.type_collectivite === type);
  const present = new Set(rows.map((r) => r.strate));
  const series = strateColumns(data, type)
    .filter((s) => present.has(s))
    .map((strate) => ({ strate, label: strateCourte(data, strate), rows: rows.filter((r) => r.strate === strate).sort((a, b) => a.periode.localeCompare(b.periode)) }));
  const points: EvolutionPoint[] = [];
  const breakMap = new Map<string, string[]>();
  const out = series.map((s) => {
    const seg = evolutionSegments(s.rows, s.label);
    points.push(...seg.points);
    for (const p of seg.breaks) breakMap.set(p, [...(breakMap.get(p) ?? []), s.label]);
    return { ...s, last: seg.points.at(-1) ?? null };
  });
  const periodes = [...new Set(rows.map((r) => r.periode))].sort();
  const breaks = [...breakMap].map(([periode, s]) => ({ periode, index: periodeIndex(periode), series: s })).sort((a, b) => a.index - b.index);
  return { type, periodes, series: out, points, breaks };
}

/** One sentence on what an evolution chart shows. */
export function evolutionSummary(view: EvolutionView, indicator: IndicatorDefinition): string {
  const type = TYPE_DE[view.type];
  if (view.points.length === 0) return `Aucun taux diffusé pour l'ensemble ${type} : les strates ont un effectif insuffisant ou aucune donnée.`;
  const first = view.periodes[0]!;
  const last = view.periodes.at(-1)!;
  const span = first === last ? `au ${formatPeriode(first)} (un seul semestre pour l'instant)` : `du ${formatPeriode(first)} au ${formatPeriode(last)}`;
  const total = view.series.find((s) => s.strate === 'toutes')?.last;
  const lead = total ? ` Au ${formatPeriode(total.periode)}, ${formatPercent(total.taux)} de l'ensemble ${type}.` : '';
  const hist = view.points.some((p) => p.historique) ? " Les pointillés montrent la série historique nationale, calculée autrement (dénominateur d'aujourd'hui)." : '';
  const rupture = view.breaks.length > 0 ? ` Un trait vertical marque chaque changement de méthode (${view.breaks.map((b) => formatPeriode(b.periode)).join(', ')}) : la courbe n'est pas reliée de part et d'autre.` : '';
  return `${indicator.label} : part ${type} par strate de population, ${span}.${lead}${hist}${rupture}`;
}

/** The data table of an evolution chart: one line per strate and semester, breaks and history said in words. */
export function evolutionTable(view: EvolutionView, indicator: IndicatorDefinition): Record<string, string>[] {
  const survey = isSurvey(indicator);
  return view.series.flatMap((s) =>
    s.rows.map((r) => ({
      ligne: `${s.label} — ${formatPeriode(r.periode)}`,
      concernees: survey ? respondentsText(r.concernees) : formatInteger(r.concernees),
      atteintes: formatInteger(r.atteintes),
      taux: rateText(r),
      ic: r.statut === 'ok' && r.ic_bas !== null ? `${formatPercent(r.ic_bas)} – ${formatPercent(r.ic_haut)}` : '—',
      methode: isHistorique(r) ? `${r.methode_version} (série historique)` : r.methode_version,
      rupture: r.rupture_serie ? 'oui : changement de méthode' : '',
    })),
  );
}
