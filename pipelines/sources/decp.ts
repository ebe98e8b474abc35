// Données essentielles de la commande publique (DECP): the consolidated essential data of public contracts.
// Over a million contracts: DuckDB reads the file itself (Parquet, CSV or JSON), validation, deduplication and the
// buyer's SIRET → SIREN → collectivité matching are SQL over staging.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { quotedIdentifier, quotedString, type Column } from '../base/warehouse.ts';
import { countRows, readCsvInto, requireHeader } from '../base/staging.ts';
import type { Source, StageContext, Staged, VolumeMinimum } from './types.ts';

/** « Données essentielles de la commande publique consolidées, format tabulaire » on data.gouv.fr (decp-processing, rebuilt every working day). */
export const DECP_DATASET_ID = '608c055b35eb4e6ee20eb325';
/** The Parquet resource (stable redirect); the CSV of the same table is `…/r/22847056-61df-452d-837d-8b8ceadbfc52`. */
export const DECP_PARQUET_URL = 'https://www.data.gouv.fr/fr/datasets/r/11cea8e8-df3e-4ed1-932b-781e2635e432';
export const DECP_CSV_URL = 'https://www.data.gouv.fr/fr/datasets/r/22847056-61df-452d-837d-8b8ceadbfc52';

/**
 * The essential-data regime starts with décret n° 2016-360 (in force 1 April 2016); a notification before it is a
 * mistake in the data. Publication in open format is compulsory for contracts notified from 1 October 2018.
 */
export const DEBUT_DONNEES_ESSENTIELLES = '2016-04-01';

export const DECP_COLUMNS: Column[] = [
  { name: 'date_donnees', type: 'VARCHAR' },
  { name: 'run_id', type: 'VARCHAR' },
  { name: 'ligne', type: 'INTEGER' },
  { name: 'lot', type: 'VARCHAR' },
  { name: 'uid', type: 'VARCHAR' },
  { name: 'acheteur_siret', type: 'VARCHAR' },
  { name: 'siren', type: 'VARCHAR' },
  { name: 'categorie', type: 'VARCHAR' },
  { name: 'code', type: 'VARCHAR' },
  { name: 'rapprochement', type: 'VARCHAR' },
  { name: 'date_notification', type: 'VARCHAR' },
  { name: 'source_donnees', type: 'VARCHAR' },
  { name: 'lignes', type: 'INTEGER' },
];

export type DecpFormat = 'parquet' | 'json' | 'csv-tabulaire' | 'csv-augmente';

