// Observatoire open data des territoires (OpenDataFrance): organisations that publish open data.
import { CsvError, normalizeHeader, parseCsv, parseNumber } from '../csv.ts';
import { normalizeName, type Collectivite, type Referential, type TypeCollectivite } from '../referential.ts';
import { looksLikeCollectivite, matchSiren, SIREN_DEP_REG_FILE } from '../siren.ts';
import type { Column, Row } from '../warehouse.ts';
import type { FetchContext, PrepareContext, Prepared, Reject, Source } from './types.ts';

export const DATASET_API = 'https://www.data.gouv.fr/api/1/datasets/donnees-de-lobservatoire-open-data-des-territoires-edition-2022/';
/** The last edition's organisations file, used when the data.gouv.fr API does not answer with a usable resource. */
const KNOWN_FILE =
  'https://static.data.gouv.fr/resources/donnees-de-lobservatoire-open-data-des-territoires-edition-2022/20230202-112356/indicateurs-odater-organisations-2022-12-31-.csv';

/**
 * One model for every edition of the organisations table: each field and the column names it has gone by
 * (compared without case, accents, spaces, `-` or `_`: `nb-ptf` = `nb_ptf`, `dep-code` = `depcode`). A new layout
 * whose columns go by a known name loads without code; add a name here when a new one appears.
 */
export const ODT_FIELDS = {
  siren: ['siren'],
  nom: ['nom'],
  type: ['type'],
  regcode: ['regcode'],
  depcode: ['depcode', 'Département'],
  nb_ptf: ['nb-ptf'],
  nb_datagouv: ['nb-datagouv'],
  population: ['pop-insee'],
  url_ptf: ['url-ptf', 'url-website', 'url-platform'],
  url_datagouv: ['url-datagouv'],
  timestamp: ['TimeStamp'],
} as const satisfies Record<string, readonly string[]>;

export type OdtField = keyof typeof ODT_FIELDS;

/** Without these a row cannot be identified. */
export const REQUIRED_FIELDS: readonly OdtField[] = ['siren', 'nom'];

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

/** Overseas collectivities named in `regcode` (outside the COG of communes). */
const REGCODE_HORS_PERIMETRE: Record<string, string> = { PF: 'Polynésie française', NC: 'Nouvelle-Calédonie', WF: 'Wallis-et-Futuna', PM: 'Saint-Pierre-et-Miquelon', BL: 'Saint-Barthélemy', MF: 'Saint-Martin', TF: 'Terres australes et antarctiques françaises' };

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

type Match = { code: string; how: string } | { reject: string };

/** Identifiers copied from web pages carry invisible marks (LRM, zero-width spaces, BOM): drop them. */
export function cleanIdentifier(value: string | undefined): string {
  return (value ?? '').replace(/[\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF\u00A0\s]/g, '');
}

function padDep(code: string): string {
  const c = code.trim().toUpperCase();
  return /^\d$/.test(c) ? `0${c}` : c;
}

function horsPerimetre(ref: Referential, depcode: string, regcode: string): string | null {
  const dep = padDep(depcode);
  if (ref.horsPerimetre.has(dep)) return ref.horsPerimetre.get(dep)!;
  const reg = regcode.trim().toUpperCase();
  return REGCODE_HORS_PERIMETRE[reg] ?? null;
}

function viaCorrespondance(ref: Referential, siren: string, type: TypeCollectivite): string | null {
  const c = ref.correspondances.find((k) => k.ancien_identifiant === siren && k.type_collectivite === type);
  return c?.code_actuel ?? null;
}

function single(list: Collectivite[] | undefined): Collectivite | null {
  return list && list.length === 1 ? list[0]! : null;
}

export function matchCommune(ref: Referential, siren: string, nom: string, depcode: string, regcode: string): Match {
  const bySiren = ref.communeBySiren.get(siren);
  if (bySiren) return { code: bySiren.code, how: 'siren' };
  const dep = padDep(depcode);
  const hp = horsPerimetre(ref, dep, regcode);
  if (hp) return { reject: `hors périmètre : commune de ${hp} (collectivité d'outre-mer, hors du référentiel des communes)` };
  const corr = viaCorrespondance(ref, siren, 'commune');
  if (corr) return { code: corr, how: 'correspondance' };
  const key = `${dep}|${normalizeName(nom)}`;
  const byName = ref.communeByDepName.get(key);
  if (byName && byName.length > 1) return { reject: `nom « ${nom} » ambigu dans le département ${dep} (${byName.map((c) => c.code).join(', ')})` };
  const one = single(byName);
  if (one) return { code: one.code, how: 'nom' };
  const hist = ref.historyByDepName.get(key);
  if (hist && new Set(hist.map((h) => h.code_actuel)).size === 1) return { code: hist[0]!.code_actuel, how: 'historique' };
  return { reject: `commune introuvable : SIREN ${siren || '(vide)'} inconnu et nom « ${nom} » absent du département ${dep || '(vide)'}` };
}

