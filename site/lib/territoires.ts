// The Territoires section: one page per région, département, EPCI and commune of 3 500 inhabitants or
// more, small data files for every commune, and the search index. Built on the loaders of data.ts.
import { csvCell, toCsv } from '../../pipelines/base/csv.ts';
import { comparaisonSvg, type LigneTaux } from '../charts/territoire-comparaison.ts';
import {
  type BarometreRow,
  lignesIndicateur,
  type CollectiviteResultat,
  type IndicatorDefinition,
  type SiteData,
  type SourceProvenance,
  type Territoire,
  exportsFolder,
  loadSiteData,
  resultatsParCollectivite,
  strateLabel,
  strateOrder,
  territoires,
} from './data.ts';
import { chantiersParAxe, chantiersVues } from './chantiers.ts';
import { aUnePage, avecPage } from './partie.ts';
import { formatInteger, formatPercent, formatPeriode } from './format.ts';
import { type EntreeRecherche, type FichierRecherche, TYPE_CODES, type TypeCollectivite, clesDeEntree, urlTerritoire } from './recherche.ts';
import {
  type Fiche,
  type FichierDonnees,
  type IndicateurResume,
  type Nature,
  type TauxResume,
  type Valeur,
  type ValeurFiche,
  TYPE_MOTS,
  cleTaux,
  encoderValeur,
  effectifTexte,
  groupeStrate,
  medianeTexte,
  natureIndicateur,
  percentileTexte,
  phraseValeur,
  rangTexte,
  tauxDetaille,
  tauxTexte,
  valeurCourte,
} from './territoires-texte.ts';

/** At most this many peers are listed on a page (the closest in population); the count says how many there are. */
export const PAIRS_MAX = 30;

export function hasPage(t: Territoire): boolean {
  return aUnePage(t);
}

export function urlDe(t: Territoire): string {
  return urlTerritoire(t.type_collectivite, t.code, hasPage(t));
}

const key = (type: string, code: string) => `${type}:${code}`;

export interface Contexte {
  data: SiteData;
  territoires: Territoire[];
  index: Map<string, Territoire>;
  resultats: Map<string, CollectiviteResultat[]>;
  /** The indicators with per-collectivité values, by workstream (measured before declared), with their latest semester. */
  indicateurs: { def: IndicatorDefinition; resume: IndicateurResume }[];
  /** `indicateur|periode|niveau|territoire|type|strate` → barometer row. */
  barometre: Map<string, BarometreRow>;
  /** `indicateur|periode|type|strate|valeur` (and `…|departement`) → how many collectivités share that value. */
  egalites: Map<string, number>;
  /** `indicateur|periode|type|strate` → national median of the strate. */
  medianes: Map<string, number | null>;
  communesParDepartement: Map<string, Territoire[]>;
  epciParDepartement: Map<string, Territoire[]>;
  departementsParRegion: Map<string, Territoire[]>;
  membresEpci: Map<string, Territoire[]>;
  /** `type|strate|departement` (departement "*" for départements and régions) → collectivités. */
  groupes: Map<string, Territoire[]>;
}

function push<K, V>(map: Map<K, V[]>, k: K, v: V): void {
  const list = map.get(k);
  if (list) list.push(v);
  else map.set(k, [v]);
}

const contextes = new Map<string, Contexte>();