/** The format of a raw file, from its first bytes (the archive keeps the name, not always the extension). */
export function detectFormat(path: string): { format: 'parquet' } | { format: 'json' } | { format: 'csv'; header: string } {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(65536);
  const n = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  if (n >= 4 && head.subarray(0, 4).toString('latin1') === 'PAR1') return { format: 'parquet' };
  const text = head.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '');
  if (/^\s*[[{]/.test(text)) return { format: 'json' };
  return { format: 'csv', header: text.split(/\r?\n/)[0] ?? '' };
}

/** SQL: true when a 14-digit string passes the Luhn check of SIRET numbers (La Poste's establishments excepted). */
export function siretValideSql(s: string): string {
  // Fourteen plain terms: far faster than a lambda over the digits. Every second digit from the right is doubled,
  // and a doubled digit of 5 or more loses 9.
  const terms = Array.from({ length: 14 }, (_, i) => {
    const d = `(ascii(substr(${s}, ${14 - i}, 1)) - 48)`;
    return i % 2 === 1 ? `(2 * ${d} - CASE WHEN ${d} >= 5 THEN 9 ELSE 0 END)` : d;
  });
  return `coalesce(CASE WHEN regexp_full_match(${s}, '\\d{14}') THEN starts_with(${s}, '356000000') OR (${terms.join(' + ')}) % 10 = 0 END, FALSE)`;
}

/**
 * The file brought to the same columns whatever its format: ligne, lot, uid, id, acheteur, nature, notification,
 * publication, modification, titulaire, source. `from` is a table or a subquery over the raw file (the tabular file is
 * read in place, never copied), plus the CSV's malformed records.
 */
interface Normalised {
  from: string;
  malformed: string | null;
  format: DecpFormat;
}

/** The tabular file needs these two, and uid or id. */
const TABULAR_REQUIRED = ['acheteur_id', 'dateNotification'] as const;

function tabularColumns(ctx: StageContext, columns: string[], integerSiret: boolean): string {
  const has = (c: string) => columns.includes(c);
  const col = (c: string) => (has(c) ? `nullif(trim(CAST(${quotedIdentifier(c)} AS VARCHAR)), '')` : 'NULL::VARCHAR');
  if (!has('uid') && !has('id')) throw new Error(`decp (${ctx.origin}) : ni colonne uid ni colonne id : impossible d'identifier les marchés. En-tête trouvé : ${columns.slice(0, 12).join(', ')}…`);
  // acheteur_id is an integer in the published schema: a SIRET that lost a leading zero gets it back.
  const acheteur = integerSiret ? `lpad(CAST(acheteur_id AS VARCHAR), 14, '0')` : col('acheteur_id');
  return `'tabulaire' AS lot, ${col('uid')} AS uid, ${col('id')} AS id, ${acheteur} AS acheteur, ${col('nature')} AS nature,
          ${col('dateNotification')} AS notification, ${col('datePublicationDonnees')} AS publication,
          ${has('modification_id') ? `TRY_CAST(${col('modification_id')} AS INTEGER)` : '0'} AS modification,
          ${has('titulaire_id') ? `coalesce(${col('titulaire_id')}, '') || '|' || coalesce(${col('titulaire_typeIdentifiant')}, '')` : 'NULL::VARCHAR'} AS titulaire,
          ${col('sourceDataset')} AS source`;
}

async function normalise(ctx: StageContext): Promise<Normalised> {
  const { w } = ctx;
  const what = `decp (${ctx.origin})`;
  const path = quotedString(ctx.rawPath);
  const detected = detectFormat(ctx.rawPath);
  if (detected.format === 'parquet') {
    let described: { column_name: string; column_type: string }[];
    try {
      described = await w.all(`DESCRIBE SELECT * FROM read_parquet(${path})`);
    } catch (error) {
      throw new Error(`${what} : fichier Parquet illisible (${(error as Error).message.split('\n')[0]}).`);
    }
    const columns = described.map((d) => d.column_name);
    requireHeader(columns, TABULAR_REQUIRED, what, 'Attendu : le fichier consolidé tabulaire des DECP (schéma de decp-processing : uid, id, acheteur_id, dateNotification…).');
    const integerSiret = /INT/i.test(described.find((d) => d.column_name === 'acheteur_id')!.column_type);
    // The row's rank in the file is its line (1 = first): Parquet keeps it, no window needed.
    const from = `(SELECT (file_row_number + 1)::INTEGER AS ligne, ${tabularColumns(ctx, columns, integerSiret)} FROM read_parquet(${path}, file_row_number = true))`;
    return { from, malformed: null, format: 'parquet' };
  }
  if (detected.format === 'json') {
    const raw = ctx.scratchTable('json');
    try {
      // The whole file is one JSON object ({"marches": […]}, or {"marches": {"marche": […]}} in the 2022 schema).
      await w.run(
        `CREATE TEMP TABLE ${quotedIdentifier(raw)} AS
         SELECT CASE json_type(marches) WHEN 'ARRAY' THEN json_extract(marches, '$[*]') ELSE json_extract(marches, '$.marche[*]') END AS liste
         FROM read_json(${path}, columns = {marches: 'JSON'}, format = 'auto', maximum_object_size = ${statSync(ctx.rawPath).size + 1024})`,
      );
    } catch (error) {
      throw new Error(`${what} : fichier JSON illisible ou sans liste « marches » (${(error as Error).message.split('\n')[0]}). Attendu : {"marches": [ … ]} (format decp.json de 2019).`);
    }
    const lists = await w.one<{ n: number; vides: number }>(`SELECT count(*)::INTEGER AS n, count(*) FILTER (WHERE liste IS NULL)::INTEGER AS vides FROM ${quotedIdentifier(raw)}`);
    if (!lists || lists.n === 0 || lists.vides === lists.n) throw new Error(`${what} : aucune liste « marches » dans le fichier JSON. Attendu : {"marches": [ … ]} (format decp.json de 2019).`);
    const table = ctx.scratchTable('marches');
    const s = (p: string) => `nullif(trim(m->>'${p}'), '')`;
    await w.run(
      `CREATE TEMP TABLE ${quotedIdentifier(table)} AS
       WITH m AS (SELECT row_number() OVER ()::INTEGER AS ligne, m FROM (SELECT unnest(liste) AS m FROM ${quotedIdentifier(raw)}))
       SELECT ligne, 'decp.json:' || coalesce(${s('source')}, 'sans source') AS lot, ${s('uid')} AS uid, ${s('id')} AS id,
              nullif(trim(m->'acheteur'->>'id'), '') AS acheteur, coalesce(${s('_type')}, ${s('nature')}) AS nature,
              ${s('dateNotification')} AS notification, ${s('datePublicationDonnees')} AS publication, 0 AS modification, NULL::VARCHAR AS titulaire,
              ${s('source')} AS source
       FROM m`,
    );
    return { from: quotedIdentifier(table), malformed: null, format: 'json' };
  }
  // CSV: today's tabular file (`,`, uid, acheteur_id) or Bercy's flat « DECP augmentées » (`;`, BOM, acheteur.id).
  const header = detected.header;
  const delim = (header.match(/;/g)?.length ?? 0) > (header.match(/,/g)?.length ?? 0) ? ';' : ',';
  const table = ctx.scratchTable('csv');
  const malformed = ctx.scratchTable('csv_malformes');
  const { columns } = await readCsvInto(w, { path: ctx.rawPath, delimiter: delim, what, table, rejects: malformed, scratch: ctx.scratchTable });
  const csv = { table, malformed, columns };
  if (csv.columns.includes('acheteur.id')) {
    requireHeader(csv.columns, ['id', 'acheteur.id', 'dateNotification'], what);
    const col = (c: string) => (csv.columns.includes(c) ? `nullif(trim(${quotedIdentifier(c)}), '')` : 'NULL::VARCHAR');
    const from = `(SELECT ligne, 'augmente:' || coalesce(${col('source')}, 'sans source') AS lot, NULL::VARCHAR AS uid, ${col('id')} AS id, ${col('acheteur.id')} AS acheteur,
              ${col('nature')} AS nature, ${col('dateNotification')} AS notification, ${col('datePublicationDonnees')} AS publication, 0 AS modification,
              NULL::VARCHAR AS titulaire, ${col('source')} AS source
       FROM ${quotedIdentifier(csv.table)})`;
    return { from, malformed: csv.malformed, format: 'csv-augmente' };
  }
  requireHeader(
    csv.columns,
    TABULAR_REQUIRED,
    what,
    'Attendu : le CSV consolidé tabulaire des DECP (séparateur « , », colonnes uid, id, acheteur_id, dateNotification…), ou les « DECP augmentées » (séparateur « ; », colonne acheteur.id).',
  );
  return { from: `(SELECT ligne, ${tabularColumns(ctx, csv.columns, false)} FROM ${quotedIdentifier(csv.table)})`, malformed: csv.malformed, format: 'csv-tabulaire' };
}

/** A date cell (`2018-12-17`, `2018-12-17+01:00`, `2024-12-05T00:00:00`) as a DATE, or NULL (`31/12/2024`). */
function dateSql(expr: string): string {
  return `TRY_CAST(left(${expr}, 10) AS DATE)`;
}

export async function stageDecp(ctx: StageContext): Promise<Staged> {
  const { w } = ctx;
  const n = await normalise(ctx);
  const tabular = n.format === 'parquet' || n.format === 'csv-tabulaire';
  // Scratch tables are temporary: a million rows need not go through the warehouse's log.
  const temp = (name: string) => quotedIdentifier(ctx.scratchTable(name));
  // The date of the data: the latest publication date not after the retrieval (or fixture) date.
  const latest = await w.one<{ d: string | null }>(
    `SELECT strftime(max(jour), '%Y-%m-%d') AS d FROM (SELECT ${dateSql('publication')} AS jour FROM ${n.from}) WHERE jour <= $limite::DATE`,
    { limite: ctx.dataDate },
  );
  const dataDate = ctx.dateImposee || !latest?.d ? ctx.dataDate : latest.d;

  // Each distinct buyer once (tens of thousands, not a million rows): SIRET check digit and SIREN → collectivité.
  const buyers = temp('acheteurs');
  await w.run(
    `CREATE TEMP TABLE ${buyers} AS
     SELECT a.acheteur, a.siren IS NOT NULL AS quatorze, ${siretValideSql('a.acheteur')} AS valide, s.type_collectivite, s.code, s.rapprochement
     FROM (SELECT acheteur, CASE WHEN regexp_full_match(acheteur, '\\d{14}') THEN left(acheteur, 9) END AS siren
           FROM (SELECT DISTINCT acheteur FROM ${n.from} WHERE acheteur IS NOT NULL)) a
     -- An equality only: a condition on one side in the ON clause would make DuckDB compare every pair.
     LEFT JOIN ref_siren s ON s.siren = a.siren`,
  );
  const checked = temp('verifie');
  await w.run(
    `CREATE TEMP TABLE ${checked} AS
     SELECT b.ligne, b.lot, coalesce(b.uid, b.acheteur || b.id) AS cle, coalesce(b.uid, b.acheteur || coalesce(b.id, ''), b.acheteur) AS identifiant,
            b.acheteur, ${dateSql('b.notification')} AS jour, b.modification, b.titulaire, b.source,
       CASE
         WHEN lower(coalesce(b.nature, '')) LIKE '%concession%'
           THEN 'contrat de concession : hors du champ de l''indicateur, qui compte les marchés (le fichier consolidé tabulaire n''a pas les concessions)'
         WHEN b.acheteur IS NULL THEN 'SIRET de l''acheteur absent'
         WHEN NOT a.quatorze THEN 'SIRET de l''acheteur invalide « ' || b.acheteur || ' » (14 chiffres attendus)'
         WHEN NOT a.valide THEN 'SIRET de l''acheteur invalide « ' || b.acheteur || ' » (clé de contrôle fausse)'
         WHEN b.uid IS NULL AND b.id IS NULL THEN 'identifiant du marché absent (ni uid ni id)'
         WHEN b.notification IS NULL THEN 'dateNotification absente : le semestre du marché est inconnu'
         WHEN ${dateSql('b.notification')} IS NULL THEN 'dateNotification illisible « ' || b.notification || ' » (date AAAA-MM-JJ attendue)'
         WHEN ${dateSql('b.notification')} < DATE '${DEBUT_DONNEES_ESSENTIELLES}' OR ${dateSql('b.notification')} > $d::DATE
           THEN 'dateNotification hors limites « ' || b.notification || ' » (attendue entre le ${DEBUT_DONNEES_ESSENTIELLES}, début du régime des données essentielles, et le ' || $d || ', date des données)'
       END AS motif
     FROM ${n.from} b LEFT JOIN ${buyers} a USING (acheteur)`,
    { d: dataDate },
  );
  // Duplicates, as groups of lines (few): in the tabular file a contract spans one row per holder and per
  // modification, so only a row repeating the same contract, modification and holder is one; elsewhere (one contract
  // per row) a second row of a uid is.
  const duplicates = temp('doublons');
  await w.run(
    `CREATE TEMP TABLE ${duplicates} AS
     SELECT cle, list(ligne ORDER BY ligne) AS lignes FROM ${checked} WHERE motif IS NULL
     GROUP BY cle${tabular ? ', modification, titulaire' : ''} HAVING count(*) > 1`,
  );
  // One row per contract, carried by its first row (initial data before modifications, then file order); aggregates
  // rather than window functions: a hash table, not a sort of every row.
  const staging = quotedIdentifier(ctx.stagingTable('decp_marches'));
  await w.run(
    `CREATE TEMP TABLE ${staging} AS
     WITH c AS (
       SELECT cle, arg_min({ligne: ligne, lot: lot, acheteur: acheteur, jour: jour, source: source}, coalesce(modification, 0)::BIGINT * 10000000000 + ligne) AS r,
              count(*) AS n
       FROM ${checked} WHERE motif IS NULL GROUP BY cle
     ),
     d AS (SELECT cle, sum(len(lignes) - 1) AS extra FROM ${duplicates} GROUP BY cle)
     SELECT $d AS date_donnees, $r AS run_id, c.r.ligne::INTEGER AS ligne, c.r.lot AS lot, c.cle AS uid, c.r.acheteur AS acheteur_siret, left(c.r.acheteur, 9) AS siren,
            coalesce(a.type_collectivite, CASE left(c.r.acheteur, 2) WHEN '21' THEN 'commune-non-rapprochee' WHEN '22' THEN 'departement-non-rapprochee'
                                                                     WHEN '23' THEN 'region-non-rapprochee' ELSE 'hors-collectivite' END) AS categorie,
            a.code, a.rapprochement, strftime(c.r.jour, '%Y-%m-%d') AS date_notification, c.r.source AS source_donnees,
            (c.n - coalesce(d.extra, 0))::INTEGER AS lignes
     FROM c LEFT JOIN d USING (cle) LEFT JOIN ${buyers} a ON a.acheteur = c.r.acheteur`,
    { d: dataDate, r: ctx.runId },
  );
  const rejects = temp('rejets');
  await w.run(
    `CREATE TEMP TABLE ${rejects} AS
     ${n.malformed ? `SELECT ligne, identifiant, motif FROM ${quotedIdentifier(n.malformed)} UNION ALL` : ''}
     SELECT ligne::INTEGER AS ligne, identifiant, motif FROM ${checked} WHERE motif IS NOT NULL
     UNION ALL
     SELECT l::INTEGER, cle, 'doublon : même marché (uid ' || cle || ') que la ligne ' || lignes[1] || ', compté une fois'
     FROM (SELECT cle, lignes, unnest(lignes[2:]) AS l FROM ${duplicates})
     ORDER BY 1`,
  );
  const rowsIn = (await w.one<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${checked}`))!.n + (n.malformed ? await countRows(w, n.malformed) : 0);
  const rowsRejected = await countRows(w, ctx.scratchTable('rejets'));
  const stats = await w.one<{ marches: number; lignes: number; collectivites: number; non_rapproches: number; hors: number; acheteurs: number }>(
    `SELECT count(*)::INTEGER AS marches, coalesce(sum(lignes), 0)::INTEGER AS lignes,
            count(*) FILTER (WHERE categorie IN ('commune', 'epci', 'departement', 'region'))::INTEGER AS collectivites,
            count(*) FILTER (WHERE categorie LIKE '%-non-rapprochee')::INTEGER AS non_rapproches,
            count(*) FILTER (WHERE categorie NOT IN ('commune', 'epci', 'departement', 'region') AND categorie NOT LIKE '%-non-rapprochee')::INTEGER AS hors,
            count(DISTINCT acheteur_siret)::INTEGER AS acheteurs
     FROM ${staging}`,
  );
  const s = stats!;
  const notes = [
    `Format : ${{ parquet: 'fichier consolidé tabulaire (Parquet)', 'csv-tabulaire': 'fichier consolidé tabulaire (CSV)', json: 'decp.json (2019)', 'csv-augmente': 'DECP augmentées (CSV)' }[n.format]} ; ${s.marches} marché(s) distinct(s) de ${s.acheteurs} acheteur(s)${tabular ? `, sur ${s.lignes} ligne(s) (une ligne par titulaire et par modification)` : ''}.`,
    `Acheteurs : ${s.collectivites} marché(s) de collectivités, ${s.hors} d'autres acheteurs (État, établissements publics, EPT, syndicats…) comptés à part, ${s.non_rapproches} de SIREN de collectivité non rapprochés (commune fusionnée, département ou région absent de la table des SIREN).`,
  ];
  // rows_loaded counts the file's rows used: one per contract, plus the other rows of a tabular contract.
  return { rejectsTable: ctx.scratchTable('rejets'), rowsIn, rowsLoaded: s.lignes, rowsRejected, dataDate, notes };
}

/**
 * The minimum plausible size of a first real load, by the lots it carries: the consolidated file holds over a million
 * contracts of tens of thousands of buyers; Bercy's « DECP augmentées » hundreds of thousands; a producer's decp.json of
 * 2019 a few hundred and more (470 for e-marchespublics).
 */
export function decpMinimum(lots: readonly string[]): VolumeMinimum {
  if (lots.includes('tabulaire')) return { rows: 100_000, matched: 1_000 };
  if (lots.some((l) => l.startsWith('augmente:'))) return { rows: 10_000 };
  return { rows: 100 };
}

export const decp: Source = {
  id: 'decp',
  title: 'Données essentielles de la commande publique (DECP) consolidées',
  producer: 'Colin Maudry (decp-processing), à partir des publications des acheteurs et du ministère de l’Économie',
  licence: 'Licence Ouverte 2.0',
  licenceUrl: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/',
  homepage: `https://www.data.gouv.fr/fr/datasets/${DECP_DATASET_ID}/`,
  url: DECP_PARQUET_URL,
  // The consolidated file is rebuilt every working morning; one pull a week is enough for semesters.
  schedule: '0 8 * * 3',
  keeps:
    "Une ligne par marché (uid, dédoublonné) : SIRET de l'acheteur, SIREN rapproché du référentiel (communes, EPCI, départements, régions ; les autres acheteurs gardés à part), date de notification, jeu de données d'origine. Chaque chargement remplace le lot qu'il apporte (le fichier consolidé entier, ou un fichier decp.json d'une source).",
  fixture: 'test/fixtures/decp/decp.csv',
  fixtureDate: '2025-07-31',
  extension: 'parquet',
  extensions: ['csv', 'json'],
  tables: [{ name: 'decp_marches', columns: DECP_COLUMNS, mode: 'replace', partitionBy: ['lot'] }],
  // Compared lot by lot: the consolidated file with the previous consolidated file, a producer's decp.json with the
  // same producer's (1,148 contracts for data.gouv.fr_pes in 2019, 470 for e-marchespublics).
  volume: { minimum: decpMinimum, compareBy: 'partition', matched: { tables: ['decp_marches'] } },
  async fetchLive(ctx) {
    // Several hundred megabytes: streamed to disk, never held in memory.
    return ctx.fetch(ctx.url, {
      toFile: ctx.downloadPath,
      maxBytes: Math.max(ctx.http.maxBytes, 4 * 1024 * 1024 * 1024),
      timeoutMs: Math.max(ctx.http.timeoutMs, 30 * 60_000),
      accept: ['application/vnd.apache.parquet', 'application/octet-stream', 'binary/octet-stream', 'application/x-parquet', 'text/csv', 'application/json'],
    });
  },
  stage: stageDecp,
};

