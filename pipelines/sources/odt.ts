// Observatoire open data des territoires (OpenDataFrance): organisations that publish open data.
import { parseCsv, parseNumber } from '../base/csv.ts';
import type { TypeCollectivite } from '../referential/referential.ts';
import type { Column, Row } from '../base/warehouse.ts';
import type { FetchContext, PrepareContext, Prepared, Reject, Source } from './types.ts';
import { dateInUrl, latestTimestamp, ODT_FIELDS, odtLayout, type OdtField, type OdtRow } from './odt-layout.ts';
import { categoryFromSiren, cleanIdentifier, matchRow } from './odt-matching.ts';

export const DATASET_API = 'https://www.data.gouv.fr/api/1/datasets/donnees-de-lobservatoire-open-data-des-territoires-edition-2022/';
/** The last edition's organisations file, used when the data.gouv.fr API does not answer with a usable resource. */
const KNOWN_FILE =
  'https://static.data.gouv.fr/resources/donnees-de-lobservatoire-open-data-des-territoires-edition-2022/20230202-112356/indicateurs-odater-organisations-2022-12-31-.csv';

/** ODT type → barometer type; non-collectivités keep their own category, outside the barometer. */
const TYPES: Record<string, TypeCollectivite | 'ept' | 'hors-collectivite'> = {
  COM: 'commune',
  CC: 'epci',
  CA: 'epci',
  CU: 'epci',
  MET: 'epci',
  EPT: 'ept',
  DEP: 'departement',
  REG: 'region',
  AGCT: 'hors-collectivite',
  OACT: 'hors-collectivite',
  DSPT: 'hors-collectivite',
  // Services déconcentrés de l'État (the one real row is a DDT): not a collectivité, counted apart.
  SDE: 'hors-collectivite',
};

export const ODT_COLUMNS: Column[] = [
  { name: 'date_donnees', type: 'VARCHAR' },
  { name: 'run_id', type: 'VARCHAR' },
  { name: 'ligne', type: 'INTEGER' },
  { name: 'siren', type: 'VARCHAR' },
  { name: 'nom', type: 'VARCHAR' },
  { name: 'type_odt', type: 'VARCHAR' },
  { name: 'categorie', type: 'VARCHAR' },
  { name: 'code', type: 'VARCHAR' },
  { name: 'rapprochement', type: 'VARCHAR' },
  { name: 'nb_ptf', type: 'INTEGER' },
  { name: 'nb_datagouv', type: 'INTEGER' },
  { name: 'publie', type: 'BOOLEAN' },
  { name: 'url_ptf', type: 'VARCHAR' },
  { name: 'url_datagouv', type: 'VARCHAR' },
  /** The population the file gives (`pop-insee`), when it gives one: for comparisons with the producer's own figures. */
  { name: 'population_fichier', type: 'INTEGER' },
];

