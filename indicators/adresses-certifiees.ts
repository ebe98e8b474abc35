import { periodeOf } from './periods.ts';
import type { Indicator } from './types.ts';

/** « Atteinte »: almost every address certified. A threshold chosen by the barometer, not a regulatory objective. */
export const SEUIL_CERTIFICATION = 0.9;

export const adressesCertifiees: Indicator = {
  id: 'adresses-certifiees',
  label: 'Adresses certifiées par la commune',
  description:
    "Part des adresses de chaque commune que la commune a certifiées dans la Base Adresse Nationale ; le baromètre montre la médiane de cette part dans chaque strate, et la part des communes qui en ont certifié au moins 90 %.",
  unit: 'valeur',
  valeur: {
    forme: 'part',
    libelle: 'Part des adresses certifiées',
    complement: 'de ses adresses sont certifiées par la commune dans la Base Adresse Nationale',
  },
  direction: 'hausse',
  // Teals of increasing darkness, read on the strate median: distinct in greyscale and from the other palettes.
  levels: [
    { min: 0, label: 'Faible (médiane sous 25 %)', color: '#e1f3f1' },
    { min: 0.25, label: 'Partielle (25 à 75 %)', color: '#7fc4ba' },
    { min: 0.75, label: 'Large (75 à 90 %)', color: '#2b8577' },
    { min: SEUIL_CERTIFICATION, label: 'Presque complète (90 % ou plus)', color: '#0c3f37' },
  ],
  axe: 'approche-globale-donnee',
  sources: ['ban'],
  concernees:
    "Les communes qui ont au moins une adresse dans la Base Adresse Nationale, selon le résumé par commune de la plateforme ; aucune obligation légale de certifier un nombre d'adresses.",
  methodology: [
    "Source : le résumé par commune de la Base Adresse Nationale (communes-summary.csv, source « ban »). Pour chaque commune, la valeur est nb_numeros_certifies / nb_numeros : la part de ses adresses (numéros) que la commune a certifiées, c'est-à-dire déclarées exactes dans sa Base Adresse Locale. Une adresse assemblée par la plateforme à partir d'autres sources n'est en général pas certifiée.",
    "Les arrondissements de Paris, Lyon et Marseille sont additionnés dans leur commune. Une commune sans adresse dans la BAN, ou absente du résumé, n'est pas comptée (sa part n'a pas de sens) : le dénominateur est l'ensemble des communes qui ont au moins une adresse.",
    `Le chiffre principal est la médiane de cette part dans la strate (valeur_mediane) : la moitié des communes de la strate en ont certifié autant ou plus. Le taux publié à côté est la part des communes qui ont certifié au moins ${Math.round(SEUIL_CERTIFICATION * 100)} % de leurs adresses (« presque toutes ») ; ce seuil est un choix du baromètre, pas un objectif réglementaire.`,
    "Le semestre retient le résumé le plus récent daté dans le semestre (la date des données est celle de la composition la plus récente). Il n'y a pas d'historique publié de la certification : la série commence avec les premiers chargements du résumé.",
  ].join('\n\n'),
  version: '1.0.0',
  versions: [{ version: '1.0.0', depuis: '2025-S1', changement: 'Première version.' }],
  async periodes(w) {
    if (!(await w.tableExists('ban_communes'))) return [];
    const rows = await w.all<{ d: string }>(`SELECT DISTINCT date_donnees AS d FROM ban_communes ORDER BY d`);
    return [...new Set(rows.map((r) => periodeOf(r.d)))];
  },
  sql: () => `
    WITH snapshot_of AS (
      SELECT p.periode, max(b.date_donnees) AS date_donnees
      FROM periodes p JOIN (SELECT DISTINCT date_donnees FROM ban_communes) b ON b.date_donnees BETWEEN p.debut AND p.fin
      GROUP BY p.periode
    ),
    par_commune AS (
      SELECT s.periode, s.date_donnees, b.code, sum(b.nb_numeros) AS numeros, sum(b.nb_numeros_certifies) AS certifies
      FROM snapshot_of s JOIN ban_communes b USING (date_donnees)
      GROUP BY ALL
    )
    SELECT p.periode, p.code, 'commune' AS type_collectivite,
           TRUE AS concernee,
           FALSE AS obligee,
           p.certifies::DOUBLE / p.numeros >= ${SEUIL_CERTIFICATION} AS atteinte,
           p.certifies::DOUBLE / p.numeros AS valeur,
           p.date_donnees
    FROM par_commune p
    WHERE p.numeros > 0 AND p.code IN (SELECT code FROM ref_collectivites WHERE type_collectivite = 'commune')
  `,
};
