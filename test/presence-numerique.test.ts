// ANCT's « Données de la Présence Numérique des Territoires » (source presence-numerique) and its three indicators.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeBarometre } from '../indicators/compute.ts';
import { PRESENCE_INDICATORS } from '../indicators/presence-numerique.ts';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import { runStatus } from '../pipelines/base/runs.ts';
import { pullSource } from '../pipelines/sources/pull.ts';
import { referential } from '../pipelines/referential/referential.ts';
import { DPNT_COLUMNS, loadDomainesGeneriques, presenceNumerique } from '../pipelines/sources/presence-numerique.ts';
import { Warehouse } from '../pipelines/base/warehouse.ts';
import { HAS_REALDATA, REALDATA, scratch, testConfig } from './helpers/env.ts';
import { smallReferential } from './helpers/referential.ts';

const TWIN = resolve(PROJECT_ROOT, 'test/fixtures/presence-numerique/dpnt-quotidien.csv');
const twin = Papa.parse<Record<string, string>>(readFileSync(TWIN, 'utf8'), { header: true, skipEmptyLines: true, delimiter: ';' }).data;
const HEADER = DPNT_COLUMNS.join(';');
const ref = referential();

describe('presence-numerique on its fixture (hand-checkable)', () => {
  const tmp = scratch();
  const config = testConfig(tmp.dir);
  let w: Warehouse;
  let run: Awaited<ReturnType<typeof pullSource>>;
  beforeAll(async () => {
    w = await Warehouse.open(config.paths.warehouse);
    run = await pullSource(config, w, presenceNumerique, { offline: true, log: memoryLogger() });
  });
  afterAll(() => {
    w.close();
    tmp.cleanup();
  });

  it('is the gzip of its readable twin, in the producer’s layout (« ; », CRLF, rpnt a comma list)', () => {
    const text = gunzipSync(readFileSync(resolve(PROJECT_ROOT, presenceNumerique.fixture))).toString('utf8');
    expect(text).toBe(readFileSync(TWIN, 'utf8'));
    expect(text.startsWith(`${HEADER}\r\n`)).toBe(true);
  });

  it('loads every row, each matched to one collectivité', async () => {
    expect(run).toMatchObject({ status: 'succes', rows_in: twin.length, rows_loaded: twin.length, rows_rejected: 0, date_donnees: '2025-09-30' });
  });

  it('matches a département and a région by their SIRET, not by the commune of their seat', async () => {
    const at = async (libelle: string) => w.one(`SELECT categorie, code, rapprochement FROM presence_numerique WHERE libelle = $l`, { l: libelle });
    // Ille-et-Vilaine's code_insee is 35238, Rennes: the SIREN 223500018 says the département.
    expect(twin.find((r) => r.libelle === 'Ille-et-Vilaine')!.code_insee).toBe('35238');
    expect(await at('Ille-et-Vilaine')).toEqual({ categorie: 'departement', code: '35', rapprochement: 'siren-table' });
    expect(await at('Bretagne')).toEqual({ categorie: 'region', code: '53', rapprochement: 'siren-table' });
    // The SIREN the producer gives Auvergne-Rhône-Alpes (200017732) is not in the table: its own code 84 is.
    expect(await at('Auvergne-Rhône-Alpes')).toEqual({ categorie: 'region', code: '84', rapprochement: 'code' });
    // No SIRET for Noyal-Châtillon-sur-Seiche: its SIREN column is enough.
    expect(await at('Noyal-Châtillon-sur-Seiche')).toEqual({ categorie: 'commune', code: '35206', rapprochement: 'siren' });
  });

  it('keeps the site, the e-mail and its domain, whether the domain is generic, and the RPNT criteria', async () => {
    expect(await w.one(`SELECT site_internet, adresse_messagerie, domaine_messagerie, domaine_generique, rpnt, rpnt_niveau_a, rpnt_criteres FROM presence_numerique WHERE code = '01001'`)).toEqual({
      site_internet: null,
      adresse_messagerie: 'mairieabergementclemenciat@gmail.com',
      domaine_messagerie: 'gmail.com',
      domaine_generique: true,
      rpnt: '2.1',
      rpnt_niveau_a: false,
      rpnt_criteres: 1,
    });
    // Cesson-Sévigné meets all 16 criteria and every group.
    expect(await w.one(`SELECT rpnt_niveau_a, rpnt_criteres FROM presence_numerique WHERE code = '35051'`)).toEqual({ rpnt_niveau_a: true, rpnt_criteres: 16 });
  });
});