export function contexte(folder = exportsFolder()): Contexte {
  const cached = contextes.get(folder);
  if (cached) return cached;
  const data = loadSiteData(folder);
  const all = territoires(folder);
  const index = new Map(all.map((t) => [key(t.type_collectivite, t.code), t]));
  const resultats = resultatsParCollectivite(folder);
  const egalites = new Map<string, number>();
  const medianes = new Map<string, number | null>();
  const periodes = new Map<string, string>();
  const utiles = new Map<string, Set<string>>();
  for (const list of resultats.values()) {
    for (const r of list) {
      const semestres = utiles.get(r.indicateur);
      if (!semestres) utiles.set(r.indicateur, new Set([r.periode]));
      else semestres.add(r.periode);
      const base = [r.indicateur, r.periode, r.type_collectivite, r.strate].join('|');
      const s = `${base}|${r.valeur}`;
      egalites.set(s, (egalites.get(s) ?? 0) + 1);
      const d = `${s}|${r.departement}`;
      egalites.set(d, (egalites.get(d) ?? 0) + 1);
      if (!medianes.has(base)) medianes.set(base, r.mediane_strate);
      if ((periodes.get(r.indicateur) ?? '') < r.periode) periodes.set(r.indicateur, r.periode);
    }
  }
  // The barometer's rows the pages look up: those of the semesters of the collectivités' results (the index of all
  // twenty semesters' rows cost time and memory to every page of the build).
  const barometre = new Map<string, BarometreRow>();
  for (const r of data.barometre) {
    if (utiles.get(r.indicateur)?.has(r.periode)) barometre.set([r.indicateur, r.periode, r.niveau, r.territoire, r.type_collectivite, r.strate].join('|'), r);
  }
  // Workstream by workstream, in the order of the axes: its measured indicators, then its survey.
  const chantierDe = new Map(chantiersParAxe(chantiersVues(data)).flatMap((a) => a.chantiers).flatMap((c) => c.indicateurs.map((i) => [i.id, c] as const)));
  const indicateurs = [...chantierDe.keys()]
    .map((id) => data.indicateurs.find((i) => i.id === id)!)
    .filter((def) => periodes.has(def.id))
    .map((def) => {
      const periode = periodes.get(def.id)!;
      const rows = lignesIndicateur(data.barometre, def.id).filter((r) => r.periode === periode && r.niveau === 'national');
      const sources = data.provenance.sources.filter((s) => def.sources.includes(s.id));
      const resume: IndicateurResume = {
        id: def.id,
        label: def.label,
        court: def.labelCourt,
        chantier: chantierDe.get(def.id)!.libelle,
        mesure: def.nature_libelle,
        periode,
        nature: natureIndicateur(def),
        ...(def.valeur ? { valeur: def.valeur } : {}),
        ...(def.phrases ? { phrases: def.phrases } : {}),
        date_donnees: rows.map((r) => r.date_donnees).sort().at(-1) ?? null,
        methode_version: rows[0]?.methode_version ?? def.version,
        sources: sources.map((s) => `${s.titre} (${s.producteur}, ${s.licence})`).join(' ; '),
      };
      return { def, resume };
    });
  const communesParDepartement = new Map<string, Territoire[]>();
  const epciParDepartement = new Map<string, Territoire[]>();
  const departementsParRegion = new Map<string, Territoire[]>();
  const membresEpci = new Map<string, Territoire[]>();
  const groupes = new Map<string, Territoire[]>();
  for (const t of all) {
    if (t.type_collectivite === 'commune' && t.departement) push(communesParDepartement, t.departement, t);
    if (t.type_collectivite === 'commune' && t.epci) push(membresEpci, t.epci, t);
    if (t.type_collectivite === 'epci' && t.departement) push(epciParDepartement, t.departement, t);
    if (t.type_collectivite === 'departement' && t.region) push(departementsParRegion, t.region, t);
    push(groupes, groupeKey(t), t);
  }
  const byName = (a: Territoire, b: Territoire) => a.nom.localeCompare(b.nom, 'fr');
  for (const m of [communesParDepartement, epciParDepartement, departementsParRegion, membresEpci]) for (const list of m.values()) list.sort(byName);
  const ctx: Contexte = { data, territoires: all, index, resultats, indicateurs, barometre, egalites, medianes, communesParDepartement, epciParDepartement, departementsParRegion, membresEpci, groupes };
  contextes.set(folder, ctx);
  return ctx;
}

/** Peers share the type and the strate, and for communes and EPCI the département; départements and régions are compared nationally. */
function groupeKey(t: Territoire): string {
  const local = t.type_collectivite === 'commune' || t.type_collectivite === 'epci';
  return `${t.type_collectivite}|${t.strate}|${local ? t.departement : '*'}`;
}

/** Every collectivité with a page, régions first; `max` (development only) keeps the first `max` communes and EPCI. */
export function territoiresAvecPage(ctx: Contexte, max?: number): Territoire[] {
  return avecPage(ctx.territoires, max);
}

