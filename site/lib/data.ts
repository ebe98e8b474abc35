// The site's only door to data: the exports written by `barometre compute` (never the warehouse).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface BarometreRow {
  indicateur: string;
  periode: string;
  niveau: 'national' | 'region' | 'departement';
  territoire: string;
  type_collectivite: 'commune' | 'epci' | 'departement' | 'region';
  strate: string;
  concernees: number;
  atteintes: number;
  taux: number | null;
  population_concernee: number | null;
  population_atteinte: number | null;
  source: string;
  date_donnees: string;
  methode_version: string;
  ic_bas: number | null;
  ic_haut: number | null;
  taux_population: number | null;
  statut: 'ok' | 'effectif_insuffisant';
  obligation: 'oui' | 'non' | 'partielle';
  edition: string | null;
  rupture_serie: boolean;
}

export interface IndicatorDefinition {
  id: string;
  label: string;
  description: string;
  unit: string;
  direction: 'hausse' | 'baisse';
  levels: { min: number; label: string; color: string }[];
  axe: string;
  axe_libelle: string;
  sources: string[];
  concernees: string;
  methodology: string;
  version: string;
  versions: { version: string; depuis: string; changement: string }[];
  /** A warning the figures carry (a match rate too low…), from the last computation; null when none. */
  avertissement?: string | null;
}

export interface StrateDefinition {
  id: string;
  type_collectivite: string;
  libelle: string;
  population_min: number;
  population_max: number | null;
  ordre: number;
}

// The exports' shapes, from the code that writes them (type-only imports: nothing of it runs in the site).
export type { Provenance, SourceProvenance } from '../../indicators/exports.ts';

import type { Provenance } from '../../indicators/exports.ts';

export interface SiteData {
  folder: string;
  barometre: BarometreRow[];
  indicateurs: IndicatorDefinition[];
  strates: StrateDefinition[];
  provenance: Provenance;
}

export function exportsFolder(env: NodeJS.ProcessEnv = process.env): string {
  return env.BAROMETRE_EXPORTS ? resolve(env.BAROMETRE_EXPORTS) : resolve(process.cwd(), 'data/exports');
}

