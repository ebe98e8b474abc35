// data.gouv.fr's catalogue (dataset "Catalogue des données de data.gouv.fr"): the daily exports of its organisations
// and of its datasets. Two files of tens of MB, read by DuckDB itself; matching and rejects are SQL.
import { requireHeader } from '../base/staging.ts';
import { quotedIdentifier, quotedString, type Column, type Warehouse } from '../base/warehouse.ts';
import type { FetchContext, Source, StageContext, Staged } from './types.ts';

export const CATALOGUE_API = 'https://www.data.gouv.fr/api/1/datasets/5d13a8b6634f41070a43dff3/';
/** Stable links to the latest exports, used when the API does not answer with usable resources. */
export const ORGANISATIONS_URL = 'https://www.data.gouv.fr/fr/datasets/r/b7bbfedc-2448-4135-a6c7-104548d396e7';
export const JEUX_URL = 'https://www.data.gouv.fr/fr/datasets/r/f868cca6-8da1-4369-a78d-47463f19a9a3';

export const DATAGOUV_ORGANISATIONS_COLUMNS: Column[] = [
  { name: 'date_donnees', type: 'VARCHAR' },
  { name: 'run_id', type: 'VARCHAR' },
  /** Record number in the organisations file (header = 1); empty for an organisation known only from the datasets file. */
  { name: 'ligne', type: 'INTEGER' },
  { name: 'id', type: 'VARCHAR' },
  { name: 'nom', type: 'VARCHAR' },
  { name: 'siren', type: 'VARCHAR' },
  { name: 'badges', type: 'VARCHAR' },
  /** commune, epci, departement, region, ept or hors-collectivite. */
  { name: 'categorie', type: 'VARCHAR' },
  { name: 'code', type: 'VARCHAR' },
  /** siren, correspondance, table (départements and régions), nom. */
  { name: 'rapprochement', type: 'VARCHAR' },
  /** Datasets of the organisation in the export, public and not archived on the date of the data. */
  { name: 'jeux_publics', type: 'INTEGER' },
  { name: 'premier_jeu', type: 'VARCHAR' },
];

export const DATAGOUV_JEUX_COLUMNS: Column[] = [
  { name: 'date_donnees', type: 'VARCHAR' },
  { name: 'run_id', type: 'VARCHAR' },
  { name: 'ligne', type: 'INTEGER' },
  { name: 'id', type: 'VARCHAR' },
  { name: 'organisation_id', type: 'VARCHAR' },
  /** Date of creation (YYYY-MM-DD, the date part of `created_at`). */
  { name: 'cree_le', type: 'VARCHAR' },
  /** Date of archiving, empty when not archived. */
  { name: 'archive_le', type: 'VARCHAR' },
  /** Older exports had a `private` column; a private dataset is not published. */
  { name: 'prive', type: 'BOOLEAN' },
];

/** Columns read by name (the header has duplicates and dozens of others). */
const ORG_REQUIRED = ['id', 'name'];
const JEUX_REQUIRED = ['id', 'organization_id', 'created_at', 'archived'];

