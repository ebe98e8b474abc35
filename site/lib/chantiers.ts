// The workstreams as the pages show them: each through its first indicator with data (measured on every
// collectivité before declared by survey respondents, as the export orders them), with the nature of the figure.
// Which indicators are real, sample or unavailable comes from the provenance export.
import type { IndicateurProvenance, IndicatorDefinition, PerimetreObligation, SiteData } from './data.ts';
import { formatDate } from './format.ts';

export interface ChantierVue {
  id: string;
  libelle: string;
  axe: string;
  axe_libelle: string;
  /** The programme document that names the workstream; null for an indicator that no workstream names. */
  reference: string | null;
  /** Its indicators, in the order of preference of the export. */
  indicateurs: IndicatorDefinition[];
  /** The short label of headings and the scorecard. */
  libelle_court: string;
  /** The indicator its scorecard row shows (the first when the export names none). */
  principal: string | null;
  /** Who is under the legal obligation, in words ('' when nobody), and as data. */
  obligees: string;
  obligeesPerimetre: PerimetreObligation[];
  /** ISO date the obligation applies from; null when none or undated. */
  obligation_depuis: string | null;
}

/**
 * The workstreams of the export, then each indicator that no workstream names as a workstream of its own
 * (a new indicator appears on every page even before chantiers.csv names it).
 */
export function chantiersVues(data: Pick<SiteData, 'chantiers' | 'indicateurs'>): ChantierVue[] {
  const byId = new Map(data.indicateurs.map((i) => [i.id, i]));
  const placed = new Set<string>();
  const out: ChantierVue[] = data.chantiers.map((c) => {
    const indicateurs = c.indicateurs.map((x) => byId.get(x.id)).filter((i): i is IndicatorDefinition => i !== undefined);
    for (const i of indicateurs) placed.add(i.id);
    return {
      id: c.id,
      libelle: c.libelle,
      axe: c.axe,
      axe_libelle: c.axe_libelle,
      reference: c.reference || null,
      indicateurs,
      libelle_court: c.libelle_court || c.libelle,
      principal: c.principal ?? indicateurs[0]?.id ?? null,
      obligees: c.obligees ?? '',
      obligeesPerimetre: c.obligees_perimetre ?? [],
      obligation_depuis: c.obligation_depuis ?? null,
    };
  });
  for (const i of data.indicateurs) {
    if (!placed.has(i.id)) out.push({ id: i.id, libelle: i.label, axe: i.axe, axe_libelle: i.axe_libelle, reference: null, indicateurs: [i], libelle_court: i.labelCourt, principal: i.id, obligees: '', obligeesPerimetre: [], obligation_depuis: null });
  }
  return out;
}

/** Workstreams grouped by DCANT axis, axes in the order they first appear. */
export function chantiersParAxe(chantiers: readonly ChantierVue[]): { axe: string; label: string; chantiers: ChantierVue[] }[] {
  const groups = new Map<string, { axe: string; label: string; chantiers: ChantierVue[] }>();
  for (const c of chantiers) {
    const g = groups.get(c.axe) ?? { axe: c.axe, label: c.axe_libelle, chantiers: [] };
    g.chantiers.push(c);
    groups.set(c.axe, g);
  }
  return [...groups.values()];
}

/**
 * The indicator that shows a workstream: its principal indicator when `hasData` holds for it, else the first of its
 * indicators for which it holds (measured ones come first), else its first indicator (shown without data), else null
 * (none computable yet).
 */
export function indicateurPrincipal(chantier: ChantierVue, hasData: (indicateur: string) => boolean): { indicateur: IndicatorDefinition | null; donnees: boolean } {
  // The workstream's principal indicator (chantiers.csv) first, as on a collectivité's scorecard.
  const principal = chantier.indicateurs.find((i) => i.id === chantier.principal && hasData(i.id));
  const withData = principal ?? chantier.indicateurs.find((i) => hasData(i.id));
  return withData ? { indicateur: withData, donnees: true } : { indicateur: chantier.indicateurs[0] ?? null, donnees: false };
}

export function etatIndicateur(data: Pick<SiteData, 'provenance'>, indicateur: string): IndicateurProvenance | undefined {
  return data.provenance.indicateurs.find((i) => i.id === indicateur);
}

/** "indisponible : la source … (dernière tentative le 3 mars 2026)", or null when the indicator is not unavailable. */
export function indisponibiliteTexte(data: Pick<SiteData, 'provenance'>, indicateur: string): string | null {
  const etat = etatIndicateur(data, indicateur);
  if (!etat || etat.etat !== 'indisponible') return null;
  const raison = (etat.raison ?? '').replace(/\.$/, '');
  const date = etat.derniere_tentative ? ` (dernière tentative le ${formatDate(etat.derniere_tentative)})` : '';
  return `indisponible : ${raison.charAt(0).toLowerCase()}${raison.slice(1)}${date}.`;
}

/** True when one of these indicators shows sample figures: the page or embed that shows it carries the banner. */
export function montreEchantillon(data: Pick<SiteData, 'provenance'>, indicateurs: readonly string[]): boolean {
  return indicateurs.some((id) => etatIndicateur(data, id)?.etat === 'echantillon');
}
