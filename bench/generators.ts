// Seeded generators of raw files in the sources' real formats, for the benchmark.
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Referential } from '../pipelines/referential.ts';

export type Random = () => number;

/** A small, well-known seeded PRNG (mulberry32): same seed, same files. */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Generated {
  columns: string[];
  rows: Record<string, unknown>[];
  extension: string;
}

/** `progress` goes from 0 (first semester) to 1 (last): adoption grows over time. */
export type Generator = (ref: Referential, progress: number, random: Random, periode?: string) => Generated;

const ODT_COLUMNS = ['siren', 'nom', 'type', 'regcode', 'url-ptf', 'nb-ptf', 'url-datagouv', 'nb-datagouv', 'id-datagouv', 'id-ods', 'pop-insee', 'lat', 'long', 'merge', 'depcode'];
const ODT_TYPE: Record<string, string> = { CC: 'CC', CA: 'CA', CU: 'CU', METRO: 'MET' };

/** Every collectivité, each a row of the ODT organisations file, publishing with a probability growing with size and time. */
const odt: Generator = (ref, progress, random) => {
  const rows: Record<string, unknown>[] = [];
  for (const c of ref.collectivites) {
    const size = Math.log10(Math.max(10, c.population ?? 10)) / 7;
    const p = Math.min(0.95, 0.02 + size * (0.2 + 0.6 * progress));
    const n = random() < p ? 1 + Math.floor(random() * 50) : 0;
    const type = c.type_collectivite === 'commune' ? 'COM' : c.type_collectivite === 'epci' ? (ODT_TYPE[c.nature ?? ''] ?? 'CC') : c.type_collectivite === 'departement' ? 'DEP' : 'REG';
    rows.push({
      siren: c.siren ?? '',
      nom: c.nom.toUpperCase(),
      type,
      regcode: `XX-${c.region ?? ''}`,
      'nb-ptf': n,
      'nb-datagouv': '',
      'pop-insee': c.population ?? '',
      merge: 'ptf',
      depcode: c.departement ?? '',
    });
  }
  return { columns: ODT_COLUMNS, rows, extension: 'csv' };
};

const DS_COLUMNS = ['mois', 'procedure_id', 'service_siret', 'service_adresse', 'nb_groupe_instructeur', 'nb_instructeur', 'nb_expert'];

/** Démarches Simplifiées: the six months of a semester, a procedure for a growing share of communes and EPCI. */
const ds: Generator = (ref, progress, random, periode = '2025-S1') => {
  const rows: Record<string, unknown>[] = [];
  const [year, half] = [Number(periode.slice(0, 4)), Number(periode.slice(6))];
  let procedure = 10_000;
  for (const c of ref.collectivites) {
    if (!c.siren || (c.type_collectivite !== 'commune' && c.type_collectivite !== 'epci')) continue;
    const size = Math.log10(Math.max(10, c.population ?? 10)) / 7;
    if (random() >= Math.min(0.9, size * (0.1 + 0.5 * progress))) continue;
    const id = procedure++;
    const month = (half - 1) * 6 + 1 + Math.floor(random() * 6);
    rows.push({ mois: `${year}-${String(month).padStart(2, '0')}`, procedure_id: id, service_siret: `${c.siren}00017`, service_adresse: 'Mairie', nb_groupe_instructeur: 1, nb_instructeur: 1 + Math.floor(random() * 5), nb_expert: 0 });
  }
  return { columns: DS_COLUMNS, rows, extension: 'csv' };
};

const CHANTIERS = ['franceconnect', 'sve-urbanisme', 'actes-prefecture', 'registre-deliberations', 'archivage-electronique', 'marches-publics'];

/** Surveys: a sample of a tenth of the communes and of all EPCI answer for each workstream. */
const enquetes: Generator = (ref, progress, random, periode = '2025-S1') => {
  const rows: Record<string, unknown>[] = [];
  const date = `${periode.slice(0, 4)}-${periode.endsWith('1') ? '04' : '10'}-15`;
  for (const c of ref.collectivites) {
    if (c.type_collectivite === 'commune' && random() > 0.1) continue;
    for (const chantier of CHANTIERS) {
      const r = random();
      const statut = r < 0.2 + 0.6 * progress ? 'oui' : r < 0.85 ? 'en_cours' : 'non';
      rows.push({ identifiant: c.type_collectivite === 'epci' ? c.code : c.type_collectivite === 'region' ? `REG-${c.code}` : c.code, chantier, statut, date_observation: date, source: `Enquête DCANT ${periode}` });
    }
  }
  return { columns: ['identifiant', 'chantier', 'statut', 'date_observation', 'source'], rows, extension: 'csv' };
};

/** One generator per source that feeds a per-collectivité indicator. */
export const GENERATORS: Record<string, Generator> = { odt, ds, enquetes };

// --- data.gouv.fr's catalogue --------------------------------------------------------------------------

