import type { Warehouse } from '../pipelines/base/warehouse.ts';
import { periodeEnd, periodeOf, periodesBetween } from './periods.ts';
import type { Indicator } from './types.ts';

/** The semesters the publication history covers entirely: from its first publication to the last semester ended by its date. */
async function semestresHistorique(w: Warehouse): Promise<string[]> {
  if (!(await w.tableExists('ban_publications'))) return [];
  const r = await w.one<{ premiere: string | null; donnees: string | null }>(`SELECT min(date_publication) AS premiere, max(date_donnees) AS donnees FROM ban_publications`);
  if (!r?.premiere || !r.donnees) return [];
  return periodesBetween(periodeOf(r.premiere), periodeOf(r.donnees)).filter((p) => periodeEnd(p) <= r.donnees!);
}

export const adressesBal: Indicator = {
  id: 'adresses-bal',
  label: 'Communes publiant leur Base Adresse Locale',
  description:
    "Part des communes dont les adresses, dans la Base Adresse Nationale, viennent de leur propre Base Adresse Locale (la commune, ou son intercommunalité pour elle, les tient et les publie), et non d'un assemblage d'autres sources.",
  unit: 'taux',
  direction: 'hausse',
  // Purples of increasing darkness: distinct in greyscale and from the other indicators' palettes.
  levels: [
    { min: 0, label: 'Faible (moins de 25 %)', color: '#efe7f6' },
    { min: 0.25, label: 'En progression (25 à 50 %)', color: '#b79bd3' },
    { min: 0.5, label: 'Avancé (50 à 75 %)', color: '#74489c' },
    { min: 0.75, label: 'Généralisé (75 % ou plus)', color: '#341850' },
  ],
  axe: 'approche-globale-donnee',
  sources: ['ban', 'ban-publications'],
  concernees:
    "Toutes les communes. La loi 3DS (art. 169, CGCT art. L. 2121-30-1) oblige chaque commune à dénommer et numéroter ses voies et à mettre ces données à disposition dans la Base Adresse Nationale ; publier sa propre Base Adresse Locale en est le moyen prévu mais pas le seul : aucune commune n'est donc comptée comme « soumise » (à vérifier).",
  methodology: [
    "Une commune atteint l'objectif lorsque ses adresses, dans la Base Adresse Nationale (BAN), viennent de sa Base Adresse Locale (BAL), publiée par elle ou par un partenaire pour elle, plutôt que de l'assemblage que la plateforme fait d'autres sources (cadastre, IGN, opérateurs de fibre, INSEE).",
    "Semestres récents : le résumé par commune de la plateforme (communes-summary.csv, source « ban »), dont la colonne type_composition vaut « bal » ou « assemblage » (valeurs tirées du code de composition de la plateforme). Le semestre retient le résumé le plus récent daté dans le semestre ; la date des données est celle de la composition la plus récente du fichier.",
    "Semestres passés : la date de première publication de la BAL de chaque commune (publication_date.csv de l'outil bal-admin de l'équipe BAN, source « ban-publications »), depuis 2014. Une commune est comptée à la fin d'un semestre si sa première BAL a été publiée au plus tard ce jour-là ; la plateforme n'admet pas de retour d'une BAL vers l'assemblage. Seuls sont calculés les semestres entièrement couverts par ce fichier (il s'arrête à sa dernière date) ; un semestre qui a un résumé de la plateforme est calculé avec le résumé.",
    "Rapprochement : par code INSEE. Les arrondissements de Paris, Lyon et Marseille, que la BAN traite comme des communes, sont rattachés à leur commune : celle-ci compte quand tous ses arrondissements publiés sont en BAL (résumé) ou dès la première publication de l'un d'eux (historique). Les codes de communes fusionnées depuis sont suivis jusqu'à la commune nouvelle, qui compte dès la première publication sur l'une des anciennes communes. Les collectivités d'outre-mer hors du référentiel sont rejetées.",
    "Le dénominateur est l'ensemble des communes de la strate au référentiel ; une commune absente du résumé de la plateforme compte comme n'ayant pas de BAL. Le taux pondéré par la population (taux_population) donne la part de la population qui vit dans une commune à BAL.",
    "Limites : une BAL peut être publiée par l'intercommunalité ou un syndicat pour la commune ; l'indicateur ne distingue pas qui la tient. Entre la fin du fichier d'historique (août 2023 dans sa version connue) et le premier résumé chargé, les semestres manquent : la série se complète au fil des chargements du résumé.",
  ].join('\n\n'),
  version: '1.0.0',
  versions: [{ version: '1.0.0', depuis: '2014-S1', changement: 'Première version.' }],
  async periodes(w) {
    const out = new Set(await semestresHistorique(w));
    if (await w.tableExists('ban_communes')) {
      for (const r of await w.all<{ d: string }>(`SELECT DISTINCT date_donnees AS d FROM ban_communes`)) out.add(periodeOf(r.d));
    }
    return [...out].sort();
  },
  sql: ({ tables }) => {
    const summary = !tables || tables.has('ban_communes');
    const history = !tables || tables.has('ban_publications');
    const parts: string[] = [];
    if (summary) {
      parts.push(`
        SELECT s.periode, s.date_donnees, b.code, bool_and(b.bal) AS bal
        FROM (SELECT p.periode, max(b.date_donnees) AS date_donnees
              FROM periodes p JOIN (SELECT DISTINCT date_donnees FROM ban_communes) b ON b.date_donnees BETWEEN p.debut AND p.fin
              GROUP BY p.periode) s
        JOIN ban_communes b USING (date_donnees)
        GROUP BY ALL`);
    }
    if (history) {
      parts.push(`
        SELECT h.periode, max(f.premiere) OVER (PARTITION BY h.periode) AS date_donnees, f.code, TRUE AS bal
        FROM periodes h
        JOIN (SELECT code, min(date_publication) AS premiere FROM ban_publications GROUP BY code) f ON f.premiere <= h.fin
        WHERE h.fin <= (SELECT max(date_donnees) FROM ban_publications)
          ${summary ? `AND h.periode NOT IN (SELECT p.periode FROM periodes p JOIN ban_communes b ON b.date_donnees BETWEEN p.debut AND p.fin)` : ''}`);
    }
    return `
      WITH etat AS (${parts.join(' UNION ALL ')}),
      semestres AS (SELECT periode, max(date_donnees) AS date_donnees FROM etat GROUP BY periode)
      SELECT s.periode, c.code, c.type_collectivite,
             TRUE AS concernee,
             FALSE AS obligee,
             coalesce(e.bal, FALSE) AS atteinte,
             CASE WHEN coalesce(e.bal, FALSE) THEN 1.0 ELSE 0.0 END AS valeur,
             s.date_donnees
      FROM semestres s
      CROSS JOIN (SELECT code, type_collectivite FROM ref_collectivites WHERE type_collectivite = 'commune') c
      LEFT JOIN etat e ON e.periode = s.periode AND e.code = c.code`;
  },
};
