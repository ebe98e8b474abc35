import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANTIER_INDICATORS, chantierIndicator } from '../indicators/chantiers.ts';
import { computeBarometre } from '../indicators/compute.ts';
import { INDICATORS } from '../indicators/index.ts';
import { chantiers, loadChantiers } from '../pipelines/referential/chantiers.ts';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import { pullSource } from '../pipelines/sources/pull.ts';
import { referential } from '../pipelines/referential/referential.ts';
import { enquetes, ENQUETES_TABLE_COLUMNS, parseDateObservation, parseStatut, prepareEnquetes, resolveIdentifiant } from '../pipelines/sources/enquetes.ts';
import { Warehouse } from '../pipelines/base/warehouse.ts';
import { scratch, testConfig } from './helpers/env.ts';
import { smallReferential } from './helpers/referential.ts';

const ref = referential();
const ctx = { referential: ref, dataDate: '2026-01-15', origin: 'test', runId: 'run-1' };
const FIXTURE = resolve(PROJECT_ROOT, 'test/fixtures/enquetes/enquetes.csv');
const fixture = readFileSync(FIXTURE);
const HEADER = 'identifiant,chantier,statut,date_observation,source';
const csv = (...lines: string[]) => new TextEncoder().encode([HEADER, ...lines].join('\n') + '\n');

describe('enquetes on its fixture (hand-checkable)', () => {
  const p = prepareEnquetes(fixture, ctx);
  const rows = p.tables.enquetes_declarations!;
  const at = (ligne: number) => rows.find((r) => r.ligne === ligne)!;

  it('reads 30 declarations: 25 loaded, 5 rejected, each with its line and reason', () => {
    expect([p.rowsIn, p.rowsLoaded, p.rejects.length]).toEqual([30, 25, 5]);
    expect(p.rejects).toEqual([
      { ligne: 10, identifiant: '35238', motif: 'doublon : même collectivité (commune 35238), chantier et date que la ligne 2 ; même statut' },
      { ligne: 11, identifiant: '35206', motif: 'statut « peut-être » invalide (attendu : oui, en_cours, non)' },
      { ligne: 12, identifiant: '35069', motif: 'date_observation « 2025-02-30 » invalide (date réelle au format AAAA-MM-JJ attendue)' },
      { ligne: 13, identifiant: '35999', motif: "commune inconnue : code INSEE « 35999 » absent du référentiel et de l'historique des communes" },
      {
        ligne: 14,
        identifiant: '35238',
        motif:
          'chantier « teletransmission-budget » inconnu (chantiers connus : franceconnect, sve-urbanisme, actes-prefecture, registre-deliberations, archivage-electronique, marches-publics ; voir data/referentiels/chantiers.csv)',
      },
    ]);
  });

  it('dates the file by its latest observation', () => {
    expect(p.dataDate).toBe('2025-10-01');
    expect(new Set(rows.map((r) => r.date_donnees))).toEqual(new Set(['2025-10-01']));
  });

  it('follows a former commune code to today\'s commune', () => {
    expect(at(7)).toMatchObject({ identifiant: '35113', type_collectivite: 'commune', code: '35004', rapprochement: expect.stringMatching(/^historique/) });
  });

  it('resolves SIREN, département code, REG- région code and a département SIREN', () => {
    expect(at(3)).toMatchObject({ type_collectivite: 'commune', code: '35024', rapprochement: 'siren' });
    expect(at(15)).toMatchObject({ type_collectivite: 'epci', code: '243500139' });
    expect(at(16)).toMatchObject({ type_collectivite: 'departement', code: '35' });
    expect(at(17)).toMatchObject({ type_collectivite: 'region', code: '53' });
    expect(at(20)).toMatchObject({ type_collectivite: 'departement', code: '35', rapprochement: 'siren (table)', statut: 'en_cours' });
  });

  it('keeps both declarations of one commune at two dates of a semester (the indicator takes the later)', () => {
    expect(rows.filter((r) => r.code === '35051').map((r) => [r.date_observation, r.statut])).toEqual([
      ['2025-02-10', 'en_cours'],
      ['2025-06-02', 'oui'],
    ]);
  });

  it('tolerates « En cours » for en_cours', () => {
    expect(at(8)).toMatchObject({ code: '35001', statut: 'en_cours' });
  });
});