function tauxResume(row: BarometreRow | undefined, mediane?: number | null): TauxResume | undefined {
  if (!row) return undefined;
  // Six decimals are plenty for a rate and keep the data files small.
  const taux = row.statut === 'ok' && row.taux !== null ? Math.round(row.taux * 1e6) / 1e6 : null;
  const t: TauxResume = { t: taux, n: row.concernees, a: row.atteintes, ok: row.statut === 'ok' };
  if (mediane !== undefined) t.m = mediane;
  if (row.rupture_serie) t.r = true;
  return t;
}

function ligne(ctx: Contexte, indicateur: string, periode: string, niveau: string, territoire: string, type: string, strate: string): BarometreRow | undefined {
  return ctx.barometre.get([indicateur, periode, niveau, territoire, type, strate].join('|'));
}

function valeurDe(ctx: Contexte, r: CollectiviteResultat): Valeur {
  const base = [r.indicateur, r.periode, r.type_collectivite, r.strate, r.valeur].join('|');
  return {
    valeur: r.valeur,
    rangStrate: r.rang_strate,
    effectifStrate: r.effectif_strate,
    exaequoStrate: ctx.egalites.get(base) ?? 1,
    percentileStrate: r.percentile_strate,
    rangDepartement: r.rang_departement,
    effectifDepartement: r.effectif_departement,
    exaequoDepartement: ctx.egalites.get(`${base}|${r.departement}`) ?? 1,
    percentileDepartement: r.percentile_departement,
    obligee: r.obligee,
  };
}

export function ficheDe(ctx: Contexte, t: Territoire): Fiche {
  const v: Record<string, ValeurFiche> = {};
  const known = new Set(ctx.indicateurs.map((i) => i.def.id));
  for (const r of ctx.resultats.get(key(t.type_collectivite, t.code)) ?? []) if (known.has(r.indicateur)) v[r.indicateur] = encoderValeur(valeurDe(ctx, r));
  const fiche: Fiche = { code: t.code, nom: t.nom, type: t.type_collectivite, strate: t.strate, population: t.population, departement: t.departement, region: t.region, page: hasPage(t), v };
  if (t.type_collectivite === 'commune') {
    fiche.epci = t.epci;
    fiche.cp = t.codes_postaux;
  }
  if (t.type_collectivite === 'epci') fiche.nature = t.nature;
  return fiche;
}

/** The rates a reader of these collectivités needs: each one's strate nationally and in its département, and all of its type nationally. */
function tauxPour(ctx: Contexte, list: Territoire[], seulement?: Set<string>): Record<string, TauxResume> {
  const out: Record<string, TauxResume> = {};
  // One collectivité per group of peers, in order of first appearance (a département's hundreds of communes fall
  // into a dozen): peers look up the same rates, so these are the keys of going through every collectivité, in order.
  const groupes = new Map<string, Territoire>();
  for (const t of list) if (!groupes.has(groupeKey(t))) groupes.set(groupeKey(t), t);
  for (const { def, resume } of ctx.indicateurs) {
    if (seulement && !seulement.has(def.id)) continue;
    const p = resume.periode;
    const add = (territoire: string, type: TypeCollectivite, strate: string) => {
      const k = cleTaux(def.id, territoire, type, strate);
      if (k in out) return;
      const niveau = territoire === 'FR' ? 'national' : 'departement';
      const mediane = territoire === 'FR' && strate !== 'toutes' ? (ctx.medianes.get([def.id, p, type, strate].join('|')) ?? null) : undefined;
      const t = tauxResume(ligne(ctx, def.id, p, niveau, territoire, type, strate), mediane);
      if (t) out[k] = t;
    };
    for (const t of groupes.values()) {
      add('FR', t.type_collectivite, t.strate);
      add('FR', t.type_collectivite, 'toutes');
      if (t.departement && (t.type_collectivite === 'commune' || t.type_collectivite === 'epci')) add(t.departement, t.type_collectivite, t.strate);
    }
  }
  return out;
}

function nomsDe(ctx: Contexte, type: TypeCollectivite, codes: Iterable<string | null | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of [...new Set(codes)].filter((x): x is string => !!x).sort()) {
    const t = ctx.index.get(key(type, c));
    if (t) out[c] = t.nom;
  }
  return out;
}

// --- Data files -----------------------------------------------------------------------------------

export type NomFichier = string;

