// How the roadmap's actions are measured at a semester: for each indicator id an action names (data/programme/actions.csv),
// its latest value not after the semester and its change, from the exports — a barometer indicator (barometre.json) or
// one of the observatory's series on a perimeter of procedures (procedures-objectifs.json, column `mesure`).
import { lignesIndicateur, sourceDuRole, type BarometreRow, type SiteData, type SourceProvenance } from './data.ts';
import { mesureEnMots, PERIMETRE_LABELS, type ObjectifRow } from './demarches.ts';
import { formatDate, formatPeriode } from './format.ts';
import { comparer, formatPoints, libelleLigne, NON_COMPARABLE_MOTS, SENS_MOTS, type Sens, SEUIL_STABLE_POINTS, tauxEnMots } from './semestres.ts';

export interface LigneMesure {
  /** « Communes, toutes », « Départements »; empty for a single series. */
  libelle: string;
  valeur: string;
  /** « ↑ en hausse, +1,0 point », « non comparable : changement de méthode (rupture de série) »… */
  evolution: string;
  sens: Sens | null;
  rupture: boolean;
}

export interface MesureAction {
  id: string;
  /** What the indicator is, in words; null when no export carries the id. */
  libelle: string | null;
  lien: string | null;
  /** When the value was measured: the semester, or the observatory's edition. */
  quand: string | null;
  /** Not the review's semester: an older value, said as such. */
  anterieure: boolean;
  lignes: LigneMesure[];
  /** Source, producer, data date and method version, as the review prints them. */
  provenance: string | null;
}

/** The last day of a semester: 2025-S2 → 2025-12-31. */
export function finDeSemestre(periode: string): string {
  const [y, s] = periode.split('-');
  return s === 'S1' ? `${y}-06-30` : `${y}-12-31`;
}

/** The first day of a semester: 2025-S2 → 2025-07-01. */
export function debutDeSemestre(periode: string): string {
  const [y, s] = periode.split('-');
  return s === 'S1' ? `${y}-01-01` : `${y}-07-01`;
}

const retenue = (r: BarometreRow) => r.niveau === 'national' && (r.strate === 'toutes' || (r.type_collectivite === 'commune' && r.strate === 'obligees'));
const ORDRE = ['commune', 'epci', 'departement', 'region'];

function evolutionEnMots(c: ReturnType<typeof comparer>): Pick<LigneMesure, 'evolution' | 'sens' | 'rupture'> {
  if (c.sens) return { evolution: `${SENS_MOTS[c.sens].fleche} ${SENS_MOTS[c.sens].mots}, ${formatPoints(c.ecart!)}`, sens: c.sens, rupture: false };
  return { evolution: NON_COMPARABLE_MOTS[c.nonComparable!], sens: null, rupture: c.nonComparable === 'rupture' };
}

const sourceEnMots = (s: SourceProvenance) => `${s.titre} (${s.producteur}, ${s.licence})`;

function sourcesEnMots(sources: SourceProvenance[], ids: string[]): string {
  return ids.map((id) => sources.find((s) => s.id === id)).filter((s): s is SourceProvenance => s !== undefined).map(sourceEnMots).join(' ; ');
}

function mesureBarometre(data: Pick<SiteData, 'barometre' | 'indicateurs' | 'provenance'>, id: string, periode: string): MesureAction | null {
  const def = data.indicateurs.find((i) => i.id === id);
  if (!def) return null;
  const rows = lignesIndicateur(data.barometre, id).filter((r) => retenue(r));
  const periodes = [...new Set(rows.map((r) => r.periode))].filter((p) => p <= periode).sort();
  const quand = periodes.at(-1) ?? null;
  const base: MesureAction = { id, libelle: def.label, lien: `/indicateurs/${id}/`, quand: quand ? formatPeriode(quand) : null, anterieure: quand !== null && quand !== periode, lignes: [], provenance: null };
  if (!quand) return base;
  const avant = periodes.at(-2) ?? null;
  const actuels = rows.filter((r) => r.periode === quand).sort((a, b) => ORDRE.indexOf(a.type_collectivite) * 2 + Number(a.strate === 'obligees') - (ORDRE.indexOf(b.type_collectivite) * 2 + Number(b.strate === 'obligees')));
  base.lignes = actuels.map((r) => {
    const precedent = avant ? (rows.find((p) => p.periode === avant && p.type_collectivite === r.type_collectivite && p.strate === r.strate) ?? null) : null;
    const c = avant === null ? { ecart: null, sens: null, nonComparable: 'premier' as const } : comparer(r, precedent);
    return { libelle: libelleLigne(r), valeur: tauxEnMots(r), ...evolutionEnMots(c) };
  });
  const date = actuels.map((r) => r.date_donnees).sort().at(-1) ?? null;
  const sources = [...new Set(actuels.flatMap((r) => r.source.split('+')))];
  base.provenance = `${sourcesEnMots(data.provenance.sources, sources)} ; données du ${formatDate(date)} ; méthode version ${[...new Set(actuels.map((r) => r.methode_version))].join(', ')}`;
  return base;
}

