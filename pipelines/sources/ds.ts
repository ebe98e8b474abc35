// Démarches Simplifiées (DINUM): the platform's monthly statistics on data.gouv.fr. The file
// `procedure_service_instructeur_expert` lists the published procedures with the SIRET of the service
// that runs each one; the SIRET's first 9 digits are the organisation's SIREN.
import { parseCsv, parseNumber, requireColumns } from '../csv.ts';
import type { HttpResult } from '../http.ts';
import { looksLikeCollectivite, matchSiren } from '../siren.ts';
import type { Column, Row } from '../warehouse.ts';
import { cleanIdentifier } from './odt.ts';
import type { FetchContext, PrepareContext, Prepared, Reject, Source } from './types.ts';

/**
 * The statistics dataset of demarches-simplifiees.fr. Its id is the `DATASET` constant of the
 * platform's own publishing job (Cron::Datagouv::BaseJob in demarches-simplifiees/demarches-simplifiees.fr);
 * the dataset's slug is not needed, data.gouv.fr answers to the id.
 */
export const DS_DATASET_ID = '62d677bde7e4ca2c759142ce';
const DATASET_API = `https://www.data.gouv.fr/api/1/datasets/${DS_DATASET_ID}/`;
/** Resource titles read `procedure_service_instructeur_expert…` or, slugified, `procedure-service-instructeur-expert-…`. */
const RESOURCE_RE = /procedure[\s_-]*service[\s_-]*instructeur[\s_-]*expert/i;

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

/** The date a resource title carries (`…20250201-…` from the platform's temporary file name), else its API dates. */
function resourceDate(r: DatagouvResource): string {
  const m = /(20\d{2})(\d{2})(\d{2})/.exec(r.title ?? '');
  return m ? `${m[1]}-${m[2]}-${m[3]}` : (r.last_modified ?? r.created_at ?? '').slice(0, 10);
}

/** Every resource of the dataset: API v1 lists them in `resources`, API v2 pages them in `data`. */
async function listResources(ctx: FetchContext): Promise<DatagouvResource[]> {
  const out: DatagouvResource[] = [];
  let url: string | null = ctx.url;
  for (let page = 0; url && page < 50; page++) {
    // Never conditional: the validators kept from the last run belong to the CSV, not to this listing.
    const res = await ctx.fetch(url, { accept: ['application/json'], etag: null, lastModified: null });
    const body = JSON.parse(new TextDecoder().decode(res.body)) as { resources?: DatagouvResource[]; data?: DatagouvResource[]; next_page?: string | null };
    out.push(...(body.resources ?? body.data ?? []));
    url = body.data ? (body.next_page ?? null) : null;
  }
  return out;
}

/** The most recent `procedure_service_instructeur_expert` file of the dataset. */
export function pickResource(resources: DatagouvResource[]): DatagouvResource | null {
  const candidates = resources.filter((r) => r.url && RESOURCE_RE.test(`${r.title ?? ''} ${r.url}`));
  candidates.sort((a, b) => resourceDate(b).localeCompare(resourceDate(a)));
  return candidates[0] ?? null;
}

async function resolveUrl(ctx: FetchContext): Promise<string> {
  if (!/\/api\/\d\/datasets\//.test(ctx.url)) return ctx.url; // a direct link to the file (a mirror)
  const resource = pickResource(await listResources(ctx));
  if (!resource?.url) {
    throw new Error(`ds : aucune ressource « procedure_service_instructeur_expert » dans ${ctx.url}. Le jeu de données a peut-être changé : donnez l'adresse du fichier dans barometre.config.json (sources.ds.url) ou chargez-le avec --from.`);
  }
  ctx.log(`ds : ressource retenue « ${resource.title ?? resource.url} » (${resourceDate(resource) || 'date inconnue'}).`);
  return resource.url;
}

export const ds: Source = {
  id: 'ds',
  title: 'Démarches Simplifiées : démarches publiées et services qui les instruisent',
  producer: 'DINUM (demarches-simplifiees.fr)',
  licence: 'Licence Ouverte 2.0',
  licenceUrl: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/',
  homepage: `https://www.data.gouv.fr/fr/datasets/${DS_DATASET_ID}/`,
  url: DATASET_API,
  // The platform publishes its monthly files early in the month (its jobs run on the 1st).
  schedule: '0 7 5 * *',
  keeps:
    "Une ligne par mois, démarche et service (SIRET) : le SIREN du service est rapproché du référentiel (communes, EPCI, départements et régions) ; les services de l'État et autres organismes sont gardés comme « hors collectivité ». Un instantané par fichier, daté du dernier jour du dernier mois qu'il couvre.",
  fixture: 'test/fixtures/ds/procedure_service_instructeur_expert.csv',
  fixtureDate: '2025-06-30',
  extension: 'csv',
  tables: [{ name: 'ds_procedures', columns: DS_TABLE_COLUMNS, mode: 'snapshot' }],
  async fetchLive(ctx): Promise<HttpResult> {
    const url = await resolveUrl(ctx);
    return ctx.fetch(url, { accept: ['text/csv', 'text/plain', 'application/csv', 'application/octet-stream', 'application/vnd.ms-excel', 'binary/octet-stream'] });
  },
  prepare(bytes, ctx) {
    return prepareDs(bytes, ctx);
  },
};