/** A row of any layout, in the model's terms (absent columns are empty). */
type OdtRow = Record<OdtField, string>;

function matchRow(ref: Referential, v: OdtRow, category: TypeCollectivite | 'ept'): Match {
  const siren = cleanIdentifier(v.siren);
  switch (category) {
    case 'commune':
      return matchCommune(ref, siren, v.nom, v.depcode, v.regcode);
    case 'epci': {
      if (ref.epciBySiren.has(siren)) return { code: siren, how: 'siren' };
      const corr = viaCorrespondance(ref, siren, 'epci');
      if (corr && ref.epciBySiren.has(corr)) return { code: corr, how: 'correspondance' };
      return { reject: `EPCI introuvable : SIREN ${siren || '(vide)'} absent du référentiel et de data/referentiels/correspondances.csv` };
    }
    case 'ept': {
      const ept = ref.ept.find((e) => e.code === siren);
      return ept ? { code: ept.code, how: 'siren' } : { reject: `EPT introuvable : SIREN ${siren || '(vide)'}` };
    }
    case 'departement': {
      const hp = horsPerimetre(ref, v.depcode, v.regcode);
      if (hp) return { reject: `hors périmètre : ${v.nom} (${hp})` };
      if (v.depcode.trim() === '') return bySirenTable(ref, siren, 'departement', v.nom);
      const dep = padDep(v.depcode);
      return ref.departementByCode.has(dep) ? { code: dep, how: 'depcode' } : { reject: `département inconnu : depcode « ${v.depcode} »` };
    }
    case 'region': {
      const reg = v.regcode.trim().toUpperCase();
      if (REGCODE_HORS_PERIMETRE[reg]) return { reject: `hors périmètre : ${v.nom} (${REGCODE_HORS_PERIMETRE[reg]})` };
      if (reg === '') return bySirenTable(ref, siren, 'region', v.nom);
      // `BRE-53` in most editions, `53` or `1` in October 2020's.
      const code = padDep(reg.split('-').pop()!);
      return ref.regionByCode.has(code) ? { code, how: 'regcode' } : { reject: `région inconnue : regcode « ${v.regcode} »` };
    }
  }
}

/** A département or région without its code in the row: through the SIREN table of the repository. */
function bySirenTable(ref: Referential, siren: string, type: 'departement' | 'region', nom: string): Match {
  const m = matchSiren(ref, siren);
  if (m && m.type_collectivite === type) return { code: m.code, how: m.rapprochement };
  return { reject: `${type === 'departement' ? 'département' : 'région'} « ${nom} » introuvable : ni code dans la ligne, ni SIREN ${siren || '(vide)'} dans ${SIREN_DEP_REG_FILE}` };
}

/** Without a `type` column, the referential says what a SIREN is; an unknown SIREN of a collectivité is a reject. */
function categoryFromSiren(ref: Referential, siren: string, nom: string): { category: TypeCollectivite | 'ept' | 'hors-collectivite'; code: string | null; how: string | null } | { reject: string } {
  const m = matchSiren(ref, siren);
  if (m) return { category: m.type_collectivite, code: m.code, how: m.rapprochement };
  const kind = looksLikeCollectivite(siren);
  if (kind) return { reject: `${kind === 'commune' ? 'commune' : kind === 'departement' ? 'département' : 'région'} introuvable : le fichier ne donne pas le type, et le SIREN ${siren} (« ${nom} ») est inconnu du référentiel (ancien SIREN d'une collectivité fusionnée ?)` };
  // EPCI SIRENs share their prefixes with syndicates: the name tells an EPCI whose SIREN changed with a merger.
  if (/\b(CC|CA|CU|COMMUNAUTE|METROPOLE|AGGLOMERATION)\b/.test(normalizeName(nom))) {
    return { reject: `EPCI introuvable : le fichier ne donne pas le type, le nom « ${nom} » désigne un EPCI mais le SIREN ${siren} est absent du référentiel et de data/referentiels/correspondances.csv` };
  }
  // Neither commune, département nor région by its SIREN, nor an EPCI of the referential: another organisation.
  return { category: 'hors-collectivite', code: null, how: null };
}

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

