// The scorecard at the top of a collectivité's page: one row per workstream that has a value for it, through its
// principal indicator (the first with a value when the principal has none), with its strate's share nationally and in
// its département, the legal obligation and the next step. Pure functions shared by the build and the browser script
// of the pages of small communes (no Node import here).
import { dateEnMots } from '../../pipelines/base/francais.ts';
import { formatInteger, formatPeriode } from './format.ts';
import { escapeXml } from '../charts/xml.ts';
import type { TypeCollectivite } from './recherche.ts';
import { type IndicateurResume, type TauxResume, type Valeur, TYPE_MOTS, tauxTexte, valeurCourte } from './territoires-texte.ts';

export interface LigneTableau {
  chantierId: string;
  /** The workstream's short label. */
  chantier: string;
  indicateur: IndicateurResume;
  /** The other indicators of the workstream that have a value here (the detailed sections below). */
  autres: IndicateurResume[];
  /** « oui », « non », « en cours », « 3 démarches publiées »… */
  valeur: string;
  /** null when the objective is not a yes/no (a count below the objective still reads as a number). */
  atteinte: boolean | null;
  /** « mesuré » (from published data) or « déclaré » (a survey answer). */
  mesure: 'mesuré' | 'déclaré';
  periode: string;
  /** « 29 % (12 sur 42) » for its strate in France; « effectif insuffisant », « pas de donnée ». */
  strate: string;
  /** The same within its strate in its département; null for départements and régions. */
  departement: string | null;
  /** « obligatoire depuis le 1er janvier 2022 », « obligatoire », « non soumise à l’obligation », « aucune obligation légale ». */
  obligation: string;
  obligee: boolean;
  etape: IndicateurResume['etape'];
}

export interface EntreeTableau {
  type: TypeCollectivite;
  /** The indicators in the pages' order (workstream by workstream, measured first). */
  indicateurs: readonly IndicateurResume[];
  valeur: (indicateur: string) => Valeur | undefined;
  /** The rate of its strate: `territoire` "FR" or its département's code. */
  taux: (indicateur: string, territoire: string) => TauxResume | undefined;
  departement: string | null;
  population: number | null;
}

/** « 29 % (12 sur 42) », « 100 % (3 sur 3 répondants) » for a survey. */
export function partTexte(taux: TauxResume | undefined, indicateur: Pick<IndicateurResume, 'nature'>): string {
  if (!taux) return 'pas de donnée';
  if (!taux.ok) return 'effectif insuffisant';
  return `${tauxTexte(taux)} (${formatInteger(taux.a)} sur ${formatInteger(taux.n)}${indicateur.nature === 'enquete' ? ' répondants' : ''})`;
}

/** Whether the workstream's obligation applies to a collectivité of this type and population (municipale, as in the indicators). */
export function estObligee(ind: Pick<IndicateurResume, 'obligees'>, type: TypeCollectivite, population: number | null): boolean {
  return ind.obligees.some(
    (p) => p.type === type && (p.operateur === null || p.population === null || (population !== null && (p.operateur === '>' ? population > p.population : population >= p.population))),
  );
}

export function obligationTexte(ind: Pick<IndicateurResume, 'obligees' | 'obligation_depuis'>, obligee: boolean, type: TypeCollectivite): string {
  if (obligee) return ind.obligation_depuis ? `obligatoire depuis le ${dateEnMots(ind.obligation_depuis)}` : 'obligatoire';
  if (ind.obligees.length > 0) return `non ${TYPE_MOTS[type].feminin ? 'soumise' : 'soumis'} à l’obligation`;
  return 'aucune obligation légale';
}

export function lignesTableau(e: EntreeTableau): LigneTableau[] {
  const parChantier = new Map<string, IndicateurResume[]>();
  for (const ind of e.indicateurs) {
    if (!e.valeur(ind.id)) continue;
    const list = parChantier.get(ind.chantier_id);
    if (list) list.push(ind);
    else parChantier.set(ind.chantier_id, [ind]);
  }
  return [...parChantier.entries()].map(([chantierId, inds]) => {
    const ind = inds.find((i) => i.principal) ?? inds[0]!;
    const v = e.valeur(ind.id)!;
    // Under the obligation when the indicator says so (its own perimeter: all communes for online filing of permits)
    // or when the workstream's perimeter covers it (all buyers for procurement, whatever the indicator counts).
    const obligee = v.obligee || estObligee(ind, e.type, e.population);
    const local = (e.type === 'commune' || e.type === 'epci') && e.departement;
    const objectifOuiNon = ind.nature === 'binaire' || ind.nature === 'enquete';
    return {
      chantierId,
      chantier: ind.chantier_court,
      indicateur: ind,
      autres: inds.filter((i) => i !== ind),
      valeur: valeurCourte(ind.nature, v.valeur, ind.valeur),
      atteinte: objectifOuiNon && v.valeur !== null ? v.valeur >= 1 : null,
      mesure: ind.nature === 'enquete' ? 'déclaré' : 'mesuré',
      periode: formatPeriode(ind.periode),
      strate: partTexte(e.taux(ind.id, 'FR'), ind),
      departement: local ? partTexte(e.taux(ind.id, e.departement!), ind) : null,
      obligation: obligationTexte(ind, obligee, e.type),
      obligee,
      etape: ind.etape,
    };
  });
}

