// The four axes of the DCANT programme (« Programme de développement concerté de l'administration numérique
// territoriale 2018-2020 »): every workstream and every shared service belongs to one.
export type AxeDcant = 'gouvernance-partagee' | 'socle-commun' | 'approche-globale-donnee' | 'passage-echelle';

export const AXES: Record<AxeDcant, string> = {
  'gouvernance-partagee': 'Gouvernance partagée',
  'socle-commun': 'Socle commun',
  'approche-globale-donnee': 'Approche globale de la donnée',
  'passage-echelle': "Passage à l'échelle",
};