describe('presence-numerique: formats, rejects and bad layouts', () => {
  const tmp = scratch();
  afterAll(tmp.cleanup);
  const load = async (dir: string, from: string) => {
    const config = testConfig(join(tmp.dir, dir));
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      const run = await pullSource(config, w, presenceNumerique, { from, date: '2025-10-01', log: memoryLogger() });
      return {
        run,
        rows: await w.all(`SELECT * EXCLUDE (run_id, ligne) FROM presence_numerique ORDER BY categorie, code`),
        rejects: await w.all<{ ligne: number; identifiant: string; motif: string }>(`SELECT ligne, identifiant, motif FROM rejets WHERE run_id = $r ORDER BY ligne`, { r: run.run_id }),
      };
    } finally {
      w.close();
    }
  };

  it('reads the published JSON (rpnt a list, numbers as numbers) into the same rows as the CSV', async () => {
    const json = twin.map((r) => ({
      ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === '' ? null : v])),
      population: Number(r.population),
      epci_population: r.epci_population ? Number(r.epci_population) : null,
      // The JSON keeps the producer's list (unsorted here, as in older dumps): the CSV writes it sorted and joined.
      rpnt: r.rpnt ? r.rpnt.split(',').reverse() : null,
    }));
    const path = join(tmp.dir, 'dpnt-quotidien.json.gz');
    writeFileSync(path, gzipSync(JSON.stringify(json)));
    const fromJson = await load('json', path);
    const fromCsv = await load('csv', TWIN);
    expect(fromJson.run).toMatchObject({ rows_in: twin.length, rows_loaded: twin.length });
    expect(fromJson.rows).toEqual(fromCsv.rows);
  });

  it('rejects the rows it cannot use, each with its line and reason, and counts a collectivité once', async () => {
    const row = (over: Partial<Record<(typeof DPNT_COLUMNS)[number], string>>) => DPNT_COLUMNS.map((c) => over[c] ?? '').join(';');
    const path = join(tmp.dir, 'rejets.csv');
    writeFileSync(
      path,
      [
        HEADER,
        row({ type: 'commune', siret: '21350238800019', siren: '213502388', code_insee: '35238', site_internet: 'https://metropole.rennes.fr' }),
        row({ type: 'syndicat', siret: '25350001300010', siren: '253500013' }),
        row({ type: 'commune', siret: '2135023880001', siren: '', code_insee: '' }),
        row({ type: 'commune', siret: '', siren: '', code_insee: '99999' }),
        row({ type: 'commune', siret: '21350238800027', siren: '213502388', code_insee: '35238' }),
        row({ type: 'commune', siret: '24350013900015', siren: '243500139', code_insee: '' }),
        row({ type: 'departement', siret: '', siren: '', code_insee: '35238', departement_code_insee: '' }),
        'commune;21350047300011;213500473;Bruz',
      ].join('\r\n') + '\r\n',
    );
    const { run, rejects } = await load('rejets', path);
    expect(run).toMatchObject({ rows_in: 8, rows_loaded: 1, rows_rejected: 7 });
    expect(rejects).toEqual([
      { ligne: 3, identifiant: '25350001300010', motif: 'type « syndicat » hors collectivités (commune, epci, departement ou region attendu)' },
      { ligne: 4, identifiant: '2135023880001', motif: 'siret invalide « 2135023880001 » (SIRET de 14 chiffres attendu)' },
      { ligne: 5, identifiant: '99999', motif: 'collectivité introuvable au référentiel : code INSEE « 99999 »' },
      { ligne: 6, identifiant: '21350238800027', motif: 'doublon : même collectivité que la ligne 2, comptée une fois' },
      { ligne: 7, identifiant: '24350013900015', motif: 'type « commune » alors que le SIREN désigne un(e) epci' },
      { ligne: 8, identifiant: '35238', motif: 'collectivité introuvable au référentiel : sans code de département' },
      { ligne: 9, identifiant: 'commune', motif: 'ligne mal formée : 4 champs au lieu de 20 (séparateur « ; »)' },
    ]);
  });

  it('fails on a layout it cannot use, saying what it expected and found, and keeps the previous data', async () => {
    const config = testConfig(join(tmp.dir, 'layout'));
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      await pullSource(config, w, presenceNumerique, { offline: true, log: memoryLogger() });
      const before = await w.all(`SELECT * FROM presence_numerique ORDER BY ligne`);
      const csv = join(tmp.dir, 'colonnes.csv');
      writeFileSync(csv, 'type;siret;libelle\r\ncommune;21350238800019;Rennes\r\n');
      await expect(pullSource(config, w, presenceNumerique, { from: csv, log: memoryLogger() })).rejects.toThrow(
        /colonnes obligatoires absentes : « siren », « code_insee », « departement_code_insee », « region_code_insee », « adresse_messagerie », « site_internet », « rpnt »\. Colonnes trouvées : « type », « siret », « libelle »/,
      );
      const json = join(tmp.dir, 'epcis.json');
      writeFileSync(json, JSON.stringify([{ siret: '24350013900015', siren: '243500139', name: 'Rennes Métropole', insee_dep: '35', insee_reg: '53', population: 231765, st_eligible: false }]));
      await expect(pullSource(config, w, presenceNumerique, { from: json, log: memoryLogger() })).rejects.toThrow(/JSON sans les champs de présence numérique.*Champs trouvés : siret, siren, name, insee_dep, insee_reg, population, st_eligible.*epcis\.json/);
      expect(await w.all(`SELECT * FROM presence_numerique ORDER BY ligne`)).toEqual(before);
      expect((await runStatus(w)).find((r) => r.source === 'presence-numerique')).toMatchObject({ status: 'echec' });
    } finally {
      w.close();
    }
  });

  it('reads the producer’s list of generic e-mail domains, lowercase, each once', () => {
    const domaines = loadDomainesGeneriques();
    expect(domaines).toHaveLength(48);
    expect(new Set(domaines).size).toBe(domaines.length);
    for (const d of ['wanadoo.fr', 'orange.fr', 'gmail.com', 'laposte.net', 'free.fr', 'collectivite47.fr']) expect(domaines).toContain(d);
  });
});

