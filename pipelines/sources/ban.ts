// Base Adresse Nationale: per commune, today's state of its addresses (`communes-summary.csv` of the BAN platform):
// whether they come from the commune's own Base Adresse Locale (`type_composition` = `bal`), and how many are
// certified by the commune. Read by DuckDB (about 35 000 rows), matched to the referential in SQL.
import { createRequire } from 'node:module';
import type { Referential } from '../referential/referential.ts';
import { quotedIdentifier, quotedString, type Column, type Warehouse } from '../base/warehouse.ts';
import { countRows, readCsvInto } from '../base/staging.ts';
import type { Source, StageContext, Staged } from './types.ts';

const require = createRequire(import.meta.url);

export const BAN_SUMMARY_URL = 'https://plateforme.adresse.data.gouv.fr/api/communes-summary.csv';

/**
 * The header the platform writes (ban-plateforme, route `/api/communes-summary.csv`, `Papa.unparse` with these
 * columns, comma separator). Only the first four are needed; the others are kept when present.
 */
export const BAN_SUMMARY_HEADER = [
  'region', 'departement', 'code_commune', 'nom_commune', 'population', 'id_revision', 'date_revision', 'type_composition', 'nb_lieux_dits', 'nb_voies',
  'nb_numeros', 'nb_numeros_certifies', 'analyse_adressage_nb_adresses_attendues', 'analyse_adressage_ratio', 'analyse_adressage_deficit_adresses', 'composed_at',
] as const;
const REQUIRED = ['code_commune', 'type_composition', 'nb_numeros', 'nb_numeros_certifies'] as const;

/**
 * The two values of `type_composition`, from the platform's composition code (ban-plateforme, lib/compose:
 * `typeComposition: isBAL ? 'bal' : 'assemblage'`): `bal` when the commune's addresses come from its Base Adresse
 * Locale, `assemblage` when the platform assembles them from other sources (cadastre, IGN, fibre, INSEE).
 */
export const TYPES_COMPOSITION = ['bal', 'assemblage'] as const;

export const BAN_COLUMNS: Column[] = [
  { name: 'date_donnees', type: 'VARCHAR' },
  { name: 'run_id', type: 'VARCHAR' },
  { name: 'ligne', type: 'INTEGER' },
  { name: 'code_commune', type: 'VARCHAR' },
  { name: 'categorie', type: 'VARCHAR' },
  { name: 'code', type: 'VARCHAR' },
  { name: 'rapprochement', type: 'VARCHAR' },
  { name: 'nom_commune', type: 'VARCHAR' },
  { name: 'type_composition', type: 'VARCHAR' },
  { name: 'bal', type: 'BOOLEAN' },
  { name: 'nb_numeros', type: 'INTEGER' },
  { name: 'nb_numeros_certifies', type: 'INTEGER' },
  { name: 'id_revision', type: 'VARCHAR' },
  { name: 'date_revision', type: 'VARCHAR' },
  { name: 'composed_at', type: 'VARCHAR' },
];

/** The municipal arrondissements of Paris, Lyon and Marseille, each with its commune: the BAN counts them as communes. */
function arrondissements(): { code: string; commune: string }[] {
  const communes = require('@etalab/decoupage-administratif/data/communes.json') as { code: string; type: string; commune?: string }[];
  return communes.filter((c) => c.type === 'arrondissement-municipal' && c.commune).map((c) => ({ code: c.code, commune: c.commune! }));
}

/**
 * A scratch table `(code_insee, code, rapprochement)` giving the current commune of every INSEE code the BAN may
 * write: a current commune (`code`), a municipal arrondissement (`arrondissement`: its commune), or the code of a
 * commune merged since (`ancien-code`, when it leads to a single current commune). Plus `hors_perimetre(prefixe, nom)`:
 * overseas collectivities outside the referential.
 */
export async function communeCodesTable(ctx: StageContext, ref: Referential): Promise<{ codes: string; horsPerimetre: string }> {
  const w: Warehouse = ctx.w;
  const codes = ctx.scratchTable('codes_communes');
  await w.run(`CREATE TABLE ${quotedIdentifier(codes)} (code_insee VARCHAR, code VARCHAR, rapprochement VARCHAR)`);
  await w.run(`INSERT INTO ${quotedIdentifier(codes)} SELECT code, code, 'code' FROM ref_collectivites WHERE type_collectivite = 'commune'`);
  await w.insert(
    codes,
    [{ name: 'code_insee', type: 'VARCHAR' }, { name: 'code', type: 'VARCHAR' }, { name: 'rapprochement', type: 'VARCHAR' }],
    arrondissements().filter((a) => ref.communeByCode.has(a.commune)).map((a) => ({ code_insee: a.code, code: a.commune, rapprochement: 'arrondissement' })),
  );
  await w.run(
    `INSERT INTO ${quotedIdentifier(codes)}
     SELECT ancien_code, min(code_actuel), 'ancien-code' FROM ref_historique
     WHERE ancien_code NOT IN (SELECT code_insee FROM ${quotedIdentifier(codes)})
     GROUP BY ancien_code HAVING count(DISTINCT code_actuel) = 1`,
  );
  const hp = ctx.scratchTable('hors_perimetre');
  await w.run(`CREATE TABLE ${quotedIdentifier(hp)} (prefixe VARCHAR, nom VARCHAR)`);
  await w.insert(hp, [{ name: 'prefixe', type: 'VARCHAR' }, { name: 'nom', type: 'VARCHAR' }], [...ref.horsPerimetre].map(([prefixe, nom]) => ({ prefixe, nom })));
  return { codes, horsPerimetre: hp };
}

