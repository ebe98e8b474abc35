// What the three indicators read from the « Données de la Présence Numérique des Territoires » share.
import type { Level } from './types.ts';
import { HISTORIQUE_QUOTIDIEN } from './instantanes.ts';

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
