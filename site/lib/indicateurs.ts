// What an indicator's page shows: its strates, the change since the previous semester, the département maps and
// the rows behind all of it (for the page's CSV). The evolution over the semesters is in evolution.ts.
import type { TileValue } from '../charts/carte-tuiles.ts';
import { levelColors } from './couleurs.ts';
import { type BarometreRow, type IndicatorDefinition, lignesIndicateur, NATURE_LABELS, type RaccordRow, type SiteData, type Tuile, TYPE_ORDER } from './data.ts';
import { formatInteger, formatPercent, formatPeriode } from './format.ts';
import { previousPeriode } from './periodes.ts';
import { medianeTexte, natureIndicateur } from './territoires-texte.ts';

export type TypeCollectivite = BarometreRow['type_collectivite'];

export const TYPE_TITLES: Record<TypeCollectivite, string> = { commune: 'Communes', epci: 'EPCI à fiscalité propre', departement: 'Départements', region: 'Régions' };
export const TYPE_SHORT: Record<TypeCollectivite, string> = { commune: 'Communes', epci: 'EPCI', departement: 'Départements', region: 'Régions' };
export const TYPE_DE: Record<TypeCollectivite, string> = { commune: 'des communes', epci: 'des EPCI à fiscalité propre', departement: 'des départements', region: 'des régions' };

// --- Indicators and strates --------------------------------------------------------------------------

/** Survey indicators count respondents, not every collectivité: pages say how many answered. */
export function isSurvey(indicator: Pick<IndicatorDefinition, 'nature'>): boolean {
  return indicator.nature === 'declaration';
}

const nationales = new WeakMap<readonly BarometreRow[], Map<string, readonly BarometreRow[]>>();

/** The national rows of an indicator, selected once per build (every page of the matrix asks for each indicator's). */
export function nationalRows(data: SiteData, indicateur: string): readonly BarometreRow[] {
  let parIndicateur = nationales.get(data.barometre);
  if (!parIndicateur) nationales.set(data.barometre, (parIndicateur = new Map()));
  let rows = parIndicateur.get(indicateur);
  if (!rows) parIndicateur.set(indicateur, (rows = lignesIndicateur(data.barometre, indicateur).filter((r) => r.niveau === 'national')));
  return rows;
}

const stratesPresentes = new WeakMap<readonly BarometreRow[], Set<string>>();

/** Whether the barometer has rows of this type and strate (the pairs listed once per build). */
function aStrate(data: SiteData, type: TypeCollectivite, strate: string): boolean {
  let paires = stratesPresentes.get(data.barometre);
  if (!paires) stratesPresentes.set(data.barometre, (paires = new Set(data.barometre.map((r) => `${r.type_collectivite}|${r.strate}`))));
  return paires.has(`${type}|${strate}`);
}

/** The strates shown for a type, in order: its population bands, then the special strates. A type with a single band (régions) is shown as a whole. */
export function strateColumns(data: SiteData, type: TypeCollectivite): string[] {
  const bands = data.strates.filter((s) => s.type_collectivite === type).sort((a, b) => a.ordre - b.ordre).map((s) => s.id);
  if (bands.length <= 1) return ['toutes'];
  const inconnue = aStrate(data, type, 'inconnue') ? ['inconnue'] : [];
  const obligees = type === 'commune' && aStrate(data, type, 'obligees') ? ['obligees'] : [];
  return [...bands, ...inconnue, ...obligees, 'toutes'];
}

/** Short label of a strate, for a column header or an axis: "3 500 à 4 999", "100 000 ou plus", "Ensemble". */
export function strateCourte(data: SiteData, strate: string): string {
  if (strate === 'toutes') return 'Ensemble';
  if (strate === 'obligees') return "Soumises à l'obligation";
  if (strate === 'inconnue') return 'Population inconnue';
  const s = data.strates.find((x) => x.id === strate);
  if (!s) return strate;
  if (s.population_max === null) return s.population_min === 0 ? 'Ensemble' : `${formatInteger(s.population_min)} ou plus`;
  if (s.population_min === 0) return `moins de ${formatInteger(s.population_max + 1)}`;
  return `${formatInteger(s.population_min)} à ${formatInteger(s.population_max)}`;
}

