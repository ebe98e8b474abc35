// Observatoire de la qualité des démarches en ligne (DINUM), « Vos démarches numériques essentielles »: every edition.
import { decode, parseCsv, parseNumber, requireColumns } from '../csv.ts';
import { parisDate } from '../pull.ts';
import type { Column, Row } from '../warehouse.ts';
import type { FetchContext, PrepareContext, Prepared, Reject, Source } from './types.ts';
import {
  cleDemarche,
  evaluerCellule,
  evaluerChamp,
  nettoyerTitre,
  titreNormaliseObservatoire,
  vdeDefinitions,
  type ChampApi,
  type DefinitionsVde,
  type Evaluation,
  type IndicateurVde,
} from './vde-definitions.ts';
import { demarchesPartagees, niveauCollectivite, type RegleDemarchePartagee } from './vde-partagees.ts';
import { definitionsAnciennes, evaluerAncienneDemarche, METHODE_ACTUELLE, METHODE_ANCIENNE, slugDate, slugNom } from './vde-anciennes.ts';

export const VDE_BASE_URL = 'https://observatoire.numerique.gouv.fr';

/** The observatory's source table (Grist), one row per procedure of one edition. */
export const CSV_COLUMNS = [
  'Nom_Demarche',
  'Nom_Ministere',
  'Nom_Administration',
  'Nom_Administration_Centrale',
  'Volumetrie_En_Ligne',
  'Statut_En_ligne',
  'Note_Satisfaction',
  'Note_Clarte_Langage',
  'Aide_Joignable',
  'Aide_Efficace',
  'Niveau_Autonomie',
  'Dashlord_UpDown_Dispo',
  'Dashlord_UpDown_Tps_Moy_Chargement',
  'Taux_RGAA_Publie',
  'Score_DLNUF',
  'Recours_au_Numerique',
  'FranceConnect',
] as const;

const c = (name: string, type: Column['type']): Column => ({ name, type });

export const VDE_EDITIONS_COLUMNS: Column[] = [
  c('date_donnees', 'VARCHAR'),
  c('run_id', 'VARCHAR'),
  c('edition_id', 'VARCHAR'),
  c('nom', 'VARCHAR'),
  c('debut', 'VARCHAR'),
  c('fin', 'VARCHAR'),
  c('cree_le', 'VARCHAR'),
  c('version', 'VARCHAR'),
  c('nb_procedures', 'INTEGER'),
  // observatoire-2019 (old API, June 2019 – October 2022) or vde-2023: the 2022→2023 change of method is a series break.
  c('methode', 'VARCHAR'),
];

export const VDE_PROCEDURES_COLUMNS: Column[] = [
  c('date_donnees', 'VARCHAR'),
  c('run_id', 'VARCHAR'),
  c('edition_id', 'VARCHAR'),
  c('ligne', 'INTEGER'),
  c('procedure_id', 'VARCHAR'),
  c('titre', 'VARCHAR'),
  c('titre_normalise', 'VARCHAR'),
  c('titre_normalise_observatoire', 'VARCHAR'),
  c('ministere', 'VARCHAR'),
  c('administration', 'VARCHAR'),
  c('administration_centrale', 'VARCHAR'),
  c('volume', 'BIGINT'),
  c('lien', 'VARCHAR'),
  c('niveau_collectivite', 'VARCHAR'),
  c('motif_partage', 'VARCHAR'),
];

export const VDE_VALEURS_COLUMNS: Column[] = [
  c('date_donnees', 'VARCHAR'),
  c('run_id', 'VARCHAR'),
  c('edition_id', 'VARCHAR'),
  c('titre_normalise', 'VARCHAR'),
  c('indicateur', 'VARCHAR'),
  c('valeur_texte', 'VARCHAR'),
  c('valeur_nombre', 'DOUBLE'),
  c('unite', 'VARCHAR'),
  c('niveau', 'VARCHAR'),
  c('libelle', 'VARCHAR'),
  c('couleur', 'VARCHAR'),
  c('objectif_atteint', 'BOOLEAN'),
  c('statut_special', 'VARCHAR'),
];

interface EditionApi {
  id?: unknown;
  name?: unknown;
  start_date?: unknown;
  end_date?: unknown;
  created_at?: unknown;
  version?: unknown;
}

