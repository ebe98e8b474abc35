// Published editions: a semester frozen in data/editions/<période>/, never changed by later computations.
import { chmodSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Config } from '../pipelines/base/config.ts';
import { toCsv } from '../pipelines/base/csv.ts';
import { sha256 } from '../pipelines/base/files.ts';
import type { Logger } from '../pipelines/base/log.ts';
import { SOURCES } from '../pipelines/sources/index.ts';
import { quotedIdentifier, quotedString, type Warehouse } from '../pipelines/base/warehouse.ts';
import { avertissements, buildProvenance, csvRows, indicatorDefinitions } from './exports.ts';
import { isPeriode, periodeEnd } from './periods.ts';
import { BAROMETRE_FIELDS, COLLECTIVITES_FIELDS, REJETS_FIELDS, type Field } from './schema.ts';

export const MANIFEST = 'manifest.json';
const KEY = ['indicateur', 'periode', 'niveau', 'territoire', 'type_collectivite', 'strate', 'nature'] as const;
const COMPARED = ['concernees', 'atteintes', 'taux', 'population_concernee', 'population_atteinte', 'methode_version', 'statut'] as const;

export interface Manifest {
  edition: string;
  publiee_le: string;
  fichiers: Record<string, string>;
  sources_brutes: { source: string; run_id: string; fichier: string | null; sha256: string | null; date_donnees: string | null }[];
}

export class EditionError extends Error {}

/** The published editions, oldest first, each with its verified manifest. */
export function listEditions(config: Config): { periode: string; folder: string; manifest: Manifest }[] {
  if (!existsSync(config.paths.editions)) return [];
  return readdirSync(config.paths.editions)
    .filter((name) => isPeriode(name) && existsSync(join(config.paths.editions, name, MANIFEST)))
    .sort()
    .map((periode) => {
      const folder = join(config.paths.editions, periode);
      const manifest = JSON.parse(readFileSync(join(folder, MANIFEST), 'utf8')) as Manifest;
      for (const [file, hash] of Object.entries(manifest.fichiers)) {
        const path = join(folder, file);
        if (!existsSync(path) || sha256(readFileSync(path)) !== hash) {
          throw new EditionError(`Édition ${periode} altérée : ${file} ne correspond plus à son empreinte SHA-256 du manifeste. Restaurez-la depuis l'archive.`);
        }
      }
      return { periode, folder, manifest };
    });
}

async function rawFilesUsed(w: Warehouse, periode: string): Promise<Manifest['sources_brutes']> {
  const runIds = new Set<string>();
  for (const source of SOURCES) {
    for (const table of source.tables) {
      if (!(await w.tableExists(table.name))) continue;
      const hasRunId = table.columns.some((c) => c.name === 'run_id');
      // A snapshot table's rows after the semester were not used for it; a replaced table (a whole history in one
      // file, such as data.gouv.fr's catalogue) is used whatever its date.
      const hasDate = table.mode === 'snapshot' && table.columns.some((c) => c.name === 'date_donnees');
      if (!hasRunId) continue;
      const where = hasDate ? `WHERE date_donnees <= ${quotedString(periodeEnd(periode))}` : '';
      for (const r of await w.all<{ run_id: string }>(`SELECT DISTINCT run_id FROM ${quotedIdentifier(table.name)} ${where}`)) runIds.add(r.run_id);
    }
  }
  if (runIds.size === 0) return [];
  const runs = await w.all<{ source: string; run_id: string; raw_path: string | null; raw_sha256: string | null; date_donnees: string | null }>(
    `SELECT source, run_id, raw_path, raw_sha256, date_donnees FROM runs WHERE run_id IN (${[...runIds].map(quotedString).join(', ')}) ORDER BY source, date_donnees, run_id`,
  );
  return runs.map((r) => ({ source: r.source, run_id: r.run_id, fichier: r.raw_path ? relative(process.cwd(), r.raw_path) : null, sha256: r.raw_sha256, date_donnees: r.date_donnees }));
}

/**
 * Freezes semester `periode` from the current barometer tables (run `compute` first). Refuses to
 * overwrite an existing edition. Files are written into a temporary folder, then renamed, then made read-only.
 */
