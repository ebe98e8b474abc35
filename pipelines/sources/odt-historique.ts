// Observatoire open data des territoires (OpenDataFrance): national counts of collectivités publishing open
// data, by type, since October 2016. Each file is the whole series, so a load replaces the table.
import { parseCsv, parseNumber, requireColumns } from '../base/csv.ts';
import type { TypeCollectivite } from '../referential/referential.ts';
import type { Column, Row } from '../base/warehouse.ts';
import { DATASET_API } from './odt.ts';
import type { FetchContext, PrepareContext, Prepared, Reject, Source } from './types.ts';

export const REQUIRED_COLUMNS = ['periode', 'communes', 'epci', 'departements', 'regions', 'total'] as const;

/** File column → barometer type, in the file's order. */
const COUNT_COLUMNS: readonly [string, TypeCollectivite][] = [
  ['communes', 'commune'],
  ['epci', 'epci'],
  ['departements', 'departement'],
  ['regions', 'region'],
];

export const ODT_HISTORIQUE_COLUMNS: Column[] = [
  { name: 'date_donnees', type: 'VARCHAR' },
  { name: 'run_id', type: 'VARCHAR' },
  { name: 'date_observation', type: 'VARCHAR' },
  { name: 'type_collectivite', type: 'VARCHAR' },
  { name: 'nombre', type: 'INTEGER' },
];

// --- Dates -----------------------------------------------------------------------------------------

/** French month names and their usual abbreviations, without accents, lower case. */
const MONTHS: Record<string, number> = {
  janvier: 1, janv: 1, jan: 1,
  fevrier: 2, fevr: 2, fev: 2,
  mars: 3, mar: 3,
  avril: 4, avr: 4,
  mai: 5,
  juin: 6,
  juillet: 7, juil: 7,
  aout: 8,
  septembre: 9, sept: 9, sep: 9,
  octobre: 10, oct: 10,
  novembre: 11, nov: 11,
  decembre: 12, dec: 12,
};

/** Excel serials accepted: 2000-01-01 to 2099-12-31. A bare year such as "2017" is not a serial. */
const EXCEL_MIN = 36526;
const EXCEL_MAX = 73050;

export type ParsedLabel = { date: string; how: 'mois' | 'iso' | 'excel'; note?: string } | { error: string };

