// Writes the exports (CSV, French CSV, JSON, Parquet, Table Schema, provenance) into data/exports, all or nothing.
// Warehouse tables are written by DuckDB's COPY (export-sql.ts); `csvRows` is the JavaScript twin, kept for the
// small tables built in JavaScript and as the reference the COPY output is tested against.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../pipelines/base/config.ts';
import { csvCell, toCsv } from '../pipelines/base/csv.ts';
import { replaceFolder } from '../pipelines/base/files.ts';
import { latestRunsSql, type RunRecord } from '../pipelines/base/runs.ts';
import { decoupageVersion } from '../pipelines/referential/referential.ts';
import { describePerimetre } from '../pipelines/referential/chantiers.ts';
import { loadTuilesDepartements } from '../pipelines/referential/tuiles.ts';
import { SOURCES } from '../pipelines/sources/index.ts';
import type { RoleSource } from '../pipelines/sources/types.ts';
import type { Warehouse } from '../pipelines/base/warehouse.ts';
import { copyCsv, copyJson, copyParquet, defineExportMacros } from './export-sql.ts';
import { chantierRows, echelleOf, natureLibelle, natureOf, principalOf, resolveChantiers, resolveProchainesEtapes, type ChantierMesure } from './chantiers-indicateurs.ts';
import { indicatorState, sampleMode, sourceStates, stateOf, usable, type EtatIndicateur, type EtatSource, type Tentative } from './disponibilite.ts';
import { INDICATORS } from './index.ts';
import { EXPORT_TABLES, type ExportTable, type Field } from './schema.ts';
import { AXES } from './types.ts';
import { proceduresExportTables, vdeTablesReady } from './procedures.ts';
import { controlesSitesExportTable } from './controles-sites.ts';
import { SITES_TABLE } from '../pipelines/sources/sites/source.ts';
import { QUALITE_FIELDS, qualityReport, qualityRows } from './quality.ts';

export const PROVENANCE_FILE = 'provenance.json';

/** The cells of `rows` as CSV text, by the type of each field (`csvCell`, the one rule of a cell); `french`: decimal comma. */
export function csvRows(rows: Record<string, unknown>[], fields: Field[], french: boolean): Record<string, string>[] {
  const options = { decimalComma: french };
  return rows.map((row) => {
    const cells: Record<string, string> = {};
    for (const field of fields) cells[field.name] = csvCell(row[field.name], field.type, options);
    return cells;
  });
}

export interface SourceProvenance {
  id: string;
  titre: string;
  producteur: string;
  licence: string;
  licence_url: string;
  url: string;
  page: string;
  /** What the source is to the pages besides feeding indicators (the boundaries of the maps…), or null. */
  role: RoleSource | null;
  /** The last successful run whose data the exports use, or null if never loaded. */
  chargement: Pick<RunRecord, 'run_id' | 'origin' | 'started_at' | 'date_donnees' | 'raw_sha256' | 'rows_in' | 'rows_loaded' | 'rows_rejected'> | null;
  /** Real data, only the bundled sample, or nothing. */
  etat: EtatSource;
  /** The latest attempt to load real data (live or local file), successful or not. */
  derniere_tentative: Tentative | null;
}

export interface IndicateurProvenance {
  id: string;
  label: string;
  version: string;
  sources: string[];
  /** `reel`, `echantillon` (the sample build: the pages showing it carry the banner) or `indisponible`. */
  etat: EtatIndicateur;
  /** Why it is unavailable, in French (null otherwise). */
  raison: string | null;
  /** The latest attempt to load real data for its sources, ISO timestamp (null when none). */
  derniere_tentative: string | null;
  /** A warning the figures must carry (a match rate too low…), or null. */
  avertissement: string | null;
}

export interface Provenance {
  genere_le: string;
  /**
   * True for the sample build (no source has real data; the bundled samples stand in): the pages and embeds
   * that show its figures carry the banner. With any real data, no sample figure is exported.
   */
  echantillon: boolean;
  referentiel: { nom: string; version: string; licence: string };
  sources: SourceProvenance[];
  indicateurs: IndicateurProvenance[];
  seuil_diffusion: number;
}