/** The udata export's stamp in a file name: `export-organization-20260116-055249.csv` → 2026-01-16. */
export function dateOfExportName(name: string): string | null {
  const m = /(\d{4})(\d{2})(\d{2})-\d{6}/.exec(name.replace(/[?#].*$/, '').split('/').at(-1) ?? '');
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]) ? d.toISOString().slice(0, 10) : null;
}

/** The datasets file beside an organisations file: `…organizations…`/`…organisations…` → `…datasets…`. */
export function jeuxBeside(name: string): string {
  const beside = name.replace(/organi[sz]ations/gi, 'datasets').replace(/organi[sz]ation/gi, 'dataset');
  return beside === name ? `datasets-${name}` : beside;
}

/**
 * Macros for name matching, on top of `normalise_nom`: a form for recognising the kind a name designates, articles
 * dropped at the start, and the key of an EPCI without its legal form ("Communauté de communes du X" = "CC du X").
 */
const MACROS = `
CREATE OR REPLACE MACRO dg_forme(s) AS regexp_replace(trim(regexp_replace(upper(strip_accents(replace(replace(regexp_replace(coalesce(s, ''), '\\([^)]*\\)', ' ', 'g'), 'œ', 'oe'), 'Œ', 'OE'))), '[^A-Z0-9]+', ' ', 'g')), '^(LE|LA|LES|L) ', '');
CREATE OR REPLACE MACRO dg_sans_article(k) AS trim(regexp_replace(k, '^(DE LA|DE L|DES|DU|DE|D|LA|LE|LES|L) ', ''));
CREATE OR REPLACE MACRO dg_cle_epci(k) AS dg_sans_article(trim(regexp_replace(regexp_replace(k,
  '\\b(COMMUNAUTE DE COMMUNES|COMMUNAUTE D AGGLOMERATION|COMMUNAUTE URBAINE|COMMUNAUTE|EUROMETROPOLE|METROPOLE|AGGLOMERATION|AGGLO|CC|CA|CU)\\b', ' ', 'g'), '\\s+', ' ', 'g')));
`;

/** What kind of collectivité a name designates, from its words (on `dg_forme`); syndicates and agencies designate none. */
const KIND_SQL = (f: string) => `CASE
  WHEN regexp_matches(${f}, '^(SYNDICAT|SIVOM|SIVU|SIRS|SM|SMICTOM|PETR|PAYS|PARC|OFFICE|AGENCE|ETABLISSEMENT|EPTB|GIP|OBSERVATOIRE|CENTRE|CONSERVATOIRE|ASSOCIATION|SOCIETE|SPL|SEM|DIRECTION|DDT|DDTM|DREAL|PREFECTURE)\\b') THEN NULL
  WHEN regexp_matches(${f}, '^(COMMUNE|VILLE|MAIRIE) (DE|D|DU|DES) ') THEN 'commune'
  WHEN regexp_matches(${f}, '^(DEPARTEMENT|CONSEIL DEPARTEMENTAL|CONSEIL GENERAL) ') THEN 'departement'
  WHEN regexp_matches(${f}, '^(REGION|CONSEIL REGIONAL|COLLECTIVITE DE CORSE)( |$)') THEN 'region'
  WHEN regexp_matches(${f}, '\\b(COMMUNAUTE DE COMMUNES|COMMUNAUTE D AGGLOMERATION|COMMUNAUTE URBAINE|EUROMETROPOLE|METROPOLE)\\b') OR regexp_matches(${f}, '^(CC|CA|CU) |\\b(COMMUNAUTE|AGGLO|AGGLOMERATION)$') THEN 'epci'
END`;

/** The key a name is matched on, for its kind: the name without its designation and leading article. */
const KEY_SQL = (f: string, kind: string) => `CASE ${kind}
  WHEN 'commune' THEN dg_sans_article(normalise_nom(${f}))
  WHEN 'departement' THEN dg_sans_article(normalise_nom(regexp_replace(${f}, '^(DEPARTEMENT|CONSEIL DEPARTEMENTAL|CONSEIL GENERAL) ', '')))
  WHEN 'region' THEN dg_sans_article(normalise_nom(regexp_replace(${f}, '^(REGION|CONSEIL REGIONAL|COLLECTIVITE) ', '')))
  WHEN 'epci' THEN dg_cle_epci(normalise_nom(${f}))
END`;

const READ_OPTIONS = `delim = ';', quote = '"', escape = '"', header = true, all_varchar = true`;

function csvScan(path: string, rejects?: { scan: string; table: string }): string {
  const store = rejects ? `, store_rejects = true, rejects_scan = ${quotedString(rejects.scan)}, rejects_table = ${quotedString(rejects.table)}` : '';
  return `read_csv(${quotedString(path)}, ${READ_OPTIONS}${store})`;
}

async function headerOf(w: Warehouse, path: string): Promise<string[]> {
  // Errors are ignored here only: a malformed record must not stop the sniffer from reading the header.
  const scan = csvScan(path).replace(/\)$/, ', ignore_errors = true)');
  return (await w.all<{ column_name: string }>(`DESCRIBE SELECT * FROM ${scan}`)).map((c) => c.column_name);
}