/** A strate as a row title: "De 3 500 à 4 999 habitants", "100 000 habitants ou plus", "Ensemble". */
export function strateTitre(data: SiteData, strate: string): string {
  const s = data.strates.find((x) => x.id === strate);
  if (!s || s.population_max === null && s.population_min === 0) return strateCourte(data, strate);
  return s.libelle.charAt(0).toUpperCase() + s.libelle.slice(1);
}

/** A strate in a sentence: "communes de 3 500 à 4 999 habitants", "ensemble des EPCI à fiscalité propre". */
export function strateLongue(data: SiteData, type: TypeCollectivite, strate: string): string {
  const type_ = TYPE_TITLES[type].toLowerCase().replace('epci', 'EPCI');
  if (strate === 'toutes') return `ensemble ${TYPE_DE[type]}`;
  if (strate === 'obligees') return `${type_} soumises à l'obligation`;
  if (strate === 'inconnue') return `${type_} de population inconnue`;
  const s = data.strates.find((x) => x.id === strate);
  if (!s) return `${type_} (${strate})`;
  return s.libelle.startsWith('de ') ? `${type_} ${s.libelle}` : `${type_} de ${s.libelle}`;
}

/** Anchor of a strate on an indicator's page (the row of its table), the target of the barometer's cells. */
export function strateAnchor(type: TypeCollectivite, strate: string): string {
  return `strate-${type}-${strate}`;
}

export function indicatorHref(indicateur: string, type?: TypeCollectivite, strate?: string): string {
  return `/indicateurs/${indicateur}/${type && strate ? `#${strateAnchor(type, strate)}` : ''}`;
}

/** The strate median of an indicator whose values are shares or counts: "72,6 %", "3 marchés publiés"; "—" without one. */
export function medianText(indicator: Pick<IndicatorDefinition, 'nature' | 'valeur'>, row: BarometreRow | undefined | null): string {
  if (!row) return '—';
  if (row.statut === 'effectif_insuffisant') return 'effectif insuffisant';
  return medianeTexte(natureIndicateur(indicator), row.valeur_mediane, undefined, indicator.valeur);
}

/** The headline figure of a row: the rate, or the strate median for an indicator read through its values (`unit: 'valeur'`). */
export function headline(indicator: Pick<IndicatorDefinition, 'nature' | 'unit' | 'valeur'>, row: BarometreRow | undefined | null): { text: string; value: number | null } {
  if (indicator.unit === 'valeur') return { text: medianText(indicator, row), value: row?.statut === 'ok' ? (row.valeur_mediane ?? null) : null };
  return { text: rateText(row), value: row?.statut === 'ok' ? row.taux : null };
}

/** What a rate reads as: "5,6 %", "effectif insuffisant", or "—" when there is no row. */
export function rateText(row: BarometreRow | undefined | null): string {
  if (!row) return '—';
  if (row.statut === 'effectif_insuffisant') return 'effectif insuffisant';
  return formatPercent(row.taux);
}

/** "licence ODbL 1.0", "Licence Ouverte 2.0" (not "licence Licence Ouverte 2.0"). */
export function licenceText(licence: string): string {
  return /^licence\b/i.test(licence) ? licence : `licence ${licence}`;
}

export function respondentsText(n: number): string {
  return `${formatInteger(n)} répondant${n > 1 ? 's' : ''}`;
}

/** The history rows (national totals before the first snapshot) carry a version suffixed `+historique`. */
export function isHistorique(row: Pick<BarometreRow, 'methode_version'>): boolean {
  return row.methode_version.endsWith('+historique');
}

// --- Change since the previous semester ---------------------------------------------------------------

export interface Variation {
  kind: 'hausse' | 'baisse' | 'stable' | 'non-comparable' | 'absent';
  /** Change in percentage points (rounded to one decimal), null when not comparable. */
  points: number | null;
  arrow: '▲' | '▼' | '=' | '';
  /** Words that carry the meaning without the arrow: "en hausse de 1,2 point depuis le 2e semestre 2024". */
  text: string;
}

/** "+1,2 point", "−12,0 points" (French: plural from 2). */
export function formatPoints(points: number): string {
  const abs = Math.abs(points);
  const n = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(abs);
  const sign = points > 0 ? '+' : points < 0 ? '−' : '';
  return `${sign}${n}\u00a0point${abs >= 2 ? 's' : ''}`;
}

