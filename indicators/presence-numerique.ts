// The indicators read from the « Données de la Présence Numérique des Territoires » share: one per row of
// data/referentiels/presence-numerique-indicateurs.csv, all of the same shape (a yes/no condition on the columns of
// the source's table, per collectivité and snapshot). Adding such an indicator is adding a row, not writing code.
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { readCsvFile } from '../pipelines/referential/referential.ts';
import { sourceById } from '../pipelines/sources/index.ts';
import { AXES, type AxeDcant, type Indicator, type Level } from './types.ts';
import { HISTORIQUE_QUOTIDIEN, instantaneSql, periodesInstantanes } from './instantanes.ts';

export const PRESENCE_INDICATEURS_FILE = 'data/referentiels/presence-numerique-indicateurs.csv';
const SOURCE = 'presence-numerique';
const TABLE = 'presence_numerique';

// Teals of increasing darkness: distinct in greyscale and from the other indicators' palettes.
export const NIVEAUX_PRESENCE: Level[] = [
  { min: 0, label: 'Faible (moins de 25 %)', color: '#dcefec' },
  { min: 0.25, label: 'En progression (25 à 50 %)', color: '#7fbfb5' },
  { min: 0.5, label: 'Avancé (50 à 75 %)', color: '#2d7d71' },
  { min: 0.75, label: 'Généralisé (75 % ou plus)', color: '#0b3b34' },
];

export const CONCERNEES_PRESENCE =
  "Toutes les collectivités (communes, EPCI à fiscalité propre, départements, régions). Aucune obligation légale générale n'impose un site internet ou une messagerie sur un nom de domaine propre.";

export const METHODE_DPNT = [
  "Source : le fichier quotidien « dpnt-quotidien.csv.gz » des « Données de la Présence Numérique des Territoires » (ANCT, Suite territoriale), publié sur data.gouv.fr. Pour chaque collectivité, il donne le site internet et l'adresse de messagerie déclarés dans l'Annuaire de l'administration (Service-Public.fr), tels que le producteur les retient (une adresse mal formée n'est pas publiée), et la liste des critères du Référentiel de la Présence Numérique des Territoires (RPNT) que la collectivité atteint, vérifiés chaque jour par le producteur.",
  "Rapprochement : communes par le SIREN (colonne siren, ou les 9 premiers chiffres du SIRET), puis par le code INSEE ; EPCI par le SIREN ; départements et régions par le SIREN (table data/referentiels/siren-departements-regions.csv), sinon par leur propre code (departement_code_insee, region_code_insee) : pour eux, code_insee est la commune du siège et ne sert pas. Une collectivité en double compte une fois ; les lignes non rapprochées sont rejetées avec leur motif (rejets.csv). Une collectivité absente du fichier n'atteint pas l'objectif.",
  HISTORIQUE_QUOTIDIEN,
];

/** One row of the file: the words of an indicator and its condition. */
export interface IndicateurPresence {
  id: string;
  libelle: string;
  /** Empty: the pages use the label. */
  libelle_court: string;
  axe: AxeDcant;
  /** The condition as written: columns of the source's table separated by « ; », each prefixed by « ! » to negate it. */
  condition: string;
  /** The SQL of the condition, over the table's columns. */
  conditionSql: string;
  description: string;
  /** What is proper to the indicator, after the paragraphs shared by the family (paragraphs separated by a blank line). */
  methodologie: string;
}

/**
 * Parses `adresse_messagerie;!domaine_generique` against the table's columns: a text column holds when it is filled
 * (`IS NOT NULL`), a boolean one when it is true; « ! » negates. The terms are joined by AND.
 */