describe('the indicators site-internet, messagerie-domaine-propre and rpnt-conformite on a frozen warehouse', () => {
  const pick = (type: string, code: string) => ref.collectivites.find((c) => c.type_collectivite === type && c.code === code)!;
  // The communes of the fixture and one it does not list (Chartres-de-Bretagne), the EPCI, départements and régions.
  const communes = ['01001', '01002', '01004', '01005', '35238', '35047', '35024', '35051', '35001', '35206', '35004', '35066'];
  const tiny = smallReferential([
    ...communes.map((c) => pick('commune', c)),
    pick('epci', '243500139'), pick('epci', '200069193'),
    pick('departement', '35'), pick('departement', '01'),
    pick('region', '53'), pick('region', '84'),
  ]);
  const tmp = scratch();
  let w: Warehouse;
  const atteintes = async (indicateur: string) =>
    (await w.all<{ code: string }>(`SELECT code FROM valeurs WHERE indicateur = $i AND type_collectivite = 'commune' AND atteinte ORDER BY code`, { i: indicateur })).map((r) => r.code);
  const national = (indicateur: string, type: string) =>
    w.one(`SELECT concernees, atteintes FROM barometre WHERE indicateur = $i AND type_collectivite = $t AND niveau = 'national' AND strate = 'toutes'`, { i: indicateur, t: type });
  // Expectations from the fixture's own columns, read independently of the source.
  const communesOf = (keep: (r: Record<string, string>) => boolean) => twin.filter((r) => r.type === 'commune' && keep(r)).map((r) => r.code_insee!).sort();

  beforeAll(async () => {
    const config = testConfig(tmp.dir, { minEffectif: 1 });
    w = await Warehouse.open(config.paths.warehouse);
    await pullSource(config, w, presenceNumerique, { offline: true, log: memoryLogger() });
    await computeBarometre(config, w, { log: memoryLogger(), referential: tiny, indicators: [...PRESENCE_INDICATORS] });
  });
  afterAll(() => {
    w.close();
    tmp.cleanup();
  });

  it('site-internet: the communes whose site_internet is filled in', async () => {
    expect(await atteintes('site-internet')).toEqual(communesOf((r) => r.site_internet !== ''));
    expect(await national('site-internet', 'commune')).toEqual({ concernees: 12, atteintes: 8 });
    expect(await national('site-internet', 'region')).toEqual({ concernees: 2, atteintes: 2 });
  });

  it('messagerie-domaine-propre: exactly the communes the producer credits with criterion 2.2 (no generic domain)', async () => {
    expect(await atteintes('messagerie-domaine-propre')).toEqual(communesOf((r) => r.rpnt.split(',').includes('2.2')));
    expect(await national('messagerie-domaine-propre', 'commune')).toEqual({ concernees: 12, atteintes: 7 });
  });

  it('rpnt-conformite: the communes whose rpnt holds the level-A group « a »', async () => {
    expect(await atteintes('rpnt-conformite')).toEqual(communesOf((r) => r.rpnt.split(',').includes('a')));
    expect(await national('rpnt-conformite', 'commune')).toEqual({ concernees: 12, atteintes: 5 });
    expect(await national('rpnt-conformite', 'departement')).toEqual({ concernees: 2, atteintes: 1 });
  });

  it('counts a collectivité absent from the file as not reaching the objective', async () => {
    expect(await w.all(`SELECT indicateur, atteinte, valeur FROM valeurs WHERE code = '35066' ORDER BY indicateur`)).toEqual([
      { indicateur: 'messagerie-domaine-propre', atteinte: false, valeur: 0 },
      { indicateur: 'rpnt-conformite', atteinte: false, valeur: 0 },
      { indicateur: 'site-internet', atteinte: false, valeur: 0 },
    ]);
  });
});

