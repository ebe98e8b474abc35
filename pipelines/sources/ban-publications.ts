// Base Adresse Nationale: the date of each commune's first Base Adresse Locale publication (`publication_date.csv`,
// kept by the BAN team in its administration tool bal-admin). It gives the history of `adresses-bal` back to 2014,
// which the platform's summary (source `ban`, today's state only) cannot.
import { quotedIdentifier, type Column } from '../base/warehouse.ts';
import { codeCommuneMotif, communeCodesTable } from './ban.ts';
import { countRows, readCsvInto } from '../base/staging.ts';
import type { Source, StageContext, Staged } from './types.ts';

/**
 * bal-admin reads this file from its working directory (`publication_date.csv` at the root of
 * BaseAdresseNationale/bal-admin, default branch `master`) to count first publications per month before the
 * API of api-depot takes over; the raw file of the repository is its only published address.
 */
export const PUBLICATIONS_URL = 'https://raw.githubusercontent.com/BaseAdresseNationale/bal-admin/master/publication_date.csv';

export const PUBLICATIONS_COLUMNS: Column[] = [
  { name: 'date_donnees', type: 'VARCHAR' },
  { name: 'run_id', type: 'VARCHAR' },
  { name: 'ligne', type: 'INTEGER' },
  { name: 'code_insee', type: 'VARCHAR' },
  { name: 'categorie', type: 'VARCHAR' },
  { name: 'code', type: 'VARCHAR' },
  { name: 'rapprochement', type: 'VARCHAR' },
  { name: 'date_publication', type: 'VARCHAR' },
];

/** The first Base Adresse Locale dates from 2014; anything earlier is a mistake. */
const PREMIERE_DATE = '2014-01-01';