const HEADER_HINT = "Attendu : l'export CSV du catalogue de data.gouv.fr, séparateur « ; ».";

const q = quotedIdentifier;

/**
 * Reads one export into `table` with its record number (`ligne`, header = 1) and lists the records DuckDB could not
 * read in `bad` (`ligne`, `motif`). Numbers count records, not physical lines: a description over several lines is
 * one record. Good records are numbered around the bad ones.
 */
async function readExport(ctx: StageContext, path: string, name: string, what: string, columns: string[]): Promise<{ table: string; bad: string }> {
  const w = ctx.w;
  const scan = ctx.scratchTable(`${name}_scan`);
  const errors = ctx.scratchTable(`${name}_erreurs`);
  const raw = ctx.scratchTable(`${name}_brut`);
  // Only the columns read by name are kept: the descriptions and metrics are parsed, never copied.
  await w.run(`CREATE TABLE ${q(raw)} AS SELECT row_number() OVER () AS rn, ${columns.map(q).join(', ')} FROM ${csvScan(path, { scan, table: errors })}`);
  const bad = ctx.scratchTable(`${name}_mal_formes`);
  await w.run(`CREATE TABLE ${q(bad)} AS
    SELECT line::INTEGER AS ligne,
           'enregistrement mal formé (' || ${quotedString(what)} || ') : ' ||
           CASE WHEN bool_or(error_type = 'MISSING COLUMNS') THEN min(TRY_CAST(regexp_extract(error_message, 'Found: (\\d+)', 1) AS INTEGER)) || ' champs au lieu de ' || max(regexp_extract(error_message, 'Expected Number of Columns: (\\d+)', 1))
                WHEN bool_or(error_type = 'TOO MANY COLUMNS') THEN 'plus de champs que les ' || max(regexp_extract(error_message, 'Expected Number of Columns: (\\d+)', 1)) || ' colonnes de l''en-tête'
                ELSE string_agg(DISTINCT lower(error_type), ', ') END AS motif
    FROM ${q(errors)} GROUP BY line`);
  // The k-th good record sits on line k + 1 + (bad records before it); the i-th bad one, on line b_i, comes before
  // the k-th good one when b_i - i <= k. An as-of join finds that count for every record at once.
  const table = ctx.scratchTable(name);
  const anyBad = (await count(w, `SELECT 1 FROM ${q(bad)}`)) > 0;
  await w.run(
    anyBad
      ? `CREATE TABLE ${q(table)} AS
         WITH gaps AS (SELECT g, max(k) AS k FROM (SELECT ligne - row_number() OVER (ORDER BY ligne) AS g, row_number() OVER (ORDER BY ligne) AS k FROM ${q(bad)}) GROUP BY g)
         SELECT (r.rn + 1 + coalesce(x.k, 0))::INTEGER AS ligne, r.* EXCLUDE (rn)
         FROM ${q(raw)} r ASOF LEFT JOIN gaps x ON r.rn >= x.g`
      : `CREATE TABLE ${q(table)} AS SELECT (rn + 1)::INTEGER AS ligne, * EXCLUDE (rn) FROM ${q(raw)}`,
  );
  await w.run(`DROP TABLE ${q(raw)}`);
  return { table, bad };
}

