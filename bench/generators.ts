// Seeded generators of raw files in the sources' real formats, for the benchmark.
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
  /** Field separator of the real format (default `,`). */
  separator?: string;
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

/** One generator per source that feeds a per-collectivité indicator. */
export const GENERATORS: Record<string, Generator> = { odt, ds, enquetes, 'anct-services': anctServices, 'presence-numerique': presenceNumerique };
