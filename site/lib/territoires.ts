// The Territoires section's context, built once on the loaders of data.ts: the collectivités, their results and
// the rates behind them, and the search index. Pages: territoires-vue.ts; data files: territoires-fichiers.ts.
import {
  type BarometreRow,
  lignesIndicateur,
  type CollectiviteResultat,
  type IndicatorDefinition,
  type SiteData,
  type Territoire,
  exportsFolder,
  loadSiteData,
  resultatsParCollectivite,
  strateLabel,
  strateOrder,
  territoires,
} from './data.ts';
import { chantiersParAxe, chantiersVues } from './chantiers.ts';
import { formatDate, formatPeriode } from './format.ts';
import { aUnePage, avecPage } from './partie.ts';
import { type EntreeRecherche, type FichierRecherche, TYPE_CODES, type TypeCollectivite, clesDeEntree, urlTerritoire } from './recherche.ts';
import {
  type Fiche,
  type IndicateurResume,
  type TauxResume,
  type Valeur,
  type ValeurFiche,
  cleTaux,
  encoderValeur,
  natureIndicateur,
} from './territoires-texte.ts';

export function hasPage(t: Territoire): boolean {
  return aUnePage(t);
}

export function urlDe(t: Territoire): string {
  return urlTerritoire(t.type_collectivite, t.code, hasPage(t));
}

/** A collectivité's key in the context's maps. */
export const key = (type: string, code: string) => `${type}:${code}`;

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
      const chantier = chantierDe.get(def.id)!;
      const resume: IndicateurResume = {
        id: def.id,
        label: def.label,
        court: def.labelCourt,
        chantier: chantier.libelle,
        mesure: def.nature_libelle,
        periode,
        nature: natureIndicateur(def),
        ...(def.valeur ? { valeur: def.valeur } : {}),
        ...(def.phrases ? { phrases: def.phrases } : {}),
        echelle: def.echelle ?? 'continue',
        selon: selonSources(data, rows),
        date_donnees: rows.map((r) => r.date_donnees).sort().at(-1) ?? null,
        methode_version: rows[0]?.methode_version ?? def.version,
        sources: sources.map((s) => `${s.titre} (${s.producteur}, ${s.licence})`).join(' ; '),
        chantier_id: chantier.id,
        chantier_court: chantier.libelle_court,
        principal: chantier.principal === def.id,
        obligation_depuis: chantier.obligation_depuis,
        obligees: chantier.obligeesPerimetre,
        etape: def.prochaine_etape ?? null,
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
export function groupeKey(t: Territoire): string {
  const local = t.type_collectivite === 'commune' || t.type_collectivite === 'epci';
  return `${t.type_collectivite}|${t.strate}|${local ? t.departement : '*'}`;
}

/** Every collectivité with a page, régions first; `max` (development only) keeps the first `max` communes and EPCI. */
export function territoiresAvecPage(ctx: Contexte, max?: number): Territoire[] {
  return avecPage(ctx.territoires, max);
}

export function tauxResume(row: BarometreRow | undefined, mediane?: number | null): TauxResume | undefined {
  if (!row) return undefined;
  // Six decimals are plenty for a rate and keep the data files small.
  const taux = row.statut === 'ok' && row.taux !== null ? Math.round(row.taux * 1e6) / 1e6 : null;
  const t: TauxResume = { t: taux, n: row.concernees, a: row.atteintes, ok: row.statut === 'ok' };
  if (mediane !== undefined) t.m = mediane;
  if (row.rupture_serie) t.r = true;
  return t;
}

export function ligne(ctx: Contexte, indicateur: string, periode: string, niveau: string, territoire: string, type: string, strate: string): BarometreRow | undefined {
  return ctx.barometre.get([indicateur, periode, niveau, territoire, type, strate].join('|'));
}

export function valeurDe(ctx: Contexte, r: CollectiviteResultat): Valeur {
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
export function tauxPour(ctx: Contexte, list: Territoire[], seulement?: Set<string>): Record<string, TauxResume> {
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

export function nomsDe(ctx: Contexte, type: TypeCollectivite, codes: Iterable<string | null | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of [...new Set(codes)].filter((x): x is string => !!x).sort()) {
    const t = ctx.index.get(key(type, c));
    if (t) out[c] = t.nom;
  }
  return out;
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

/** « selon l'Observatoire open data des territoires, données du 30 juin 2021 »: the sources of a semester's national rows, by their short title. */
export function selonSources(data: SiteData, rows: readonly { source: string; date_donnees: string | null }[]): string {
  const ids = [...new Set(rows.flatMap((r) => (r.source ?? '').split('+')).filter((x) => x !== ''))];
  if (ids.length === 0) return '';
  const titres = ids.map((id) => titreCourtSource(data, id));
  const date = rows.map((r) => r.date_donnees).filter((d): d is string => !!d).sort().at(-1);
  return `selon ${titres.join(' et ')}${date ? `, données du ${formatDate(date)}` : ''}`;
}

/** The short title of a source (« Observatoire open data des territoires »), from the exported provenance. */
export function titreCourtSource(data: SiteData, id: string): string {
  const s = data.provenance.sources.find((x) => x.id === id);
  return s ? s.titre.split(/ : | \(/)[0]!.trim() : id;
}

/** « Série : Observatoire open data des territoires jusqu'au 2e semestre 2022, Catalogue de data.gouv.fr ensuite. » for a relayed series; null otherwise. */
export function phraseRelais(data: SiteData, relais: readonly { source: string; jusqua?: string }[] | undefined): string | null {
  if (!relais || relais.length < 2) return null;
  return `Série : ${relais.map((seg) => `${titreCourtSource(data, seg.source)} ${seg.jusqua ? `jusqu'au ${formatPeriode(seg.jusqua)}` : 'ensuite'}`).join(', ')}.`;
}
