// Démarches Simplifiées (DINUM): the procedures published on demarches-simplifiees.fr, and which of them a
// collectivité runs. Two layouts:
// - the monthly « démarches publiques » export (live): a gzipped JSON array, one object per procedure open to the
//   public that opted into open data (`number, title, description, zones, datePublication,
//   service{nom, organisme, typeOrganisme}, dossiersCount, …`), written by DemarchesPubliquesExportService in
//   demarches-simplifiees/demarches-simplifiees.fr. No SIRET: the organisation is matched by its name, in SQL;
// - the older CSV `procedure_service_instructeur_expert` (one row per month, procedure and service SIRET), whose
//   job was never merged: read with --from only, in JavaScript (small files).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseCsv, parseNumber, requireColumns } from '../base/csv.ts';
import type { HttpResult } from '../base/http.ts';
import { SEUIL_RAPPROCHEMENT_NOMS } from '../referential/rapprochement-sql.ts';
import { looksLikeCollectivite, matchSiren } from '../referential/siren.ts';
import { checkGzip, countRows, createRejects, jsonCompression, jsonKeys, requireHeader, sniffRaw } from '../base/staging.ts';
import { quotedIdentifier, quotedString, type Column, type Row } from '../base/warehouse.ts';
import { cleanIdentifier } from './odt-matching.ts';
import type { FetchContext, PrepareContext, Prepared, Reject, Source, Staged, StageContext } from './types.ts';

/**
 * The dataset of the « démarches publiques » export (`descriptif_demarches_dataset` of the platform's
 * publishing job, Cron::Datagouv::ExportAndPublishDemarchesPubliquesJob); data.gouv.fr answers to the id.
 */
export const DS_DATASET_ID = '62a0afdacffa4c3ea5cbd1b4';
const DATASET_API = `https://www.data.gouv.fr/api/1/datasets/${DS_DATASET_ID}/`;
/** The export is written `<AAAAMMJJhhmmss>-demarches.json.gz`; a mirror may drop the compression. */
const RESOURCE_RE = /demarches[^/]*\.json(\.gz)?$/i;


export const DS_COLUMNS = ['mois', 'procedure_id', 'service_siret', 'service_adresse', 'nb_groupe_instructeur', 'nb_instructeur', 'nb_expert'] as const;
/** `service_adresse` is optional: the platform's job announces it in the header but does not always write it. */
const REQUIRED = ['mois', 'procedure_id', 'service_siret', 'nb_groupe_instructeur', 'nb_instructeur', 'nb_expert'] as const;
const COUNTS = ['nb_groupe_instructeur', 'nb_instructeur', 'nb_expert'] as const;

export const DS_TABLE_COLUMNS: Column[] = [
  { name: 'date_donnees', type: 'VARCHAR' },
  { name: 'run_id', type: 'VARCHAR' },
  { name: 'ligne', type: 'INTEGER' },
  { name: 'mois', type: 'VARCHAR' },
  { name: 'procedure_id', type: 'BIGINT' },
  { name: 'siret', type: 'VARCHAR' },
  { name: 'siren', type: 'VARCHAR' },
  { name: 'categorie', type: 'VARCHAR' },
  { name: 'code', type: 'VARCHAR' },
  { name: 'rapprochement', type: 'VARCHAR' },
  { name: 'service_adresse', type: 'VARCHAR' },
  { name: 'nb_groupe_instructeur', type: 'INTEGER' },
  { name: 'nb_instructeur', type: 'INTEGER' },
  { name: 'nb_expert', type: 'INTEGER' },
];

const MONTHS: Record<string, number> = {
  january: 1, february: 2, march: 3, april: 4, may: 5, june: 6, july: 7, august: 8, september: 9, october: 10, november: 11, december: 12,
  janvier: 1, fevrier: 2, mars: 3, avril: 4, mai: 5, juin: 6, juillet: 7, aout: 8, septembre: 9, octobre: 10, novembre: 11, decembre: 12,
};

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * The month of a `mois` cell as YYYY-MM. The platform has written it `2025-01` (current job), and
 * earlier `January 2025` (Ruby `%B %Y`, English names whatever the locale); a full date is accepted too.
 */
