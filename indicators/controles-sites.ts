// The export of the web observatory (source `sites`): per collectivité and check, the result of its latest visit with
// its evidence, so that anyone can verify (and a collectivité fix) what the barometer says of its site. The columns
// are a contract.
import { describePerimetre } from '../pipelines/referential/chantiers.ts';
import { lireDefinitions } from '../pipelines/sources/sites/controles.ts';
import { SITES_TABLE } from '../pipelines/sources/sites/source.ts';
import { type ExportTable, f, type Field } from './schema.ts';
import { MESURES, obligeesDuControle, webIndicatorId } from './sites-web.ts';

export const CONTROLES_SITES_FIELDS: Field[] = [
  f('code', 'string', 'Code de la collectivité : code INSEE (commune), SIREN (EPCI), code du département ou de la région.'),
  f('type_collectivite', 'string', 'commune, epci, departement ou region.'),
  f('url', 'string', 'Adresse du site telle que déclarée (ou donnée par la liste visitée).'),
  f('url_finale', 'string', "Adresse de la page d'accueil après les redirections ; vide quand elle n'a pas pu être lue."),
  f('controle', 'string', 'Identifiant du contrôle (data/referentiels/controles-sites.csv, page Méthodologie).'),
  f('resultat', 'string', "oui, non, inconnu (la visite n'a pas pu juger : voir motif) ou mesure (poids-accueil, temps-reponse)."),
  f('valeur_texte', 'string', 'Ce que le contrôle a relevé en mots, quand il en relève (par exemple les types de démarches trouvés).'),
  f('valeur_nombre', 'number', 'La mesure ou le compte du contrôle (octets, millisecondes, types de démarches).'),
  f('unite', 'string', 'Unité de valeur_nombre.'),
  f('preuve', 'string', "L'adresse qui montre le résultat : la page, ou le lien trouvé sur elle."),
  f('extrait', 'string', 'Le texte trouvé, 200 caractères au plus.'),
  f('statut_http', 'integer', "Statut HTTP de la page d'accueil."),
  f('date_visite', 'string', 'Date et heure de la visite (ISO 8601, UTC).'),
  f('motif', 'string', "Pourquoi le résultat est inconnu (robots.txt, délai, TLS, pas du HTML…), ou ce qu'il faut savoir de plus."),
];

export function controlesSitesExportTable(): ExportTable {
  const cols = CONTROLES_SITES_FIELDS.map((x) => x.name).join(', ');
  return {
    name: 'controles-sites',
    title: 'Observatoire des sites : le résultat de chaque contrôle, avec sa preuve',
    description:
      "Une ligne par collectivité et par contrôle, de sa dernière visite par l'observatoire des sites du baromètre : le résultat, l'adresse qui le montre, l'extrait trouvé, la date.",
    sql: `SELECT ${cols} FROM ${SITES_TABLE}
          WHERE code IS NOT NULL
          QUALIFY date_visite = max(date_visite) OVER (PARTITION BY type_collectivite, code)
          ORDER BY CASE type_collectivite WHEN 'commune' THEN 0 WHEN 'epci' THEN 1 WHEN 'departement' THEN 2 ELSE 3 END, code, controle`,
    fields: CONTROLES_SITES_FIELDS,
    // The checks' words and rules travel with the rows (the JSON's provenance): the pages name each check, and the
    // methodology states each rule, without a table of their own.
    provenance: {
      controles: lireDefinitions().map((d) => {
        const obligees = obligeesDuControle(d);
        return {
          id: d.id,
          libelle: d.libelle,
          base_legale: d.base_legale,
          obligees: d.obligees,
          obligees_texte: obligees.length ? describePerimetre(obligees) : '',
          methode: d.methode,
          // The indicator that rates the check per strate; none for the numeric checks (a measure, not a yes or no).
          indicateur: MESURES.has(d.id) ? null : webIndicatorId(d.id),
        };
      }),
    },
  };
}
