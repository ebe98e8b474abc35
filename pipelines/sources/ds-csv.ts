// The older Démarches Simplifiées CSV `procedure_service_instructeur_expert` (ds.ts): its columns, its months, and
// its rows read in JavaScript, each service matched to a collectivité by its SIRET.
import { parseCsv, parseNumber, requireColumns } from '../base/csv.ts';
import { looksLikeCollectivite, matchSiren } from '../referential/siren.ts';
import type { Column, Row } from '../base/warehouse.ts';
import { cleanIdentifier } from './odt-matching.ts';
import type { PrepareContext, Prepared, Reject } from './types.ts';

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