export async function buildProvenance(config: Config, w: Warehouse, now: Date): Promise<Provenance> {
  const runs = await w.all<RunRecord & Record<string, unknown>>(
    latestRunsSql('good'),
  );
  const states = await sourceStates(w);
  const computed = new Set((await w.tableExists('barometre')) ? (await w.all<{ i: string }>(`SELECT DISTINCT indicateur AS i FROM barometre`)).map((r) => r.i) : []);
  const sources: SourceProvenance[] = SOURCES.map((s) => {
    const run = runs.find((r) => r.source === s.id);
    const state = stateOf(states, s.id);
    return {
      id: s.id,
      titre: s.title,
      producteur: s.producer,
      licence: s.licence,
      licence_url: s.licenceUrl,
      url: s.url,
      page: s.homepage,
      role: s.role ?? null,
      chargement: run
        ? { run_id: run.run_id, origin: run.origin, started_at: run.started_at, date_donnees: run.date_donnees, raw_sha256: run.raw_sha256, rows_in: run.rows_in, rows_loaded: run.rows_loaded, rows_rejected: run.rows_rejected }
        : null,
      etat: state.etat,
      derniere_tentative: state.derniere_tentative,
    };
  });
  const warnings = await avertissements(w);
  const indicateurs = INDICATORS.map((i): IndicateurProvenance => ({ id: i.id, label: i.label, version: i.version, sources: i.sources, ...indicatorState(i, states, computed.has(i.id)), avertissement: warnings.get(i.id) ?? null }));
  return {
    genere_le: now.toISOString(),
    echantillon: sampleMode(states) && indicateurs.some((i) => i.etat === 'echantillon'),
    referentiel: { nom: '@etalab/decoupage-administratif', version: decoupageVersion(), licence: 'Licence Ouverte 2.0 (Etalab)' },
    sources,
    indicateurs,
    seuil_diffusion: config.minEffectif,
  };
}

type Described = Pick<ExportTable, 'name' | 'title' | 'description' | 'fields'>;

export const CHANTIERS_TABLE: Described = {
  name: 'chantiers',
  title: 'Chantiers et indicateurs',
  description:
    "Les chantiers DCANT (data/referentiels/chantiers.csv) et les indicateurs qui les mesurent, une ligne par chantier et indicateur : mesurés sur toutes les collectivités d'abord, l'enquête ensuite. Les pages montrent un chantier par le premier indicateur qui a des données.",
  fields: [
    { name: 'chantier', type: 'string', description: 'Identifiant du chantier.' },
    { name: 'chantier_libelle', type: 'string', description: 'Libellé du chantier.' },
    { name: 'axe', type: 'string', description: 'Axe DCANT du chantier.' },
    { name: 'axe_libelle', type: 'string', description: "Libellé de l'axe." },
    { name: 'reference', type: 'string', description: 'Le document du programme qui nomme le chantier, cité.' },
    { name: 'rang', type: 'integer', description: "Ordre de préférence de l'indicateur dans le chantier (1 = montré d'abord) ; vide quand aucun indicateur du chantier n'est encore calculable." },
    { name: 'indicateur', type: 'string', description: "Identifiant de l'indicateur." },
    { name: 'indicateur_libelle', type: 'string', description: "Libellé de l'indicateur." },
    { name: 'nature', type: 'string', description: 'mesure (mesuré sur toutes les collectivités, à partir de données publiées) ou declaration (déclaré par les répondants à une enquête).' },
    { name: 'nature_libelle', type: 'string', description: 'La nature en mots, telle que les pages l’écrivent.' },
    { name: 'principal', type: 'boolean', description: "Vrai pour l'indicateur principal du chantier : celui que le tableau de bord d'une collectivité montre (colonne principal de chantiers.csv, sinon le premier)." },
    { name: 'obligation_depuis', type: 'date', description: "Date depuis laquelle l'obligation légale s'applique, écrite aussi dans la base légale du chantier ; vide sans obligation ou sans date." },
  ],
};

/** The workstreams for the site: each with its indicators, in order of preference, and the nature of each. */
export function chantiersExport(chantiers: readonly ChantierMesure[]) {
  return chantiers.map(({ chantier: c, indicateurs }) => ({
    id: c.id,
    libelle: c.libelle,
    axe: c.axe,
    axe_libelle: AXES[c.axe],
    libelle_court: c.libelle_court,
    reference: c.reference,
    base_legale: c.base_legale,
    obligees: describePerimetre(c.obligees),
    obligees_perimetre: c.obligees,
    obligation_depuis: c.obligation_depuis,
    principal: principalOf({ chantier: c, indicateurs }),
    indicateurs: indicateurs.map((i) => ({ id: i.id, nature: natureOf(i), nature_libelle: natureLibelle(i) })),
  }));
}

export const QUALITE_TABLE: Described = {
  name: 'qualite',
  title: 'Qualité des données',
  description: 'Par source : fraîcheur face à son calendrier, lignes lues, chargées et rejetées, taux de rapprochement, principaux motifs de rejet, couverture.',
  fields: QUALITE_FIELDS,
};

