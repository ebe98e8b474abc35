// The Territoires section's data files: one JSON file per département (its communes), `epci` and `france`, and the
// same data as a CSV table.
import { csvCell, toCsv } from '../../pipelines/base/csv.ts';
import { type Territoire, strateLabel } from './data.ts';
import { type Contexte, ficheDe, key, nomsDe, tauxPour } from './territoires.ts';
import type { FichierDonnees } from './territoires-texte.ts';

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
