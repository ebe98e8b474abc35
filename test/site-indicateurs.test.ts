// The barometer's matrix, the indicator pages (evolution, maps, methodology, CSV) and the home page, read as people see them;
// and the small functions behind them (colours and contrast, series breaks, changes, geometry, CSV, filters).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { geoArea } from 'd3';
import { JSDOM } from 'jsdom';
import Papa from 'papaparse';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { sharedSite } from './helpers/shared.ts';
import { rewindForD3, signedArea, simplify } from '../site/charts/carte-choroplethe.ts';
import { SERIES_COLORS, spreadLabels } from '../site/charts/evolution.ts';
import { INK, PAPER, contrastRatio, levelOf, luminance, textColorOn } from '../site/lib/couleurs.ts';
import type { BarometreRow, IndicatorDefinition, SiteData } from '../site/lib/data.ts';
import { barometreCsv, barometreFields } from '../site/lib/export-csv.ts';
import { EXPORT_TABLES } from '../indicators/schema.ts';
import { lireDefinitions } from '../pipelines/sources/sites/controles.ts';
import { barometreHref, readFiltres, writeFiltres } from '../site/lib/filtres.ts';
import { headlineRow } from '../site/lib/home.ts';
import { compactMatrix } from '../site/lib/matrice.ts';
import { evolutionSegments } from '../site/lib/evolution.ts';
import { formatPoints, variation } from '../site/lib/indicateurs.ts';
import { periodeIndex, previousPeriode } from '../site/lib/periodes.ts';

// Built by the global setup in the background: this waits for it.
const dist = await sharedSite();
const exportsDir = inject('siteExports');
/** The columns of barometre.csv in the export schema: the per-indicator CSV must follow them. */
const BAROMETRE_COLUMNS = EXPORT_TABLES.find((t) => t.name === 'barometre')!.fields.map((f) => f.name);

function page(path: string): Document {
  return new JSDOM(readFileSync(join(dist, path, 'index.html'), 'utf8')).window.document;
}
// Only ordinary white space is collapsed: the no-break spaces of French numbers are part of what is checked.
const text = (el: Element | null | undefined) => (el?.textContent ?? '').replace(/[ \t\r\n]+/g, ' ').trim();
/** A table row's cells, one space apart. */
const cells = (tr: Element | null | undefined) => [...(tr?.children ?? [])].map(text).join(' ');
/** An export of the fixture build, as the site reads it. */
const exported = <T,>(name: string): T => JSON.parse(readFileSync(join(exportsDir, name), 'utf8')) as T;

/** A national row of the barometer, with what a test does not care about filled in. */
function row(periode: string, taux: number | null, extra: Partial<BarometreRow> = {}): BarometreRow {
  return {
    indicateur: 'x', periode, niveau: 'national', territoire: 'FR', type_collectivite: 'region', strate: 'toutes', concernees: 18,
    atteintes: taux === null ? 0 : Math.round(taux * 18), taux, population_concernee: null, population_atteinte: null, source: 's',
    date_donnees: '2021-04-09', methode_version: '1.0.0', ic_bas: null, ic_haut: null, taux_population: null,
    statut: taux === null ? 'effectif_insuffisant' : 'ok', obligation: 'oui', edition: null, rupture_serie: false, ...extra,
  };
}