interface ProcedureApi {
  id?: unknown;
  title?: unknown;
  title_normalized?: unknown;
  ministere?: unknown;
  administration?: unknown;
  administration_central?: unknown;
  volume?: unknown;
  editionId?: unknown;
  edition?: unknown;
  fields?: unknown;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : null);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An API date (ISO instant, often midnight Paris stored in UTC) as the Europe/Paris calendar date. */
export function dateParis(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : parisDate(d);
}

/** Integer volume ≥ 0, or null when absent; a reason when it cannot be one. */
function volumeOf(v: unknown, what: string): { value: number | null; error?: string } {
  if (v === null || v === undefined || v === '') return { value: null };
  const n = typeof v === 'number' ? v : typeof v === 'string' ? parseNumber(v) : Number.NaN;
  if (n === null) return { value: null };
  if (Number.isNaN(n)) return { value: null, error: `${what} n'est pas un nombre : « ${String(v)} »` };
  if (n < 0) return { value: null, error: `${what} négatif : « ${String(v)} » (un nombre de démarches en ligne est positif ou nul)` };
  if (!Number.isInteger(n)) return { value: null, error: `${what} n'est pas un nombre entier : « ${String(v)} »` };
  return { value: n };
}

interface Builder {
  defs: DefinitionsVde;
  regles: RegleDemarchePartagee[];
  ctx: PrepareContext;
  procedures: Row[];
  valeurs: Row[];
  rejects: Reject[];
}

function pushProcedure(b: Builder, edition: { id: string; date: string }, p: Omit<Row, 'date_donnees' | 'run_id' | 'edition_id' | 'niveau_collectivite' | 'motif_partage'> & { titre_normalise: string }, valeurs: { slug: string; e: Evaluation; unite: string | null }[]): void {
  const shared = niveauCollectivite(p.titre_normalise, b.regles);
  b.procedures.push({ date_donnees: edition.date, run_id: b.ctx.runId, edition_id: edition.id, ...p, niveau_collectivite: shared?.niveau ?? null, motif_partage: shared?.motif ?? null });
  for (const { slug, e, unite } of valeurs) {
    b.valeurs.push({ date_donnees: edition.date, run_id: b.ctx.runId, edition_id: edition.id, titre_normalise: p.titre_normalise, indicateur: slug, unite, ...e });
  }
}

// ---------------------------------------------------------------------------------------------
// (a) the assembled JSON {editions, procedures}; (c) one /api/procedures response (an array)

/** Rates are published in percent by recent editions and in fractions by older ones: decided per edition and indicator. */
function ratesScale(procedures: ProcedureApi[], defs: DefinitionsVde): Map<string, 'pourcent' | 'fraction'> {
  const taux = new Set(defs.indicateurs.filter((i) => i.mesure === 'taux').map((i) => i.slug));
  const scale = new Map<string, 'pourcent' | 'fraction'>();
  for (const p of procedures) {
    if (!isObject(p) || !Array.isArray(p.fields)) continue;
    for (const f of p.fields as ChampApi[]) {
      if (!isObject(f) || typeof f.slug !== 'string' || !taux.has(f.slug)) continue;
      const key = `${String(p.editionId)}|${f.slug}`;
      const n = typeof f.value === 'string' || typeof f.value === 'number' ? parseNumber(String(f.value)) : null;
      if (n !== null && !Number.isNaN(n) && n > 1) scale.set(key, 'pourcent');
      else if (!scale.has(key)) scale.set(key, 'fraction');
    }
  }
  return scale;
}

