// Surveys of the DCANT workstreams: progress declared by collectivités, gathered by the partnership board (INP).
//
// The contract (a CSV file, UTF-8, separator `,` or `;`, one declaration per line):
//   identifiant       the collectivité: INSEE code of a commune (5 characters; former codes of merged communes
//                     are followed to today's commune), code of a département (2 or 3 characters, or DEP-35),
//                     REG- followed by the INSEE code of a région (REG-53), or a 9-digit SIREN (commune, EPCI à
//                     fiscalité propre, or a département/région of data/referentiels/siren-departements-regions.csv).
//                     A commune code that lost its leading zero in a spreadsheet (1001 for 01001) is restored.
//   chantier          an `id` of data/referentiels/chantiers.csv (a new row there is a new workstream, no code).
//   statut            oui | en_cours | non  (case, accents and `en cours` / `en-cours` are tolerated).
//   date_observation  AAAA-MM-JJ (JJ/MM/AAAA from French spreadsheets is accepted).
//   source            who declared, or which survey (free text, required).
// Rejected, with the reason: unknown identifiant or chantier, bad statut or date, empty source, and a second
// declaration of the same collectivité, chantier and date (the first is kept). Several declarations of the
// same collectivité and chantier at different dates are all kept: the indicator uses the latest of each semester.
import { chantiers as defaultChantiers, type Chantier } from '../referential/chantiers.ts';
import { parseCsv, requireColumns } from '../base/csv.ts';
import type { Referential, TypeCollectivite } from '../referential/referential.ts';
import { matchSiren } from '../referential/siren.ts';
import type { Column, Row } from '../base/warehouse.ts';
import { cleanIdentifier } from './odt-matching.ts';
import type { PrepareContext, Prepared, Reject, Source } from './types.ts';

export const ENQUETES_COLUMNS = ['identifiant', 'chantier', 'statut', 'date_observation', 'source'] as const;
export const STATUTS = ['oui', 'en_cours', 'non'] as const;
export type Statut = (typeof STATUTS)[number];

export const ENQUETES_TABLE_COLUMNS: Column[] = [
  { name: 'date_donnees', type: 'VARCHAR' },
  { name: 'run_id', type: 'VARCHAR' },
  { name: 'ligne', type: 'INTEGER' },
  { name: 'identifiant', type: 'VARCHAR' },
  { name: 'type_collectivite', type: 'VARCHAR' },
  { name: 'code', type: 'VARCHAR' },
  { name: 'rapprochement', type: 'VARCHAR' },
  { name: 'chantier', type: 'VARCHAR' },
  { name: 'statut', type: 'VARCHAR' },
  { name: 'date_observation', type: 'VARCHAR' },
  { name: 'source', type: 'VARCHAR' },
];

type Resolution = { type: TypeCollectivite; code: string; how: string } | { reject: string };

const EXPECTED_ID = "attendu : code INSEE de commune (5 caractères), code de département, REG- suivi du code de région (par exemple REG-53) ou SIREN à 9 chiffres";

function resolveCommune(ref: Referential, code: string, how: string): Resolution {
  if (ref.communeByCode.has(code)) return { type: 'commune', code, how };
  const hist = ref.historyByCode.get(code);
  if (hist && ref.communeByCode.has(hist.code_actuel)) return { type: 'commune', code: hist.code_actuel, how: `historique (${hist.nom}, ${hist.lien})` };
  const hp = ref.horsPerimetre.get(code.slice(0, 3));
  if (hp) return { reject: `hors périmètre : commune ${code} de ${hp}` };
  return { reject: `commune inconnue : code INSEE « ${code} » absent du référentiel et de l'historique des communes` };
}

function resolveDepartement(ref: Referential, code: string): Resolution {
  if (ref.departementByCode.has(code)) return { type: 'departement', code, how: 'code-departement' };
  const hp = ref.horsPerimetre.get(code);
  if (hp) return { reject: `hors périmètre : ${hp}` };
  return { reject: `département inconnu : « ${code} »` };
}

