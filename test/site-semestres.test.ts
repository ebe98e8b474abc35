// The INP's semester review, the roadmap loader, the Démarches page and the data-quality report, read as people see them.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { JSDOM } from 'jsdom';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../pipelines/config.ts';
import type { BarometreRow } from '../site/lib/data.ts';
import { loadProgramme, ProgrammeError, statutAu } from '../site/lib/programme.ts';
import { ageEnMots, calendrierEnMots, fermerParentheses } from '../site/lib/qualite.ts';
import { comparer, formatPoints, revueSemestre, semestrePrecedent, tauxEnMots } from '../site/lib/semestres.ts';
import { scratch } from './helpers/env.ts';

const dist = inject('siteDist');
const tmp = scratch('barometre-programme-');
afterAll(tmp.cleanup);

const PROGRAMME = resolve(PROJECT_ROOT, 'data/programme');
const ACTIONS = ['A1', 'A2', 'A3', 'A4', 'B1', 'B2', 'B3', 'B4', 'C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'D1', 'D2', 'D3', 'D4'];

function page(path: string): Document {
  return new JSDOM(readFileSync(join(dist, path, 'index.html'), 'utf8')).window.document;
}
// Only ordinary white space is collapsed: the no-break spaces of French numbers are part of what is checked.
const text = (el: Element | null | undefined) => (el?.textContent ?? '').replace(/[ \t\r\n]+/g, ' ').trim();

/** A copy of the committed roadmap in which one file is replaced. */
function programmeAvec(name: string, content: string): string {
  const dir = join(tmp.dir, `${name}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir, { recursive: true });
  for (const f of ['axes.csv', 'actions.csv', 'statuts.csv']) copyFileSync(join(PROGRAMME, f), join(dir, f));
  writeFileSync(join(dir, name), content);
  return dir;
}

describe('the roadmap loader (data/programme/)', () => {
  it('loads the committed files: four axes and actions A1 to D4, owners never guessed', () => {
    const p = loadProgramme(PROGRAMME);
    expect(p.axes.map((a) => [a.id, a.cle])).toEqual([
      ['A', 'gouvernance-partagee'],
      ['B', 'socle-commun'],
      ['C', 'approche-globale-donnee'],
      ['D', 'passage-echelle'],
    ]);
    expect(p.actions.map((a) => a.id)).toEqual(ACTIONS);
    // No source gave the owners: every action says so instead of inventing one.
    expect(p.actions.every((a) => a.pilotes.length === 0 && a.aVerifier)).toBe(true);
    expect(p.statuts.length).toBeGreaterThan(0);
  });

  it('fails on an unknown statut, naming the file, the physical line and the value', () => {
    // The second record spans lines 2–3 (a quoted comment with a line break): the bad row is on line 4.
    const dir = programmeAvec(
      'statuts.csv',
      'action,periode,statut,commentaire,source\nA1,2019-S1,en_cours,"sur deux\nlignes",\nA2,2019-S2,en_pause,,\n',
    );
    expect(() => loadProgramme(dir)).toThrow(ProgrammeError);
    expect(() => loadProgramme(dir)).toThrow(/statuts\.csv, ligne 4 : statut « en_pause » inconnu \(attendu : a_lancer, demarree, en_cours, terminee, abandonnee\)/);
  });

  it('fails on an action of an unknown axis and on a status for an unknown action', () => {
    const actions = readFileSync(join(PROGRAMME, 'actions.csv'), 'utf8').trimEnd() + '\nE1,E,Une action hors axe,,,,,\n';
    expect(() => loadProgramme(programmeAvec('actions.csv', actions))).toThrow(/actions\.csv, ligne 20 : axe « E » inconnu \(axes de axes\.csv : A, B, C, D\)/);
    const statuts = 'action,periode,statut,commentaire,source\nZ9,2020-S1,en_cours,,\n';
    expect(() => loadProgramme(programmeAvec('statuts.csv', statuts))).toThrow(/statuts\.csv, ligne 2 : action « Z9 » inconnue/);
    const periode = 'action,periode,statut,commentaire,source\nA1,2020-S3,en_cours,,\n';
    expect(() => loadProgramme(programmeAvec('statuts.csv', periode))).toThrow(/statuts\.csv, ligne 2 : période « 2020-S3 » invalide/);
  });

  it('gives an action the status of its latest row not after the semester, and none before its first row', () => {
    const dir = programmeAvec('statuts.csv', 'action,periode,statut,commentaire,source\nD1,2018-S2,demarree,,\nD1,2019-S1,en_cours,se poursuit,\nD1,2021-S1,terminee,,\n');
    const p = loadProgramme(dir);
    expect(statutAu(p, 'D1', '2018-S1')).toBeNull();
    expect(statutAu(p, 'D1', '2018-S2')?.statut).toBe('demarree');
    expect(statutAu(p, 'D1', '2020-S2')).toMatchObject({ statut: 'en_cours', periode: '2019-S1', commentaire: 'se poursuit' });
    expect(statutAu(p, 'D1', '2025-S1')?.statut).toBe('terminee');
  });
});

function row(over: Partial<BarometreRow>): BarometreRow {
  return {
    indicateur: 'x', periode: '2025-S1', niveau: 'national', territoire: 'FR', type_collectivite: 'departement', strate: 'toutes',
    concernees: 100, atteintes: 10, taux: 0.1, population_concernee: null, population_atteinte: null, source: 's', date_donnees: '2025-06-30',
    methode_version: '1.0.0', ic_bas: null, ic_haut: null, taux_population: null, statut: 'ok', obligation: 'non', edition: null, rupture_serie: false,
    ...over,
  };
}

describe('comparing a semester with the previous one', () => {
  it('gives the change in points with words: en hausse, en baisse, stable below 0.05 point', () => {
    expect(comparer(row({ taux: 0.25 }), row({ taux: 0.2 }))).toMatchObject({ sens: 'hausse', nonComparable: null });
    expect(comparer(row({ taux: 0.25 }), row({ taux: 0.2 })).ecart).toBeCloseTo(5, 9);
    expect(comparer(row({ taux: 0.1 }), row({ taux: 0.13 })).sens).toBe('baisse');
    expect(comparer(row({ taux: 0.1004 }), row({ taux: 0.1 })).sens).toBe('stable');
    expect(formatPoints(5)).toBe('+5,0\u00a0points');
    expect(formatPoints(-1.26)).toBe('−1,3\u00a0point');
    expect(formatPoints(0.02)).toBe('0,0\u00a0point');
  });

  it('refuses to compare across a methodology break, even when semesters in between were skipped', () => {
    expect(comparer(row({ rupture_serie: true, taux: 0.5 }), row({ taux: 0.1 }))).toEqual({ ecart: null, sens: null, nonComparable: 'rupture' });
    expect(comparer(row({ taux: 0.5 }), row({ taux: 0.1, methode_version: '0.9.0' })).nonComparable).toBe('rupture');
  });

  it('keeps a withheld rate as "effectif insuffisant", never 0 %, and compares nothing with it', () => {
    const withheld = row({ statut: 'effectif_insuffisant', taux: null, concernees: 3 });
    expect(comparer(withheld, row({})).nonComparable).toBe('effectif');
    expect(comparer(row({}), withheld).nonComparable).toBe('effectif');
    expect(tauxEnMots(withheld)).toBe('effectif insuffisant (3)');
    expect(comparer(row({}), null).nonComparable).toBe('absente');
    expect(semestrePrecedent('2021-S1')).toBe('2020-S2');
    expect(semestrePrecedent('2021-S2')).toBe('2021-S1');
  });

  it('compares each indicator with its own latest earlier semester, and says when the first one is computed', () => {
    const indicateur = { id: 'x', label: 'X' } as Parameters<typeof revueSemestre>[0]['indicateurs'][number];
    const barometre = [row({ periode: '2023-S2', taux: 0.2 }), row({ periode: '2025-S1', taux: 0.3 }), row({ periode: '2025-S1', strate: 'com-0-499', taux: 0.9 })];
    const [revue] = revueSemestre({ barometre, indicateurs: [indicateur] }, '2025-S1');
    expect(revue).toMatchObject({ periodePrecedente: '2023-S2', ecartDeSemestres: true });
    expect(revue!.lignes).toHaveLength(1); // bands other than "toutes"/"obligees" stay on the barometer page
    expect(revue!.lignes[0]!.ecart).toBeCloseTo(10, 9);
    expect(revueSemestre({ barometre, indicateurs: [indicateur] }, '2023-S2')[0]!.lignes[0]!.nonComparable).toBe('premier');
  });
});

describe('the semester pages built from the fixture', () => {
  it('lists every semester of the barometer, newest first, each linking to its review', () => {
    const doc = page('semestres');
    const hrefs = [...doc.querySelectorAll('main ul.semestres a')].map((a) => a.getAttribute('href'));
    expect(hrefs[0]).toBe('/semestres/2025-S2/');
    expect(hrefs).toContain('/semestres/2016-S2/');
    expect(hrefs).toEqual([...hrefs].sort().reverse());
    for (const h of hrefs) expect(existsSync(join(dist, h!, 'index.html'))).toBe(true);
  });

  it('shows the départements of demarches-en-ligne-ds going from 0 of 101 to 1 of 101: en hausse, +1,0 point', () => {
    const doc = page('semestres/2025-S1');
    const table = doc.querySelector('table[data-indicateur="demarches-en-ligne-ds"]');
    expect(text(table?.querySelector('caption'))).toContain('1er semestre 2025 face au 2e semestre 2024');
    const cells = [...(table?.querySelector('tr[data-type="departement"]')?.children ?? [])].map(text);
    expect(cells).toEqual(['Départements', '0,0\u202f% (0 sur 101)', '1,0\u202f% (1 sur 101)', '↑ en hausse, +1,0\u00a0point']);
    // One commune more is not a change at a tenth of a point.
    expect(text(table?.querySelector('tr[data-type="commune"] td:last-child'))).toBe('→ stable, 0,0\u00a0point');
  });

  it('marks the methodology break of ouverture-donnees in 2021-S1 instead of computing a change', () => {
    const doc = page('semestres/2021-S1');
    const tr = doc.querySelector('table[data-indicateur="ouverture-donnees"] tr[data-type="commune"][data-strate="toutes"]');
    expect(tr?.getAttribute('data-rupture')).toBe('oui');
    expect(text(tr)).toContain('rupture de série');
    expect(text(tr)).toContain('non comparable : changement de méthode');
    expect(text(doc.querySelector('table[data-indicateur="ouverture-donnees"] caption'))).toContain('face au 2e semestre 2019');
  });

  it('groups the review by workstream, each through its measured indicator before its survey, the nature written under each', () => {
    const doc = page('semestres/2025-S1');
    const ds = doc.querySelector('section.chantier[data-chantier="demarches-en-ligne"]');
    expect(text(ds?.querySelector('h3'))).toBe('Démarches en ligne sur demarches-simplifiees.fr');
    expect(text(ds?.querySelector('section.indicateur .nature'))).toBe('Mesuré sur toutes les collectivités.');
    const sve = doc.querySelector('section.chantier[data-chantier="sve-urbanisme"] section.indicateur');
    expect(sve?.getAttribute('data-nature')).toBe('declaration');
    expect(text(sve?.querySelector('.nature'))).toBe('Déclaré par les répondants.');
    for (const ch of doc.querySelectorAll('section.chantier')) {
      const natures = [...ch.querySelectorAll('section.indicateur')].map((s) => s.getAttribute('data-nature'));
      expect(natures).toEqual([...natures].sort((a, b) => Number(a === 'declaration') - Number(b === 'declaration')));
    }
    // Open data stops in 2021 in the fixture, FranceConnect was answered in 2024-S2 and 2025-S2: listed apart.
    expect([...doc.querySelectorAll('ul.sans-donnees li')].map((li) => li.getAttribute('data-chantier'))).toEqual(expect.arrayContaining(['ouverture-donnees', 'franceconnect']));
  });

  it('shows respondents for a survey and keeps "effectif insuffisant"', () => {
    const doc = page('semestres/2025-S1');
    const sve = doc.querySelector('table[data-indicateur="chantier-sve-urbanisme"] tr[data-strate="toutes"]');
    expect([...(sve?.children ?? [])].map(text)).toEqual(['Communes, toutes', '—', '57,1\u202f% (4 sur 7)', 'premier semestre calculé', '— → 7']);
    const actes = doc.querySelector('table[data-indicateur="chantier-actes-prefecture"] tr[data-strate="toutes"][data-type="commune"]');
    expect(text(actes)).toContain('effectif insuffisant (2)');
    expect(text(actes)).not.toMatch(/\b0,0\s?%/);
  });

  it('lists the roadmap A1 to D4 with each action’s status at the semester and when it was noted', () => {
    const doc = page('semestres/2025-S1');
    expect([...doc.querySelectorAll('table.feuille tr[data-action]')].map((tr) => tr.getAttribute('data-action'))).toEqual(ACTIONS);
    const d1 = doc.querySelector('tr[data-action="D1"]');
    expect(text(d1?.querySelector('td.statut'))).toBe('en cours relevé au 1er semestre 2019');
    expect(text(d1)).toContain('à renseigner');
    // Before its first row, an action has no status yet.
    expect(text(page('semestres/2016-S2').querySelector('tr[data-action="D1"] td.statut'))).toBe('pas encore d’état relevé');
  });

  it('says what changed in the data: sources with their data dates and the quality rows', () => {
    const doc = page('semestres/2025-S1');
    expect(text(doc.querySelector('#donnees ~ div table tbody tr'))).toContain('30 juin 2025');
    const odt = [...(doc.querySelector('table.qualite tr[data-source="odt"]')?.children ?? [])].map(text);
    expect(odt.slice(1, 7)).toEqual(["jeu d'exemple seulement", '22 novembre 2026', '9 avril 2021', '23', '20', '3']);
  });

  it('carries a print stylesheet: A4 page, navigation hidden, external link addresses shown', () => {
    const page = readFileSync(join(dist, 'semestres/2025-S1/index.html'), 'utf8');
    // The page's styles, inline or in the stylesheets it links (fingerprinted files under /_astro/).
    const linked = [...page.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g)].map((m) => readFileSync(join(dist, m[1]!), 'utf8'));
    const html = [page, ...linked].join('\n');
    // The page's own print rules (the shared stylesheet has a smaller print block of its own).
    const start = html.indexOf('@media print{@page');
    expect(start).toBeGreaterThan(0);
    const end = html.indexOf('</style>', start);
    const print = html.slice(start, end > 0 ? end : undefined);
    expect(print).toContain('@page{size:A4');
    expect(print).toMatch(/header\.site,[^{]*\{display:none!important\}/);
    expect(print).toMatch(/a\[href\^=['"]?http['"]?\]:{1,2}after\{content:" \(" attr\(href\) "\)"/);
    expect(print).toContain('thead{display:table-header-group}');
  });
});

describe('the Démarches page built from the vde fixture', () => {
  const doc = () => page('demarches');

  it('lists the procedures shared with collectivités with their level', () => {
    const items = [...doc().querySelectorAll('ul.partagees li')].map(text);
    expect(items.find((t) => t.startsWith("Demande d'acte de naissance"))).toContain('avec les communes');
    expect(items.find((t) => t.startsWith('Demande de logement social'))).toContain('avec les communes et EPCI');
    expect(items.some((t) => t.startsWith('Déclaration de revenus'))).toBe(false);
  });

  it('shows the share reaching each goal, all vs. shared, as a chart with its table', () => {
    const d = doc();
    expect(d.querySelector('#demarches-objectifs svg[role="img"]')).not.toBeNull();
    const rows = [...d.querySelectorAll('#demarches-objectifs table tbody tr')];
    const satisfaction = rows.find((r) => text(r.querySelector('th')) === 'Satisfaction Usagers');
    expect([...(satisfaction?.children ?? [])].slice(1, 3).map(text)).toEqual([
      '50,0\u202f% (2 sur 4 évaluées ; 1 au statut particulier)',
      '33,3\u202f% (1 sur 3 évaluées ; 1 au statut particulier)',
    ]);
    expect(text(rows.find((r) => text(r.querySelector('th')) === 'Réalisable en ligne'))).toContain('sans objectif');
  });

  it('shows special values as such and the evolution word of each procedure', () => {
    const acte = doc().querySelector('table.par-demarche tr[data-demarche="demande d acte de naissance"]');
    expect(text(acte?.querySelector('td[data-indicateur="satisfaction"]'))).toBe("À venir évolution : non comparable (avant : Nombre d'avis insuffisant)");
    expect(text(acte?.querySelector('td[data-indicateur="online"]'))).toBe('Oui évolution : stable');
    const apa = doc().querySelector('table.par-demarche tr[data-demarche="demande d allocation personnalisee d autonomie apa"]');
    expect(text(apa?.querySelector('td[data-indicateur="online"]'))).toBe('Partiel évolution : progrès (avant : Non)');
  });
});

describe('the quality report in words', () => {
  it('says schedules, ages and truncated reasons the way people read them', () => {
    expect(calendrierEnMots('0 6 * * 1')).toBe('chaque lundi à 6 h');
    expect(calendrierEnMots('30 7 5 * *')).toBe('le 5 de chaque mois à 7 h 30');
    expect(calendrierEnMots('0 6 1 * *')).toBe('le 1er de chaque mois à 6 h');
    expect(calendrierEnMots('*/5 * * * *')).toBe("selon l'expression cron « */5 * * * * »");
    expect(ageEnMots(0.4)).toBe("moins d'un jour");
    expect(ageEnMots(12.7)).toBe('12 jours');
    expect(fermerParentheses('chantier « x » inconnu (chantiers connus')).toBe('chantier « x » inconnu (chantiers connus…)');
    expect(fermerParentheses('doublon')).toBe('doublon');
  });
});

describe('the Données page', () => {
  it('shows the quality row of odt: 23 rows read, 20 loaded, 3 rejected, marked as sample data, with its reasons and coverage', () => {
    const doc = page('donnees');
    const cells = [...(doc.querySelector('table.qualite tr[data-source="odt"]')?.children ?? [])].map(text);
    expect(cells[1]).toBe("jeu d'exemple seulement");
    expect(cells[3]).toBe('chaque lundi à 6 h');
    expect(cells.slice(6)).toEqual(['23', '20', '3', '87,0\u202f%']);
    const detail = text(doc.querySelector('table.qualite-detail tr[data-source="odt"]'));
    expect(detail).toContain('hors périmètre : 2 lignes');
    expect(detail).toContain('doublon : 1 ligne');
    expect(detail).toContain('communes : 9 sur 34\u202f875');
  });

  it('keeps the list of exports with their schema and size', () => {
    const doc = page('donnees');
    expect(doc.querySelector('a[href="/donnees/barometre.csv"]')).not.toBeNull();
    expect(text(doc.querySelector('#t-barometre')?.parentElement)).toMatch(/Schéma des colonnes/);
  });
});

describe('internal links of these pages', () => {
  it('all lead to a file of the built site', () => {
    const pages = ['semestres', 'demarches', 'donnees', ...readdirSync(join(dist, 'semestres')).filter((d) => /^\d{4}-S[12]$/.test(d)).map((d) => `semestres/${d}`)];
    const missing: string[] = [];
    for (const p of pages) {
      for (const a of page(p).querySelectorAll('main a[href^="/"]')) {
        const href = a.getAttribute('href')!.split('#')[0]!;
        const target = href.endsWith('/') ? join(dist, href, 'index.html') : join(dist, href);
        if (!existsSync(target)) missing.push(`${p} → ${href}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