export async function publishEdition(config: Config, w: Warehouse, periode: string, now = new Date()): Promise<Manifest> {
  if (!isPeriode(periode)) throw new EditionError(`Période invalide « ${periode} » : format attendu AAAA-S1 ou AAAA-S2.`);
  const target = join(config.paths.editions, periode);
  if (existsSync(target)) throw new EditionError(`L'édition ${periode} est déjà publiée (${target}) : une édition publiée ne se modifie pas.`);
  const present = await w.one<{ n: number }>(`SELECT count(*) AS n FROM barometre WHERE periode = $p`, { p: periode });
  if (!present || present.n === 0) throw new EditionError(`Aucun résultat pour ${periode} dans l'entrepôt : rien à publier (lancez « barometre compute » après avoir chargé des données de ce semestre).`);

  const tmp = join(config.paths.editions, `.${periode}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const files: Record<string, string> = {};
    const write = (name: string, content: string) => {
      writeFileSync(join(tmp, name), content);
      files[name] = sha256(content);
    };
    const tables: [string, string, Field[]][] = [
      ['barometre', `SELECT * FROM barometre WHERE periode <= ${quotedString(periode)}`, BAROMETRE_FIELDS],
      ['collectivites', `SELECT * FROM collectivites_resultats WHERE periode = ${quotedString(periode)}`, COLLECTIVITES_FIELDS],
    ];
    for (const [name, sql, fields] of tables) {
      const cols = fields.map((f) => quotedIdentifier(f.name)).join(', ');
      const select = `SELECT ${cols} FROM (${sql}) ORDER BY ALL`;
      const rows = await w.all(select);
      write(`${name}.csv`, toCsv(fields.map((f) => f.name), csvRows(rows, fields, false)));
      const parquet = join(tmp, `${name}.parquet`);
      await w.run(`COPY (${select}) TO ${quotedString(parquet)} (FORMAT parquet)`);
      files[`${name}.parquet`] = sha256(readFileSync(parquet));
    }
    const rejets = await w.all(`SELECT ${REJETS_FIELDS.map((f) => quotedIdentifier(f.name)).join(', ')} FROM rejets ORDER BY source, run_id, ligne`);
    write('rejets.csv', toCsv(REJETS_FIELDS.map((f) => f.name), csvRows(rejets, REJETS_FIELDS, false)));
    write('indicateurs.json', JSON.stringify(indicatorDefinitions(await avertissements(w)), null, 2));
    write('provenance.json', JSON.stringify(await buildProvenance(config, w, now), null, 2));
    const manifest: Manifest = { edition: periode, publiee_le: now.toISOString(), fichiers: files, sources_brutes: await rawFilesUsed(w, periode) };
    writeFileSync(join(tmp, MANIFEST), JSON.stringify(manifest, null, 2));
    renameSync(tmp, target);
    for (const name of [...Object.keys(files), MANIFEST]) chmodSync(join(target, name), 0o444);
    return manifest;
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}

export interface Ecart {
  edition: string;
  indicateur: string;
  periode: string;
  niveau: string;
  territoire: string;
  type_collectivite: string;
  strate: string;
  nature: string | null;
  colonne: string;
  publie: string | null;
  recalcule: string | null;
}

/**
 * Puts published editions back in place of the fresh computation for their semester, and records every
 * difference between the two in `ecarts_editions` (reported, never applied). Then marks series breaks.
 */
export async function applyEditions(config: Config, w: Warehouse, log: Logger): Promise<Ecart[]> {
  await w.run(`CREATE OR REPLACE TABLE ecarts_editions (edition VARCHAR, indicateur VARCHAR, periode VARCHAR, niveau VARCHAR, territoire VARCHAR, type_collectivite VARCHAR, strate VARCHAR, nature VARCHAR, colonne VARCHAR, publie VARCHAR, recalcule VARCHAR)`);
  for (const { periode, folder } of listEditions(config)) {
    const parquet = `read_parquet(${quotedString(join(folder, 'barometre.parquet'))})`;
    // Editions published before the `nature` column have no rows per EPCI nature: the recomputed ones are kept.
    const withNature = (await w.all<{ column_name: string }>(`DESCRIBE SELECT * FROM ${parquet}`)).some((c) => c.column_name === 'nature');
    const frozen = withNature
      ? `(SELECT * FROM ${parquet} WHERE periode = ${quotedString(periode)})`
      : `(SELECT *, NULL::VARCHAR AS nature FROM ${parquet} WHERE periode = ${quotedString(periode)})`;
    const fresh = `(SELECT * FROM barometre WHERE periode = ${quotedString(periode)}${withNature ? '' : ' AND nature IS NULL'})`;
    const join_ = KEY.map((k) => `f.${k} IS NOT DISTINCT FROM b.${k}`).join(' AND ');
    const diffs = COMPARED.map(
      (c) => `SELECT ${quotedString(periode)}, coalesce(f.indicateur, b.indicateur), coalesce(f.periode, b.periode), coalesce(f.niveau, b.niveau), coalesce(f.territoire, b.territoire),
                     coalesce(f.type_collectivite, b.type_collectivite), coalesce(f.strate, b.strate), coalesce(f.nature, b.nature), '${c}', f.${c}::VARCHAR, b.${c}::VARCHAR
              FROM ${frozen} f FULL OUTER JOIN ${fresh} b ON ${join_}
              WHERE f.${c} IS DISTINCT FROM b.${c}`,
    );
    await w.run(`INSERT INTO ecarts_editions ${diffs.join(' UNION ALL ')}`);
    await w.run(`DELETE FROM barometre WHERE periode = $p${withNature ? '' : ' AND nature IS NULL'}`, { p: periode });
    await w.run(`INSERT INTO barometre BY NAME SELECT * EXCLUDE (edition, rupture_serie), ${quotedString(periode)} AS edition FROM ${frozen}`);
  }
  await w.run(`
    UPDATE barometre b SET rupture_serie = p.prev IS NOT NULL AND p.prev <> b.methode_version
    FROM (SELECT indicateur, periode, niveau, territoire, type_collectivite, strate,
                 nature, lag(methode_version) OVER (PARTITION BY indicateur, niveau, territoire, type_collectivite, strate, nature ORDER BY periode) AS prev
          FROM barometre) p
    WHERE ${KEY.map((k) => `p.${k} IS NOT DISTINCT FROM b.${k}`).join(' AND ')}`);
  const ecarts = await w.all<Ecart & Record<string, unknown>>(`SELECT * FROM ecarts_editions ORDER BY ALL`);
  if (ecarts.length > 0) {
    const editions = [...new Set(ecarts.map((e) => e.edition))];
    log.warn(`${ecarts.length} écart(s) entre les éditions publiées (${editions.join(', ')}) et le recalcul : les valeurs publiées sont conservées ; détail dans ecarts-editions.csv.`);
  }
  return ecarts;
}

/** Size of an edition folder in bytes (for the data page). */
export function editionSize(folder: string): number {
  return readdirSync(folder).reduce((s, f) => s + statSync(join(folder, f)).size, 0);
}