export function conditionSql(condition: string, colonnes: readonly { name: string; type: string }[], where: string): string {
  const termes = condition.split(';').map((t) => t.trim()).filter((t) => t !== '');
  if (termes.length === 0) throw new Error(`${where} : condition vide (au moins une colonne de la table ${TABLE} attendue, par exemple site_internet)`);
  return termes
    .map((terme) => {
      const non = terme.startsWith('!');
      const nom = (non ? terme.slice(1) : terme).trim();
      const colonne = colonnes.find((c) => c.name === nom);
      if (!colonne || (colonne.type !== 'VARCHAR' && colonne.type !== 'BOOLEAN')) {
        const possibles = colonnes.filter((c) => c.type === 'VARCHAR' || c.type === 'BOOLEAN').map((c) => c.name);
        throw new Error(`${where} : « ${nom} » n'est pas une colonne texte ou booléenne de la table ${TABLE} (colonnes : ${possibles.join(', ')})`);
      }
      if (colonne.type === 'BOOLEAN') return non ? `NOT ${nom}` : nom;
      return non ? `${nom} IS NULL` : `${nom} IS NOT NULL`;
    })
    .join(' AND ');
}

export function loadIndicateursPresence(path = resolve(PROJECT_ROOT, PRESENCE_INDICATEURS_FILE)): IndicateurPresence[] {
  const rows = readCsvFile<Record<string, string>>(path);
  const colonnes = sourceById(SOURCE).tables.find((t) => t.name === TABLE)?.columns ?? [];
  const ids = new Set<string>();
  return rows.map((r, i) => {
    const where = `${path}, ligne ${i + 2}`;
    const id = (r.id ?? '').trim();
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id)) throw new Error(`${where} : identifiant « ${r.id ?? ''} » invalide (minuscules, chiffres et tirets, par exemple site-internet)`);
    if (ids.has(id)) throw new Error(`${where} : identifiant « ${id} » déjà utilisé`);
    ids.add(id);
    const axe = (r.axe ?? '').trim() as AxeDcant;
    if (!(axe in AXES)) throw new Error(`${where} : axe « ${r.axe ?? ''} » inconnu (attendu : ${Object.keys(AXES).join(', ')})`);
    const out = {
      id,
      libelle: (r.libelle ?? '').trim(),
      libelle_court: (r.libelle_court ?? '').trim(),
      axe,
      condition: (r.condition ?? '').trim(),
      conditionSql: conditionSql(r.condition ?? '', colonnes, `${where}, colonne condition`),
      description: (r.description ?? '').trim(),
      methodologie: (r.methodologie ?? '').trim(),
    };
    if (out.libelle === '' || out.description === '' || out.methodologie === '') throw new Error(`${where} : libellé, description ou méthodologie vide`);
    return out;
  });
}

export function presenceIndicator(p: IndicateurPresence): Indicator {
  return {
    id: p.id,
    label: p.libelle,
    ...(p.libelle_court ? { labelCourt: p.libelle_court } : {}),
    description: p.description,
    unit: 'taux',
    direction: 'hausse',
    levels: NIVEAUX_PRESENCE,
    axe: p.axe,
    sources: [SOURCE],
    concernees: CONCERNEES_PRESENCE,
    methodology: [...METHODE_DPNT, ...p.methodologie.split(/\n\s*\n/)].join('\n\n'),
    version: '1.0.0',
    versions: [{ version: '1.0.0', depuis: '2025-S2', changement: 'Première version.' }],
    periodes: (w) => periodesInstantanes(w, TABLE),
    // The condition's columns are checked against the table's, so only known identifiers reach the SQL text.
    sql: () =>
      instantaneSql(
        TABLE,
        `SELECT date_donnees, categorie AS type_collectivite, code, bool_or(${p.conditionSql}) AS atteinte,
                CASE WHEN bool_or(${p.conditionSql}) THEN 1.0 ELSE 0.0 END AS valeur
         FROM ${TABLE} WHERE code IS NOT NULL GROUP BY ALL`,
      ),
  };
}

/** Built once from the committed file, for the registry, in the file's order. */
export const PRESENCE_INDICATORS: readonly Indicator[] = loadIndicateursPresence().map(presenceIndicator);
