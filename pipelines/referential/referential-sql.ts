// The referential in the warehouse, for sources that match in SQL (`stage`): the collectivités, every SIREN the
// referential knows, normalised names, and `normalise_nom`, the SQL twin of `normalizeName`.
import { createHash } from 'node:crypto';
import { normalizeName, storeReferential, type Referential } from './referential.ts';
import { matchSiren, sirenDepartementsRegions } from './siren.ts';
import type { Column, Warehouse } from '../base/warehouse.ts';

/**
 * `normalizeName` in SQL: uppercase without accents or punctuation, "St"/"Ste" spelt out, the prefixes
 * VILLE/COMMUNE/MAIRIE DE dropped. A test checks that both give the same key for every name of the referential.
 */
export const NORMALISE_NOM_MACRO = `
CREATE OR REPLACE MACRO normalise_nom(s) AS trim(regexp_replace(
  regexp_replace(regexp_replace(
    regexp_replace(
      trim(regexp_replace(upper(strip_accents(replace(replace(replace(replace(s, 'œ', 'oe'), 'Œ', 'OE'), 'æ', 'ae'), 'Æ', 'AE'))), '[^A-Z0-9]+', ' ', 'g')),
      '^(VILLE|COMMUNE|MAIRIE) (DE |D |DU |DES )?', ''),
    '\\bSTE\\b', 'SAINTE', 'g'), '\\bST\\b', 'SAINT', 'g'),
  '\\s+', ' ', 'g'))`;

const SIREN_COLUMNS: Column[] = [
  { name: 'siren', type: 'VARCHAR' },
  { name: 'type_collectivite', type: 'VARCHAR' },
  { name: 'code', type: 'VARCHAR' },
  { name: 'rapprochement', type: 'VARCHAR' },
];

const NOM_COLUMNS: Column[] = [
  { name: 'type_collectivite', type: 'VARCHAR' },
  { name: 'departement', type: 'VARCHAR' },
  { name: 'cle', type: 'VARCHAR' },
  { name: 'code', type: 'VARCHAR' },
  { name: 'nature', type: 'VARCHAR' },
];

/** What identifies a referential: the package version, the strates and the succession file. */
function referentialKey(ref: Referential): string {
  return createHash('sha256')
    .update(JSON.stringify([ref.version, ref.strates, ref.correspondances, [...sirenDepartementsRegions().values()]]))
    .digest('hex')
    .slice(0, 16);
}

/**
 * Stores the referential tables when the warehouse lacks them or holds another version:
 * `ref_collectivites`, `ref_strates`, `ref_historique`, `ref_siren` (SIREN → collectivité, EPT included, with how
 * it is known) and `ref_noms` (normalised name per type and département). Defines `normalise_nom`.
 */
export async function ensureReferential(w: Warehouse, ref: Referential): Promise<void> {
  await w.run(NORMALISE_NOM_MACRO);
  const key = referentialKey(ref);
  if ((await w.tableExists('ref_meta')) && (await w.tableExists('ref_siren'))) {
    const stored = await w.one<{ v: string }>(`SELECT valeur AS v FROM ref_meta WHERE cle = 'cle'`);
    if (stored?.v === key) return;
  }
  await storeReferential(w, ref);
  const sirens = new Map<string, Record<string, unknown>>();
  const add = (siren: string | null) => {
    if (!siren || sirens.has(siren)) return;
    const m = matchSiren(ref, siren);
    if (m) sirens.set(siren, { siren, type_collectivite: m.type_collectivite, code: m.code, rapprochement: m.rapprochement });
  };
  for (const c of ref.collectivites) add(c.siren);
  for (const e of ref.ept) add(e.code);
  for (const k of ref.correspondances) if (k.type_identifiant === 'siren') add(k.ancien_identifiant);
  for (const siren of sirenDepartementsRegions().keys()) add(siren);
  const noms = ref.collectivites.map((c) => ({ type_collectivite: c.type_collectivite, departement: c.departement, cle: normalizeName(c.nom), code: c.code, nature: c.nature }));
  await w.transaction(async () => {
    await w.createTable('ref_siren', SIREN_COLUMNS, { replace: true });
    await w.insert('ref_siren', SIREN_COLUMNS, sirens.values());
    await w.createTable('ref_noms', NOM_COLUMNS, { replace: true });
    await w.insert('ref_noms', NOM_COLUMNS, noms);
    await w.run(`INSERT INTO ref_meta VALUES ('cle', $k)`, { k: key });
  });
}
