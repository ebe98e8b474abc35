// The source `sites`: the web observatory's visits of every collectivité's declared website. Its raw file is the
// crawl itself (JSON lines, one visit per line, written by brut.ts as the crawl goes); DuckDB reads it, one row per
// visit and check, matched to the collectivité by SIREN. A visit is history: a load replaces only the visits it
// carries (same SIREN, same time of visit), so that every site's visits accumulate pull after pull.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../base/files.ts';
import { acquireLock } from '../../base/lock.ts';
import type { HttpResult } from '../../base/http.ts';
import { countRows, createRejects } from '../../base/staging.ts';
import { quotedIdentifier, quotedString, type Column, type Row } from '../../base/warehouse.ts';
import type { FetchContext, Source, Staged, StageContext } from '../types.ts';
import { crawlerVersFichier, ligneDeProgression, lireListe, sirensExclus, visitesDuFichier, type SiteAVisiter } from './brut.ts';
import { CONTROLES, lireServices } from './controles.ts';
import { crawlSettings, Visiteur } from './visite.ts';

const q = quotedIdentifier;

export const SITES_TABLE = 'sites_visites';

export const SITES_COLUMNS: Column[] = [
  { name: 'run_id', type: 'VARCHAR' },
  /** The day of the visit (YYYY-MM-DD, Europe/Paris): the semester a visit counts in. */
  { name: 'date_donnees', type: 'VARCHAR' },
  { name: 'ligne', type: 'INTEGER' },
  { name: 'siren', type: 'VARCHAR' },
  { name: 'code', type: 'VARCHAR' },
  { name: 'type_collectivite', type: 'VARCHAR' },
  { name: 'url', type: 'VARCHAR' },
  { name: 'url_finale', type: 'VARCHAR' },
  /** The instant of the visit (ISO 8601, UTC). */
  { name: 'date_visite', type: 'VARCHAR' },
  { name: 'statut_http', type: 'INTEGER' },
  { name: 'autre_domaine', type: 'BOOLEAN' },
  { name: 'pages_lues', type: 'INTEGER' },
  { name: 'controle', type: 'VARCHAR' },
  /** oui, non, inconnu (with its motif) or mesure (poids-accueil, temps-reponse). */
  { name: 'resultat', type: 'VARCHAR' },
  { name: 'valeur_texte', type: 'VARCHAR' },
  { name: 'valeur_nombre', type: 'DOUBLE' },
  { name: 'unite', type: 'VARCHAR' },
  { name: 'preuve', type: 'VARCHAR' },
  { name: 'extrait', type: 'VARCHAR' },
  { name: 'motif', type: 'VARCHAR' },
];

/** The list a live pull visits: the sites declared in the latest snapshot of `presence-numerique`, least recently visited first. */
export function listeSql(exclus: readonly string[], dejaVisites: boolean): string {
  return `
    WITH declares AS (
      SELECT siren, any_value(site_internet) AS url
      FROM presence_numerique
      WHERE date_donnees = (SELECT max(date_donnees) FROM presence_numerique) AND site_internet IS NOT NULL AND siren IS NOT NULL
      GROUP BY siren
    ),
    vues AS (${dejaVisites ? `SELECT siren, max(date_visite) AS derniere FROM ${q(SITES_TABLE)} GROUP BY siren` : 'SELECT NULL::VARCHAR AS siren, NULL::VARCHAR AS derniere WHERE false'})
    SELECT d.siren, d.url FROM declares d LEFT JOIN vues v USING (siren)
    WHERE d.siren NOT IN (${exclus.length ? exclus.map(quotedString).join(', ') : "''"})
    ORDER BY v.derniere NULLS FIRST, d.siren`;
}

/** What an unfinished crawl keeps beside its raw file, so that a restart visits only what was left. */
interface CollecteEnCours {
  debut: string;
  origine: string;
  sites: SiteAVisiter[];
}

/**
 * The live pull: the list (the declared sites, least recently visited first, a slice unless `--all`; or `--urls`),
 * then the crawl into `data/raw/sites/.en-cours.jsonl` with the warehouse closed, then that file handed to the pull,
 * which archives and loads it. A crawl interrupted (killed, machine stopped) is resumed by the next live pull: same
 * list, same date of visit, the sites already in the file not visited again.
 */
