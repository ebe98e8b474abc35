// The « démarches publiques » export of Démarches Simplifiées (ds.ts), read by DuckDB: its staging tables, and the SQL
// that checks each procedure and matches its organisation to a collectivité by name.
import { SEUIL_RAPPROCHEMENT_NOMS } from '../referential/rapprochement-sql.ts';
import { countRows, createRejects, jsonCompression, jsonKeys, requireHeader } from '../base/staging.ts';
import { quotedIdentifier, quotedString, type Column } from '../base/warehouse.ts';
import { DS_TABLE_COLUMNS } from './ds-csv.ts';
import type { Staged, StageContext } from './types.ts';

export const DS_DEMARCHES_COLUMNS: Column[] = [
  { name: 'date_donnees', type: 'VARCHAR' },
  { name: 'run_id', type: 'VARCHAR' },
  /** Position of the procedure in the file's array (1 = first). */
  { name: 'ligne', type: 'INTEGER' },
  { name: 'numero', type: 'BIGINT' },
  { name: 'titre', type: 'VARCHAR' },
  /** Date of first publication, AAAA-MM-JJ (Paris time as written by the platform). */
  { name: 'date_publication', type: 'VARCHAR' },
  { name: 'organisme', type: 'VARCHAR' },
  { name: 'service_nom', type: 'VARCHAR' },
  { name: 'type_organisme', type: 'VARCHAR' },
  { name: 'dossiers', type: 'INTEGER' },
  { name: 'categorie', type: 'VARCHAR' },
  { name: 'code', type: 'VARCHAR' },
  /** `nom-organisme` or `nom-service`: which name designated the collectivité. */
  { name: 'rapprochement', type: 'VARCHAR' },
];

/** One row per load of the export: how many procedures declared by collectivités could be matched. */
export const DS_RAPPROCHEMENT_COLUMNS: Column[] = [
  { name: 'date_donnees', type: 'VARCHAR' },
  { name: 'run_id', type: 'VARCHAR' },
  { name: 'demarches', type: 'INTEGER' },
  /** Valid procedures whose service declares the type « collectivite_territoriale ». */
  { name: 'demarches_collectivites', type: 'INTEGER' },
  /** Among those, the procedures matched to exactly one collectivité. */
  { name: 'rapprochees', type: 'INTEGER' },
  { name: 'ambigues', type: 'INTEGER' },
  { name: 'introuvables', type: 'INTEGER' },
  /** Procedures of type « autre » matched to a collectivité (not counted in the rate). */
  { name: 'rapprochees_autres', type: 'INTEGER' },
  { name: 'taux', type: 'DOUBLE' },
];

const DS_REQUIRED_KEYS = ['number', 'title', 'datePublication', 'service'] as const;
/** Types of organisation the export may name a collectivité with; the others are the State's, operators, schools, associations. */
const TYPES_A_RAPPROCHER = ['collectivite_territoriale', 'autre'];

const q = quotedIdentifier;

/**
 * SQL keys under which a name may designate a collectivité: the name itself (a commune: « Ville de », « Mairie
 * de » are dropped by `normalise_nom`; an EPCI named like the referential: « Rennes Métropole », « CC de la
 * Dombes »), the EPCI's spelt-out kind abbreviated as in the referential (« Communauté de communes … » → CC …),
 * and after « Département », « Conseil départemental », « Région », « Collectivité de » the name of a
 * département or a région. A département written in brackets at the end (« Mairie de Saint-Aubin (35) ») narrows
 * the search to it.
 */
