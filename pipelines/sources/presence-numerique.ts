// ANCT « Données de la Présence Numérique des Territoires » (DPNT): per collectivité, the website and the official
// e-mail declared on Service-Public.fr, and the criteria of the Référentiel de la Présence Numérique des
// Territoires (RPNT) it meets. Written every day by suitenumerique/st-home (`data/tasks/sync.py`,
// `create_new_dumps`): a gzipped CSV (`;`, `rpnt` a comma list) and a gzipped JSON array with the same keys (`rpnt`
// a list). The app's own dump (`organizations.json`: `name`, `insee_com`/`insee_geo`, `email_official`,
// `website_url`, `rcpnt`…) is read too, with --from.
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../base/config.ts';
import type { HttpResult } from '../base/http.ts';
import { cleanIdentifierSql, matchCollectiviteSql, TYPES_BAROMETRE } from '../referential/rapprochement-sql.ts';
import { readCsvFile } from '../referential/referential.ts';
import { checkGzip, countRows, createRejects, jsonCompression, jsonKeys, readCsvInto, sniffRaw } from '../base/staging.ts';
import { quotedIdentifier, quotedString, type Column } from '../base/warehouse.ts';
import type { Source, Staged, StageContext } from './types.ts';

export const DPNT_DATASET_ID = '689383a2211ca2c3053d83d1';
/** The stable address of the CSV resource (`dpnt-quotidien.csv.gz`, uploaded into this resource every day). */
export const DPNT_CSV_URL = 'https://www.data.gouv.fr/fr/datasets/r/551a41a5-4ac7-40df-99cb-930aedb3c3ac';
/** The JSON resource (`dpnt-quotidien.json.gz`), same data. */
export const DPNT_JSON_URL = 'https://www.data.gouv.fr/fr/datasets/r/fd73a12f-572c-4b04-89e9-91cc8c6ebcb3';

export const DPNT_COLUMNS = [
  'type', 'siret', 'siren', 'libelle', 'population', 'code_insee', 'code_postal', 'epci_libelle', 'epci_siren', 'epci_siret', 'epci_population',
  'departement_code_insee', 'departement_siret', 'region_code_insee', 'region_siret', 'adresse_messagerie', 'site_internet', 'telephone', 'rpnt', 'service_public_url',
] as const;
const REQUIRED = ['type', 'siret', 'siren', 'code_insee', 'departement_code_insee', 'region_code_insee', 'adresse_messagerie', 'site_internet', 'rpnt'] as const;

/** The producer's list of generic e-mail providers (GENERIC_EMAIL_DOMAINS in st-home `data/tasks/defs.py`). */
export const DOMAINES_GENERIQUES_FILE = 'data/referentiels/domaines-messagerie-generiques.csv';

export function loadDomainesGeneriques(path = resolve(PROJECT_ROOT, DOMAINES_GENERIQUES_FILE)): string[] {
  const rows = readCsvFile<Record<string, string>>(path);
  return rows.map((r, i) => {
    const d = (r.domaine ?? '').trim().toLowerCase();
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(d)) throw new Error(`${path}, ligne ${i + 2} : domaine « ${r.domaine ?? ''} » invalide (par exemple wanadoo.fr)`);
    return d;
  });
}

export const PN_TABLE_COLUMNS: Column[] = [
  { name: 'date_donnees', type: 'VARCHAR' },
  { name: 'run_id', type: 'VARCHAR' },
  { name: 'ligne', type: 'INTEGER' },
  { name: 'type_dpnt', type: 'VARCHAR' },
  { name: 'siret', type: 'VARCHAR' },
  { name: 'siren', type: 'VARCHAR' },
  { name: 'libelle', type: 'VARCHAR' },
  { name: 'categorie', type: 'VARCHAR' },
  { name: 'code', type: 'VARCHAR' },
  { name: 'rapprochement', type: 'VARCHAR' },
  { name: 'site_internet', type: 'VARCHAR' },
  { name: 'adresse_messagerie', type: 'VARCHAR' },
  { name: 'domaine_messagerie', type: 'VARCHAR' },
  /** The e-mail's domain is on the producer's list of generic providers. */
  { name: 'domaine_generique', type: 'BOOLEAN' },
  /** The RPNT criteria and groups met, sorted, comma-separated as in the CSV (`1.1,…,2.a,a`). */
  { name: 'rpnt', type: 'VARCHAR' },
  /** The group « a » (level A: every criterion the producer puts in it) is met. */
  { name: 'rpnt_niveau_a', type: 'BOOLEAN' },
  /** Numbered criteria met (1.1 … 2.8), groups excluded. */
  { name: 'rpnt_criteres', type: 'INTEGER' },
];

