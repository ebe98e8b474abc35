// The barometer's matrix: indicators (grouped by DCANT axis) × strates, one table per type of collectivité.
import { levelColors, type Level } from './couleurs.ts';
import { type BarometreRow, type IndicatorDefinition, type SiteData, type SourceProvenance, TYPE_ORDER, latestPeriode } from './data.ts';
import { formatPeriode } from './format.ts';
import { TYPE_TITLES, type TypeCollectivite, headline, indicatorHref, isSurvey, nationalRows, respondentsText, strateColumns, strateCourte } from './indicateurs.ts';

export interface MatrixCell {
  strate: string;
  text: string;
  /** Respondents of a survey indicator ("6 répondants"), null otherwise. */
  detail: string | null;
  href: string;
  fill: string | null;
  color: string | null;
  level: string | null;
  state: 'ok' | 'effectif_insuffisant' | 'absent';
  rupture: boolean;
}

export interface MatrixRow {
  indicateur: string;
  label: string;
  href: string;
  /** Semester of the row's cells (the indicator's latest one in the "latest data" matrix). */
  periode: string | null;
  cells: MatrixCell[];
}

export interface MatrixGroup {
  axe: string;
  label: string;
  rows: MatrixRow[];
}

export interface MatrixTable {
  type: TypeCollectivite;
  title: string;
  columns: { strate: string; label: string }[];
  groups: MatrixGroup[];
}

/** `dernier`: each indicator at its latest semester; otherwise one semester for every row. */
export type MatrixPeriode = 'dernier' | string;

export function matrixCell(indicator: IndicatorDefinition, type: TypeCollectivite, strate: string, row: BarometreRow | undefined): MatrixCell {
  // The rate, or for an indicator read through its values the strate median, which the cell then names.
  const head = headline(indicator, row);
  const colors = row && row.statut === 'ok' ? levelColors(indicator.levels, head.value) : null;
  return {
    strate,
    text: head.text,
    detail: row && isSurvey(indicator) ? respondentsText(row.concernees) : row && indicator.unit === 'valeur' && row.statut === 'ok' ? 'médiane' : null,
    href: indicatorHref(indicator.id, type, strate),
    fill: colors?.fill ?? null,
    color: colors?.text ?? null,
    level: colors?.label ?? null,
    state: row ? row.statut : 'absent',
    rupture: row?.rupture_serie ?? false,
  };
}

/** Indicators grouped by DCANT axis, axes in the order they first appear in the registry. */
export function byAxis(indicators: readonly IndicatorDefinition[]): { axe: string; label: string; indicators: IndicatorDefinition[] }[] {
  const groups = new Map<string, { axe: string; label: string; indicators: IndicatorDefinition[] }>();
  for (const i of indicators) {
    const g = groups.get(i.axe) ?? { axe: i.axe, label: i.axe_libelle, indicators: [] };
    g.indicators.push(i);
    groups.set(i.axe, g);
  }
  return [...groups.values()];
}

export function buildMatrix(data: SiteData, periode: MatrixPeriode = 'dernier', types: readonly TypeCollectivite[] = TYPE_ORDER): MatrixTable[] {
  const axes = byAxis(data.indicateurs);
  return types.map((type) => {
    const strates = strateColumns(data, type);
    const groups = axes.map((axe) => ({
      axe: axe.axe,
      label: axe.label,
      rows: axe.indicators.map((indicator) => {
        const p = periode === 'dernier' ? latestPeriode(data, indicator.id) : periode;
        const rows = nationalRows(data, indicator.id).filter((r) => r.periode === p && r.type_collectivite === type);
        return {
          indicateur: indicator.id,
          label: indicator.label,
          href: indicatorHref(indicator.id),
          periode: p,
          cells: strates.map((strate) => matrixCell(indicator, type, strate, rows.find((r) => r.strate === strate))),
        };
      }),
    }));
    return { type, title: TYPE_TITLES[type], columns: strates.map((strate) => ({ strate, label: strateCourte(data, strate) })), groups };
  });
}

/** The distinct level scales, each with the indicators that use it (indicators may have their own thresholds and colours). */
export function levelLegends(indicators: readonly IndicatorDefinition[]): { indicators: string[]; levels: Level[] }[] {
  const legends = new Map<string, { indicators: string[]; levels: Level[] }>();
  for (const i of indicators) {
    const levels = [...i.levels].sort((a, b) => a.min - b.min);
    const key = JSON.stringify(levels);
    const l = legends.get(key) ?? { indicators: [], levels };
    l.indicators.push(i.label);
    legends.set(key, l);
  }
  return [...legends.values()];
}

/** Caption words for a matrix's semester. */
export function matrixPeriodeLabel(periode: MatrixPeriode): string {
  return periode === 'dernier' ? 'dernières données disponibles de chaque indicateur' : formatPeriode(periode);
}

/** The compact matrix of the home page: each indicator at its latest semester, a few headline strates. */
export const COMPACT_COLUMNS: { type: TypeCollectivite; strate: string; label: string }[] = [
  { type: 'commune', strate: 'toutes', label: 'Communes' },
  { type: 'commune', strate: 'obligees', label: "Communes soumises à l'obligation" },
  { type: 'epci', strate: 'toutes', label: 'EPCI' },
  { type: 'departement', strate: 'toutes', label: 'Départements' },
  { type: 'region', strate: 'toutes', label: 'Régions' },
];

export function compactMatrix(data: SiteData): { columns: typeof COMPACT_COLUMNS; rows: MatrixRow[] } {
  const hasObligees = data.barometre.some((r) => r.strate === 'obligees');
  const columns = COMPACT_COLUMNS.filter((c) => c.strate !== 'obligees' || hasObligees);
  const rows = data.indicateurs.map((indicator) => {
    const p = latestPeriode(data, indicator.id);
    const rows = nationalRows(data, indicator.id).filter((r) => r.periode === p);
    return {
      indicateur: indicator.id,
      label: indicator.label,
      href: indicatorHref(indicator.id),
      periode: p,
      cells: columns.map((c) => matrixCell(indicator, c.type, c.strate, rows.find((r) => r.type_collectivite === c.type && r.strate === c.strate))),
    };
  });
  return { columns, rows };
}

/** The provenance of a matrix: the sources of its indicators, its latest data date and the methodology versions. */
export function matrixProvenance(data: SiteData, periode: MatrixPeriode): { sources: SourceProvenance[]; dateDonnees: string | null; versions: string } {
  const ids = new Set(data.indicateurs.flatMap((i) => i.sources));
  const rows = data.indicateurs.flatMap((i) => {
    const p = periode === 'dernier' ? latestPeriode(data, i.id) : periode;
    return nationalRows(data, i.id).filter((r) => r.periode === p);
  });
  const versions = [...new Set(data.indicateurs.map((i) => {
    const used = [...new Set(rows.filter((r) => r.indicateur === i.id).map((r) => r.methode_version))];
    return used.length > 0 ? `${i.label} : ${used.join(', ')}` : null;
  }))].filter((v): v is string => v !== null);
  const all = [...new Set(rows.map((r) => r.methode_version))];
  return {
    sources: data.provenance.sources.filter((s) => ids.has(s.id)),
    dateDonnees: rows.map((r) => r.date_donnees).sort().at(-1) ?? null,
    versions: all.length === 1 ? `version ${all[0]} pour tous les indicateurs` : versions.join(' ; '),
  };
}