const ORGANISATIONS_HEADER = ['id', 'name', 'acronym', 'slug', 'url', 'description', 'logo', 'badges', 'created_at', 'last_modified', 'business_number_id', 'members_count', 'downloads', 'metric.dataservices', 'metric.dataservices_by_months', 'metric.datasets', 'metric.datasets_by_months', 'metric.datasets_followers_by_months', 'metric.datasets_reuses_by_months', 'metric.members', 'metric.reuses', 'metric.reuses_by_months', 'metric.reuses_followers_by_months', 'metric.dataservices', 'metric.followers', 'metric.views'];
const JEUX_HEADER = ['id', 'title', 'slug', 'acronym', 'url', 'organization', 'organization_id', 'owner', 'owner_id', 'description', 'description_short', 'frequency', 'license', 'temporal_coverage.start', 'temporal_coverage.end', 'spatial.granularity', 'spatial.zones', 'featured', 'created_at', 'last_modified', 'tags', 'archived', 'resources_count', 'main_resources_count', 'resources_formats', 'harvest.backend', 'harvest.domain', 'harvest.created_at', 'harvest.modified_at', 'harvest.remote_url', 'quality_score', 'metric.discussions', 'metric.discussions_open', 'metric.reuses', 'metric.reuses_by_months', 'metric.dataservices', 'metric.followers', 'metric.followers_by_months', 'metric.views', 'metric.resources_downloads'];

/** The export's quoting: text in double quotes, numbers and True/False bare, `;` between fields, CRLF between records. */
function record(values: (string | number | boolean)[]): string {
  return values.map((v) => (typeof v === 'string' ? `"${v.replaceAll('"', '""')}"` : typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v))).join(';');
}

const hex = (random: Random, n = 24) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
const isoDay = (ms: number) => new Date(ms).toISOString().replace('Z', '000').slice(0, 26);

/**
 * A catalogue the size of data.gouv.fr's (60 000 organisations, 600 000 datasets by default), in the exports' exact
 * format: collectivités with their SIRET or only a name ("Ville de …", "Département de …"), and other organisations.
 * Writes the two files (organisations, and datasets beside them) and returns their paths.
 */
export function writeDatagouvCatalogue(dir: string, ref: Referential, random: Random, sizes = { organisations: 60_000, jeux: 600_000 }): { organisations: string; jeux: string } {
  const paths = { organisations: join(dir, 'export-organization-20250901-055249.csv'), jeux: join(dir, 'export-dataset-20250901-055249.csv') };
  // Written in batches: 600 000 records of 40 fields are too many to hold as one string.
  const writer = (path: string) => {
    const fd = openSync(path, 'w');
    let batch: string[] = [];
    const flush = () => {
      if (batch.length > 0) writeSync(fd, `${batch.join('\r\n')}\r\n`);
      batch = [];
    };
    return { push: (line: string) => (batch.push(line), batch.length >= 10_000 && flush()), close: () => (flush(), closeSync(fd)) };
  };
  const months = "{'2025-01': 0, '2025-02': 1, '2025-03': 0, '2025-04': 2, '2025-05': 0, '2025-06': 0}";
  const collectivites = ref.collectivites.filter((c) => c.type_collectivite !== 'commune' || (c.population ?? 0) >= 2000);
  const orgs: { id: string; name: string }[] = [];
  const organisations = writer(paths.organisations);
  organisations.push(record(ORGANISATIONS_HEADER));
  for (let i = 0; i < sizes.organisations; i++) {
    const c = i < collectivites.length && random() < 0.35 ? collectivites[i]! : null;
    const id = hex(random);
    const byName = c !== null && random() < 0.4;
    const name = c === null ? `Organisation ${i} ${hex(random, 6)}` : c.type_collectivite === 'commune' ? `Ville de ${c.nom}` : c.type_collectivite === 'departement' ? `Département ${c.nom}` : c.type_collectivite === 'region' ? `Région ${c.nom}` : c.nom;
    const siret = c && !byName && c.siren ? `${c.siren}000${10 + Math.floor(random() * 89)}` : c ? '' : `${800_000_000 + i}000${10 + Math.floor(random() * 89)}`;
    orgs.push({ id, name });
    organisations.push(record([id, name, '', `org-${i}`, `https://www.data.gouv.fr/organizations/org-${i}/`, 'Une organisation.\nSur deux lignes.', '', c ? 'public-service,local-authority' : '', isoDay(Date.UTC(2014, 0, 1) + random() * 3.5e11), isoDay(Date.UTC(2025, 5, 1) + random() * 8e9), siret, 2, 10, 0, months, 1, months, months, months, 2, 0, months, months, 0, 1, 100]));
  }
  organisations.close();
  const jeux = writer(paths.jeux);
  jeux.push(record(JEUX_HEADER));
  for (let i = 0; i < sizes.jeux; i++) {
    const o = orgs[Math.floor(random() ** 2 * orgs.length)]!;
    const created = Date.UTC(2013, 11, 1) + random() * 3.6e11;
    const archived = random() < 0.1 ? isoDay(created + random() * (Date.UTC(2025, 8, 1) - created)) : false;
    jeux.push(record([hex(random), `Jeu ${i}`, `jeu-${i}`, '', `https://www.data.gouv.fr/datasets/jeu-${i}/`, o.name, o.id, '', '', 'Un jeu de données.', '', 'annual', 'Licence Ouverte / Open Licence version 2.0', '', '', 'other', 'France', false, isoDay(created), isoDay(Date.UTC(2025, 8, 1) + random() * 1e9), 'tag', archived, 1, 1, 'csv', '', '', '', '', '', '0.5', 0, 0, 0, months, 0, 0, months, 10, 20]));
  }
  jeux.close();
  return paths;
}