const q = quotedIdentifier;

/** SQL for one field of the JSON formats: the first of `keys` the file has, as text; a list stays a list. */
function pick(keys: readonly string[], found: readonly string[]): string {
  const k = keys.find((x) => found.includes(x));
  return k ? q(k) : 'NULL';
}

/** Reads the file into `table` with the columns of the published CSV (all text, `rpnt` comma-joined) plus `ligne`. */
async function readIntoCommonLayout(ctx: StageContext, table: string, rejects: string, what: string): Promise<{ format: string }> {
  const kind = sniffRaw(ctx.rawPath, what);
  if (kind.format === 'csv') {
    const hint = 'Le fichier attendu est « dpnt-quotidien.csv(.gz) » des « Données de la Présence Numérique des Territoires » (séparateur « ; »).';
    await readCsvInto(ctx.w, { path: ctx.rawPath, delimiter: ';', what, table, rejects, scratch: ctx.scratchTable, required: REQUIRED, hint });
    return { format: 'CSV publié' };
  }
  if (kind.gzip) await checkGzip(ctx.rawPath, what);
  const keys = await jsonKeys(ctx.w, ctx.rawPath, kind.gzip, what);
  const published = REQUIRED.every((k) => keys.includes(k));
  const dump = ['siret', 'email_official', 'website_url', 'rcpnt'].every((k) => keys.includes(k)) && (keys.includes('insee_com') || keys.includes('insee_geo'));
  if (!published && !dump) {
    throw new Error(
      `${what} : JSON sans les champs de présence numérique. Attendu : le JSON publié (${REQUIRED.join(', ')}) ou le fichier organizations.json de l'application (siret, insee_com, email_official, website_url, rcpnt). ` +
        `Champs trouvés : ${keys.join(', ') || 'aucun'}.${keys.includes('st_eligible') && !keys.includes('email_official') ? " (Ce fichier ressemble à epcis.json, qui ne donne ni site ni messagerie : il ne peut pas servir.)" : ''}`,
    );
  }
  const raw = ctx.scratchTable('json');
  const types = keys.map((k) => `${quotedString(k)}: ${['rpnt', 'rcpnt', 'issues', 'operators'].includes(k) ? "'JSON'" : "'VARCHAR'"}`).join(', ');
  await ctx.w.run(
    `CREATE TABLE ${q(raw)} AS SELECT * FROM read_json(${quotedString(ctx.rawPath)}, format = 'array', compression = ${jsonCompression(kind.gzip)}, columns = {${types}})`,
  );
  const list = (k: string) => `CASE json_type(${q(k)}) WHEN 'ARRAY' THEN array_to_string(list_sort(CAST(${q(k)} AS VARCHAR[])), ',') WHEN 'VARCHAR' THEN ${q(k)} ->> '$' END`;
  if (published) {
    await ctx.w.run(
      `CREATE TABLE ${q(table)} AS SELECT (rowid + 1)::INTEGER AS ligne, ${DPNT_COLUMNS.filter((c) => c !== 'rpnt')
        .map((c) => `${pick([c], keys)}::VARCHAR AS ${q(c)}`)
        .join(', ')}, ${list('rpnt')} AS rpnt FROM ${q(raw)}`,
    );
    return { format: 'JSON publié' };
  }
  // The app's dump: its names for the same facts. Without `type` it is the communes dump (mairies).
  const map: Record<string, string> = {
    type: keys.includes('type') ? q('type') : `'commune'`,
    siret: pick(['siret'], keys),
    siren: pick(['siren'], keys),
    libelle: pick(['name'], keys),
    code_insee: pick(['insee_com', 'insee_geo'], keys),
    departement_code_insee: pick(['insee_dep'], keys),
    region_code_insee: pick(['insee_reg'], keys),
    adresse_messagerie: pick(['email_official'], keys),
    site_internet: pick(['website_url'], keys),
  };
  await ctx.w.run(
    `CREATE TABLE ${q(table)} AS SELECT (rowid + 1)::INTEGER AS ligne, ${Object.entries(map)
      .map(([c, e]) => `${e}::VARCHAR AS ${q(c)}`)
      .join(', ')}, ${list('rcpnt')} AS rpnt FROM ${q(raw)}`,
  );
  return { format: 'organizations.json (application)' };
}