function prepareJson(doc: unknown, ctx: PrepareContext, what: string): Prepared {
  const defs = vdeDefinitions();
  const b: Builder = { defs, regles: demarchesPartagees(), ctx, procedures: [], valeurs: [], rejects: [] };
  const notes: string[] = [];
  let editionsApi: EditionApi[];
  let proceduresApi: unknown[];
  let anciennes: unknown[] = [];
  let anciennesEditions: unknown[] = [];
  if (Array.isArray(doc) && doc.some((p) => isObject(p) && 'xwiki_edition' in p)) {
    // One /api/old-procedures response: the editions are named by the procedures' slugs.
    editionsApi = [];
    proceduresApi = [];
    anciennes = doc;
  } else if (Array.isArray(doc)) {
    // One /api/procedures response: its edition is embedded in each procedure (or unknown: the context's date).
    proceduresApi = doc;
    const ids = [...new Set(doc.filter(isObject).map((p) => text(p.editionId)).filter((id): id is string => id !== null))];
    if (ids.length > 1) throw new Error(`${what} : la liste de démarches mêle ${ids.length} éditions (${ids.join(', ')}) ; attendu une seule réponse de /api/procedures, ou le document assemblé {"editions": [...], "procedures": [...]}.`);
    const embedded = doc.filter(isObject).map((p) => p.edition).find(isObject) as EditionApi | undefined;
    const id = ids[0] ?? `fichier-${ctx.dataDate}`;
    editionsApi = [embedded && text(embedded.id) === id ? embedded : { id, name: null, start_date: null, end_date: ctx.dataDate }];
    notes.push(`réponse unique de /api/procedures : édition ${id}${embedded ? '' : ` datée du ${ctx.dataDate} (--date)`}.`);
  } else if (isObject(doc) && Array.isArray(doc.editions) && Array.isArray(doc.procedures)) {
    editionsApi = doc.editions as EditionApi[];
    proceduresApi = doc.procedures;
    if (doc.old_procedures !== undefined && !Array.isArray(doc.old_procedures)) throw new Error(`${what} : « old_procedures » n'est pas une liste (attendu : les réponses de /api/old-procedures, une démarche par élément).`);
    anciennes = (doc.old_procedures as unknown[] | undefined) ?? [];
    anciennesEditions = Array.isArray(doc.old_editions) ? doc.old_editions : [];
  } else {
    const found = isObject(doc) ? `un objet avec les clés ${Object.keys(doc).map((k) => `« ${k} »`).join(', ') || '(aucune)'}` : `une valeur de type ${typeof doc}`;
    throw new Error(`${what} : attendu le document assemblé {"editions": [...], "procedures": [...], "old_procedures": [...]} ou une réponse de /api/procedures ou de /api/old-procedures (une liste) ; reçu ${found}.`);
  }

  const editions = new Map<string, { id: string; date: string; row: Row }>();
  const unusable = new Map<string, string>();
  editionsApi.forEach((e, i) => {
    const id = isObject(e) ? text(e.id) : null;
    if (!id) {
      notes.push(`édition n°${i + 1} sans identifiant : ignorée.`);
      return;
    }
    if (editions.has(id) || unusable.has(id)) {
      notes.push(`édition ${id} listée deux fois : la première est gardée.`);
      return;
    }
    const fin = dateParis(e.end_date);
    if (!fin) {
      unusable.set(id, `l'édition « ${text(e.name) ?? id} » n'a pas de date de fin lisible (end_date « ${String(e.end_date)} »)`);
      return;
    }
    editions.set(id, {
      id,
      date: fin,
      row: { date_donnees: fin, run_id: ctx.runId, edition_id: id, nom: text(e.name), debut: dateParis(e.start_date), fin, cree_le: text(e.created_at), version: text(e.version), nb_procedures: 0, methode: METHODE_ACTUELLE },
    });
  });

  const scale = ratesScale(proceduresApi as ProcedureApi[], defs);
  const fractionEditions = new Set([...scale].filter(([, s]) => s === 'fraction').map(([k]) => k.split('|')[0]!));
  for (const id of fractionEditions) if (editions.has(id)) notes.push(`édition ${id} : taux publiés en fractions (0–1) et non en pourcentage.`);

  const seen = new Map<string, number>();
  let divergences = 0;
  const unknown = new Map<string, number>();
  proceduresApi.forEach((raw, i) => {
    const ligne = i + 1;
    const p = raw as ProcedureApi;
    const reject = (motif: string, identifiant: string | null = null) => b.rejects.push({ ligne, identifiant, motif });
    if (!isObject(p)) return reject(`l'élément n°${ligne} de « procedures » n'est pas un objet démarche`);
    const title = nettoyerTitre(text(p.title) ?? text(p.title_normalized) ?? '');
    const ident = text(p.id) ?? (title || null);
    const editionId = text(p.editionId);
    if (!editionId) return reject("démarche sans édition (editionId vide) : l'API la renvoie avec chaque édition, elle n'est rattachée à aucune", ident);
    if (unusable.has(editionId)) return reject(unusable.get(editionId)!, ident);
    const edition = editions.get(editionId);
    if (!edition) return reject(`édition « ${editionId} » absente de la liste des éditions`, ident);
    if (title === '') return reject('démarche sans titre', ident);
    const key = cleDemarche(title);
    const dup = seen.get(`${editionId}|${key}`);
    if (dup !== undefined) return reject(`doublon : même démarche que l'élément n°${dup} de l'édition « ${edition.row.nom ?? editionId} » (« ${key} »)`, ident);
    const volume = volumeOf(p.volume, 'volume');
    if (volume.error) return reject(volume.error, ident);
    if (p.fields !== undefined && p.fields !== null && !Array.isArray(p.fields)) return reject('« fields » n’est pas une liste d’indicateurs', ident);

    const valeurs: { slug: string; e: Evaluation; unite: string | null }[] = [];
    const errors: string[] = [];
    let lien: string | null = null;
    const slugs = new Set<string>();
    for (const f of (p.fields ?? []) as ChampApi[]) {
      if (!isObject(f) || typeof f.slug !== 'string' || f.slug === '') {
        errors.push('indicateur sans « slug »');
        continue;
      }
      if (slugs.has(f.slug)) continue; // the observatory shows the first one
      slugs.add(f.slug);
      const ind = defs.indicateurs.find((x) => x.slug === f.slug);
      if (!ind) {
        unknown.set(f.slug, (unknown.get(f.slug) ?? 0) + 1);
        const label = text(f.label);
        valeurs.push({ slug: f.slug, unite: null, e: { valeur_texte: text(f.value) ?? label, valeur_nombre: null, niveau: label, libelle: label, couleur: text(f.color), objectif_atteint: typeof f.goalReached === 'boolean' ? f.goalReached : null, statut_special: null } });
        continue;
      }
      if (ind.slug === 'online' && typeof f.value === 'string' && /^https?:\/\//i.test(f.value)) lien = f.value;
      const r = evaluerChamp(ind, f, scale.get(`${editionId}|${ind.slug}`) ?? 'pourcent', defs);
      if ('erreur' in r) {
        errors.push(`${ind.slug} : ${r.erreur}`);
        continue;
      }
      if (r.divergence) divergences++;
      if (r.inconnu) unknown.set(`${ind.slug} « ${r.ok.libelle} »`, (unknown.get(`${ind.slug} « ${r.ok.libelle} »`) ?? 0) + 1);
      valeurs.push({ slug: ind.slug, e: r.ok, unite: ind.unite });
    }
    if (errors.length > 0) return reject(errors.join(' ; '), ident);
    seen.set(`${editionId}|${key}`, ligne);
    edition.row.nb_procedures = (edition.row.nb_procedures as number) + 1;
    pushProcedure(
      b,
      edition,
      {
        ligne,
        procedure_id: text(p.id),
        titre: title,
        titre_normalise: key,
        titre_normalise_observatoire: text(p.title_normalized) ?? titreNormaliseObservatoire(title),
        ministere: text(p.ministere),
        administration: text(p.administration),
        administration_centrale: text(p.administration_central),
        volume: volume.value,
        lien,
      },
      valeurs,
    );
  });
  if (divergences > 0) notes.push(`${divergences} valeurs dont la couleur publiée diffère du niveau recalculé d'après les seuils : la couleur publiée est gardée.`);
  for (const [what, n] of unknown) notes.push(`${n} valeurs d'indicateur inconnu (${what}) gardées telles que publiées.`);
  const old = prepareAnciennes(b, anciennes, anciennesEditions, proceduresApi.length, notes);
  const loaded = [...editions.values(), ...old];
  const dataDate = loaded.length > 0 ? loaded.map((e) => e.date).sort().at(-1)! : ctx.dataDate;
  return {
    tables: { vde_editions: loaded.map((e) => e.row), vde_procedures: b.procedures, vde_valeurs: b.valeurs },
    rejects: b.rejects,
    rowsIn: proceduresApi.length + anciennes.length,
    rowsLoaded: b.procedures.length,
    dataDate,
    notes: [`${loaded.length} éditions (dont ${old.length} de 2019–2022), ${b.procedures.length} démarches, ${b.valeurs.length} valeurs d'indicateurs.`, ...notes],
  };
}

// ---------------------------------------------------------------------------------------------
// The editions of 2019–2022 (old API): one OldProcedure per procedure and edition (`xwiki_edition`)

interface OldProcedureApi {
  id?: unknown;
  xwiki_id?: unknown;
  xwiki_edition?: unknown;
  title?: unknown;
  ministere?: unknown;
  direction?: unknown;
  volumetrie_value?: unknown;
  urlDemarche?: unknown;
}

/**
 * Loads the old procedures after the current ones (their line numbers follow), into the same tables: today's
 * indicators where the definition is the same, the old series otherwise (vde-anciennes.ts). Returns the editions.
 */
function prepareAnciennes(b: Builder, anciennes: unknown[], listees: unknown[], offset: number, notes: string[]): { id: string; date: string; row: Row }[] {
  if (anciennes.length === 0) return [];
  const defs = definitionsAnciennes();
  const noms = new Map<string, string>();
  for (const e of [...listees, ...defs.editions]) if (isObject(e) && text(e.slug) && text(e.display) && !noms.has(text(e.slug)!)) noms.set(text(e.slug)!, text(e.display)!);
  const editions = new Map<string, { id: string; date: string; row: Row }>();
  const seen = new Map<string, number>();
  anciennes.forEach((raw, i) => {
    const ligne = offset + i + 1;
    const p = raw as OldProcedureApi;
    const reject = (motif: string, identifiant: string | null = null) => b.rejects.push({ ligne, identifiant, motif });
    if (!isObject(p)) return reject(`l'élément n°${i + 1} de « old_procedures » n'est pas un objet démarche`);
    const title = nettoyerTitre(text(p.title) ?? '');
    const ident = text(p.xwiki_id) ?? text(p.id) ?? (title || null);
    const slug = text(p.xwiki_edition);
    if (!slug) return reject('ancienne démarche sans édition (xwiki_edition vide)', ident);
    const date = slugDate(slug);
    if (!date) return reject(`édition « ${slug} » illisible (attendu : AAAA-mois, par exemple 2019-juin)`, ident);
    if (title === '') return reject('démarche sans titre', ident);
    let edition = editions.get(slug);
    if (!edition) {
      edition = { id: slug, date, row: { date_donnees: date, run_id: b.ctx.runId, edition_id: slug, nom: noms.get(slug) ?? slugNom(slug), debut: null, fin: date, cree_le: null, version: null, nb_procedures: 0, methode: METHODE_ANCIENNE } };
      editions.set(slug, edition);
    }
    const key = cleDemarche(title);
    const dup = seen.get(`${slug}|${key}`);
    if (dup !== undefined) return reject(`doublon : même démarche que l'élément n°${dup} de l'édition « ${edition.row.nom} » (« ${key} »)`, ident);
    const volume = volumeOf(p.volumetrie_value, 'volumetrie_value');
    if (volume.error) return reject(volume.error, ident);
    const { valeurs, erreurs } = evaluerAncienneDemarche(p as Record<string, unknown>, defs, b.defs);
    if (erreurs.length > 0) return reject(erreurs.join(' ; '), ident);
    seen.set(`${slug}|${key}`, i + 1);
    edition.row.nb_procedures = (edition.row.nb_procedures as number) + 1;
    const lien = text(p.urlDemarche);
    pushProcedure(
      b,
      edition,
      {
        ligne,
        procedure_id: text(p.xwiki_id) ?? text(p.id),
        titre: title,
        titre_normalise: key,
        titre_normalise_observatoire: titreNormaliseObservatoire(title),
        ministere: text(p.ministere),
        administration: text(p.direction),
        administration_centrale: null,
        volume: volume.value,
        lien: lien && /^https?:\/\//i.test(lien) ? lien : null,
      },
      valeurs,
    );
  });
  const list = [...editions.values()].sort((a, z) => a.date.localeCompare(z.date));
  if (list.length > 0) notes.push(`anciennes éditions (2019–2022, méthode ${METHODE_ANCIENNE}) : ${list.map((e) => `${e.row.nom} (${e.row.nb_procedures} démarches)`).join(', ')} ; leur volume est le volume total publié, en ligne et hors ligne.`);
  return list;
}

// ---------------------------------------------------------------------------------------------
// (b) the observatory's source table as CSV: one edition, dated by the context (--date)

function prepareCsv(bytes: Uint8Array, ctx: PrepareContext, what: string): Prepared {
  const defs = vdeDefinitions();
  const table = parseCsv(bytes, { what });
  requireColumns(table, CSV_COLUMNS, what);
  const b: Builder = { defs, regles: demarchesPartagees(), ctx, procedures: [], valeurs: [], rejects: [] };
  for (const m of table.malformed) b.rejects.push({ ligne: m.line, identifiant: m.raw[0] ?? null, motif: `ligne mal formée : ${m.reason}` });
  const edition = { id: `csv-${ctx.dataDate}`, date: ctx.dataDate };
  const seen = new Map<string, number>();
  for (const { line, values: v } of table.rows) {
    const title = nettoyerTitre(v.Nom_Demarche ?? '');
    const reject = (motif: string) => b.rejects.push({ ligne: line, identifiant: title || null, motif });
    if (title === '') {
      reject('Nom_Demarche vide : démarche sans titre');
      continue;
    }
    const key = cleDemarche(title);
    const dup = seen.get(key);
    if (dup !== undefined) {
      reject(`doublon : même démarche que la ligne ${dup} (« ${key} »)`);
      continue;
    }
    const errors: string[] = [];
    const volume = volumeOf(v.Volumetrie_En_Ligne, 'Volumetrie_En_Ligne');
    if (volume.error) errors.push(volume.error);
    const valeurs: { slug: string; e: Evaluation; unite: string | null }[] = [];
    for (const ind of defs.indicateurs as IndicateurVde[]) {
      const r = evaluerCellule(ind, v[ind.colonne_csv], defs);
      if ('erreur' in r) errors.push(`${ind.colonne_csv} : ${r.erreur}`);
      else valeurs.push({ slug: ind.slug, e: r.ok, unite: ind.unite });
    }
    if (errors.length > 0) {
      reject(errors.join(' ; '));
      continue;
    }
    seen.set(key, line);
    pushProcedure(
      b,
      edition,
      {
        ligne: line,
        procedure_id: null,
        titre: title,
        titre_normalise: key,
        titre_normalise_observatoire: titreNormaliseObservatoire(title),
        ministere: v.Nom_Ministere?.trim() || null,
        administration: v.Nom_Administration?.trim() || null,
        administration_centrale: v.Nom_Administration_Centrale?.trim() || null,
        volume: volume.value,
        lien: null,
      },
      valeurs,
    );
  }
  const editionRow: Row = { date_donnees: edition.date, run_id: ctx.runId, edition_id: edition.id, nom: null, debut: null, fin: edition.date, cree_le: null, version: null, nb_procedures: b.procedures.length, methode: METHODE_ACTUELLE };
  return {
    tables: { vde_editions: [editionRow], vde_procedures: b.procedures, vde_valeurs: b.valeurs },
    rejects: b.rejects,
    rowsIn: table.rows.length + table.malformed.length,
    rowsLoaded: b.procedures.length,
    dataDate: ctx.dataDate,
    notes: [`table source en CSV : une édition datée du ${ctx.dataDate} (${edition.id}), ${b.procedures.length} démarches.`],
  };
}

/** Detects the format from the bytes: JSON (assembled document or one API response) or the CSV source table. */
export function prepareVde(bytes: Uint8Array, ctx: PrepareContext): Prepared {
  const what = `vde (${ctx.origin})`;
  if (bytes.length === 0) throw new Error(`${what} : le fichier est vide.`);
  const { text: content } = decode(bytes);
  const first = content.trimStart()[0];
  if (first === '{' || first === '[') {
    let doc: unknown;
    try {
      doc = JSON.parse(content);
    } catch (error) {
      throw new Error(
        `${what} : JSON illisible (${(error as Error).message}). Le fichier semble tronqué ou mal formé ; attendu le document assemblé {"editions": [...], "procedures": [...]} ou une réponse de /api/procedures.`,
      );
    }
    return prepareJson(doc, ctx, what);
  }
  return prepareCsv(bytes, ctx, what);
}

// ---------------------------------------------------------------------------------------------
// Live connector

/** The base of the API from the configured URL: the site (`https://…`) or its editions endpoint (`…/api/editions`). */
export function apiBase(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/api\/editions$/, '');
}

