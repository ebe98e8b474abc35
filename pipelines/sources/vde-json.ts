// The observatory's JSON (vde.ts): the assembled document {editions, procedures, old_procedures}, one /api/procedures
// response, one /api/old-procedures response (the editions of 2019–2022).
import { parseNumber } from '../base/csv.ts';
import { parisDate } from '../base/dates.ts';
import type { Row } from '../base/warehouse.ts';
import type { PrepareContext, Prepared } from './types.ts';
import {
  cleDemarche,
  evaluerChamp,
  nettoyerTitre,
  titreNormaliseObservatoire,
  vdeDefinitions,
  type ChampApi,
  type DefinitionsVde,
  type Evaluation,
} from './vde-definitions.ts';
import { demarchesPartagees } from './vde-partagees.ts';
import { definitionsAnciennes, evaluerAncienneDemarche, METHODE_ACTUELLE, METHODE_ANCIENNE, slugDate, slugNom } from './vde-anciennes.ts';
import { isObject, pushProcedure, text, volumeOf, type Builder } from './vde-rows.ts';

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

/** An API date (ISO instant, often midnight Paris stored in UTC) as the Europe/Paris calendar date. */
export function dateParis(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : parisDate(d);
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

export function prepareJson(doc: unknown, ctx: PrepareContext, what: string): Prepared {
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
