// The data-quality report: per source, freshness against its schedule, volumes, matching, rejects, coverage.
import type { Config } from '../pipelines/base/config.ts';
import { previousOccurrence, scheduleOf } from '../pipelines/base/cron.ts';
import { latestRun } from '../pipelines/base/runs.ts';
import { SOURCES } from '../pipelines/sources/index.ts';
import { quotedIdentifier, type Warehouse } from '../pipelines/base/warehouse.ts';
import type { Field } from './schema.ts';

export interface SourceQuality {
  source: string;
  titre: string;
  calendrier: string;
  dernier_statut: string | null;
  dernier_essai: string | null;
  derniere_reussite: string | null;
  origine: string | null;
  date_donnees: string | null;
  age_jours: number | null;
  intervalle_jours: number | null;
  fraicheur: 'a_jour' | 'en_retard' | 'jamais_chargee' | 'echantillon';
  lignes_lues: number | null;
  lignes_chargees: number | null;
  lignes_rejetees: number | null;
  taux_rapprochement: number | null;
  motifs_rejet: { motif: string; lignes: number }[];
  couverture: { type_collectivite: string; couvertes: number; total: number; taux: number }[];
  /** The load set aside by the volume guard and not published since (the previous data stay in use); null when none. */
  chargement_suspect: ChargementSuspect | null;
}

export interface ChargementSuspect {
  /** When it started (ISO timestamp). */
  le: string;
  lignes: number | null;
  /** What the guard held it to: the previous real load's rows, the minimum plausible size, or the planned slice. */
  lignes_attendues: number | null;
  rapprochees: number | null;
  rapprochees_attendues: number | null;
  /** `precedent` (the previous real load), `minimum` (a first real load) or `prevu` (the planned slice). */
  comparaison: 'precedent' | 'minimum' | 'prevu';
}

const COMPARAISONS: Record<ChargementSuspect['comparaison'], string> = { precedent: 'chargement réel précédent', minimum: 'taille plausible minimale', prevu: 'tranche prévue' };

/** A suspect load in one line (the CSV export): its figures against what was expected. */
export function resumeSuspect(c: ChargementSuspect): string {
  const attendu = (x: number | null) => (x === null ? '' : ` (attendu : ${x}, ${COMPARAISONS[c.comparaison]})`);
  const rapprochees = c.rapprochees === null ? '' : ` ; ${c.rapprochees} collectivités rapprochées${attendu(c.rapprochees_attendues)}`;
  return `${c.le} : ${c.lignes ?? '?'} lignes${attendu(c.lignes_attendues)}${rapprochees}`;
}

export const QUALITE_FIELDS: Field[] = [
  { name: 'source', type: 'string', description: 'Identifiant de la source.' },
  { name: 'titre', type: 'string', description: 'Titre de la source.' },
  { name: 'calendrier', type: 'string', description: 'Expression cron de récupération (Europe/Paris).' },
  { name: 'dernier_statut', type: 'string', description: 'Statut du dernier chargement (succes, inchange, echec, en_cours).' },
  { name: 'dernier_essai', type: 'string', description: 'Début du dernier chargement, réussi ou non.' },
  { name: 'derniere_reussite', type: 'string', description: 'Début du dernier chargement réussi.' },
  { name: 'origine', type: 'string', description: "Origine des données du dernier chargement réussi : live, fichier ou fixture (jeu d'exemple)." },
  { name: 'date_donnees', type: 'date', description: 'Date des données du dernier chargement réussi.' },
  { name: 'age_jours', type: 'number', description: 'Âge du dernier chargement réussi, en jours.' },
  { name: 'intervalle_jours', type: 'number', description: 'Intervalle prévu entre deux récupérations, en jours.' },
  { name: 'fraicheur', type: 'string', description: "a_jour, en_retard (plus d'un intervalle et un jour sans chargement réussi), jamais_chargee, ou echantillon (seul le jeu d'exemple est chargé)." },
  { name: 'lignes_lues', type: 'integer', description: 'Lignes lues au dernier chargement réussi.' },
  { name: 'lignes_chargees', type: 'integer', description: 'Lignes chargées.' },
  { name: 'lignes_rejetees', type: 'integer', description: 'Lignes rejetées.' },
  { name: 'taux_rapprochement', type: 'number', description: 'Lignes utilisables (rapprochées du référentiel et valides) / lignes lues.' },
  { name: 'motifs_rejet', type: 'string', description: 'Principaux motifs de rejet avec leur nombre de lignes.' },
  { name: 'couverture', type: 'string', description: 'Part des collectivités de chaque type présentes dans les dernières données de la source.' },
  {
    name: 'chargement_suspect',
    type: 'string',
    description:
      'Chargement mis de côté par le contrôle de volume (statut suspect) et non publié depuis : bien moins de lignes ou de collectivités rapprochées que le chargement réel précédent, ou sous la taille plausible de la source ; les données précédentes restent utilisées. Vide sinon.',
  },
];

const DAY = 86_400_000;