async function getJson(ctx: FetchContext, url: string): Promise<{ json: unknown; res: Awaited<ReturnType<FetchContext['fetch']>> }> {
  // Never conditional: an unchanged list of editions does not mean unchanged procedures (published editions get corrected).
  const res = await ctx.fetch(url, { accept: ['application/json'], etag: null, lastModified: null });
  try {
    return { json: JSON.parse(new TextDecoder().decode(res.body)), res };
  } catch (error) {
    throw new Error(`vde : ${url} n'a pas renvoyé du JSON lisible (${(error as Error).message}).`);
  }
}

/** Downloads the editions, then each edition's procedures, and assembles them into one JSON document (the raw file archived). */
async function fetchLive(ctx: FetchContext) {
  const base = apiBase(ctx.url);
  const { json: editions, res } = await getJson(ctx, `${base}/api/editions`);
  if (!Array.isArray(editions)) throw new Error(`vde : ${base}/api/editions n'a pas renvoyé une liste d'éditions (reçu : ${isObject(editions) ? 'un objet' : typeof editions}).`);
  const procedures: unknown[] = [];
  for (const e of editions) {
    const id = isObject(e) ? text(e.id) : null;
    if (!id) continue;
    const url = `${base}/api/procedures?editionId=${encodeURIComponent(id)}`;
    const { json } = await getJson(ctx, url);
    if (!Array.isArray(json)) throw new Error(`vde : ${url} n'a pas renvoyé une liste de démarches.`);
    procedures.push(...json);
  }
  // The editions of 2019–2022 live behind another endpoint, one request per edition slug of the old site.
  const oldEditions = definitionsAnciennes().editions;
  const oldProcedures: unknown[] = [];
  for (const e of oldEditions) {
    const url = `${base}/api/old-procedures?xwiki_edition=${encodeURIComponent(e.slug)}`;
    const { json } = await getJson(ctx, url);
    if (!Array.isArray(json)) throw new Error(`vde : ${url} n'a pas renvoyé une liste de démarches.`);
    oldProcedures.push(...json);
  }
  ctx.log(`vde : ${editions.length} éditions, ${procedures.length} démarches ; ${oldEditions.length} anciennes éditions, ${oldProcedures.length} démarches téléchargées.`);
  const body = new TextEncoder().encode(JSON.stringify({ editions, procedures, old_editions: oldEditions, old_procedures: oldProcedures }));
  return { ...res, body, contentType: 'application/json', notModified: false };
}

