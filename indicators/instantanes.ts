// Indicators read from a source of daily or periodic snapshots (one `date_donnees` per pull): each semester is
// computed « as of » its last day, from the most recent snapshot dated on or before it, over every collectivité of
// the referential (one absent from the snapshot does not reach the objective).
import { quotedIdentifier, type Warehouse } from '../pipelines/base/warehouse.ts';
import { periodeOf } from './periods.ts';

/** The semesters in which `table` has at least one snapshot. */
export async function periodesInstantanes(w: Warehouse, table: string): Promise<string[]> {
  if (!(await w.tableExists(table))) return [];
  const rows = await w.all<{ d: string }>(`SELECT DISTINCT date_donnees AS d FROM ${quotedIdentifier(table)} ORDER BY d`);
  return [...new Set(rows.map((r) => periodeOf(r.d)))];
}

/**
 * SQL for `Indicator.sql`. `parCollectivite` selects from `table`, per snapshot and collectivité,
 * `date_donnees, type_collectivite, code, atteinte BOOLEAN, valeur DOUBLE` (GROUP BY the first three).
 */
export function instantaneSql(table: string, parCollectivite: string): string {
  return `
    WITH snapshots AS (SELECT DISTINCT date_donnees FROM ${quotedIdentifier(table)}),
    snapshot_of AS (
      SELECT p.periode, max(s.date_donnees) AS date_donnees
      FROM periodes p JOIN snapshots s ON s.date_donnees <= p.fin
      GROUP BY p.periode
    ),
    valeurs_instantane AS (${parCollectivite})
    SELECT so.periode, c.code, c.type_collectivite,
           TRUE AS concernee,
           FALSE AS obligee,
           coalesce(v.atteinte, FALSE) AS atteinte,
           coalesce(v.valeur, 0)::DOUBLE AS valeur,
           so.date_donnees
    FROM snapshot_of so
    CROSS JOIN ref_collectivites c
    LEFT JOIN valeurs_instantane v ON v.date_donnees = so.date_donnees AND v.code = c.code AND v.type_collectivite = c.type_collectivite`;
}

/** The sentence every snapshot indicator's methodology carries about its history. */
export const HISTORIQUE_QUOTIDIEN =
  "Le fichier du producteur ne décrit que l'état du jour : il n'a pas d'historique. L'historique du baromètre s'accumule au fil de ses récupérations quotidiennes (un instantané par jour, gardé dans l'entrepôt) ; le premier semestre publié est celui de la première récupération, et chaque semestre est calculé à la date de sa fin, à partir de l'instantané le plus récent daté au plus tard du dernier jour du semestre (pour le semestre en cours : le dernier instantané).";