function dataPackage(provenance: Provenance, tables: (Described & { formats?: ExportTable['formats'] })[]): object {
  const tableSchemaType = (t: Field['type']) => t;
  return {
    profile: 'tabular-data-package',
    name: 'barometre-dcant',
    title: 'Baromètre de la dématérialisation des collectivités (DCANT)',
    description:
      'Indicateurs du programme DCANT par strate de collectivités, territoire et semestre, calculés à partir de données ouvertes.' +
      (provenance.echantillon ? " ATTENTION : construit à partir de données d'exemple, pas de données réelles." : ''),
    created: provenance.genere_le,
    licenses: [{ name: 'ODbL-1.0', path: 'https://opendatacommons.org/licenses/odbl/1-0/', title: 'Open Database License 1.0 (héritée des sources sous ODbL)' }],
    sources: provenance.sources.map((s) => ({ title: `${s.titre} (${s.producteur})`, path: s.page, licence: s.licence, date_donnees: s.chargement?.date_donnees ?? null, recupere_le: s.chargement?.started_at ?? null })),
    resources: tables.flatMap((t) => {
      const schema = { fields: t.fields.map((x) => ({ name: x.name, type: tableSchemaType(x.type), description: x.description })) };
      const formats = t.formats ?? ['csv', 'json', 'parquet'];
      const out: object[] = [];
      if (formats.includes('csv')) {
        out.push(
          { name: t.name, path: `${t.name}.csv`, title: t.title, description: t.description, format: 'csv', mediatype: 'text/csv', encoding: 'utf-8', dialect: { delimiter: ',' }, schema },
          { name: `${t.name}-fr`, path: `${t.name}.fr.csv`, title: `${t.title} (CSV pour tableur français)`, description: `${t.description} Séparateur « ; », virgule décimale, BOM UTF-8.`, format: 'csv', mediatype: 'text/csv', encoding: 'utf-8-sig', dialect: { delimiter: ';' }, schema },
        );
      } else if (formats.includes('parquet')) {
        out.push({ name: t.name, path: `${t.name}.parquet`, title: t.title, description: t.description, format: 'parquet', mediatype: 'application/vnd.apache.parquet', schema });
      }
      return out;
    }),
  };
}

/** The warnings of the last computation, per indicator (`indicateurs_avertissements`, written by compute). */
export async function avertissements(w: Warehouse): Promise<Map<string, string>> {
  if (!(await w.tableExists('indicateurs_avertissements'))) return new Map();
  const rows = await w.all<{ indicateur: string; avertissement: string }>(`SELECT indicateur, avertissement FROM indicateurs_avertissements`);
  return new Map(rows.map((r) => [r.indicateur, r.avertissement]));
}

/**
 * The indicator definitions without their SQL, for the site and for re-users, with their warning (or null). The short
 * label is always there (the label when the definition has none shorter).
 */
export function indicatorDefinitions(warnings: ReadonlyMap<string, string> = new Map()) {
  const etapes = resolveProchainesEtapes();
  return INDICATORS.map(({ sql: _sql, periodes: _periodes, avertissement: _avertissement, id, label, labelCourt, ...definition }) => ({
    id,
    label,
    labelCourt: labelCourt ?? label,
    ...definition,
    axe_libelle: AXES[definition.axe],
    nature: natureOf(definition),
    nature_libelle: natureLibelle(definition),
    echelle: echelleOf(definition),
    prochaine_etape: etapes.get(id) ?? null,
    avertissement: warnings.get(id) ?? null,
  }));
}

export interface ExportSummary {
  folder: string;
  files: string[];
  rows: Record<string, number>;
}