export async function stagePublications(ctx: StageContext): Promise<Staged> {
  const { w } = ctx;
  const what = `ban-publications (${ctx.origin})`;
  const csv = { table: ctx.scratchTable('publications'), malformed: ctx.scratchTable('publications_malformes') };
  await readCsvInto(w, {
    path: ctx.rawPath, delimiter: ',', what, table: csv.table, rejects: csv.malformed, scratch: ctx.scratchTable,
    required: ['code', 'publication_date'], hint: "Attendu : l'en-tête de publication_date.csv (code,publication_date), séparé par une virgule.",
  });
  const { codes, horsPerimetre } = await communeCodesTable(ctx, ctx.referential);
  const checked = ctx.scratchTable('publications_verifie');
  // `publication_date` is written by pandas (`2014-05-12 00:00:00.000000000`): its first ten characters are the date.
  await w.run(
    `CREATE TABLE ${quotedIdentifier(checked)} AS
     WITH b AS (
       SELECT ligne, trim(code) AS code_insee, trim(publication_date) AS brut,
              CASE WHEN regexp_full_match(trim(publication_date), '\\d{4}-\\d{2}-\\d{2}([ T].*)?') THEN TRY_CAST(left(trim(publication_date), 10) AS DATE) END AS jour
       FROM ${quotedIdentifier(csv.table)}
     ),
     v AS (
       SELECT b.*, m.code, m.rapprochement,
         CASE
           WHEN ${codeCommuneMotif('code', 'b.code_insee')} IS NOT NULL THEN ${codeCommuneMotif('code', 'b.code_insee')}
           WHEN b.jour IS NULL THEN 'publication_date illisible « ' || coalesce(b.brut, '') || ' » (date AAAA-MM-JJ attendue, suivie ou non de l''heure)'
           WHEN b.jour < DATE '${PREMIERE_DATE}' OR b.jour > $limite::DATE
             THEN 'publication_date hors limites « ' || b.brut || ' » (attendue entre le ${PREMIERE_DATE} et le ' || $limite || ')'
         END AS motif
       FROM b
       LEFT JOIN ${quotedIdentifier(codes)} m ON m.code_insee = b.code_insee
       LEFT JOIN ${quotedIdentifier(horsPerimetre)} hp ON starts_with(b.code_insee, hp.prefixe)
     )
     SELECT *, CASE WHEN motif IS NULL THEN row_number() OVER (PARTITION BY motif IS NULL, code_insee ORDER BY jour, ligne) END AS rang,
            first(ligne ORDER BY jour, ligne) OVER (PARTITION BY motif IS NULL, code_insee) AS retenue
     FROM v`,
    { limite: ctx.dataDate },
  );
  // The file is the whole history: its data date is its last publication (unless --date says otherwise).
  const last = await w.one<{ d: string | null }>(`SELECT strftime(max(jour), '%Y-%m-%d') AS d FROM ${quotedIdentifier(checked)} WHERE motif IS NULL`);
  const dataDate = ctx.dateImposee || !last?.d ? ctx.dataDate : last.d;
  const staging = ctx.stagingTable('ban_publications');
  await w.run(
    `CREATE TABLE ${quotedIdentifier(staging)} AS
     SELECT $d AS date_donnees, $r AS run_id, ligne::INTEGER AS ligne, code_insee, 'commune' AS categorie, code, rapprochement, strftime(jour, '%Y-%m-%d') AS date_publication
     FROM ${quotedIdentifier(checked)} WHERE motif IS NULL AND rang = 1 ORDER BY ligne`,
    { d: dataDate, r: ctx.runId },
  );
  const rejects = ctx.scratchTable('publications_rejets');
  await w.run(
    `CREATE TABLE ${quotedIdentifier(rejects)} AS
     SELECT ligne, identifiant, motif FROM ${quotedIdentifier(csv.malformed)}
     UNION ALL
     SELECT ligne::INTEGER, nullif(code_insee, ''), motif FROM ${quotedIdentifier(checked)} WHERE motif IS NOT NULL
     UNION ALL
     SELECT ligne::INTEGER, code_insee, 'doublon : même code que la ligne ' || retenue || ' (la première publication est retenue), compté une fois'
     FROM ${quotedIdentifier(checked)} WHERE motif IS NULL AND rang > 1
     ORDER BY 1`,
  );
  const rowsIn = (await countRows(w, csv.table)) + (await countRows(w, csv.malformed));
  const rowsLoaded = await countRows(w, staging);
  const merged = await w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${quotedIdentifier(staging)} WHERE rapprochement <> 'code'`);
  const notes = merged!.n > 0 ? [`${merged!.n} code(s) d'arrondissement municipal ou d'ancienne commune rattaché(s) à la commune actuelle (sa première publication est la plus ancienne des leurs).`] : [];
  return { rejectsTable: rejects, rowsIn, rowsLoaded, rowsRejected: await countRows(w, rejects), dataDate, notes };
}

export const banPublications: Source = {
  id: 'ban-publications',
  title: 'Base Adresse Nationale : date de la première publication de la Base Adresse Locale de chaque commune',
  producer: 'Base Adresse Nationale (ANCT, outil bal-admin)',
  licence: 'Licence Ouverte 2.0',
  licenceUrl: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/',
  homepage: 'https://github.com/BaseAdresseNationale/bal-admin',
  url: PUBLICATIONS_URL,
  // A file of the tool's repository that changes rarely: once a month is plenty.
  schedule: '45 5 3 * *',
  keeps:
    "Une ligne par commune : la date de la première publication de sa Base Adresse Locale, rapprochée du référentiel (arrondissements municipaux et anciennes communes rattachés à la commune actuelle) ; chaque fichier est l'historique entier et remplace le précédent.",
  fixture: 'test/fixtures/ban-publications/publication_date.csv',
  fixtureDate: '2023-08-10',
  extension: 'csv',
  tables: [{ name: 'ban_publications', columns: PUBLICATIONS_COLUMNS, mode: 'replace' }],
  // One line per commune that published a Base Adresse Locale (about 13,860 in 2025, a number that only grows).
  volume: { minimum: { rows: 5_000, matched: 5_000 }, matched: { tables: ['ban_publications'] } },
  async fetchLive(ctx) {
    return ctx.fetch(ctx.url, { toFile: ctx.downloadPath, accept: ['text/csv', 'text/plain', 'application/octet-stream'] });
  },
  stage: stagePublications,
};
