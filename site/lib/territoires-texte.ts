// What the territory pages say, in French: value phrases, ranks, rates. Pure functions and the shape
// of the per-territory data files, shared by the build and the browser scripts (no Node import here).
import { formatInteger, formatPercent } from './format.ts';
import type { TypeCollectivite } from './recherche.ts';

/** How an indicator's per-collectivité value reads: yes/no, a count, a share, or a survey answer (1 oui, 0,5 en cours, 0 non). */
export type Nature = 'binaire' | 'nombre' | 'part' | 'enquete';

/** What a value is when it is a share or a count (the indicator's `valeur`, from indicateurs.json), and the sentences of a yes/no value. */
export type { PhrasesIndicateur, ValeurIndicateur } from '../../indicators/types.ts';
import type { PhrasesIndicateur, ValeurIndicateur } from '../../indicators/types.ts';

/** The nature of an indicator's values, from its definition in the exports: a survey's answers when it is declared. */
export function natureIndicateur(def: { nature: 'mesure' | 'declaration'; valeur?: ValeurIndicateur }): Nature {
  if (def.valeur) return def.valeur.forme;
  if (def.nature === 'declaration') return 'enquete';
  return 'binaire';
}

/** A rate as published in the barometer (national or départemental level, one strate). */
export interface TauxResume {
  /** Rate 0–1; null when withheld. */
  t: number | null;
  /** concernées (respondents for a survey). */
  n: number;
  /** atteintes. */
  a: number;
  /** false when withheld (effectif insuffisant). */
  ok: boolean;
  /** Median value of the strate (national strate rows only). */
  m?: number | null;
  /** First semester computed with another method version. */
  r?: true;
}

/** One collectivité's value for one indicator (latest semester of the indicator), with its ranks. */
export interface Valeur {
  /** 1/0 for a binary indicator; a count; 1 (oui), 0,5 (en cours), 0 (non) for a survey. */
  valeur: number | null;
  /** Rank (1 = best, ties share it), how many in the group, how many share its value (itself included), percentile: within its strate nationally… */
  rangStrate: number;
  effectifStrate: number;
  exaequoStrate: number;
  percentileStrate: number;
  /** …and within its strate in its département. */
  rangDepartement: number;
  effectifDepartement: number;
  exaequoDepartement: number;
  percentileDepartement: number;
  /** Under the legal obligation. */
  obligee: boolean;
}

/** A Valeur as stored in the data files, in the order of its fields: [valeur, rang, effectif, ex æquo, percentile (strate, France), the same in the département, obligée 1/0]. */
export type ValeurFiche = [number | null, number, number, number, number, number, number, number, number, 0 | 1];

export function encoderValeur(v: Valeur): ValeurFiche {
  return [v.valeur, v.rangStrate, v.effectifStrate, v.exaequoStrate, v.percentileStrate, v.rangDepartement, v.effectifDepartement, v.exaequoDepartement, v.percentileDepartement, v.obligee ? 1 : 0];
}

export function lireValeur(t: ValeurFiche): Valeur {
  const [valeur, rangStrate, effectifStrate, exaequoStrate, percentileStrate, rangDepartement, effectifDepartement, exaequoDepartement, percentileDepartement, o] = t;
  return { valeur, rangStrate, effectifStrate, exaequoStrate, percentileStrate, rangDepartement, effectifDepartement, exaequoDepartement, percentileDepartement, obligee: o === 1 };
}

export interface Fiche {
  code: string;
  nom: string;
  type: TypeCollectivite;
  strate: string;
  population: number | null;
  departement: string | null;
  region: string | null;
  epci?: string | null;
  cp?: string | null;
  nature?: string | null;
  /** Has a static page of its own. */
  page: boolean;
  v: Record<string, ValeurFiche>;
}

export interface IndicateurResume {
  id: string;
  label: string;
  court: string;
  /** The workstream the indicator measures, and how: « mesuré sur toutes les collectivités » or « déclaré par les répondants ». */
  chantier: string;
  mesure: string;
  periode: string;
  nature: Nature;
  /** For a share or a count: its wording (absent for yes/no and survey answers). */
  valeur?: ValeurIndicateur;
  /** For a yes/no indicator that words its value itself (see `phraseValeur`, `phraseObligation`). */
  phrases?: PhrasesIndicateur;
  /** Where this semester's values come from, in words (« selon l'Observatoire open data des territoires, données du 30 juin 2021 »); '' when unknown. */
  selon: string;
  /** Whether its values can be ranked (`continue`), or only compared by the groups' shares (yes/no, survey answers). */
  echelle: 'continue' | 'oui-non' | 'categories';
  date_donnees: string | null;
  methode_version: string;
  /** "Observatoire open data des territoires (OpenDataFrance, ODbL 1.0)". */
  sources: string;
  /** The workstream's id and short label, and whether this indicator is the one its scorecard row shows. */
  chantier_id: string;
  chantier_court: string;
  principal: boolean;
  /** ISO date the workstream's legal obligation applies from; null without one. */
  obligation_depuis: string | null;
  /** Who the workstream's legal obligation applies to (empty: nobody; then no collectivité is « non soumise »). */
  obligees: { type: string; operateur: '>' | '>=' | null; population: number | null }[];
  /** What a collectivité does to reach the objective; null when the data file names none. */
  etape: { libelle: string; url: string; source: string } | null;
}

