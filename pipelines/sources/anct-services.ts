// Incubateur des territoires (ANCT): which collectivités use which of the State–collectivités shared services
// (ProConnect, Mes Adresses, RDV Service Public, Mes Services Cyber, the Suite territoriale…). The daily file
// `deploiement-quotidien.csv.gz` has one row per organisation and service it has users of:
// `type;siret;insee;population;service;active`, where `active` is 1 when the service had active users over the
// year (the producer's export job, suitenumerique st-home / st-deploiement). The file is a state of today, not a
// history: the barometer's history is the accumulation of its daily pulls.
import type { HttpResult } from '../base/http.ts';
import { cleanIdentifierSql, matchCollectiviteSql, TYPES_BAROMETRE } from '../referential/rapprochement-sql.ts';
import { servicesAnct } from '../referential/services-anct.ts';
import { checkGzip, countRows, createRejects, jsonCompression, jsonKeys, readCsvInto, requireHeader, sniffRaw } from '../base/staging.ts';
import { quotedIdentifier, quotedString, type Column } from '../base/warehouse.ts';
import type { Source, Staged, StageContext } from './types.ts';

export const ANCT_DATASET_ID = '68b0a2a1117b75b1b09edc6b';
/** The stable address of the deployment resource (the producer uploads each day's file into this resource). */
export const ANCT_DEPLOIEMENT_URL = 'https://www.data.gouv.fr/fr/datasets/r/8f100b83-73c5-49ce-90ce-03d5c6a1783d';

export const ANCT_COLUMNS = ['type', 'siret', 'insee', 'population', 'service', 'active'] as const;

export const ANCT_TABLE_COLUMNS: Column[] = [
  { name: 'date_donnees', type: 'VARCHAR' },
  { name: 'run_id', type: 'VARCHAR' },
  { name: 'ligne', type: 'INTEGER' },
  { name: 'type_anct', type: 'VARCHAR' },
  { name: 'siret', type: 'VARCHAR' },
  { name: 'insee', type: 'VARCHAR' },
  { name: 'population', type: 'INTEGER' },
  { name: 'service', type: 'VARCHAR' },
  /** The family of the service in data/referentiels/services-anct.csv; NULL for a service the file does not list. */
  { name: 'famille', type: 'VARCHAR' },
  { name: 'active', type: 'BOOLEAN' },
  { name: 'categorie', type: 'VARCHAR' },
  { name: 'code', type: 'VARCHAR' },
  { name: 'rapprochement', type: 'VARCHAR' },
];

const q = quotedIdentifier;