function mesureObservatoire(objectifs: ObjectifRow[], observatoire: SourceProvenance | undefined, id: string, periode: string, versionMethode: string): MesureAction | null {
  const rows = objectifs.filter((o) => o.mesure === id).sort((a, b) => a.date_edition.localeCompare(b.date_edition) || a.edition_id.localeCompare(b.edition_id));
  if (rows.length === 0) return null;
  const first = rows[0]!;
  const libelle = `${first.indicateur_libelle} : ${(PERIMETRE_LABELS[first.perimetre] ?? first.perimetre).toLowerCase()} (Observatoire des démarches en ligne)`;
  const avant = rows.filter((o) => o.date_edition <= finDeSemestre(periode));
  const actuel = avant.at(-1);
  const base: MesureAction = { id, libelle, lien: '/demarches/#depuis-2019', quand: actuel ? `édition ${actuel.edition} (${formatDate(actuel.date_edition)})` : null, anterieure: false, lignes: [], provenance: null };
  if (!actuel) return base;
  base.anterieure = actuel.date_edition < debutDeSemestre(periode);
  const precedent = avant.at(-2);
  let ligne: Pick<LigneMesure, 'evolution' | 'sens' | 'rupture'>;
  if (!precedent) ligne = { evolution: 'première édition : pas de comparaison', sens: null, rupture: false };
  else if (actuel.methode !== precedent.methode) ligne = { evolution: NON_COMPARABLE_MOTS.rupture, sens: null, rupture: true };
  else if (actuel.valeur_mesure === null || precedent.valeur_mesure === null) ligne = { evolution: `pas de valeur à l’édition ${actuel.valeur_mesure === null ? actuel.edition : precedent.edition}`, sens: null, rupture: false };
  else {
    const ecart = (actuel.valeur_mesure - precedent.valeur_mesure) * 100;
    const sens: Sens = Math.abs(ecart) < SEUIL_STABLE_POINTS ? 'stable' : ecart > 0 ? 'hausse' : 'baisse';
    ligne = { evolution: `${SENS_MOTS[sens].fleche} ${SENS_MOTS[sens].mots}, ${formatPoints(ecart)} depuis l’édition ${precedent.edition}`, sens, rupture: false };
  }
  const quoi = actuel.mesure_definition === 'objectif' ? 'démarches évaluées qui atteignent l’objectif' : 'démarches évaluées au meilleur niveau';
  base.lignes = [{ libelle: '', valeur: `${mesureEnMots(actuel)} ${quoi}`, ...ligne }];
  base.provenance = `${observatoire ? sourceEnMots(observatoire) : ''} ; édition du ${formatDate(actuel.date_edition)} ; méthode ${actuel.methode}, niveaux version ${versionMethode}`;
  return base;
}

/** Each indicator an action names, resolved at the semester; an id no export carries says so (libelle null). */
export function mesuresAction(
  ids: string[],
  periode: string,
  data: Pick<SiteData, 'barometre' | 'indicateurs' | 'provenance'>,
  objectifs: ObjectifRow[],
  versionMethode: string,
): MesureAction[] {
  return ids.map(
    (id) =>
      mesureBarometre(data, id, periode) ??
      mesureObservatoire(objectifs, sourceDuRole(data.provenance, 'observatoire-demarches'), id, periode, versionMethode) ?? { id, libelle: null, lien: null, quand: null, anterieure: false, lignes: [], provenance: null },
  );
}
