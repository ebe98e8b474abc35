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
  /** EPCI nature (CC, CA, CU, METRO) of a row per nature; null otherwise. Such rows are in `SiteData.barometreNatures`. */
  nature?: string | null;
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
  /** Median of the collectivités' values, for an indicator whose values are shares or counts (absent in older exports). */
  valeur_mediane?: number | null;
  statut: 'ok' | 'effectif_insuffisant';
  obligation: 'oui' | 'non' | 'partielle';
  edition: string | null;
  rupture_serie: boolean;
}

export interface IndicatorDefinition {
  id: string;
  label: string;
  /** The short label of column headings and section titles (the label when the definition has none shorter). */
  labelCourt: string;
  description: string;
  unit: 'taux' | 'valeur';
  /** For an indicator whose values are shares or counts: how they read. */
  valeur?: ValeurIndicateur;
  /** For a yes/no indicator: the sentences that say a collectivité's value, and its legal obligation. */
  phrases?: PhrasesIndicateur;
  direction: 'hausse' | 'baisse';
  levels: { min: number; label: string; color: string }[];
  axe: string;
  axe_libelle: string;
  /** `mesure` (measured on every collectivité) or `declaration` (declared by survey respondents), with its words. */
  nature: 'mesure' | 'declaration';
  nature_libelle: string;
  /**
   * `continue` (ranks and percentiles mean something), `oui-non` or `categories` (compared by the shares of the groups
   * only: a rank among equal yes/no values says nothing). Absent in older exports: read as `continue`.
   */
  echelle?: 'continue' | 'oui-non' | 'categories';
  /** A series that passes from one source to another: each segment's source, up to a semester (the last has none). */
  relais?: { source: string; jusqua?: string }[];
  sources: string[];
  concernees: string;
  methodology: string;
  version: string;
  versions: { version: string; depuis: string; changement: string }[];
  /** A warning the figures carry (a match rate too low…), from the last computation; null when none. */
  avertissement?: string | null;
  /** What a collectivité does to reach the objective (data/referentiels/prochaines-etapes.csv); null or absent when none. */
  prochaine_etape?: ProchaineEtape | null;
}

/** Who a workstream's obligation applies to: `commune` above 3 500 inhabitants (`>`), every `epci`… */
export interface PerimetreObligation {
  type: string;
  operateur: '>' | '>=' | null;
  population: number | null;
}

/** A next step: the link's text, the public page, who publishes it. */
export interface ProchaineEtape {
  libelle: string;
  url: string;
  source: string;
}

