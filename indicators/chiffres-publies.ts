// Figures the producers published, next to the closest figure of the barometer's own data, with every difference in
// words (data/referentiels/chiffres-publies.csv → table and export `chiffres-publies`).
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { decoupageVersion, readCsvFile } from '../pipelines/referential/referential.ts';
import type { Column, Warehouse } from '../pipelines/base/warehouse.ts';
import { INDICATORS } from './index.ts';

export const CHIFFRES_PUBLIES_FILE = 'data/referentiels/chiffres-publies.csv';

/**
 * How our figure is computed, with the producer's definition as far as our data allow:
 * - `historique`: the Observatory's national count on that date (source odt-historique);
 * - `historique-obligees`: that count over the collectivités subject to the obligation in our referential;
 * - `odt-listees`: collectivités publishing in the Observatory's edition of that date, after matching (source odt);
 * - `odt-listees-obligees`: those of them subject to the obligation (the file's populations where it gives them).
 */
export const MESURES = ['historique', 'historique-obligees', 'odt-listees', 'odt-listees-obligees'] as const;
export type Mesure = (typeof MESURES)[number];

export interface ChiffrePublie {
  id: string;
  indicateur: string;
  date_donnees: string;
  ce_qui_est_compte: string;
  perimetre: string;
  valeur_publiee: number;
  unite: 'taux' | 'nombre';
  numerateur: number | null;
  denominateur: number | null;
  producteur: string;
  source_titre: string;
  source_url: string | null;
  citation: string | null;
  mesure: Mesure;
}

export const CHIFFRES_PUBLIES_COLUMNS: Column[] = [
  { name: 'id', type: 'VARCHAR' },
  { name: 'indicateur', type: 'VARCHAR' },
  { name: 'date_donnees', type: 'VARCHAR' },
  { name: 'ce_qui_est_compte', type: 'VARCHAR' },
  { name: 'perimetre', type: 'VARCHAR' },
  { name: 'producteur', type: 'VARCHAR' },
  { name: 'source_titre', type: 'VARCHAR' },
  { name: 'source_url', type: 'VARCHAR' },
  { name: 'citation', type: 'VARCHAR' },
  { name: 'unite', type: 'VARCHAR' },
  { name: 'valeur_publiee', type: 'DOUBLE' },
  { name: 'numerateur_publie', type: 'INTEGER' },
  { name: 'denominateur_publie', type: 'INTEGER' },
  { name: 'notre_valeur', type: 'DOUBLE' },
  { name: 'notre_numerateur', type: 'INTEGER' },
  { name: 'notre_denominateur', type: 'INTEGER' },
  { name: 'notre_source', type: 'VARCHAR' },
  { name: 'notre_date_donnees', type: 'VARCHAR' },
  { name: 'ecart', type: 'DOUBLE' },
  { name: 'explication', type: 'VARCHAR' },
];

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Reads and checks the referential: known indicator and measure, dates, numbers, unique ids. Errors name the line. */
export function loadChiffresPublies(path = resolve(PROJECT_ROOT, CHIFFRES_PUBLIES_FILE)): ChiffrePublie[] {
  const ids = new Set<string>();
  return readCsvFile<Record<string, string>>(path).map((r, i) => {
    const where = `${path}, ligne ${i + 2}`;
    const num = (name: string, required: boolean) => {
      const v = (r[name] ?? '').trim();
      if (v === '' && !required) return null;
      const n = Number(v);
      if (v === '' || !Number.isFinite(n)) throw new Error(`${where} : ${name} « ${v} » n'est pas un nombre (point décimal attendu).`);
      return n;
    };
    const id = (r.id ?? '').trim();
    if (!/^[a-z0-9-]+$/.test(id)) throw new Error(`${where} : identifiant « ${id} » invalide (minuscules, chiffres et tirets).`);
    if (ids.has(id)) throw new Error(`${where} : identifiant « ${id} » déjà utilisé.`);
    ids.add(id);
    if (!INDICATORS.some((x) => x.id === r.indicateur)) throw new Error(`${where} : indicateur « ${r.indicateur} » inconnu (indicateurs : ${INDICATORS.map((x) => x.id).join(', ')}).`);
    if (!DATE.test(r.date_donnees ?? '')) throw new Error(`${where} : date_donnees « ${r.date_donnees} » invalide (AAAA-MM-JJ attendu).`);
    if (r.unite !== 'taux' && r.unite !== 'nombre') throw new Error(`${where} : unite « ${r.unite} » inconnue (taux ou nombre).`);
    if (!MESURES.includes(r.mesure as Mesure)) throw new Error(`${where} : mesure « ${r.mesure} » inconnue (${MESURES.join(', ')}).`);
    const valeur = num('valeur_publiee', true)!;
    if (r.unite === 'taux' && (valeur < 0 || valeur > 1)) throw new Error(`${where} : un taux s'écrit entre 0 et 1 (0.102 pour 10,2 %), pas « ${valeur} ».`);
    for (const field of ['ce_qui_est_compte', 'perimetre', 'producteur', 'source_titre'] as const) {
      if (!(r[field] ?? '').trim()) throw new Error(`${where} : ${field} est vide.`);
    }
    return {
      id,
      indicateur: r.indicateur!,
      date_donnees: r.date_donnees!,
      ce_qui_est_compte: r.ce_qui_est_compte!.trim(),
      perimetre: r.perimetre!.trim(),
      valeur_publiee: valeur,
      unite: r.unite,
      numerateur: num('numerateur', false),
      denominateur: num('denominateur', false),
      producteur: r.producteur!.trim(),
      source_titre: r.source_titre!.trim(),
      source_url: (r.source_url ?? '').trim() || null,
      citation: (r.citation ?? '').trim() || null,
      mesure: r.mesure as Mesure,
    };
  });
}

