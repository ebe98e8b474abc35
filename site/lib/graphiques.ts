// The registry of shareable charts: every chart that has a "Partager / intégrer" control and an /embed/ page.
import { tileGridSvg } from '../charts/carte-tuiles.ts';
import { evolutionSvg } from '../charts/evolution.ts';
import { labelMargin, tauxParStrateSvg } from '../charts/taux-par-strate.ts';
import { lignesIndicateur, loadSiteData, latestPeriode, strateLabel, strateOrder, territoires, TYPE_ORDER, tuilesDepartements, type BarometreRow, type SiteData } from './data.ts';
import { contexte } from './territoires.ts';
import { vueTerritoire } from './territoires-vue.ts';
import type { TypeCollectivite } from './recherche.ts';
import { evolutionSummary, evolutionTable, evolutionView } from './evolution.ts';
import {
  TYPE_TITLES,
  indicatorSources,
  isSurvey,
  mapChoices,
  mapSummary,
  mapTable,
  mapValues,
  nationalRows,
  type MapChoice,
} from './indicateurs.ts';
import { periodeIndex } from './periodes.ts';
import { formatInteger, formatPercent, formatPeriode } from './format.ts';
import { stackSvgs, type SharedChart } from './partage.ts';
import { montreEchantillon } from './chantiers.ts';

const WIDTH = 720;

function rowLabel(data: SiteData, r: BarometreRow): string {
  if (r.type_collectivite === 'region' || (r.strate === 'toutes' && r.type_collectivite !== 'commune')) return 'ensemble';
  return `${strateLabel(data, r.strate)}${r.obligation === 'non' ? ' (non soumises)' : ''}`;
}

/** The national rate of an indicator per type and strate, for its latest semester. */
export function strateChart(data: SiteData, indicateur: string): SharedChart | null {
  const def = data.indicateurs.find((i) => i.id === indicateur);
  const periode = latestPeriode(data, indicateur);
  if (!def || !periode) return null;
  const lignes = lignesIndicateur(data.barometre, indicateur);
  const aObligees = lignes.some((x) => x.strate === 'obligees');
  const rows = lignes
    .filter((r) => r.periode === periode && r.niveau === 'national')
    // Communes by band and "obligees"; régions have one band, shown once as a whole.
    .filter((r) => (r.type_collectivite === 'commune' ? r.strate !== 'toutes' || !aObligees : r.type_collectivite !== 'region' || r.strate === 'toutes'))
    .sort((a, b) => TYPE_ORDER.indexOf(a.type_collectivite) - TYPE_ORDER.indexOf(b.type_collectivite) || strateOrder(data, a.strate) - strateOrder(data, b.strate));
  if (rows.length === 0) return null;
  const survey = isSurvey(def);
  const groups = TYPE_ORDER.map((type) => ({ type, rows: rows.filter((r) => r.type_collectivite === type) })).filter((g) => g.rows.length > 0);
  const marginLeft = labelMargin(rows.map((r) => rowLabel(data, r)));
  const { svg, height } = stackSvgs(
    groups.map((g) => ({
      heading: TYPE_TITLES[g.type]!,
      svg: tauxParStrateSvg(
        g.rows.map((r) => ({ label: rowLabel(data, r), taux: r.taux, ic_bas: r.ic_bas, ic_haut: r.ic_haut, soumise: r.obligation !== 'non', withheld: r.statut !== 'ok' })),
        `${TYPE_TITLES[g.type]} : ${g.rows.map((r) => `${rowLabel(data, r)}, ${r.statut === 'ok' ? formatPercent(r.taux) : 'effectif insuffisant'}`).join(' ; ')}`,
        { width: WIDTH, marginLeft },
      ),
    })),
    WIDTH,
  );
  const ok = rows.filter((r) => r.statut === 'ok' && r.strate === 'toutes' && r.type_collectivite !== 'commune');
  const obligees = rows.find((r) => r.strate === 'obligees' && r.statut === 'ok');
  const parts = [...(obligees ? [`${formatPercent(obligees.taux)} des communes soumises à l'obligation légale`] : []), ...ok.map((r) => `${formatPercent(r.taux)} des ${TYPE_TITLES[r.type_collectivite]!.toLowerCase()}`)];
  const summary = `${def.label}, ${formatPeriode(periode)} : ${parts.length > 0 ? parts.join(', ') : 'aucune strate assez nombreuse pour être diffusée'}${survey ? ' (parmi les collectivités ayant répondu à l’enquête)' : ''}. Les traits noirs montrent l'intervalle de confiance à 95 %.`;
  return {
    id: `${indicateur}--strates`,
    title: `${def.label}, par type et strate de collectivités (${formatPeriode(periode)})`,
    summary,
    svg,
    width: WIDTH,
    height,
    permalink: `/indicateurs/${indicateur}/?periode=${periode}#strates`,
    columns: [
      { key: 'type', label: 'Type' },
      { key: 'strate', label: 'Strate' },
      { key: 'concernees', label: survey ? 'Répondantes' : 'Collectivités', numeric: true },
      { key: 'atteintes', label: 'Objectif atteint', numeric: true },
      { key: 'taux', label: 'Part', numeric: true },
      { key: 'ic', label: 'Intervalle de confiance à 95 %', numeric: true },
    ],
    rows: rows.map((r) => ({
      type: TYPE_TITLES[r.type_collectivite]!,
      strate: rowLabel(data, r),
      concernees: formatInteger(r.concernees),
      atteintes: formatInteger(r.atteintes),
      taux: r.statut === 'ok' ? formatPercent(r.taux) : 'effectif insuffisant',
      ic: r.statut === 'ok' ? `${formatPercent(r.ic_bas)} – ${formatPercent(r.ic_haut)}` : '—',
    })),
    csvColumns: ['indicateur', 'periode', 'niveau', 'territoire', 'type_collectivite', 'strate', 'concernees', 'atteintes', 'taux', 'ic_bas', 'ic_haut', 'statut', 'source', 'date_donnees', 'methode_version'],
    csvRows: rows as unknown as Record<string, unknown>[],
    fullExport: '/donnees/barometre.csv',
    sources: indicatorSources(data, def),
    dateDonnees: rows.map((r) => r.date_donnees).sort().at(-1) ?? null,
    methodeVersion: rows[0]!.methode_version,
    echantillon: montreEchantillon(data, [indicateur]),
  };
}

