// Observatoire de la qualité des démarches en ligne (DINUM), « Vos démarches numériques essentielles »: every edition.
import { decode } from '../base/csv.ts';
import type { Column } from '../base/warehouse.ts';
import type { FetchContext, PrepareContext, Prepared, Source } from './types.ts';
import { definitionsAnciennes } from './vde-anciennes.ts';
import { prepareCsv } from './vde-csv.ts';
import { prepareJson } from './vde-json.ts';
import { isObject, text } from './vde-rows.ts';

export const VDE_BASE_URL = 'https://observatoire.numerique.gouv.fr';

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

/** The part of a vde load that carries several editions (the live history), against one edition alone. */
const VDE_HISTORIQUE = 'plusieurs éditions';

export const vde: Source = {
  id: 'vde',
  role: 'observatoire-demarches',
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
  // The live pull brings every edition since 2019 (about 250 of the State's procedures each); the observatory's source
  // table (CSV, --from) or one /api/procedures answer brings one edition: each is compared with the previous load of
  // its kind. No collectivité is matched (the State's procedures).
  volume: {
    minimum: (parts) => ({ rows: parts.includes(VDE_HISTORIQUE) ? 1_000 : 100 }),
    compareBy: 'partition',
    partsSql: (staged) => `SELECT CASE WHEN count(DISTINCT edition_id) > 1 THEN '${VDE_HISTORIQUE}' ELSE 'une édition' END AS p FROM ${staged('vde_editions')}`,
  },
  fetchLive,
  prepare(bytes, ctx) {
    return prepareVde(bytes, ctx);
  },
};
