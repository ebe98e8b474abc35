// The web observatory's export (controles-sites.json): each collectivité's latest visit, check by check, with its
// evidence; absent when the source has no usable data.
import { readOptionalJson } from './data.ts';

export interface ControleSite {
  code: string;
  type_collectivite: string;
  url: string | null;
  url_finale: string | null;
  controle: string;
  resultat: 'oui' | 'non' | 'inconnu' | 'mesure';
  valeur_texte: string | null;
  valeur_nombre: number | null;
  unite: string | null;
  preuve: string | null;
  extrait: string | null;
  statut_http: number | null;
  date_visite: string;
  motif: string | null;
}

/** A check as the data file defines it (data/referentiels/controles-sites.csv), carried by the export. */
export interface DefinitionControle {
  id: string;
  libelle: string;
  base_legale: string;
  /** Who is bound, in the `chantiers.csv` notation (`commune>=3500;epci;…`), '' when nobody is. */
  obligees: string;
  /** The same in words, '' when nobody is bound. */
  obligees_texte: string;
  /** The rule, with its known false positives and negatives. */
  methode: string;
  /** The indicator that rates it per strate; null for a numeric check (weight, response time). */
  indicateur: string | null;
}

interface Fichier {
  provenance: { echantillon: boolean; genere_le: string; controles: DefinitionControle[] };
  donnees: ControleSite[];
}

let cache: { parCollectivite: Map<string, ControleSite[]>; libelles: Map<string, string>; definitions: DefinitionControle[]; echantillon: boolean } | null = null;

function charger() {
  if (!cache) {
    const f = readOptionalJson<Fichier>('controles-sites.json');
    const parCollectivite = new Map<string, ControleSite[]>();
    for (const r of f?.donnees ?? []) {
      const k = `${r.type_collectivite}:${r.code}`;
      (parCollectivite.get(k) ?? parCollectivite.set(k, []).get(k)!).push(r);
    }
    const definitions = f?.provenance.controles ?? [];
    cache = { parCollectivite, libelles: new Map(definitions.map((c) => [c.id, c.libelle])), definitions, echantillon: f?.provenance.echantillon ?? false };
  }
  return cache;
}

/** The checks of a collectivité's latest visit, in the order of the list of checks; [] when its site was not visited. */
export function controlesDe(type: string, code: string): ControleSite[] {
  const { parCollectivite, libelles } = charger();
  const ordre = [...libelles.keys()];
  return [...(parCollectivite.get(`${type}:${code}`) ?? [])].sort((a, b) => ordre.indexOf(a.controle) - ordre.indexOf(b.controle));
}

/** Every check of the observatory, in the order of its data file; [] when the export is absent. */
export function definitionsControles(): readonly DefinitionControle[] {
  return charger().definitions;
}

export function libelleControle(id: string): string {
  return charger().libelles.get(id) ?? id;
}

/** Whether the observatory's figures are the sample's (the banner goes where they are shown). */
export function controlesEchantillon(): boolean {
  return charger().echantillon;
}

/** A check's result in words: « oui », « non », « inconnu (robots.txt) », « 152 000 octets ». */
export function resultatEnMots(c: ControleSite): string {
  if (c.resultat === 'mesure') return c.valeur_nombre === null ? '—' : `${new Intl.NumberFormat('fr-FR').format(c.valeur_nombre)} ${c.unite ?? ''}`.trim();
  if (c.resultat === 'inconnu') return c.motif ? `inconnu (${c.motif})` : 'inconnu';
  return c.resultat;
}