/** Change of a rate since the previous semester's row of the same series; a methodology break is not compared. */
export function variation(current: BarometreRow | undefined, previous: BarometreRow | undefined): Variation {
  if (!current || current.statut !== 'ok' || current.taux === null) return { kind: 'absent', points: null, arrow: '', text: 'pas de taux ce semestre' };
  if (!previous) return { kind: 'absent', points: null, arrow: '', text: `pas de donnée au ${formatPeriode(previousPeriode(current.periode))}` };
  const since = `depuis le ${formatPeriode(previous.periode)}`;
  if (current.rupture_serie) return { kind: 'non-comparable', points: null, arrow: '', text: `non comparable ${since} : changement de méthode` };
  if (previous.statut !== 'ok' || previous.taux === null) return { kind: 'absent', points: null, arrow: '', text: `pas de taux diffusé au ${formatPeriode(previous.periode)} (effectif insuffisant)` };
  const points = Math.round((current.taux - previous.taux) * 1000) / 10;
  if (points === 0) return { kind: 'stable', points: 0, arrow: '=', text: `stable ${since}` };
  const kind = points > 0 ? 'hausse' : 'baisse';
  return { kind, points, arrow: points > 0 ? '▲' : '▼', text: `en ${kind} de ${formatPoints(points).replace(/^[+−]/, '')} ${since}` };
}

// --- The latest semester, strate by strate ------------------------------------------------------------

export interface StrateLine {
  type: TypeCollectivite;
  strate: string;
  anchor: string;
  label: string;
  current: BarometreRow | undefined;
  previous: BarometreRow | undefined;
  variation: Variation;
}

/** Per type, one line per strate for a semester, with the change since the semester before. */
export function strateLines(data: SiteData, indicateur: string, periode: string): { type: TypeCollectivite; lines: StrateLine[] }[] {
  const rows = nationalRows(data, indicateur);
  const prev = previousPeriode(periode);
  return TYPE_ORDER.map((type) => {
    const ofType = rows.filter((r) => r.type_collectivite === type);
    const lines = strateColumns(data, type)
      .map((strate) => {
        const current = ofType.find((r) => r.strate === strate && r.periode === periode);
        const previous = ofType.find((r) => r.strate === strate && r.periode === prev);
        return { type, strate, anchor: strateAnchor(type, strate), label: strateTitre(data, strate), current, previous, variation: variation(current, previous) };
      })
      .filter((l) => l.current);
    return { type, lines };
  }).filter((g) => g.lines.length > 0);
}

// --- Département maps ----------------------------------------------------------------------------------

export interface MapChoice {
  type: 'commune' | 'epci';
  strate: string;
  id: string;
  title: string;
  periode: string;
  rows: Map<string, BarometreRow>;
}

/**
 * The département maps of an indicator: communes (those under the obligation when the indicator has
 * such a strate, all otherwise) and EPCI, for the latest semester with département rows.
 */
export function mapChoices(data: SiteData, indicateur: string): MapChoice[] {
  const dep = lignesIndicateur(data.barometre, indicateur).filter((r) => r.niveau === 'departement');
  const periode = dep.map((r) => r.periode).sort().at(-1);
  if (!periode) return [];
  const latest = dep.filter((r) => r.periode === periode);
  const choices: MapChoice[] = [];
  const add = (type: 'commune' | 'epci', strate: string, title: string) => {
    const rows = latest.filter((r) => r.type_collectivite === type && r.strate === strate);
    if (rows.length > 0) choices.push({ type, strate, id: `carte-${type}-${strate}`, title, periode, rows: new Map(rows.map((r) => [r.territoire, r])) });
  };
  if (latest.some((r) => r.type_collectivite === 'commune' && r.strate === 'obligees')) add('commune', 'obligees', "Communes soumises à l'obligation");
  else add('commune', 'toutes', 'Toutes les communes');
  add('epci', 'toutes', 'EPCI à fiscalité propre');
  return choices;
}