/** A DCANT workstream and the indicators that measure it, measured first (export chantiers.json). */
export interface ChantierDefinition {
  id: string;
  libelle: string;
  axe: string;
  axe_libelle: string;
  reference: string;
  /** Absent from older exports. */
  libelle_court?: string;
  base_legale?: string;
  /** Who is under the legal obligation, in words (« communes de plus de 3 500 habitants »); '' when nobody. */
  obligees?: string;
  /** The same as data: a type of collectivité, optionally above a population (municipale) threshold. */
  obligees_perimetre?: PerimetreObligation[];
  /** ISO date the legal obligation applies from; null without obligation or date. */
  obligation_depuis?: string | null;
  /** The indicator the scorecard shows for the workstream (when the collectivité has a value for it). */
  principal?: string | null;
  indicateurs: { id: string; nature: 'mesure' | 'declaration'; nature_libelle: string }[];
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
export type { PhrasesIndicateur, ValeurIndicateur } from '../../indicators/types.ts';
import type { PhrasesIndicateur, ValeurIndicateur } from '../../indicators/types.ts';
export type { IndicateurProvenance, Provenance, SourceProvenance } from '../../indicators/exports.ts';
export type { RoleSource } from '../../pipelines/sources/types.ts';

import type { Provenance, SourceProvenance } from '../../indicators/exports.ts';
import type { RoleSource } from '../../pipelines/sources/types.ts';

/** The source that plays a role for the pages (the boundaries of the maps, the procedures observatory), found without its id. */
export function sourceDuRole(provenance: Pick<Provenance, 'sources'>, role: RoleSource): SourceProvenance | undefined {
  return provenance.sources.find((s) => s.role === role);
}

/** Both measures of a semester where a series passes from one source to another (raccords.json). */
export interface RaccordRow {
  indicateur: string;
  periode: string;
  type_collectivite: BarometreRow['type_collectivite'];
  strate: string;
  nature: string | null;
  concernees: number;
  source_avant: string;
  date_avant: string;
  atteintes_avant: number;
  taux_avant: number | null;
  source_apres: string;
  date_apres: string;
  atteintes_apres: number;
  taux_apres: number | null;
  ecart_points: number | null;
  source_retenue: string;
}

/** A figure a producer published, next to ours (chiffres-publies.json). */
export interface ChiffrePublieRow {
  id: string;
  indicateur: string;
  date_donnees: string;
  ce_qui_est_compte: string;
  perimetre: string;
  producteur: string;
  source_titre: string;
  source_url: string | null;
  citation: string | null;
  unite: 'taux' | 'nombre';
  valeur_publiee: number;
  numerateur_publie: number | null;
  denominateur_publie: number | null;
  notre_valeur: number | null;
  notre_numerateur: number | null;
  notre_denominateur: number | null;
  notre_source: string | null;
  notre_date_donnees: string | null;
  ecart: number | null;
  explication: string;
}

export interface SiteData {
  folder: string;
  /**
   * The barometer's rows, one per indicator × semester × level × territory × type × strate: every page looks rows up
   * by that key. Rows per EPCI nature share their key with the all-natures row, so they are kept apart, below.
   */
  barometre: BarometreRow[];
  /** Rows per EPCI nature (`nature` set): "82 % des métropoles". */
  barometreNatures: BarometreRow[];
  raccords: RaccordRow[];
  chiffresPublies: ChiffrePublieRow[];
  indicateurs: IndicatorDefinition[];
  strates: StrateDefinition[];
  provenance: Provenance;
  chantiers: ChantierDefinition[];
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
    const rows = readJson<{ donnees: BarometreRow[] }>(folder, 'barometre.json').donnees;
    data = {
      folder,
      barometre: rows.filter((r) => !r.nature),
      barometreNatures: rows.filter((r) => r.nature),
      raccords: readOptionalJson<{ donnees: RaccordRow[] }>('raccords.json', folder)?.donnees ?? [],
      chiffresPublies: readOptionalJson<{ donnees: ChiffrePublieRow[] }>('chiffres-publies.json', folder)?.donnees ?? [],
      indicateurs: readJson<IndicatorDefinition[]>(folder, 'indicateurs.json'),
      strates: readJson<StrateDefinition[]>(folder, 'strates.json'),
      provenance: readJson<Provenance>(folder, 'provenance.json'),
      chantiers: readJson<{ donnees: ChantierDefinition[] }>(folder, 'chantiers.json').donnees,
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

/** EPCI natures of the referential, largest first. */
export const NATURE_LABELS: Record<string, { singulier: string; pluriel: string }> = {
  METRO: { singulier: 'métropole', pluriel: 'métropoles' },
  CU: { singulier: 'communauté urbaine', pluriel: 'communautés urbaines' },
  CA: { singulier: "communauté d'agglomération", pluriel: "communautés d'agglomération" },
  CC: { singulier: 'communauté de communes', pluriel: 'communautés de communes' },
};

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

const parIndicateur = new WeakMap<readonly BarometreRow[], Map<string, BarometreRow[]>>();

/**
 * The rows of one indicator, in their order: the rows are indexed once per build (a million rows at full scale),
 * instead of being scanned again by every page that looks for one indicator.
 */
export function lignesIndicateur(rows: readonly BarometreRow[], indicateur: string): readonly BarometreRow[] {
  let index = parIndicateur.get(rows);
  if (!index) {
    index = new Map();
    for (const r of rows) {
      const list = index.get(r.indicateur);
      if (list) list.push(r);
      else index.set(r.indicateur, [r]);
    }
    parIndicateur.set(rows, index);
  }
  return index.get(indicateur) ?? [];
}

const dernieres = new WeakMap<readonly BarometreRow[], Map<string, string | null>>();

/** The latest semester with data for an indicator (looked up once per indicator and build). */
export function latestPeriode(data: SiteData, indicateur: string): string | null {
  let known = dernieres.get(data.barometre);
  if (!known) dernieres.set(data.barometre, (known = new Map()));
  if (!known.has(indicateur)) {
    let latest: string | null = null;
    for (const r of lignesIndicateur(data.barometre, indicateur)) if (latest === null || r.periode > latest) latest = r.periode;
    known.set(indicateur, latest);
  }
  return known.get(indicateur)!;
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

export type { Collectivite as Territoire } from '../../pipelines/referential/referential.ts';
import type { Collectivite as Territoire } from '../../pipelines/referential/referential.ts';

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

/** Boundaries, when their source (role `fonds-de-carte`) was pulled; null otherwise (the tile grid is always there). */
export function contours(niveau: 'departement' | 'region', folder = exportsFolder()): GeoFeatureCollection | null {
  return once(`contours:${niveau}:${folder}`, () => readOptionalJson<GeoFeatureCollection>(`contours-${niveau}s.geojson`, folder));
}

export function qualite(folder = exportsFolder()): Record<string, unknown>[] {
  return once(`qualite:${folder}`, () => readOptionalJson<{ donnees: Record<string, unknown>[] }>('qualite.json', folder)?.donnees ?? []);
}

export function proceduresRows(folder = exportsFolder()): Record<string, unknown>[] | null {
  return once(`procedures:${folder}`, () => readOptionalJson<{ donnees: Record<string, unknown>[] }>('procedures.json', folder)?.donnees ?? null);
}

type FichierProcedures = { provenance?: { referentiels?: Partial<ReferentielsProcedures> }; donnees: Record<string, unknown>[] };

function fichierObjectifs(folder: string): FichierProcedures | null {
  return once(`proceduresObjectifs:${folder}`, () => readOptionalJson<FichierProcedures>('procedures-objectifs.json', folder));
}

export function proceduresObjectifs(folder = exportsFolder()): Record<string, unknown>[] | null {
  return fichierObjectifs(folder)?.donnees ?? null;
}

/** The versions of the referentials the procedures exports were computed with (their JSON's `provenance`). */
export interface ReferentielsProcedures {
  /** The observatory's levels and thresholds. */
  niveaux: string;
  /** The correspondences of the 2019–2022 editions. */
  anciennes_editions: string;
}

/** What procedures-objectifs.json says it was computed with; « — » for a version it does not carry (or no export). */
export function proceduresReferentiels(folder = exportsFolder()): ReferentielsProcedures {
  const r = fichierObjectifs(folder)?.provenance?.referentiels;
  return { niveaux: r?.niveaux ?? '—', anciennes_editions: r?.anciennes_editions ?? '—' };
}

export function proceduresContinuite(folder = exportsFolder()): Record<string, unknown>[] | null {
  return once(`proceduresContinuite:${folder}`, () => readOptionalJson<{ donnees: Record<string, unknown>[] }>('procedures-continuite.json', folder)?.donnees ?? null);
}

/** Semesters present in the barometer, oldest first. */
const periodesDe = new WeakMap<readonly BarometreRow[], string[]>();
export function periodes(data: SiteData): string[] {
  let out = periodesDe.get(data.barometre);
  if (!out) periodesDe.set(data.barometre, (out = [...new Set(data.barometre.map((r) => r.periode))].sort()));
  return [...out];
}