/** Writes every export into a fresh folder, then swaps it in place of data/exports. */
export async function writeExports(config: Config, w: Warehouse, now = new Date(), folder = config.paths.exports): Promise<ExportSummary> {
  const provenance = await buildProvenance(config, w, now);
  const { chantiers } = resolveChantiers();
  const states = await sourceStates(w);
  const files: string[] = [];
  const rows: Record<string, number> = {};
  await replaceFolder(folder, async (dir) => {
    // Under real data, a source that has only its sample exports nothing (its indicators are unavailable too).
    const procedures = (await vdeTablesReady(w)) && usable(states, 'vde');
    const controlesSites = (await w.tableExists(SITES_TABLE)) && usable(states, 'sites');
    const tables = [...EXPORT_TABLES, ...(procedures ? proceduresExportTables() : []), ...(controlesSites ? [controlesSitesExportTable()] : [])];
    const meta = { genere_le: provenance.genere_le, echantillon: provenance.echantillon };
    await defineExportMacros(w);
    // Tables computed in the warehouse: written by DuckDB's COPY, no row through JavaScript.
    const copyTable = async (table: ExportTable) => {
      const formats = table.formats ?? ['csv', 'json', 'parquet'];
      const path = (name: string) => {
        files.push(name);
        return join(dir, name);
      };
      // A table written in several files is queried once: its rows, in their order, in a temporary table that each
      // file reads (DuckDB keeps the order rows were inserted in).
      const several = formats.length > 1 || formats.includes('csv'); // a CSV is two files, English and French
      if (several) await w.run(`CREATE OR REPLACE TEMP TABLE export_en_cours AS ${table.sql}`);
      const sql = several ? 'SELECT * FROM export_en_cours' : table.sql;
      let n: number | undefined;
      try {
        if (formats.includes('csv')) {
          n = await copyCsv(w, sql, table.fields, path(`${table.name}.csv`), false);
          await copyCsv(w, sql, table.fields, path(`${table.name}.fr.csv`), true);
        }
        if (formats.includes('json')) n = await copyJson(w, sql, table.fields, path(`${table.name}.json`), { ...meta, ...table.provenance });
        if (formats.includes('parquet')) n = await copyParquet(w, sql, path(`${table.name}.parquet`));
      } finally {
        if (several) await w.run('DROP TABLE IF EXISTS export_en_cours');
      }
      rows[table.name] = n ?? 0;
    };
    // Small tables built in JavaScript (the quality report).
    const writeRows = (table: Described & { formats?: ExportTable['formats'] }, data: Record<string, unknown>[]) => {
      const columns = table.fields.map((x) => x.name);
      const write = (name: string, content: string) => {
        writeFileSync(join(dir, name), content);
        files.push(name);
      };
      write(`${table.name}.csv`, toCsv(columns, csvRows(data, table.fields, false)));
      write(`${table.name}.fr.csv`, `\uFEFF${toCsv(columns, csvRows(data, table.fields, true), ';')}`);
      if ((table.formats ?? ['csv', 'json', 'parquet']).includes('json')) write(`${table.name}.json`, JSON.stringify({ provenance: meta, donnees: data }));
      rows[table.name] = data.length;
    };
    for (const table of tables) await copyTable(table);
    const quality = await qualityReport(config, w, now);
    writeRows({ ...QUALITE_TABLE, formats: ['csv'] }, qualityRows(quality));
    // The nested report (reject reasons and coverage as lists) for the site and re-users.
    writeFileSync(join(dir, 'qualite.json'), JSON.stringify({ provenance: meta, donnees: quality }, null, 2));
    files.push('qualite.json');
    writeRows({ ...CHANTIERS_TABLE, formats: ['csv'] }, chantierRows(chantiers));
    writeFileSync(join(dir, 'chantiers.json'), JSON.stringify({ provenance: meta, donnees: chantiersExport(chantiers) }, null, 2));
    files.push('chantiers.json');
    writeFileSync(join(dir, 'datapackage.json'), JSON.stringify(dataPackage(provenance, [...tables, QUALITE_TABLE, CHANTIERS_TABLE]), null, 2));
    writeFileSync(join(dir, PROVENANCE_FILE), JSON.stringify(provenance, null, 2));
    writeFileSync(join(dir, 'indicateurs.json'), JSON.stringify(indicatorDefinitions(await avertissements(w)), null, 2));
    // What the site needs besides the results: the collectivités (names, postal codes, strates), the tile grid,
    // and the boundaries when they were pulled. The site reads exports only.
    writeFileSync(join(dir, 'territoires.json'), JSON.stringify(await w.all(`SELECT * FROM ref_collectivites ORDER BY type_collectivite, code`)));
    writeFileSync(join(dir, 'tuiles-departements.json'), JSON.stringify(loadTuilesDepartements()));
    files.push('territoires.json', 'tuiles-departements.json');
    if ((await w.tableExists('contours')) && usable(states, 'contours')) {
      for (const niveau of ['departement', 'region'] as const) {
        const features = (await w.all<{ code: string; nom: string; geometry_json: string }>(`SELECT code, nom, geometry_json FROM contours WHERE niveau = $n ORDER BY code`, { n: niveau })).map(
          (r) => ({ type: 'Feature', properties: { code: r.code, nom: r.nom }, geometry: JSON.parse(r.geometry_json) as unknown }),
        );
        if (features.length === 0) continue;
        const name = `contours-${niveau}s.geojson`;
        writeFileSync(join(dir, name), JSON.stringify({ type: 'FeatureCollection', features }));
        files.push(name);
      }
    }
    writeFileSync(join(dir, 'strates.json'), JSON.stringify(await w.all(`SELECT * FROM ref_strates ORDER BY type_collectivite, ordre`), null, 2));
    files.push('datapackage.json', PROVENANCE_FILE, 'indicateurs.json', 'strates.json');
  });
  return { folder, files, rows };
}