export function parseMois(cell: string | undefined): string | null {
  const s = (cell ?? '').trim();
  let year: number | undefined;
  let month: number | undefined;
  const iso = /^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$/.exec(s);
  if (iso) {
    year = Number(iso[1]);
    month = Number(iso[2]);
    if (iso[3] !== undefined) {
      const day = Number(iso[3]);
      const d = new Date(Date.UTC(year, month - 1, day));
      if (d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
    }
  } else {
    const words = s
      .normalize('NFD')
      .replace(/\p{Diacritic}/gu, '')
      .toLowerCase()
      .match(/^([a-z]+)\.?\s+(\d{4})$|^(\d{4})\s+([a-z]+)$/);
    if (!words) return null;
    const name = words[1] ?? words[4]!;
    year = Number(words[2] ?? words[3]);
    month = MONTHS[name];
  }
  if (month === undefined || !(month >= 1 && month <= 12) || year < 2000 || year > 2999) return null;
  return `${year}-${pad2(month)}`;
}

/** Last day of a YYYY-MM month. */
export function endOfMonth(mois: string): string {
  const [y, m] = mois.split('-').map(Number) as [number, number];
  return `${mois}-${pad2(new Date(Date.UTC(y, m, 0)).getUTCDate())}`;
}

function count(cell: string | undefined, column: string): { value?: number; error?: string } {
  const n = parseNumber(cell);
  if (n === null) return { error: `${column} vide (nombre entier positif ou nul attendu)` };
  if (!Number.isInteger(n) || n < 0) return { error: `${column} n'est pas un nombre entier positif ou nul : « ${cell} »` };
  return { value: n };
}

export function prepareDs(bytes: Uint8Array, ctx: PrepareContext): Prepared {
  const what = `ds (${ctx.origin})`;
  const table = parseCsv(bytes, { what });
  requireColumns(table, REQUIRED, what);
  const rejects: Reject[] = [];
  const rows: Row[] = [];
  const seen = new Map<string, number>();
  const notes: string[] = [];

  // The published job writes one value fewer than its header announces (no address): such rows are
  // read by position without the address, as long as the header names the address column.
  const withoutAddress = table.header.includes('service_adresse') ? table.header.filter((h) => h !== 'service_adresse') : null;
  const records: { line: number; values: Record<string, string> }[] = [...table.rows];
  let positional = 0;
  for (const m of table.malformed) {
    if (withoutAddress && m.raw.length === withoutAddress.length) {
      records.push({ line: m.line, values: Object.fromEntries(withoutAddress.map((h, j) => [h, m.raw[j] ?? ''])) });
      positional++;
    } else {
      rejects.push({ ligne: m.line, identifiant: m.raw[2] ?? m.raw[0] ?? null, motif: `ligne mal formée : ${m.reason}` });
    }
  }
  records.sort((a, b) => a.line - b.line);
  if (positional > 0) notes.push(`${positional} ligne(s) sans adresse de service (une valeur de moins que l'en-tête), lues par position.`);

  const unmatched = { commune: 0, departement: 0, region: 0 };
  for (const { line, values: v } of records) {
    const siret = cleanIdentifier(v.service_siret);
    const reject = (motif: string) => rejects.push({ ligne: line, identifiant: siret || v.procedure_id?.trim() || null, motif });
    const mois = parseMois(v.mois);
    if (!mois) {
      reject(`mois illisible « ${v.mois ?? ''} » (attendu : AAAA-MM, AAAA-MM-JJ ou « January 2025 »)`);
      continue;
    }
    const procedure = (v.procedure_id ?? '').trim();
    if (!/^\d{1,15}$/.test(procedure) || Number(procedure) === 0) {
      reject(`procedure_id invalide « ${v.procedure_id ?? ''} » (nombre entier positif attendu)`);
      continue;
    }
    if (!/^\d{14}$/.test(siret)) {
      reject(siret === '' ? 'service_siret vide (SIRET de 14 chiffres attendu)' : `service_siret invalide « ${siret} » (SIRET de 14 chiffres attendu)`);
      continue;
    }
    const counts = COUNTS.map((c) => count(v[c], c));
    const bad = counts.find((c) => c.error);
    if (bad) {
      reject(bad.error!);
      continue;
    }
    const key = `${mois}|${procedure}|${siret}`;
    const first = seen.get(key);
    if (first !== undefined) {
      reject(`doublon : même mois, démarche et SIRET que la ligne ${first}, comptée une fois`);
      continue;
    }
    seen.set(key, line);
    const siren = siret.slice(0, 9);
    const match = matchSiren(ctx.referential, siren);
    let categorie: string;
    if (match) categorie = match.type_collectivite;
    else {
      // Kept, not rejected: State services, hospitals… run procedures too; they are outside the barometer.
      const guess = looksLikeCollectivite(siren);
      if (guess) unmatched[guess]++;
      categorie = guess ? `${guess}-non-rapprochee` : 'hors-collectivite';
    }
    rows.push({
      date_donnees: '',
      run_id: ctx.runId,
      ligne: line,
      mois,
      procedure_id: Number(procedure),
      siret,
      siren,
      categorie,
      code: match?.code ?? null,
      rapprochement: match?.rapprochement ?? null,
      service_adresse: v.service_adresse?.trim() || null,
      nb_groupe_instructeur: counts[0]!.value!,
      nb_instructeur: counts[1]!.value!,
      nb_expert: counts[2]!.value!,
    });
  }

  // The data date of a DS file is the last month it covers.
  const last = rows.reduce<string | null>((max, r) => (max === null || (r.mois as string) > max ? (r.mois as string) : max), null);
  const dataDate = last ? endOfMonth(last) : ctx.dataDate;
  for (const r of rows) r.date_donnees = dataDate;
  const lost = Object.entries(unmatched).filter(([, n]) => n > 0);
  if (lost.length > 0) {
    notes.push(
      `SIREN de collectivités non rapprochés (gardés, hors baromètre) : ${lost.map(([t, n]) => `${n} ${t === 'commune' ? 'commune(s)' : t === 'departement' ? 'département(s)' : 'région(s)'}`).join(', ')} ; ` +
        'complétez data/referentiels/siren-departements-regions.csv ou data/referentiels/correspondances.csv.',
    );
  }
  rejects.sort((a, b) => (a.ligne ?? 0) - (b.ligne ?? 0));
  const rowsIn = table.rows.length + table.malformed.length;
  return { tables: { ds_procedures: rows }, rejects, rowsIn, rowsLoaded: rows.length, dataDate, notes };
}

interface DatagouvResource {
  title?: string;
  url?: string;
  format?: string;
  created_at?: string;
  last_modified?: string;
}

/** The date a resource carries in its title or file name (`20250301041000-demarches.json.gz`), else its API dates. */
function resourceDate(r: DatagouvResource): string {
  const m = /(20\d{2})(\d{2})(\d{2})/.exec(`${r.title ?? ''} ${(r.url ?? '').split('/').pop() ?? ''}`);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : (r.last_modified ?? r.created_at ?? '').slice(0, 10);
}

/** Every resource of the dataset: API v1 lists them in `resources`, API v2 pages them in `data`. */
async function listResources(ctx: FetchContext): Promise<DatagouvResource[]> {
  const out: DatagouvResource[] = [];
  let url: string | null = ctx.url;
  for (let page = 0; url && page < 50; page++) {
    // Never conditional: the validators kept from the last run belong to the export file, not to this listing.
    const res = await ctx.fetch(url, { accept: ['application/json'], etag: null, lastModified: null });
    const body = JSON.parse(new TextDecoder().decode(res.body)) as { resources?: DatagouvResource[]; data?: DatagouvResource[]; next_page?: string | null };
    out.push(...(body.resources ?? body.data ?? []));
    url = body.data ? (body.next_page ?? null) : null;
  }
  return out;
}

/** The most recent « démarches publiques » export of the dataset. */
export function pickResource(resources: DatagouvResource[]): DatagouvResource | null {
  const candidates = resources.filter((r) => r.url && (RESOURCE_RE.test(r.url) || RESOURCE_RE.test(r.title ?? '')));
  candidates.sort((a, b) => resourceDate(b).localeCompare(resourceDate(a)));
  return candidates[0] ?? null;
}

async function resolveUrl(ctx: FetchContext): Promise<string> {
  if (!/\/api\/\d\/datasets\//.test(ctx.url)) return ctx.url; // a direct link to the file (a mirror)
  const resource = pickResource(await listResources(ctx));
  if (!resource?.url) {
    throw new Error(`ds : aucune ressource « …-demarches.json.gz » dans ${ctx.url}. Le jeu de données a peut-être changé : donnez l'adresse du fichier dans barometre.config.json (sources.ds.url) ou chargez-le avec --from.`);
  }
  ctx.log(`ds : ressource retenue « ${resource.title ?? resource.url} » (${resourceDate(resource) || 'date inconnue'}).`);
  return resource.url;
}

// --- The « démarches publiques » export (JSON), read by DuckDB ------------------------------------------

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

/** The older CSV layout, parsed in JavaScript, written to the same staging tables (the export's stay empty). */
async function stageDsCsv(ctx: StageContext, gzip: boolean): Promise<Staged> {
  const bytes = readFileSync(ctx.rawPath);
  const prepared = prepareDs(gzip ? gunzipSync(bytes) : bytes, ctx);
  await ctx.w.createTable(ctx.stagingTable('ds_procedures'), DS_TABLE_COLUMNS);
  await ctx.w.insert(ctx.stagingTable('ds_procedures'), DS_TABLE_COLUMNS, prepared.tables.ds_procedures ?? []);
  await ctx.w.createTable(ctx.stagingTable('ds_demarches'), DS_DEMARCHES_COLUMNS);
  await ctx.w.createTable(ctx.stagingTable('ds_rapprochement'), DS_RAPPROCHEMENT_COLUMNS);
  const rejects = ctx.scratchTable('rejets');
  await createRejects(ctx.w, rejects);
  await ctx.w.insert(rejects, [{ name: 'ligne', type: 'INTEGER' }, { name: 'identifiant', type: 'VARCHAR' }, { name: 'motif', type: 'VARCHAR' }], prepared.rejects as unknown as Row[]);
  return { rejectsTable: rejects, rowsIn: prepared.rowsIn, rowsLoaded: prepared.rowsLoaded, rowsRejected: prepared.rejects.length, dataDate: prepared.dataDate, notes: prepared.notes };
}

export async function stageDs(ctx: StageContext): Promise<Staged> {
  const kind = sniffRaw(ctx.rawPath, `ds (${ctx.origin})`);
  if (kind.gzip) await checkGzip(ctx.rawPath, `ds (${ctx.origin})`);
  return kind.format === 'json' ? stageDsJson(ctx, kind.gzip) : stageDsCsv(ctx, kind.gzip);
}

export const ds: Source = {
  id: 'ds',
  title: 'Démarches Simplifiées : démarches publiques et organismes qui les portent',
  producer: 'DINUM (demarches-simplifiees.fr)',
  licence: 'Licence Ouverte 2.0',
  licenceUrl: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/',
  homepage: `https://www.data.gouv.fr/fr/datasets/${DS_DATASET_ID}/`,
  url: DATASET_API,
  // The platform publishes its export early in the month (its job runs monthly, at night).
  schedule: '0 7 5 * *',
  keeps:
    "Une ligne par démarche publique dont l'organisme est rapproché d'une seule collectivité par son nom (commune, EPCI, département, région), avec sa date de publication ; les démarches de l'État, des opérateurs et les noms ambigus ou introuvables sont rejetés avec leur motif, et le taux de rapprochement est gardé à chaque chargement. Un instantané par export, daté par le nom du fichier. L'ancien fichier « procedure_service_instructeur_expert » (CSV, par SIRET) reste lisible avec --from.",
  fixture: 'test/fixtures/ds/demarches.json.gz',
  fixtureDate: '2025-06-30',
  extension: 'json.gz',
  tables: [
    { name: 'ds_procedures', columns: DS_TABLE_COLUMNS, mode: 'snapshot' },
    { name: 'ds_demarches', columns: DS_DEMARCHES_COLUMNS, mode: 'snapshot' },
    { name: 'ds_rapprochement', columns: DS_RAPPROCHEMENT_COLUMNS, mode: 'snapshot' },
  ],
  dataDateOf(name) {
    const m = /(20\d{2})(\d{2})(\d{2})\d{6}-demarches/.exec(name);
    return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
  },
  async fetchLive(ctx): Promise<HttpResult> {
    const url = await resolveUrl(ctx);
    return ctx.fetch(url, {
      toFile: ctx.downloadPath,
      accept: ['application/gzip', 'application/x-gzip', 'application/json', 'application/octet-stream', 'binary/octet-stream', 'text/plain'],
    });
  },
  stage: stageDs,
};