/** Reject reasons grouped by their head ("hors périmètre", "doublon"…): the text before " : ". */
async function topReasons(w: Warehouse, runId: string): Promise<SourceQuality['motifs_rejet']> {
  return w.all(
    // The head of a reason, without a parenthesis left open by the cut ("chantier inconnu (chantiers connus : …)").
    `SELECT regexp_replace(split_part(motif, ' : ', 1), '\\s*\\([^)]*$', '') AS motif, count(*)::INTEGER AS lignes
     FROM rejets WHERE run_id = $r GROUP BY 1 ORDER BY lignes DESC, motif LIMIT 5`,
    { r: runId },
  );
}

async function coverage(w: Warehouse, tables: { name: string; columns: { name: string }[] }[]): Promise<SourceQuality['couverture']> {
  const out: SourceQuality['couverture'] = [];
  for (const t of tables) {
    const cols = t.columns.map((c) => c.name);
    if (!cols.includes('code') || !cols.includes('categorie') || !(await w.tableExists(t.name))) continue;
    // A source with two layouts (ds) leaves one table empty: it covers nothing and says nothing.
    if (!(await w.one(`SELECT 1 AS x FROM ${quotedIdentifier(t.name)} LIMIT 1`))) continue;
    const latest = cols.includes('date_donnees') ? `WHERE date_donnees = (SELECT max(date_donnees) FROM ${quotedIdentifier(t.name)})` : '';
    const rows = await w.all<{ type_collectivite: string; couvertes: number; total: number }>(`
      WITH s AS (SELECT DISTINCT categorie AS type_collectivite, code FROM ${quotedIdentifier(t.name)} ${latest})
      SELECT r.type_collectivite, count(s.code)::INTEGER AS couvertes, count(*)::INTEGER AS total
      FROM ref_collectivites r LEFT JOIN s USING (type_collectivite, code)
      GROUP BY 1 ORDER BY CASE r.type_collectivite WHEN 'commune' THEN 0 WHEN 'epci' THEN 1 WHEN 'departement' THEN 2 ELSE 3 END`);
    for (const r of rows) out.push({ ...r, taux: r.total > 0 ? r.couvertes / r.total : 0 });
  }
  return out;
}

async function suspectOf(w: Warehouse, sourceId: string): Promise<ChargementSuspect | null> {
  const r = await latestRun(w, sourceId, 'suspect');
  if (!r) return null;
  return {
    le: r.started_at,
    lignes: r.rows_counted ?? r.rows_loaded,
    lignes_attendues: r.rows_expected ?? null,
    rapprochees: r.matched ?? null,
    rapprochees_attendues: r.matched_expected ?? null,
    comparaison: r.compared_with === 'minimum' ? 'minimum' : r.compared_with === 'planned' ? 'prevu' : 'precedent',
  };
}

export async function qualityReport(config: Config, w: Warehouse, now: Date): Promise<SourceQuality[]> {
  const report: SourceQuality[] = [];
  for (const source of SOURCES) {
    const last = await latestRun(w, source.id, 'any');
    const ok = await latestRun(w, source.id, 'good');
    const cron = scheduleOf(config, source);
    const p1 = previousOccurrence(cron, config.timezone, now);
    const p2 = p1 ? previousOccurrence(cron, config.timezone, new Date(p1.getTime() - 60_000)) : null;
    const interval = p1 && p2 ? (p1.getTime() - p2.getTime()) / DAY : null;
    const age = ok ? (now.getTime() - Date.parse(String(ok.started_at))) / DAY : null;
    report.push({
      source: source.id,
      titre: source.title,
      calendrier: cron,
      dernier_statut: (last?.status as string) ?? null,
      dernier_essai: (last?.started_at as string) ?? null,
      derniere_reussite: (ok?.started_at as string) ?? null,
      origine: (ok?.origin as string) ?? null,
      date_donnees: (ok?.date_donnees as string) ?? null,
      age_jours: age === null ? null : Math.round(age * 10) / 10,
      intervalle_jours: interval === null ? null : Math.round(interval * 10) / 10,
      fraicheur: age === null ? 'jamais_chargee' : ok?.origin === 'fixture' ? 'echantillon' : interval !== null && age > interval + 1 ? 'en_retard' : 'a_jour',
      lignes_lues: (ok?.rows_in as number) ?? null,
      lignes_chargees: (ok?.rows_loaded as number) ?? null,
      lignes_rejetees: (ok?.rows_rejected as number) ?? null,
      taux_rapprochement: ok && Number(ok.rows_in) > 0 ? Number(ok.rows_loaded) / Number(ok.rows_in) : null,
      motifs_rejet: ok ? await topReasons(w, String(ok.run_id)) : [],
      couverture: ok ? await coverage(w, source.tables) : [],
      chargement_suspect: await suspectOf(w, source.id),
    });
  }
  return report;
}

/** One flat row per source, for the CSV export. */
export function qualityRows(report: SourceQuality[]): Record<string, unknown>[] {
  return report.map((q) => ({
    ...q,
    motifs_rejet: q.motifs_rejet.map((m) => `${m.motif} (${m.lignes})`).join(' ; '),
    couverture: q.couverture.map((c) => `${c.type_collectivite} ${c.couvertes}/${c.total}`).join(' ; '),
    chargement_suspect: q.chargement_suspect ? resumeSuspect(q.chargement_suspect) : '',
  }));
}
