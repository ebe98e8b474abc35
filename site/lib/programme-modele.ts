// The roadmap's model (programme.ts): the statuses of an action, and the rows of each file of data/programme/, each
// with the document it cites.

export const STATUTS = ['a_lancer', 'demarree', 'en_cours', 'terminee', 'abandonnee'] as const;
export type Statut = (typeof STATUTS)[number];

/** Where a row comes from: a document of documents.csv and its section, as the board can check it. */
export interface Citation {
  document: string;
  section: string;
}

export interface DocumentProgramme {
  id: string;
  titre: string;
  editeur: string;
  date: string;
  fichier: string;
  adresse: string;
}

export interface Axe extends Citation {
  id: string;
  cle: string;
  libelle: string;
  ambition: string;
}

export interface Conviction extends Citation {
  axe: string;
  ordre: number;
  texte: string;
}

/** A result of a semester, in the programme's words, and the actions of the next roadmap that carry it on. */
export interface Resultat extends Citation {
  id: string;
  axe: string;
  periode: string;
  intitule: string;
  /** Paragraphs, separated by line breaks in the file. */
  texte: string;
  suite: string[];
}

export interface Action extends Citation {
  id: string;
  axe: string;
  /** The semester of the roadmap that lists the action. */
  periode: string;
  libelle: string;
  /** Who carries the action, as the document names them (ids of organisations.csv). */
  porteurs: string[];
  partenaires: string[];
  /** Ids of the indicators that measure it (barometer indicators or the observatory's `vde-<périmètre>-<indicateur>`). */
  indicateurs: string[];
  /** How the indicators measure it, or why nothing does. */
  mesure: string;
}

export interface Organisation {
  id: string;
  nom: string;
  note: string;
}

export interface Historique extends Citation {
  programme: string;
  type: 'axe' | 'recommandation';
  id: string;
  parent: string;
  libelle: string;
}

export interface StatutAction {
  action: string;
  periode: string;
  statut: Statut;
  commentaire: string;
  /** An id of documents.csv, an address (compte rendu…), or empty. */
  document: string;
  section: string;
}

export interface Programme {
  dossier: string;
  documents: DocumentProgramme[];
  organisations: Organisation[];
  axes: Axe[];
  convictions: Conviction[];
  resultats: Resultat[];
  actions: Action[];
  historique: Historique[];
  statuts: StatutAction[];
}
