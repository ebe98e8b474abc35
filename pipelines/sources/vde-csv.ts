// The observatory's source table as CSV (vde.ts): its columns, and one edition dated by the context (--date).
import { parseCsv, requireColumns } from '../base/csv.ts';
import type { Row } from '../base/warehouse.ts';
import type { PrepareContext, Prepared } from './types.ts';
import { cleDemarche, evaluerCellule, nettoyerTitre, titreNormaliseObservatoire, vdeDefinitions, type Evaluation, type IndicateurVde } from './vde-definitions.ts';
import { demarchesPartagees } from './vde-partagees.ts';
import { METHODE_ACTUELLE } from './vde-anciennes.ts';
import { pushProcedure, volumeOf, type Builder } from './vde-rows.ts';

/** The observatory's source table (Grist), one row per procedure of one edition. */
export const CSV_COLUMNS = [
  'Nom_Demarche',
  'Nom_Ministere',
  'Nom_Administration',
  'Nom_Administration_Centrale',
  'Volumetrie_En_Ligne',
  'Statut_En_ligne',
  'Note_Satisfaction',
  'Note_Clarte_Langage',
  'Aide_Joignable',
  'Aide_Efficace',
  'Niveau_Autonomie',
  'Dashlord_UpDown_Dispo',
  'Dashlord_UpDown_Tps_Moy_Chargement',
  'Taux_RGAA_Publie',
  'Score_DLNUF',
  'Recours_au_Numerique',
  'FranceConnect',
] as const;

// ---------------------------------------------------------------------------------------------
// (b) the observatory's source table as CSV: one edition, dated by the context (--date)

export function prepareCsv(bytes: Uint8Array, ctx: PrepareContext, what: string): Prepared {
  const defs = vdeDefinitions();
  const table = parseCsv(bytes, { what });
  requireColumns(table, CSV_COLUMNS, what);
  const b: Builder = { defs, regles: demarchesPartagees(), ctx, procedures: [], valeurs: [], rejects: [] };
  for (const m of table.malformed) b.rejects.push({ ligne: m.line, identifiant: m.raw[0] ?? null, motif: `ligne mal formée : ${m.reason}` });
  const edition = { id: `csv-${ctx.dataDate}`, date: ctx.dataDate };
  const seen = new Map<string, number>();
  for (const { line, values: v } of table.rows) {
    const title = nettoyerTitre(v.Nom_Demarche ?? '');
    const reject = (motif: string) => b.rejects.push({ ligne: line, identifiant: title || null, motif });
    if (title === '') {
      reject('Nom_Demarche vide : démarche sans titre');
      continue;
    }
    const key = cleDemarche(title);
    const dup = seen.get(key);
    if (dup !== undefined) {
      reject(`doublon : même démarche que la ligne ${dup} (« ${key} »)`);
      continue;
    }
    const errors: string[] = [];
    const volume = volumeOf(v.Volumetrie_En_Ligne, 'Volumetrie_En_Ligne');
    if (volume.error) errors.push(volume.error);
    const valeurs: { slug: string; e: Evaluation; unite: string | null }[] = [];
    for (const ind of defs.indicateurs as IndicateurVde[]) {
      const r = evaluerCellule(ind, v[ind.colonne_csv], defs);
      if ('erreur' in r) errors.push(`${ind.colonne_csv} : ${r.erreur}`);
      else valeurs.push({ slug: ind.slug, e: r.ok, unite: ind.unite });
    }
    if (errors.length > 0) {
      reject(errors.join(' ; '));
      continue;
    }
    seen.set(key, line);
    pushProcedure(
      b,
      edition,
      {
        ligne: line,
        procedure_id: null,
        titre: title,
        titre_normalise: key,
        titre_normalise_observatoire: titreNormaliseObservatoire(title),
        ministere: v.Nom_Ministere?.trim() || null,
        administration: v.Nom_Administration?.trim() || null,
        administration_centrale: v.Nom_Administration_Centrale?.trim() || null,
        volume: volume.value,
        lien: null,
      },
      valeurs,
    );
  }
  const editionRow: Row = { date_donnees: edition.date, run_id: ctx.runId, edition_id: edition.id, nom: null, debut: null, fin: edition.date, cree_le: null, version: null, nb_procedures: b.procedures.length, methode: METHODE_ACTUELLE };
  return {
    tables: { vde_editions: [editionRow], vde_procedures: b.procedures, vde_valeurs: b.valeurs },
    rejects: b.rejects,
    rowsIn: table.rows.length + table.malformed.length,
    rowsLoaded: b.procedures.length,
    dataDate: ctx.dataDate,
    notes: [`table source en CSV : une édition datée du ${ctx.dataDate} (${edition.id}), ${b.procedures.length} démarches.`],
  };
}