describe('enquetes: the identifiant, the statut and the date', () => {
  const resolved = (id: string) => {
    const r = resolveIdentifiant(ref, id);
    return 'reject' in r ? r.reject : `${r.type} ${r.code}`;
  };

  it('accepts every documented form of identifiant', () => {
    expect(['35238', '213502388', '243500139', '35', 'DEP-35', '2A', '971', 'REG-53', 'reg-4', '223500018', '233500016', '97411', '2A004'].map(resolved)).toEqual([
      'commune 35238', 'commune 35238', 'epci 243500139', 'departement 35', 'departement 35', 'departement 2A', 'departement 971', 'region 53', 'region 04',
      'departement 35', 'region 53', 'commune 97411', 'commune 2A004',
    ]);
  });

  it('restores the leading zero a spreadsheet dropped from a commune or département code', () => {
    expect([resolved('1001'), resolved('1')]).toEqual(['commune 01001', 'departement 01']);
    expect(resolveIdentifiant(ref, '1001')).toMatchObject({ how: 'code-insee (zéro initial rétabli)' });
  });

  it('says why an identifiant is refused', () => {
    expect(resolved('98735')).toMatch(/^hors périmètre : commune 98735 de /);
    expect(resolved('REG-99')).toBe('région inconnue : « REG-99 » (code INSEE de région attendu après REG-, par exemple REG-53)');
    expect(resolved('99')).toBe('département inconnu : « 99 »');
    expect(resolved('130016538')).toMatch(/^SIREN 130016538 inconnu : ni commune/);
    expect(resolved('200057867')).toBe('SIREN 200057867 : établissement public territorial, hors baromètre');
    expect(resolved('Rennes')).toMatch(/^identifiant « RENNES » non reconnu \(attendu : code INSEE de commune/);
    expect(resolved(' ')).toMatch(/^identifiant vide/);
  });

  it('reads the statut whatever its case, accents or separator, and nothing else', () => {
    expect(['oui', 'OUI', ' Non ', 'en_cours', 'En cours', 'en-cours'].map(parseStatut)).toEqual(['oui', 'oui', 'non', 'en_cours', 'en_cours', 'en_cours']);
    expect(['o', 'yes', 'encours', '', 'réalisé'].map(parseStatut)).toEqual([null, null, null, null, null]);
  });

  it('reads AAAA-MM-JJ and the French JJ/MM/AAAA, and only real dates', () => {
    expect(['2025-06-30', '30/06/2025', '1/7/2025'].map(parseDateObservation)).toEqual(['2025-06-30', '2025-06-30', '2025-07-01']);
    expect(['2025-02-29', '2025-6-30', '31/06/2025', '2025', ''].map(parseDateObservation)).toEqual([null, null, null, null, null]);
  });

  it('rejects a second declaration of the same day that contradicts the first, naming the one kept', () => {
    const p = prepareEnquetes(csv('35238,franceconnect,oui,2025-03-01,A', '35238,franceconnect,non,01/03/2025,B'), ctx);
    expect(p.rejects).toEqual([{ ligne: 3, identifiant: '35238', motif: 'doublon : même collectivité (commune 35238), chantier et date que la ligne 2 ; statut « non » différent, celui de la ligne 2 (« oui ») est gardé' }]);
  });

  it('rejects a declaration without source, and keeps one outside its chantier\'s types with a note', () => {
    const p = prepareEnquetes(csv('35238,franceconnect,oui,2025-03-01,', '243500139,sve-urbanisme,oui,2025-03-01,Enquête'), ctx);
    expect(p.rejects.map((r) => r.motif)).toEqual(['source vide (indiquez qui a déclaré, ou quelle enquête)']);
    expect(p.rowsLoaded).toBe(1);
    expect(p.notes).toEqual(["1 déclaration(s) d'un type de collectivité que leur chantier ne vise pas : gardées, non comptées."]);
  });

  it('fails on a file that misses a column of the contract, naming those it found', () => {
    expect(() => prepareEnquetes(new TextEncoder().encode('code,chantier,statut\n35238,franceconnect,oui\n'), ctx)).toThrow(
      /colonnes obligatoires absentes : « identifiant », « date_observation », « source »\. Colonnes trouvées : « code », « chantier », « statut »/,
    );
  });

  it('reads a semicolon-separated export from a French spreadsheet', () => {
    const p = prepareEnquetes(new TextEncoder().encode('\uFEFFidentifiant;chantier;statut;date_observation;source\r\n35238;franceconnect;Oui;15/03/2025;Enquête 2025\r\n'), ctx);
    expect(p.tables.enquetes_declarations![0]).toMatchObject({ code: '35238', statut: 'oui', date_observation: '2025-03-15' });
  });
});

describe('the chantiers referential', () => {
  const tmp = scratch();
  afterAll(tmp.cleanup);
  const HEAD = 'id,libelle,axe,concernees,obligees,base_legale,note,indicateurs,reference\n';
  const write = (name: string, body: string) => {
    const path = join(tmp.dir, name);
    writeFileSync(path, HEAD + body);
    return path;
  };

  it('gives each surveyed row of chantiers.csv an indicator chantier-<id> in the registry, with its methodology', () => {
    const ids = chantiers().filter((c) => c.enquete).map((c) => `chantier-${c.id}`);
    expect(ids).toEqual([
      'chantier-franceconnect', 'chantier-sve-urbanisme', 'chantier-actes-prefecture', 'chantier-registre-deliberations', 'chantier-archivage-electronique', 'chantier-marches-publics',
    ]);
    expect(INDICATORS.map((i) => i.id)).toEqual(expect.arrayContaining(ids));
    // A workstream measured from open data only (no survey listed) has no survey indicator.
    expect(chantiers().find((c) => c.id === 'ouverture-donnees')).toMatchObject({ enquete: false, indicateurs: ['ouverture-donnees'] });
    expect(INDICATORS.some((i) => i.id === 'chantier-ouverture-donnees')).toBe(false);
    for (const i of CHANTIER_INDICATORS) {
      expect(i.nature).toBe('declaration');
      expect(i.methodology).toMatch(/échantillon, qui n'est pas redressé\. Aucun résultat n'est extrapolé/);
      expect(i.methodology).toContain('« en cours » ne l\'atteint pas');
      expect(i.sources).toEqual(['enquetes']);
    }
  });

  it('reads the population threshold of an obligation and writes it in words', () => {
    const sve = CHANTIER_INDICATORS.find((i) => i.id === 'chantier-sve-urbanisme')!;
    expect(sve.concernees).toBe("Les collectivités qui ont répondu pour ce chantier pendant le semestre, parmi : communes. Soumises à l'obligation : communes de plus de 3 500 habitants.");
    expect(sve.methodology).toContain('L. 423-3');
  });

  it('takes a new workstream from a new row, without code', () => {
    const path = write('ok.csv', 'publication-actes,Publication électronique des actes,socle-commun,commune;epci,commune>=3500;epci,"Ordonnance n° 2021-1310",,chantier-publication-actes,\n');
    const [ch] = loadChantiers(path);
    const indicator = chantierIndicator(ch!);
    expect(indicator).toMatchObject({ id: 'chantier-publication-actes', axe: 'socle-commun', sources: ['enquetes'] });
    expect(indicator.sql({ periodes: ['2025-S1'] })).toContain("(c.type_collectivite = 'commune' AND coalesce(c.population >= 3500, FALSE)) OR (c.type_collectivite = 'epci')");
    const p = prepareEnquetes(csv('35238,publication-actes,oui,2025-03-01,Enquête'), ctx, [ch!]);
    expect(p.rowsLoaded).toBe(1);
  });

  it('rejects an answer for a workstream that is measured, not surveyed, saying which ones are surveyed', () => {
    const [measured, surveyed] = loadChantiers(write('mesure.csv', 'ouverture,Ouverture,approche-globale-donnee,commune,,,,ouverture-donnees,\nfc,FranceConnect,socle-commun,commune,,,,chantier-fc,\n'));
    expect(measured!.enquete).toBe(false);
    const p = prepareEnquetes(csv('35238,ouverture,oui,2025-03-01,Enquête\n35238,fc,oui,2025-03-01,Enquête'), ctx, [measured!, surveyed!]);
    expect(p.rowsLoaded).toBe(1);
    expect(p.rejects.map((r) => r.motif)).toEqual(['chantier « ouverture » non suivi par enquête (il est mesuré sur données ouvertes ; chantiers suivis par enquête : fc)']);
  });

  it('reads the indicators column: ids in order, families, and refuses what it could not use', () => {
    const [ch] = loadChantiers(write('ind.csv', 'sol,Solutions,socle-commun,commune,,,, services-partages ; services-* ;chantier-sol,"Feuille de route 2020, action B1"\n'));
    expect(ch).toMatchObject({ indicateurs: ['services-partages', 'services-*', 'chantier-sol'], enquete: true, reference: 'Feuille de route 2020, action B1' });
    expect(() => loadChantiers(write('vide.csv', 'a,X,socle-commun,commune,,,,,\n'))).toThrow(/ligne 2, colonne indicateurs : colonne indicateurs vide .*chantier-a/);
    expect(() => loadChantiers(write('syntaxe.csv', 'a,X,socle-commun,commune,,,,Ouverture Données,\n'))).toThrow(/« Ouverture Données » n'est pas un identifiant d'indicateur/);
    expect(() => loadChantiers(write('deux.csv', 'a,X,socle-commun,commune,,,,x;x,\n'))).toThrow(/indicateur « x » cité deux fois/);
    expect(() => loadChantiers(write('autre.csv', 'a,X,socle-commun,commune,,,,chantier-b,\n'))).toThrow(/« chantier-b » est l'enquête d'un autre chantier ; un chantier ne cite que sa propre enquête \(chantier-a\)/);
    expect(() => loadChantiers(write('partage.csv', 'a,X,socle-commun,commune,,,,x,\nb,Y,socle-commun,commune,,,,x,\n'))).toThrow(/ligne 3 : l'indicateur « x » mesure déjà le chantier « a »/);
  });

  it('refuses a referential row it could not use, saying which line and why', () => {
    expect(() => loadChantiers(write('id.csv', 'SVE urba,X,socle-commun,commune,,,,x,\n'))).toThrow(/ligne 2 : identifiant « SVE urba » invalide/);
    expect(() => loadChantiers(write('axe.csv', 'a,X,numerique,commune,,,,x,\n'))).toThrow(/ligne 2 : axe « numerique » inconnu/);
    expect(() => loadChantiers(write('scope.csv', 'a,X,socle-commun,communes,,,,x,\n'))).toThrow(/« communes » n'est pas un périmètre/);
    expect(() => loadChantiers(write('obl.csv', 'a,X,socle-commun,commune,epci,Loi,,x,\n'))).toThrow(/les obligées \(epci\) doivent faire partie des concernées/);
    expect(() => loadChantiers(write('base.csv', 'a,X,socle-commun,commune,commune,,,x,\n'))).toThrow(/une obligation sans base légale/);
    expect(() => loadChantiers(write('dup.csv', 'a,X,socle-commun,commune,,,,x,\na,Y,socle-commun,commune,,,,y,\n'))).toThrow(/ligne 3 : identifiant « a » déjà utilisé/);
  });
});

describe('enquetes through a pull', () => {
  const tmp = scratch();
  afterAll(tmp.cleanup);

  it('loads its fixture on request, and refuses a live pull until an address is configured', async () => {
    const config = testConfig(tmp.dir);
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      expect(enquetes.fixtureFallback).toBe(false);
      const run = await pullSource(config, w, enquetes, { offline: true, log: memoryLogger() });
      expect(run).toMatchObject({ status: 'succes', rows_in: 30, rows_loaded: 25, rows_rejected: 5, date_donnees: '2025-10-01' });
      await expect(pullSource(config, w, enquetes, { log: memoryLogger() })).rejects.toThrow(/aucune adresse en ligne configurée.*sources\.enquetes\.url.*barometre pull enquetes --from FICHIER\.csv/);
    } finally {
      w.close();
    }
  });
});

describe('the chantier indicators on a frozen warehouse (survey rates, respondents only)', () => {
  const pick = (type: string, code: string) => ref.collectivites.find((c) => c.type_collectivite === type && c.code === code)!;
  const communes = ['35238', '35024', '35051', '35047', '35001', '35206', '35069', '35004', '01001'];
  const tiny = smallReferential([...communes.map((c) => pick('commune', c)), pick('epci', '243500139'), pick('departement', '35'), pick('region', '53')]);

  const tmp = scratch();
  const config = testConfig(tmp.dir, { minEffectif: 3 });
  let w: Warehouse;
  type R = Record<string, unknown>;
  let rows: R[];
  const find = (indicateur: string, periode: string, type: string, strate: string) =>
    rows.find((r) => r.indicateur === indicateur && r.periode === periode && r.type_collectivite === type && r.strate === strate && r.niveau === 'national');
  const compute = async () => {
    await computeBarometre(config, w, { log: memoryLogger(), referential: tiny, indicators: CHANTIER_INDICATORS });
    rows = await w.all(`SELECT * FROM barometre`);
  };

  beforeAll(async () => {
    w = await Warehouse.open(config.paths.warehouse);
    await w.createTable('enquetes_declarations', ENQUETES_TABLE_COLUMNS);
    await w.insert('enquetes_declarations', ENQUETES_TABLE_COLUMNS, prepareEnquetes(fixture, ctx).tables.enquetes_declarations!);
    await compute();
  });
  afterAll(() => {
    w.close();
    tmp.cleanup();
  });

  it('counts 7 communes answering for SVE in 2025-S1, 4 of them « oui », with Wilson bounds on 4 of 7', () => {
    // Rennes, Betton, Cesson-Sévigné (later « oui » replaces « en cours »), Val-Couesnon: oui; Bruz, L'Abergement: non; Acigné: en cours.
    const r = find('chantier-sve-urbanisme', '2025-S1', 'commune', 'toutes')!;
    expect(r).toMatchObject({ concernees: 7, atteintes: 4, statut: 'ok', obligation: 'partielle', date_donnees: '2025-06-02', source: 'enquetes' });
    expect(r.taux).toBeCloseTo(4 / 7, 10);
    expect(r.ic_bas).toBeCloseTo(0.2505, 4);
    expect(r.ic_haut).toBeCloseTo(0.8418, 4);
  });

  it('shows the communes under the obligation (more than 3 500 inhabitants) apart: 4 of 6', () => {
    const r = find('chantier-sve-urbanisme', '2025-S1', 'commune', 'obligees')!;
    expect(r).toMatchObject({ concernees: 6, atteintes: 4 });
    expect(r.ic_bas).toBeCloseTo(0.3, 4);
    expect(r.ic_haut).toBeCloseTo(0.9032, 4);
  });

  it('counts only respondents: a commune whose declaration was rejected is not in the denominator', async () => {
    const c = await w.all<{ code: string; valeur: number; atteinte: boolean }>(
      `SELECT code, valeur, atteinte FROM collectivites_resultats WHERE indicateur = 'chantier-sve-urbanisme' ORDER BY code`,
    );
    expect(c.map((x) => x.code)).toEqual(['01001', '35001', '35004', '35024', '35047', '35051', '35238']);
    expect(c.find((x) => x.code === '35051')).toMatchObject({ valeur: 1, atteinte: true });
    expect(c.find((x) => x.code === '35001')).toMatchObject({ valeur: 0.5, atteinte: false });
  });

  it('does not carry an answer over to a semester without one', async () => {
    expect(await CHANTIER_INDICATORS.find((i) => i.id === 'chantier-franceconnect')!.periodes(w)).toEqual(['2024-S2', '2025-S2']);
    expect(rows.filter((r) => r.indicateur === 'chantier-franceconnect' && r.periode === '2025-S1')).toEqual([]);
    expect(find('chantier-franceconnect', '2025-S2', 'departement', 'toutes')).toMatchObject({ concernees: 1, atteintes: 0, statut: 'effectif_insuffisant', obligation: 'non' });
  });

  it('applies each chantier\'s legal obligation: @CTES binds Rennes (over 50 000) but not Betton, and every EPCI', () => {
    expect(find('chantier-actes-prefecture', '2025-S1', 'commune', 'toutes')).toMatchObject({ concernees: 2, atteintes: 1, obligation: 'partielle' });
    expect(find('chantier-actes-prefecture', '2025-S1', 'commune', 'obligees')).toMatchObject({ concernees: 1, atteintes: 1 });
    expect(find('chantier-actes-prefecture', '2025-S1', 'epci', 'toutes')).toMatchObject({ concernees: 1, atteintes: 1, obligation: 'oui' });
  });

  it('takes a correction from a later file for the same observation', async () => {
    // Bruz's 2025-04-01 « non », declared again as « oui » in a file dated later.
    await w.insert('enquetes_declarations', ENQUETES_TABLE_COLUMNS, [
      { date_donnees: '2025-12-31', run_id: 'r2', ligne: 2, identifiant: '35047', type_collectivite: 'commune', code: '35047', rapprochement: 'code-insee', chantier: 'sve-urbanisme', statut: 'oui', date_observation: '2025-04-01', source: 'Correction' },
    ]);
    await compute();
    expect(find('chantier-sve-urbanisme', '2025-S1', 'commune', 'toutes')).toMatchObject({ concernees: 7, atteintes: 5 });
  });
});
