// The quality of the State's online procedures (the observatory's source), from procedures.json and procedures-objectifs.json.
// A special value (« À venir », « Non applicable », « Nombre d'avis insuffisant »…) is shown as such, never as 0.
import type { ReferentielsProcedures } from './data.ts';
import { formatInteger, formatPercent } from './format.ts';

export interface ObjectifRow {
  edition_id: string;
  edition: string;
  date_edition: string;
  /** observatoire-2019 or vde-2023. */
  methode: string;
  rupture_serie: boolean;
  perimetre: string;
  indicateur: string;
  indicateur_libelle: string;
  demarches: number;
  avec_valeur: number;
  evaluees: number;
  statut_special: number;
  atteintes: number | null;
  taux_objectif: number | null;
  favorables: number;
  /** `vde-<perimetre>-<indicateur>`: the id the roadmap links an action to. */
  mesure: string;
  mesure_definition: 'objectif' | 'favorable';
  valeur_mesure: number | null;
}

export interface ProcedureRow {
  edition_id: string;
  edition: string;
  date_edition: string;
  titre_normalise: string;
  titre: string;
  ministere: string | null;
  administration: string | null;
  niveau_collectivite: string | null;
  volume: number | null;
  indicateur: string;
  niveau: string | null;
  libelle: string | null;
  couleur: string | null;
  objectif_atteint: boolean | null;
  statut_special: string | null;
  niveau_precedent: string | null;
  evolution: string;
}

const s = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const n = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function parseObjectif(r: Record<string, unknown>): ObjectifRow {
  return {
    edition_id: s(r.edition_id) ?? '',
    edition: s(r.edition) ?? s(r.edition_id) ?? '',
    date_edition: s(r.date_edition) ?? '',
    methode: s(r.methode) ?? 'vde-2023',
    rupture_serie: r.rupture_serie === true,
    perimetre: s(r.perimetre) ?? '',
    indicateur: s(r.indicateur) ?? '',
    indicateur_libelle: s(r.indicateur_libelle) ?? s(r.indicateur) ?? '',
    demarches: n(r.demarches) ?? 0,
    avec_valeur: n(r.avec_valeur) ?? 0,
    evaluees: n(r.evaluees) ?? 0,
    statut_special: n(r.statut_special) ?? 0,
    atteintes: n(r.atteintes),
    taux_objectif: n(r.taux_objectif),
    favorables: n(r.favorables) ?? 0,
    mesure: s(r.mesure) ?? `vde-${s(r.perimetre) ?? ''}-${s(r.indicateur) ?? ''}`,
    mesure_definition: r.mesure_definition === 'favorable' ? 'favorable' : 'objectif',
    valeur_mesure: n(r.valeur_mesure),
  };
}

export function parseProcedure(r: Record<string, unknown>): ProcedureRow {
  return {
    edition_id: s(r.edition_id) ?? '',
    edition: s(r.edition) ?? s(r.edition_id) ?? '',
    date_edition: s(r.date_edition) ?? '',
    titre_normalise: s(r.titre_normalise) ?? s(r.titre) ?? '',
    titre: s(r.titre) ?? '',
    ministere: s(r.ministere),
    administration: s(r.administration),
    niveau_collectivite: s(r.niveau_collectivite),
    volume: n(r.volume),
    indicateur: s(r.indicateur) ?? '',
    niveau: s(r.niveau),
    libelle: s(r.libelle),
    couleur: s(r.couleur),
    objectif_atteint: typeof r.objectif_atteint === 'boolean' ? r.objectif_atteint : null,
    statut_special: s(r.statut_special),
    niveau_precedent: s(r.niveau_precedent),
    evolution: s(r.evolution) ?? 'non_comparable',
  };
}

export const PERIMETRE_LABELS: Record<string, string> = {
  toutes: 'Toutes les démarches',
  partagees: 'Partagées avec les collectivités',
  commune: 'Associant les communes',
  epci: 'Associant les EPCI',
  departement: 'Associant les départements',
  region: 'Associant les régions',
};
export const PERIMETRES = ['toutes', 'partagees', 'commune', 'epci', 'departement', 'region'];

const NIVEAU_MOTS: Record<string, string> = { commune: 'communes', epci: 'EPCI', departement: 'départements', region: 'régions' };