/** A data file under /territoires/donnees/: the collectivités it holds and what is needed to read them. */
export interface FichierDonnees {
  titre: string;
  genere_le: string;
  echantillon: boolean;
  licence: string;
  indicateurs: IndicateurResume[];
  strates: Record<string, string>;
  departements: Record<string, string>;
  regions: Record<string, string>;
  epci: Record<string, string>;
  /** Rates by `cleTaux(indicateur, territoire, type, strate)`: territoire "FR" or a département code, strate an id or "toutes". */
  taux: Record<string, TauxResume>;
  collectivites: Fiche[];
}

/** « Chantier « Adresses… » : mesuré sur toutes les collectivités. », the line under an indicator's title. */
export function ligneChantier(r: Pick<IndicateurResume, 'chantier' | 'mesure' | 'label'>): string {
  const mesure = `${r.mesure.charAt(0).toUpperCase()}${r.mesure.slice(1)}`;
  return r.chantier === r.label ? `${mesure}.` : `Chantier « ${r.chantier} » : ${r.mesure}.`;
}

export function cleTaux(indicateur: string, territoire: string, type: TypeCollectivite, strate: string): string {
  return `${indicateur}|${territoire}|${type}|${strate}`;
}

export const TYPE_MOTS: Record<TypeCollectivite, { un: string; ce: string; pluriel: string; tous: string; feminin: boolean }> = {
  commune: { un: 'commune', ce: 'Cette commune', pluriel: 'communes', tous: 'Toutes les communes', feminin: true },
  epci: { un: 'EPCI', ce: 'Cet EPCI', pluriel: 'EPCI', tous: 'Tous les EPCI', feminin: false },
  departement: { un: 'département', ce: 'Ce département', pluriel: 'départements', tous: 'Tous les départements', feminin: false },
  region: { un: 'région', ce: 'Cette région', pluriel: 'régions', tous: 'Toutes les régions', feminin: true },
};

/** French ordinal: 1er / 1re, 2e, 12e. */
export function ordinal(n: number, feminin: boolean): string {
  return n === 1 ? (feminin ? '1re' : '1er') : `${formatInteger(n)}e`;
}

/** "communes de 10 000 à 19 999 habitants", "EPCI de moins de 15 000 habitants", "régions". */
export function groupeStrate(type: TypeCollectivite, libelle: string): string {
  if (type === 'region') return 'régions';
  const words = TYPE_MOTS[type].pluriel;
  return /^(de |moins )/.test(libelle) ? `${words} ${libelle.startsWith('moins') ? 'de ' : ''}${libelle}` : `${words} de ${libelle}`;
}

/** "1 démarche publiée", "2,5 marchés publiés": the noun agrees with the number (singular below 2, in French). */
function compte(n: number, def: ValeurIndicateur | undefined): string {
  const nombre = Number.isInteger(n) ? formatInteger(n) : new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 }).format(n);
  if (!def?.unite) return nombre;
  return `${nombre} ${Math.abs(n) >= 2 ? def.unite.pluriel : def.unite.singulier}`;
}

/** The value as a short word: "oui", "non", "en cours", "2 démarches publiées", "87,3 %". */
export function valeurCourte(nature: Nature, valeur: number | null, def?: ValeurIndicateur): string {
  if (valeur === null || valeur === undefined) return '—';
  if (nature === 'nombre') return valeur === 0 ? (def?.unite ? `${def.unite.feminin ? 'aucune' : 'aucun'} ${def.unite.singulier}` : '0') : compte(valeur, def);
  if (nature === 'part') return pourcent(valeur);
  if (nature === 'enquete') return valeur >= 1 ? 'oui' : valeur > 0 ? 'en cours' : 'non';
  return valeur >= 1 ? 'oui' : 'non';
}

/** "de Rennes", "d’Amanlis", "du Mans", "des Sables-d’Olonne". */
export function deNom(nom: string): string {
  if (/^Le /.test(nom)) return `du ${nom.slice(3)}`;
  if (/^Les /.test(nom)) return `des ${nom.slice(4)}`;
  return /^[AEIOUYÀÂÉÈÊËÎÏÔÛÜH]/i.test(nom) ? `d’${nom}` : `de ${nom}`;
}

/** An indicator's sentence with the collectivité's name in place of `{nom}`. */
const avecNom = (phrase: string, nom: string) => phrase.replaceAll('{nom}', () => nom);

/**
 * A sentence saying the value: "Rennes publie des données ouvertes." (a yes/no indicator's own `phrases`),
 * "Rennes : 12 marchés publiés dans les données…", "<label> : oui.".
 */
