// One indicator per yes/no check of the web observatory (data/referentiels/controles-sites.csv, source `sites`),
// ids `web-<check>`: the share of collectivités whose site, visited in the semester, passes the check. The rate
// counts the collectivités whose latest visit of the semester answered `oui` or `non`; a visit that could not judge
// (`inconnu`: robots.txt, timeout, TLS…) and a collectivité without a declared site are not in it (coverage apart).
import { nombreFr } from '../pipelines/base/francais.ts';
import { describePerimetre, parsePerimetre, type Perimetre, perimetreSql } from '../pipelines/referential/chantiers.ts';
import { lireDefinitions, type DefinitionControle } from '../pipelines/sources/sites/controles.ts';
import { SITES_TABLE } from '../pipelines/sources/sites/source.ts';
import { periodesInstantanes } from './instantanes.ts';
import { periodeLabel, periodeOf, periodeStart } from './periods.ts';
import type { Indicator, Level } from './types.ts';

// Oranges of increasing darkness: distinct in greyscale and from the other indicators' palettes.
const LEVELS: Level[] = [
  { min: 0, label: 'Faible (moins de 25 %)', color: '#fbe5d0' },
  { min: 0.25, label: 'En progression (25 à 50 %)', color: '#f0a66b' },
  { min: 0.5, label: 'Avancé (50 à 75 %)', color: '#b45a1c' },
  { min: 0.75, label: 'Généralisé (75 % ou plus)', color: '#5a2a08' },
];

/** The checks that say no yes or no (a weight, a time): measured and exported, not rates, no indicator. */
export const MESURES: ReadonlySet<string> = new Set(['poids-accueil', 'temps-reponse']);

export const METHODE_OBSERVATOIRE = [
  "Source : l'observatoire des sites du baromètre (source « sites »). Son robot visite le site que chaque collectivité a déclaré dans l'Annuaire de l'administration (Service-Public.fr, repris par les Données de la Présence Numérique des Territoires de l'ANCT) : la page d'accueil, puis au plus sept pages choisies par le texte et l'adresse de leurs liens (accessibilité, plan du site, actes, démarches, urbanisme, portail de services). Il obéit au fichier robots.txt, se nomme avec une adresse de contact, attend entre deux requêtes à un même hôte et ne garde que des faits dérivés : pour chaque contrôle, le résultat, l'adresse qui le montre et un extrait de 200 caractères au plus.",
  "Dans un semestre, une collectivité compte si son site a été visité pendant ce semestre et si sa dernière visite du semestre a pu juger le contrôle (« oui » ou « non »). Une visite qui n'a pas pu juger (« inconnu » : robots.txt, délai dépassé, certificat invalide, page qui n'est pas du HTML…) et une collectivité sans site déclaré ne comptent pas dans le taux : elles sont comptées à part (couverture). Le taux est donc celui des sites visités, pas celui de toutes les collectivités.",
];

export function webIndicatorId(controle: string): string {
  return `web-${controle}`;
}

/** Who a check binds (its `obligees` column, in the `chantiers.csv` notation), read and checked. */
export function obligeesDuControle(d: Pick<DefinitionControle, 'id' | 'obligees'>): Perimetre[] {
  return parsePerimetre(d.obligees, `data/referentiels/controles-sites.csv, contrôle ${d.id}, colonne obligees`);
}