export async function stageAnctServices(ctx: StageContext): Promise<Staged> {
  const what = `anct-services (${ctx.origin})`;
  const kind = sniffRaw(ctx.rawPath, what);
  const hint = 'Le fichier attendu est « deploiement-quotidien.csv.gz » du jeu « Déploiement des services de l’Incubateur des territoires » (séparateur « ; »), ou sa copie JSON (un tableau d’objets aux mêmes clés).';
  const rejects = ctx.scratchTable('rejets');
  await createRejects(ctx.w, rejects);
  const raw = ctx.scratchTable('brut');
  if (kind.format === 'csv') {
    await readCsvInto(ctx.w, { path: ctx.rawPath, delimiter: ';', what, table: raw, rejects, scratch: ctx.scratchTable, required: ANCT_COLUMNS, hint });
  } else {
    if (kind.gzip) await checkGzip(ctx.rawPath, what);
    // The same rows as JSON objects (the producer's repository keeps its samples so): same keys, numbers or strings.
    requireHeader(await jsonKeys(ctx.w, ctx.rawPath, kind.gzip, what), ANCT_COLUMNS, what, hint);
    const json = ctx.scratchTable('json');
    await ctx.w.run(
      `CREATE TABLE ${q(json)} AS SELECT * FROM read_json(${quotedString(ctx.rawPath)}, format = 'array',
         compression = ${jsonCompression(kind.gzip)}, columns = {${ANCT_COLUMNS.map((c) => `${c}: 'VARCHAR'`).join(', ')}})`,
    );
    await ctx.w.run(`CREATE TABLE ${q(raw)} AS SELECT (rowid + 1)::INTEGER AS ligne, * FROM ${q(json)}`);
  }
  const rowsIn = (await countRows(ctx.w, raw)) + (await countRows(ctx.w, rejects));

  const services = ctx.scratchTable('services');
  await ctx.w.createTable(services, [
    { name: 'id', type: 'VARCHAR' },
    { name: 'famille', type: 'VARCHAR' },
  ]);
  await ctx.w.insert(services, [{ name: 'id', type: 'VARCHAR' }, { name: 'famille', type: 'VARCHAR' }], servicesAnct().map((s) => ({ id: s.id, famille: s.famille })));

  const clean = ctx.scratchTable('lignes');
  await ctx.w.run(
    `CREATE TABLE ${q(clean)} AS
     SELECT ligne, type AS type_brut, lower(trim(coalesce(type, ''))) AS t, ${cleanIdentifierSql('siret')} AS siret, trim(coalesce(insee, '')) AS insee,
            trim(coalesce(population, '')) AS population, trim(coalesce(service, '')) AS service, trim(coalesce(active, '')) AS active
     FROM ${q(raw)}`,
  );
  const matched = ctx.scratchTable('rapprochees');
  await ctx.w.run(
    `CREATE TABLE ${q(matched)} AS ${matchCollectiviteSql(q(clean), {
      siren: `CASE WHEN regexp_full_match(f.siret, '\\d{14}') THEN left(f.siret, 9) END`,
      type: 'f.t',
      insee: `nullif(f.insee, '')`,
    })}`,
  );
  const judged = ctx.scratchTable('jugees');
  await ctx.w.run(
    `CREATE TABLE ${q(judged)} AS
     SELECT m.*, sv.famille,
       CASE
         WHEN m.t NOT IN ${TYPES_BAROMETRE} THEN 'type « ' || coalesce(m.type_brut, '') || ' » hors collectivités (commune, epci, departement ou region attendu)'
         WHEN m.siret = '' THEN 'siret vide (SIRET de 14 chiffres attendu)'
         WHEN NOT regexp_full_match(m.siret, '\\d{14}') THEN 'siret invalide « ' || m.siret || ' » (SIRET de 14 chiffres attendu)'
         WHEN NOT regexp_full_match(m.service, '\\d+') THEN 'service invalide « ' || m.service || ' » (identifiant numérique de services-quotidien.csv attendu)'
         WHEN m.active NOT IN ('0', '1') THEN 'active invalide « ' || m.active || ' » (0 ou 1 attendu)'
         WHEN m.population <> '' AND try_cast(m.population AS INTEGER) IS NULL THEN 'population invalide « ' || m.population || ' » (nombre entier attendu)'
         WHEN m.code IS NULL THEN 'collectivité introuvable au référentiel : SIREN ' || left(m.siret, 9) || CASE WHEN m.t = 'commune' THEN ' ni code INSEE « ' || m.insee || ' »' ELSE '' END
         WHEN m.categorie = 'ept' THEN 'établissement public territorial (EPT) : hors baromètre'
         WHEN m.categorie <> m.t THEN 'type « ' || m.t || ' » alors que le SIREN ' || left(m.siret, 9) || ' est celui d''un(e) ' || m.categorie
       END AS motif
     FROM ${q(matched)} m LEFT JOIN ${q(services)} sv ON sv.id = m.service`,
  );
  const staging = ctx.stagingTable('anct_services');
  await ctx.w.run(
    `CREATE TABLE ${q(staging)} AS
     SELECT $d::VARCHAR AS date_donnees, $r::VARCHAR AS run_id, ligne::INTEGER AS ligne, t AS type_anct, siret, nullif(insee, '') AS insee,
            try_cast(population AS INTEGER) AS population, service, famille, active = '1' AS active, categorie, code, rapprochement
     FROM ${q(judged)} WHERE motif IS NULL ORDER BY ligne`,
    { d: ctx.dataDate, r: ctx.runId },
  );
  await ctx.w.run(`INSERT INTO ${q(rejects)} SELECT ligne, nullif(siret, ''), motif FROM ${q(judged)} WHERE motif IS NOT NULL`);

  const notes: string[] = [];
  const unknown = await ctx.w.all<{ service: string; n: number }>(
    `SELECT service, count(*)::INTEGER AS n FROM ${q(staging)} WHERE famille IS NULL GROUP BY 1 ORDER BY 1`,
  );
  if (unknown.length > 0) {
    notes.push(
      `services absents de data/referentiels/services-anct.csv (comptés dans services-partages, sans indicateur propre) : ${unknown.map((u) => `${u.service} (${u.n} ligne${u.n > 1 ? 's' : ''})`).join(', ')} ; ajoutez-les d'après services-quotidien.csv.`,
    );
  }
  const counts = await ctx.w.one<{ lignes: number; actives: number; collectivites: number }>(
    `SELECT count(*)::INTEGER AS lignes, count(*) FILTER (WHERE active)::INTEGER AS actives, count(DISTINCT (categorie, code))::INTEGER AS collectivites FROM ${q(staging)}`,
  );
  notes.push(`${counts!.collectivites} collectivités, ${counts!.lignes} couples collectivité × service dont ${counts!.actives} actifs.`);
  const rowsLoaded = counts!.lignes;
  return { rejectsTable: rejects, rowsIn, rowsLoaded, rowsRejected: await countRows(ctx.w, rejects), dataDate: ctx.dataDate, notes };
}

export const anctServices: Source = {
  id: 'anct-services',
  title: 'Déploiement des services de l’Incubateur des territoires (solutions partagées État – collectivités)',
  producer: 'ANCT, Incubateur des territoires',
  licence: 'Licence Ouverte 2.0',
  licenceUrl: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/',
  homepage: `https://www.data.gouv.fr/fr/datasets/${ANCT_DATASET_ID}/`,
  url: ANCT_DEPLOIEMENT_URL,
  // The producer rebuilds the file every night; one pull a day keeps one snapshot a day.
  schedule: '30 9 * * *',
  keeps:
    "Une ligne par collectivité et service qu'elle utilise (au moins un utilisateur), avec « active » (au moins un utilisateur actif dans l'année, selon l'ANCT) ; la collectivité est rapprochée par le SIREN de son SIRET, puis, pour une commune, par son code INSEE. Un instantané par jour de récupération : l'historique s'accumule au fil des récupérations quotidiennes.",
  fixture: 'test/fixtures/anct-services/deploiement-quotidien.csv.gz',
  fixtureDate: '2025-09-30',
  extension: 'csv.gz',
  tables: [{ name: 'anct_services', columns: ANCT_TABLE_COLUMNS, mode: 'snapshot' }],
  // Collectivités × services of the Incubateur des territoires: thousands of lines, hundreds of collectivités.
  volume: { minimum: { rows: 1_000, matched: 300 }, matched: { tables: ['anct_services'] } },
  async fetchLive(ctx): Promise<HttpResult> {
    return ctx.fetch(ctx.url, {
      toFile: ctx.downloadPath,
      accept: ['application/gzip', 'application/x-gzip', 'application/octet-stream', 'binary/octet-stream', 'text/csv', 'text/plain'],
    });
  },
  stage: stageAnctServices,
};
