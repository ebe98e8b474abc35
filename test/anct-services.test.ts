// The Incubateur des territoires' deployment file (source anct-services) and the indicators read from it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeBarometre } from '../indicators/compute.ts';
import { INDICATORS } from '../indicators/index.ts';
import { SERVICE_INDICATORS, servicesPartages } from '../indicators/services-anct.ts';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import { runStatus } from '../pipelines/base/runs.ts';
import { pullSource } from '../pipelines/sources/pull.ts';
import { referential } from '../pipelines/referential/referential.ts';
import { famillesAvecIndicateur, loadServicesAnct, servicesAnct } from '../pipelines/referential/services-anct.ts';
import { anctServices } from '../pipelines/sources/anct-services.ts';
import { Warehouse } from '../pipelines/base/warehouse.ts';
import { HAS_REALDATA, REALDATA, scratch, testConfig } from './helpers/env.ts';
import { smallReferential } from './helpers/referential.ts';

const TWIN = resolve(PROJECT_ROOT, 'test/fixtures/anct-services/deploiement-quotidien.csv');
const HEADER = 'type;siret;insee;population;service;active';
const ref = referential();

describe('anct-services on its fixture (hand-checkable)', () => {
  const tmp = scratch();
  const config = testConfig(tmp.dir);
  let w: Warehouse;
  let run: Awaited<ReturnType<typeof pullSource>>;
  const log = memoryLogger();
  beforeAll(async () => {
    w = await Warehouse.open(config.paths.warehouse);
    run = await pullSource(config, w, anctServices, { offline: true, log });
  });
  afterAll(() => {
    w.close();
    tmp.cleanup();
  });

  it('is the gzip of its readable twin, as the producer writes it (CRLF, « ; »)', () => {
    const text = gunzipSync(readFileSync(resolve(PROJECT_ROOT, anctServices.fixture))).toString('utf8');
    expect(text).toBe(readFileSync(TWIN, 'utf8'));
    expect(text.startsWith(`${HEADER}\r\n`)).toBe(true);
  });

  it('reads 18 rows: 16 kept, 2 rejected with their line and reason', async () => {
    expect(run).toMatchObject({ status: 'succes', origin: 'fixture', rows_in: 18, rows_loaded: 16, rows_rejected: 2, date_donnees: '2025-09-30' });
    expect(await w.all(`SELECT ligne, identifiant, motif FROM rejets WHERE run_id = $r ORDER BY ligne`, { r: run.run_id })).toEqual([
      { ligne: 14, identifiant: '2135023620001', motif: 'siret invalide « 2135023620001 » (SIRET de 14 chiffres attendu)' },
      { ligne: 15, identifiant: '21975001100016', motif: 'collectivité introuvable au référentiel : SIREN 219750011 ni code INSEE « 97501 »' },
    ]);
  });

  it('matches by SIREN, then a commune by its INSEE code or its former code, départements and régions by the SIREN table', async () => {
    const at = async (ligne: number) => w.one(`SELECT categorie, code, rapprochement, service, famille, active FROM anct_services WHERE ligne = $l`, { l: ligne });
    expect(await at(3)).toEqual({ categorie: 'commune', code: '35238', rapprochement: 'siren', service: '58', famille: 'proconnect', active: true });
    // SIREN 213500113 is no commune's: the INSEE code 35001 is Acigné's.
    expect(await at(11)).toMatchObject({ categorie: 'commune', code: '35001', rapprochement: 'insee' });
    // 35341 is Tremblay, a commune déléguée of Val-Couesnon since 2019.
    expect(await at(12)).toMatchObject({ categorie: 'commune', code: '35004', rapprochement: 'insee-historique', famille: 'suite-territoriale' });
    expect(await at(18)).toMatchObject({ categorie: 'departement', code: '35', rapprochement: 'siren-table', famille: 'mon-service-securise' });
    expect(await at(19)).toMatchObject({ categorie: 'region', code: '53', rapprochement: 'siren-table', famille: 'deveco' });
    expect(await at(17)).toMatchObject({ categorie: 'epci', code: '243500139', famille: 'proconnect', active: false });
  });

  it('keeps a service missing from the referential, without a family, and says how to add it', async () => {
    expect(await w.one(`SELECT code, service, famille FROM anct_services WHERE service = '101'`)).toEqual({ code: '35066', service: '101', famille: null });
    expect(log.lines.map((l) => l.message).join('\n')).toMatch(/services absents de data\/referentiels\/services-anct\.csv.*101 \(1 ligne\)/);
  });
});