const latestDate = (rows: { date_donnees: string }[]) => rows.map((r) => r.date_donnees).sort().at(-1) ?? null;
const versionsOf = (rows: { methode_version: string }[], fallback: string) => [...new Set(rows.map((r) => r.methode_version))].join(', ') || fallback;

/** The evolution of an indicator per strate, one chart per type of collectivité. */
export function evolutionCharts(data: SiteData, indicateur: string): (SharedChart & { type: string })[] {
  const indicator = data.indicateurs.find((i) => i.id === indicateur)!;
  const survey = isSurvey(indicator);
  const national = nationalRows(data, indicateur);
  if (national.length === 0) return [];
  const indexes = national.map((r) => periodeIndex(r.periode));
  const xDomain: [number, number] = [Math.min(...indexes), Math.max(...indexes)];
  return TYPE_ORDER.map((type) => evolutionView(data, indicateur, type))
    .filter((v) => v.series.length > 0 && v.points.length > 0)
    .map((view) => {
      const rows = view.series.flatMap((s) => s.rows);
      const title = `${indicator.label} — ${TYPE_TITLES[view.type]} : évolution par strate`;
      const summary = evolutionSummary(view, indicator);
      const svg = evolutionSvg(view, `${title}. ${summary}`, { xDomain, width: EVOLUTION_WIDTH });
      return {
        type: view.type,
        id: `${indicateur}--evolution-${view.type}`,
        title,
        summary,
        svg,
        width: EVOLUTION_WIDTH,
        height: svgHeight(svg),
        permalink: `/indicateurs/${indicateur}/?type=${view.type}#evolution-${view.type}`,
        columns: [
          { key: 'ligne', label: 'Strate et semestre' },
          { key: 'concernees', label: survey ? 'Répondants' : 'Collectivités concernées', numeric: true },
          { key: 'atteintes', label: "Atteignant l'objectif", numeric: true },
          { key: 'taux', label: 'Taux', numeric: true },
          { key: 'ic', label: 'Intervalle de confiance à 95 %', numeric: true },
          { key: 'methode', label: 'Version de méthode' },
          { key: 'rupture', label: 'Rupture de série' },
        ],
        rows: evolutionTable(view, indicator),
        csvColumns: CSV_COLUMNS,
        csvRows: rows as unknown as Record<string, unknown>[],
        fullExport: '/donnees/barometre.csv',
        sources: indicatorSources(data, indicator),
        dateDonnees: latestDate(rows),
        methodeVersion: versionsOf(rows, indicator.version),
        echantillon: montreEchantillon(data, [indicateur]),
      };
    });
}