function validDate(y: number, m: number, d: number): string | null {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? date.toISOString().slice(0, 10) : null;
}

/** The date of a `TimeStamp` cell: `15/12/2021 11:57am` (day first, as in the real file) or ISO `2022-10-04…`. */
export function timestampDate(cell: string, dayFirst = true): string | null {
  const s = cell.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  const fr = /^(\d{1,2})\/(\d{1,2})\/(\d{4})\b/.exec(s);
  let y: number, m: number, d: number;
  if (iso) [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (fr) [y, m, d] = dayFirst ? [Number(fr[3]), Number(fr[2]), Number(fr[1])] : [Number(fr[3]), Number(fr[1]), Number(fr[2])];
  else return null;
  return validDate(y, m, d);
}

/** The latest date of the `TimeStamp` column; day first unless a cell can only be read month first. */
function latestTimestamp(cells: string[]): string | null {
  const slashed = cells.map((c) => /^(\d{1,2})\/(\d{1,2})\/\d{4}/.exec(c.trim())).filter((m) => m !== null);
  const dayFirst = !slashed.some((m) => Number(m[2]) > 12) || slashed.some((m) => Number(m[1]) > 12);
  const dates = cells.map((c) => timestampDate(c, dayFirst)).filter((d): d is string => d !== null);
  return dates.length > 0 ? dates.sort().at(-1)! : null;
}

export interface Layout {
  /** Model field → the file's column. */
  columns: Partial<Record<OdtField, string>>;
  /** Whether the file says each organisation's type, and its dataset counts. */
  hasType: boolean;
  hasCounts: boolean;
}

/**
 * Maps a file's header to the model. Fails, naming the names looked for and the columns found, when a required
 * field is missing, or when one dataset count comes without the other (half the counts would undercount).
 */
export function odtLayout(header: readonly string[], what: string): Layout {
  const byNorm = new Map<string, string>();
  for (const h of header) if (h !== '' && !byNorm.has(normalizeHeader(h))) byNorm.set(normalizeHeader(h), h);
  const columns: Layout['columns'] = {};
  for (const [field, names] of Object.entries(ODT_FIELDS) as [OdtField, readonly string[]][]) {
    const found = names.map((n) => byNorm.get(normalizeHeader(n))).find((h) => h !== undefined);
    if (found) columns[field] = found;
  }
  const missing = REQUIRED_FIELDS.filter((f) => !columns[f]);
  if (columns.nb_ptf && !columns.nb_datagouv) missing.push('nb_datagouv');
  if (columns.nb_datagouv && !columns.nb_ptf) missing.push('nb_ptf');
  if (missing.length > 0) {
    const plural = missing.length > 1 ? 's' : '';
    throw new CsvError(
      `${what} : colonne${plural} obligatoire${plural} absente${plural} : ${missing.map((f) => `« ${ODT_FIELDS[f].join(' » ou « ')} »`).join(', ')}. ` +
        `Colonnes trouvées : ${header.map((h) => `« ${h} »`).join(', ')}.`,
    );
  }
  return { columns, hasType: Boolean(columns.type), hasCounts: Boolean(columns.nb_ptf) };
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

/**
 * The data date written in a file name: `…-organisations-2022-12-31-.csv`, or the Observatory's export stamp
 * `…-221019.csv` / `…-211105a.csv` (YYMMDD, a letter for the day's versions). A month alone (`2020-10_…`) is not a date.
 */
export function dateInUrl(url: string): string | null {
  const name = url.replace(/[?#].*$/, '').split('/').filter(Boolean).at(-1) ?? '';
  const full = /(\d{4})-(\d{2})-(\d{2})/.exec(name);
  if (full) return validDate(Number(full[1]), Number(full[2]), Number(full[3]));
  const stamp = /[-_](\d{2})(\d{2})(\d{2})[a-z]?\.[a-z0-9]+$/i.exec(name);
  return stamp ? validDate(2000 + Number(stamp[1]), Number(stamp[2]), Number(stamp[3])) : null;
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
