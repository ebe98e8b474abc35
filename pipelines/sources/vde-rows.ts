// The rows every format of the observatory becomes (vde.ts): value helpers, and the builder that collects the
// procedures, their indicator values and the rejects.
import { parseNumber } from '../base/csv.ts';
import type { Row } from '../base/warehouse.ts';
import type { PrepareContext, Reject } from './types.ts';
import type { DefinitionsVde, Evaluation } from './vde-definitions.ts';
import { niveauCollectivite, type RegleDemarchePartagee } from './vde-partagees.ts';

export const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : null);
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Integer volume ≥ 0, or null when absent; a reason when it cannot be one. */
export function volumeOf(v: unknown, what: string): { value: number | null; error?: string } {
  if (v === null || v === undefined || v === '') return { value: null };
  const n = typeof v === 'number' ? v : typeof v === 'string' ? parseNumber(v) : Number.NaN;
  if (n === null) return { value: null };
  if (Number.isNaN(n)) return { value: null, error: `${what} n'est pas un nombre : « ${String(v)} »` };
  if (n < 0) return { value: null, error: `${what} négatif : « ${String(v)} » (un nombre de démarches en ligne est positif ou nul)` };
  if (!Number.isInteger(n)) return { value: null, error: `${what} n'est pas un nombre entier : « ${String(v)} »` };
  return { value: n };
}

export interface Builder {
  defs: DefinitionsVde;
  regles: RegleDemarchePartagee[];
  ctx: PrepareContext;
  procedures: Row[];
  valeurs: Row[];
  rejects: Reject[];
}

export function pushProcedure(b: Builder, edition: { id: string; date: string }, p: Omit<Row, 'date_donnees' | 'run_id' | 'edition_id' | 'niveau_collectivite' | 'motif_partage'> & { titre_normalise: string }, valeurs: { slug: string; e: Evaluation; unite: string | null }[]): void {
  const shared = niveauCollectivite(p.titre_normalise, b.regles);
  b.procedures.push({ date_donnees: edition.date, run_id: b.ctx.runId, edition_id: edition.id, ...p, niveau_collectivite: shared?.niveau ?? null, motif_partage: shared?.motif ?? null });
  for (const { slug, e, unite } of valeurs) {
    b.valeurs.push({ date_donnees: edition.date, run_id: b.ctx.runId, edition_id: edition.id, titre_normalise: p.titre_normalise, indicateur: slug, unite, ...e });
  }
}
