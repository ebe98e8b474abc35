// One indicator per surveyed row of data/referentiels/chantiers.csv (ids `chantier-<id>`, listed in the row's
// `indicateurs` column), computed on the surveys (source `enquetes`): adding a workstream is adding a row, not writing code.
import { chantiers, describePerimetre, perimetreSql, surveyIndicatorId, type Chantier } from '../pipelines/referential/chantiers.ts';
import { periodeOf } from './periods.ts';
import type { Indicator, Level } from './types.ts';

// Greens of increasing darkness: distinct in greyscale and from the other indicators' palettes.
const LEVELS: Level[] = [
  { min: 0, label: 'Faible (moins de 25 %)', color: '#e4f1e1' },
  { min: 0.25, label: 'En progression (25 à 50 %)', color: '#93c58b' },
  { min: 0.5, label: 'Avancé (50 à 75 %)', color: '#3f8a3c' },
  { min: 0.75, label: 'Généralisé (75 % ou plus)', color: '#15401a' },
];

function methodology(ch: Chantier): string {
  return [
    `Source : les enquêtes d'avancement du programme DCANT (source « enquetes »), où des collectivités déclarent pour le chantier « ${ch.libelle} » un statut « oui », « en cours » ou « non » à une date d'observation, avec la source de la déclaration.`,
    `Dans un semestre, une collectivité est comptée (« concernée ») si elle a répondu pour ce chantier pendant ce semestre et si elle fait partie du périmètre du chantier (${describePerimetre(ch.concernees)}). Seule sa dernière réponse du semestre compte : une réponse plus récente remplace la précédente. Une réponse d'un semestre antérieur n'est pas reportée.`,
    "Elle atteint l'objectif si cette réponse est « oui ». Une réponse « en cours » ne l'atteint pas (elle vaut 0,5 dans la valeur par collectivité, qui sert seulement au classement ; « non » vaut 0 et « oui » 1).",
    "Le taux est donc celui des répondants, pas celui de toutes les collectivités : c'est un échantillon, qui n'est pas redressé. Aucun résultat n'est extrapolé aux collectivités qui n'ont pas répondu, et les répondants peuvent être plus avancés que les autres. L'intervalle de confiance de Wilson à 95 % publié avec chaque taux mesure seulement l'incertitude due à la taille de l'échantillon ; il ne corrige pas ce biais de sélection. Sous le seuil de diffusion, le taux n'est pas publié.",
    ch.obligees.length > 0
      ? `Obligation légale : ${describePerimetre(ch.obligees)}. ${ch.base_legale}`
      : `Pas d'obligation légale pour ce chantier${ch.base_legale ? ` (${ch.base_legale})` : ''}.`,
    ch.note,
  ]
    .filter((p) => p !== '')
    .join('\n\n');
}

export function chantierIndicator(ch: Chantier): Indicator {
  return {
    id: surveyIndicatorId(ch.id),
    label: ch.libelle,
    labelCourt: ch.libelle_court,
    description: `Part des collectivités répondant à l'enquête d'avancement du programme DCANT qui déclarent le chantier « ${ch.libelle} » réalisé. Un échantillon de répondants, non extrapolé.`,
    unit: 'taux',
    direction: 'hausse',
    levels: LEVELS,
    axe: ch.axe,
    nature: 'declaration',
    sources: ['enquetes'],
    concernees: `Les collectivités qui ont répondu pour ce chantier pendant le semestre, parmi : ${describePerimetre(ch.concernees)}.${ch.obligees.length > 0 ? ` Soumises à l'obligation : ${describePerimetre(ch.obligees)}.` : ''}`,
    methodology: methodology(ch),
    version: '1.0.0',
    versions: [{ version: '1.0.0', depuis: '2024-S1', changement: 'Première version.' }],
    async periodes(w) {
      if (!(await w.tableExists('enquetes_declarations'))) return [];
      const rows = await w.all<{ d: string }>(`SELECT DISTINCT date_observation AS d FROM enquetes_declarations WHERE chantier = $c ORDER BY d`, { c: ch.id });
      return [...new Set(rows.map((r) => periodeOf(r.d)))];
    },
    // ch.id is restricted to [a-z0-9-] by the referential's loader, so it is safe inside the SQL text.
    sql: () => `
      WITH observations AS (
        -- The same observation may come in several files: the most recent file wins.
        SELECT * FROM enquetes_declarations
        WHERE chantier = '${ch.id}' AND code IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY type_collectivite, code, date_observation ORDER BY date_donnees DESC, ligne DESC) = 1
      ),
      latest AS (
        SELECT p.periode, o.type_collectivite, o.code, o.statut, o.date_observation
        FROM periodes p JOIN observations o ON o.date_observation BETWEEN p.debut AND p.fin
        QUALIFY row_number() OVER (PARTITION BY p.periode, o.type_collectivite, o.code ORDER BY o.date_observation DESC) = 1
      )
      SELECT l.periode, c.code, c.type_collectivite,
             TRUE AS concernee,
             coalesce(${perimetreSql(ch.obligees)}, FALSE) AS obligee,
             l.statut = 'oui' AS atteinte,
             CASE l.statut WHEN 'oui' THEN 1.0 WHEN 'en_cours' THEN 0.5 ELSE 0.0 END AS valeur,
             l.date_observation AS date_donnees
      FROM latest l
      JOIN ref_collectivites c ON c.code = l.code AND c.type_collectivite = l.type_collectivite
      WHERE coalesce(${perimetreSql(ch.concernees)}, FALSE)
    `,
  };
}

/** Built once from the committed referential, for the registry. */
export const CHANTIER_INDICATORS: readonly Indicator[] = chantiers().filter((ch) => ch.enquete).map(chantierIndicator);
