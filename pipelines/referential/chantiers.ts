// The DCANT workstreams: data/referentiels/chantiers.csv, reviewed and committed. Each row names the
// indicators that measure it; listing its own `chantier-<id>` makes it surveyed (a generated survey indicator).
// A new row is a new workstream: no code to write.
import { resolve } from 'node:path';
import type { AxeDcant } from './axes.ts';
import { PROJECT_ROOT } from '../base/config.ts';
import { checkDate } from '../base/dates.ts';
import { dateEnMots, nombreFr } from '../base/francais.ts';
import { readCsvFile, TYPES_COLLECTIVITE, type TypeCollectivite } from './referential.ts';

export const CHANTIERS_FILE = 'data/referentiels/chantiers.csv';
const AXES: readonly AxeDcant[] = ['gouvernance-partagee', 'socle-commun', 'approche-globale-donnee', 'passage-echelle'];

/** One type of collectivité, optionally above a population (municipale) threshold. */
export interface Perimetre {
  type: TypeCollectivite;
  /** `>` (strictly more than, as in "communes de plus de 3 500 habitants") or `>=`. */
  operateur: '>' | '>=' | null;
  population: number | null;
}

export interface Chantier {
  id: string;
  libelle: string;
  /** The short label the pages put in column headings and titles (`libelle_court`); the label when the column is empty or absent. */
  libelle_court: string;
  axe: AxeDcant;
  /** Who the workstream is for: answers from other collectivités are kept but not counted. */
  concernees: Perimetre[];
  /** Who is under a legal obligation (a subset of `concernees`); empty when there is none. */
  obligees: Perimetre[];
  base_legale: string;
  /**
   * The date the obligation applies from (ISO `AAAA-MM-JJ`, column `obligation_depuis`), written in words in
   * `base_legale` too, so that every date shown has its legal text; null when there is no obligation or no date.
   */
  obligation_depuis: string | null;
  note: string;
  /**
   * The indicators that measure the workstream, as written in the file: ids, or a family `prefix-*`
   * (indicators generated from a data file). Checked against the indicator registry by the indicators layer.
   */
  indicateurs: string[];
  /**
   * The indicator a collectivité's scorecard shows for the workstream (column `principal`, one of `indicateurs` or of
   * a family it names); null when the column is empty (then the first listed indicator with a value).
   */
  principal: string | null;
  /** True when `indicateurs` lists the row's own survey indicator `chantier-<id>`. */
  enquete: boolean;
  /** The programme's document that names the workstream, quoted. */
  reference: string;
}

/** The id of a workstream's survey indicator. */
export const surveyIndicatorId = (chantier: string) => `chantier-${chantier}`;

const INDICATOR_ID = /^[a-z0-9]+(-[a-z0-9]+)*(-\*)?$/;

/** Parses `ouverture-donnees;chantier-x;services-*`: ids in the order of preference, no duplicate. */
export function parseIndicateurs(text: string, chantier: string, where: string): string[] {
  const ids = text.split(';').map((x) => x.trim()).filter((x) => x !== '');
  if (ids.length === 0) throw new Error(`${where} : colonne indicateurs vide (au moins un identifiant d'indicateur attendu, par exemple ${surveyIndicatorId(chantier)} pour l'enquête)`);
  const seen = new Set<string>();
  for (const id of ids) {
    if (!INDICATOR_ID.test(id)) throw new Error(`${where} : « ${id} » n'est pas un identifiant d'indicateur (minuscules, chiffres et tirets, ou une famille « prefixe-* »)`);
    if (seen.has(id)) throw new Error(`${where} : indicateur « ${id} » cité deux fois`);
    if (id.startsWith('chantier-') && id !== surveyIndicatorId(chantier)) {
      throw new Error(`${where} : « ${id} » est l'enquête d'un autre chantier ; un chantier ne cite que sa propre enquête (${surveyIndicatorId(chantier)})`);
    }
    seen.add(id);
  }
  return ids;
}

const TOKEN = /^(commune|epci|departement|region)(?:\s*(>=|>)\s*(\d+))?$/;

/** Parses `commune>3500;epci;departement;region`. */
export function parsePerimetre(text: string, where: string): Perimetre[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  return trimmed.split(';').map((part) => {
    const m = TOKEN.exec(part.trim().replace(/\s+/g, ' '));
    if (!m) {
      throw new Error(`${where} : « ${part.trim()} » n'est pas un périmètre (attendu : ${TYPES_COLLECTIVITE.join(', ')}, suivi au besoin d'un seuil de population, par exemple commune>3500)`);
    }
    return { type: m[1] as TypeCollectivite, operateur: (m[2] as '>' | '>=' | undefined) ?? null, population: m[3] === undefined ? null : Number(m[3]) };
  });
}