/** SQL: the reason an INSEE code (already trimmed) is not usable, or NULL; `m` is the row of `codes`, `hp` of `hors_perimetre`. */
export function codeCommuneMotif(column: string, code: string): string {
  return `CASE
      WHEN ${code} IS NULL OR ${code} = '' THEN '${column} vide (code INSEE de commune attendu, 5 caractères)'
      WHEN NOT regexp_full_match(${code}, '[0-9][0-9AB][0-9]{3}') THEN '${column} invalide « ' || ${code} || ' » (code INSEE de commune attendu, 5 caractères)'
      WHEN m.code IS NULL AND hp.nom IS NOT NULL THEN 'hors périmètre : ' || ${code} || ' est une commune de ' || hp.nom || ' (collectivité d''outre-mer, hors du référentiel)'
      WHEN m.code IS NULL THEN 'commune inconnue du référentiel : code ' || ${code} || ' (ni commune actuelle, ni arrondissement, ni ancienne commune)'
    END`;
}

export async function stageBan(ctx: StageContext): Promise<Staged> {
  const { w } = ctx;
  const what = `ban (${ctx.origin})`;
  const csv = { table: ctx.scratchTable('ban'), malformed: ctx.scratchTable('ban_malformes') };
  const { columns } = await readCsvInto(w, {
    path: ctx.rawPath, delimiter: ',', what, table: csv.table, rejects: csv.malformed, scratch: ctx.scratchTable,
    required: REQUIRED, hint: `Attendu : l'en-tête de communes-summary.csv (${BAN_SUMMARY_HEADER.join(',')}), séparé par des virgules.`,
  });
  const { codes, horsPerimetre } = await communeCodesTable(ctx, ctx.referential);
  const opt = (c: string) => (columns.includes(c) ? `nullif(trim(b.${quotedIdentifier(c)}), '')` : 'NULL::VARCHAR');
  const checked = ctx.scratchTable('ban_verifie');
  await w.run(
    `CREATE TABLE ${quotedIdentifier(checked)} AS
     WITH b AS (
       SELECT b.ligne, trim(b.code_commune) AS code_commune, ${opt('nom_commune')} AS nom_commune,
              lower(trim(b.type_composition)) AS type_composition, trim(b.nb_numeros) AS nb_numeros_txt, trim(b.nb_numeros_certifies) AS nb_certifies_txt,
              TRY_CAST(trim(b.nb_numeros) AS BIGINT) AS nb_numeros, TRY_CAST(trim(b.nb_numeros_certifies) AS BIGINT) AS nb_certifies,
              ${opt('id_revision')} AS id_revision, ${opt('date_revision')} AS date_revision, ${opt('composed_at')} AS composed_at
       FROM ${quotedIdentifier(csv.table)} b
     ),
     v AS (
       SELECT b.*, m.code, m.rapprochement,
         CASE
           WHEN ${codeCommuneMotif('code_commune', 'b.code_commune')} IS NOT NULL THEN ${codeCommuneMotif('code_commune', 'b.code_commune')}
           WHEN b.type_composition IS NULL OR b.type_composition NOT IN (${TYPES_COMPOSITION.map(quotedString).join(', ')})
             THEN 'type_composition inconnu « ' || coalesce(b.type_composition, '') || ' » (attendu : ${TYPES_COMPOSITION.join(' ou ')})'
           WHEN b.nb_numeros IS NULL OR b.nb_numeros < 0 THEN 'nb_numeros n''est pas un nombre entier positif ou nul : « ' || coalesce(b.nb_numeros_txt, '') || ' »'
           WHEN b.nb_certifies IS NULL OR b.nb_certifies < 0 THEN 'nb_numeros_certifies n''est pas un nombre entier positif ou nul : « ' || coalesce(b.nb_certifies_txt, '') || ' »'
           WHEN b.nb_certifies > b.nb_numeros THEN 'nb_numeros_certifies (' || b.nb_certifies || ') supérieur à nb_numeros (' || b.nb_numeros || ')'
         END AS motif
       FROM b
       LEFT JOIN ${quotedIdentifier(codes)} m ON m.code_insee = b.code_commune
       LEFT JOIN ${quotedIdentifier(horsPerimetre)} hp ON starts_with(b.code_commune, hp.prefixe)
     )
     SELECT *, CASE WHEN motif IS NULL THEN row_number() OVER (PARTITION BY motif IS NULL, code_commune ORDER BY ligne) END AS rang,
            min(ligne) OVER (PARTITION BY motif IS NULL, code_commune) AS premiere
     FROM v`,
  );
  // The date of the data: the most recent composition (composed_at), as a date in Europe/Paris.
  const latest = await w.one<{ d: string | null }>(
    `SELECT strftime(max(timezone('Europe/Paris', TRY_CAST(composed_at AS TIMESTAMPTZ))), '%Y-%m-%d') AS d FROM ${quotedIdentifier(checked)} WHERE motif IS NULL`,
  );
  const dataDate = ctx.dateImposee || !latest?.d ? ctx.dataDate : latest.d;
  await w.run(
    `CREATE TABLE ${quotedIdentifier(ctx.stagingTable('ban_communes'))} AS
     SELECT $d AS date_donnees, $r AS run_id, ligne::INTEGER AS ligne, code_commune, 'commune' AS categorie, code, rapprochement, nom_commune,
            type_composition, type_composition = 'bal' AS bal, nb_numeros::INTEGER AS nb_numeros, nb_certifies::INTEGER AS nb_numeros_certifies,
            id_revision, date_revision, composed_at
     FROM ${quotedIdentifier(checked)} WHERE motif IS NULL AND rang = 1 ORDER BY ligne`,
    { d: dataDate, r: ctx.runId },
  );
  const rejects = ctx.scratchTable('ban_rejets');
  await w.run(
    `CREATE TABLE ${quotedIdentifier(rejects)} AS
     SELECT ligne, identifiant, motif FROM ${quotedIdentifier(csv.malformed)}
     UNION ALL
     SELECT ligne::INTEGER, nullif(code_commune, ''), motif FROM ${quotedIdentifier(checked)} WHERE motif IS NOT NULL
     UNION ALL
     SELECT ligne::INTEGER, code_commune, 'doublon : même code_commune que la ligne ' || premiere || ', comptée une fois' FROM ${quotedIdentifier(checked)} WHERE motif IS NULL AND rang > 1
     ORDER BY 1`,
  );
  const rowsLoaded = await countRows(w, ctx.stagingTable('ban_communes'));
  const rowsRejected = await countRows(w, rejects);
  const counts = await w.one<{ bal: number; arr: number; anciens: number }>(
    `SELECT count(*) FILTER (WHERE bal)::INTEGER AS bal, count(*) FILTER (WHERE rapprochement = 'arrondissement')::INTEGER AS arr,
            count(*) FILTER (WHERE rapprochement = 'ancien-code')::INTEGER AS anciens
     FROM ${quotedIdentifier(ctx.stagingTable('ban_communes'))}`,
  );
  const notes = [`${counts!.bal} commune(s) ou arrondissement(s) dont les adresses viennent d'une Base Adresse Locale (type_composition = bal).`];
  if (counts!.arr > 0) notes.push(`${counts!.arr} arrondissement(s) municipal(aux) (Paris, Lyon, Marseille) rattaché(s) à leur commune.`);
  if (counts!.anciens > 0) notes.push(`${counts!.anciens} ancien(s) code(s) de commune suivi(s) jusqu'à la commune actuelle.`);
  const rowsIn = (await countRows(w, csv.table)) + (await countRows(w, csv.malformed));
  return { rejectsTable: rejects, rowsIn, rowsLoaded, rowsRejected, dataDate, notes };
}