export interface OptionsTableau {
  nom: string;
  type: TypeCollectivite;
  /** « communes de 20 000 à 49 999 habitants ». */
  groupe: string;
}

/**
 * The scorecard's HTML, written once for the build (set:html) and for the browser script of the small communes'
 * page: a table on a wide screen, one card per row on a phone (CSS), whose explicit roles keep it a table for screen
 * readers when it is laid out as blocks.
 */
export function tableauHtml(lignes: readonly LigneTableau[], o: OptionsTableau): string {
  const local = o.type === 'commune' || o.type === 'epci';
  const strateCol = o.type === 'region' ? 'Toutes les régions' : 'Sa strate en France';
  const groupe = o.type === 'region' ? 'régions' : o.groupe;
  const x = escapeXml;
  const cols = ['Chantier', TYPE_MOTS[o.type].ce, strateCol, ...(local ? ['Dans le département'] : []), 'Obligation légale', 'Prochaine étape'];
  const ligne = (l: LigneTableau) => {
    const autres = l.autres.length > 0 ? `<span class="tb-autres"> et ${l.autres.length} autre${l.autres.length > 1 ? 's mesures' : ' mesure'}</span>` : '';
    const etape = l.etape ? `<a href="${x(l.etape.url)}" rel="external">${x(l.etape.libelle)}</a><span class="tb-source">Source : ${x(l.etape.source)}</span>` : '—';
    return [
      `<tr role="row" data-chantier="${x(l.chantierId)}"${l.atteinte === null ? '' : ` data-atteinte="${l.atteinte}"`}>`,
      `<th role="rowheader" scope="row"><a href="#indicateur-${x(l.indicateur.id)}">${x(l.chantier)}</a>${autres}</th>`,
      `<td role="cell" class="tb-valeur"><strong>${x(l.valeur)}</strong><span class="tb-quand">${l.mesure}, ${x(l.periode)}</span></td>`,
      `<td role="cell" class="tb-part" data-label="${local ? 'Strate en France' : x(strateCol)}">${x(l.strate)}</td>`,
      local ? `<td role="cell" class="tb-part" data-label="Strate dans le dépt">${x(l.departement ?? '—')}</td>` : '',
      `<td role="cell" class="${l.obligee ? 'tb-obligation tb-obligee' : l.indicateur.obligees.length > 0 ? 'tb-obligation' : 'tb-obligation tb-sans'}">${x(l.obligation)}</td>`,
      `<td role="cell" class="tb-etape">${etape}</td>`,
      '</tr>',
    ].join('');
  };
  return [
    '<section class="tableau-bord" aria-labelledby="tableau-bord-titre" data-tableau-bord>',
    '<h2 id="tableau-bord-titre">Tableau de bord</h2>',
    '<table role="table">',
    `<caption class="visually-hidden">${x(o.nom)} chantier par chantier : sa valeur, la part des ${x(groupe)} qui atteignent l’objectif${local ? ' en France et dans son département' : ''}, l’obligation légale et la prochaine étape</caption>`,
    `<thead role="rowgroup"><tr role="row">${cols.map((c) => `<th role="columnheader" scope="col">${x(c)}</th>`).join('')}</tr></thead>`,
    `<tbody role="rowgroup">${lignes.map(ligne).join('')}</tbody>`,
    '</table>',
    `<p class="terr-aide">Part : les ${x(groupe)} qui atteignent l’objectif${local ? ', en France et dans le département' : ''}, au même semestre. « Mesuré » : calculé sur toutes les collectivités à partir de données publiées ; « déclaré » : réponse à une enquête. Le détail de chaque chantier suit.</p>`,
    '</section>',
  ].join('');
}
