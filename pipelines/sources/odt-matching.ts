// The organisations of the Observatory matched to the referential (odt.ts): by SIREN, correspondence, name or
// history for communes, by code or SIREN table for départements and régions; the type from the SIREN when absent.
import { normalizeName, type Collectivite, type Referential, type TypeCollectivite } from '../referential/referential.ts';
import { looksLikeCollectivite, matchSiren, SIREN_DEP_REG_FILE } from '../referential/siren.ts';
import type { OdtRow } from './odt-layout.ts';

/** Overseas collectivities named in `regcode` (outside the COG of communes). */
const REGCODE_HORS_PERIMETRE: Record<string, string> = { PF: 'Polynésie française', NC: 'Nouvelle-Calédonie', WF: 'Wallis-et-Futuna', PM: 'Saint-Pierre-et-Miquelon', BL: 'Saint-Barthélemy', MF: 'Saint-Martin', TF: 'Terres australes et antarctiques françaises' };

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

export function matchRow(ref: Referential, v: OdtRow, category: TypeCollectivite | 'ept'): Match {
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
export function categoryFromSiren(ref: Referential, siren: string, nom: string): { category: TypeCollectivite | 'ept' | 'hors-collectivite'; code: string | null; how: string | null } | { reject: string } {
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