async function count(w: Warehouse, sql: string): Promise<number> {
  return (await w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM (${sql})`))!.n;
}

export async function stageDatagouv(ctx: StageContext): Promise<Staged> {
  const w = ctx.w;
  const jeuxPath = ctx.companions.jeux;
  if (!jeuxPath) throw new Error('datagouv : le fichier des jeux de données manque au chargement.');
  const orgHeader = await headerOf(w, ctx.rawPath);
  requireHeader(orgHeader, ORG_REQUIRED, 'datagouv (fichier des organisations)', HEADER_HINT);
  const jeuxHeader = await headerOf(w, jeuxPath);
  requireHeader(jeuxHeader, JEUX_REQUIRED, 'datagouv (fichier des jeux de données)', HEADER_HINT);
  await w.run(MACROS);

  const present = (header: string[], names: string[]) => names.filter((n) => header.includes(n));
  const org = await readExport(ctx, ctx.rawPath, 'organisations', 'fichier des organisations', present(orgHeader, ['id', 'name', 'badges', 'business_number_id', 'last_modified']));
  const jeux = await readExport(ctx, jeuxPath, 'jeux', 'fichier des jeux de données', present(jeuxHeader, ['id', 'organization', 'organization_id', 'created_at', 'last_modified', 'archived', 'private']));
  const col = (header: string[], name: string, fallback = 'NULL') => (header.includes(name) ? `t.${q(name)}` : fallback);

  // Datasets: dates read, then the rejects (no id, unreadable dates).
  const archived = col(jeuxHeader, 'archived');
  const lastModified = col(jeuxHeader, 'last_modified');
  const jeuxLus = ctx.scratchTable('jeux_lus');
  await w.run(`CREATE TABLE ${q(jeuxLus)} AS
    SELECT t.ligne, trim(t.id) AS id, nullif(trim(t.organization_id), '') AS organisation_id, ${col(jeuxHeader, 'organization')} AS organisation_nom,
           t.created_at AS created_at_brut, ${archived} AS archived_brut,
           TRY_CAST(left(trim(t.created_at), 10) AS DATE) AS cree_le,
           CASE WHEN coalesce(trim(${archived}), '') IN ('', 'False', 'false') THEN NULL
                WHEN trim(${archived}) IN ('True', 'true') THEN TRY_CAST(left(trim(${lastModified}), 10) AS DATE)
                ELSE TRY_CAST(left(trim(${archived}), 10) AS DATE) END AS archive_le,
           coalesce(trim(${archived}), '') NOT IN ('', 'False', 'false') AS archive,
           coalesce(trim(${col(jeuxHeader, 'private')}), '') IN ('True', 'true') AS prive,
           TRY_CAST(left(trim(${lastModified}), 10) AS DATE) AS modifie_le
    FROM ${q(jeux.table)} t`);
  const jeuxRejets = `
    SELECT ligne, nullif(id, '') AS identifiant,
           CASE WHEN coalesce(id, '') = '' THEN 'jeu de données sans identifiant'
                WHEN cree_le IS NULL THEN 'jeu de données : date de création illisible « ' || coalesce(created_at_brut, '') || ' » (attendu : AAAA-MM-JJ…)'
                ELSE 'jeu de données : date d''archivage illisible « ' || coalesce(archived_brut, '') || ' » (attendu : False ou une date)' END AS motif
    FROM ${q(jeuxLus)}
    WHERE coalesce(id, '') = '' OR cree_le IS NULL OR (archive AND archive_le IS NULL)`;

  // Organisations: the file's, plus those only the datasets file names (created between the two exports).
  const orgLues = ctx.scratchTable('organisations_lues');
  await w.run(`CREATE TABLE ${q(orgLues)} AS
    WITH du_fichier AS (
      SELECT t.ligne, trim(t.id) AS id, trim(t.name) AS nom, ${col(orgHeader, 'badges', "''")} AS badges,
             regexp_replace(coalesce(${col(orgHeader, 'business_number_id')}, ''), '[^0-9]', '', 'g') AS chiffres,
             ${col(orgHeader, 'last_modified')} AS modifie_brut, NULL::INTEGER AS ligne_jeu
      FROM ${q(org.table)} t
    ),
    des_jeux AS (
      SELECT NULL::INTEGER AS ligne, organisation_id AS id, any_value(trim(organisation_nom)) AS nom, '' AS badges, '' AS chiffres, NULL AS modifie_brut,
             min(ligne) AS ligne_jeu
      FROM ${q(jeuxLus)} WHERE organisation_id IS NOT NULL AND organisation_id NOT IN (SELECT id FROM du_fichier WHERE id IS NOT NULL)
      GROUP BY organisation_id
    )
    SELECT *, CASE WHEN length(chiffres) IN (9, 14) THEN left(chiffres, 9) END AS siren, dg_forme(nom) AS forme
    FROM (SELECT * FROM du_fichier UNION ALL SELECT * FROM des_jeux)`);

  // Matching: SIREN first (referential, successions, départements and régions), then a name that designates one
  // collectivité of the referential, and only one.
  const cles = ctx.scratchTable('cles');
  await w.run(`CREATE TABLE ${q(cles)} AS
    SELECT c.type_collectivite, c.code, ${KEY_SQL('dg_forme(c.nom)', 'c.type_collectivite')} AS cle
    FROM ref_collectivites c`);
  const rapproche = ctx.scratchTable('rapprochement');
  await w.run(`CREATE TABLE ${q(rapproche)} AS
    WITH o AS (SELECT *, ${KIND_SQL('forme')} AS genre FROM ${q(orgLues)}),
    k AS (SELECT *, ${KEY_SQL('forme', 'genre')} AS cle FROM o),
    par_nom AS (
      SELECT k.id, count(DISTINCT c.code) AS n, min(c.code) AS code, string_agg(DISTINCT c.code, ', ' ORDER BY c.code) AS codes
      FROM k JOIN ${q(cles)} c ON c.type_collectivite = k.genre AND c.cle = k.cle
      GROUP BY k.id
    )
    SELECT k.ligne, k.ligne_jeu, k.id, k.nom, k.siren, k.badges, k.genre, k.modifie_brut,
           min(k.ligne) OVER (PARTITION BY k.id) AS premiere,
           coalesce(s.type_collectivite, CASE WHEN pn.n = 1 THEN k.genre END) AS categorie,
           coalesce(s.code, CASE WHEN pn.n = 1 THEN pn.code END) AS code,
           coalesce(s.rapprochement, CASE WHEN pn.n = 1 THEN 'nom' END) AS rapprochement,
           CASE
             WHEN s.code IS NOT NULL OR pn.n = 1 THEN NULL
             WHEN k.id = '' OR k.id IS NULL THEN 'organisation sans identifiant'
             WHEN pn.n > 1 THEN 'nom « ' || k.nom || ' » ambigu : ' || pn.n || ' ' || CASE k.genre WHEN 'commune' THEN 'communes' WHEN 'epci' THEN 'EPCI' WHEN 'departement' THEN 'départements' ELSE 'régions' END || ' portent ce nom (' || pn.codes || ')'
             WHEN k.siren IS NOT NULL AND left(k.siren, 2) IN ('21', '22', '23') THEN
               CASE left(k.siren, 2) WHEN '21' THEN 'commune' WHEN '22' THEN 'département' ELSE 'région' END || ' introuvable : SIREN ' || k.siren || ' (« ' || k.nom || ' ») inconnu du référentiel (ancien SIREN d''une collectivité fusionnée ?)'
             WHEN k.genre IS NOT NULL THEN 'nom « ' || k.nom || ' » : aucun' || CASE k.genre WHEN 'commune' THEN 'e commune' WHEN 'epci' THEN ' EPCI à fiscalité propre' WHEN 'departement' THEN ' département' ELSE 'e région' END || ' de ce nom au référentiel' || CASE WHEN k.siren IS NULL THEN ', et pas de SIREN' ELSE ', et SIREN ' || k.siren || ' inconnu' END
             WHEN list_contains(string_split(k.badges, ','), 'local-authority') THEN 'organisation marquée collectivité territoriale (badge local-authority) sans SIREN connu (' || coalesce(k.siren, 'aucun') || ') ni nom reconnu : « ' || k.nom || ' »'
           END AS motif
    FROM k
    LEFT JOIN ref_siren s ON s.siren = k.siren
    LEFT JOIN par_nom pn ON pn.id = k.id`);

  // An organisation id twice in the file: the first record counts, the others are rejects.
  const doublon = `(motif IS NULL AND ligne > premiere)`;
  const orgRejets = `
    SELECT ligne, coalesce(nullif(id, ''), nom) AS identifiant,
           CASE WHEN ligne IS NULL THEN 'organisation absente du fichier des organisations, connue par le jeu de données de la ligne ' || ligne_jeu || ' : ' ELSE '' END || motif AS motif
    FROM ${q(rapproche)} WHERE motif IS NOT NULL
    UNION ALL
    SELECT ligne, id, 'doublon : identifiant d''organisation déjà lu à la ligne ' || premiere || ', compté une fois' FROM ${q(rapproche)} WHERE ${doublon}`;

  // The date of the data: --date, else the latest modification in the catalogue, else the file's name or the retrieval date.
  const latest = (await w.one<{ d: string | null }>(`SELECT strftime(greatest(
      (SELECT max(modifie_le) FROM ${q(jeuxLus)}),
      (SELECT max(TRY_CAST(left(trim(modifie_brut), 10) AS DATE)) FROM ${q(rapproche)})), '%Y-%m-%d') AS d`))?.d ?? null;
  const fromContent = !ctx.dateImposee && latest !== null;
  const dataDate = fromContent ? latest : ctx.dataDate;

  const p = { d: dataDate, r: ctx.runId };
  const jeuxOk = `SELECT * FROM ${q(jeuxLus)} WHERE ligne NOT IN (SELECT ligne FROM (${jeuxRejets}))`;
  await w.run(`CREATE TABLE ${q(ctx.stagingTable('datagouv_jeux'))} AS
    SELECT $d AS date_donnees, $r AS run_id, ligne::INTEGER AS ligne, id, organisation_id,
           strftime(cree_le, '%Y-%m-%d') AS cree_le, strftime(archive_le, '%Y-%m-%d') AS archive_le, prive
    FROM (${jeuxOk}) ORDER BY ligne`, p);
  const staged = q(ctx.stagingTable('datagouv_jeux'));
  await w.run(`CREATE TABLE ${q(ctx.stagingTable('datagouv_organisations'))} AS
    WITH gardees AS (SELECT * FROM ${q(rapproche)} WHERE motif IS NULL AND NOT coalesce(${doublon}, FALSE)),
    jeux AS (
      SELECT organisation_id, count(*) FILTER (WHERE NOT prive AND (archive_le IS NULL OR archive_le > $d))::INTEGER AS jeux_publics, min(cree_le) AS premier_jeu
      FROM ${staged} GROUP BY organisation_id
    )
    SELECT $d AS date_donnees, $r AS run_id, g.ligne::INTEGER AS ligne, g.id, g.nom, g.siren, nullif(g.badges, '') AS badges,
           coalesce(g.categorie, 'hors-collectivite') AS categorie, g.code, g.rapprochement,
           coalesce(j.jeux_publics, 0) AS jeux_publics, j.premier_jeu
    FROM gardees g LEFT JOIN jeux j ON j.organisation_id = g.id
    ORDER BY g.ligne NULLS LAST, g.id`, p);

  const rejects = ctx.scratchTable('rejets');
  await w.run(`CREATE TABLE ${q(rejects)} AS
    SELECT ligne::INTEGER AS ligne, NULL::VARCHAR AS identifiant, motif::VARCHAR AS motif FROM ${q(org.bad)}
    UNION ALL SELECT ligne::INTEGER, identifiant::VARCHAR, motif::VARCHAR FROM (${orgRejets})
    UNION ALL SELECT ligne::INTEGER, NULL, motif FROM ${q(jeux.bad)}
    UNION ALL SELECT ligne::INTEGER, identifiant, motif FROM (${jeuxRejets})`);

  // An organisation known only from the datasets file counts as a row read: it is loaded or rejected like the others.
  const orgIn = (await count(w, `SELECT 1 FROM ${q(rapproche)}`)) + (await count(w, `SELECT 1 FROM ${q(org.bad)}`));
  const jeuxIn = (await count(w, `SELECT 1 FROM ${q(jeux.table)}`)) + (await count(w, `SELECT 1 FROM ${q(jeux.bad)}`));
  const orgLoaded = await count(w, `SELECT 1 FROM ${q(ctx.stagingTable('datagouv_organisations'))}`);
  const jeuxLoaded = await count(w, `SELECT 1 FROM ${staged}`);
  const rejected = await count(w, `SELECT 1 FROM ${q(rejects)}`);

  const stats = (await w.one<Record<string, number>>(`
    SELECT count(*) FILTER (WHERE categorie IN ('commune', 'epci', 'departement', 'region'))::INTEGER AS collectivites,
           count(*) FILTER (WHERE categorie = 'commune')::INTEGER AS communes,
           count(*) FILTER (WHERE categorie = 'epci')::INTEGER AS epci,
           count(*) FILTER (WHERE categorie = 'departement')::INTEGER AS departements,
           count(*) FILTER (WHERE categorie = 'region')::INTEGER AS regions,
           count(*) FILTER (WHERE categorie = 'ept')::INTEGER AS ept,
           count(*) FILTER (WHERE categorie = 'hors-collectivite')::INTEGER AS autres,
           count(*) FILTER (WHERE rapprochement = 'nom')::INTEGER AS par_nom,
           count(*) FILTER (WHERE ligne IS NULL)::INTEGER AS sans_ligne
    FROM ${q(ctx.stagingTable('datagouv_organisations'))}`))!;
  const rejetees = await count(w, `SELECT 1 FROM ${q(rapproche)} WHERE motif IS NOT NULL`);
  const dignes = stats.collectivites! + stats.ept! + rejetees;
  const pct = (n: number, d: number) => (d > 0 ? `${(Math.round((1000 * n) / d) / 10).toLocaleString('fr-FR')} %` : 'sans objet');
  const notes = [
    `organisations : ${stats.collectivites} rapprochées d'une collectivité (communes : ${stats.communes}, EPCI : ${stats.epci}, départements : ${stats.departements}, régions : ${stats.regions} ; par le nom : ${stats.par_nom}), ${stats.ept} EPT, ${stats.autres} autres organisations (État, établissements, associations…) gardées hors baromètre, ${rejetees} rejetées faute de rapprochement.`,
    `taux de rapprochement des organisations qui désignent une collectivité : ${pct(stats.collectivites! + stats.ept!, dignes)} (${stats.collectivites! + stats.ept!} sur ${dignes}).`,
    `jeux de données : ${jeuxLoaded} gardés sur ${jeuxIn} lus.${stats.sans_ligne! > 0 ? ` Organisations connues seulement par le fichier des jeux (les deux exports sont faits à quelques minutes d'écart), gardées sans SIREN : ${stats.sans_ligne}.` : ''}`,
  ];
  return {
    rejectsTable: rejects,
    rowsIn: orgIn + jeuxIn,
    rowsLoaded: orgLoaded + jeuxLoaded,
    rowsRejected: rejected,
    dataDate,
    dataDateFrom: fromContent ? 'dernière modification la plus récente du catalogue (last_modified)' : undefined,
    notes,
  };
}

interface CatalogueResource {
  title?: string;
  url?: string;
  format?: string;
}

/** The two export files among the catalogue dataset's resources, else the stable links. */
async function resolveUrls(ctx: FetchContext): Promise<{ organisations: string; jeux: string }> {
  const fallback = { organisations: ORGANISATIONS_URL, jeux: JEUX_URL };
  if (!ctx.url.includes('/api/1/datasets/')) return { organisations: ctx.url, jeux: jeuxBeside(ctx.url) === `datasets-${ctx.url}` ? JEUX_URL : jeuxBeside(ctx.url) };
  try {
    const res = await ctx.fetch(ctx.url, { accept: ['application/json'] });
    const dataset = JSON.parse(new TextDecoder().decode(res.body)) as { resources?: CatalogueResource[] };
    const find = (kind: RegExp) => dataset.resources?.find((r) => kind.test(`${r.title ?? ''} ${r.url ?? ''}`) && /csv/i.test(`${r.format ?? ''} ${r.url ?? ''}`))?.url;
    const organisations = find(/export-organization-/i);
    const jeux = find(/export-dataset-/i);
    if (organisations && jeux) return { organisations, jeux };
    ctx.log(`datagouv : exports des organisations et des jeux introuvables dans ${ctx.url}, repli sur les liens stables.`);
  } catch (error) {
    ctx.log(`datagouv : API data.gouv.fr indisponible (${(error as Error).message}), repli sur les liens stables.`);
  }
  return fallback;
}

const CSV_TYPES = ['text/csv', 'text/plain', 'application/csv', 'application/octet-stream', 'binary/octet-stream'];

export const datagouv: Source = {
  id: 'datagouv',
  title: 'Catalogue de data.gouv.fr : organisations et jeux de données',
  producer: 'data.gouv.fr (DINUM)',
  licence: 'Licence Ouverte 2.0',
  licenceUrl: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/',
  homepage: 'https://www.data.gouv.fr/fr/datasets/catalogue-des-donnees-de-data-gouv-fr/',
  url: CATALOGUE_API,
  schedule: '30 6 * * 1',
  keeps:
    "Une ligne par organisation de data.gouv.fr, rapprochée d'une collectivité (SIREN, puis nom) ou gardée hors collectivité, et une ligne par jeu de données public (organisation, date de création, date d'archivage) : de quoi dire, pour chaque fin de semestre passée, quelles collectivités avaient au moins un jeu public non archivé. Le dernier export remplace le précédent.",
  fixture: 'test/fixtures/datagouv/organisations.csv',
  fixtureDate: '2022-12-31',
  extension: 'csv',
  tables: [
    { name: 'datagouv_organisations', columns: DATAGOUV_ORGANISATIONS_COLUMNS, mode: 'replace' },
    { name: 'datagouv_jeux', columns: DATAGOUV_JEUX_COLUMNS, mode: 'replace' },
  ],
  // The national catalogue: thousands of organisations and tens of thousands of datasets, hundreds of collectivités
  // publishing among the organisations. A header and three organisations (a test extract) is not the catalogue.
  // Counted from the organisations export itself: the organisations known only from the datasets file would hide an
  // empty export; matched, the collectivités of that export with a public dataset (what the indicator counts).
  volume: {
    minimum: { rows: 1_000, matched: 100 },
    rows: { sql: (staged) => `SELECT count(*) AS n FROM ${staged('datagouv_organisations')} WHERE ligne IS NOT NULL`, unit: ['organisation du fichier des organisations', 'organisations du fichier des organisations'] },
    matched: { tables: ['datagouv_organisations'], where: 'ligne IS NOT NULL AND jeux_publics > 0' },
  },
  companions: [{ name: 'jeux', extension: 'csv', besideName: jeuxBeside }],
  dataDateOf(name) {
    return dateOfExportName(name);
  },
  async fetchLive(ctx) {
    const urls = await resolveUrls(ctx);
    // The two files go together: no conditional request (a 304 on one would pair it with a fresh other).
    const big = { accept: CSV_TYPES, etag: null, lastModified: null, timeoutMs: Math.max(ctx.http.timeoutMs, 600_000), maxBytes: Math.max(ctx.http.maxBytes, 2 * 1024 ** 3) };
    const organisations = await ctx.fetch(urls.organisations, { ...big, toFile: ctx.downloadPath });
    await ctx.fetch(urls.jeux, { ...big, toFile: ctx.companionPath('jeux') });
    return organisations;
  },
  stage(ctx) {
    return stageDatagouv(ctx);
  },
};
