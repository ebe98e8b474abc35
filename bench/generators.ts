// Seeded generators of raw files in the sources' real formats, for the benchmark.
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Referential } from '../pipelines/referential/referential.ts';

export type Random = () => number;

const hex = (random: Random, n = 24) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');

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
  /** Field separator of the real format (default `,`). */
  separator?: string;
  /** `json`: the rows are written as a JSON array (the Démarches Simplifiées export); default CSV. */
  format?: 'csv' | 'json';
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

const DS_ORGANISME: Record<string, (nom: string) => string> = { commune: (n) => `Mairie de ${n}`, epci: (n) => n, departement: (n) => `Département ${n}`, region: (n) => `Région ${n}` };

/**
 * Démarches Simplifiées, the monthly « démarches publiques » export (a JSON array, one object per procedure with its
 * service and organisme, no SIRET): every procedure published so far, more collectivités over time, and as many
 * procedures of State services.
 */
const ds: Generator = (ref, progress, random) => {
  const rows: Record<string, unknown>[] = [];
  let number = 10_000;
  for (const c of ref.collectivites) {
    const size = Math.log10(Math.max(10, c.population ?? 10)) / 7;
    if (random() >= Math.min(0.9, size * (0.1 + 0.5 * progress))) continue;
    const published = new Date(Date.UTC(2017, 0, 1) + random() * progress * 3.1e11).toISOString();
    const service = { nom: 'Service des démarches', organisme: DS_ORGANISME[c.type_collectivite]!(c.nom), typeOrganisme: 'collectivite_territoriale' };
    rows.push({ number: number++, title: 'Demande en ligne', description: 'Une démarche.', tags: [], zones: ['Collectivités territoriales'], datePublication: published, service, dossiersCount: 1 + Math.floor(random() * 500) });
    if (random() < 0.5) rows.push({ number: number++, title: 'Demande de l’État', description: 'Une démarche.', tags: [], zones: [], datePublication: published, service: { nom: 'Préfecture', organisme: 'Ministère de l’Intérieur', typeOrganisme: 'administration_centrale' }, dossiersCount: 10 });
  }
  return { columns: [], rows, extension: 'json', format: 'json' };
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

const ANCT_SERVICES = ['1', '2', '12', '48', '49', '58', '61', '9'];

/** The Incubateur's deployment file (`;`): communes and EPCI using a few services, more of them over time. */
const anctServices: Generator = (ref, progress, random) => {
  const rows: Record<string, unknown>[] = [];
  for (const c of ref.collectivites) {
    if (!c.siren || (c.type_collectivite !== 'commune' && c.type_collectivite !== 'epci')) continue;
    for (const service of ANCT_SERVICES) {
      if (random() >= 0.02 + 0.1 * progress) continue;
      rows.push({ type: c.type_collectivite, siret: `${c.siren}00017`, insee: c.type_collectivite === 'commune' ? c.code : '', population: c.population ?? '', service, active: random() < 0.7 ? 1 : 0 });
    }
  }
  return { columns: ['type', 'siret', 'insee', 'population', 'service', 'active'], rows, extension: 'csv', separator: ';' };
};

const DPNT_COLUMNS = ['type', 'siret', 'siren', 'libelle', 'population', 'code_insee', 'code_postal', 'epci_libelle', 'epci_siren', 'epci_siret', 'epci_population',
  'departement_code_insee', 'departement_siret', 'region_code_insee', 'region_siret', 'adresse_messagerie', 'site_internet', 'telephone', 'rpnt', 'service_public_url'];

/** The « Données de la Présence Numérique des Territoires » (`;`): every commune and EPCI, a site and an own domain more often over time. */
const presenceNumerique: Generator = (ref, progress, random) => {
  const rows: Record<string, unknown>[] = [];
  for (const c of ref.collectivites) {
    if (!c.siren || (c.type_collectivite !== 'commune' && c.type_collectivite !== 'epci')) continue;
    const slug = c.nom.normalize('NFD').replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();
    const site = random() < 0.4 + 0.4 * progress;
    const own = random() < 0.3 + 0.5 * progress;
    const rpnt = [site ? '1.1' : '', '2.1', own ? '2.2' : '', site && own && random() < 0.5 ? 'a' : ''].filter(Boolean).join(',');
    rows.push({
      type: c.type_collectivite, siret: `${c.siren}00017`, siren: c.siren, libelle: c.nom, population: c.population ?? '', code_insee: c.type_collectivite === 'commune' ? c.code : '',
      departement_code_insee: c.departement ?? '', region_code_insee: c.region ?? '', adresse_messagerie: own ? `mairie@${slug}.fr` : `mairie.${slug}@wanadoo.fr`,
      site_internet: site ? `https://${slug}.fr` : '', rpnt,
    });
  }
  return { columns: DPNT_COLUMNS, rows, extension: 'csv', separator: ';' };
};

const BAN_COLUMNS = ['region', 'departement', 'code_commune', 'nom_commune', 'population', 'id_revision', 'date_revision', 'type_composition', 'nb_lieux_dits', 'nb_voies', 'nb_numeros', 'nb_numeros_certifies',
  'analyse_adressage_nb_adresses_attendues', 'analyse_adressage_ratio', 'analyse_adressage_deficit_adresses', 'composed_at'];

/** The BAN's communes-summary.csv at the end of a semester: every commune, its own Base Adresse Locale more often over time. */
const ban: Generator = (ref, progress, random, periode = '2025-S1') => {
  const rows: Record<string, unknown>[] = [];
  const composed = `${periode.slice(0, 4)}-${periode.endsWith('1') ? '06-29' : '12-30'}T03:00:00.000Z`;
  for (const c of ref.collectivites) {
    if (c.type_collectivite !== 'commune') continue;
    const bal = random() < 0.1 + 0.6 * progress;
    const numeros = 50 + Math.floor(random() * 3000);
    rows.push({
      region: c.region ?? '', departement: c.departement ?? '', code_commune: c.code, nom_commune: c.nom, population: c.population ?? '', id_revision: bal ? hex(random) : '', date_revision: bal ? composed : '',
      type_composition: bal ? 'bal' : 'assemblage', nb_lieux_dits: 10, nb_voies: 40, nb_numeros: numeros, nb_numeros_certifies: bal ? Math.floor(numeros * random()) : 0,
      analyse_adressage_nb_adresses_attendues: numeros, analyse_adressage_ratio: 100, analyse_adressage_deficit_adresses: '', composed_at: composed,
    });
  }
  return { columns: BAN_COLUMNS, rows, extension: 'csv' };
};

/** bal-admin's publication_date.csv: the first Base Adresse Locale publication of seven communes in ten, since 2014. */
export function banPublications(ref: Referential, random: Random): Generated {
  const rows = ref.collectivites
    .filter((c) => c.type_collectivite === 'commune' && random() < 0.7)
    .map((c) => ({ code: c.code, publication_date: `${new Date(Date.UTC(2014, 0, 1) + random() * 3.6e11).toISOString().slice(0, 10)} 00:00:00.000000000` }));
  return { columns: ['code', 'publication_date'], rows, extension: 'csv' };
}

/** One generator per source that feeds a per-collectivité indicator, one file per semester. */
export const GENERATORS: Record<string, Generator> = { odt, ds, enquetes, 'anct-services': anctServices, 'presence-numerique': presenceNumerique, ban };

// --- DECP: a file the size of the live consolidated one ----------------------------------------------------------

/** A SIRET for a SIREN: the first establishment number (NIC) whose Luhn key is right, from `from` on. */
export function siretOf(siren: string, from = 10): string {
  for (let nic = from; nic < 100_000; nic++) {
    const siret = siren + String(nic).padStart(5, '0');
    let sum = 0;
    for (let i = 0; i < 14; i++) {
      let d = Number(siret[13 - i]);
      if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
    if (sum % 10 === 0) return siret;
  }
  throw new Error(`aucun SIRET valide pour ${siren}`);
}

export interface DecpAcheteur {
  siret: string;
  nom: string;
  /** Relative share of the contracts. */
  poids: number;
}

/**
 * The buyers of a DECP-sized file: every commune and EPCI with a SIREN (more contracts for larger ones), and as many
 * other buyers (State services, hospitals, syndicates) with SIRENs outside the referential, drawn with the seed.
 */
export function decpAcheteurs(ref: Referential, random: Random): DecpAcheteur[] {
  const out: DecpAcheteur[] = [];
  for (const c of ref.collectivites) {
    if (!c.siren) continue;
    out.push({ siret: siretOf(c.siren, 10 + Math.floor(random() * 50)), nom: c.nom.toUpperCase(), poids: Math.max(1, Math.log10(Math.max(10, c.population ?? 10)) ** 3) });
  }
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const siren = `${['13', '18', '26', '25', '77'][Math.floor(random() * 5)]}${String(Math.floor(random() * 1e7)).padStart(7, '0')}`;
    out.push({ siret: siretOf(siren, 10 + Math.floor(random() * 50)), nom: `ACHETEUR ${siren}`, poids: 1 + random() * 20 });
  }
  return out;
}

/** The 58 columns of today's consolidated tabular file (decp-processing's Table Schema), in its order. */
export const DECP_TABULAR_COLUMNS = [
  'uid', 'id', 'nature', 'acheteur_id', 'acheteur_nom', 'titulaire_id', 'titulaire_typeIdentifiant', 'titulaire_nom', 'objet', 'montant', 'type', 'codeCPV',
  'procedure', 'techniques', 'dureeMois', 'dureeRestanteMois', 'offresRecues', 'dateNotification', 'datePublicationDonnees', 'formePrix', 'typesPrix',
  'attributionAvance', 'tauxAvance', 'marcheInnovant', 'modalitesExecution', 'considerationsSociales', 'considerationsEnvironnementales', 'ccag',
  'sousTraitanceDeclaree', 'typeGroupementOperateurs', 'origineUE', 'origineFrance', 'lieuExecution_code', 'lieuExecution_typeCode', 'idAccordCadre',
  'titulaire_distance', 'acheteur_categorie', 'acheteur_commune_code', 'acheteur_commune_nom', 'acheteur_departement_code', 'acheteur_departement_nom',
  'acheteur_region_code', 'acheteur_region_nom', 'acheteur_latitude', 'acheteur_longitude', 'titulaire_categorie', 'titulaire_commune_code',
  'titulaire_commune_nom', 'titulaire_departement_code', 'titulaire_departement_nom', 'titulaire_region_code', 'titulaire_region_nom', 'titulaire_latitude',
  'titulaire_longitude', 'modification_id', 'donneesActuelles', 'sourceDataset', 'sourceFile',
] as const;

/**
 * SQL selecting `contrats` contracts in today's tabular layout, from a table `acheteurs(k, siret, nom)` whose `k` is
 * drawn by weight: each contract picks its buyer, date and holders from hashes of its number and the seed, so the same
 * seed gives the same file. One row per holder (a tenth have two) and per modification (one in seven has one).
 */
export function decpTabularSql(contrats: number, seed: number, buyers: number): string {
  const h = (salt: number) => `hash(c.i, ${seed + salt})`;
  const text = (v: string) => `'${v}'`;
  const cols: Record<(typeof DECP_TABULAR_COLUMNS)[number], string> = {
    uid: `a.siret || c.idm`, id: 'c.idm', nature: `CASE WHEN ${h(1)} % 5 = 0 THEN 'Accord-cadre' ELSE 'Marché' END`, acheteur_id: 'a.siret', acheteur_nom: 'a.nom',
    titulaire_id: `lpad(CAST(${h(2)} % 99999999999999 + t.t AS VARCHAR), 14, '0')`, titulaire_typeIdentifiant: text('SIRET'), titulaire_nom: `'ENTREPRISE ' || (${h(2)} % 100000)`,
    objet: `'Marché n° ' || c.i || ' : travaux et fournitures'`, montant: `CAST(40000 + ${h(3)} % 2000000 AS DOUBLE)`, type: text('Travaux'), codeCPV: text('45000000-7'),
    procedure: text('Procédure adaptée'), techniques: text('Sans objet'), dureeMois: `CAST(1 + ${h(4)} % 48 AS INTEGER)`, dureeRestanteMois: 'CAST(0 AS DOUBLE)',
    offresRecues: `CAST(1 + ${h(5)} % 9 AS INTEGER)`, dateNotification: 'CASE WHEN m.m = 0 THEN c.notification ELSE c.notification + INTERVAL 90 DAY END::DATE',
    datePublicationDonnees: 'CASE WHEN m.m = 0 THEN c.notification + INTERVAL 20 DAY ELSE c.notification + INTERVAL 110 DAY END::DATE', formePrix: text('Forfaitaire'),
    typesPrix: text('Définitif ferme'), attributionAvance: 'FALSE', tauxAvance: 'CAST(0 AS DOUBLE)', marcheInnovant: 'FALSE', modalitesExecution: text('Sans objet'),
    considerationsSociales: text('Pas de considération sociale'), considerationsEnvironnementales: text('Pas de considération environnementale'), ccag: text('Travaux'),
    sousTraitanceDeclaree: 'FALSE', typeGroupementOperateurs: text('Pas de groupement'), origineUE: 'CAST(0 AS DOUBLE)', origineFrance: 'CAST(0 AS DOUBLE)',
    lieuExecution_code: 'CAST(35238 AS BIGINT)', lieuExecution_typeCode: text('Code commune'), idAccordCadre: 'NULL::VARCHAR', titulaire_distance: `CAST(${h(6)} % 500 AS BIGINT)`,
    acheteur_categorie: text('Commune'), acheteur_commune_code: text('35238'), acheteur_commune_nom: text('Rennes'), acheteur_departement_code: text('35'),
    acheteur_departement_nom: text('Ille-et-Vilaine'), acheteur_region_code: text('53'), acheteur_region_nom: text('Bretagne'), acheteur_latitude: 'CAST(48.11 AS DOUBLE)',
    acheteur_longitude: 'CAST(-1.68 AS DOUBLE)', titulaire_categorie: text('PME'), titulaire_commune_code: text('35238'), titulaire_commune_nom: text('Rennes'),
    titulaire_departement_code: text('35'), titulaire_departement_nom: text('Ille-et-Vilaine'), titulaire_region_code: text('53'), titulaire_region_nom: text('Bretagne'),
    titulaire_latitude: 'CAST(48.11 AS DOUBLE)', titulaire_longitude: 'CAST(-1.68 AS DOUBLE)', modification_id: 'CAST(m.m AS INTEGER)',
    donneesActuelles: `m.m = CASE WHEN ${h(8)} % 7 = 0 THEN 1 ELSE 0 END`, sourceDataset: `CASE ${h(9)} % 3 WHEN 0 THEN 'pes_marche_2024' WHEN 1 THEN 'megalis_bretagne' ELSE 'atexo_mutualise' END`,
    sourceFile: text('https://www.data.gouv.fr/fr/datasets/r/exemple'),
  };
  return `
    WITH c AS (
      SELECT range AS i, 'M' || range AS idm, DATE '2018-10-01' + CAST(hash(range, ${seed}) % 2800 AS INTEGER) AS notification,
             CAST(hash(range, ${seed + 7}) % ${buyers} AS INTEGER) AS k
      FROM range(${contrats})
    )
    SELECT ${DECP_TABULAR_COLUMNS.map((c) => `${cols[c]} AS "${c}"`).join(', ')}
    FROM c JOIN acheteurs a USING (k)
    CROSS JOIN LATERAL (SELECT unnest(range(CASE WHEN ${h(10)} % 10 = 0 THEN 2 ELSE 1 END)) AS t) t
    CROSS JOIN LATERAL (SELECT unnest(range(CASE WHEN ${h(8)} % 7 = 0 THEN 2 ELSE 1 END)) AS m) m
    ORDER BY c.i, m.m, t.t`;
}

// --- data.gouv.fr's catalogue --------------------------------------------------------------------------

const ORGANISATIONS_HEADER = ['id', 'name', 'acronym', 'slug', 'url', 'description', 'logo', 'badges', 'created_at', 'last_modified', 'business_number_id', 'members_count', 'downloads', 'metric.dataservices', 'metric.dataservices_by_months', 'metric.datasets', 'metric.datasets_by_months', 'metric.datasets_followers_by_months', 'metric.datasets_reuses_by_months', 'metric.members', 'metric.reuses', 'metric.reuses_by_months', 'metric.reuses_followers_by_months', 'metric.dataservices', 'metric.followers', 'metric.views'];
const JEUX_HEADER = ['id', 'title', 'slug', 'acronym', 'url', 'organization', 'organization_id', 'owner', 'owner_id', 'description', 'description_short', 'frequency', 'license', 'temporal_coverage.start', 'temporal_coverage.end', 'spatial.granularity', 'spatial.zones', 'featured', 'created_at', 'last_modified', 'tags', 'archived', 'resources_count', 'main_resources_count', 'resources_formats', 'harvest.backend', 'harvest.domain', 'harvest.created_at', 'harvest.modified_at', 'harvest.remote_url', 'quality_score', 'metric.discussions', 'metric.discussions_open', 'metric.reuses', 'metric.reuses_by_months', 'metric.dataservices', 'metric.followers', 'metric.followers_by_months', 'metric.views', 'metric.resources_downloads'];

/** The export's quoting: text in double quotes, numbers and True/False bare, `;` between fields, CRLF between records. */
function record(values: (string | number | boolean)[]): string {
  return values.map((v) => (typeof v === 'string' ? `"${v.replaceAll('"', '""')}"` : typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v))).join(';');
}

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