export const vde: Source = {
  id: 'vde',
  title: 'Observatoire de la qualité des démarches en ligne (« Vos démarches numériques essentielles »)',
  producer: 'DINUM (direction interministérielle du numérique)',
  licence: 'Licence Ouverte 2.0 (Etalab)',
  licenceUrl: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/',
  homepage: 'https://observatoire.numerique.gouv.fr/observatoire',
  url: `${VDE_BASE_URL}/api/editions`,
  // Quarterly editions, corrected now and then: monthly is enough, and each pull archives the whole history (a few MB).
  schedule: '0 7 2 * *',
  keeps:
    "Chaque édition publiée depuis juin 2019 (historique complet ; celles de 2019–2022 par l'ancienne API, /api/old-procedures) : ses démarches (titre, clé d'identité entre éditions, ministère, administration, volume, niveau de collectivité associé) et, pour chacune, la valeur des 12 indicateurs avec son niveau, sa couleur, l'atteinte de l'objectif ou son statut particulier (« À venir », « Non applicable », « Nombre d'avis insuffisant »…) ; pour 2019–2022, les 6 indicateurs d'aujourd'hui de même définition et 4 séries propres, chaque édition avec sa méthode (rupture de série en 2023).",
  fixture: 'test/fixtures/vde/observatoire.json',
  fixtureDate: '2024-03-31',
  extension: 'json',
  tables: [
    { name: 'vde_editions', columns: VDE_EDITIONS_COLUMNS, mode: 'snapshot' },
    { name: 'vde_procedures', columns: VDE_PROCEDURES_COLUMNS, mode: 'snapshot' },
    { name: 'vde_valeurs', columns: VDE_VALEURS_COLUMNS, mode: 'snapshot' },
  ],
  fetchLive,
  prepare(bytes, ctx) {
    return prepareVde(bytes, ctx);
  },
};
