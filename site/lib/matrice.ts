// The barometer's matrix: workstreams (grouped by DCANT axis) × strates, one table per type of collectivité.
// A workstream's row shows its first indicator with data (measured before declared), the nature written next to it.
import { chantiersParAxe, chantiersVues, indicateurPrincipal, indisponibiliteTexte, type ChantierVue } from './chantiers.ts';
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
  /** null for a workstream none of whose indicators is computable yet. */
  indicateur: string | null;
  chantier: string;
  /** The workstream's words on its first row; null on the rows of its other indicators (full matrix). */
  chantierLibelle: string | null;
  label: string;
  href: string | null;
  /** « mesuré sur toutes les collectivités » or « déclaré par les répondants ». */
  nature: string | null;
  /** Why the indicator has no figure (its source has no real data), with the date of the last attempt. */
  indisponible: string | null;
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

const absentCell = (strate: string): MatrixCell => ({ strate, text: '—', detail: null, href: '', fill: null, color: null, level: null, state: 'absent', rupture: false });

/** The semester of an indicator's cells in a matrix. */
function periodeOf(data: SiteData, indicateur: string, periode: MatrixPeriode): string | null {
  return periode === 'dernier' ? latestPeriode(data, indicateur) : periode;
}

function hasRows(data: SiteData, periode: MatrixPeriode): (indicateur: string) => boolean {
  return (id) => {
    const p = periodeOf(data, id, periode);
    return p !== null && nationalRows(data, id).some((r) => r.periode === p);
  };
}

/** The rows of one workstream: its principal indicator, then (`all`) its other indicators. */
function chantierRows(
  data: SiteData,
  chantier: ChantierVue,
  periode: MatrixPeriode,
  all: boolean,
  cellsOf: (indicator: IndicatorDefinition, rows: BarometreRow[]) => MatrixCell[],
  emptyCells: () => MatrixCell[],
): MatrixRow[] {
  const { indicateur: principal } = indicateurPrincipal(chantier, hasRows(data, periode));
  if (!principal) {
    return [{ indicateur: null, chantier: chantier.id, chantierLibelle: chantier.libelle, label: chantier.libelle, href: null, nature: null, indisponible: "aucun indicateur n'est encore calculé pour ce chantier.", periode: null, cells: emptyCells() }];
  }
  const order = [principal, ...(all ? chantier.indicateurs.filter((i) => i !== principal) : [])];
  return order.map((indicator, n) => {
    const p = periodeOf(data, indicator.id, periode);
    const rows = nationalRows(data, indicator.id).filter((r) => r.periode === p);
    return {
      indicateur: indicator.id,
      chantier: chantier.id,
      chantierLibelle: n === 0 ? chantier.libelle : null,
      label: indicator.label,
      href: indicatorHref(indicator.id),
      nature: indicator.nature_libelle,
      indisponible: rows.length === 0 ? indisponibiliteTexte(data, indicator.id) : null,
      periode: rows.length > 0 ? p : null,
      cells: cellsOf(indicator, rows),
    };
  });
}

export function buildMatrix(data: SiteData, periode: MatrixPeriode = 'dernier', types: readonly TypeCollectivite[] = TYPE_ORDER): MatrixTable[] {
  const axes = chantiersParAxe(chantiersVues(data));
  return types.map((type) => {
    const strates = strateColumns(data, type);
    const groups = axes.map((axe) => ({
      axe: axe.axe,
      label: axe.label,
      rows: axe.chantiers.flatMap((chantier) =>
        chantierRows(
          data,
          chantier,
          periode,
          true,
          (indicator, rows) => strates.map((strate) => matrixCell(indicator, type, strate, rows.find((r) => r.type_collectivite === type && r.strate === strate))),
          () => strates.map(absentCell),
        ),
      ),
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

/** One row per workstream, grouped by axis: its principal indicator at its latest semester. */
export function compactMatrix(data: SiteData): { columns: typeof COMPACT_COLUMNS; rows: MatrixRow[] } {
  const hasObligees = data.barometre.some((r) => r.strate === 'obligees');
  const columns = COMPACT_COLUMNS.filter((c) => c.strate !== 'obligees' || hasObligees);
  const rows = chantiersParAxe(chantiersVues(data)).flatMap((axe) =>
    axe.chantiers.flatMap((chantier) =>
      chantierRows(
        data,
        chantier,
        'dernier',
        false,
        (indicator, rows) => columns.map((c) => matrixCell(indicator, c.type, c.strate, rows.find((r) => r.type_collectivite === c.type && r.strate === c.strate))),
        () => columns.map((c) => absentCell(c.strate)),
      ),
    ),
  );
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
