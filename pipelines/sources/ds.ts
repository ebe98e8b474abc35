// Démarches Simplifiées (DINUM): the procedures published on demarches-simplifiees.fr, and which of them a
// collectivité runs. Two layouts:
// - the monthly « démarches publiques » export (live): a gzipped JSON array, one object per procedure open to the
//   public that opted into open data (`number, title, description, zones, datePublication,
//   service{nom, organisme, typeOrganisme}, dossiersCount, …`), written by DemarchesPubliquesExportService in
//   demarches-simplifiees/demarches-simplifiees.fr. No SIRET: the organisation is matched by its name, in SQL;
// - the older CSV `procedure_service_instructeur_expert` (one row per month, procedure and service SIRET), whose
//   job was never merged: read with --from only, in JavaScript (small files).
// Here: the source, finding the export on data.gouv.fr, and telling the layouts apart (JSON: ds-json.ts; CSV: ds-csv.ts).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { HttpResult } from '../base/http.ts';
import { checkGzip, createRejects, sniffRaw } from '../base/staging.ts';
import type { Row } from '../base/warehouse.ts';
import { DS_TABLE_COLUMNS, prepareDs } from './ds-csv.ts';
import { DS_DEMARCHES_COLUMNS, DS_RAPPROCHEMENT_COLUMNS, stageDsJson } from './ds-json.ts';
import type { FetchContext, Source, Staged, StageContext } from './types.ts';

/**
 * The dataset of the « démarches publiques » export (`descriptif_demarches_dataset` of the platform's
 * publishing job, Cron::Datagouv::ExportAndPublishDemarchesPubliquesJob); data.gouv.fr answers to the id.
 */
export const DS_DATASET_ID = '62a0afdacffa4c3ea5cbd1b4';
const DATASET_API = `https://www.data.gouv.fr/api/1/datasets/${DS_DATASET_ID}/`;
/** The export is written `<AAAAMMJJhhmmss>-demarches.json.gz`; a mirror may drop the compression. */
const RESOURCE_RE = /demarches[^/]*\.json(\.gz)?$/i;

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
  // The monthly export of public procedures: thousands of procedures, a few hundred of them by collectivités.
  volume: { minimum: { rows: 500, matched: 20 }, matched: { tables: ['ds_procedures', 'ds_demarches'] } },
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