export function webIndicator(d: DefinitionControle): Indicator {
  const obligees = obligeesDuControle(d);
  return {
    id: webIndicatorId(d.id),
    label: d.libelle,
    description: `Part des collectivités dont le site, visité dans le semestre par l'observatoire du baromètre, satisfait au contrôle « ${d.libelle} ».`,
    unit: 'taux',
    natureLibelle: 'mesuré sur les sites visités',
    direction: 'hausse',
    levels: LEVELS,
    // The services a collectivité offers its public: the programme's « socle commun ».
    axe: 'socle-commun',
    sources: ['sites'],
    concernees: `Les collectivités dont le site a été visité dans le semestre et a pu être jugé.${obligees.length ? ` Soumises à l'obligation : ${describePerimetre(obligees)}.` : " Pas d'obligation légale."}`,
    methodology: [
      ...METHODE_OBSERVATOIRE,
      `Règle du contrôle : ${d.methode}`,
      obligees.length ? `Obligation : ${describePerimetre(obligees)}. ${d.base_legale}` : `Pas d'obligation légale${d.base_legale ? ` (${d.base_legale})` : ''}.`,
    ].join('\n\n'),
    version: '1.0.0',
    versions: [{ version: '1.0.0', depuis: '2025-S2', changement: 'Première version.' }],
    periodes: (w) => periodesInstantanes(w, SITES_TABLE),
    // The check id comes from the committed list of checks (CONTROLES), so only known identifiers reach the SQL text.
    sql: () => `
      WITH derniere AS (
        SELECT p.periode, s.code, s.type_collectivite, s.resultat, s.date_donnees
        FROM periodes p JOIN ${SITES_TABLE} s ON s.date_donnees BETWEEN p.debut AND p.fin
        WHERE s.controle = '${d.id}' AND s.code IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY p.periode, s.type_collectivite, s.code ORDER BY s.date_visite DESC) = 1
      )
      SELECT v.periode, c.code, c.type_collectivite,
             TRUE AS concernee,
             coalesce(${perimetreSql(obligees)}, FALSE) AS obligee,
             v.resultat = 'oui' AS atteinte,
             CASE v.resultat WHEN 'oui' THEN 1.0 ELSE 0.0 END AS valeur,
             v.date_donnees
      FROM derniere v
      JOIN ref_collectivites c ON c.code = v.code AND c.type_collectivite = v.type_collectivite
      WHERE v.resultat IN ('oui', 'non')`,
    // The coverage, beside the rate: the visits of the latest semester that could not judge, and the collectivités not
    // visited (without a declared site, or not yet reached by the daily slices).
    async avertissement(w) {
      if (!(await w.tableExists(SITES_TABLE))) return null;
      const controle = `FROM ${SITES_TABLE} WHERE controle = '${d.id}' AND code IS NOT NULL`;
      const fin = (await w.one<{ fin: string | null }>(`SELECT max(date_donnees) AS fin ${controle}`))?.fin;
      if (!fin) return null;
      const periode = periodeOf(fin);
      const c = (await w.one<{ jugees: number; inconnues: number; motifs: string | null; total: number }>(
        `WITH derniere AS (
           SELECT resultat, motif ${controle} AND date_donnees >= $debut
           QUALIFY row_number() OVER (PARTITION BY type_collectivite, code ORDER BY date_visite DESC) = 1
         )
         SELECT count(*) FILTER (WHERE resultat IN ('oui', 'non'))::INTEGER AS jugees,
                count(*) FILTER (WHERE resultat = 'inconnu')::INTEGER AS inconnues,
                string_agg(DISTINCT motif, ', ' ORDER BY motif) FILTER (WHERE resultat = 'inconnu') AS motifs,
                (SELECT count(*)::INTEGER FROM ref_collectivites) AS total
         FROM derniere`,
        { debut: periodeStart(periode) },
      ))!;
      const nonVisitees = c.total - c.jugees - c.inconnues;
      return (
        `Couverture au ${periodeLabel(periode)} : le taux porte sur ${nombreFr(c.jugees)} collectivités dont le site a été visité et jugé. ` +
        `${c.inconnues > 0 ? `${nombreFr(c.inconnues)} autres visites n'ont pas pu juger ce contrôle (${c.motifs ?? 'motif inconnu'}) ; ` : ''}` +
        `${nombreFr(nonVisitees)} collectivités sur ${nombreFr(c.total)} n'ont pas été visitées dans le semestre (pas de site déclaré, ou pas encore atteintes). Le taux n'est pas celui de toutes les collectivités.`
      );
    },
  };
}

/** Built once from the committed list of checks, in its order: one per yes/no check. */
export const WEB_INDICATORS: readonly Indicator[] = lireDefinitions()
  .filter((d) => !MESURES.has(d.id))
  .map(webIndicator);
