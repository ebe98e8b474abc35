// One collectivité's page in the Territoires section: each indicator's value beside its strate's rates (lists,
// chart, table), its ranks, and its peers.
import { comparaisonSvg, type LigneTaux } from '../charts/territoire-comparaison.ts';
import { type LigneTableau, lignesTableau } from './tableau-bord.ts';
import { type BarometreRow, type CollectiviteResultat, type IndicatorDefinition, type SourceProvenance, type Territoire, strateLabel } from './data.ts';
import { formatInteger, formatPercent, formatPeriode } from './format.ts';
import type { TypeCollectivite } from './recherche.ts';
import { type Contexte, ficheDe, groupeKey, key, ligne, phraseRelais, tauxPour, tauxResume, urlDe, valeurDe } from './territoires.ts';
import {
  type Fiche,
  type IndicateurResume,
  type Nature,
  type TauxResume,
  type Valeur,
  TYPE_MOTS,
  effectifTexte,
  groupeStrate,
  medianeTexte,
  percentileTexte,
  phraseValeur,
  rangTexte,
  tauxDetaille,
  tauxTexte,
  valeurCourte,
} from './territoires-texte.ts';

/** At most this many peers are listed on a page (the closest in population); the count says how many there are. */
export const PAIRS_MAX = 30;

export interface VueIndicateur {
  def: IndicatorDefinition;
  resume: IndicateurResume;
  nature: Nature;
  valeur: Valeur;
  valeurCourte: string;
  phrase: string;
  /** For a series that passes from one source to another, which source gives which semesters; null otherwise. */
  relais: string | null;
  obligee: boolean;
  /** Comparison lines in the visible list: label and detailed text. */
  comparaisons: { label: string; texte: string }[];
  rangs: string[];
  /** null when a chart would add nothing (every rate withheld). */
  svg: string | null;
  titre: string;
  summary: string;
  table: Record<string, string>[];
  sources: SourceProvenance[];
  dateDonnees: string | null;
  methodeVersion: string;
}

export interface Pair {
  t: Territoire;
  url: string;
  soi: boolean;
  valeurs: string[];
}

export interface VueTerritoire {
  t: Territoire;
  typeLabel: string;
  strateLabel: string;
  groupe: string;
  departement: Territoire | undefined;
  region: Territoire | undefined;
  epci: Territoire | undefined;
  indicateurs: VueIndicateur[];
  /** The scorecard: one row per workstream with a value here. */
  tableau: LigneTableau[];
  pairs: { titre: string; intro: string; total: number; liste: Pair[]; colonnes: string[] };
  fiche: Fiche;
  taux: Record<string, TauxResume>;
  description: string;
}

const TYPE_LABEL: Record<TypeCollectivite, string> = { commune: 'Commune', epci: 'EPCI à fiscalité propre', departement: 'Département', region: 'Région' };
const NATURES_EPCI: Record<string, string> = { CC: 'communauté de communes', CA: "communauté d'agglomération", CU: 'communauté urbaine', METRO: 'métropole' };

export function typeLabel(t: Territoire): string {
  if (t.type_collectivite === 'epci' && t.nature && NATURES_EPCI[t.nature]) return `${TYPE_LABEL.epci} (${NATURES_EPCI[t.nature]})`;
  return TYPE_LABEL[t.type_collectivite];
}