/** The data files: one per département (its communes), `epci`, and `france` (départements and régions). */
export function fichiersDonnees(ctx: Contexte): NomFichier[] {
  return [...[...ctx.communesParDepartement.keys()].sort(), 'epci', 'france'];
}

export function collectivitesDuFichier(ctx: Contexte, nom: NomFichier): { titre: string; list: Territoire[] } {
  if (nom === 'epci') return { titre: 'EPCI à fiscalité propre', list: ctx.territoires.filter((t) => t.type_collectivite === 'epci') };
  if (nom === 'france') return { titre: 'Départements et régions', list: ctx.territoires.filter((t) => t.type_collectivite === 'departement' || t.type_collectivite === 'region') };
  const dep = ctx.index.get(key('departement', nom));
  return { titre: `Communes : ${dep?.nom ?? nom} (${nom})`, list: ctx.communesParDepartement.get(nom) ?? [] };
}

export function fichierDonnees(ctx: Contexte, nom: NomFichier): FichierDonnees {
  const { titre, list } = collectivitesDuFichier(ctx, nom);
  const { provenance } = ctx.data;
  return {
    titre,
    genere_le: provenance.genere_le,
    echantillon: provenance.echantillon,
    licence: 'Données sous la licence de chaque source (voir « indicateurs »). Référentiel : ' + `${provenance.referentiel.nom} ${provenance.referentiel.version} (${provenance.referentiel.licence}).`,
    indicateurs: ctx.indicateurs.map((i) => i.resume),
    strates: Object.fromEntries([...new Set(list.map((t) => t.strate))].sort().map((s) => [s, strateLabel(ctx.data, s)])),
    departements: nomsDe(ctx, 'departement', list.map((t) => t.departement)),
    regions: nomsDe(ctx, 'region', list.map((t) => t.region)),
    epci: nomsDe(ctx, 'epci', list.map((t) => t.epci)),
    taux: tauxPour(ctx, list),
    collectivites: list.map((t) => ficheDe(ctx, t)),
  };
}


/** The same data as a CSV table (comma, UTF-8): one row per collectivité, value and ranks per indicator. */
export function fichierCsv(ctx: Contexte, nom: NomFichier): string {
  const { list } = collectivitesDuFichier(ctx, nom);
  const fields = ['code', 'type_collectivite', 'nom', 'codes_postaux', 'population', 'strate', 'strate_libelle', 'departement', 'epci'];
  for (const { def } of ctx.indicateurs) fields.push(def.id, `${def.id}_periode`, `${def.id}_rang_strate`, `${def.id}_effectif_strate`, `${def.id}_rang_departement`, `${def.id}_effectif_departement`);
  const rows = list.map((t) => {
    const row: Record<string, string | number | null> = {
      code: t.code,
      type_collectivite: t.type_collectivite,
      nom: t.nom,
      codes_postaux: t.codes_postaux,
      population: t.population,
      strate: t.strate,
      strate_libelle: strateLabel(ctx.data, t.strate),
      departement: t.departement,
      epci: t.epci,
    };
    for (const r of ctx.resultats.get(key(t.type_collectivite, t.code)) ?? []) {
      row[r.indicateur] = r.valeur;
      row[`${r.indicateur}_periode`] = r.periode;
      row[`${r.indicateur}_rang_strate`] = r.rang_strate;
      row[`${r.indicateur}_effectif_strate`] = r.effectif_strate;
      row[`${r.indicateur}_rang_departement`] = r.rang_departement;
      row[`${r.indicateur}_effectif_departement`] = r.effectif_departement;
    }
    return row;
  });
  // Every cell by the exports' rule (`csvCell`): a name, a label or a code that looks like a formula is neutralised.
  return toCsv(fields, rows.map((r) => Object.fromEntries(fields.map((f) => [f, csvCell(r[f])]))));
}

// --- Search index ---------------------------------------------------------------------------------

export function entreeRecherche(t: Territoire): EntreeRecherche {
  return [t.code, t.nom, TYPE_CODES[t.type_collectivite], t.departement ?? '', t.codes_postaux ?? '', t.population ?? 0, hasPage(t) ? 1 : 0];
}

const indexes = new WeakMap<Contexte, Map<string, FichierRecherche>>();

