// The territorial referential: collectivités from @etalab/decoupage-administratif, strates, succession history.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import Papa from 'papaparse';
import { PROJECT_ROOT } from '../base/config.ts';
import type { Column, Warehouse } from '../base/warehouse.ts';

const require = createRequire(import.meta.url);

export type TypeCollectivite = 'commune' | 'epci' | 'departement' | 'region';
export const TYPES_COLLECTIVITE: readonly TypeCollectivite[] = ['commune', 'epci', 'departement', 'region'];
export const STRATE_INCONNUE = 'inconnue';

export interface Strate {
  id: string;
  type_collectivite: TypeCollectivite;
  libelle: string;
  population_min: number;
  population_max: number | null;
  ordre: number;
}

export interface Collectivite {
  code: string;
  type_collectivite: TypeCollectivite;
  nom: string;
  siren: string | null;
  population: number | null;
  strate: string;
  departement: string | null;
  region: string | null;
  /** EPCI nature (CC, CA, CU, METRO) or null. */
  nature: string | null;
  /** For a commune: the SIREN of its EPCI à fiscalité propre. */
  epci: string | null;
  codes_postaux: string | null;
}

export interface HistoricalCode {
  ancien_code: string;
  code_actuel: string;
  nom: string;
  departement: string | null;
  lien: 'commune-deleguee' | 'commune-associee' | 'ancien-code';
}

export interface Correspondance {
  ancien_identifiant: string;
  type_identifiant: string;
  code_actuel: string;
  type_collectivite: TypeCollectivite;
  date_effet: string;
  commentaire: string;
}

// --- Strates -----------------------------------------------------------------------------------

export function readCsvFile<T>(path: string): T[] {
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
  if (parsed.errors.length > 0) throw new Error(`${path} : ${parsed.errors[0]!.message} (ligne ${(parsed.errors[0]!.row ?? 0) + 2})`);
  return parsed.data as T[];
}

export function loadStrates(path = resolve(PROJECT_ROOT, 'data/referentiels/strates.csv')): Strate[] {
  const rows = readCsvFile<Record<string, string>>(path);
  const strates = rows.map((r, i) => {
    const min = Number(r.population_min);
    const max = r.population_max === '' || r.population_max === undefined ? null : Number(r.population_max);
    if (!TYPES_COLLECTIVITE.includes(r.type_collectivite as TypeCollectivite)) {
      throw new Error(`${path}, ligne ${i + 2} : type de collectivité inconnu « ${r.type_collectivite} »`);
    }
    if (!Number.isInteger(min) || (max !== null && (!Number.isInteger(max) || max < min))) {
      throw new Error(`${path}, ligne ${i + 2} : bornes invalides ${r.population_min}–${r.population_max}`);
    }
    return { id: r.id!, type_collectivite: r.type_collectivite as TypeCollectivite, libelle: r.libelle!, population_min: min, population_max: max, ordre: Number(r.ordre) };
  });
  // Bands of one type must tile [0, ∞) without gap or overlap.
  for (const type of TYPES_COLLECTIVITE) {
    const bands = strates.filter((s) => s.type_collectivite === type).sort((a, b) => a.population_min - b.population_min);
    if (bands.length === 0) throw new Error(`${path} : aucune strate pour le type ${type}`);
    if (bands[0]!.population_min !== 0) throw new Error(`${path} : la première strate ${bands[0]!.id} doit commencer à 0`);
    for (let i = 1; i < bands.length; i++) {
      if (bands[i]!.population_min !== (bands[i - 1]!.population_max ?? Number.NaN) + 1) {
        throw new Error(`${path} : les strates ${bands[i - 1]!.id} et ${bands[i]!.id} ne se suivent pas`);
      }
    }
    if (bands.at(-1)!.population_max !== null) throw new Error(`${path} : la dernière strate ${bands.at(-1)!.id} doit être ouverte`);
  }
  return strates;
}

/** The strate of a population (lower bound inclusive); "inconnue" when the population is unknown. */
export function strateOf(strates: readonly Strate[], type: TypeCollectivite, population: number | null | undefined): string {
  if (population === null || population === undefined || !Number.isFinite(population) || population < 0) return STRATE_INCONNUE;
  for (const s of strates) {
    if (s.type_collectivite !== type) continue;
    if (population >= s.population_min && (s.population_max === null || population <= s.population_max)) return s.id;
  }
  return STRATE_INCONNUE;
}

// --- Names ---------------------------------------------------------------------------------------

/** Uppercase, no accents, no punctuation; "St"/"Ste" spelt out; administrative prefixes dropped. */
export function normalizeName(name: string): string {
  let s = name
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toUpperCase()
    .replace(/Œ/g, 'OE')
    .replace(/Æ/g, 'AE')
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim();
  s = s.replace(/^(VILLE|COMMUNE|MAIRIE) (DE |D |DU |DES )?/, '');
  s = s.replace(/\bSTE\b/g, 'SAINTE').replace(/\bST\b/g, 'SAINT');
  return s.replace(/\s+/g, ' ').trim();
}

// --- The referential -----------------------------------------------------------------------------