function vueIndicateur(ctx: Contexte, t: Territoire, def: IndicatorDefinition, resume: IndicateurResume, r: CollectiviteResultat): VueIndicateur {
  const type = t.type_collectivite;
  const mots = TYPE_MOTS[type];
  const nature = resume.nature;
  const valeur = valeurDe(ctx, r);
  const libelle = strateLabel(ctx.data, t.strate);
  const groupe = groupeStrate(type, libelle);
  const local = (type === 'commune' || type === 'epci') && t.departement;
  const dep = t.departement ? ctx.index.get(key('departement', t.departement)) : undefined;
  const strateFr = tauxResume(ligne(ctx, def.id, r.periode, 'national', 'FR', type, t.strate), r.mediane_strate);
  const strateDep = local ? tauxResume(ligne(ctx, def.id, r.periode, 'departement', t.departement!, type, t.strate)) : undefined;
  const ensemble = type === 'region' ? undefined : tauxResume(ligne(ctx, def.id, r.periode, 'national', 'FR', type, 'toutes'));
  // `dans` completes "X % …" in the summary sentence.
  const rows: { label: string; long: string; dans: string; taux: TauxResume | undefined; row: BarometreRow | undefined }[] = [
    {
      label: type === 'region' ? 'Toutes les régions, France' : 'Sa strate en France',
      long: type === 'region' ? 'Toutes les régions' : `Sa strate en France (${groupe})`,
      dans: type === 'region' ? 'pour l’ensemble des régions' : `dans sa strate en France (${groupe})`,
      taux: strateFr,
      row: ligne(ctx, def.id, r.periode, 'national', 'FR', type, t.strate),
    },
  ];
  if (local)
    rows.push({
      label: 'Sa strate dans le département',
      long: `Sa strate dans le département (${dep?.nom ?? t.departement})`,
      dans: `dans sa strate du département (${dep?.nom ?? t.departement})`,
      taux: strateDep,
      row: ligne(ctx, def.id, r.periode, 'departement', t.departement!, type, t.strate),
    });
  if (ensemble) rows.push({ label: `${mots.tous}, France`, long: `${mots.tous} en France`, dans: `pour l’ensemble des ${mots.pluriel} de France`, taux: ensemble, row: ligne(ctx, def.id, r.periode, 'national', 'FR', type, 'toutes') });
  const valeurTxt = valeurCourte(nature, r.valeur, def.valeur);
  // An indicator read through its values compares them with each group's median first, then gives the share reaching the objective.
  const comparaisons =
    def.unit === 'valeur'
      ? rows.map((x) => ({
          label: x.long,
          texte: x.taux?.ok ? `médiane ${medianeTexte(nature, x.row?.valeur_mediane, x.taux, def.valeur)} ; objectif atteint : ${tauxDetaille(x.taux, nature, type)}` : tauxDetaille(x.taux, nature, type),
        }))
      : rows.map((x) => ({ label: x.long, texte: tauxDetaille(x.taux, nature, type) }));
  if (def.unit !== 'valeur' && strateFr && type !== 'region') comparaisons.splice(1, 0, { label: 'Valeur médiane de sa strate en France', texte: medianeTexte(nature, r.mediane_strate, strateFr, def.valeur) });
  // Ranks and percentiles only for values that can be ordered: on a yes/no or a survey's answer, every « oui » ties
  // for first and the rank says nothing; the shares of the groups above compare it.
  const ordonnable = (def.echelle ?? 'continue') === 'continue';
  const rangs = ordonnable
    ? [`En France : ${rangTexte(valeur.rangStrate, valeur.effectifStrate, valeur.exaequoStrate, type, libelle, type === 'region' ? '' : 'en France')} ; ${percentileTexte(valeur.percentileStrate, type)}.`]
    : [];
  if (ordonnable && local) rangs.push(`Dans le département : ${rangTexte(valeur.rangDepartement, valeur.effectifDepartement, valeur.exaequoDepartement, type, libelle, 'du département')} ; ${percentileTexte(valeur.percentileDepartement, type)}.`);
  const lignes: LigneTaux[] = rows.map((x) => ({ label: x.label, taux: x.taux?.t ?? null, ic_bas: x.taux?.ok ? (x.row?.ic_bas ?? null) : null, ic_haut: x.taux?.ok ? (x.row?.ic_haut ?? null) : null, withheld: x.taux ? !x.taux.ok : false, rupture: x.taux?.r === true }));
  // A chart adds nothing when every rate is withheld: the lists and the table say it all.
  const drawn = lignes.some((l) => !l.withheld && l.taux !== null);
  const svg = drawn ? comparaisonSvg(resume.court, { label: mots.ce, atteinte: r.atteinte, texte: valeurTxt }, lignes) : null;
  const phrase = phraseValeur({ ...def, selon: r.periode === resume.periode ? resume.selon : '' }, nature, r.valeur, t.nom);
  const survey = nature === 'enquete' ? ' Taux calculés parmi les collectivités qui ont répondu à l’enquête.' : '';
  const intervals = lignes.some((l) => l.ic_bas !== null) ? ' Les traits noirs montrent l’intervalle de confiance à 95\u202f%.' : '';
  const rupture = lignes.some((l) => l.rupture) ? ' « Rupture de série » : la méthode de calcul a changé ce semestre, la comparaison avec les semestres précédents est à faire avec prudence.' : '';
  const summary = `${phrase} Part qui atteint l’objectif : ${rows.map((x) => `${x.taux?.ok ? tauxTexte(x.taux) : x.taux ? 'effectif insuffisant' : 'pas de donnée'} ${x.dans}`).join(', ')}.${survey}${intervals}${rupture}`;
  const table: Record<string, string>[] = [
    { groupe: t.nom, valeur: valeurTxt, effectif: '—', note: r.obligee ? 'soumise à l’obligation' : '' },
    ...rows.map((x) => ({
      groupe: x.long,
      valeur: tauxTexte(x.taux),
      effectif: x.taux ? effectifTexte(x.taux, nature, type) : '—',
      note: [x.taux?.ok && x.row?.ic_bas !== null && x.row?.ic_haut !== null && x.row ? `IC 95\u202f% : ${formatPercent(x.row.ic_bas)} – ${formatPercent(x.row.ic_haut)}` : '', x.taux?.r ? 'rupture de série' : ''].filter(Boolean).join(' ; '),
    })),
  ];
  return {
    def,
    resume,
    nature,
    valeur,
    valeurCourte: valeurTxt,
    phrase,
    relais: phraseRelais(ctx.data, def.relais),
    obligee: r.obligee,
    comparaisons,
    rangs,
    svg,
    titre: `${def.label} : ${t.nom} et ses pairs (${formatPeriode(r.periode)})`,
    summary,
    table,
    sources: ctx.data.provenance.sources.filter((s) => def.sources.includes(s.id)),
    dateDonnees: r.date_donnees,
    methodeVersion: r.methode_version,
  };
}

