// Observatoire open data des territoires (OpenDataFrance): organisations that publish open data.
import { parseCsv, parseNumber, requireColumns } from '../csv.ts';
import { normalizeName, type Collectivite, type Referential, type TypeCollectivite } from '../referential.ts';
import type { Column, Row } from '../warehouse.ts';
import type { FetchContext, PrepareContext, Prepared, Reject, Source } from './types.ts';

export const DATASET_API = 'https://www.data.gouv.fr/api/1/datasets/donnees-de-lobservatoire-open-data-des-territoires-edition-2022/';
/** The last edition's organisations file, used when the data.gouv.fr API does not answer with a usable resource. */
const KNOWN_FILE =
  'https://static.data.gouv.fr/resources/donnees-de-lobservatoire-open-data-des-territoires-edition-2022/20230202-112356/indicateurs-odater-organisations-2022-12-31-.csv';

export const REQUIRED_COLUMNS = ['siren', 'nom', 'type', 'regcode', 'depcode', 'nb-ptf', 'nb-datagouv'] as const;

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

function matchRow(ref: Referential, v: Record<string, string>, category: TypeCollectivite | 'ept'): Match {
  const siren = cleanIdentifier(v.siren);
  switch (category) {
    case 'commune':
      return matchCommune(ref, siren, v.nom!, v.depcode!, v.regcode!);
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
      const hp = horsPerimetre(ref, v.depcode!, v.regcode!);
      if (hp) return { reject: `hors périmètre : ${v.nom} (${hp})` };
      const dep = padDep(v.depcode!);
      return ref.departementByCode.has(dep) ? { code: dep, how: 'depcode' } : { reject: `département inconnu : depcode « ${v.depcode} »` };
    }
    case 'region': {
      const reg = v.regcode!.trim().toUpperCase();
      if (REGCODE_HORS_PERIMETRE[reg]) return { reject: `hors périmètre : ${v.nom} (${REGCODE_HORS_PERIMETRE[reg]})` };
      const code = reg.split('-').pop()!;
      return ref.regionByCode.has(code) ? { code, how: 'regcode' } : { reject: `région inconnue : regcode « ${v.regcode} »` };
    }
  }
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

export function prepareOdt(bytes: Uint8Array, ctx: PrepareContext): Prepared {
  const table = parseCsv(bytes, { what: `odt (${ctx.origin})` });
  requireColumns(table, REQUIRED_COLUMNS, `odt (${ctx.origin})`);
  const rejects: Reject[] = table.malformed.map((m) => ({ ligne: m.line, identifiant: m.raw[0] ?? null, motif: `ligne mal formée : ${m.reason}` }));
  const rows: Row[] = [];
  const seen = new Map<string, Row>();
  for (const { line, values: v } of table.rows) {
    const siren = cleanIdentifier(v.siren);
    const type = (v.type ?? '').trim().toUpperCase();
    const reject = (motif: string) => rejects.push({ ligne: line, identifiant: siren || v.nom || null, motif });
    const category = TYPES[type];
    if (!category) {
      reject(`type « ${v.type} » inconnu (attendu : ${Object.keys(TYPES).join(', ')})`);
      continue;
    }
    if (siren !== '' && !/^\d{9}$/.test(siren)) {
      reject(`SIREN invalide « ${siren} » (9 chiffres attendus)`);
      continue;
    }
    const ptf = datasetCount(v['nb-ptf'], 'nb-ptf');
    const dg = datasetCount(v['nb-datagouv'], 'nb-datagouv');
    if (ptf.error || dg.error) {
      reject((ptf.error ?? dg.error)!);
      continue;
    }
    let code: string | null = null;
    let how: string | null = null;
    if (category !== 'hors-collectivite') {
      const m = matchRow(ctx.referential, v, category);
      if ('reject' in m) {
        reject(m.reject);
        continue;
      }
      code = m.code;
      how = m.how;
    }
    // Duplicates count once: same collectivité (after matching), or same SIREN for other organisations.
    // The kept row takes the larger dataset counts, so that a collectivité publishing under either row counts as publishing.
    const key = code ? `${category}:${code}` : `siren:${siren || v.nom}`;
    const first = seen.get(key);
    if (first !== undefined) {
      first.nb_ptf = maxOrNull(first.nb_ptf as number | null, ptf.value);
      first.nb_datagouv = maxOrNull(first.nb_datagouv as number | null, dg.value);
      first.publie = ((first.nb_ptf as number | null) ?? 0) + ((first.nb_datagouv as number | null) ?? 0) > 0;
      reject(`doublon : même organisation que la ligne ${first.ligne}${code ? ` (${category} ${code})` : ''}, comptée une fois`);
      continue;
    }
    const nbPtf = ptf.value;
    const nbDg = dg.value;
    const row: Row = {
      date_donnees: ctx.dataDate,
      run_id: ctx.runId,
      ligne: line,
      siren: siren || null,
      nom: v.nom?.trim() ?? null,
      type_odt: type,
      categorie: category,
      code,
      rapprochement: how,
      nb_ptf: nbPtf,
      nb_datagouv: nbDg,
      publie: (nbPtf ?? 0) + (nbDg ?? 0) > 0,
      url_ptf: v['url-ptf']?.trim() || null,
      url_datagouv: v['url-datagouv']?.trim() || null,
    };
    seen.set(key, row);
    rows.push(row);
  }
  const rowsIn = table.rows.length + table.malformed.length;
  return { tables: { odt_organisations: rows }, rejects, rowsIn, rowsLoaded: rows.length, dataDate: ctx.dataDate };
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

/** The data date written in a file name such as `…-organisations-2022-12-31-.csv`. */
export function dateInUrl(url: string): string | null {
  return /(\d{4}-\d{2}-\d{2})[^/]*$/.exec(url)?.[1] ?? null;
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
  keeps: "Une ligne par organisation publiant des données, rapprochée du référentiel (commune, EPCI, département, région), avec le nombre de jeux sur son portail et sur data.gouv.fr ; un instantané par date de données.",
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