describe('anct-services on bad and irregular input', () => {
  const tmp = scratch();
  afterAll(tmp.cleanup);
  const file = (name: string, ...lines: string[]) => {
    const path = join(tmp.dir, name);
    writeFileSync(path, gzipSync([HEADER, ...lines].join('\r\n') + '\r\n'));
    return path;
  };

  it('rejects each unusable row with its line, and numbers the rows after a malformed one by their own line', async () => {
    const config = testConfig(join(tmp.dir, 'rows'));
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      const path = file(
        'lignes.csv.gz',
        'commune;21350238800019;35238;227830;58;1',
        'commune;21350238800019;35238;227830;49;1;en trop',
        'syndicat;25350001300010;;;58;1',
        'commune;21350047300011;35047;19496;abc;1',
        'commune;21350047300011;35047;19496;48;oui',
        'commune;24350013900015;35238;227830;9;1',
        'commune;21350024200010',
        'epci;20005798200017;;;58;1',
        'commune;21350024200010;35024;12810;2;1',
      );
      const run = await pullSource(config, w, anctServices, { from: path, date: '2026-01-15', log: memoryLogger() });
      expect(run).toMatchObject({ status: 'succes', rows_in: 9, rows_loaded: 2, rows_rejected: 7, date_donnees: '2026-01-15' });
      expect(await w.all(`SELECT ligne, motif FROM rejets WHERE run_id = $r ORDER BY ligne`, { r: run.run_id })).toEqual([
        { ligne: 3, motif: 'ligne mal formée : 7 champs au lieu de 6 (séparateur « ; »)' },
        { ligne: 4, motif: 'type « syndicat » hors collectivités (commune, epci, departement ou region attendu)' },
        { ligne: 5, motif: 'service invalide « abc » (identifiant numérique de services-quotidien.csv attendu)' },
        { ligne: 6, motif: 'active invalide « oui » (0 ou 1 attendu)' },
        { ligne: 7, motif: "type « commune » alors que le SIREN 243500139 est celui d'un(e) epci" },
        { ligne: 8, motif: 'ligne mal formée : 2 champs au lieu de 6 (séparateur « ; »)' },
        // 200057982 is the SIREN of the EPT Paris Ouest La Défense.
        { ligne: 9, motif: 'établissement public territorial (EPT) : hors baromètre' },
      ]);
      // Lines 2 and 10 of the file: the second survives two malformed records before it.
      expect(await w.all(`SELECT ligne, code FROM anct_services ORDER BY ligne`)).toEqual([
        { ligne: 2, code: '35238' },
        { ligne: 10, code: '35024' },
      ]);
    } finally {
      w.close();
    }
  });

  it('fails on a file without the expected columns, naming those it found, and keeps the previous data', async () => {
    const config = testConfig(join(tmp.dir, 'layout'));
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      await pullSource(config, w, anctServices, { offline: true, log: memoryLogger() });
      const before = await w.all(`SELECT * FROM anct_services ORDER BY ligne`);
      const bad = join(tmp.dir, 'services-quotidien.csv');
      writeFileSync(bad, 'id;nom;url;maturite;date_lancement;logo_url\r\n1;Mes Adresses;https://adresse.data.gouv.fr;stable;;\r\n');
      await expect(pullSource(config, w, anctServices, { from: bad, log: memoryLogger() })).rejects.toThrow(
        /colonnes obligatoires absentes : « type », « siret », « insee », « population », « service », « active »\. Colonnes trouvées : « id », « nom », « url », « maturite », « date_lancement », « logo_url »\. Le fichier attendu est « deploiement-quotidien\.csv\.gz »/,
      );
      // A download cut before the end of the gzip stream: DuckDB would read the rows it got; the source refuses it.
      const whole = gzipSync(`${HEADER}\r\ncommune;21350238800019;35238;227830;58;1\r\n`);
      const broken = join(tmp.dir, 'coupe.csv.gz');
      writeFileSync(broken, whole.subarray(0, whole.length - 10));
      await expect(pullSource(config, w, anctServices, { from: broken, log: memoryLogger() })).rejects.toThrow(/anct-services \(.*coupe\.csv\.gz\) : fichier gzip tronqué ou corrompu \(unexpected end of file\)/);
      writeFileSync(broken, whole.subarray(0, 12));
      await expect(pullSource(config, w, anctServices, { from: broken, log: memoryLogger() })).rejects.toThrow(/fichier gzip tronqué ou vide/);
      expect(await w.all(`SELECT * FROM anct_services ORDER BY ligne`)).toEqual(before);
      expect((await runStatus(w)).find((r) => r.source === 'anct-services')).toMatchObject({ status: 'echec' });
    } finally {
      w.close();
    }
  });
});

