// Whether each source has real data, and so whether each indicator is real, sample or unavailable.
// The bundled samples stand in only for a fully offline first build (no real data for any source): as soon
// as one source has real data, an indicator whose source has none is unavailable, never a sample figure.
import { latestRunsSql, type RunStatus } from '../pipelines/base/runs.ts';
import { SOURCES } from '../pipelines/sources/index.ts';
import type { Warehouse } from '../pipelines/base/warehouse.ts';
import type { Indicator } from './types.ts';

/** `reelle`: its latest successful load is live or a local file; `echantillon`: the bundled sample; `absente`: never loaded. */
export type EtatSource = 'reelle' | 'echantillon' | 'absente';

export interface Tentative {
  /** When the latest attempt to load real data (live or local file) started, ISO timestamp. */
  le: string;
  statut: RunStatus;
  erreur: string | null;
}

export interface SourceEtat {
  id: string;
  etat: EtatSource;
  derniere_tentative: Tentative | null;
}

export type EtatIndicateur = 'reel' | 'echantillon' | 'indisponible';

export interface IndicateurEtat {
  etat: EtatIndicateur;
  /** Why the indicator is unavailable, in French; null otherwise. */
  raison: string | null;
  /** The latest attempt to load real data for its sources (ISO timestamp), null when none was made. */
  derniere_tentative: string | null;
}

/**
 * A failed load's message as the pages, PDFs and exports publish it: every path of the operator's file system
 * (`/srv/…/anct`, `C:\\…\\fichier.csv`) becomes « un fichier local » (web addresses stay). The full message, path
 * included, stays in the runs table, `barometre status` and the operator's log.
 */
export function messagePublic(message: string): string {
  return message
    .replace(/(?<![\w:/.@-])(?:[A-Za-z]:\\|~?\/)[^\s«»"'<>,;()]*[^\s«»"'<>,;().:]/g, 'un fichier local')
    .replace(/(un fichier local)(\s+\1)+/g, '$1');
}

export async function sourceStates(w: Warehouse): Promise<Map<string, SourceEtat>> {
  const states = new Map<string, SourceEtat>();
  const rows = (await w.tableExists('runs'))
    ? await w.all<{ source: string; origin: string | null; le: string | null; statut: RunStatus | null; erreur: string | null }>(`
        WITH ok AS (
          SELECT source, origin FROM (${latestRunsSql('good')})
        ),
        essai AS (
          SELECT source, started_at AS le, status AS statut, error AS erreur FROM (${latestRunsSql('attempt-real')})
        )
        SELECT source, ok.origin, essai.le, essai.statut, essai.erreur FROM ok FULL JOIN essai USING (source)`)
    : [];
  for (const r of rows) {
    states.set(r.source, {
      id: r.source,
      etat: r.origin === null ? 'absente' : r.origin === 'fixture' ? 'echantillon' : 'reelle',
      // Published (provenance.json, pages, the review's PDF): no path of the operator's machine.
      derniere_tentative: r.le === null ? null : { le: r.le, statut: r.statut!, erreur: r.erreur === null ? null : messagePublic(r.erreur) },
    });
  }
  return states;
}

export function stateOf(states: ReadonlyMap<string, SourceEtat>, id: string): SourceEtat {
  return states.get(id) ?? { id, etat: 'absente', derniere_tentative: null };
}

/** The sample build: no source has real data. */
export function sampleMode(states: ReadonlyMap<string, SourceEtat>): boolean {
  return ![...states.values()].some((s) => s.etat === 'reelle');
}

/**
 * May an indicator be computed: always in the sample build (its own data decide, as for a warehouse filled by
 * hand), and under real data when one of its sources has real data (a series relayed from one source to another
 * is computed from the real one; `usableTables` keeps the other's sample out).
 */
export function computable(indicator: Pick<Indicator, 'sources'>, states: ReadonlyMap<string, SourceEtat>): boolean {
  return sampleMode(states) || indicator.sources.some((id) => stateOf(states, id).etat === 'reelle');
}

/** The warehouse tables an indicator may read: under real data, not those of a source that has only its sample. */
export function usableTables(tables: ReadonlySet<string>, states: ReadonlyMap<string, SourceEtat>): Set<string> {
  if (sampleMode(states)) return new Set(tables);
  const samples = new Set(SOURCES.filter((s) => !usable(states, s.id)).flatMap((s) => s.tables.map((t) => t.name)));
  return new Set([...tables].filter((t) => !samples.has(t)));
}

/** May a source's data be exported (boundaries, procedures) or extend a series (history): the same rule. */
export function usable(states: ReadonlyMap<string, SourceEtat>, id: string): boolean {
  return sampleMode(states) || stateOf(states, id).etat === 'reelle';
}

function titleOf(id: string): string {
  const s = SOURCES.find((x) => x.id === id);
  return s ? `« ${s.title} » (${id})` : `« ${id} »`;
}

function why(s: SourceEtat, sample: boolean): string {
  const t = s.derniere_tentative;
  const attempt = !t
    ? "aucun chargement de données réelles n'a été tenté"
    : t.statut === 'echec' || t.statut === 'interrompu'
      ? `le dernier chargement a échoué : ${t.erreur ?? 'erreur inconnue'}`
      : t.statut === 'suspect'
        ? `le dernier chargement a été mis de côté, son volume étant suspect (bien moins de lignes ou de collectivités que prévu)`
        : `dernier chargement : ${t.statut}`;
  if (s.etat === 'echantillon' && !sample) return `la source ${titleOf(s.id)} n'a que son jeu d'exemple, qui ne remplace pas des données réelles ; ${attempt}`;
  return `la source ${titleOf(s.id)} n'a pas de données ; ${attempt}`;
}

/**
 * An indicator's state once computed (`computed`: it has rows in the barometer): real or sample figures, or
 * unavailable with the reason (its sources' missing data and last attempts, or no row for it in their data).
 */
export function indicatorState(indicator: Pick<Indicator, 'sources'>, states: ReadonlyMap<string, SourceEtat>, computed: boolean): IndicateurEtat {
  const sample = sampleMode(states);
  if (computed) return { etat: sample ? 'echantillon' : 'reel', raison: null, derniere_tentative: null };
  const missing = indicator.sources.map((id) => stateOf(states, id)).filter((s) => s.etat === 'absente' || (s.etat === 'echantillon' && !sample));
  if (missing.length === 0) {
    return { etat: 'indisponible', raison: `Aucune donnée pour cet indicateur dans les données chargées (sources : ${indicator.sources.join(', ')}).`, derniere_tentative: null };
  }
  const dates = missing.map((s) => s.derniere_tentative?.le).filter((d): d is string => !!d).sort();
  // Error messages end with their own full stop: one is enough.
  const raison = missing.map((s) => why(s, sample).replace(/\.$/, '')).join(' ; ');
  return { etat: 'indisponible', raison: `${raison.charAt(0).toUpperCase()}${raison.slice(1)}.`, derniere_tentative: dates.at(-1) ?? null };
}