export async function stagePresenceNumerique(ctx: StageContext): Promise<Staged> {
  const w = ctx.w;
  const what = `presence-numerique (${ctx.origin})`;
  const rejects = ctx.scratchTable('rejets');
  await createRejects(w, rejects);
  const raw = ctx.scratchTable('brut');
  const { format } = await readIntoCommonLayout(ctx, raw, rejects, what);
  const rowsIn = (await countRows(w, raw)) + (await countRows(w, rejects));

  const generic = ctx.scratchTable('generiques');
  await w.createTable(generic, [{ name: 'domaine', type: 'VARCHAR' }]);
  await w.insert(generic, [{ name: 'domaine', type: 'VARCHAR' }], loadDomainesGeneriques().map((domaine) => ({ domaine })));

  const clean = ctx.scratchTable('lignes');
  await w.run(
    `CREATE TABLE ${q(clean)} AS
     SELECT ligne, type AS type_brut, lower(trim(coalesce(type, ''))) AS t, ${cleanIdentifierSql('siret')} AS siret, ${cleanIdentifierSql('siren')} AS siren_col,
            nullif(trim(libelle), '') AS libelle, nullif(trim(code_insee), '') AS insee, upper(nullif(trim(departement_code_insee), '')) AS dep,
            nullif(trim(region_code_insee), '') AS reg, nullif(trim(site_internet), '') AS site, lower(nullif(trim(adresse_messagerie), '')) AS email,
            nullif(trim(rpnt), '') AS rpnt
     FROM ${q(raw)}`,
  );
  const matched = ctx.scratchTable('rapprochees');
  // The SIREN column when it has 9 digits, else the SIRET's first 9: a commune without SIRET keeps its SIREN.
  const siren = `CASE WHEN regexp_full_match(f.siren_col, '\\d{9}') THEN f.siren_col WHEN regexp_full_match(f.siret, '\\d{14}') THEN left(f.siret, 9) END`;
  await w.run(
    `CREATE TABLE ${q(matched)} AS ${matchCollectiviteSql(q(clean), { siren, type: 'f.t', insee: 'f.insee', departement: 'f.dep', region: 'f.reg' })}`,
  );
  const judged = ctx.scratchTable('jugees');
  await w.run(
    `CREATE TABLE ${q(judged)} AS
     SELECT m.*, CASE
         WHEN m.t NOT IN ${TYPES_BAROMETRE} THEN 'type « ' || coalesce(m.type_brut, '') || ' » hors collectivités (commune, epci, departement ou region attendu)'
         WHEN m.siret <> '' AND NOT regexp_full_match(m.siret, '\\d{14}') THEN 'siret invalide « ' || m.siret || ' » (SIRET de 14 chiffres attendu)'
         WHEN m.code IS NULL THEN 'collectivité introuvable au référentiel : ' || concat_ws(', ',
              CASE WHEN m.siret <> '' OR m.siren_col <> '' THEN 'SIREN ' || coalesce(nullif(m.siren_col, ''), left(m.siret, 9)) END,
              CASE m.t WHEN 'commune' THEN coalesce('code INSEE « ' || m.insee || ' »', 'sans code INSEE')
                       WHEN 'departement' THEN coalesce('département « ' || m.dep || ' »', 'sans code de département')
                       WHEN 'region' THEN coalesce('région « ' || m.reg || ' »', 'sans code de région') END)
         WHEN m.categorie = 'ept' THEN 'établissement public territorial (EPT) : hors baromètre'
         WHEN m.categorie <> m.t THEN 'type « ' || m.t || ' » alors que le SIREN désigne un(e) ' || m.categorie
       END AS motif,
       row_number() OVER (PARTITION BY m.categorie, m.code ORDER BY m.ligne) AS rang,
       min(m.ligne) OVER (PARTITION BY m.categorie, m.code) AS premiere
     FROM ${q(matched)} m`,
  );
  // A collectivité twice: the first row counts, the other is rejected (the producer writes each SIRET once).
  await w.run(
    `UPDATE ${q(judged)} SET motif = 'doublon : même collectivité que la ligne ' || premiere || ', comptée une fois' WHERE motif IS NULL AND code IS NOT NULL AND rang > 1`,
  );
  const staging = ctx.stagingTable('presence_numerique');
  await w.run(
    `CREATE TABLE ${q(staging)} AS
     WITH v AS (
       SELECT j.*, string_split(coalesce(j.rpnt, ''), ',') AS crit,
              CASE WHEN j.email LIKE '%_@_%' THEN split_part(j.email, '@', 2) END AS domaine
       FROM ${q(judged)} j WHERE j.motif IS NULL
     )
     SELECT $d::VARCHAR AS date_donnees, $r::VARCHAR AS run_id, v.ligne::INTEGER AS ligne, v.t AS type_dpnt, nullif(v.siret, '') AS siret,
            coalesce(nullif(v.siren_col, ''), left(nullif(v.siret, ''), 9)) AS siren, v.libelle, v.categorie, v.code, v.rapprochement,
            v.site AS site_internet, v.email AS adresse_messagerie, v.domaine AS domaine_messagerie,
            v.domaine IS NOT NULL AND v.domaine IN (SELECT domaine FROM ${q(generic)}) AS domaine_generique,
            nullif(array_to_string(list_sort(list_filter(list_transform(v.crit, x -> trim(x)), x -> x <> '')), ','), '') AS rpnt,
            list_contains(list_transform(v.crit, x -> trim(x)), 'a') AS rpnt_niveau_a,
            len(list_filter(v.crit, x -> regexp_full_match(trim(x), '\\d+\\.\\d+')))::INTEGER AS rpnt_criteres
     FROM v ORDER BY v.ligne`,
    { d: ctx.dataDate, r: ctx.runId },
  );
  await w.run(`INSERT INTO ${q(rejects)} SELECT ligne, coalesce(nullif(siret, ''), nullif(siren_col, ''), insee), motif FROM ${q(judged)} WHERE motif IS NOT NULL`);
  const c = (await w.one<Record<string, number>>(
    `SELECT count(*)::INTEGER AS n, count(site_internet)::INTEGER AS sites, count(*) FILTER (WHERE adresse_messagerie IS NOT NULL AND NOT domaine_generique)::INTEGER AS propres,
            count(*) FILTER (WHERE rpnt_niveau_a)::INTEGER AS a FROM ${q(staging)}`,
  ))!;
  const notes = [`format lu : ${format} ; ${c.n} collectivités, dont ${c.sites} avec un site déclaré, ${c.propres} avec une messagerie sur un domaine propre, ${c.a} au niveau A du RPNT.`];
  return { rejectsTable: rejects, rowsIn, rowsLoaded: c.n!, rowsRejected: await countRows(w, rejects), dataDate: ctx.dataDate, notes };
}