/** "communes et EPCI" from "commune|epci". */
export function niveauxEnMots(niveau: string | null): string {
  if (!niveau) return 'État seul';
  const parts = niveau.split('|').map((p) => NIVEAU_MOTS[p] ?? p);
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} et ${parts.at(-1)}`;
}

export const EVOLUTION_MOTS: Record<string, string> = {
  progres: 'progrès',
  recul: 'recul',
  stable: 'stable',
  nouvelle: 'nouvelle',
  non_comparable: 'non comparable',
  rupture: 'non comparable : changement de méthode',
};

/** The observatory's colours, darkened where needed to keep 3:1 against white (the level's text always says it too). */
export const COULEURS: Record<string, { fond: string; nom: string }> = {
  green: { fond: '#18753c', nom: 'vert' },
  blue: { fond: '#000091', nom: 'bleu' },
  yellow: { fond: '#8d6c00', nom: 'jaune' },
  orange: { fond: '#b34000', nom: 'orange' },
  red: { fond: '#ce0500', nom: 'rouge' },
  gray: { fond: '#666666', nom: 'gris' },
};

/** The level as the observatory words it: a special status as such, "Insuffisant (7,8 / 10)", never a bare 0. */
export function niveauEnMots(p: Pick<ProcedureRow, 'statut_special' | 'niveau' | 'libelle'>): string {
  if (p.statut_special) return p.statut_special;
  const niveau = p.niveau ?? 'non renseigné';
  // The observatory writes "7.8 / 10" and "64%": French decimals and a narrow no-break space before %.
  const libelle = p.libelle?.replace(/(\d)\.(\d)/g, '$1,$2').replace(/(\d)\s*%/g, '$1\u202f%') ?? null;
  return libelle && libelle !== p.niveau ? `${niveau} (${libelle})` : niveau;
}

export interface Edition {
  id: string;
  nom: string;
  date: string;
}

/** Editions present, oldest first. */
export function editions(rows: { edition_id: string; edition: string; date_edition: string }[]): Edition[] {
  const byId = new Map<string, Edition>();
  for (const r of rows) if (!byId.has(r.edition_id)) byId.set(r.edition_id, { id: r.edition_id, nom: r.edition, date: r.date_edition });
  return [...byId.values()].sort((a, b) => a.date.localeCompare(b.date) || a.id.localeCompare(b.id));
}

/** The observatory's indicators in their order of appearance (the export is sorted by the observatory's position). */
export function indicateurs(objectifs: ObjectifRow[]): { id: string; libelle: string; aObjectif: boolean }[] {
  const out: { id: string; libelle: string; aObjectif: boolean }[] = [];
  for (const o of objectifs) {
    const known = out.find((i) => i.id === o.indicateur);
    if (!known) out.push({ id: o.indicateur, libelle: o.indicateur_libelle, aObjectif: o.atteintes !== null });
    else if (o.atteintes !== null) known.aObjectif = true;
  }
  return out;
}

/** "50,0 % (2 sur 4 évaluées ; 1 au statut particulier)", or why there is no share. */
export function partEnMots(o: ObjectifRow | undefined, aObjectif: boolean): string {
  if (!o) return '—';
  if (!aObjectif) return 'sans objectif';
  const special = o.statut_special > 0 ? ` ; ${formatInteger(o.statut_special)} au statut particulier` : '';
  if (o.evaluees === 0 || o.taux_objectif === null) return `aucune démarche évaluée (${formatInteger(o.demarches)} démarche${o.demarches > 1 ? 's' : ''}${special})`;
  return `${formatPercent(o.taux_objectif)} (${formatInteger(o.atteintes)} sur ${formatInteger(o.evaluees)} évaluée${o.evaluees > 1 ? 's' : ''}${special})`;
}

export interface DemarcheEdition {
  titre: string;
  cle: string;
  administration: string | null;
  niveau_collectivite: string | null;
  volume: number | null;
  valeurs: Map<string, ProcedureRow>;
}

/** The procedures of one edition, shared ones first, then by volume; each with its values by indicator. */
export function demarchesDeLEdition(rows: ProcedureRow[], editionId: string): DemarcheEdition[] {
  const byKey = new Map<string, DemarcheEdition>();
  for (const r of rows.filter((x) => x.edition_id === editionId)) {
    let d = byKey.get(r.titre_normalise);
    if (!d) {
      d = { titre: r.titre, cle: r.titre_normalise, administration: r.administration, niveau_collectivite: r.niveau_collectivite, volume: r.volume, valeurs: new Map() };
      byKey.set(r.titre_normalise, d);
    }
    d.valeurs.set(r.indicateur, r);
  }
  return [...byKey.values()].sort(
    (a, b) => Number(b.niveau_collectivite !== null) - Number(a.niveau_collectivite !== null) || (b.volume ?? -1) - (a.volume ?? -1) || a.titre.localeCompare(b.titre, 'fr'),
  );
}

/** Shared procedures of an edition, in the order of demarchesDeLEdition. */
export function demarchesPartagees(rows: ProcedureRow[], editionId: string): DemarcheEdition[] {
  return demarchesDeLEdition(rows, editionId).filter((d) => d.niveau_collectivite !== null);
}

/**
 * The method's versions as the pages print them, from the versions the procedures exports carry: « 1.0.0 (niveaux et
 * seuils de l’Observatoire) », with the correspondences of the 2019–2022 editions when the series across them is shown.
 */
export function versionMethodeProcedures(r: ReferentielsProcedures, anciennes: boolean): string {
  return `${r.niveaux} (niveaux et seuils de l’Observatoire${anciennes ? ` ; correspondances des éditions 2019–2022 ${r.anciennes_editions}` : ''})`;
}

// --- Since June 2019: the series across the 2022→2023 change of method ---------------------------------

export const METHODE_LABELS: Record<string, string> = {
  'observatoire-2019': 'Observatoire de la qualité des démarches en ligne (2019–2022)',
  'vde-2023': 'Vos démarches numériques essentielles (depuis 2023)',
};

/** "75,0 % (3 sur 4 évaluées)", or the share at the best level for an indicator without a goal. */
export function mesureEnMots(o: ObjectifRow | undefined): string {
  if (!o) return '—';
  if (o.valeur_mesure === null) return `aucune démarche évaluée (${formatInteger(o.demarches)})`;
  const n = o.mesure_definition === 'objectif' ? o.atteintes : o.favorables;
  return `${formatPercent(o.valeur_mesure)} (${formatInteger(n)} sur ${formatInteger(o.evaluees)})`;
}

export interface SerieMesure {
  indicateur: string;
  libelle: string;
  definition: 'objectif' | 'favorable';
  points: ObjectifRow[];
}

/**
 * The series of one perimeter worth drawing across the editions (up to `jusquA`, a date): indicators measured by both
 * methods, and, for one without a goal, only if some procedure ever reached its best level (a share that is always 0
 * because the indicator has no best level — the online usage rate — says nothing).
 */
export function seriesPerimetre(objectifs: ObjectifRow[], perimetre: string, jusquA = '9999-12-31'): SerieMesure[] {
  const rows = objectifs.filter((o) => o.perimetre === perimetre && o.date_edition <= jusquA);
  const out: SerieMesure[] = [];
  for (const ind of indicateurs(rows)) {
    const points = rows.filter((o) => o.indicateur === ind.id).sort((a, b) => a.date_edition.localeCompare(b.date_edition));
    if (new Set(points.map((p) => p.methode)).size < 2) continue;
    const definition = points[0]!.mesure_definition;
    if (definition === 'favorable' && points.every((p) => p.favorables === 0)) continue;
    out.push({ indicateur: ind.id, libelle: ind.libelle, definition, points });
  }
  return out;
}

/** The date between the last edition of one method and the first of the next (where the chart draws the break). */
export function dateRupture(series: SerieMesure[]): { avant: string; apres: string } | null {
  for (const s of series) {
    const i = s.points.findIndex((p) => p.rupture_serie);
    if (i > 0) return { avant: s.points[i - 1]!.date_edition, apres: s.points[i]!.date_edition };
  }
  return null;
}

export interface ContinuiteRow {
  titre_normalise: string;
  titre: string;
  niveau_collectivite: string | null;
  editions_2019_2022: number;
  editions_depuis_2023: number;
  premiere_edition: string;
  derniere_edition: string;
  continuite: 'suivie' | 'ancienne_seulement' | 'nouvelle_seulement' | 'non_evaluee';
}

export function parseContinuite(r: Record<string, unknown>): ContinuiteRow {
  const c = s(r.continuite);
  return {
    titre_normalise: s(r.titre_normalise) ?? '',
    titre: s(r.titre) ?? '',
    niveau_collectivite: s(r.niveau_collectivite),
    editions_2019_2022: n(r.editions_2019_2022) ?? 0,
    editions_depuis_2023: n(r.editions_depuis_2023) ?? 0,
    premiere_edition: s(r.premiere_edition) ?? '',
    derniere_edition: s(r.derniere_edition) ?? '',
    continuite: c === 'suivie' || c === 'ancienne_seulement' || c === 'nouvelle_seulement' ? c : 'non_evaluee',
  };
}