/** The département maps of an indicator (tile grid: always available, and what the embed shows). */
export function mapCharts(data: SiteData, indicateur: string): (SharedChart & { choice: MapChoice; tileSvg: string })[] {
  const indicator = data.indicateurs.find((i) => i.id === indicateur)!;
  const survey = isSurvey(indicator);
  const tiles = tuilesDepartements();
  return mapChoices(data, indicateur).map((choice) => {
    const values = mapValues(indicator, choice, tiles);
    const title = `${indicator.label} — ${choice.title} : taux par département (${formatPeriode(choice.periode)})`;
    const summary = mapSummary(indicator, choice, tiles);
    const tileSvg = tileGridSvg(tiles, values, `${choice.id}-tuiles`, `Grille des départements. ${summary}`);
    const rows = [...choice.rows.values()];
    return {
      choice,
      tileSvg,
      id: `${indicateur}--${choice.id}`,
      title,
      summary,
      svg: tileSvg,
      width: svgWidth(tileSvg),
      height: svgHeight(tileSvg),
      permalink: `/indicateurs/${indicateur}/?carte=${choice.id}&periode=${choice.periode}#${choice.id}`,
      columns: [
        { key: 'departement', label: 'Département' },
        { key: 'concernees', label: survey ? 'Répondants' : 'Collectivités concernées', numeric: true },
        { key: 'atteintes', label: "Atteignant l'objectif", numeric: true },
        { key: 'taux', label: 'Taux', numeric: true },
        { key: 'niveau', label: 'Niveau' },
      ],
      rows: mapTable(indicator, choice, tiles),
      csvColumns: CSV_COLUMNS,
      csvRows: rows as unknown as Record<string, unknown>[],
      fullExport: '/donnees/barometre.csv',
      sources: indicatorSources(data, indicator),
      dateDonnees: latestDate(rows),
      methodeVersion: versionsOf(rows, indicator.version),
      echantillon: montreEchantillon(data, [indicateur]),
    };
  });
}

const EVOLUTION_WIDTH = 900;
const CSV_COLUMNS = ['indicateur', 'periode', 'niveau', 'territoire', 'type_collectivite', 'strate', 'concernees', 'atteintes', 'taux', 'ic_bas', 'ic_haut', 'statut', 'methode_version', 'rupture_serie', 'source', 'date_donnees'];
const svgWidth = (svg: string) => Number(/^<svg[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1] ?? 0);
const svgHeight = (svg: string) => Number(/^<svg[^>]*\sheight="([\d.]+)"/.exec(svg)?.[1] ?? 0);

/** Types whose territory charts get an /embed/ twin and a PNG (communes and EPCI: too many for the build). */
export const EMBEDDED_TERRITORIES: readonly string[] = ['region', 'departement'];

/** The charts of a territory page (one per indicator with a chart). */
export function territoryCharts(type: TypeCollectivite, code: string): Map<string, SharedChart> {
  const ctx = contexte();
  const vue = vueTerritoire(ctx, type, code);
  const charts = new Map<string, SharedChart>();
  for (const i of vue.indicateurs) {
    if (i.svg === null) continue;
    charts.set(i.def.id, {
      id: `territoire-${type}-${code}--${i.def.id}`,
      title: i.titre,
      summary: i.summary,
      svg: i.svg,
      width: svgWidth(i.svg),
      height: svgHeight(i.svg),
      permalink: `/territoires/${type}/${code}/?indicateur=${i.def.id}#indicateur-${i.def.id}-graphique`,
      columns: [
        { key: 'groupe', label: 'Collectivité ou groupe' },
        { key: 'valeur', label: 'Valeur ou part', numeric: true },
        { key: 'effectif', label: i.nature === 'enquete' ? 'Répondants' : 'Atteignant l’objectif / collectivités', numeric: true },
        { key: 'note', label: 'Remarque' },
      ],
      rows: i.table,
      // The data shown, as shown: the territory's value and the rates it is compared with.
      csvColumns: ['groupe', 'valeur', 'effectif', 'note'],
      csvRows: i.table,
      fullExport: '/donnees/collectivites.csv',
      sources: i.sources,
      dateDonnees: i.dateDonnees,
      methodeVersion: i.methodeVersion,
      echantillon: montreEchantillon(ctx.data, [i.def.id]),
    });
  }
  return charts;
}

let cache: SharedChart[] | undefined;
/** Every shareable chart of the site. */
export function sharedCharts(): SharedChart[] {
  if (!cache) {
    const data = loadSiteData();
    const territories = territoires()
      .filter((t) => EMBEDDED_TERRITORIES.includes(t.type_collectivite))
      .flatMap((t) => [...territoryCharts(t.type_collectivite, t.code).values()]);
    cache = [
      ...data.indicateurs.flatMap((i) => [strateChart(data, i.id), ...evolutionCharts(data, i.id), ...mapCharts(data, i.id)]).filter((c): c is SharedChart => c !== null),
      ...territories,
    ];
  }
  return cache;
}

/**
 * The first shareable chart (the home page's preview image), `sharedCharts()[0]`, without drawing every other chart
 * when they are not drawn yet (the part of the build that makes no /embed/ page).
 */
export function premierGraphique(): SharedChart | undefined {
  if (cache) return cache[0];
  const data = loadSiteData();
  for (const i of data.indicateurs) {
    const strate = strateChart(data, i.id);
    if (strate) return strate;
    const first = evolutionCharts(data, i.id)[0] ?? mapCharts(data, i.id)[0];
    if (first) return first;
  }
  return sharedCharts()[0];
}

export function sharedChart(id: string): SharedChart {
  const chart = sharedCharts().find((c) => c.id === id);
  if (!chart) throw new Error(`Graphique inconnu : ${id}`);
  return chart;
}