/** The collectivité an `identifiant` designates. */
export function resolveIdentifiant(ref: Referential, raw: string | undefined): Resolution {
  const id = cleanIdentifier(raw).toUpperCase();
  if (id === '') return { reject: `identifiant vide (${EXPECTED_ID})` };
  const reg = /^REG-?(\d{1,2})$/.exec(id);
  if (reg) {
    const code = reg[1]!.padStart(2, '0');
    return ref.regionByCode.has(code) ? { type: 'region', code, how: 'code-region' } : { reject: `région inconnue : « ${id} » (code INSEE de région attendu après REG-, par exemple REG-53)` };
  }
  const dep = /^DEP-?(\d{1,3}|2[AB])$/.exec(id);
  if (dep) return resolveDepartement(ref, dep[1]!.padStart(2, '0'));
  if (/^\d{9}$/.test(id)) {
    const m = matchSiren(ref, id);
    if (!m) return { reject: `SIREN ${id} inconnu : ni commune, ni EPCI à fiscalité propre du référentiel, ni département ou région de data/referentiels/siren-departements-regions.csv` };
    if (m.type_collectivite === 'ept') return { reject: `SIREN ${id} : établissement public territorial, hors baromètre` };
    return { type: m.type_collectivite, code: m.code, how: `siren${m.rapprochement === 'siren' ? '' : ` (${m.rapprochement})`}` };
  }
  if (/^(\d{5}|2[AB]\d{3})$/.test(id)) return resolveCommune(ref, id, 'code-insee');
  // Spreadsheets drop the leading zero of codes such as 01001: four digits can only be such a code.
  if (/^\d{4}$/.test(id)) return resolveCommune(ref, `0${id}`, 'code-insee (zéro initial rétabli)');
  if (/^(\d{1,3}|2[AB])$/.test(id)) return resolveDepartement(ref, id.padStart(2, '0'));
  return { reject: `identifiant « ${id} » non reconnu (${EXPECTED_ID})` };
}

export function parseStatut(cell: string | undefined): Statut | null {
  const s = (cell ?? '')
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return (STATUTS as readonly string[]).includes(s) ? (s as Statut) : null;
}

/** AAAA-MM-JJ, or JJ/MM/AAAA; null unless a real calendar date. */
export function parseDateObservation(cell: string | undefined): string | null {
  const s = (cell ?? '').trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  const fr = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  const [y, m, d] = iso ? [iso[1], iso[2], iso[3]] : fr ? [fr[3], fr[2], fr[1]] : [];
  if (!y || !m || !d) return null;
  const date = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
  const parsed = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date ? date : null;
}