describe.skipIf(!HAS_REALDATA)('presence-numerique on the real samples of ../shared/realdata/anct', () => {
  const tmp = scratch();
  afterAll(tmp.cleanup);

  it('loads the app’s organisations dump and agrees with the producer’s own issue codes', async () => {
    const path = join(REALDATA, 'anct/st-home_organizations-sample_2026-03.json');
    const raw = JSON.parse(readFileSync(path, 'utf8')) as { siren: string; insee_geo: string; website_url: string | null; issues: string[]; rcpnt: string[] }[];
    const config = testConfig(join(tmp.dir, 'organisations'));
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      const run = await pullSource(config, w, presenceNumerique, { from: path, date: '2026-03-31', log: memoryLogger() });
      expect(run).toMatchObject({ status: 'succes', rows_in: raw.length, rows_loaded: raw.length, rows_rejected: 0 });
      const rows = await w.all<{ code: string; site: boolean; propre: boolean; a: boolean }>(
        `SELECT code, site_internet IS NOT NULL AS site, adresse_messagerie IS NOT NULL AND NOT domaine_generique AS propre, rpnt_niveau_a AS a FROM presence_numerique ORDER BY ligne`,
      );
      expect(rows).toEqual(
        raw.map((r) => ({
          code: r.insee_geo,
          site: r.website_url !== null && !r.issues.includes('WEBSITE_MISSING'),
          // The list of generic domains decides; the producer's own check says EMAIL_DOMAIN_GENERIC.
          propre: !r.issues.includes('EMAIL_DOMAIN_GENERIC') && !r.issues.includes('EMAIL_MISSING'),
          a: r.rcpnt.includes('a'),
        })),
      );
      // Each SIREN is the referential's SIREN of the commune of that INSEE code.
      for (const r of raw) expect(ref.communeByCode.get(r.insee_geo)?.siren).toBe(r.siren);
    } finally {
      w.close();
    }
  });

  it('refuses the EPCI dump, which says nothing of websites or e-mail, and says so', async () => {
    const config = testConfig(join(tmp.dir, 'epcis'));
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      await expect(pullSource(config, w, presenceNumerique, { from: join(REALDATA, 'anct/st-home_epcis-sample.json'), log: memoryLogger() })).rejects.toThrow(
        /JSON sans les champs de présence numérique.*ressemble à epcis\.json/,
      );
    } finally {
      w.close();
    }
  });
});