const fr = (n: number) => n.toLocaleString('fr-FR');
const pct = (x: number) => `${(Math.round(x * 1000) / 10).toLocaleString('fr-FR')}\u202f%`;
/** A published rate as written by its producer (7,84 %, 10,2 %). */
const pctPublie = (x: number) => `${(x * 100).toLocaleString('fr-FR', { maximumFractionDigits: 2 })}\u202f%`;
const dateFr = (d: string) => new Date(`${d}T12:00:00Z`).toLocaleDateString('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const plural = (n: number, one: string, many: string) => `${fr(n)} ${n > 1 ? many : one}`;

interface Ours {
  valeur: number | null;
  numerateur: number | null;
  denominateur: number | null;
  source: string | null;
  date: string | null;
  faits: string[];
}

/** The collectivités subject to the obligation in today's referential, per type. */
async function obligeesReferentiel(w: Warehouse): Promise<{ total: number; texte: string }> {
  const rows = await w.all<{ t: string; n: number }>(`
    SELECT type_collectivite AS t, count(*)::INTEGER AS n FROM ref_collectivites
    WHERE type_collectivite <> 'commune' OR population >= 3500 GROUP BY 1`);
  const n = (t: string) => rows.find((r) => r.t === t)?.n ?? 0;
  const total = rows.reduce((s, r) => s + r.n, 0);
  return { total, texte: `${fr(total)} (${fr(n('commune'))} communes de 3 500 habitants ou plus, ${fr(n('epci'))} EPCI à fiscalité propre, ${fr(n('departement'))} départements, ${fr(n('region'))} régions)` };
}

async function historique(w: Warehouse, date: string): Promise<{ date: string; total: number; parType: Record<string, number> } | null> {
  if (!(await w.tableExists('odt_historique'))) return null;
  const rows = await w.all<{ d: string; t: string; n: number }>(`
    SELECT date_observation AS d, type_collectivite AS t, nombre::INTEGER AS n FROM odt_historique
    WHERE date_observation = (SELECT max(date_observation) FROM odt_historique WHERE date_observation <= $d)`, { d: date });
  if (rows.length === 0) return null;
  return { date: rows[0]!.d, total: rows.reduce((s, r) => s + r.n, 0), parType: Object.fromEntries(rows.map((r) => [r.t, r.n])) };
}

/** The Observatory's edition closest to a date (45 days at most), with what our loading found in it. */
async function edition(w: Warehouse, date: string) {
  if (!(await w.tableExists('odt_organisations'))) return null;
  const near = await w.one<{ d: string; run_id: string }>(`
    SELECT date_donnees AS d, any_value(run_id) AS run_id FROM odt_organisations GROUP BY 1
    HAVING abs(date_diff('day', CAST(date_donnees AS DATE), CAST($d AS DATE))) <= 45
    ORDER BY abs(date_diff('day', CAST(date_donnees AS DATE), CAST($d AS DATE))), date_donnees DESC LIMIT 1`, { d: date });
  if (!near) return null;
  const p = { d: near.d };
  const stats = (await w.one<Record<string, number>>(`
    WITH o AS (
      SELECT o.*, coalesce(o.population_fichier, c.population) AS pop, o.population_fichier IS NOT NULL AS pop_fichier
      FROM odt_organisations o LEFT JOIN ref_collectivites c ON c.code = o.code AND c.type_collectivite = o.categorie
      WHERE o.date_donnees = $d
    ),
    coll AS (SELECT DISTINCT categorie, code, bool_or(publie) OVER (PARTITION BY categorie, code) AS publie,
                    bool_or(categorie <> 'commune' OR pop >= 3500) OVER (PARTITION BY categorie, code) AS obligee
             FROM o WHERE code IS NOT NULL AND categorie IN ('commune', 'epci', 'departement', 'region'))
    SELECT (SELECT count(*) FROM coll WHERE publie)::INTEGER AS publiant,
           (SELECT count(*) FROM coll WHERE publie AND obligee)::INTEGER AS publiant_obligees,
           (SELECT count(*) FROM coll WHERE NOT publie)::INTEGER AS sans_jeu,
           (SELECT count(*) FROM coll WHERE publie AND categorie = 'commune')::INTEGER AS communes,
           (SELECT count(*) FROM coll WHERE publie AND categorie = 'epci')::INTEGER AS epci,
           (SELECT count(*) FROM coll WHERE publie AND categorie = 'departement')::INTEGER AS departements,
           (SELECT count(*) FROM coll WHERE publie AND categorie = 'region')::INTEGER AS regions,
           (SELECT count(*) FROM o WHERE categorie = 'ept')::INTEGER AS ept,
           (SELECT count(*) FROM o WHERE categorie = 'hors-collectivite')::INTEGER AS autres,
           (SELECT count(*) FROM o WHERE rapprochement IN ('correspondance', 'historique'))::INTEGER AS successions,
           (SELECT count(*) FROM o WHERE categorie = 'commune' AND code IS NOT NULL AND pop_fichier)::INTEGER AS communes_pop_fichier,
           (SELECT count(*) FROM o WHERE categorie = 'commune' AND code IS NOT NULL)::INTEGER AS communes_lignes,
           (SELECT count(*) FROM o WHERE type_odt IS NULL)::INTEGER AS sans_type`, p))!;
  const rejets = await w.all<{ motif: string; n: number }>(`
    SELECT split_part(motif, ' : ', 1) AS motif, count(*)::INTEGER AS n FROM rejets WHERE run_id = $r GROUP BY 1 ORDER BY n DESC, motif`, { r: near.run_id });
  return { date: near.d, stats, rejets };
}

function rejetsTexte(rejets: { motif: string; n: number }[]): string | null {
  if (rejets.length === 0) return null;
  const total = rejets.reduce((s, r) => s + r.n, 0);
  const parts = rejets.map((r) => {
    if (r.motif === 'hors périmètre') return `${fr(r.n)} hors périmètre (collectivités d'outre-mer hors du référentiel des communes, que le producteur compte)`;
    if (r.motif === 'doublon') return `${fr(r.n)} doublon${r.n > 1 ? 's' : ''} (même collectivité sur deux lignes, comptée une fois)`;
    return `${fr(r.n)} « ${r.motif} »`;
  });
  return `${plural(total, 'ligne du fichier est rejetée', 'lignes du fichier sont rejetées')} : ${parts.join(', ')} (détail dans rejets.csv)`;
}

async function ours(w: Warehouse, c: ChiffrePublie): Promise<Ours> {
  const none = (why: string): Ours => ({ valeur: null, numerateur: null, denominateur: null, source: null, date: null, faits: [why] });
  if (c.mesure === 'historique' || c.mesure === 'historique-obligees') {
    const h = await historique(w, c.date_donnees);
    if (!h) return none(`non calculable : l'historique national de l'Observatoire (source odt-historique) n'est pas chargé ou ne remonte pas au ${dateFr(c.date_donnees)}`);
    const types = `${fr(h.parType.commune ?? 0)} communes, ${fr(h.parType.epci ?? 0)} EPCI, ${fr(h.parType.departement ?? 0)} départements, ${fr(h.parType.region ?? 0)} régions`;
    const faits = [`notre numérateur est l'historique national de l'Observatoire au ${dateFr(h.date)} : ${fr(h.total)} collectivités (${types}), soumises à l'obligation ou non ; cette série ne dit pas lesquelles`];
    if (c.mesure === 'historique') return { valeur: h.total, numerateur: h.total, denominateur: null, source: 'odt-historique', date: h.date, faits };
    const ob = await obligeesReferentiel(w);
    return { valeur: h.total / ob.total, numerateur: h.total, denominateur: ob.total, source: 'odt-historique', date: h.date, faits: [...faits, denominateurTexte(c, ob)] };
  }
  const e = await edition(w, c.date_donnees);
  if (!e) return none(`non calculable : aucune édition de l'Observatoire chargée à moins de 45 jours du ${dateFr(c.date_donnees)}`);
  const s = e.stats;
  const faits: string[] = [];
  if (e.date !== c.date_donnees) faits.push(`l'édition chargée la plus proche est datée du ${dateFr(e.date)}`);
  faits.push(`dans cette édition, nous comptons ${fr(s.publiant!)} collectivités qui publient (${fr(s.communes!)} communes, ${fr(s.epci!)} EPCI à fiscalité propre, ${fr(s.departements!)} départements, ${fr(s.regions!)} régions), chacune rapprochée du référentiel d'aujourd'hui`);
  const rj = rejetsTexte(e.rejets);
  if (rj) faits.push(rj);
  if (s.ept! > 0) faits.push(`${plural(s.ept!, 'établissement public territorial', 'établissements publics territoriaux')} du Grand Paris, que l'Observatoire range parmi les intercommunalités, ne sont pas des EPCI à fiscalité propre : hors baromètre`);
  if (s.successions! > 0) faits.push(`${plural(s.successions!, 'ligne n\'est retrouvée', 'lignes ne sont retrouvées')} que par une succession (EPCI ou communes fusionnés depuis) : deux lignes de l'époque peuvent devenir une seule collectivité d'aujourd'hui`);
  if (s.sans_jeu! > 0) faits.push(`${plural(s.sans_jeu!, 'collectivité listée sans aucun jeu de données n\'est pas comptée', 'collectivités listées sans aucun jeu de données ne sont pas comptées')}`);
  if (s.sans_type! > 0) faits.push(`le fichier ne donne pas le type des organisations : il vient du référentiel par le SIREN, et une organisation dont le SIREN n'est pas celui d'une collectivité du référentiel est comptée hors collectivités`);
  if (c.mesure === 'odt-listees') return { valeur: s.publiant!, numerateur: s.publiant!, denominateur: null, source: 'odt', date: e.date, faits };
  const ob = await obligeesReferentiel(w);
  const pops = s.communes_pop_fichier! > 0
    ? `populations du fichier pour ${fr(s.communes_pop_fichier!)} des ${fr(s.communes_lignes!)} lignes de communes, du référentiel pour les autres`
    : `le fichier ne donne pas les populations : celles du référentiel d'aujourd'hui décident quelles communes sont soumises (3 500 habitants ou plus)`;
  faits.push(`numérateur : ${fr(s.publiant_obligees!)} de ces collectivités sont soumises à l'obligation (${pops})`);
  faits.push(denominateurTexte(c, ob));
  return { valeur: s.publiant_obligees! / ob.total, numerateur: s.publiant_obligees!, denominateur: ob.total, source: 'odt', date: e.date, faits };
}

function denominateurTexte(c: ChiffrePublie, notre: { total: number; texte: string }): string {
  const publie = c.denominateur !== null ? `${fr(c.denominateur)} pour le producteur en ${c.date_donnees.slice(0, 4)}` : 'un dénominateur que le producteur ne publie pas';
  const ecart = c.denominateur !== null && c.denominateur !== notre.total ? ` (${notre.total > c.denominateur ? '+' : '−'}${fr(Math.abs(notre.total - c.denominateur))})` : '';
  return (
    `dénominateur : ${notre.texte} soumises à l'obligation dans le référentiel d'aujourd'hui (@etalab/decoupage-administratif ${decoupageVersion()}, populations légales en vigueur), contre ${publie}${ecart} : ` +
    `la liste a changé depuis (fusions de communes et d'EPCI, populations plus récentes qui font passer des communes au-dessus ou au-dessous de 3 500 habitants), et l'exemption des collectivités de moins de 50 agents n'est pas appliquée (le nombre d'agents n'est pas une donnée ouverte), ce qui garde dans notre dénominateur des collectivités exemptées`
  );
}

/** What a published figure without numerator nor denominator would mean with the denominators published for the same date. */
function sansMethode(c: ChiffrePublie, all: ChiffrePublie[]): string | null {
  if (c.unite !== 'taux' || c.numerateur !== null) return null;
  const others = all.filter((o) => o.id !== c.id && o.date_donnees.slice(0, 7) === c.date_donnees.slice(0, 7) && o.denominateur !== null && o.numerateur !== null);
  const base = `la méthode et le dénominateur de ce chiffre ne sont pas publiés`;
  if (others.length === 0) return base;
  return `${base} : ${others.map((o) => `${pctPublie(c.valeur_publiee)} des ${fr(o.denominateur!)} collectivités soumises selon ${o.producteur} pour le même mois ferait ${fr(Math.round(c.valeur_publiee * o.denominateur!))} collectivités, quand celui-ci en annonce ${fr(o.numerateur!)}`).join(' ; ')}`;
}

/** Fills `chiffres_publies`: each published figure, ours, the gap, and the explanation. */
export async function computeChiffresPublies(w: Warehouse, chiffres = loadChiffresPublies()): Promise<void> {
  const rows: Record<string, unknown>[] = [];
  for (const c of chiffres) {
    const o = await ours(w, c);
    const ecart = o.valeur === null ? null : c.unite === 'taux' ? Math.round((o.valeur - c.valeur_publiee) * 1000) / 10 : o.valeur - c.valeur_publiee;
    const publie = c.unite === 'taux' ? pctPublie(c.valeur_publiee) : fr(c.valeur_publiee);
    const notre = o.valeur === null ? null : c.unite === 'taux' ? `${pct(o.valeur)} (${fr(o.numerateur!)} sur ${fr(o.denominateur!)})` : fr(o.valeur);
    const tete = notre === null ? `Publié : ${publie}.` : `Publié : ${publie} ; le nôtre : ${notre}, soit un écart de ${c.unite === 'taux' ? `${ecart! > 0 ? '+' : ''}${ecart!.toLocaleString('fr-FR')} point${Math.abs(ecart!) >= 2 ? 's' : ''}` : `${ecart! > 0 ? '+' : ''}${fr(ecart!)}`}.`;
    const methode = sansMethode(c, chiffres);
    const faits = [...o.faits, ...(methode ? [methode] : [])];
    rows.push({
      id: c.id,
      indicateur: c.indicateur,
      date_donnees: c.date_donnees,
      ce_qui_est_compte: c.ce_qui_est_compte,
      perimetre: c.perimetre,
      producteur: c.producteur,
      source_titre: c.source_titre,
      source_url: c.source_url,
      citation: c.citation,
      unite: c.unite,
      valeur_publiee: c.valeur_publiee,
      numerateur_publie: c.numerateur,
      denominateur_publie: c.denominateur,
      notre_valeur: o.valeur,
      notre_numerateur: o.numerateur,
      notre_denominateur: o.denominateur,
      notre_source: o.source,
      notre_date_donnees: o.date,
      ecart,
      explication: `${tete} ${faits.map((f) => `${f.charAt(0).toUpperCase()}${f.slice(1)}.`).join(' ')}`,
    });
  }
  await w.createTable('chiffres_publies', CHIFFRES_PUBLIES_COLUMNS, { replace: true });
  await w.insert('chiffres_publies', CHIFFRES_PUBLIES_COLUMNS, rows);
}
