// What the home page says: the national rate of an indicator per type and strate, for the latest semester.
import type { StrateBar } from '../charts/taux-par-strate.ts';
import { type BarometreRow, type SiteData, TYPE_ORDER, latestPeriode, strateLabel, strateOrder } from './data.ts';
import { formatInteger, formatPercent, formatPeriode } from './format.ts';

export interface StrateGroup {
  type: string;
  title: string;
  bars: StrateBar[];
}

export interface StrateView {
  periode: string | null;
  rows: BarometreRow[];
  groups: StrateGroup[];
  summary: string;
  table: Record<string, string>[];
  dateDonnees: string | null;
  methodeVersion: string;
}

const TYPE_TITLE: Record<string, string> = { commune: 'Communes', epci: 'EPCI', departement: 'Départements', region: 'Régions' };

export function nationalByStrate(data: SiteData, indicateur: string): StrateView {
  const periode = latestPeriode(data, indicateur);
  const rows = data.barometre
    .filter((r) => r.indicateur === indicateur && r.periode === periode && r.niveau === 'national')
    // Communes are shown by band and as "obligees"; régions have a single band, shown once as a whole.
    .filter((r) => (r.type_collectivite === 'commune' ? r.strate !== 'toutes' : r.type_collectivite !== 'region' || r.strate === 'toutes'))
    .sort((a, b) => TYPE_ORDER.indexOf(a.type_collectivite) - TYPE_ORDER.indexOf(b.type_collectivite) || strateOrder(data, a.strate) - strateOrder(data, b.strate));
  const shortLabel = (r: BarometreRow) =>
    r.type_collectivite === 'region' || (r.strate === 'toutes' && r.type_collectivite !== 'commune')
      ? 'ensemble'
      : `${strateLabel(data, r.strate)}${r.obligation === 'non' ? ' (non soumises)' : ''}`;
  const label = (r: BarometreRow) => `${TYPE_TITLE[r.type_collectivite]} — ${shortLabel(r)}`;
  const groups: StrateGroup[] = TYPE_ORDER.map((type) => ({
    type,
    title: TYPE_TITLE[type]!,
    bars: rows
      .filter((r) => r.type_collectivite === type)
      .map((r) => ({ label: shortLabel(r), taux: r.taux, ic_bas: r.ic_bas, ic_haut: r.ic_haut, soumise: r.obligation !== 'non', withheld: r.statut !== 'ok' })),
  })).filter((g) => g.bars.length > 0);
  const pick = (type: string, strate: string) => rows.find((r) => r.type_collectivite === type && r.strate === strate);
  const parts = [
    ['commune', 'obligees', 'des communes de 3 500 habitants ou plus'],
    ['epci', 'toutes', 'des EPCI à fiscalité propre'],
    ['departement', 'toutes', 'des départements'],
    ['region', 'toutes', 'des régions'],
  ]
    .map(([type, strate, words]) => {
      const r = pick(type!, strate!);
      return r && r.statut === 'ok' ? `${formatPercent(r.taux)} ${words}` : null;
    })
    .filter((x): x is string => x !== null);
  const summary =
    periode === null
      ? "Aucune donnée n'est encore disponible pour cet indicateur."
      : `Au ${formatPeriode(periode)}, ${parts.length > 0 ? parts.join(', ').replace(/, ([^,]*)$/, ' et $1') : 'aucune strate assez nombreuse'} publient au moins un jeu de données ouvertes. Les barres horizontales noires montrent l'intervalle de confiance à 95 %.`;
  const table = rows.map((r) => ({
    strate: label(r),
    obligation: r.obligation === 'oui' ? 'oui' : r.obligation === 'non' ? 'non' : 'en partie',
    concernees: formatInteger(r.concernees),
    atteintes: formatInteger(r.atteintes),
    taux: r.statut === 'ok' ? formatPercent(r.taux) : 'effectif insuffisant',
    ic: r.statut === 'ok' ? `${formatPercent(r.ic_bas)} – ${formatPercent(r.ic_haut)}` : '—',
    taux_population: r.statut === 'ok' ? formatPercent(r.taux_population) : '—',
  }));
  return {
    periode,
    rows,
    groups,
    summary,
    table,
    dateDonnees: rows.map((r) => r.date_donnees).sort().at(-1) ?? null,
    methodeVersion: rows[0]?.methode_version ?? '—',
  };
}