function nameKeysSql(from: string, nameColumn: string, source: string): string {
  return `
    WITH n AS (
      SELECT ligne,
             regexp_extract(${nameColumn}, '\\(\\s*([0-9][0-9AB][0-9]?)\\s*\\)\\s*$', 1) AS dep_hint,
             normalise_nom(regexp_replace(${nameColumn}, '\\(\\s*[0-9][0-9AB][0-9]?\\s*\\)\\s*$', '')) AS k
      FROM ${from} WHERE nullif(trim(${nameColumn}), '') IS NOT NULL
    )
    SELECT ligne, '${source}' AS par, dep_hint, 'commune' AS type_collectivite, k AS cle FROM n
    UNION ALL SELECT ligne, '${source}', dep_hint, 'epci', k FROM n
    UNION ALL SELECT ligne, '${source}', dep_hint, 'epci',
      regexp_replace(regexp_replace(regexp_replace(k, '^COMMUNAUTES? DE COMMUNES? ', 'CC '), '^COMMUNAUTE D AGGLOMERATION ', 'CA '), '^COMMUNAUTE URBAINE ', 'CU ')
      FROM n WHERE regexp_matches(k, '^COMMUNAUTE')
    UNION ALL SELECT ligne, '${source}', dep_hint, 'departement',
      regexp_replace(k, '^(DEPARTEMENT|CONSEIL DEPARTEMENTAL|CONSEIL GENERAL) (DE LA |DE L |DES |DU |DE |D )?', '')
      FROM n WHERE regexp_matches(k, '^(DEPARTEMENT|CONSEIL DEPARTEMENTAL|CONSEIL GENERAL) ')
    UNION ALL SELECT ligne, '${source}', dep_hint, 'region',
      regexp_replace(k, '^(REGION|CONSEIL REGIONAL|COLLECTIVITE TERRITORIALE|COLLECTIVITE) (DE LA |DE L |DES |DU |DE |D )?', '')
      FROM n WHERE regexp_matches(k, '^(REGION|CONSEIL REGIONAL|COLLECTIVITE) ')`;
}

