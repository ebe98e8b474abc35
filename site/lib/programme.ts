// The DCANT roadmap: axes, actions and their status semester after semester, from data/programme/*.csv.
// The site otherwise reads the exports only; the roadmap is editorial content committed with the code (edited by the
// programme's board in a spreadsheet), not data computed by the pipelines, so it is read here directly, at build time.
import { loadProgramme } from './programme-lecture.ts';
import type { Action, Axe, Conviction, Programme, Resultat, Statut, StatutAction } from './programme-modele.ts';

export const STATUT_LABELS: Record<Statut, string> = {
  a_lancer: 'à lancer',
  demarree: 'démarrée',
  en_cours: 'en cours',
  terminee: 'terminée',
  abandonnee: 'abandonnée',
};

/** The status an action had at a semester: its latest row whose semester is not after it; null when none yet. */
export function statutAu(programme: Programme, action: string, periode: string): StatutAction | null {
  return programme.statuts.filter((s) => s.action === action && s.periode <= periode).sort((a, b) => a.periode.localeCompare(b.periode)).at(-1) ?? null;
}

export interface ActionAuSemestre {
  action: Action;
  /** The row recorded for this very semester, or null: nothing is carried over as if it had been recorded. */
  statut: StatutAction | null;
  /** The latest row before, shown as such when this semester has none. */
  dernier: StatutAction | null;
}

export interface FeuilleDeRouteAxe {
  axe: Axe;
  convictions: Conviction[];
  actions: ActionAuSemestre[];
  /** Results written for this semester (the programme's semester review). */
  resultats: Resultat[];
}

export interface FeuilleDeRoute {
  /** The semester of the roadmap in force (the latest one not after the page's), or null before the first. */
  periodeFeuille: string | null;
  /** Status rows recorded for this semester, all actions together. */
  statutsReleves: number;
  axes: FeuilleDeRouteAxe[];
}

/** Every axis with the actions of the roadmap in force at `periode` (file order), their status, and the semester's results. */
export function feuilleDeRoute(programme: Programme, periode: string): FeuilleDeRoute {
  const periodeFeuille = [...new Set(programme.actions.map((a) => a.periode))].filter((p) => p <= periode).sort().at(-1) ?? null;
  const actions = programme.actions.filter((a) => a.periode === periodeFeuille);
  return {
    periodeFeuille,
    statutsReleves: programme.statuts.filter((s) => s.periode === periode && actions.some((a) => a.id === s.action)).length,
    axes: programme.axes.map((axe) => ({
      axe,
      convictions: programme.convictions.filter((c) => c.axe === axe.id).sort((a, b) => a.ordre - b.ordre),
      actions: actions
        .filter((a) => a.axe === axe.id)
        .map((action) => {
          const dernier = statutAu(programme, action.id, periode);
          return { action, statut: dernier?.periode === periode ? dernier : null, dernier: dernier?.periode === periode ? null : dernier };
        }),
      resultats: programme.resultats.filter((r) => r.axe === axe.id && r.periode === periode),
    })),
  };
}

/** « Titre (éditeur, date), section » for a citation; the bare value when it is an address or an unknown id. */
export function citer(programme: Programme, c: { document: string; section: string }): string {
  const d = programme.documents.find((x) => x.id === c.document);
  const doc = d ? `${d.titre} (${[d.editeur, d.date].filter((x) => x !== '').join(', ')})` : c.document;
  return c.section ? `${doc}, « ${c.section} »` : doc;
}

/** An organisation's full name for a title attribute, or the id itself. */
export function nomOrganisation(programme: Programme, id: string): string {
  return programme.organisations.find((o) => o.id === id)?.nom ?? id;
}

let cached: Programme | undefined;
/** The committed roadmap, read once per build. */
export function programme(): Programme {
  cached ??= loadProgramme();
  return cached;
}