function readJson<T>(folder: string, name: string): T {
  const path = join(folder, name);
  if (!existsSync(path)) throw new Error(`Export manquant : ${path}. Lancez « npx barometre compute » (ou « npm run build ») avant de construire le site.`);
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

const cache = new Map<string, SiteData>();

export function loadSiteData(folder = exportsFolder()): SiteData {
  let data = cache.get(folder);
  if (!data) {
    data = {
      folder,
      barometre: readJson<{ donnees: BarometreRow[] }>(folder, 'barometre.json').donnees,
      indicateurs: readJson<IndicatorDefinition[]>(folder, 'indicateurs.json'),
      strates: readJson<StrateDefinition[]>(folder, 'strates.json'),
      provenance: readJson<Provenance>(folder, 'provenance.json'),
    };
    cache.set(folder, data);
  }
  return data;
}

export const TYPE_LABELS: Record<string, { singulier: string; pluriel: string }> = {
  commune: { singulier: 'commune', pluriel: 'communes' },
  epci: { singulier: 'EPCI à fiscalité propre', pluriel: 'EPCI à fiscalité propre' },
  departement: { singulier: 'département', pluriel: 'départements' },
  region: { singulier: 'région', pluriel: 'régions' },
};

export const TYPE_ORDER = ['commune', 'epci', 'departement', 'region'] as const;

export function strateLabel(data: SiteData, id: string): string {
  if (id === 'toutes') return 'Toutes';
  if (id === 'obligees') return "soumises à l'obligation légale";
  if (id === 'inconnue') return 'Population inconnue';
  return data.strates.find((s) => s.id === id)?.libelle ?? id;
}

export function strateOrder(data: SiteData, id: string): number {
  if (id === 'toutes') return 1000;
  if (id === 'obligees') return 999;
  if (id === 'inconnue') return 998;
  return data.strates.find((s) => s.id === id)?.ordre ?? 997;
}

/** The latest semester with data for an indicator. */
export function latestPeriode(data: SiteData, indicateur: string): string | null {
  const periods = data.barometre.filter((r) => r.indicateur === indicateur).map((r) => r.periode);
  return periods.length > 0 ? periods.sort().at(-1)! : null;
}

// --- Lazily loaded exports (each read once per build) --------------------------------------------

export interface CollectiviteResultat {
  code: string;
  type_collectivite: 'commune' | 'epci' | 'departement' | 'region';
  nom: string;
  strate: string;
  departement: string | null;
  region: string | null;
  population: number | null;
  indicateur: string;
  periode: string;
  valeur: number | null;
  atteinte: boolean;
  obligee: boolean;
  rang_strate: number;
  effectif_strate: number;
  percentile_strate: number;
  rang_departement: number;
  effectif_departement: number;
  percentile_departement: number;
  mediane_strate: number | null;
  taux_strate: number | null;
  date_donnees: string;
  methode_version: string;
}

export type { Collectivite as Territoire } from '../../pipelines/referential.ts';
import type { Collectivite as Territoire } from '../../pipelines/referential.ts';

export interface Tuile {
  code: string;
  nom: string;
  ligne: number;
  colonne: number;
}

const lazy = new Map<string, unknown>();
function once<T>(key: string, load: () => T): T {
  if (!lazy.has(key)) lazy.set(key, load());
  return lazy.get(key) as T;
}

/** Optional export: null when the file is absent (e.g. a source never pulled). */
export function readOptionalJson<T>(name: string, folder = exportsFolder()): T | null {
  const path = join(folder, name);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : null;
}

export function territoires(folder = exportsFolder()): Territoire[] {
  return once(`territoires:${folder}`, () => readJson<Territoire[]>(folder, 'territoires.json'));
}

/** `type:code` → territoire. */
export function territoireIndex(folder = exportsFolder()): Map<string, Territoire> {
  return once(`territoireIndex:${folder}`, () => new Map(territoires(folder).map((t) => [`${t.type_collectivite}:${t.code}`, t])));
}

export function resultatsCollectivites(folder = exportsFolder()): CollectiviteResultat[] {
  return once(`collectivites:${folder}`, () => readJson<{ donnees: CollectiviteResultat[] }>(folder, 'collectivites.json').donnees);
}

/** `type:code` → its results (every indicator and semester). */
export function resultatsParCollectivite(folder = exportsFolder()): Map<string, CollectiviteResultat[]> {
  return once(`resultatsIndex:${folder}`, () => {
    const index = new Map<string, CollectiviteResultat[]>();
    for (const r of resultatsCollectivites(folder)) {
      const key = `${r.type_collectivite}:${r.code}`;
      const list = index.get(key);
      if (list) list.push(r);
      else index.set(key, [r]);
    }
    return index;
  });
}

export function tuilesDepartements(folder = exportsFolder()): Tuile[] {
  return once(`tuiles:${folder}`, () => readJson<Tuile[]>(folder, 'tuiles-departements.json'));
}

export interface GeoFeatureCollection {
  type: 'FeatureCollection';
  features: { type: 'Feature'; properties: { code: string; nom: string }; geometry: unknown }[];
}

/** Boundaries, when the `contours` source was pulled; null otherwise (the tile grid is always there). */
export function contours(niveau: 'departement' | 'region', folder = exportsFolder()): GeoFeatureCollection | null {
  return once(`contours:${niveau}:${folder}`, () => readOptionalJson<GeoFeatureCollection>(`contours-${niveau}s.geojson`, folder));
}

export function qualite(folder = exportsFolder()): Record<string, unknown>[] {
  return once(`qualite:${folder}`, () => readOptionalJson<{ donnees: Record<string, unknown>[] }>('qualite.json', folder)?.donnees ?? []);
}

export function proceduresRows(folder = exportsFolder()): Record<string, unknown>[] | null {
  return once(`procedures:${folder}`, () => readOptionalJson<{ donnees: Record<string, unknown>[] }>('procedures.json', folder)?.donnees ?? null);
}

export function proceduresObjectifs(folder = exportsFolder()): Record<string, unknown>[] | null {
  return once(`proceduresObjectifs:${folder}`, () => readOptionalJson<{ donnees: Record<string, unknown>[] }>('procedures-objectifs.json', folder)?.donnees ?? null);
}

/** Semesters present in the barometer, oldest first. */
export function periodes(data: SiteData): string[] {
  return [...new Set(data.barometre.map((r) => r.periode))].sort();
}