function maxOrNull(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

function datasetCount(cell: string | undefined, column: string): { value: number | null; error?: string } {
  const n = parseNumber(cell);
  if (n === null) return { value: null };
  if (!Number.isInteger(n) || n < 0) return { value: null, error: `${column} n'est pas un nombre entier positif : « ${cell} »` };
  if (n > 1_000_000) return { value: null, error: `${column} hors limites : ${n} jeux de données` };
  return { value: n };
}

export function prepareOdt(bytes: Uint8Array, ctx: PrepareContext): Prepared {
  const what = `odt (${ctx.origin})`;
  const table = parseCsv(bytes, { what });
  const layout = odtLayout(table.header, what);
  const cell = (values: Record<string, string>, field: OdtField) => {
    const column = layout.columns[field];
    return column ? (values[column] ?? '') : '';
  };
  const rejects: Reject[] = table.malformed.map((m) => ({ ligne: m.line, identifiant: m.raw[0] ?? null, motif: `ligne mal formée : ${m.reason}` }));
  const rows: Row[] = [];
  const seen = new Map<string, Row>();
  for (const { line, values } of table.rows) {
    const v = Object.fromEntries(Object.keys(ODT_FIELDS).map((f) => [f, cell(values, f as OdtField)])) as OdtRow;
    const siren = cleanIdentifier(v.siren);
    const type = v.type.trim().toUpperCase();
    const reject = (motif: string) => rejects.push({ ligne: line, identifiant: siren || v.nom || null, motif });
    if (siren !== '' && !/^\d{9}$/.test(siren)) {
      reject(`SIREN invalide « ${siren} » (9 chiffres attendus)`);
      continue;
    }
    let category: TypeCollectivite | 'ept' | 'hors-collectivite' | undefined;
    let code: string | null = null;
    let how: string | null = null;
    if (layout.hasType) {
      category = TYPES[type];
      if (!category) {
        reject(`type « ${v.type} » inconnu (attendu : ${Object.keys(TYPES).join(', ')})`);
        continue;
      }
    } else {
      if (siren === '') {
        reject('ni type ni SIREN : impossible de dire quelle organisation est cette ligne');
        continue;
      }
      const found = categoryFromSiren(ctx.referential, siren, v.nom);
      if ('reject' in found) {
        reject(found.reject);
        continue;
      }
      ({ category, code, how } = found);
    }
    const ptf = datasetCount(v.nb_ptf, layout.columns.nb_ptf ?? 'nb-ptf');
    const dg = datasetCount(v.nb_datagouv, layout.columns.nb_datagouv ?? 'nb-datagouv');
    if (ptf.error || dg.error) {
      reject((ptf.error ?? dg.error)!);
      continue;
    }
    if (layout.hasType && category !== 'hors-collectivite') {
      const m = matchRow(ctx.referential, v, category);
      if ('reject' in m) {
        reject(m.reject);
        continue;
      }
      code = m.code;
      how = m.how;
    }
    // Without dataset counts (October 2020's layout), being listed by the Observatory means publishing.
    const publie = layout.hasCounts ? (ptf.value ?? 0) + (dg.value ?? 0) > 0 : true;
    // Duplicates count once: same collectivité (after matching), or same SIREN for other organisations.
    // The kept row takes the larger dataset counts, so that a collectivité publishing under either row counts as publishing.
    const key = code ? `${category}:${code}` : `siren:${siren || v.nom}`;
    const first = seen.get(key);
    if (first !== undefined) {
      first.nb_ptf = maxOrNull(first.nb_ptf as number | null, ptf.value);
      first.nb_datagouv = maxOrNull(first.nb_datagouv as number | null, dg.value);
      first.publie = (first.publie as boolean) || publie;
      reject(`doublon : même organisation que la ligne ${first.ligne}${code ? ` (${category} ${code})` : ''}, comptée une fois`);
      continue;
    }
    const population = parseNumber(v.population);
    const row: Row = {
      date_donnees: ctx.dataDate,
      run_id: ctx.runId,
      ligne: line,
      siren: siren || null,
      nom: v.nom.trim() || null,
      type_odt: type || null,
      categorie: category,
      code,
      rapprochement: how,
      nb_ptf: ptf.value,
      nb_datagouv: dg.value,
      publie,
      url_ptf: v.url_ptf.trim() || null,
      url_datagouv: v.url_datagouv.trim() || null,
      population_fichier: population !== null && Number.isInteger(population) && population >= 0 && population < 100_000_000 ? population : null,
    };
    seen.set(key, row);
    rows.push(row);
  }
  // The date of the data: --date, else the latest `TimeStamp` of the rows, else the context's (file name, retrieval).
  const stamped = layout.columns.timestamp ? latestTimestamp(table.rows.map((r) => r.values[layout.columns.timestamp!] ?? '')) : null;
  const fromContent = !ctx.dateImposee && stamped !== null;
  const dataDate = fromContent ? stamped : ctx.dataDate;
  if (fromContent) for (const r of rows) r.date_donnees = dataDate;
  const notes = [
    `disposition du fichier : ${layout.hasType ? 'type de chaque organisation lu dans le fichier' : 'pas de colonne type : le type vient du référentiel par le SIREN'} ; ${
      layout.hasCounts ? 'nombres de jeux lus (publie = au moins un jeu)' : 'pas de nombre de jeux : être listée par l’Observatoire vaut publier'
    }${layout.columns.population ? ' ; populations du fichier gardées' : ''}.`,
  ];
  const rowsIn = table.rows.length + table.malformed.length;
  return { tables: { odt_organisations: rows }, rejects, rowsIn, rowsLoaded: rows.length, dataDate, dataDateFrom: fromContent ? `TimeStamp le plus récent des lignes (${layout.columns.timestamp})` : undefined, notes };
}

interface DatagouvResource {
  title?: string;
  url?: string;
  format?: string;
  last_modified?: string;
}

/** Finds the organisations CSV in the dataset's resources through the data.gouv.fr API. */
async function resolveUrl(ctx: FetchContext): Promise<string> {
  if (!ctx.url.includes('/api/1/datasets/')) return ctx.url; // a direct link to the file (a mirror)
  try {
    const res = await ctx.fetch(ctx.url, { accept: ['application/json'] });
    const dataset = JSON.parse(new TextDecoder().decode(res.body)) as { resources?: DatagouvResource[] };
    const resource = dataset.resources?.find((r) => /organisations/i.test(`${r.title} ${r.url}`) && /csv/i.test(`${r.format} ${r.url}`));
    if (resource?.url) return resource.url;
    ctx.log(`odt : aucune ressource « organisations » en CSV dans ${ctx.url}, repli sur ${KNOWN_FILE}`);
  } catch (error) {
    ctx.log(`odt : API data.gouv.fr indisponible (${(error as Error).message}), repli sur ${KNOWN_FILE}`);
  }
  return KNOWN_FILE;
}

export const odt: Source = {
  id: 'odt',
  title: 'Observatoire open data des territoires : organisations publiant des données ouvertes',
  producer: 'OpenDataFrance',
  licence: 'ODbL 1.0',
  licenceUrl: 'https://opendatacommons.org/licenses/odbl/1-0/',
  homepage: 'https://www.data.gouv.fr/fr/datasets/donnees-de-lobservatoire-open-data-des-territoires-edition-2022/',
  url: DATASET_API,
  schedule: '0 6 * * 1',
  keeps: "Une ligne par organisation publiant des données, rapprochée du référentiel (commune, EPCI, département, région), avec le nombre de jeux sur son portail et sur data.gouv.fr (quand l'édition les donne) et la population que donne le fichier ; un instantané par date de données, une édition après l'autre.",
  fixture: 'test/fixtures/odt/organisations.csv',
  fixtureDate: '2021-04-09',
  extension: 'csv',
  tables: [{ name: 'odt_organisations', columns: ODT_COLUMNS, mode: 'snapshot' }],
  // An edition lists 760 to 1,060 organisations (2020–2022), 600 and more of them collectivités.
  volume: { minimum: { rows: 200, matched: 100 }, matched: { tables: ['odt_organisations'] } },
  dataDateOf(name) {
    return dateInUrl(name);
  },
  async fetchLive(ctx) {
    const url = await resolveUrl(ctx);
    const res = await ctx.fetch(url, { accept: ['text/csv', 'text/plain', 'application/csv', 'application/octet-stream', 'application/vnd.ms-excel'] });
    return res;
  },
  prepare(bytes, ctx) {
    return prepareOdt(bytes, ctx);
  },
};