function pairsDe(ctx: Contexte, t: Territoire, colonnes: string[]): VueTerritoire['pairs'] {
  const type = t.type_collectivite;
  const mots = TYPE_MOTS[type];
  const autres = (ctx.groupes.get(groupeKey(t)) ?? []).filter((p) => p.code !== t.code);
  const pop = t.population ?? 0;
  const proches = [...autres].sort((a, b) => Math.abs((a.population ?? 0) - pop) - Math.abs((b.population ?? 0) - pop) || a.nom.localeCompare(b.nom, 'fr')).slice(0, PAIRS_MAX);
  const liste = [...proches, t]
    .sort((a, b) => (b.population ?? 0) - (a.population ?? 0) || a.nom.localeCompare(b.nom, 'fr'))
    .map((p) => {
      const results = ctx.resultats.get(key(p.type_collectivite, p.code)) ?? [];
      return {
        t: p,
        url: urlDe(p),
        soi: p.code === t.code,
        valeurs: colonnes.map((id) => {
          const r = results.find((x) => x.indicateur === id);
          const resume = ctx.indicateurs.find((i) => i.def.id === id)?.resume;
          return r && resume ? valeurCourte(resume.nature, r.valeur, resume.valeur) : '—';
        }),
      };
    });
  const groupe = groupeStrate(type, strateLabel(ctx.data, t.strate));
  const where = type === 'commune' || type === 'epci' ? ' du même département' : type === 'region' ? '' : ' en France';
  const n = autres.length;
  const intro =
    n === 0
      ? `Aucun${mots.feminin ? 'e' : ''} autre ${mots.un} de sa strate${where}.`
      : `${formatInteger(n)} autre${n > 1 ? 's' : ''} ${n > 1 ? groupe : groupe.replace(mots.pluriel, mots.un)}${where}${n > PAIRS_MAX ? ` ; le tableau montre les ${PAIRS_MAX} plus proches par la population` : ''}.`;
  return { titre: `Ses pairs : ${groupe}${where}`, intro, total: n, liste, colonnes };
}

export function vueTerritoire(ctx: Contexte, type: TypeCollectivite, code: string): VueTerritoire {
  const t = ctx.index.get(key(type, code));
  if (!t) throw new Error(`Collectivité inconnue : ${type} ${code}`);
  const results = ctx.resultats.get(key(type, code)) ?? [];
  const indicateurs = ctx.indicateurs
    .map(({ def, resume }) => {
      const r = results.find((x) => x.indicateur === def.id);
      return r ? vueIndicateur(ctx, t, def, resume, r) : null;
    })
    .filter((x): x is VueIndicateur => x !== null);
  const libelle = strateLabel(ctx.data, t.strate);
  const fiche = ficheDe(ctx, t);
  const colonnes = indicateurs.map((i) => i.def.id);
  const parId = new Map(results.map((r) => [r.indicateur, r]));
  const tableau = lignesTableau({
    type,
    // Each value at its own semester (the collectivité's latest, which the detailed section shows too).
    indicateurs: ctx.indicateurs.map(({ resume }) => (parId.has(resume.id) ? { ...resume, periode: parId.get(resume.id)!.periode } : resume)),
    valeur: (id) => {
      const r = parId.get(id);
      return r ? valeurDe(ctx, r) : undefined;
    },
    taux: (id, territoire) => {
      const r = parId.get(id);
      return r ? tauxResume(ligne(ctx, id, r.periode, territoire === 'FR' ? 'national' : 'departement', territoire, type, t.strate)) : undefined;
    },
    departement: t.departement,
    population: t.population,
  });
  return {
    t,
    typeLabel: typeLabel(t),
    strateLabel: libelle,
    groupe: groupeStrate(type, libelle),
    departement: t.departement && type !== 'departement' ? ctx.index.get(key('departement', t.departement)) : undefined,
    region: t.region && type !== 'region' ? ctx.index.get(key('region', t.region)) : undefined,
    epci: t.epci ? ctx.index.get(key('epci', t.epci)) : undefined,
    indicateurs,
    tableau,
    pairs: pairsDe(ctx, t, colonnes),
    fiche,
    taux: tauxPour(ctx, [t], new Set(Object.keys(fiche.v))),
    description: `${t.nom} (${typeLabel(t).toLowerCase()}) face aux collectivités de sa strate : données ouvertes, démarches en ligne et chantiers DCANT.`,
  };
}

export function colonnesLabels(ctx: Contexte, ids: string[]): string[] {
  return ids.map((id) => ctx.indicateurs.find((i) => i.def.id === id)?.resume.court ?? id);
}