export function prepareEnquetes(bytes: Uint8Array, ctx: PrepareContext, list: readonly Chantier[] = defaultChantiers()): Prepared {
  const what = `enquetes (${ctx.origin})`;
  const table = parseCsv(bytes, { what });
  requireColumns(table, ENQUETES_COLUMNS, what);
  const byId = new Map(list.map((c) => [c.id, c]));
  // Only surveyed workstreams have an indicator to count an answer: the others are measured from open data.
  const known = list.filter((c) => c.enquete).map((c) => c.id).join(', ');
  const rejects: Reject[] = table.malformed.map((m) => ({ ligne: m.line, identifiant: m.raw[0] ?? null, motif: `ligne mal formée : ${m.reason}` }));
  const rows: Row[] = [];
  const seen = new Map<string, { line: number; statut: string }>();
  let outside = 0;
  for (const { line, values: v } of table.rows) {
    const identifiant = cleanIdentifier(v.identifiant);
    const reject = (motif: string) => rejects.push({ ligne: line, identifiant: identifiant || null, motif });
    const chantierId = (v.chantier ?? '').trim().toLowerCase();
    const chantier = byId.get(chantierId);
    if (!chantier) {
      reject(`chantier « ${v.chantier ?? ''} » inconnu (chantiers connus : ${known} ; voir data/referentiels/chantiers.csv)`);
      continue;
    }
    if (!chantier.enquete) {
      reject(`chantier « ${chantier.id} » non suivi par enquête (il est mesuré sur données ouvertes ; chantiers suivis par enquête : ${known})`);
      continue;
    }
    const statut = parseStatut(v.statut);
    if (!statut) {
      reject(`statut « ${v.statut ?? ''} » invalide (attendu : ${STATUTS.join(', ')})`);
      continue;
    }
    const date = parseDateObservation(v.date_observation);
    if (!date) {
      reject(`date_observation « ${v.date_observation ?? ''} » invalide (date réelle au format AAAA-MM-JJ attendue)`);
      continue;
    }
    const source = (v.source ?? '').trim();
    if (source === '') {
      reject('source vide (indiquez qui a déclaré, ou quelle enquête)');
      continue;
    }
    const r = resolveIdentifiant(ctx.referential, v.identifiant);
    if ('reject' in r) {
      reject(r.reject);
      continue;
    }
    const key = `${r.type}:${r.code}|${chantier.id}|${date}`;
    const first = seen.get(key);
    if (first) {
      const same = first.statut === statut ? 'même statut' : `statut « ${statut} » différent, celui de la ligne ${first.line} (« ${first.statut} ») est gardé`;
      reject(`doublon : même collectivité (${r.type} ${r.code}), chantier et date que la ligne ${first.line} ; ${same}`);
      continue;
    }
    seen.set(key, { line, statut });
    if (!chantier.concernees.some((p) => p.type === r.type)) outside++;
    rows.push({
      date_donnees: '',
      run_id: ctx.runId,
      ligne: line,
      identifiant,
      type_collectivite: r.type,
      code: r.code,
      rapprochement: r.how,
      chantier: chantier.id,
      statut,
      date_observation: date,
      source,
    });
  }
  // A survey file is dated by its latest observation.
  const last = rows.reduce<string | null>((max, row) => (max === null || (row.date_observation as string) > max ? (row.date_observation as string) : max), null);
  const dataDate = last ?? ctx.dataDate;
  for (const row of rows) row.date_donnees = dataDate;
  const notes = outside > 0 ? [`${outside} déclaration(s) d'un type de collectivité que leur chantier ne vise pas : gardées, non comptées.`] : [];
  rejects.sort((a, b) => (a.ligne ?? 0) - (b.ligne ?? 0));
  return { tables: { enquetes_declarations: rows }, rejects, rowsIn: table.rows.length + table.malformed.length, rowsLoaded: rows.length, dataDate, notes };
}

export const enquetes: Source = {
  id: 'enquetes',
  title: "Enquêtes d'avancement des chantiers DCANT (déclarations des collectivités)",
  producer: 'Instance nationale partenariale (INP) du programme DCANT',
  licence: 'Licence Ouverte 2.0',
  licenceUrl: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/',
  // The contract and the workstreams are documented on the site's methodology page.
  homepage: '/methodologie/',
  // No public address yet: the operator names the published file in barometre.config.json
  // (sources.enquetes.url), or loads it with `barometre pull enquetes --from FICHIER.csv`.
  url: '',
  schedule: '0 6 1 * *',
  keeps:
    "Une ligne par déclaration (collectivité, chantier, statut oui / en cours / non, date d'observation, source), rapprochée du référentiel ; un instantané par fichier, daté de sa dernière observation.",
  fixture: 'test/fixtures/enquetes/enquetes.csv',
  fixtureDate: '2025-10-01',
  // Without a configured file, a build goes without surveys rather than publish sample answers.
  fixtureFallback: false,
  extension: 'csv',
  // A file replaces every declaration of the surveys (`source`) it contains, and no other survey's.
  tables: [{ name: 'enquetes_declarations', columns: ENQUETES_TABLE_COLUMNS, mode: 'replace', partitionBy: ['source'] }],
  // A survey's size is whatever its respondents make it: no minimum; a file is compared with the previous file of the
  // same surveys (the column source), like with like.
  volume: { minimum: {}, compareBy: 'partition', matched: { tables: ['enquetes_declarations'], type: 'type_collectivite' } },
  async fetchLive(ctx) {
    if (!ctx.url) {
      throw new Error(
        "enquetes : aucune adresse en ligne configurée. Indiquez l'adresse du fichier publié dans barometre.config.json (sources.enquetes.url), ou chargez un fichier avec : barometre pull enquetes --from FICHIER.csv",
      );
    }
    return ctx.fetch(ctx.url, { accept: ['text/csv', 'text/plain', 'application/csv', 'application/octet-stream', 'application/vnd.ms-excel'] });
  },
  prepare(bytes, ctx) {
    return prepareEnquetes(bytes, ctx);
  },
};