export const ban: Source = {
  id: 'ban',
  title: 'Base Adresse Nationale : état des adresses de chaque commune',
  producer: 'Base Adresse Nationale (IGN, ANCT)',
  licence: 'Licence Ouverte 2.0',
  licenceUrl: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/',
  homepage: 'https://adresse.data.gouv.fr/deploiement-bal',
  url: BAN_SUMMARY_URL,
  // The platform recomposes communes continuously; one pull a week follows the deployment closely enough.
  schedule: '30 5 * * 2',
  keeps:
    "Une ligne par commune (ou arrondissement municipal) de la BAN : d'où viennent ses adresses (sa Base Adresse Locale, ou l'assemblage d'autres sources), son nombre d'adresses et d'adresses certifiées ; rapprochée du référentiel ; un instantané par date de données (la composition la plus récente).",
  fixture: 'test/fixtures/ban/communes-summary.csv',
  fixtureDate: '2025-06-30',
  extension: 'csv',
  tables: [{ name: 'ban_communes', columns: BAN_COLUMNS, mode: 'snapshot' }],
  // One line per commune of France (about 34,900).
  volume: { minimum: { rows: 25_000, matched: 25_000 }, matched: { tables: ['ban_communes'] } },
  async fetchLive(ctx) {
    return ctx.fetch(ctx.url, { toFile: ctx.downloadPath, accept: ['text/csv', 'text/plain', 'application/csv', 'application/octet-stream'] });
  },
  stage: stageBan,
};