describe('colours and contrast', () => {
  it('luminance(color) is 0 for black and 1 for white; the contrast of black on white is 21:1', () => {
    expect(luminance('#000000')).toBe(0);
    expect(luminance('#fff')).toBe(1);
    expect(contrastRatio('#000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio(INK, INK)).toBe(1);
    expect(() => luminance('brown')).toThrow(/couleur invalide : brown/);
  });

  it('textColorOn(background) chooses white on a dark level and ink on a light one', () => {
    expect(textColorOn('#3d2308')).toBe(PAPER);
    expect(textColorOn('#123a5a')).toBe(PAPER);
    expect(textColorOn('#f2e6c9')).toBe(INK);
    expect(textColorOn('#e1edf5')).toBe(INK);
    // A mid-tone where neither the ink (4,1:1) nor white (4,3:1) is enough: pure black (4,9:1).
    expect(textColorOn('#3f8a3c')).toBe('#000000');
  });

  it('every level colour of every indicator gets a text colour at 4.5:1 or more', () => {
    const indicators = JSON.parse(readFileSync(join(exportsDir, 'indicateurs.json'), 'utf8')) as IndicatorDefinition[];
    const levels = indicators.flatMap((i) => i.levels.map((l) => ({ id: i.id, color: l.color })));
    expect(levels.length).toBeGreaterThan(8);
    const weak = levels.filter((l) => contrastRatio(textColorOn(l.color), l.color) < 4.5);
    expect(weak).toEqual([]);
  });

  it('the evolution charts’ series colours are at 4.5:1 or more on white', () => {
    expect(SERIES_COLORS.filter((c) => contrastRatio(c, PAPER) < 4.5)).toEqual([]);
  });

  it('levelOf(levels, rate) takes the last level whose minimum the rate reaches, and null for no rate', () => {
    const levels = [{ min: 0.5, label: 'haut', color: '#000000' }, { min: 0, label: 'bas', color: '#ffffff' }, { min: 0.25, label: 'moyen', color: '#777777' }];
    expect(levelOf(levels, 0)?.label).toBe('bas');
    expect(levelOf(levels, 0.25)?.label).toBe('moyen');
    expect(levelOf(levels, 0.9)?.label).toBe('haut');
    expect(levelOf(levels, null)).toBeNull();
  });
});

describe('series, breaks and changes', () => {
  it('periodeIndex makes consecutive semesters consecutive numbers, and refuses anything else', () => {
    expect(periodeIndex('2021-S1') + 1).toBe(periodeIndex('2021-S2'));
    expect(periodeIndex('2021-S2') + 1).toBe(periodeIndex('2022-S1'));
    expect(previousPeriode('2022-S1')).toBe('2021-S2');
    expect(() => periodeIndex('2021-T1')).toThrow(/semestre invalide : 2021-T1/);
  });

  it('evolutionSegments does not join points across a rupture_serie, a missing semester or a withheld rate', () => {
    const rows = [
      row('2019-S2', 0.6, { methode_version: '1.0.0+historique' }),
      row('2020-S1', 0.62, { methode_version: '1.0.0+historique' }),
      row('2020-S2', 0.64, { methode_version: '1.0.0+historique' }),
      row('2021-S1', 0.7, { rupture_serie: true }),
      row('2021-S2', 0.72),
      row('2022-S1', null),
      row('2022-S2', 0.75),
      row('2023-S2', 0.8),
    ];
    const { points, breaks } = evolutionSegments(rows, 'Ensemble');
    expect(breaks).toEqual(['2021-S1']);
    const segments = [...new Set(points.map((p) => p.segment))].map((s) => points.filter((p) => p.segment === s).map((p) => p.periode));
    expect(segments).toEqual([['2019-S2', '2020-S1', '2020-S2'], ['2021-S1', '2021-S2'], ['2022-S2'], ['2023-S2']]);
    expect(points.filter((p) => p.historique).map((p) => p.periode)).toEqual(['2019-S2', '2020-S1', '2020-S2']);
  });

  it('variation(current, previous) says the change in points with words, and refuses to compare across a break', () => {
    expect(variation(row('2021-S2', 0.3), row('2021-S1', 0.25))).toMatchObject({ kind: 'hausse', points: 5, arrow: '▲', text: 'en hausse de 5,0\u00a0points depuis le 1er semestre 2021' });
    expect(variation(row('2021-S2', 0.25), row('2021-S1', 0.262))).toMatchObject({ kind: 'baisse', points: -1.2, arrow: '▼', text: 'en baisse de 1,2\u00a0point depuis le 1er semestre 2021' });
    expect(variation(row('2021-S2', 0.25), row('2021-S1', 0.2503))).toMatchObject({ kind: 'stable', arrow: '=', text: 'stable depuis le 1er semestre 2021' });
    expect(variation(row('2021-S1', 0.7, { rupture_serie: true }), row('2020-S2', 0.6))).toMatchObject({ kind: 'non-comparable', points: null });
    expect(variation(row('2021-S2', 0.3), row('2021-S1', null)).text).toBe('pas de taux diffusé au 1er semestre 2021 (effectif insuffisant)');
    expect(variation(row('2021-S2', null), row('2021-S1', 0.3)).kind).toBe('absent');
    expect(variation(row('2021-S2', 0.3), undefined).text).toBe('pas de donnée au 1er semestre 2021');
    expect(formatPoints(-0.5)).toBe('−0,5\u00a0point');
    expect(formatPoints(12)).toBe('+12,0\u00a0points');
  });

  it('headlineRow prefers the communes under the obligation, then the largest type with a rate', () => {
    const rows = [
      row('2021-S1', 0.5, { type_collectivite: 'region' }),
      row('2021-S1', 0.1, { type_collectivite: 'commune', concernees: 30000 }),
      row('2021-S1', null, { type_collectivite: 'epci', concernees: 40000 }),
    ];
    expect(headlineRow(rows)?.type_collectivite).toBe('commune');
    expect(headlineRow([...rows, row('2021-S1', 0.2, { type_collectivite: 'commune', strate: 'obligees' })])?.strate).toBe('obligees');
    expect(headlineRow([row('2021-S1', null)])?.statut).toBe('effectif_insuffisant');
  });

  it('spreadLabels keeps labels at least `gap` apart and inside the plot', () => {
    const placed = spreadLabels([100, 100, 101, 300, 395], 16, 0, 400);
    const sorted = [...placed].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(16 - 1e-9);
    expect(Math.max(...placed)).toBeLessThanOrEqual(400);
    expect(placed[3]).toBe(300);
  });
});

describe('boundaries for d3-geo', () => {
  // A square around Rennes, counter-clockwise as RFC 7946 writes exterior rings.
  const ccw: [number, number][] = [[-1.8, 48], [-1.5, 48], [-1.5, 48.2], [-1.8, 48.2], [-1.8, 48]];

  it('a counter-clockwise GeoJSON ring is the whole globe but the square for d3, and rewound it is the square', () => {
    expect(signedArea(ccw)).toBeGreaterThan(0);
    expect(geoArea({ type: 'Polygon', coordinates: [ccw] })).toBeGreaterThan(12);
    const rewound = rewindForD3([ccw]);
    expect(geoArea({ type: 'Polygon', coordinates: rewound })).toBeLessThan(1e-4);
    // Already clockwise rings are left as they are; holes go the other way.
    expect(rewindForD3(rewound)).toEqual(rewound);
    expect(signedArea(rewindForD3([ccw, ccw])[1]!)).toBeGreaterThan(0);
  });

  it('simplify keeps both ends and drops points closer than epsilon to the line', () => {
    expect(simplify([[0, 0], [1, 0.1], [2, -0.1], [3, 0], [4, 5], [5, 0]], 0.5)).toEqual([[0, 0], [3, 0], [4, 5], [5, 0]]);
  });
});

describe('rows per EPCI nature', () => {
  it('are kept apart, so that a (type, strate) lookup of the barometer finds one row per semester and territory', () => {
    const all = JSON.parse(readFileSync(join(exportsDir, 'barometre.json'), 'utf8')).donnees as BarometreRow[];
    const natures = all.filter((r) => r.nature);
    expect(natures.length).toBeGreaterThan(0);
    expect(new Set(natures.map((r) => r.type_collectivite))).toEqual(new Set(['epci']));
    const keys = all.filter((r) => !r.nature).map((r) => [r.indicateur, r.periode, r.niveau, r.territoire, r.type_collectivite, r.strate].join('|'));
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('CSV and filters', () => {
  it('barometreCsv writes the columns of barometre.csv in the export schema; the French form has a BOM, ";" and decimal commas', () => {
    const fields = barometreFields(exportsDir);
    expect(fields.map((f) => f.name)).toEqual(BAROMETRE_COLUMNS);
    const rows = [row('2021-S1', 0.0555, { strate: '=cmd', valeur_mediane: 0.25 })];
    const csv = barometreCsv(rows, fields);
    expect(csv.split('\n')[0]).toBe(BAROMETRE_COLUMNS.join(','));
    expect(csv).toContain(',0.0555,');
    expect(csv).toContain(",'=cmd,");
    expect(Papa.parse<Record<string, string>>(csv.trim(), { header: true }).data[0]).toMatchObject({ valeur_mediane: '0.25', rupture_serie: 'false' });
    const fr = barometreCsv(rows, fields, { french: true });
    expect(fr.startsWith('\uFEFFindicateur;periode;')).toBe(true);
    expect(fr).toContain(';0,0555;');
    expect(fr).toContain(';0,25;');
  });

  it('the filters survive a round trip through the URL and ignore unknown values', () => {
    const known = { types: ['commune', 'epci'], indicateurs: ['ouverture-donnees'] };
    expect(readFiltres(writeFiltres({ type: 'epci', indicateur: 'ouverture-donnees' }), known)).toEqual({ type: 'epci', indicateur: 'ouverture-donnees' });
    expect(readFiltres('?type=canton&indicateur=%3Cscript%3E', known)).toEqual({ type: '', indicateur: '' });
    expect(writeFiltres({ type: '', indicateur: '' })).toBe('');
    expect(barometreHref('2021-S1', { type: 'epci', indicateur: '' })).toBe('/barometre/2021-S1/?type=epci');
    expect(barometreHref('', { type: '', indicateur: '' })).toBe('/barometre/');
  });
});

describe('a workstream in the matrix', () => {
  const def = (id: string, nature: 'mesure' | 'declaration'): IndicatorDefinition => ({
    id, label: `Indicateur ${id}`, labelCourt: `Indicateur ${id}`, description: '', unit: 'taux', direction: 'hausse', levels: [{ min: 0, label: 'Tout', color: '#ffffff' }], axe: 'socle-commun',
    axe_libelle: 'Socle commun', nature, nature_libelle: nature === 'mesure' ? 'mesuré sur toutes les collectivités' : 'déclaré par les répondants', sources: ['s'],
    concernees: '', methodology: '', version: '1.0.0', versions: [],
  });
  const site = (barometre: BarometreRow[], etats: Record<string, { etat: 'reel' | 'indisponible'; raison?: string; derniere_tentative?: string }> = {}): SiteData => ({
    folder: '', strates: [], barometre, barometreNatures: [], raccords: [], chiffresPublies: [],
    indicateurs: [def('survey', 'declaration'), def('mesure', 'mesure'), def('seul', 'mesure')],
    // As the export orders them: measured first.
    chantiers: [{ id: 'ch', libelle: 'Un chantier', axe: 'socle-commun', axe_libelle: 'Socle commun', reference: '', indicateurs: [{ id: 'mesure', nature: 'mesure', nature_libelle: '' }, { id: 'survey', nature: 'declaration', nature_libelle: '' }] }],
    provenance: { indicateurs: Object.entries(etats).map(([id, e]) => ({ id, label: id, version: '1.0.0', sources: ['s'], raison: null, derniere_tentative: null, ...e })) } as unknown as SiteData['provenance'],
  });
  const regionRow = (indicateur: string, periode: string, taux: number) => row(periode, taux, { indicateur });

  it('is shown through its measured indicator when it has data, whatever the survey says', () => {
    const m = compactMatrix(site([regionRow('survey', '2025-S2', 0.5), regionRow('mesure', '2025-S1', 0.25)]));
    const ch = m.rows.find((r) => r.chantier === 'ch')!;
    expect(ch).toMatchObject({ indicateur: 'mesure', chantierLibelle: 'Un chantier', nature: 'mesuré sur toutes les collectivités', periode: '2025-S1', indisponible: null });
    expect(ch.cells.find((c) => c.strate === 'toutes' && c.text !== '—')?.text).toBe('25,0\u202f%');
  });

  it('is shown through its survey when the measured indicator has no data, saying why the measure is missing only on the measure', () => {
    const m = compactMatrix(site([regionRow('survey', '2025-S2', 0.5)], { mesure: { etat: 'indisponible', raison: 'La source « s » n’a pas de données.', derniere_tentative: '2026-03-03T10:00:00Z' } }));
    expect(m.rows.find((r) => r.chantier === 'ch')).toMatchObject({ indicateur: 'survey', nature: 'déclaré par les répondants', indisponible: null, periode: '2025-S2' });
  });

  it('says why, and since when, when none of its indicators has data; an indicator no workstream names is a row of its own', () => {
    const m = compactMatrix(site([regionRow('seul', '2025-S1', 1)], { mesure: { etat: 'indisponible', raison: 'La source « s » n’a pas de données ; le dernier chargement a échoué : 503.', derniere_tentative: '2026-03-03T10:00:00Z' } }));
    expect(m.rows.map((r) => [r.chantier, r.indicateur])).toEqual([['ch', 'mesure'], ['seul', 'seul']]);
    expect(m.rows[0]!.indisponible).toBe('indisponible : la source « s » n’a pas de données ; le dernier chargement a échoué : 503 (dernière tentative le 3 mars 2026).');
    expect(m.rows[0]!.cells.every((c) => c.state === 'absent')).toBe(true);
  });
});

describe('the barometer page built from the fixture', () => {
  let doc: Document;
  beforeAll(() => {
    doc = page('barometre');
  });
  const cell = (d: Document, type: string, indicateur: string, column: number) =>
    d.querySelector(`section[data-type="${type}"] tr[data-indicateur="${indicateur}"]`)?.querySelectorAll('td')[column];

  it('has one real table per type of collectivité, with a caption and header scopes', () => {
    const tables = [...doc.querySelectorAll('section[data-type] table')];
    expect(tables.map((t) => t.closest('section')!.getAttribute('data-type'))).toEqual(['commune', 'epci', 'departement', 'region']);
    for (const t of tables) {
      expect(text(t.querySelector('caption'))).toMatch(/taux national par strate de population/);
      expect(t.querySelectorAll('thead th[scope="col"]').length).toBeGreaterThan(1);
    }
    // Each workstream of the export has one principal row in each table, and every indicator one row.
    const chantiers = exported<{ donnees: { id: string }[] }>('chantiers.json').donnees;
    const indicateurs = exported<{ id: string }[]>('indicateurs.json');
    for (const t of doc.querySelectorAll('section[data-type]')) {
      expect([...t.querySelectorAll('tr[data-principal="oui"]')].map((tr) => tr.getAttribute('data-chantier'))).toEqual(expect.arrayContaining(chantiers.map((c) => c.id)));
      expect(t.querySelectorAll('tr[data-principal="oui"]').length).toBe(chantiers.length);
      const shown = [...t.querySelectorAll('tr[data-indicateur]')].map((tr) => tr.getAttribute('data-indicateur')).sort();
      expect(shown).toEqual(indicateurs.map((i) => i.id).sort());
    }
    // Communes: the bands, those under the obligation, then the whole.
    const communes = [...doc.querySelectorAll('section[data-type="commune"] thead th')].map(text);
    expect(communes[1]).toBe('moins de 100 hab.');
    expect(communes.at(-2)).toMatch(/^Soumises à l'obligation/);
    expect(communes.at(-1)).toBe('Ensemble');
  });

  it('shows the one publishing région of 18 as 5,6 %, coloured by its level, linking to the indicator’s strate', () => {
    const td = cell(doc, 'region', 'ouverture-donnees', 0)!;
    expect(text(td)).toMatch(/^5,6\u202f%/);
    expect(td.querySelector('a')!.getAttribute('href')).toBe('/indicateurs/ouverture-donnees/#strate-region-toutes');
    // Level "Faible" of this indicator, with ink text (the light colour is not the only carrier: the value is there).
    expect(td.getAttribute('style')).toBe('background:#f2e6c9;color:#1a1a1a');
    expect(text(td)).toContain('rupture de série');
  });

  it('says "effectif insuffisant" for a withheld rate, with the survey’s respondents, and "—" when there is no row', () => {
    const withheld = cell(doc, 'region', 'chantier-actes-prefecture', 0)!;
    expect(text(withheld)).toBe('effectif insuffisant 1 répondant');
    expect(withheld.getAttribute('style')).toBeNull();
    // The SVE survey concerns communes only: no région row.
    expect(text(cell(doc, 'region', 'chantier-sve-urbanisme', 0))).toBe('—');
    expect(doc.body.innerHTML).not.toMatch(/effectif_insuffisant/);
  });

  it('labels every row with its own latest semester, and offers every semester as its own page', () => {
    const th = doc.querySelector('section[data-type="region"] tr[data-indicateur="demarches-en-ligne-ds"] th')!;
    expect(text(th)).toContain('1er semestre 2025');
    const semester = page('barometre/2024-S2');
    // Démarches Simplifiées, 2nd half of 2024: no région of 18 had a procedure.
    expect(text(cell(semester, 'region', 'demarches-en-ligne-ds', 0))).toBe('0,0\u202f%');
    expect(text(semester.querySelector('h1'))).toBe('Le baromètre au 2e semestre 2024');
    expect(semester.querySelector('a[href="/barometre/2021-S1/"]')).not.toBeNull();
  });

  it('has a legend of the levels of each scale and filters kept in the URL (a form revealed by the script)', () => {
    const legend = text(doc.querySelector('.legende'));
    expect(legend).toContain('Faible (moins de 25 %)');
    expect(legend).toContain('Marginal (moins de 5 %)');
    const form = doc.querySelector('form[data-filtres]')!;
    expect(form.hasAttribute('hidden')).toBe(true);
    expect(doc.querySelector('label[for="filtre-type"]')).not.toBeNull();
    expect([...doc.querySelectorAll('#filtre-type option')].map((o) => o.getAttribute('value'))).toEqual(['', 'commune', 'epci', 'departement', 'region']);
    expect(doc.querySelector('script[type="module"]')).not.toBeNull();
  });
});

describe('an indicator page built from the fixture', () => {
  let doc: Document;
  beforeAll(() => {
    doc = page('indicateurs/ouverture-donnees');
  });

  it('says what the indicator measures, for whom, and on which DCANT axis', () => {
    expect(text(doc.querySelector('h1'))).toBe('Collectivités publiant des données ouvertes');
    const fiche = [...doc.querySelectorAll('dl.fiche > div')].map(cells);
    expect(fiche[0]).toBe('Axe DCANT Approche globale de la donnée');
    expect(fiche[1]).toMatch(/^Collectivités concernées Soumises à l'obligation d'ouverture/);
    expect(fiche[2]).toBe('Nature des chiffres mesuré sur toutes les collectivités');
  });

  it('has the row each barometer cell points to, with the rate and the change since the semester before', () => {
    const tr = doc.getElementById('strate-region-toutes')!;
    expect(tr.tagName).toBe('TR');
    expect(text(tr)).toContain('5,6\u202f%');
    // The history ends in 2019 in the fixture: nothing to compare with in the 2nd half of 2020.
    expect(text(tr)).toContain('pas de donnée au 2e semestre 2020');
    expect(doc.getElementById('strate-commune-obligees')).not.toBeNull();
  });

  it('draws the evolution per type as an SVG chart, with a summary, provenance and a table that marks the methodology break', () => {
    const fig = doc.getElementById('evolution-region')!;
    expect(fig.querySelector('svg[role="img"]')).not.toBeNull();
    expect(text(fig.querySelector('.chart-summary'))).toContain('changement de méthode (1er semestre 2021)');
    expect(text(fig.querySelector('svg'))).toContain('Changement de méthode');
    expect(text(fig.querySelector('figcaption'))).toContain('OpenDataFrance, licence ODbL 1.0');
    const rows = [...fig.querySelectorAll('tbody tr')].map(cells);
    expect(rows).toContain('Ensemble — 1er semestre 2021 18 1 5,6\u202f% 1,0\u202f% – 25,8\u202f% 2.0.0+odt oui : changement de méthode');
    expect(rows.some((r) => r.startsWith('Ensemble — 2e semestre 2016') && r.includes('2.0.0+historique (série historique)'))).toBe(true);
  });

  it('maps the départements as a tile grid whose tile carries its code and value (Ille-et-Vilaine: 3 of 78, 3,8 %)', () => {
    const fig = doc.getElementById('carte-commune-obligees')!;
    const tile = fig.querySelector('svg.carte-tuiles g[data-code="35"]')!;
    expect([...tile.querySelectorAll('text')].map(text)).toEqual(['35', '3,8\u202f%']);
    expect(text(tile.querySelector('title'))).toBe('Ille-et-Vilaine (35) : 3,8\u202f% (3 sur 78), niveau « Faible (moins de 25 %) »');
    expect(fig.querySelectorAll('svg.carte-tuiles g[data-code]').length).toBe(101);
    // A withheld département says so in its tile, never 0 %.
    const withheld = [...fig.querySelectorAll('svg.carte-tuiles g[data-code]')].filter((g) => text(g.querySelector('title')).includes('effectif insuffisant'));
    expect(withheld.length).toBeGreaterThan(0);
    expect(withheld.every((g) => text(g.querySelectorAll('text')[1]) === 'e. i.')).toBe(true);
    const tableRow = [...fig.querySelectorAll('tbody tr')].map(cells).find((r) => r.startsWith('35 —'));
    expect(tableRow).toBe('35 — Ille-et-Vilaine 78 3 3,8\u202f% Faible (moins de 25 %)');
  });

  it('draws the geographic map from the boundaries, shared once per page, with the boundaries’ source', () => {
    const fig = doc.getElementById('carte-commune-obligees')!;
    const uses = [...fig.querySelectorAll('svg.carte-choroplethe use')];
    // The fixture's boundaries: three Breton départements.
    expect(uses.map((u) => u.getAttribute('data-code')).sort()).toEqual(['22', '29', '56']);
    for (const u of uses) expect(doc.getElementById(u.getAttribute('href')!.slice(1))?.getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+l/);
    expect(doc.querySelectorAll('svg.carte-defs path').length).toBe(3);
    expect(text(fig.querySelector('figcaption'))).toContain('Contours administratifs');
  });

  it('gives the methodology in paragraphs, the version history and the downloads', () => {
    const section = doc.querySelector('section[aria-labelledby="methodologie"]')!;
    expect(section.querySelectorAll('p').length).toBeGreaterThan(3);
    expect(text(section)).toContain("lorsque l'Observatoire open data des territoires (OpenDataFrance) lui compte au moins un jeu de données");
    expect(cells(section.querySelector('table tbody tr'))).toBe('1.0.0 2e semestre 2016 Première version.');
    expect(doc.querySelector('a[href="/indicateurs/ouverture-donnees/donnees.csv"]')).not.toBeNull();
  });

  it('publishes exactly the rows it shows as CSV: the national rows and the départements of its maps', () => {
    const csv = readFileSync(join(dist, 'indicateurs/ouverture-donnees/donnees.csv'), 'utf8');
    const parsed = Papa.parse<Record<string, string>>(csv.trim(), { header: true });
    const all = JSON.parse(readFileSync(join(exportsDir, 'barometre.json'), 'utf8')).donnees as BarometreRow[];
    const national = all.filter((r) => r.indicateur === 'ouverture-donnees' && r.niveau === 'national');
    const maps = all.filter((r) => r.indicateur === 'ouverture-donnees' && r.niveau === 'departement' && r.periode === '2021-S1' && ((r.type_collectivite === 'commune' && r.strate === 'obligees') || (r.type_collectivite === 'epci' && r.strate === 'toutes')));
    expect(parsed.meta.fields).toEqual([...BAROMETRE_COLUMNS]);
    expect(parsed.data.length).toBe(national.length + maps.length);
    expect(parsed.data.find((r) => r.niveau === 'departement' && r.territoire === '35' && r.strate === 'obligees')).toMatchObject({ concernees: '78', atteintes: '3' });
    const fr = readFileSync(join(dist, 'indicateurs/ouverture-donnees/donnees.fr.csv'), 'utf8');
    expect(fr.startsWith('\uFEFFindicateur;periode;niveau;')).toBe(true);
    expect(fr).toContain(';0,05555555555555555;');
    // The very lines of the whole barometer's files, header included.
    for (const [page, whole] of [[csv, 'barometre.csv'], [fr, 'barometre.fr.csv']] as const) {
      const lines = new Set(readFileSync(join(exportsDir, whole), 'utf8').split('\n'));
      expect(page.split('\n').filter((l) => !lines.has(l))).toEqual([]);
    }
  });

  it('counts the EPCI per nature under their strates, and says it the way figures are published', () => {
    // The Observatory's fixture: Rennes, Nantes, Brest and (through its succession) Lille métropoles; 22 in the referential.
    const tr = doc.getElementById('nature-epci-METRO')!;
    expect(cells(tr)).toMatch(/^Métropoles 22 4 18,2\u202f%/);
    expect(text(doc.querySelector('p.natures'))).toContain('18,2\u202f% des métropoles (4 sur 22)');
  });

  it('shows both sources of a semester side by side where the series passes from one to the other', () => {
    const section = doc.querySelector('section[aria-labelledby="raccords"]')!;
    const rows = [...section.querySelectorAll('tbody tr')].map(cells);
    // On 9 April 2021: ARIEGE and ILLE ET VILAINE for the Observatory; Ille-et-Vilaine only on data.gouv.fr.
    expect(rows).toContain('1er semestre 2021 — Départements 101 2,0\u202f% (2) 1,0\u202f% (1) −1,0\u00a0point 9 avril 2021 OpenDataFrance (son dernier semestre)');
    expect(text(section.querySelector('thead'))).toContain('Selon data.gouv.fr (DINUM)');
    expect(section.querySelector('a[href="/donnees/raccords.csv"]')).not.toBeNull();
  });

  it('puts the published figures next to ours, with the gap and why', () => {
    const article = doc.getElementById('chiffre-odf-2019-10-nombre')!;
    const rows = Object.fromEntries([...article.querySelectorAll('dl > div')].map((d) => [text(d.querySelector('dt')), text(d.querySelector('dd'))]));
    expect(text(article.querySelector('h3'))).toBe('octobre 2019, OpenDataFrance (Observatoire open data des territoires) : 460');
    // The fixture's history: 55 collectivités on 10 July 2019, its last observation before the end of October 2019.
    expect(rows['Notre chiffre']).toBe('55, données du 10 juillet 2019 (source odt-historique)');
    expect(rows['Écart']).toBe('−405 collectivités');
    expect(rows['Pourquoi']).toContain("l'historique national de l'Observatoire au 10 juillet 2019 : 55 collectivités");
    expect(article.querySelector('a[href^="https://maire-info.com/"]')).not.toBeNull();
    // Without the edition of October 2020 in the sample data, the comparison says so instead of inventing a figure.
    expect(text(doc.getElementById('chiffre-odf-2020-10-nombre'))).toContain('non calculable avec les données chargées');
    const methodologie = page('methodologie');
    expect(text(methodologie.querySelector('#chiffres-publies h2'))).toBe('Nos chiffres face aux chiffres publiés');
    expect(methodologie.querySelectorAll('#chiffres-publies article').length).toBe(7);
  });

  it('the methodology states the rule of every check of the web observatory, the numeric ones included', () => {
    const doc = page('methodologie');
    const definitions = lireDefinitions();
    expect([...doc.querySelectorAll('#observatoire-sites article')].map((a) => a.id)).toEqual(definitions.map((d) => `controle-${d.id}`));
    for (const d of definitions) {
      const article = doc.getElementById(`controle-${d.id}`)!;
      expect(text(article.querySelector('h3')), d.id).toBe(d.libelle);
      expect(text(article), d.id).toContain(`Règle : ${d.methode.replace(/\s+/g, ' ')}`);
      const lien = article.querySelector('a[href^="#"]');
      if (['poids-accueil', 'temps-reponse'].includes(d.id)) {
        expect(text(article)).toContain('Mesure chiffrée, sans taux');
        expect(lien).toBeNull();
      } else {
        // A yes/no check links to its indicator's section on the same page, which exists.
        expect(lien, d.id).not.toBeNull();
        expect(doc.getElementById(lien!.getAttribute('href')!.slice(1)), d.id).not.toBeNull();
      }
    }
    expect(text(doc.getElementById('controle-actes-en-ligne'))).toContain('Obligation : ');
  });

  it('exists for every indicator, and the indicators’ index lists them all', () => {
    const ids = (JSON.parse(readFileSync(join(exportsDir, 'indicateurs.json'), 'utf8')) as IndicatorDefinition[]).map((i) => i.id);
    for (const id of ids) expect(existsSync(join(dist, 'indicateurs', id, 'index.html')), id).toBe(true);
    const listed = [...page('indicateurs').querySelectorAll('main a[href^="/indicateurs/"]')].map((a) => a.getAttribute('href'));
    expect(listed.sort()).toEqual(ids.map((id) => `/indicateurs/${id}/`).sort());
    // Every indicator has sample data in the fixture build: none says it is unavailable (test/echantillon.test.ts
    // shows the page of one that is).
    for (const id of ids) expect(page(`indicateurs/${id}`).querySelector('[data-indisponible]'), id).toBeNull();
  });

  it('shows the warning an indicator carries (Démarches Simplifiées: 9 of 13 procedures matched), on its page and the methodology page', () => {
    const defs = JSON.parse(readFileSync(join(exportsDir, 'indicateurs.json'), 'utf8')) as IndicatorDefinition[];
    const warning = defs.find((d) => d.id === 'demarches-en-ligne-ds')!.avertissement!;
    expect(warning).toContain('seules 9 des 13 démarches déclarées par des collectivités territoriales');
    const note = page('indicateurs/demarches-en-ligne-ds').querySelector('[data-avertissement]');
    expect(note?.getAttribute('role')).toBe('note');
    expect(text(note)).toBe(`Attention : ${warning}`);
    expect(page('indicateurs/ouverture-donnees').querySelector('[data-avertissement]')).toBeNull();
    expect(text(page('methodologie').querySelector('#demarches-en-ligne-ds'))).toContain(warning);
  });
});

describe('the home page built from the fixture', () => {
  let doc: Document;
  beforeAll(() => {
    doc = page('.');
  });

  it('gives one key figure per workstream with data, with the nature of the figure and its change in words (the arrow is hidden from screen readers)', () => {
    const figures = [...doc.querySelectorAll('.chiffres li')];
    // Independently of the site's code: the workstreams of the export with at least one indicator with national rows.
    const national = new Set(exported<{ donnees: { indicateur: string; niveau: string }[] }>('barometre.json').donnees.filter((r) => r.niveau === 'national').map((r) => r.indicateur));
    const chantiers = exported<{ donnees: { indicateurs: { id: string }[] }[] }>('chantiers.json').donnees;
    expect(figures.length).toBe(chantiers.filter((c) => c.indicateurs.some((i) => national.has(i.id))).length);
    const titre = (f: Element) => text(f.querySelector('.chiffre-titre'));
    // Démarches Simplifiées: 5 communes of 34 875, against 1 the semester before: 0,0 % either way.
    const ds = figures.find((f) => titre(f).startsWith('Collectivités proposant une démarche'))!;
    expect(text(ds.querySelector('.chiffre-chantier'))).toBe('Démarches en ligne sur demarches-simplifiees.fr');
    expect(text(ds.querySelector('.chiffre-nature'))).toBe('mesuré sur toutes les collectivités');
    expect(text(ds.querySelector('.chiffre-valeur'))).toBe('0,0\u202f%');
    expect(text(ds.querySelector('.chiffre-variation'))).toBe('= stable depuis le 2e semestre 2024');
    expect(ds.querySelector('.chiffre-variation [aria-hidden="true"]')?.textContent).toBe('= ');
    // Open data: 7 of the 3 254 communes under the obligation; the fixture's history stops in 2019.
    const ouverture = figures.find((f) => titre(f).startsWith('Collectivités publiant des données ouvertes'))!;
    expect(text(ouverture)).toContain("0,2\u202f% des communes soumises à l'obligation, 1er semestre 2021 (7 sur 3\u202f254)");
    expect(text(ouverture.querySelector('.chiffre-variation'))).toBe('pas de donnée au 2e semestre 2020');
    // FranceConnect is measured by the web observatory now, on the sites it visited (and says so).
    const franceconnect = figures.find((f) => text(f.querySelector('.chiffre-nature')) === 'mesuré sur les sites visités')!;
    expect(franceconnect).toBeDefined();
    // A figure carries its indicator's warning (here the observatory's coverage), as its page does; the others none.
    const defs = exported<{ id: string; avertissement: string | null }[]>('indicateurs.json');
    const lien = (f: Element) => f.querySelector('.chiffre-titre')!.getAttribute('href')!;
    expect(text(franceconnect.querySelector('.chiffre-avertissement'))).toMatch(/^Attention : Couverture au /);
    for (const f of figures) {
      const def = defs.find((d) => lien(f).startsWith(`/indicateurs/${d.id}/`))!;
      expect(text(f.querySelector('.chiffre-avertissement')) || null, def.id).toBe(def.avertissement ? `Attention : ${def.avertissement}` : null);
    }
    const withheld = figures.find((f) => titre(f).startsWith('Registre des délibérations'))!;
    expect(text(withheld.querySelector('.chiffre-valeur'))).toBe('effectif insuffisant');
    // A survey's figure carries its workstream's words: said once, then its nature.
    expect(withheld.querySelector('.chiffre-chantier')).toBeNull();
    expect(text(withheld.querySelector('.chiffre-nature'))).toBe('déclaré par les répondants');
    expect(text(withheld)).toContain('(1 répondant)');
  });

  it('has the compact matrix, linking to the barometer, and the three audiences’ entry points', () => {
    const table = doc.querySelector('.matrice-compacte table')!;
    expect(text(table.querySelector('caption'))).toBe('Taux national par chantier et type de collectivité (dernières données disponibles)');
    const regions = [...table.querySelectorAll('thead th')].map(text).indexOf('Régions');
    const ouverture = table.querySelector('tbody tr[data-indicateur="ouverture-donnees"]')!;
    expect(text(ouverture.children[regions])).toMatch(/^5,6\u202f%/);
    // The workstream, then its indicator and the nature of the figure.
    expect(text(ouverture.querySelector('th'))).toBe('Ouverture des données publiques Collectivités publiant des données ouvertes mesuré sur toutes les collectivités 1er semestre 2021');
    expect(text(table.querySelector('tbody tr[data-chantier="registre-deliberations"] th .nature'))).toBe('déclaré par les répondants');
    expect(text(table.querySelector('tbody tr[data-chantier="franceconnect"] th .nature'))).toBe('mesuré sur les sites visités');
    // One row per workstream of the export.
    expect(table.querySelectorAll('tbody tr').length).toBe(exported<{ donnees: unknown[] }>('chantiers.json').donnees.length);
    expect(doc.querySelector('main a[href="/barometre/"]')).not.toBeNull();
    const audiences = [...doc.querySelectorAll('nav.publics a')].map((a) => [text(a), a.getAttribute('href')]);
    expect(audiences).toEqual([
      ["Membres de l'INP : la revue du semestre", '/semestres/2025-S2/'],
      ['Élus : votre collectivité', '/territoires/'],
      ['Journalistes : graphiques et données', '/donnees/'],
    ]);
  });
});

describe('internal links of these pages', () => {
  it('all lead to a page or file of the site, and every #strate- anchor to an existing row', () => {
    const pages = ['.', 'barometre', 'indicateurs', ...readdirSync(join(dist, 'barometre')).filter((d) => /^\d{4}-S[12]$/.test(d)).map((d) => `barometre/${d}`), ...readdirSync(join(dist, 'indicateurs')).filter((d) => !d.includes('.')).map((d) => `indicateurs/${d}`)];
    const broken: string[] = [];
    const anchors = new Map<string, Set<string>>();
    for (const p of pages) {
      const d = page(p);
      for (const a of d.querySelectorAll('a[href^="/"]:not([href^="//"])')) {
        const href = a.getAttribute('href')!;
        const [path, hash] = href.split('#') as [string, string | undefined];
        const clean = path.split('?')[0]!;
        const file = clean.endsWith('/') ? join(dist, clean, 'index.html') : join(dist, clean);
        if (!existsSync(file)) {
          broken.push(`${p} → ${href}`);
          continue;
        }
        if (hash && clean.startsWith('/indicateurs/')) {
          if (!anchors.has(clean)) anchors.set(clean, new Set([...page(clean.slice(1)).querySelectorAll('[id]')].map((e) => e.id)));
          if (!anchors.get(clean)!.has(hash)) broken.push(`${p} → ${href} (ancre absente)`);
        }
      }
      for (const a of d.querySelectorAll('a[href^="#"]')) if (a.getAttribute('href') !== '#contenu' && !d.getElementById(a.getAttribute('href')!.slice(1))) broken.push(`${p} → ${a.getAttribute('href')}`);
    }
    expect(pages.length).toBeGreaterThan(15);
    expect(broken).toEqual([]);
  });
});