/** The search index split in small files: by a name's first letter, by a code's first two characters. */
export function indexRecherche(ctx: Contexte): Map<string, FichierRecherche> {
  const cached = indexes.get(ctx);
  if (cached) return cached;
  const out = new Map<string, EntreeRecherche[]>();
  for (const t of ctx.territoires) {
    const e = entreeRecherche(t);
    for (const k of clesDeEntree(e)) push(out, k, e);
  }
  const files = new Map(
    [...out.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, entrees]) => [k, { departements: nomsDe(ctx, 'departement', entrees.map((e) => e[3])), entrees }]),
  );
  indexes.set(ctx, files);
  return files;
}

/** How many collectivités of each type fall in each strate, in the strates' order. */
export function effectifsStrates(ctx: Contexte): { type: TypeCollectivite; strate: string; libelle: string; effectif: number; pages: number }[] {
  const counts = new Map<string, { effectif: number; pages: number }>();
  for (const t of ctx.territoires) {
    const k = `${t.type_collectivite}|${t.strate}`;
    const c = counts.get(k) ?? { effectif: 0, pages: 0 };
    c.effectif++;
    if (hasPage(t)) c.pages++;
    counts.set(k, c);
  }
  const order: TypeCollectivite[] = ['commune', 'epci', 'departement', 'region'];
  return [...counts.entries()]
    .map(([k, c]) => {
      const [type, strate] = k.split('|') as [TypeCollectivite, string];
      return { type, strate, libelle: strateLabel(ctx.data, strate), ...c };
    })
    .sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type) || strateOrder(ctx.data, a.strate) - strateOrder(ctx.data, b.strate));
}

// --- One collectivité's page ----------------------------------------------------------------------

export interface VueIndicateur {
  def: IndicatorDefinition;
  resume: IndicateurResume;
  nature: Nature;
  valeur: Valeur;
  valeurCourte: string;
  phrase: string;
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
  const rangs = [
    `En France : ${rangTexte(valeur.rangStrate, valeur.effectifStrate, valeur.exaequoStrate, type, libelle, type === 'region' ? '' : 'en France')} ; ${percentileTexte(valeur.percentileStrate, type)}.`,
  ];
  if (local) rangs.push(`Dans le département : ${rangTexte(valeur.rangDepartement, valeur.effectifDepartement, valeur.exaequoDepartement, type, libelle, 'du département')} ; ${percentileTexte(valeur.percentileDepartement, type)}.`);
  const lignes: LigneTaux[] = rows.map((x) => ({ label: x.label, taux: x.taux?.t ?? null, ic_bas: x.taux?.ok ? (x.row?.ic_bas ?? null) : null, ic_haut: x.taux?.ok ? (x.row?.ic_haut ?? null) : null, withheld: x.taux ? !x.taux.ok : false, rupture: x.taux?.r === true }));
  // A chart adds nothing when every rate is withheld: the lists and the table say it all.
  const drawn = lignes.some((l) => !l.withheld && l.taux !== null);
  const svg = drawn ? comparaisonSvg(resume.court, { label: mots.ce, atteinte: r.atteinte, texte: valeurTxt }, lignes) : null;
  const phrase = phraseValeur(def, nature, r.valeur, t.nom);
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
  return {
    t,
    typeLabel: typeLabel(t),
    strateLabel: libelle,
    groupe: groupeStrate(type, libelle),
    departement: t.departement && type !== 'departement' ? ctx.index.get(key('departement', t.departement)) : undefined,
    region: t.region && type !== 'region' ? ctx.index.get(key('region', t.region)) : undefined,
    epci: t.epci ? ctx.index.get(key('epci', t.epci)) : undefined,
    indicateurs,
    pairs: pairsDe(ctx, t, colonnes),
    fiche,
    taux: tauxPour(ctx, [t], new Set(Object.keys(fiche.v))),
    description: `${t.nom} (${typeLabel(t).toLowerCase()}) face aux collectivités de sa strate : données ouvertes, démarches en ligne et chantiers DCANT.`,
  };
}

export function colonnesLabels(ctx: Contexte, ids: string[]): string[] {
  return ids.map((id) => ctx.indicateurs.find((i) => i.def.id === id)?.resume.court ?? id);
}
