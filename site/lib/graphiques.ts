// The registry of shareable charts: every chart that has a "Partager / intégrer" control and an /embed/ page.
import { labelMargin, tauxParStrateSvg } from '../charts/taux-par-strate.ts';
import { loadSiteData, latestPeriode, strateLabel, strateOrder, TYPE_ORDER, type BarometreRow, type SiteData } from './data.ts';
import { formatInteger, formatPercent, formatPeriode } from './format.ts';
import { stackSvgs, type SharedChart } from './partage.ts';

const TYPE_TITLE: Record<string, string> = { commune: 'Communes', epci: 'EPCI à fiscalité propre', departement: 'Départements', region: 'Régions' };
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
  const rows = data.barometre
    .filter((r) => r.indicateur === indicateur && r.periode === periode && r.niveau === 'national')
    // Communes by band and "obligees"; régions have one band, shown once as a whole.
    .filter((r) => (r.type_collectivite === 'commune' ? r.strate !== 'toutes' || !data.barometre.some((x) => x.indicateur === indicateur && x.strate === 'obligees') : r.type_collectivite !== 'region' || r.strate === 'toutes'))
    .sort((a, b) => TYPE_ORDER.indexOf(a.type_collectivite) - TYPE_ORDER.indexOf(b.type_collectivite) || strateOrder(data, a.strate) - strateOrder(data, b.strate));
  if (rows.length === 0) return null;
  const survey = def.id.startsWith('chantier-');
  const groups = TYPE_ORDER.map((type) => ({ type, rows: rows.filter((r) => r.type_collectivite === type) })).filter((g) => g.rows.length > 0);
  const marginLeft = labelMargin(rows.map((r) => rowLabel(data, r)));
  const { svg, height } = stackSvgs(
    groups.map((g) => ({
      heading: TYPE_TITLE[g.type]!,
      svg: tauxParStrateSvg(
        g.rows.map((r) => ({ label: rowLabel(data, r), taux: r.taux, ic_bas: r.ic_bas, ic_haut: r.ic_haut, soumise: r.obligation !== 'non', withheld: r.statut !== 'ok' })),
        `${TYPE_TITLE[g.type]} : ${g.rows.map((r) => `${rowLabel(data, r)}, ${r.statut === 'ok' ? formatPercent(r.taux) : 'effectif insuffisant'}`).join(' ; ')}`,
        { width: WIDTH, marginLeft },
      ),
    })),
    WIDTH,
  );
  const ok = rows.filter((r) => r.statut === 'ok' && r.strate === 'toutes' && r.type_collectivite !== 'commune');
  const obligees = rows.find((r) => r.strate === 'obligees' && r.statut === 'ok');
  const parts = [...(obligees ? [`${formatPercent(obligees.taux)} des communes soumises à l'obligation légale`] : []), ...ok.map((r) => `${formatPercent(r.taux)} des ${TYPE_TITLE[r.type_collectivite]!.toLowerCase()}`)];
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
      type: TYPE_TITLE[r.type_collectivite]!,
      strate: rowLabel(data, r),
      concernees: formatInteger(r.concernees),
      atteintes: formatInteger(r.atteintes),
      taux: r.statut === 'ok' ? formatPercent(r.taux) : 'effectif insuffisant',
      ic: r.statut === 'ok' ? `${formatPercent(r.ic_bas)} – ${formatPercent(r.ic_haut)}` : '—',
    })),
    csvColumns: ['indicateur', 'periode', 'niveau', 'territoire', 'type_collectivite', 'strate', 'concernees', 'atteintes', 'taux', 'ic_bas', 'ic_haut', 'statut', 'source', 'date_donnees', 'methode_version'],
    csvRows: rows as unknown as Record<string, unknown>[],
    fullExport: '/donnees/barometre.csv',
    sources: data.provenance.sources.filter((s) => def.sources.includes(s.id)),
    dateDonnees: rows.map((r) => r.date_donnees).sort().at(-1) ?? null,
    methodeVersion: rows[0]!.methode_version,
    echantillon: data.provenance.echantillon,
  };
}

let cache: SharedChart[] | undefined;
/** Every shareable chart of the site. */
export function sharedCharts(): SharedChart[] {
  if (!cache) {
    const data = loadSiteData();
    cache = data.indicateurs.map((i) => strateChart(data, i.id)).filter((c): c is SharedChart => c !== null);
  }
  return cache;
}

export function sharedChart(id: string): SharedChart {
  const chart = sharedCharts().find((c) => c.id === id);
  if (!chart) throw new Error(`Graphique inconnu : ${id}`);
  return chart;
}