describe('the services referential and its indicators', () => {
  it('lists each service once, with a family, and gives each family with an indicator its own one', () => {
    const services = servicesAnct();
    expect(new Set(services.map((s) => s.id)).size).toBe(services.length);
    expect(famillesAvecIndicateur().map((f) => f.famille)).toEqual([
      'mes-adresses', 'suite-territoriale', 'deveco', 'grist', 'mon-service-securise', 'mes-services-cyber', 'rdv-service-public', 'proconnect',
    ]);
    // ProConnect's eight identity providers are one indicator.
    expect(famillesAvecIndicateur().find((f) => f.famille === 'proconnect')!.services.map((s) => s.id)).toEqual(['58', '59', '60', '61', '62', '63', '64', '65']);
    expect(SERVICE_INDICATORS.map((i) => i.id)).toEqual(famillesAvecIndicateur().map((f) => `service-${f.famille}`));
    for (const i of SERVICE_INDICATORS) expect(INDICATORS).toContain(i);
  });

  it('refuses a referential row it cannot use, saying where', () => {
    const tmp = scratch();
    try {
      const path = join(tmp.dir, 'services.csv');
      writeFileSync(path, 'id,nom,nom_instance,famille,libelle_famille,indicateur,axe\n1,Mes Adresses,,Mes Adresses,Mes Adresses,oui,socle-commun\n');
      expect(() => loadServicesAnct(path)).toThrow(/services\.csv, ligne 2 : famille « Mes Adresses » invalide/);
      writeFileSync(path, 'id,nom,nom_instance,famille,libelle_famille,indicateur,axe\n1,A,,a,A,oui,socle-commun\n2,B,,a,B,oui,socle-commun\n');
      expect(() => loadServicesAnct(path)).toThrow(/ligne 3 : la famille « a » a un autre libellé/);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('the indicators services-partages and service-* on a frozen warehouse', () => {
  const pick = (type: string, code: string) => ref.collectivites.find((c) => c.type_collectivite === type && c.code === code)!;
  const communes = ['35238', '35047', '35024', '35051', '35004', '35001', '35066', '01002'];
  const tiny = smallReferential([...communes.map((c) => pick('commune', c)), pick('epci', '243500139'), pick('departement', '35'), pick('region', '53')]);
  const tmp = scratch();
  let w: Warehouse;
  type R = Record<string, unknown>;
  let rows: R[];
  const find = (indicateur: string, periode: string, type: string) =>
    rows.find((r) => r.indicateur === indicateur && r.periode === periode && r.type_collectivite === type && r.strate === 'toutes' && r.niveau === 'national');

  beforeAll(async () => {
    const config = testConfig(tmp.dir, { minEffectif: 1 });
    w = await Warehouse.open(config.paths.warehouse);
    await pullSource(config, w, anctServices, { from: TWIN, date: '2025-09-30', log: memoryLogger() });
    // A later day: Betton's Messages became active, Rennes dropped RDV Service Public. History accumulates.
    const later = join(tmp.dir, 'deploiement-2026-02-01.csv');
    writeFileSync(
      later,
      readFileSync(TWIN, 'utf8').replace('commune;21350024200010;35024;12810;2;0', 'commune;21350024200010;35024;12810;2;1').replace('commune;21350238800019;35238;227830;49;1\r\n', ''),
    );
    await pullSource(config, w, anctServices, { from: later, date: '2026-02-01', log: memoryLogger() });
    await computeBarometre(config, w, { log: memoryLogger(), referential: tiny, indicators: [servicesPartages, ...SERVICE_INDICATORS] });
    rows = await w.all(`SELECT * FROM barometre`);
  });
  afterAll(() => {
    w.close();
    tmp.cleanup();
  });

  it('keeps one snapshot per data date and computes each semester from its own', async () => {
    expect(await w.all(`SELECT date_donnees, count(*)::INTEGER AS n FROM anct_services GROUP BY 1 ORDER BY 1`)).toEqual([
      { date_donnees: '2025-09-30', n: 16 },
      { date_donnees: '2026-02-01', n: 15 },
    ]);
    expect(await servicesPartages.periodes(w)).toEqual(['2025-S2', '2026-S1']);
  });

  it('counts the communes with at least one active service: 6 of 8, then 7 of 8 once Betton is active', () => {
    // Active in 2025-S2: Rennes, Bruz, Cesson-Sévigné, Val-Couesnon, Acigné, Chartres-de-Bretagne; not Betton nor
    // L'Abergement-de-Varey (their only service is inactive).
    expect(find('services-partages', '2025-S2', 'commune')).toMatchObject({ concernees: 8, atteintes: 6, date_donnees: '2025-09-30', source: 'anct-services' });
    expect(find('services-partages', '2026-S1', 'commune')).toMatchObject({ concernees: 8, atteintes: 7, date_donnees: '2026-02-01' });
    expect(find('services-partages', '2025-S2', 'epci')).toMatchObject({ concernees: 1, atteintes: 1 });
    expect(find('services-partages', '2025-S2', 'departement')).toMatchObject({ concernees: 1, atteintes: 1 });
    expect(find('services-partages', '2025-S2', 'region')).toMatchObject({ concernees: 1, atteintes: 1 });
  });

  it('gives each collectivité its number of active families of services', async () => {
    expect(await w.all(`SELECT code, valeur FROM collectivites_resultats WHERE indicateur = 'services-partages' AND periode = '2025-S2' AND type_collectivite = 'commune' ORDER BY code`)).toEqual([
      { code: '01002', valeur: 0 },
      { code: '35001', valeur: 1 }, // Mes Adresses
      { code: '35004', valeur: 2 }, // ProConnect (FI Recia), Projets of the Suite territoriale (former code 35341)
      { code: '35024', valeur: 0 },
      { code: '35047', valeur: 1 }, // Mes Services Cyber
      { code: '35051', valeur: 1 }, // Fichiers and Visio: one family
      { code: '35066', valeur: 1 }, // service 101, not in the referential, counts for itself
      { code: '35238', valeur: 3 }, // ProConnect, RDV Service Public, Mes Adresses
    ]);
  });

  it('counts each family of services apart, an inactive use not counting', () => {
    expect(find('service-proconnect', '2025-S2', 'commune')).toMatchObject({ atteintes: 2 }); // Rennes (FI Adico), Val-Couesnon (FI Recia)
    expect(find('service-proconnect', '2025-S2', 'epci')).toMatchObject({ atteintes: 0 }); // Rennes Métropole's use is inactive
    expect(find('service-suite-territoriale', '2025-S2', 'commune')).toMatchObject({ atteintes: 2 });
    expect(find('service-suite-territoriale', '2026-S1', 'commune')).toMatchObject({ atteintes: 3 });
    expect(find('service-rdv-service-public', '2025-S2', 'commune')).toMatchObject({ atteintes: 1 });
    expect(find('service-rdv-service-public', '2026-S1', 'commune')).toMatchObject({ atteintes: 0 });
    expect(find('service-mes-adresses', '2025-S2', 'commune')).toMatchObject({ atteintes: 2 }); // Rennes, Acigné; not L'Abergement-de-Varey
    expect(find('service-grist', '2025-S2', 'epci')).toMatchObject({ atteintes: 1 });
    expect(find('service-mon-service-securise', '2025-S2', 'departement')).toMatchObject({ atteintes: 1 });
    expect(find('service-deveco', '2025-S2', 'region')).toMatchObject({ atteintes: 1 });
  });
});

describe.skipIf(!HAS_REALDATA)('anct-services on the real samples of ../shared/realdata/anct', () => {
  const tmp = scratch();
  afterAll(tmp.cleanup);

  it('loads the real deployment row (a JSON copy of deploiement-quotidien.csv) and matches it by its SIREN', async () => {
    const path = join(REALDATA, 'anct/st-home_service_usages_2025-09.json');
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>[];
    const config = testConfig(join(tmp.dir, 'usages'));
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      const run = await pullSource(config, w, anctServices, { from: path, date: '2025-09-30', log: memoryLogger() });
      expect(run).toMatchObject({ status: 'succes', rows_in: raw.length, rows_loaded: raw.length, rows_rejected: 0 });
      const expected = raw.map((r) => {
        const commune = ref.communeBySiren.get(r.siret!.slice(0, 9))!;
        expect(commune.code).toBe(r.insee); // the file's INSEE code agrees with the referential's commune of that SIREN
        return { code: commune.code, service: r.service, active: r.active === '1' };
      });
      expect(await w.all(`SELECT code, service, active FROM anct_services ORDER BY ligne`)).toEqual(expected);
    } finally {
      w.close();
    }
  });

  it('has in services-anct.csv every service of the real services list, with its name and instance', () => {
    const real = JSON.parse(readFileSync(join(REALDATA, 'anct/st-home_services.json'), 'utf8')) as { id: number; nom: string; nom_instance: string | null }[];
    const mine = new Map(servicesAnct().map((s) => [s.id, s]));
    expect(real.map((s) => [String(s.id), s.nom, s.nom_instance ?? ''])).toEqual(real.map((s) => [String(s.id), mine.get(String(s.id))?.nom, mine.get(String(s.id))?.nom_instance]));
    expect(mine.size).toBe(real.length);
    // The older export of the list (September 2025) used ids that still exist.
    const older = JSON.parse(readFileSync(join(REALDATA, 'anct/st-home_services_2025-09.json'), 'utf8')) as { id: string }[];
    for (const s of older) expect(mine.has(s.id)).toBe(true);
  });
});