interface DaCommune {
  code: string;
  nom: string;
  type: string;
  zone: string;
  departement?: string;
  region?: string;
  siren?: string;
  population?: number;
  chefLieu?: string;
  anciensCodes?: string[];
  codesPostaux?: string[];
}
interface DaGroup {
  code: string;
  nom: string;
  type: string;
  populationMunicipale?: number;
  membres: { code: string; siren: string; nom: string; populationMunicipale?: number }[];
}
interface DaArea {
  code: string;
  nom: string;
  zone: string;
  region?: string;
}

export const NATURE_EPCI: Record<string, string> = { CC: 'CC', CA: 'CA', CU: 'CU', METRO: 'METRO', MET69: 'METRO' };

export interface Referential {
  version: string;
  strates: Strate[];
  collectivites: Collectivite[];
  history: HistoricalCode[];
  ept: { code: string; nom: string }[];
  /** Départements outside the perimeter (overseas collectivities), code → name. */
  horsPerimetre: Map<string, string>;
  correspondances: Correspondance[];
  // Lookups
  communeByCode: Map<string, Collectivite>;
  communeBySiren: Map<string, Collectivite>;
  communeByDepName: Map<string, Collectivite[]>;
  epciBySiren: Map<string, Collectivite>;
  departementByCode: Map<string, Collectivite>;
  regionByCode: Map<string, Collectivite>;
  historyByCode: Map<string, HistoricalCode>;
  historyByDepName: Map<string, HistoricalCode[]>;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function decoupageVersion(): string {
  return (require('@etalab/decoupage-administratif/package.json') as { version: string }).version;
}

export function loadCorrespondances(path = resolve(PROJECT_ROOT, 'data/referentiels/correspondances.csv')): Correspondance[] {
  return readCsvFile<Correspondance>(path);
}

/** Builds the referential in memory (about 40 000 rows, well under a second). */
export function buildReferential(strates: Strate[] = loadStrates(), correspondances: Correspondance[] = loadCorrespondances()): Referential {
  const communesDA = require('@etalab/decoupage-administratif/data/communes.json') as DaCommune[];
  const epciDA = require('@etalab/decoupage-administratif/data/epci.json') as DaGroup[];
  const eptDA = require('@etalab/decoupage-administratif/data/ept.json') as DaGroup[];
  const depsDA = require('@etalab/decoupage-administratif/data/departements.json') as DaArea[];
  const regsDA = require('@etalab/decoupage-administratif/data/regions.json') as DaArea[];

  const inPerimeter = (zone: string) => zone === 'metro' || zone === 'drom';
  const horsPerimetre = new Map(depsDA.filter((d) => !inPerimeter(d.zone)).map((d) => [d.code, d.nom]));

  // Invert `membres` to give each commune its EPCI à fiscalité propre.
  const epciOfCommune = new Map<string, string>();
  for (const e of epciDA) for (const m of e.membres) epciOfCommune.set(m.code, e.code);

  const communes: Collectivite[] = [];
  for (const c of communesDA) {
    if (c.type !== 'commune-actuelle' || !inPerimeter(c.zone)) continue;
    const population = typeof c.population === 'number' ? c.population : null;
    communes.push({
      code: c.code,
      type_collectivite: 'commune',
      nom: c.nom,
      siren: c.siren ?? null,
      population,
      strate: strateOf(strates, 'commune', population),
      departement: c.departement ?? null,
      region: c.region ?? null,
      nature: null,
      epci: epciOfCommune.get(c.code) ?? null,
      codes_postaux: c.codesPostaux?.join(' ') ?? null,
    });
  }
  const communeByCode = new Map(communes.map((c) => [c.code, c]));

  const history: HistoricalCode[] = [];
  for (const c of communesDA) {
    if (c.type === 'commune-actuelle' && c.anciensCodes) {
      for (const old of c.anciensCodes) {
        if (old !== c.code) history.push({ ancien_code: old, code_actuel: c.code, nom: c.nom, departement: c.departement ?? null, lien: 'ancien-code' });
      }
    }
    if ((c.type === 'commune-deleguee' || c.type === 'commune-associee') && c.chefLieu && communeByCode.has(c.chefLieu)) {
      history.push({ ancien_code: c.code, code_actuel: c.chefLieu, nom: c.nom, departement: c.departement ?? null, lien: c.type });
    }
  }

  // EPCI: département and région of the most populous member (the seat is not in the package).
  const epcis: Collectivite[] = epciDA.map((e) => {
    const members = e.membres.map((m) => communeByCode.get(m.code)).filter((m): m is Collectivite => m !== undefined);
    const main = [...members].sort((a, b) => (b.population ?? 0) - (a.population ?? 0))[0];
    const population = typeof e.populationMunicipale === 'number' ? e.populationMunicipale : null;
    return {
      code: e.code,
      type_collectivite: 'epci' as const,
      nom: e.nom,
      siren: e.code,
      population,
      strate: strateOf(strates, 'epci', population),
      departement: main?.departement ?? null,
      region: main?.region ?? null,
      nature: NATURE_EPCI[e.type] ?? e.type,
      epci: null,
      codes_postaux: null,
    };
  });

  // Départements and régions: population summed from their communes; unknown if any commune's is.
  const sumBy = (key: 'departement' | 'region') => {
    const sums = new Map<string, number | null>();
    for (const c of communes) {
      const k = c[key];
      if (!k) continue;
      const prev = sums.has(k) ? sums.get(k)! : 0;
      sums.set(k, prev === null || c.population === null ? null : prev + c.population);
    }
    return sums;
  };
  const depPop = sumBy('departement');
  const regPop = sumBy('region');
  const departements: Collectivite[] = depsDA
    .filter((d) => inPerimeter(d.zone))
    .map((d) => {
      const population = depPop.get(d.code) ?? null;
      return { code: d.code, type_collectivite: 'departement' as const, nom: d.nom, siren: null, population, strate: strateOf(strates, 'departement', population), departement: d.code, region: d.region ?? null, nature: null, epci: null, codes_postaux: null };
    });
  const regions: Collectivite[] = regsDA
    .filter((r) => inPerimeter(r.zone))
    .map((r) => {
      const population = regPop.get(r.code) ?? null;
      return { code: r.code, type_collectivite: 'region' as const, nom: r.nom, siren: null, population, strate: strateOf(strates, 'region', population), departement: null, region: r.code, nature: null, epci: null, codes_postaux: null };
    });

  const communeBySiren = new Map<string, Collectivite>();
  const communeByDepName = new Map<string, Collectivite[]>();
  for (const c of communes) {
    if (c.siren) communeBySiren.set(c.siren, c);
    pushTo(communeByDepName, `${c.departement}|${normalizeName(c.nom)}`, c);
  }
  const historyByCode = new Map(history.map((h) => [h.ancien_code, h]));
  const historyByDepName = new Map<string, HistoricalCode[]>();
  for (const h of history) pushTo(historyByDepName, `${h.departement}|${normalizeName(h.nom)}`, h);

  return {
    version: decoupageVersion(),
    strates,
    collectivites: [...communes, ...epcis, ...departements, ...regions],
    history,
    ept: eptDA.map((e) => ({ code: e.code, nom: e.nom })),
    horsPerimetre,
    correspondances,
    communeByCode,
    communeBySiren,
    communeByDepName,
    epciBySiren: new Map(epcis.map((e) => [e.code, e])),
    departementByCode: new Map(departements.map((d) => [d.code, d])),
    regionByCode: new Map(regions.map((r) => [r.code, r])),
    historyByCode,
    historyByDepName,
  };
}

let cached: Referential | undefined;
/** The referential built from the repository's files, built once per process. */
export function referential(): Referential {
  cached ??= buildReferential();
  return cached;
}

// --- In the warehouse ----------------------------------------------------------------------------

export const COLLECTIVITE_COLUMNS: Column[] = [
  { name: 'code', type: 'VARCHAR' },
  { name: 'type_collectivite', type: 'VARCHAR' },
  { name: 'nom', type: 'VARCHAR' },
  { name: 'siren', type: 'VARCHAR' },
  { name: 'population', type: 'INTEGER' },
  { name: 'strate', type: 'VARCHAR' },
  { name: 'departement', type: 'VARCHAR' },
  { name: 'region', type: 'VARCHAR' },
  { name: 'nature', type: 'VARCHAR' },
  { name: 'epci', type: 'VARCHAR' },
  { name: 'codes_postaux', type: 'VARCHAR' },
];
const STRATE_COLUMNS: Column[] = [
  { name: 'id', type: 'VARCHAR' },
  { name: 'type_collectivite', type: 'VARCHAR' },
  { name: 'libelle', type: 'VARCHAR' },
  { name: 'population_min', type: 'INTEGER' },
  { name: 'population_max', type: 'INTEGER' },
  { name: 'ordre', type: 'INTEGER' },
];
const HISTORY_COLUMNS: Column[] = [
  { name: 'ancien_code', type: 'VARCHAR' },
  { name: 'code_actuel', type: 'VARCHAR' },
  { name: 'nom', type: 'VARCHAR' },
  { name: 'departement', type: 'VARCHAR' },
  { name: 'lien', type: 'VARCHAR' },
];

/** Replaces the referential tables in one transaction. */
export async function storeReferential(w: Warehouse, ref: Referential): Promise<void> {
  await w.transaction(async () => {
    await w.createTable('ref_collectivites', COLLECTIVITE_COLUMNS, { replace: true });
    await w.insert('ref_collectivites', COLLECTIVITE_COLUMNS, ref.collectivites as unknown as Record<string, unknown>[]);
    await w.createTable('ref_strates', STRATE_COLUMNS, { replace: true });
    await w.insert('ref_strates', STRATE_COLUMNS, ref.strates as unknown as Record<string, unknown>[]);
    await w.createTable('ref_historique', HISTORY_COLUMNS, { replace: true });
    await w.insert('ref_historique', HISTORY_COLUMNS, ref.history as unknown as Record<string, unknown>[]);
    await w.run(`CREATE OR REPLACE TABLE ref_meta AS SELECT 'decoupage-administratif' AS cle, $v AS valeur`, { v: ref.version });
  });
}