export const presenceNumerique: Source = {
  id: 'presence-numerique',
  title: 'Données de la Présence Numérique des Territoires (site internet, messagerie, RPNT)',
  producer: 'ANCT (Suite territoriale)',
  licence: 'Licence Ouverte 2.0',
  licenceUrl: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/',
  homepage: `https://www.data.gouv.fr/fr/datasets/${DPNT_DATASET_ID}/`,
  url: DPNT_CSV_URL,
  // The producer rebuilds its files every morning (07:20 UTC); one pull a day keeps one snapshot a day.
  schedule: '0 10 * * *',
  keeps:
    "Une ligne par collectivité : site internet et adresse de messagerie déclarés sur Service-Public.fr, domaine de la messagerie et s'il est générique (liste du producteur), critères du RPNT atteints. Communes rapprochées par SIREN puis code INSEE ; EPCI par SIREN ; départements et régions par SIREN, sinon par leur propre code (leur code_insee est la commune du siège). Un instantané par jour de récupération.",
  fixture: 'test/fixtures/presence-numerique/dpnt-quotidien.csv.gz',
  fixtureDate: '2025-09-30',
  extension: 'csv.gz',
  tables: [{ name: 'presence_numerique', columns: PN_TABLE_COLUMNS, mode: 'snapshot' }],
  // One line per collectivité of France (communes, EPCI, départements, régions).
  volume: { minimum: { rows: 20_000, matched: 20_000 }, matched: { tables: ['presence_numerique'] } },
  async fetchLive(ctx): Promise<HttpResult> {
    return ctx.fetch(ctx.url, {
      toFile: ctx.downloadPath,
      accept: ['application/gzip', 'application/x-gzip', 'application/octet-stream', 'binary/octet-stream', 'text/csv', 'application/json', 'text/plain'],
    });
  },
  stage: stagePresenceNumerique,
};

