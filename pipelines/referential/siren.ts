// SIREN → collectivité. Communes and EPCI come from the referential; départements and régions are not
// in @etalab/decoupage-administratif with their SIREN, so a small committed table supplies them.
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../base/config.ts';
import { readCsvFile, type Referential, type TypeCollectivite } from './referential.ts';

export const SIREN_DEP_REG_FILE = 'data/referentiels/siren-departements-regions.csv';

export interface SirenDepReg {
  siren: string;
  code: string;
  type_collectivite: 'departement' | 'region';
  nom: string;
}

/** Reads and checks the table (9-digit SIREN, known type, no SIREN twice). */
export function loadSirenDepartementsRegions(path = resolve(PROJECT_ROOT, SIREN_DEP_REG_FILE)): Map<string, SirenDepReg> {
  const rows = readCsvFile<Record<string, string>>(path);
  const table = new Map<string, SirenDepReg>();
  rows.forEach((r, i) => {
    const where = `${path}, ligne ${i + 2}`;
    const siren = (r.siren ?? '').trim();
    if (!/^\d{9}$/.test(siren)) throw new Error(`${where} : SIREN invalide « ${r.siren} » (9 chiffres attendus)`);
    if (r.type_collectivite !== 'departement' && r.type_collectivite !== 'region') {
      throw new Error(`${where} : type « ${r.type_collectivite} » inconnu (attendu : departement ou region)`);
    }
    if (table.has(siren)) throw new Error(`${where} : SIREN ${siren} déjà présent`);
    table.set(siren, { siren, code: (r.code ?? '').trim(), type_collectivite: r.type_collectivite, nom: r.nom ?? '' });
  });
  return table;
}

let cached: Map<string, SirenDepReg> | undefined;
export function sirenDepartementsRegions(): Map<string, SirenDepReg> {
  cached ??= loadSirenDepartementsRegions();
  return cached;
}

export interface SirenMatch {
  type_collectivite: TypeCollectivite | 'ept';
  code: string;
  /** How the SIREN was matched: `siren` (referential), `correspondance` (succession file), `table` (départements/régions table). */
  rapprochement: 'siren' | 'correspondance' | 'table';
}

/** The collectivité (or EPT) a SIREN belongs to, or null when it is not one the referential knows. */
export function matchSiren(ref: Referential, siren: string, table: Map<string, SirenDepReg> = sirenDepartementsRegions()): SirenMatch | null {
  const commune = ref.communeBySiren.get(siren);
  if (commune) return { type_collectivite: 'commune', code: commune.code, rapprochement: 'siren' };
  if (ref.epciBySiren.has(siren)) return { type_collectivite: 'epci', code: siren, rapprochement: 'siren' };
  const corr = ref.correspondances.find((k) => k.ancien_identifiant === siren && k.type_identifiant === 'siren');
  if (corr) {
    const known = corr.type_collectivite === 'commune' ? ref.communeByCode.has(corr.code_actuel) : corr.type_collectivite === 'epci' ? ref.epciBySiren.has(corr.code_actuel) : false;
    if (known) return { type_collectivite: corr.type_collectivite, code: corr.code_actuel, rapprochement: 'correspondance' };
  }
  const depReg = table.get(siren);
  if (depReg) {
    const known = depReg.type_collectivite === 'departement' ? ref.departementByCode.has(depReg.code) : ref.regionByCode.has(depReg.code);
    if (known) return { type_collectivite: depReg.type_collectivite, code: depReg.code, rapprochement: 'table' };
  }
  if (ref.ept.some((e) => e.code === siren)) return { type_collectivite: 'ept', code: siren, rapprochement: 'siren' };
  return null;
}

/**
 * INSEE gives collectivités territoriales SIRENs starting with 21 (communes), 22 (départements) and
 * 23 (régions). An unmatched SIREN with such a prefix is a collectivité we could not identify
 * (a merged commune, a département missing from the table), not a State service.
 */
export function looksLikeCollectivite(siren: string): 'commune' | 'departement' | 'region' | null {
  if (siren.startsWith('21')) return 'commune';
  if (siren.startsWith('22')) return 'departement';
  if (siren.startsWith('23')) return 'region';
  return null;
}
