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