export function loadChantiers(path = resolve(PROJECT_ROOT, CHANTIERS_FILE)): Chantier[] {
  const rows = readCsvFile<Record<string, string>>(path);
  const ids = new Set<string>();
  const cited = new Map<string, string>();
  return rows.map((r, i) => {
    const where = `${path}, ligne ${i + 2}`;
    const id = (r.id ?? '').trim();
    // The id becomes an indicator id and is written into SQL: keep it to a safe alphabet.
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id)) throw new Error(`${where} : identifiant « ${r.id} » invalide (minuscules, chiffres et tirets, par exemple sve-urbanisme)`);
    if (ids.has(id)) throw new Error(`${where} : identifiant « ${id} » déjà utilisé`);
    ids.add(id);
    const axe = (r.axe ?? '').trim() as AxeDcant;
    if (!AXES.includes(axe)) throw new Error(`${where} : axe « ${r.axe} » inconnu (attendu : ${AXES.join(', ')})`);
    const libelle = (r.libelle ?? '').trim();
    if (libelle === '') throw new Error(`${where} : libellé vide`);
    const concernees = parsePerimetre(r.concernees ?? '', `${where}, colonne concernees`);
    if (concernees.length === 0) throw new Error(`${where} : colonne concernees vide (au moins un type de collectivité attendu)`);
    const obligees = parsePerimetre(r.obligees ?? '', `${where}, colonne obligees`);
    for (const o of obligees) {
      if (!concernees.some((c) => c.type === o.type)) throw new Error(`${where} : les obligées (${o.type}) doivent faire partie des concernées`);
    }
    const base = (r.base_legale ?? '').trim();
    if (obligees.length > 0 && base === '') throw new Error(`${where} : une obligation sans base légale (colonne base_legale vide)`);
    const depuis = (r.obligation_depuis ?? '').trim();
    if (depuis !== '') {
      if (obligees.length === 0) throw new Error(`${where} : une date d'obligation (${depuis}) sans obligées (colonne obligees vide)`);
      try {
        checkDate(depuis);
      } catch {
        throw new Error(`${where} : date d'obligation « ${depuis} » invalide (attendu : AAAA-MM-JJ, par exemple 2022-01-01)`);
      }
      // The date comes from the legal text: the text says it in words (« 1er janvier 2022 »).
      if (!base.includes(dateEnMots(depuis))) throw new Error(`${where} : la date d'obligation ${depuis} (« ${dateEnMots(depuis)} ») n'apparaît pas dans la base légale ; citez le texte qui la fixe`);
    }
    const indicateurs = parseIndicateurs(r.indicateurs ?? '', id, `${where}, colonne indicateurs`);
    const principal = (r.principal ?? '').trim();
    if (principal !== '' && !indicateurs.some((x) => x === principal || (x.endsWith('-*') && principal.startsWith(x.slice(0, -1))))) {
      throw new Error(`${where} : l'indicateur principal « ${principal} » n'est pas dans la colonne indicateurs (${indicateurs.join(', ')})`);
    }
    // One indicator measures one workstream: the pages group indicators under their workstream.
    for (const x of indicateurs) {
      if (cited.has(x)) throw new Error(`${where} : l'indicateur « ${x} » mesure déjà le chantier « ${cited.get(x)} » ; un indicateur ne mesure qu'un chantier`);
      cited.set(x, id);
    }
    return {
      id,
      libelle,
      libelle_court: (r.libelle_court ?? '').trim() || libelle,
      axe,
      concernees,
      obligees,
      base_legale: base,
      obligation_depuis: depuis || null,
      note: (r.note ?? '').trim(),
      indicateurs,
      principal: principal || null,
      enquete: indicateurs.includes(surveyIndicatorId(id)),
      reference: (r.reference ?? '').trim(),
    };
  });
}

let cached: Chantier[] | undefined;
export function chantiers(): Chantier[] {
  cached ??= loadChantiers();
  return cached;
}

/** SQL condition on `ref_collectivites` aliased `c`; NULL populations do not meet a threshold. */
export function perimetreSql(perimetre: readonly Perimetre[]): string {
  if (perimetre.length === 0) return 'FALSE';
  return perimetre
    .map((p) => `(c.type_collectivite = '${p.type}'${p.operateur ? ` AND coalesce(c.population ${p.operateur} ${p.population}, FALSE)` : ''})`)
    .join(' OR ');
}

const NOMS: Record<TypeCollectivite, string> = { commune: 'communes', epci: 'EPCI à fiscalité propre', departement: 'départements', region: 'régions' };

/** « communes de plus de 3 500 habitants, EPCI à fiscalité propre » */
export function describePerimetre(perimetre: readonly Perimetre[]): string {
  return perimetre
    .map((p) => (p.operateur ? `${NOMS[p.type]} ${p.operateur === '>' ? 'de plus de' : "d'au moins"} ${nombreFr(p.population!)} habitants` : NOMS[p.type]))
    .join(', ');
}