/** What each département shows on a map: its short and full value and its colours. */
export function mapValues(indicator: IndicatorDefinition, choice: MapChoice, tiles: readonly Tuile[]): Map<string, TileValue> {
  const values = new Map<string, TileValue>();
  for (const t of tiles) {
    const row = choice.rows.get(t.code);
    const colors = row && row.statut === 'ok' ? levelColors(indicator.levels, row.taux) : null;
    const state = row ? row.statut : 'absent';
    const full = row ? (row.statut === 'ok' ? `${formatPercent(row.taux)} (${formatInteger(row.atteintes)} sur ${formatInteger(row.concernees)})` : `effectif insuffisant (${formatInteger(row.concernees)})`) : 'pas de donnée';
    values.set(t.code, {
      short: state === 'ok' ? formatPercent(row!.taux) : state === 'effectif_insuffisant' ? 'e. i.' : '—',
      title: `${t.nom} (${t.code}) : ${full}${colors ? `, niveau « ${colors.label} »` : ''}`,
      fill: colors?.fill ?? null,
      text: colors?.text ?? null,
      state,
    });
  }
  return values;
}

/** One sentence on what a map shows: the range of the départements' rates and how many are withheld. */
export function mapSummary(indicator: IndicatorDefinition, choice: MapChoice, tiles: readonly Tuile[]): string {
  const names = new Map(tiles.map((t) => [t.code, t.nom]));
  const shown = [...choice.rows.values()].filter((r) => r.statut === 'ok' && r.taux !== null).sort((a, b) => a.taux! - b.taux! || a.territoire.localeCompare(b.territoire));
  const withheld = [...choice.rows.values()].filter((r) => r.statut !== 'ok').length;
  const absent = tiles.length - choice.rows.size;
  const who = `${choice.title.charAt(0).toLowerCase()}${choice.title.slice(1)}`.replace('epci', 'EPCI');
  const at = (r: BarometreRow) => `${names.get(r.territoire) ?? r.territoire} (${formatPercent(r.taux)})`;
  const range = shown.length === 0 ? 'aucun département n\'a assez de collectivités concernées pour diffuser un taux' : shown.length === 1 ? `un seul taux diffusé : ${at(shown[0]!)}` : `de ${at(shown[0]!)} à ${at(shown.at(-1)!)}`;
  const rest = [withheld > 0 ? `${formatInteger(withheld)} département${withheld > 1 ? 's' : ''} à effectif insuffisant (« e. i. », hachurés)` : null, absent > 0 ? `${formatInteger(absent)} sans donnée (« — »)` : null].filter(Boolean);
  return `${indicator.label}, ${who}, par département au ${formatPeriode(choice.periode)} : ${range}${rest.length > 0 ? ` ; ${rest.join(', ')}` : ''}. Chaque case porte le code du département et son taux.`;
}

/** The data table of a map: one line per département, in code order. */
export function mapTable(indicator: IndicatorDefinition, choice: MapChoice, tiles: readonly Tuile[]): Record<string, string>[] {
  const survey = isSurvey(indicator);
  return [...tiles]
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((t) => {
      const row = choice.rows.get(t.code);
      const colors = row && row.statut === 'ok' ? levelColors(indicator.levels, row.taux) : null;
      return {
        departement: `${t.code} — ${t.nom}`,
        concernees: row ? (survey ? respondentsText(row.concernees) : formatInteger(row.concernees)) : '—',
        atteintes: row ? formatInteger(row.atteintes) : '—',
        taux: rateText(row),
        niveau: colors?.label ?? '—',
      };
    });
}

// --- The rows behind the page --------------------------------------------------------------------------

/** Every row the page shows: the national rows (all semesters, EPCI per nature too) and the département rows of its maps. */
export function pageRows(data: SiteData, indicateur: string): BarometreRow[] {
  const maps = mapChoices(data, indicateur);
  const dep = maps.flatMap((m) => [...m.rows.values()]);
  const natures = data.barometreNatures.filter((r) => r.indicateur === indicateur && r.niveau === 'national');
  return [...nationalRows(data, indicateur), ...natures, ...dep].sort(
    (a, b) =>
      a.periode.localeCompare(b.periode) ||
      a.niveau.localeCompare(b.niveau) ||
      a.territoire.localeCompare(b.territoire) ||
      TYPE_ORDER.indexOf(a.type_collectivite) - TYPE_ORDER.indexOf(b.type_collectivite) ||
      a.strate.localeCompare(b.strate) ||
      (a.nature ?? '').localeCompare(b.nature ?? ''),
  );
}