async function collecter(ctx: FetchContext): Promise<HttpResult> {
  const dossier = dirname(ctx.downloadPath);
  mkdirSync(dossier, { recursive: true });
  // One crawl at a time: the warehouse is closed while it runs, so only this lock keeps a second pull from resuming
  // the same unfinished crawl beside it. Its heartbeat says the crawl is alive; a crashed one's lock is taken over.
  const verrou = acquireLock(join(dossier, '.collecte.lock'), { purpose: 'collecte des sites (barometre pull sites)', onTakeOver: (raison) => ctx.log(`sites : verrou d'une collecte abandonnée repris (${raison}).`) });
  const battement = setInterval(() => verrou.heartbeat(), 60_000);
  battement.unref();
  try {
    return await collecterSousVerrou(ctx, dossier);
  } finally {
    clearInterval(battement);
    verrou.release();
  }
}

async function collecterSousVerrou(ctx: FetchContext, dossier: string): Promise<HttpResult> {
  const fichier = join(dossier, '.en-cours.jsonl');
  const etat = join(dossier, '.en-cours.json');
  let collecte: CollecteEnCours;
  if (existsSync(etat)) {
    collecte = JSON.parse(readFileSync(etat, 'utf8')) as CollecteEnCours;
    ctx.log(`sites : reprise de la collecte commencée le ${collecte.debut} (${collecte.origine}) : ${visitesDuFichier(fichier).length} sites déjà visités sur ${collecte.sites.length}.`);
    if (ctx.crawl?.all || ctx.crawl?.urls) ctx.log('sites : --all et --urls ne changent pas une collecte reprise ; elle finit sa liste.');
  } else {
    const exclus = sirensExclus();
    let liste: SiteAVisiter[];
    let origine: string;
    if (ctx.crawl?.urls) {
      const { sites: lus, refus } = lireListe(readFileSync(ctx.crawl.urls, 'utf8'), ctx.crawl.urls);
      for (const r of refus) ctx.log(`sites : ${ctx.crawl.urls}, ligne ${r.ligne} ignorée : ${r.motif}.`);
      liste = lus.filter((x) => !exclus.has(x.siren));
      origine = `liste ${ctx.crawl.urls}`;
    } else {
      if (!ctx.lire) throw new Error("sites : la collecte lit la liste des sites dans l'entrepôt, qui n'est pas ouvert ici.");
      const tables = new Set((await ctx.lire<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'main'`)).map((r) => r.t));
      if (!tables.has('presence_numerique')) throw new Error("sites : aucune liste de sites à visiter ; chargez d'abord presence-numerique (les sites déclarés), donnez une liste avec --urls, ou un fichier de visites avec --from.");
      const tous = (await ctx.lire<SiteAVisiter & Row>(listeSql([...exclus], tables.has(SITES_TABLE)))).map((r) => ({ siren: r.siren, url: r.url }));
      liste = ctx.crawl?.all ? tous : tous.slice(0, ctx.config.crawl.slice);
      origine = ctx.crawl?.all ? 'tous les sites déclarés' : `les ${liste.length} sites déclarés visités le moins récemment`;
    }
    if (liste.length === 0) throw new Error(`sites : aucun site à visiter (${origine}).`);
    collecte = { debut: new Date().toISOString(), origine, sites: liste };
    writeFileSync(fichier, '');
    writeFileAtomic(etat, JSON.stringify(collecte));
    ctx.log(`sites : ${liste.length} sites à visiter (${origine}).`);
  }
  // The volume guard compares the load with this list (the planned slice), never with the previous pass.
  ctx.plan?.(collecte.sites.length);
  // The crawl, warehouse closed: other commands may read it meanwhile.
  await (ctx.sansEntrepot ?? ((fn) => fn()))(async () => {
    const visiteur = new Visiteur(crawlSettings(ctx.config));
    let dernier = 0;
    try {
      await crawlerVersFichier(visiteur, collecte.sites, fichier, {
        services: lireServices(),
        progression: (p) => {
          if (p.faits - dernier >= 25 || p.faits === p.total) {
            dernier = p.faits;
            ctx.log(`sites : ${ligneDeProgression(p)}`);
          }
        },
      });
    } finally {
      await visiteur.close();
    }
  });
  renameSync(fichier, ctx.downloadPath);
  rmSync(etat, { force: true });
  return { status: 200, notModified: false, body: new Uint8Array(), file: ctx.downloadPath, url: ctx.url, contentType: 'application/x-ndjson', etag: null, lastModified: null };
}

export async function stageSites(ctx: StageContext): Promise<Staged> {
  const w = ctx.w;
  const rejects = ctx.scratchTable('rejets');
  await createRejects(w, rejects);
  // Each line as text (no quoting, a separator that JSON never holds unescaped), then judged line by line: a line that
  // is not a visit is rejected with why, never the whole file.
  const lignes = ctx.scratchTable('lignes');
  await w.run(
    `CREATE TABLE ${q(lignes)} AS
     SELECT (row_number() OVER ())::INTEGER AS ligne, texte
     FROM read_csv(${quotedString(ctx.rawPath)}, columns = {'texte': 'VARCHAR'}, delim = '\\x1f', quote = '', escape = '', header = false, auto_detect = false, strict_mode = false)
     WHERE trim(coalesce(texte, '')) <> ''`,
  );
  const rowsIn = await countRows(w, lignes);
  const visites = ctx.scratchTable('visites');
  await w.run(
    `CREATE TABLE ${q(visites)} AS
     WITH l AS (SELECT ligne, texte, json_valid(texte) AS valide FROM ${q(lignes)}),
     v AS (
       SELECT ligne, valide,
              CASE WHEN valide THEN texte::JSON END AS j
       FROM l
     ),
     x AS (
       SELECT ligne, valide, j,
              j ->> '$.siren' AS siren, j ->> '$.url' AS url, j ->> '$.url_finale' AS url_finale, j ->> '$.date_visite' AS date_visite,
              TRY_CAST(j ->> '$.statut_http' AS INTEGER) AS statut_http, TRY_CAST(j ->> '$.autre_domaine' AS BOOLEAN) AS autre_domaine,
              TRY_CAST(j ->> '$.pages_lues' AS INTEGER) AS pages_lues, json_type(j, '$.controles') AS type_controles
       FROM v
     )
     SELECT x.*, s.code, s.type_collectivite,
            TRY_CAST(x.date_visite AS TIMESTAMPTZ) AS instant,
            CASE
              WHEN NOT x.valide THEN 'ligne illisible (un objet JSON par ligne attendu : la visite d''un site)'
              WHEN x.siren IS NULL OR NOT regexp_full_match(x.siren, '\\d{9}') THEN 'SIREN invalide « ' || coalesce(x.siren, '') || ' »'
              WHEN TRY_CAST(x.date_visite AS TIMESTAMPTZ) IS NULL THEN 'date de visite invalide « ' || coalesce(x.date_visite, '') || ' » (date ISO 8601 attendue)'
              WHEN coalesce(x.type_controles, '') <> 'OBJECT' THEN 'visite sans ses contrôles (champ controles absent)'
              WHEN s.code IS NULL THEN 'SIREN ' || x.siren || ' introuvable au référentiel des collectivités'
            END AS motif,
            row_number() OVER (PARTITION BY x.siren, x.date_visite ORDER BY x.ligne) AS rang,
            min(x.ligne) OVER (PARTITION BY x.siren, x.date_visite) AS premiere
     FROM x LEFT JOIN ref_siren s ON s.siren = x.siren`,
  );
  await w.run(`UPDATE ${q(visites)} SET motif = 'doublon : même visite (SIREN et date) que la ligne ' || premiere WHERE motif IS NULL AND rang > 1`);
  // Results outside the four words: the visit is rejected (a crawler of another version would be read wrongly).
  const controles = CONTROLES.map((c) => quotedString(c)).join(', ');
  /** A field of a check's result in the visit `v`, for the check `c.controle` (SQL). */
  const champ = (nom: string) => `json_extract_string(v.j, '$.controles."' || c.controle || '".${nom}')`;
  await w.run(
    `UPDATE ${q(visites)} SET motif = 'résultat inconnu pour le contrôle ' || bad.controle || ' : « ' || bad.resultat || ' » (oui, non, inconnu ou mesure attendu)'
     FROM (
       SELECT v.ligne, c.controle, ${champ('resultat')} AS resultat
       FROM ${q(visites)} v CROSS JOIN (SELECT unnest([${controles}]) AS controle) c
       WHERE v.motif IS NULL
     ) bad
     WHERE ${q(visites)}.ligne = bad.ligne AND ${q(visites)}.motif IS NULL AND bad.resultat IS NOT NULL AND bad.resultat NOT IN ('oui', 'non', 'inconnu', 'mesure')`,
  );
  const staging = ctx.stagingTable(SITES_TABLE);
  await w.run(
    `CREATE TABLE ${q(staging)} AS
     SELECT $r::VARCHAR AS run_id, strftime(timezone('Europe/Paris', v.instant), '%Y-%m-%d') AS date_donnees, v.ligne, v.siren, v.code, v.type_collectivite,
            v.url, v.url_finale, v.date_visite, v.statut_http, v.autre_domaine, v.pages_lues, c.controle,
            ${champ('resultat')} AS resultat, ${champ('valeur_texte')} AS valeur_texte,
            TRY_CAST(${champ('valeur_nombre')} AS DOUBLE) AS valeur_nombre, ${champ('unite')} AS unite, ${champ('preuve')} AS preuve,
            left(${champ('extrait')}, 200) AS extrait, ${champ('motif')} AS motif
     FROM ${q(visites)} v CROSS JOIN (SELECT unnest([${controles}]) AS controle) c
     WHERE v.motif IS NULL AND ${champ('resultat')} IS NOT NULL
     ORDER BY v.ligne, c.controle`,
    { r: ctx.runId },
  );
  await w.run(`INSERT INTO ${q(rejects)} SELECT ligne, siren, motif FROM ${q(visites)} WHERE motif IS NOT NULL`);
  const c = (await w.one<{ visites: number; inconnus: number; fin: string | null }>(
    `SELECT count(DISTINCT ligne)::INTEGER AS visites, count(DISTINCT ligne) FILTER (WHERE pages_lues = 0)::INTEGER AS inconnus, max(date_donnees) AS fin FROM ${q(staging)}`,
  ))!;
  const rejected = await countRows(w, rejects);
  return {
    rejectsTable: rejects,
    rowsIn,
    rowsLoaded: rowsIn - rejected,
    rowsRejected: rejected,
    // The day of the last visit: a crawl's data is as of its end.
    dataDate: c.fin ?? ctx.dataDate,
    dataDateFrom: c.fin ? 'dernière visite du fichier' : undefined,
    notes: [`${c.visites} visites de sites, dont ${c.inconnus} sans page lue (robots.txt, délai, TLS, réseau…).`],
  };
}

export const sites: Source = {
  id: 'sites',
  title: "Observatoire des sites des collectivités (accessibilité, actes, urbanisme, FranceConnect, démarches)",
  producer: 'Baromètre DCANT (visites de ses propres robots)',
  licence: 'Licence Ouverte 2.0',
  licenceUrl: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/',
  homepage: 'https://www.data.gouv.fr/fr/datasets/689383a2211ca2c3053d83d1/',
  // Where the list of sites comes from: the sites declared in the Données de la Présence Numérique des Territoires.
  url: 'https://www.data.gouv.fr/fr/datasets/689383a2211ca2c3053d83d1/',
  // A daily slice (crawl.slice sites, least recently visited first): every site at least once a semester.
  schedule: '30 1 * * *',
  keeps:
    "Par visite et par contrôle : le résultat (oui, non, inconnu avec son motif, ou une mesure), l'adresse qui le montre, un extrait de 200 caractères au plus, le statut HTTP, l'adresse finale et la date. Aucune page n'est gardée entière.",
  fixture: 'test/fixtures/sites/visites.jsonl',
  fixtureDate: '2025-11-27',
  extension: 'jsonl',
  tables: [{ name: SITES_TABLE, columns: SITES_COLUMNS, mode: 'replace', partitionBy: ['siren', 'date_visite'] }],
  // A pass is a slice (crawl.slice sites) or every site (--all): compared with the slice planned, never with the previous
  // pass. A visit whose pages could not be read still counts (its checks say « inconnu »): a load under half the slice
  // is a crawl that stopped short. A file of visits given with --from has no plan and is not compared.
  volume: { minimum: {}, compareBy: 'planned', rows: { unit: ['visite de site', 'visites de sites'] }, matched: { tables: [SITES_TABLE], type: 'type_collectivite' } },
  crawler: true,
  fetchLive: collecter,
  stage: stageSites,
};