export async function stageDsJson(ctx: StageContext, gzip: boolean): Promise<Staged> {
  const w = ctx.w;
  const what = `ds (${ctx.origin})`;
  const keys = await jsonKeys(w, ctx.rawPath, gzip, what);
  requireHeader(keys, DS_REQUIRED_KEYS, what, "Le fichier attendu est l'export mensuel « démarches publiques » de demarches-simplifiees.fr (…-demarches.json.gz).");
  const raw = ctx.scratchTable('brut');
  await w.run(
    `CREATE TABLE ${q(raw)} AS SELECT * FROM read_json(${quotedString(ctx.rawPath)}, format = 'array', compression = ${jsonCompression(gzip)},
       maximum_object_size = 134217728,
       columns = {number: 'VARCHAR', title: 'VARCHAR', datePublication: 'VARCHAR', service: 'JSON', dossiersCount: 'VARCHAR'})`,
  );
  const rows = ctx.scratchTable('demarches');
  await w.run(
    `CREATE TABLE ${q(rows)} AS
     SELECT (rowid + 1)::INTEGER AS ligne, trim(number) AS numero_brut, try_cast(trim(number) AS BIGINT) AS numero, title AS titre,
            datePublication AS date_brute, try_cast(left(trim(datePublication), 10) AS DATE) AS date_pub,
            json_type(service) AS service_type,
            nullif(trim(json_extract_string(service, '$.organisme')), '') AS organisme,
            nullif(trim(json_extract_string(service, '$.nom')), '') AS service_nom,
            lower(trim(json_extract_string(service, '$.typeOrganisme'))) AS type_organisme,
            try_cast(dossiersCount AS INTEGER) AS dossiers
     FROM ${q(raw)}`,
  );
  const rejects = ctx.scratchTable('rejets');
  await createRejects(w, rejects);
  // Structure first: a procedure the file cannot describe is rejected before any matching.
  const structure = ctx.scratchTable('structure');
  await w.run(
    `CREATE TABLE ${q(structure)} AS
     SELECT *, CASE
       WHEN numero IS NULL OR numero <= 0 THEN 'number invalide « ' || coalesce(numero_brut, '') || ' » (numéro de démarche entier positif attendu)'
       WHEN count(*) OVER (PARTITION BY numero) > 1 AND row_number() OVER (PARTITION BY numero ORDER BY ligne) > 1
         THEN 'doublon : même démarche que l''objet n°' || min(ligne) OVER (PARTITION BY numero) || ', comptée une fois'
       WHEN service_type IS NULL OR service_type = 'NULL' THEN 'démarche sans service (service absent ou null)'
       WHEN service_type <> 'OBJECT' THEN 'service n''est pas un objet {nom, organisme, typeOrganisme}'
       WHEN date_brute IS NULL THEN 'datePublication absente (démarche jamais publiée)'
       WHEN date_pub IS NULL THEN 'datePublication illisible « ' || date_brute || ' » (date ISO 8601 attendue)'
       WHEN organisme IS NULL AND service_nom IS NULL THEN 'service sans nom ni organisme'
       WHEN coalesce(type_organisme, '') NOT IN ${`(${TYPES_A_RAPPROCHER.map((t) => `'${t}'`).join(', ')})`}
         THEN 'organisme hors collectivités (typeOrganisme « ' || coalesce(type_organisme, '') || ' »)'
     END AS motif
     FROM ${q(rows)}`,
  );
  const keysTable = ctx.scratchTable('cles');
  const candidates = `(SELECT * FROM ${q(structure)} WHERE motif IS NULL)`;
  await w.run(`CREATE TABLE ${q(keysTable)} AS SELECT * FROM (${nameKeysSql(candidates, 'organisme', 'nom-organisme')}) UNION ALL SELECT * FROM (${nameKeysSql(candidates, 'service_nom', 'nom-service')})`);
  // Each name's collectivités: one is a match, several are ambiguous; the organisation's name is tried first.
  const found = ctx.scratchTable('trouvees');
  await w.run(
    `CREATE TABLE ${q(found)} AS
     SELECT k.ligne, k.par, count(DISTINCT (r.type_collectivite, r.code))::INTEGER AS n,
            any_value(r.type_collectivite) AS categorie, any_value(r.code) AS code,
            list_sort(list(DISTINCT r.type_collectivite || ' ' || r.code)) AS codes
     FROM ${q(keysTable)} k JOIN ref_noms r
       ON r.type_collectivite = k.type_collectivite AND r.cle = k.cle AND (k.dep_hint = '' OR r.departement = k.dep_hint OR (r.type_collectivite = 'departement' AND r.code = k.dep_hint))
     WHERE k.cle <> ''
     GROUP BY k.ligne, k.par`,
  );
  const judged = ctx.scratchTable('jugees');
  await w.run(
    `CREATE TABLE ${q(judged)} AS
     SELECT s.*, coalesce(o.n, 0) AS n_org, coalesce(sv.n, 0) AS n_serv,
       CASE WHEN o.n = 1 THEN o.categorie WHEN coalesce(o.n, 0) = 0 AND sv.n = 1 THEN sv.categorie END AS categorie,
       CASE WHEN o.n = 1 THEN o.code WHEN coalesce(o.n, 0) = 0 AND sv.n = 1 THEN sv.code END AS code,
       CASE WHEN o.n = 1 THEN 'nom-organisme' WHEN coalesce(o.n, 0) = 0 AND sv.n = 1 THEN 'nom-service' END AS rapprochement,
       coalesce(s.motif, CASE
         WHEN o.n = 1 OR (coalesce(o.n, 0) = 0 AND sv.n = 1) THEN NULL
         WHEN o.n > 1 THEN 'nom ambigu : « ' || s.organisme || ' » désigne ' || o.n || ' collectivités (' || array_to_string(list_slice(o.codes, 1, 5), ', ') || CASE WHEN o.n > 5 THEN ', …' ELSE '' END || ') ; un département entre parenthèses à la fin du nom trancherait'
         WHEN sv.n > 1 THEN 'nom ambigu : « ' || s.service_nom || ' » désigne ' || sv.n || ' collectivités (' || array_to_string(list_slice(sv.codes, 1, 5), ', ') || CASE WHEN sv.n > 5 THEN ', …' ELSE '' END || ')'
         ELSE 'aucune collectivité de ce nom : « ' || coalesce(s.organisme, '') || ' » / « ' || coalesce(s.service_nom, '') || ' »'
       END) AS motif_final
     FROM ${q(structure)} s
     LEFT JOIN ${q(found)} o ON o.ligne = s.ligne AND o.par = 'nom-organisme'
     LEFT JOIN ${q(found)} sv ON sv.ligne = s.ligne AND sv.par = 'nom-service'`,
  );
  const staging = ctx.stagingTable('ds_demarches');
  await w.run(
    `CREATE TABLE ${q(staging)} AS
     SELECT $d::VARCHAR AS date_donnees, $r::VARCHAR AS run_id, ligne, numero, titre, strftime(date_pub, '%Y-%m-%d') AS date_publication,
            organisme, service_nom, type_organisme, dossiers, categorie, code, rapprochement
     FROM ${q(judged)} WHERE motif_final IS NULL ORDER BY ligne`,
    { d: ctx.dataDate, r: ctx.runId },
  );
  await w.run(`INSERT INTO ${q(rejects)} SELECT ligne, coalesce(numero_brut, organisme), motif_final FROM ${q(judged)} WHERE motif_final IS NOT NULL`);
  const rate = ctx.stagingTable('ds_rapprochement');
  await w.run(
    `CREATE TABLE ${q(rate)} AS
     SELECT $d::VARCHAR AS date_donnees, $r::VARCHAR AS run_id, count(*)::INTEGER AS demarches,
            count(*) FILTER (WHERE motif IS NULL AND type_organisme = 'collectivite_territoriale')::INTEGER AS demarches_collectivites,
            count(*) FILTER (WHERE motif_final IS NULL AND type_organisme = 'collectivite_territoriale')::INTEGER AS rapprochees,
            count(*) FILTER (WHERE motif IS NULL AND type_organisme = 'collectivite_territoriale' AND (n_org > 1 OR (n_org = 0 AND n_serv > 1)))::INTEGER AS ambigues,
            count(*) FILTER (WHERE motif IS NULL AND type_organisme = 'collectivite_territoriale' AND n_org = 0 AND n_serv = 0)::INTEGER AS introuvables,
            count(*) FILTER (WHERE motif_final IS NULL AND type_organisme = 'autre')::INTEGER AS rapprochees_autres,
            CASE WHEN count(*) FILTER (WHERE motif IS NULL AND type_organisme = 'collectivite_territoriale') > 0
                 THEN count(*) FILTER (WHERE motif_final IS NULL AND type_organisme = 'collectivite_territoriale')::DOUBLE
                      / count(*) FILTER (WHERE motif IS NULL AND type_organisme = 'collectivite_territoriale') END AS taux
     FROM ${q(judged)}`,
    { d: ctx.dataDate, r: ctx.runId },
  );
  await w.createTable(ctx.stagingTable('ds_procedures'), DS_TABLE_COLUMNS);
  const r = (await w.one<Record<string, number | null>>(`SELECT * FROM ${q(rate)}`))!;
  const pct = (x: number | null) => (x === null ? 'non calculable' : `${(100 * x).toFixed(1).replace('.', ',')} %`);
  const notes = [
    `taux de rapprochement : ${r.rapprochees} des ${r.demarches_collectivites} démarches déclarées par des collectivités territoriales rattachées à une seule collectivité (${pct(r.taux as number | null)}) ; ${r.ambigues} au nom ambigu, ${r.introuvables} sans collectivité de ce nom ; ${r.rapprochees_autres} démarche(s) de type « autre » rattachée(s) en plus.`,
  ];
  if (r.taux !== null && (r.taux as number) < SEUIL_RAPPROCHEMENT_NOMS) {
    notes.push(`taux de rapprochement sous le seuil de ${pct(SEUIL_RAPPROCHEMENT_NOMS)} : l'indicateur demarches-en-ligne-ds sera publié avec un avertissement.`);
  }
  return { rejectsTable: rejects, rowsIn: await countRows(w, raw), rowsLoaded: await countRows(w, staging), rowsRejected: await countRows(w, rejects), dataDate: ctx.dataDate, notes };
}