function iso(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function lastDayOfMonth(y: number, m: number): string {
  return iso(y, m, new Date(Date.UTC(y, m, 0)).getUTCDate());
}

function isoDate(s: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s ? s : null;
}

/**
 * Excel's 1900 date system: serial 1 is 1900-01-01 and serial 60 the 29 February 1900 that never was
 * (a bug kept from Lotus 1-2-3), so from serial 61 on the date is 1899-12-30 plus the serial in days.
 */
export function excelSerialToDate(serial: number): string | null {
  if (!Number.isFinite(serial)) return null;
  const day = Math.floor(serial);
  if (day < EXCEL_MIN || day > EXCEL_MAX) return null;
  return new Date(Date.UTC(1899, 11, 30) + day * 86_400_000).toISOString().slice(0, 10);
}

function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

const EXPECTED = "attendu : un mois en français (« Octobre 2016 »), une date AAAA-MM-JJ, un mois AAAA-MM ou un numéro de série Excel";

/**
 * Reads a period label. A month gives the last day of that month: the Observatory counts during the
 * month, so the count is known at the latest on its last day, and a month never straddles two semesters.
 */
export function parseLabel(raw: string): ParsedLabel {
  const label = raw.replace(/[\s\u00a0\u202f]+/g, ' ').trim();
  if (label === '') return { error: `libellé de période vide (${EXPECTED})` };

  // "2021-04-09 (date serial Excel 44294)": a date followed by a remark; a serial in the remark must agree.
  const remark = /^(.+?)\s*\((.*)\)$/.exec(label);
  if (remark) {
    const head = parseLabel(remark[1]!);
    if ('error' in head) return { error: `libellé « ${raw} » illisible (${EXPECTED})` };
    const serialText = /(?:^|\D)(\d{5})(?:[.,]\d+)?(?:\D|$)/.exec(remark[2]!)?.[1];
    if (serialText === undefined) return { ...head, note: `remarque « ${remark[2]} » ignorée` };
    const fromSerial = excelSerialToDate(Number(serialText));
    if (fromSerial === null) return { error: `libellé « ${raw} » : numéro de série Excel ${serialText} hors de la plage plausible (2000 à 2099)` };
    const gap = daysBetween(fromSerial, head.date);
    if (gap === 0) return head;
    // Converters that ignore Excel's fictitious 29 February 1900 land one day late: tolerate it, say it.
    if (Math.abs(gap) === 1) {
      return { ...head, note: `le numéro de série Excel ${serialText} correspond au ${fromSerial} dans le système de dates 1900 d'Excel, pas au ${head.date} ; la date écrite (${head.date}) est retenue (écart d'un jour, erreur de conversion fréquente)` };
    }
    return { error: `libellé « ${raw} » contradictoire : la date écrite est le ${head.date}, le numéro de série Excel ${serialText} donne le ${fromSerial}` };
  }

  const day = isoDate(label);
  if (day) return { date: day, how: 'iso' };

  const isoMonth = /^(\d{4})-(\d{2})$/.exec(label);
  if (isoMonth) {
    const m = Number(isoMonth[2]);
    if (m >= 1 && m <= 12) return { date: lastDayOfMonth(Number(isoMonth[1]), m), how: 'mois' };
    return { error: `mois invalide dans « ${raw} » (${EXPECTED})` };
  }

  if (/^\d+(?:[.,]\d+)?$/.test(label)) {
    const date = excelSerialToDate(Number(label.replace(',', '.')));
    if (date === null) return { error: `« ${raw} » n'est ni une année ni un numéro de série Excel plausible (2000 à 2099) (${EXPECTED})` };
    return { date, how: 'excel' };
  }

  const folded = label
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();
  const month = /^([a-z]+)\.? (\d{4})$/.exec(folded);
  if (month) {
    const m = MONTHS[month[1]!];
    if (m === undefined) return { error: `mois « ${label.split(' ')[0]} » inconnu dans « ${raw} » (${EXPECTED})` };
    return { date: lastDayOfMonth(Number(month[2]), m), how: 'mois' };
  }
  return { error: `libellé de période « ${raw} » illisible (${EXPECTED})` };
}

// --- Prepare ---------------------------------------------------------------------------------------

function count(cell: string | undefined, column: string): { value: number } | { error: string } {
  const n = parseNumber(cell);
  if (n === null) return { error: `${column} : valeur manquante` };
  if (Number.isNaN(n)) return { error: `${column} n'est pas un nombre : « ${cell} »` };
  if (!Number.isInteger(n) || n < 0) return { error: `${column} n'est pas un nombre entier positif ou nul : « ${cell} »` };
  return { value: n };
}

export function prepareOdtHistorique(bytes: Uint8Array, ctx: PrepareContext): Prepared {
  const what = `odt-historique (${ctx.origin})`;
  const table = parseCsv(bytes, { what });
  requireColumns(table, REQUIRED_COLUMNS, what);
  const rejects: Reject[] = table.malformed.map((m) => ({ ligne: m.line, identifiant: m.raw[0] ?? null, motif: `ligne mal formée : ${m.reason}` }));
  const notes: string[] = [];
  const kept: { line: number; label: string; date: string; counts: number[] }[] = [];

  for (const { line, values: v } of table.rows) {
    const label = (v.periode ?? '').trim();
    const reject = (motif: string) => rejects.push({ ligne: line, identifiant: label || null, motif });
    const parsed = parseLabel(label);
    if ('error' in parsed) {
      reject(parsed.error);
      continue;
    }
    const counts: number[] = [];
    let error: string | null = null;
    for (const [column] of COUNT_COLUMNS) {
      const c = count(v[column], column);
      if ('error' in c) {
        error = c.error;
        break;
      }
      counts.push(c.value);
    }
    if (error) {
      reject(error);
      continue;
    }
    // The total is only a check: when present it must equal the sum, or we cannot tell which count is wrong.
    const sum = counts.reduce((a, b) => a + b, 0);
    if ((v.total ?? '').trim() !== '') {
      const total = count(v.total, 'total');
      if ('error' in total) {
        reject(total.error);
        continue;
      }
      if (total.value !== sum) {
        reject(`total ${total.value} ≠ somme des quatre types ${sum} (${counts.join(' + ')}) : on ne peut pas savoir quel nombre est faux`);
        continue;
      }
    }
    const previous = kept.at(-1);
    if (previous && parsed.date <= previous.date) {
      reject(`date ${parsed.date} non postérieure à celle de la ligne ${previous.line} (« ${previous.label} », ${previous.date}) : les dates doivent être strictement croissantes`);
      continue;
    }
    if (parsed.note) notes.push(`ligne ${line} : ${parsed.note}.`);
    if (previous) {
      COUNT_COLUMNS.forEach(([column], i) => {
        if (counts[i]! < previous.counts[i]!) {
          notes.push(`ligne ${line} : ${column} en baisse, ${previous.counts[i]} (« ${previous.label} ») puis ${counts[i]} (« ${label} ») ; valeur gardée telle quelle.`);
        }
      });
    }
    kept.push({ line, label, date: parsed.date, counts });
  }

  const dataDate = kept.at(-1)?.date ?? ctx.dataDate;
  const rows: Row[] = kept.flatMap((k) =>
    COUNT_COLUMNS.map(([, type], i) => ({ date_donnees: dataDate, run_id: ctx.runId, date_observation: k.date, type_collectivite: type, nombre: k.counts[i]! })),
  );
  return {
    tables: { odt_historique: rows },
    rejects,
    rowsIn: table.rows.length + table.malformed.length,
    // Counted in file lines (one line = one date = four table rows), so that rows_in = rows_loaded + rejects.
    rowsLoaded: kept.length,
    dataDate,
    notes,
  };
}

// --- Live ------------------------------------------------------------------------------------------

interface DatagouvResource {
  title?: string;
  url?: string;
  format?: string;
}

const SERIES_RESOURCE = /timeseries|historique|nb[_-]?collectivites?[_-]?ouvertes/i;

/**
 * The series is looked for among the CSV resources of the Observatory's dataset on data.gouv.fr. None
 * was found in the published descriptions: the counts seem to live only in the edition's XLS workbook,
 * so without a CSV resource the pull fails with what to do instead.
 */
async function resolveUrl(ctx: FetchContext): Promise<string> {
  if (!ctx.url.includes('/api/1/datasets/')) return ctx.url; // a direct link to the file (a mirror)
  const res = await ctx.fetch(ctx.url, { accept: ['application/json'] });
  let dataset: { resources?: DatagouvResource[] };
  try {
    dataset = JSON.parse(new TextDecoder().decode(res.body)) as { resources?: DatagouvResource[] };
  } catch {
    throw new Error(`odt-historique : la réponse de ${ctx.url} n'est pas du JSON (API data.gouv.fr attendue).`);
  }
  const resource = dataset.resources?.find((r) => SERIES_RESOURCE.test(`${r.title} ${r.url}`) && /csv/i.test(`${r.format} ${r.url}`));
  if (resource?.url) return resource.url;
  throw new Error(
    `odt-historique : le jeu ${ctx.url} n'a pas de ressource CSV de série historique (titre ou fichier contenant « timeseries », « historique » ou « nb_collectivites_ouvertes » ; ` +
      `${dataset.resources?.length ?? 0} ressource(s) trouvée(s)). Enregistrez la feuille historique du classeur de l'Observatoire en CSV ` +
      `(colonnes ${REQUIRED_COLUMNS.join(',')}) et chargez-la avec « barometre pull odt-historique --from FICHIER », ou indiquez une URL directe dans barometre.config.json.`,
  );
}

export const odtHistorique: Source = {
  id: 'odt-historique',
  title: "Observatoire open data des territoires : nombre de collectivités publiant des données ouvertes depuis 2016",
  producer: 'OpenDataFrance',
  licence: 'ODbL 1.0',
  licenceUrl: 'https://opendatacommons.org/licenses/odbl/1-0/',
  homepage: 'https://www.data.gouv.fr/fr/datasets/donnees-de-lobservatoire-open-data-des-territoires-edition-2022/',
  url: DATASET_API,
  // The series is historical (last point April 2021): a monthly check is plenty.
  schedule: '0 6 1 * *',
  keeps:
    "Le nombre national de collectivités publiant des données ouvertes, par type (communes, EPCI, départements, régions), à chaque date d'observation depuis octobre 2016 ; chaque fichier est la série entière et remplace la précédente.",
  fixture: 'test/fixtures/odt-historique/nb_collectivites_ouvertes_timeseries.csv',
  fixtureDate: '2019-01-15',
  extension: 'csv',
  tables: [{ name: 'odt_historique', columns: ODT_HISTORIQUE_COLUMNS, mode: 'replace' }],
  // A national series (ten dates by type in April 2021, one more per edition): no collectivité to match.
  volume: { minimum: { rows: 5 } },
  // No fixture stand-in for a series that only exists as a manual export: see `fixtureFallback`.
  fixtureFallback: false,
  async fetchLive(ctx) {
    const url = await resolveUrl(ctx);
    return ctx.fetch(url, { accept: ['text/csv', 'text/plain', 'application/csv', 'application/octet-stream', 'application/vnd.ms-excel'] });
  },
  prepare(bytes, ctx) {
    return prepareOdtHistorique(bytes, ctx);
  },
};
