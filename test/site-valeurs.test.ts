// Indicators read through their values (shares, counts) on the fixture site: the strate median in the matrix, on the
// indicator page and on a territory page, worded from the definitions in the exports (never from indicator ids).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { sharedSite } from './helpers/shared.ts';
import type { BarometreRow, IndicatorDefinition } from '../site/lib/data.ts';

// Built by the global setup in the background: this waits for it.
const dist = await sharedSite();
const exportsDir = inject('siteExports');
const read = (path: string) => readFileSync(join(dist, path), 'utf8');
const NNBSP = '\u202f';
/** The visible text of an HTML fragment. */
function text(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<svg[\s\S]*?<\/svg>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/[ \t\n\r]+/g, ' ');
}
/** "72,6 %", as the site writes a share. */
const percent = (v: number) => `${new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v * 100)}${NNBSP}%`;

describe.skipIf(!dist)('indicators read through their values, on the fixture site', () => {
  const barometre = () => (JSON.parse(readFileSync(join(exportsDir, 'barometre.json'), 'utf8')) as { donnees: BarometreRow[] }).donnees;
  const definitions = () => JSON.parse(readFileSync(join(exportsDir, 'indicateurs.json'), 'utf8')) as IndicatorDefinition[];
  /** The national row the pages show: the indicator's latest semester. */
  const row = (indicateur: string, type: string, strate: string) =>
    barometre()
      .filter((r) => r.indicateur === indicateur && r.niveau === 'national' && r.type_collectivite === type && r.strate === strate && r.statut === 'ok')
      .sort((a, b) => b.periode.localeCompare(a.periode))[0]!;

  it('shows in the matrix the strate median of a value indicator, and says it is one', () => {
    const median = row('adresses-certifiees', 'commune', 'com-500-1999').valeur_mediane!;
    const html = read('barometre/index.html');
    const at = html.indexOf('href="/indicateurs/adresses-certifiees/#strate-commune-com-500-1999"');
    expect(at).toBeGreaterThan(0);
    const cell = html.slice(html.indexOf('>', at) + 1);
    expect(text(cell.slice(0, cell.indexOf('</td>'))).trim()).toBe(`${percent(median)} médiane`);
  });

  it('gives the medians of a value indicator on its page, in their own column', () => {
    const def = definitions().find((d) => d.id === 'adresses-certifiees')!;
    const page = text(read('indicateurs/adresses-certifiees/index.html'));
    expect(page).toContain(`Médiane : ${def.valeur!.libelle.toLowerCase()}`);
    const r = row('adresses-certifiees', 'commune', 'com-500-1999');
    expect(page).toMatch(new RegExp(`De 500 à 1.999 habitants ${r.concernees} ${percent(r.valeur_mediane!)} ${r.atteintes} ${percent(r.taux!)}`));
  });

  it('gives the median number of contracts next to the rate of the procurement indicator', () => {
    const page = text(read('indicateurs/marches-donnees-essentielles/index.html'));
    expect(page).toContain('Médiane : marchés publiés');
    const r = row('marches-donnees-essentielles', 'departement', 'toutes');
    // Most départements have no contract in the fixture: the median is zero contracts.
    expect(r.valeur_mediane).toBe(0);
    expect(page).toMatch(new RegExp(`Ensemble ${r.concernees} ${r.atteintes} [^ ]+${NNBSP}% .*?aucun marché publié`));
  });

  it("says on a commune's page its value against its strate median, in the definition's words", () => {
    const rennes = text(read('territoires/commune/35238/index.html'));
    // Each sentence names the source and date of the semester's data, read from the export.
    expect(rennes).toMatch(new RegExp(`Rennes : 99,2${NNBSP}% de ses adresses sont certifiées par la commune dans la Base Adresse Nationale \\(selon Base Adresse Nationale, données du [^)]+\\)\\.`));
    expect(rennes).toMatch(/Rennes : 1 marché publié dans les données essentielles de la commande publique \(date de notification dans le semestre ; selon Données essentielles de la commande publique[^,]*, données du [^)]+\)\./);
    // Two communes of 100 000 inhabitants or more in the fixture: under the dissemination threshold, no median either.
    expect(rennes).toMatch(/Sa strate en France \(communes de 100.000 habitants ou plus\) : effectif insuffisant \(2 sur 2\)/);
  });
});
