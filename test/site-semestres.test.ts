// The INP's semester review, the roadmap loader, the Démarches page and the data-quality report, read as people see them.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { JSDOM } from 'jsdom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedSite } from './helpers/shared.ts';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import type { BarometreRow } from '../site/lib/data.ts';
import { citer, feuilleDeRoute, statutAu } from '../site/lib/programme.ts';
import { loadProgramme, ProgrammeError } from '../site/lib/programme-lecture.ts';
import { ageEnMots, calendrierEnMots, fermerParentheses } from '../site/lib/qualite.ts';
import { comparer, formatPoints, revueSemestre, semestrePrecedent, tauxEnMots } from '../site/lib/semestres.ts';
import { CHROMIUM } from './helpers/browser.ts';
import { scratch } from './helpers/env.ts';

// Built by the global setup in the background: this waits for it.
const dist = await sharedSite();
const tmp = scratch('barometre-programme-');
afterAll(tmp.cleanup);

const PROGRAMME = resolve(PROJECT_ROOT, 'data/programme');
const FICHIERS = ['documents.csv', 'organisations.csv', 'axes.csv', 'convictions.csv', 'actions.csv', 'resultats.csv', 'historique.csv', 'statuts.csv'];
const ACTIONS = ['A1', 'A2', 'A3', 'A4', 'B1', 'B2', 'B3', 'C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'D1', 'D2', 'D3', 'D4'];
const SEEDS = resolve(PROJECT_ROOT, '../shared/seeds');
const HAS_SEEDS = existsSync(join(SEEDS, '2020_bilan-2019-S2-et-feuille-de-route-2020-S1.md'));
if (!HAS_SEEDS) console.warn(`\n[tests] ${SEEDS} est absent : la comparaison de data/programme/ avec les documents du programme est IGNORÉE (skipped).\n`);

function page(path: string): Document {
  return new JSDOM(readFileSync(join(dist, path, 'index.html'), 'utf8')).window.document;
}
// Only ordinary white space is collapsed: the no-break spaces of French numbers are part of what is checked.
const text = (el: Element | null | undefined) => (el?.textContent ?? '').replace(/[ \t\r\n]+/g, ' ').trim();

/** A copy of the committed roadmap in which one file is replaced. */
function programmeAvec(name: string, content: string): string {
  const dir = join(tmp.dir, `${name}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir, { recursive: true });
  for (const f of FICHIERS) copyFileSync(join(PROGRAMME, f), join(dir, f));
  writeFileSync(join(dir, name), content);
  return dir;
}
const avecLigne = (name: string, ligne: string) => readFileSync(join(PROGRAMME, name), 'utf8').trimEnd() + `\n${ligne}\n`;
const CITE = 'bilan-2019-s2-feuille-de-route-2020-s1,Axe – Gouvernance partagée › Actions du 1er semestre 2020';

describe('the roadmap loader (data/programme/)', () => {
  const p = loadProgramme(PROGRAMME);

  it('loads the four axes with their ambition and convictions, lettered as the 2020 roadmap does', () => {
    expect(p.axes.map((a) => [a.id, a.cle, a.libelle])).toEqual([
      ['A', 'gouvernance-partagee', 'Gouvernance partagée'],
      ['B', 'socle-commun', 'Socle commun partagé'],
      ['C', 'approche-globale-donnee', 'Approche globale de la donnée'],
      ['D', 'passage-echelle', "Passage à l'échelle"],
    ]);
    expect(p.convictions.map((c) => c.axe).join('')).toBe('AABBBCCCDD');
    expect(p.resultats.filter((r) => r.periode === '2019-S2').map((r) => r.id)).toEqual(['RA1', 'RA2', 'RA3', 'RA4', 'RB1', 'RB2', 'RB3', 'RC1', 'RC2', 'RC3', 'RC4', 'RD1', 'RD2', 'RD3']);
  });

  it('holds every action A1 to D4 of the 1st semester 2020 with who carries it, as the document names them', () => {
    expect(p.actions.map((a) => a.id)).toEqual(ACTIONS);
    expect(p.actions.every((a) => a.periode === '2020-S1' && a.porteurs.length > 0)).toBe(true);
    const owners = Object.fromEntries(p.actions.map((a) => [a.id, [a.porteurs, a.partenaires]]));
    expect(owners.A2).toEqual([['DINUM', 'DECLIC'], []]);
    expect(owners.A4).toEqual([['Les Interconnectés', 'Régions de France', 'FNCCR', 'ADF', 'partenaires du programme DCANT'], ['DINUM']]);
    expect(owners.B1).toEqual([['DECLIC', 'FNCCR'], ['DINUM', 'partenaires du programme DCANT']]);
    expect(owners.C1).toEqual([['AVICCA', 'FNCCR'], ['Étalab', 'OpenData France']]);
    expect(owners.C3).toEqual([['SIAF'], []]);
    expect(owners.C4).toEqual([['AMF'], []]);
    expect(owners.C6).toEqual([['Les Interconnectés', 'AVICCA', 'APVF'], ['Cybermalveillance.gouv.fr', 'ANSSI']]);
    expect(owners.D2).toEqual([['ADF'], ['partenaires du programme DCANT']]);
  });

  it('says how each action is measured, or why nothing measures it', () => {
    const ind = Object.fromEntries(p.actions.map((a) => [a.id, a.indicateurs]));
    expect(ind.B3).toEqual(['vde-partagees-auth', 'chantier-franceconnect']);
    expect(ind.B1).toEqual(['services-partages']);
    expect(ind.B2).toEqual(['services-partages']);
    expect(ind.C1).toContain('ouverture-donnees');
    expect(ind.C4).toEqual(['chantier-sve-urbanisme']);
    expect(ind.C5).toEqual(['vde-partagees-dlnuf']);
    expect(ind.A1).toEqual([]);
    expect(p.actions.every((a) => a.mesure.length > 20)).toBe(true);
  });

  it('cites a document and its section on every row, and carries no « à vérifier » left from the reconstruction', () => {
    for (const f of FICHIERS) expect(readFileSync(join(PROGRAMME, f), 'utf8')).not.toMatch(/à vérifier|a_verifier/);
    const rows = [...p.axes, ...p.convictions, ...p.resultats, ...p.actions, ...p.historique];
    expect(rows.every((r) => p.documents.some((d) => d.id === r.document) && r.section !== '')).toBe(true);
    expect(citer(p, p.actions[0]!)).toBe(
      'Programme DCANT 2018-2020 : bilan du 2nd semestre 2019, feuille de route du 1er semestre 2020 (DINUM et partenaires du programme DCANT, 2020), « Axe – Gouvernance partagée › Actions du 1er semestre 2020 »',
    );
  });

  it('keeps the programme’s history: the ten recommendations of 2015 and the four axes of 2018–2020', () => {
    expect(p.historique.filter((h) => h.type === 'recommandation').map((h) => [h.id, h.parent])).toEqual([
      ['2015-R1', '2015-A1'], ['2015-R2', '2015-A1'], ['2015-R3', '2015-A2'], ['2015-R4', '2015-A2'], ['2015-R5', '2015-A2'],
      ['2015-R6', '2015-A3'], ['2015-R7', '2015-A3'], ['2015-R8', '2015-A3'], ['2015-R9', '2015-A3'], ['2015-R10', '2015-A3'],
    ]);
    expect(p.historique.filter((h) => h.programme === '2018-2020').map((h) => h.parent)).toEqual(['B', 'A', 'C', 'D']);
  });

  it('seeds only the statuses the roadmap states: the actions it marks « démarrée en 2019 qui se poursuit en 2020 »', () => {
    expect(p.statuts.map((s) => `${s.action}:${s.periode}:${s.statut}`)).toEqual(['A1', 'A2', 'C1', 'C3', 'C4', 'C5', 'D1', 'D2'].map((a) => `${a}:2020-S1:en_cours`));
  });

  it('fails on an unknown statut, naming the file, the physical line and the value', () => {
    // The second record spans lines 2–3 (a quoted comment with a line break): the bad row is on line 4.
    const dir = programmeAvec('statuts.csv', 'action,periode,statut,commentaire,document,section\nA1,2020-S1,en_cours,"sur deux\nlignes",,\nA2,2020-S2,en_pause,,,\n');
    expect(() => loadProgramme(dir)).toThrow(ProgrammeError);
    expect(() => loadProgramme(dir)).toThrow(/statuts\.csv, ligne 4 : statut « en_pause » inconnu \(attendu : a_lancer, demarree, en_cours, terminee, abandonnee\)/);
  });

  it('fails on an unknown axis, owner or document, an action without owner or measure, and a status for an unknown action', () => {
    expect(() => loadProgramme(programmeAvec('actions.csv', avecLigne('actions.csv', `E1,E,2020-S1,Une action hors axe,DINUM,,,Aucune.,${CITE}`)))).toThrow(/actions\.csv, ligne 19 : axe « E » inconnu \(axes de axes\.csv : A, B, C, D\)/);
    expect(() => loadProgramme(programmeAvec('actions.csv', avecLigne('actions.csv', `A5,A,2020-S1,Une action,FNCRR;DINUM,,,Aucune.,${CITE}`)))).toThrow(/actions\.csv, ligne 19 : porteurs : « FNCRR » inconnu \(ajoutez-le à organisations\.csv/);
    expect(() => loadProgramme(programmeAvec('actions.csv', avecLigne('actions.csv', `A5,A,2020-S1,Une action,,,,Aucune.,${CITE}`)))).toThrow(/ligne 19 : porteurs vides pour l'action « A5 »/);
    expect(() => loadProgramme(programmeAvec('actions.csv', avecLigne('actions.csv', `A5,A,2020-S1,Une action,DINUM,,,,${CITE}`)))).toThrow(/ligne 19 : mesure de l'action « A5 » .* vide/);
    expect(() => loadProgramme(programmeAvec('actions.csv', avecLigne('actions.csv', `A5,A,2020-S1,Une action,DINUM,,Ouverture Données,Aucune.,${CITE}`)))).toThrow(/ligne 19 : indicateur « Ouverture Données » invalide/);
    expect(() => loadProgramme(programmeAvec('actions.csv', avecLigne('actions.csv', 'A5,A,2020-S1,Une action,DINUM,,,Aucune.,compte-rendu-inp,§ 2')))).toThrow(/ligne 19 : document « compte-rendu-inp » inconnu : chaque ligne cite un document de documents\.csv/);
    expect(() => loadProgramme(programmeAvec('statuts.csv', 'action,periode,statut,commentaire,document,section\nZ9,2020-S1,en_cours,,,\n'))).toThrow(/statuts\.csv, ligne 2 : action « Z9 » inconnue/);
    expect(() => loadProgramme(programmeAvec('statuts.csv', 'action,periode,statut,commentaire,document,section\nA1,2020-S3,en_cours,,,\n'))).toThrow(/statuts\.csv, ligne 2 : periode « 2020-S3 » invalide/);
    expect(() => loadProgramme(programmeAvec('statuts.csv', 'action,periode,statut,commentaire,document,section\nA1,2021-S1,en_cours,,compte rendu,\n'))).toThrow(/statuts\.csv, ligne 2 : document « compte rendu » inconnu \(attendu : un document de documents\.csv, une adresse http\(s\):\/\/…, ou vide\)/);
    expect(() => loadProgramme(programmeAvec('axes.csv', 'id,cle,libelle\nA,x,y\n'))).toThrow(/axes\.csv, ligne 1 : colonnes absentes : ambition, document, section/);
  });

  it('shows the roadmap in force at a semester, and a status only from a row of that very semester', () => {
    const dir = programmeAvec('statuts.csv', 'action,periode,statut,commentaire,document,section\nD1,2020-S1,en_cours,,,\nD1,2021-S1,terminee,se termine,https://exemple.invalid/cr,\n');
    const q = loadProgramme(dir);
    expect(statutAu(q, 'D1', '2019-S2')).toBeNull();
    expect(statutAu(q, 'D1', '2020-S2')?.statut).toBe('en_cours');
    expect(feuilleDeRoute(q, '2019-S2').periodeFeuille).toBeNull();
    const s2 = feuilleDeRoute(q, '2020-S2');
    expect(s2.periodeFeuille).toBe('2020-S1');
    expect(s2.statutsReleves).toBe(0);
    expect(s2.axes[3]!.actions[0]).toMatchObject({ statut: null, dernier: { periode: '2020-S1', statut: 'en_cours' } });
    const s1 = feuilleDeRoute(q, '2021-S1');
    expect(s1.statutsReleves).toBe(1);
    expect(s1.axes[3]!.actions[0]).toMatchObject({ statut: { statut: 'terminee', commentaire: 'se termine' }, dernier: null });
    expect(feuilleDeRoute(q, '2019-S2').axes[0]!.resultats.map((r) => r.suite)).toEqual([['A1'], [], [], ['A2']]);
  });
});

describe.skipIf(!HAS_SEEDS)('data/programme/ against the programme’s own documents (../shared/seeds)', () => {
  const p = loadProgramme(PROGRAMME);
  // The transcription as plain text: bold markers and superscripts removed, runs of spaces (no-break ones too) collapsed.
  const plain = (f: string) => readFileSync(join(SEEDS, f), 'utf8').replace(/\*\*/g, '').replace(/<sup>([^<]+)<\/sup>/g, '$1').replace(/[ \t\u00a0\u202f]+/g, ' ');
  const roadmap = plain('2020_bilan-2019-S2-et-feuille-de-route-2020-S1.md');

  it('copies every action word for word, after its number', () => {
    for (const a of p.actions) expect(roadmap).toContain(`${a.id} : ${a.libelle}`);
  });

  it('copies the ambitions, convictions, and the results of the 2nd semester 2019 paragraph by paragraph', () => {
    for (const t of [...p.axes.map((a) => a.ambition), ...p.convictions.map((c) => c.texte), ...p.resultats.flatMap((r) => [r.intitule, ...r.texte.split('\n')])]) expect(roadmap).toContain(t);
  });

  it('copies the 2015 recommendations and the 2018–2020 axes', () => {
    const docs = plain('2015_programme-dcant-dix-recommandations.md') + plain('2017-12_programme-dcant-2018-2020.md');
    for (const h of p.historique) expect(docs).toContain(h.libelle);
  });

  it('names as owners the organisations each action’s sentence names', () => {
    // Sigles as written in the sentence; the generic « autres partenaires » maps to one organisation of the file.
    for (const a of p.actions) {
      for (const o of [...a.porteurs, ...a.partenaires].filter((x) => !x.includes('partenaires') && x !== 'associations de collectivités')) expect(a.libelle).toContain(o);
    }
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

  it('shows the roadmap in force, per axis, each action with its owners, and says that nobody recorded a status for 2025-S2', () => {
    const doc = page('semestres/2025-S2');
    expect([...doc.querySelectorAll('table.feuille tr[data-action]')].map((tr) => tr.getAttribute('data-action'))).toEqual(ACTIONS);
    expect([...doc.querySelectorAll('section.axe h3')].map(text)).toEqual(['Axe A : Gouvernance partagée', 'Axe B : Socle commun partagé', 'Axe C : Approche globale de la donnée', "Axe D : Passage à l'échelle"]);
    expect(text(doc.querySelector('[data-statuts="aucun"]'))).toContain('Aucun état n’a été relevé pour le 2e semestre 2025');
    // No status is carried over as if recorded: the last one is recalled with its semester, or nothing.
    expect(text(doc.querySelector('tr[data-action="A1"] td.statut'))).toBe('non relevé pour ce semestre dernier état relevé : en cours (1er semestre 2020)');
    expect(text(doc.querySelector('tr[data-action="B1"] td.statut'))).toBe('non relevé pour ce semestre');
    expect(text(doc.querySelector('tr[data-action="A4"] td.porteurs'))).toBe('Les Interconnectés, Régions de France, FNCCR, ADF, partenaires du programme DCANT avec DINUM');
    expect(doc.querySelector('tr[data-action="C3"] abbr')?.getAttribute('title')).toBe('Service interministériel des Archives de France');
  });

  it('shows next to each action the latest value and the change of the indicators that measure it, and says when none does', () => {
    const doc = page('semestres/2025-S2');
    // FranceConnect on shared procedures: 2 of 3 evaluated in April 2024 (the APA is « Non applicable »), 1 of 2 in January 2024.
    const b3 = doc.querySelector('tr[data-action="B3"] .mesure-un[data-indicateur="vde-partagees-auth"]');
    expect(text(b3)).toContain('dernière valeur connue : édition Avril 2024 (31 mars 2024)');
    expect(text(b3)).toContain('66,7\u202f% (2 sur 3) démarches évaluées qui atteignent l’objectif — ↑ en hausse, +16,7\u00a0points depuis l’édition Janvier 2024');
    expect(text(b3)).toContain('Source : Observatoire de la qualité des démarches en ligne');
    expect(text(doc.querySelector('tr[data-action="B3"] .mesure-un[data-indicateur="chantier-franceconnect"]'))).toContain('FranceConnect sur le portail de démarches de la collectivité');
    expect(text(doc.querySelector('tr[data-action="C1"] .mesure-un[data-indicateur="ouverture-donnees"] a'))).toBe(text(doc.querySelector('tr[data-action="C1"] .mesure-un[data-indicateur="ouverture-donnees"] a')));
    expect(doc.querySelector('tr[data-action="C1"] .mesure-un[data-indicateur="ouverture-donnees"] a')?.getAttribute('href')).toBe('/indicateurs/ouverture-donnees/');
    // B1 (the catalogue of shared solutions) is measured by the shared-services indicator: its value, not a placeholder.
    expect(text(doc.querySelector('tr[data-action="B1"] .mesure-un[data-indicateur="services-partages"]'))).toMatch(
      /^Collectivités utilisant un service partagé de l'Incubateur des territoires 2e semestre 2025 Communes, toutes : 0,0\u202f% \(6 sur 34\u202f875\) — premier semestre calculé.*Régions : 5,6\u202f% \(1 sur 18\).* Source : Déploiement des services de l’Incubateur des territoires/,
    );
    expect(text(doc.querySelector('tr[data-action="A1"] td.mesure'))).toMatch(/^Aucune mesure : Pas d'indicateur/);
    expect(doc.querySelectorAll('td.mesure').length).toBe(ACTIONS.length);
  });

  it('marks the change of method instead of a change of value when the last two editions straddle it', () => {
    // At the end of 2024-S2 the last two editions are both of 2024; at the end of 2021-S1 only June 2019 exists.
    expect(text(page('semestres/2024-S2').querySelector('tr[data-action="C5"] .valeur'))).toMatch(/^25,0\u202f% \(1 sur 4\) .* — ↓ en baisse, −25,0\u00a0points depuis l’édition Janvier 2024$/);
    expect(text(page('semestres/2021-S1').querySelector('tr[data-action="B3"] .mesure-un[data-indicateur="vde-partagees-auth"] .valeur'))).toBe(
      '0,0\u202f% (0 sur 2) démarches évaluées qui atteignent l’objectif — première édition : pas de comparaison',
    );
  });

  it('shows the results of 2019-S2 as the programme wrote them, and no roadmap before the first one', () => {
    const doc = page('semestres/2019-S2');
    expect(doc.querySelector('[data-feuille="aucune"]')).not.toBeNull();
    expect(doc.querySelector('table.feuille')).toBeNull();
    expect([...doc.querySelectorAll('[data-resultat]')].map((r) => r.getAttribute('data-resultat'))).toHaveLength(14);
    const ra4 = doc.querySelector('[data-resultat="RA4"]');
    expect(text(ra4)).toContain('baromètre de la dématérialisation pour suivre l\'avancée des différents chantiers au sein des différentes strates de collectivités');
    expect(text(ra4)).toContain('Poursuivi par l’action A2');
  });

  it('shows the quality of the procedures shared with collectivités since June 2019 up to the semester, the break marked', () => {
    const fig = page('semestres/2025-S2').querySelector('figure#demarches-2025-S2');
    expect(fig?.querySelector('svg[role="img"]')).not.toBeNull();
    expect(text(fig?.querySelector('svg'))).toContain('Changement de méthode');
    const rows = [...(fig?.querySelectorAll('tbody tr') ?? [])].map((tr) => text(tr.querySelector('th')));
    expect(rows).toEqual(['Juin 2019 (30 juin 2019)', 'Octobre 2022 (31 octobre 2022)', 'Janvier 2024 (31 décembre 2023)', 'Avril 2024 (31 mars 2024)']);
    expect(text(fig?.querySelectorAll('tbody tr')[2]?.children[1])).toContain('rupture de série');
    // The review of 2019-S2 stops at its semester: one edition, no series across the two methods yet.
    expect(page('semestres/2019-S2').querySelector('[data-serie-2019="absente"]')).not.toBeNull();
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

describe.skipIf(!CHROMIUM)('the review as a PDF, printed by Chromium when the site is built', () => {
  const periode = '2025-S2';
  const html = () => page(`semestres/${periode}`);
  const pdf = { pages: [] as string[], outline: [] as string[], title: '' };
  // Line breaks and spaces fall differently in print: texts are compared without white space.
  const flat = (s: string) => s.replace(/\s+/g, '');

  beforeAll(async () => {
    const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
    const doc = await getDocument({ data: new Uint8Array(readFileSync(join(dist, 'semestres', periode, `revue-${periode}.pdf`))) }).promise;
    for (let i = 1; i <= doc.numPages; i++) {
      const content = await (await doc.getPage(i)).getTextContent();
      pdf.pages.push(content.items.map((x) => ('str' in x ? x.str : '')).join(' '));
    }
    const walk = (items: { title: string; items: unknown[] }[] | null): void => {
      for (const item of items ?? []) {
        pdf.outline.push(item.title);
        walk(item.items as { title: string; items: unknown[] }[]);
      }
    };
    walk(await doc.getOutline());
    pdf.title = String(((await doc.getMetadata()).info as { Title?: string }).Title ?? '');
    await doc.cleanup();
  });

  it('is linked from every semester’s page, next to it', () => {
    for (const p of readdirSync(join(dist, 'semestres')).filter((d) => /^\d{4}-S[12]$/.test(d))) {
      const href = page(`semestres/${p}`).querySelector('a[data-revue-pdf]')?.getAttribute('href');
      expect(href).toBe(`/semestres/${p}/revue-${p}.pdf`);
      expect(existsSync(join(dist, href!))).toBe(true);
    }
  });

  it('has the page’s headings as its outline, in order', () => {
    const headings = [...html().querySelectorAll('main :is(h1, h2, h3, h4, h5, h6)')].map((h) => flat(text(h)));
    expect(pdf.outline.map(flat)).toEqual(headings);
    expect(pdf.outline).toContain('Feuille de route DCANT au 2e semestre 2025');
    expect(pdf.title).toBe('Revue du 2e semestre 2025 — Baromètre DCANT');
  });

  it('numbers its pages and carries on each the review’s title and the date of its exports', () => {
    expect(pdf.pages.length).toBeGreaterThan(3);
    pdf.pages.forEach((t, i) => {
      expect(flat(t)).toContain(flat(`page ${i + 1} / ${pdf.pages.length}`));
      expect(flat(t)).toContain(flat('Baromètre DCANT — Revue du 2e semestre 2025'));
      expect(flat(t)).toContain(flat('exports du 22 novembre 2026'));
    });
  });

  it('prints every chart with its table: the title again as the table’s caption, then its rows', () => {
    const all = flat(pdf.pages.join(' '));
    const figures = [...html().querySelectorAll('figure.chart')];
    expect(figures.length).toBeGreaterThan(0);
    for (const f of figures) {
      const title = flat(text(f.querySelector('h2, h3')));
      const caption = flat(text(f.querySelector('table caption')));
      expect(caption).toBe(title);
      const first = all.indexOf(title);
      const second = all.indexOf(caption, first + title.length);
      expect(first, title).toBeGreaterThanOrEqual(0);
      expect(second, `tableau de « ${title} »`).toBeGreaterThan(first);
      for (const tr of f.querySelectorAll('tbody tr')) expect(all.indexOf(flat(text(tr.children[0])), second)).toBeGreaterThan(second);
    }
  });

  it('carries the sources’ provenance and the roadmap’s citations', () => {
    const all = flat(pdf.pages.join(' '));
    expect(all).toContain(flat('Dernier chargement réussi de chaque source, volumes et couverture'));
    expect(all).toContain(flat('Source : Observatoire de la qualité des démarches en ligne'));
    expect(all).toContain(flat('Source des actions et de leurs porteurs : Programme DCANT 2018-2020 : bilan du 2nd semestre 2019'));
    expect(all).toContain(flat('B3 La DINUM soutiendra la généralisation de FranceConnect sur les portails des collectivités territoriales.'));
  });
});

describe('the Démarches page built from the vde fixture', () => {
  const doc = () => page('demarches');

  it('shows the shared procedures from June 2019, edition by edition, with the 2022→2023 break marked, as a chart with its table', () => {
    const fig = doc().querySelector('figure#demarches-depuis-2019');
    expect(fig?.querySelector('svg[role="img"]')).not.toBeNull();
    const head = [...(fig?.querySelectorAll('thead th') ?? [])].map(text);
    expect(head).toEqual(['Édition', 'Méthode', 'Réalisable en ligne', 'Satisfaction Usagers', 'Prise en compte du handicap', 'Dites-le-nous une fois', 'Authentification']);
    const auth = [...(fig?.querySelectorAll('tbody tr') ?? [])].map((tr) => text(tr.children[6]));
    expect(auth).toEqual(['0,0 % (0 sur 2)', '75,0 % (3 sur 4)', '50,0 % (1 sur 2)', '66,7 % (2 sur 3)']);
    expect(text(fig?.querySelector('.chart-summary'))).toContain('La méthode a changé entre l’édition du 31 octobre 2022 et celle du 31 décembre 2023 (rupture de série)');
    expect(text(doc().querySelector('table.editions th[data-edition="65a7b2c3d4e5f60718290001"]'))).toBe('Janvier 2024 rupture de série : autre méthode');
  });

  it('reports the shared procedures that cannot be followed from one API to the other by their title', () => {
    const rows = [...doc().querySelectorAll('table.continuite tbody tr')].map((tr) => [tr.getAttribute('data-continuite'), ...[...tr.children].map(text)]);
    expect(rows).toEqual([
      ['ancienne_seulement', "Demande d'acte d'état civil (naissance, mariage, décès)", 'communes', '1', '0', 'Juin 2019'],
      ['ancienne_seulement', "Demande de carte nationale d'identité", 'communes', '1', '0', 'Octobre 2022'],
      ['nouvelle_seulement', 'Demande de logement social', 'communes et EPCI', '0', '1', 'Avril 2024'],
    ]);
    expect(text(doc().querySelector('#continuite + p'))).toContain('4 démarches sur 8');
  });

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
    const pages = ['semestres', 'demarches', 'donnees', 'programme', ...readdirSync(join(dist, 'semestres')).filter((d) => /^\d{4}-S[12]$/.test(d)).map((d) => `semestres/${d}`)];
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