/** Sources of an indicator, including those of its history series. */
export function indicatorSources(data: SiteData, indicator: IndicatorDefinition) {
  const ids = new Set([...indicator.sources, ...((indicator as { sourcesHistorique?: string[] }).sourcesHistorique ?? [])]);
  return data.provenance.sources.filter((s) => ids.has(s.id));
}

// --- EPCI by nature ------------------------------------------------------------------------------------

export interface NatureLine {
  nature: string;
  anchor: string;
  label: string;
  current: BarometreRow;
  previous: BarometreRow | undefined;
  variation: Variation;
}

/** The EPCI of a semester per nature (métropoles first), nationally, with the change since the semester before. */
export function natureLines(data: SiteData, indicateur: string, periode: string): NatureLine[] {
  const rows = data.barometreNatures.filter((r) => r.indicateur === indicateur && r.niveau === 'national' && r.type_collectivite === 'epci');
  const prev = previousPeriode(periode);
  return Object.keys(NATURE_LABELS)
    .map((nature) => {
      const current = rows.find((r) => r.nature === nature && r.periode === periode);
      const previous = rows.find((r) => r.nature === nature && r.periode === prev);
      const label = NATURE_LABELS[nature]!.pluriel;
      return current ? { nature, anchor: `nature-epci-${nature}`, label: `${label.charAt(0).toUpperCase()}${label.slice(1)}`, current, previous, variation: variation(current, previous) } : null;
    })
    .filter((l): l is NatureLine => l !== null);
}

/** "81,8 % des métropoles (18 sur 22)", the way published figures are often written. */
export function natureSentence(line: NatureLine): string {
  const r = line.current;
  if (r.statut !== 'ok') return `${NATURE_LABELS[line.nature]!.pluriel} : effectif insuffisant (${formatInteger(r.concernees)})`;
  return `${formatPercent(r.taux)} des ${NATURE_LABELS[line.nature]!.pluriel} (${formatInteger(r.atteintes)} sur ${formatInteger(r.concernees)})`;
}

// --- Two sources for one semester ------------------------------------------------------------------------

export interface RaccordLine {
  periode: string;
  label: string;
  row: RaccordRow;
}

/** Where the indicator's series passes from one source to another: both measures per semester, type and strate. */
export function raccordLines(data: SiteData, indicateur: string): RaccordLine[] {
  const label = (r: RaccordRow) =>
    r.nature ? `EPCI : ${NATURE_LABELS[r.nature]?.pluriel ?? r.nature}` : r.strate === 'obligees' ? "Communes soumises à l'obligation" : TYPE_TITLES[r.type_collectivite];
  return data.raccords
    .filter((r) => r.indicateur === indicateur)
    .sort((a, b) => a.periode.localeCompare(b.periode) || TYPE_ORDER.indexOf(a.type_collectivite) - TYPE_ORDER.indexOf(b.type_collectivite) || (a.nature ?? '').localeCompare(b.nature ?? '') || b.strate.localeCompare(a.strate))
    .map((row) => ({ periode: row.periode, label: label(row), row }));
}

/** The last semester of the source that hands over: the junction, shown first. */
export function raccordJonction(lines: RaccordLine[]): string | null {
  return lines.filter((l) => l.row.source_retenue === l.row.source_avant).map((l) => l.periode).sort().at(-1) ?? null;
}

/** "+1,2 point" for a gap in points, "—" when a rate is withheld. */
export function ecartText(points: number | null): string {
  return points === null ? '—' : formatPoints(points);
}

// --- Published figures --------------------------------------------------------------------------------------

/** A published figure or ours, as its producer writes it: "10,2 %" (up to two decimals, "7,84 %") or "460". */
export function chiffreText(unite: 'taux' | 'nombre', value: number | null): string {
  if (value === null) return '—';
  if (unite === 'nombre') return formatInteger(value);
  return `${(value * 100).toLocaleString('fr-FR', { maximumFractionDigits: 2 })}\u202f%`;
}

export function ecartChiffreText(unite: 'taux' | 'nombre', ecart: number | null): string {
  if (ecart === null) return '—';
  if (unite === 'taux') return formatPoints(ecart);
  const n = formatInteger(Math.abs(ecart));
  return `${ecart > 0 ? '+' : ecart < 0 ? '−' : ''}${n} collectivité${Math.abs(ecart) >= 2 ? 's' : ''}`;
}