export function phraseValeur(ind: { label: string; valeur?: ValeurIndicateur; phrases?: PhrasesIndicateur; selon?: string }, nature: Nature, valeur: number | null, nom: string): string {
  const phrase = phraseSansSource(ind, nature, valeur, nom);
  // The sentence names the source of the value it states: the semester's own, read from the data.
  if (!ind.selon || valeur === null) return phrase;
  const sans = phrase.replace(/\.$/, '');
  // A sentence that ends in parentheses takes the source inside them: « (date de notification dans le semestre ; selon …) ».
  return sans.endsWith(')') ? `${sans.slice(0, -1)} ; ${ind.selon}).` : `${sans} (${ind.selon}).`;
}

function phraseSansSource(ind: { label: string; valeur?: ValeurIndicateur; phrases?: PhrasesIndicateur }, nature: Nature, valeur: number | null, nom: string): string {
  const { label, valeur: def } = ind;
  if (valeur === null) return `${nom} : pas de valeur pour cet indicateur.`;
  if (nature === 'binaire' && ind.phrases) return avecNom(valeur >= 1 ? ind.phrases.atteinte : ind.phrases.nonAtteinte, nom);
  if ((nature === 'nombre' || nature === 'part') && def) {
    const v = valeurCourte(nature, valeur, def);
    return `${nom} : ${v.charAt(0).toLowerCase()}${v.slice(1)} ${def.complement}.`;
  }
  if (nature === 'enquete') return `${label} : ${nom} répond « ${valeurCourte(nature, valeur)} » à l'enquête.`;
  return `${label} : ${valeurCourte(nature, valeur, def)}.`;
}

/** What follows a commune's value when the indicator words its legal obligation: « Elle y est soumise par la loi. »; empty otherwise. */
export function phraseObligation(ind: { phrases?: PhrasesIndicateur }, obligee: boolean): string {
  const o = ind.phrases?.obligation;
  return o ? (obligee ? o.obligee : o.nonObligee) : '';
}

/** The median value of a strate in words: "non", "oui", "1,5 démarche publiée", "92,4 %"; withheld with the strate's rate. */
export function medianeTexte(nature: Nature, mediane: number | null | undefined, taux?: TauxResume, def?: ValeurIndicateur): string {
  if (taux && !taux.ok) return 'effectif insuffisant';
  if (mediane === null || mediane === undefined) return '—';
  return valeurCourte(nature, mediane, def);
}

/** "7,1 %"; "moins de 0,1 %" rather than a misleading "0,0 %" when some do. */
export function pourcent(t: number | null): string {
  return t !== null && t > 0 && t < 0.0005 ? 'moins de 0,1\u202f%' : formatPercent(t);
}

/** "7,1 %", or "effectif insuffisant" when withheld; "—" when absent. */
export function tauxTexte(taux: TauxResume | undefined): string {
  if (!taux) return '—';
  return taux.ok ? pourcent(taux.t) : 'effectif insuffisant';
}

/** "3 sur 42 communes", "1 répondante sur 1" for a survey. */
export function effectifTexte(taux: TauxResume, nature: Nature, type: TypeCollectivite): string {
  const mots = TYPE_MOTS[type];
  if (nature === 'enquete') {
    const rep = mots.feminin ? 'répondante' : 'répondant';
    return `${formatInteger(taux.n)} ${rep}${taux.n > 1 ? 's' : ''}`;
  }
  return `${formatInteger(taux.a)} sur ${formatInteger(taux.n)}`;
}

/** "Ensemble : 7,1 % (3 sur 42)", with the rupture mark and the respondents for a survey. */
export function tauxDetaille(taux: TauxResume | undefined, nature: Nature, type: TypeCollectivite): string {
  if (!taux) return 'pas de donnée';
  const parts = [tauxTexte(taux), `(${effectifTexte(taux, nature, type)})`];
  if (taux.r) parts.push('— rupture de série : méthode modifiée ce semestre');
  return parts.join(' ');
}

/** "1re sur 42 communes de 100 000 habitants ou plus (ex æquo avec 2 autres)". */
export function rangTexte(rang: number, effectif: number, exaequo: number, type: TypeCollectivite, strateLibelle: string, lieu: string): string {
  const mots = TYPE_MOTS[type];
  const groupe = groupeStrate(type, strateLibelle);
  const tie = exaequo > 1 ? ` (ex æquo avec ${formatInteger(exaequo - 1)} autre${exaequo > 2 ? 's' : ''})` : '';
  const groupeNombre = effectif === 1 ? groupe.replace(mots.pluriel, mots.un).replace('régions', 'région') : groupe;
  return `${ordinal(rang, mots.feminin)} sur ${formatInteger(effectif)} ${groupeNombre}${lieu ? ` ${lieu}` : ''}${tie}`;
}

/** "sa valeur est supérieure ou égale à celle de 93 % d'entre elles". */
export function percentileTexte(percentile: number, type: TypeCollectivite): string {
  const pron = TYPE_MOTS[type].feminin ? 'elles' : 'eux';
  return `percentile ${formatInteger(percentile)} : sa valeur est supérieure ou égale à celle de ${formatInteger(percentile)}\u202f% d'entre ${pron}`;
}
