// Matching rows to the referential in SQL, for sources that stage their file with DuckDB: by SIREN (the first
// 9 digits of a SIRET) against `ref_siren`, then, for a commune, by INSEE code (a merged commune's old code
// followed to today's), and for a département or région by its own code when the producer gives it.
// Needs the tables of `ensureReferential` (the pull stores them before `stage`).

export interface MatchColumns {
  /** SQL giving the 9-digit SIREN (or NULL). */
  siren: string;
  /** SQL giving the producer's type, already mapped to commune / epci / departement / region (or anything else). */
  type: string;
  /** SQL giving a commune's INSEE code, for communes only. */
  insee?: string;
  /** SQL giving a département's own code, for a row of type departement. */
  departement?: string;
  /** SQL giving a région's own code, for a row of type region. */
  region?: string;
}

/**
 * The rows of `from` (a table or a parenthesised query) with `categorie` (commune, epci, departement, region,
 * ept), `code` and `rapprochement` (siren, siren-correspondance, siren-table, insee, insee-historique, code),
 * all three NULL when nothing matched.
 */
export function matchCollectiviteSql(from: string, c: MatchColumns): string {
  const insee = c.insee ?? 'NULL::VARCHAR';
  const dep = c.departement ?? 'NULL::VARCHAR';
  const reg = c.region ?? 'NULL::VARCHAR';
  return `
    SELECT f.*,
      CASE WHEN s.siren IS NOT NULL THEN s.type_collectivite
           WHEN com.code IS NOT NULL OR h.code_actuel IS NOT NULL THEN 'commune'
           WHEN d.code IS NOT NULL THEN 'departement'
           WHEN r.code IS NOT NULL THEN 'region' END AS categorie,
      coalesce(s.code, com.code, h.code_actuel, d.code, r.code) AS code,
      CASE WHEN s.siren IS NOT NULL THEN CASE s.rapprochement WHEN 'siren' THEN 'siren' ELSE 'siren-' || s.rapprochement END
           WHEN com.code IS NOT NULL THEN 'insee'
           WHEN h.code_actuel IS NOT NULL THEN 'insee-historique'
           WHEN d.code IS NOT NULL OR r.code IS NOT NULL THEN 'code' END AS rapprochement
    FROM ${from} f
    LEFT JOIN ref_siren s ON s.siren = ${c.siren}
    LEFT JOIN ref_collectivites com
      ON s.siren IS NULL AND ${c.type} = 'commune' AND com.type_collectivite = 'commune' AND com.code = ${insee}
    LEFT JOIN (SELECT ancien_code, any_value(code_actuel) AS code_actuel FROM ref_historique
               GROUP BY ancien_code HAVING count(DISTINCT code_actuel) = 1) h
      ON s.siren IS NULL AND com.code IS NULL AND ${c.type} = 'commune' AND h.ancien_code = ${insee}
    LEFT JOIN ref_collectivites d
      ON s.siren IS NULL AND ${c.type} = 'departement' AND d.type_collectivite = 'departement' AND d.code = ${dep}
    LEFT JOIN ref_collectivites r
      ON s.siren IS NULL AND ${c.type} = 'region' AND r.type_collectivite = 'region' AND r.code = ${reg}`;
}

/** SQL removing what web pages and spreadsheets slip into identifiers: spaces, no-break spaces, invisible marks. */
export function cleanIdentifierSql(expr: string): string {
  return `regexp_replace(coalesce(${expr}, ''), '[\\s\\x{00A0}\\x{200B}-\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}\\x{FEFF}]', '', 'g')`;
}

/** The four types the barometer counts, as a SQL list. */
export const TYPES_BAROMETRE = `('commune', 'epci', 'departement', 'region')`;

/**
 * Below this share of a source's rows matched to one collectivité by name, the indicators read from it carry a
 * warning: their rates would otherwise read as a measure when they are a floor.
 */
export const SEUIL_RAPPROCHEMENT_NOMS = 0.8;
