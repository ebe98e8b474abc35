// The Base Adresse Nationale sources (`ban`: today's state per commune; `ban-publications`: first BAL publication
// dates) and their indicators `adresses-bal` and `adresses-certifiees`.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adressesBal } from '../indicators/adresses-bal.ts';
import { adressesCertifiees, SEUIL_CERTIFICATION } from '../indicators/adresses-certifiees.ts';
import { computeBarometre } from '../indicators/compute.ts';
import { periodeEnd } from '../indicators/periods.ts';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import { runStatus } from '../pipelines/base/runs.ts';
import { pullSource } from '../pipelines/sources/pull.ts';
import { referential } from '../pipelines/referential/referential.ts';
import { ban } from '../pipelines/sources/ban.ts';
import { banPublications } from '../pipelines/sources/ban-publications.ts';
import { Warehouse } from '../pipelines/base/warehouse.ts';
import { HAS_REALDATA, REALDATA, scratch, testConfig } from './helpers/env.ts';

const require = createRequire(import.meta.url);
const ref = referential();
const tmp = scratch();
afterAll(tmp.cleanup);
const log = () => memoryLogger();
/** Only the indicators under test: the others would add minutes of computation on the whole referential. */
const indicators = [adressesBal, adressesCertifiees];
const SUMMARY = resolve(PROJECT_ROOT, ban.fixture);
const PUBLICATIONS = resolve(PROJECT_ROOT, banPublications.fixture);
const HEADER = 'region,departement,code_commune,nom_commune,population,id_revision,date_revision,type_composition,nb_lieux_dits,nb_voies,nb_numeros,nb_numeros_certifies,analyse_adressage_nb_adresses_attendues,analyse_adressage_ratio,analyse_adressage_deficit_adresses,composed_at';

/** Arrondissement code → its commune, read from the referential package (as the BAN writes Paris, Lyon, Marseille). */
const ARRONDISSEMENTS = new Map(
  (require('@etalab/decoupage-administratif/data/communes.json') as { code: string; type: string; commune?: string }[])
    .filter((c) => c.type === 'arrondissement-municipal')
    .map((c) => [c.code, c.commune!]),
);
/** An old commune code leading to a single current commune. */
const ANCIENS = (() => {
  const targets = new Map<string, Set<string>>();
  for (const h of ref.history) targets.set(h.ancien_code, (targets.get(h.ancien_code) ?? new Set()).add(h.code_actuel));
  return new Map([...targets].filter(([, s]) => s.size === 1).map(([k, s]) => [k, [...s][0]!]));
})();
/** The current commune of an INSEE code, read independently of the source's SQL. */
const currentCommune = (code: string): string | null => (ref.communeByCode.has(code) ? code : (ARRONDISSEMENTS.get(code) ?? ANCIENS.get(code) ?? null));

async function warehouse(name: string): Promise<{ w: Warehouse; config: ReturnType<typeof testConfig> }> {
  const config = testConfig(join(tmp.dir, name));
  return { w: await Warehouse.open(config.paths.warehouse), config };
}

describe('ban on its fixture (communes-summary.csv, hand-written from the platform header)', () => {
  let w: Warehouse;
  let run: Awaited<ReturnType<typeof pullSource>>;
  beforeAll(async () => {
    ({ w } = await warehouse('ban-fixture'));
    run = await pullSource(testConfig(join(tmp.dir, 'ban-fixture')), w, ban, { offline: true, log: log() });
  });
  afterAll(() => w.close());

  it('accounts for each of the 16 records: 10 loaded, 6 rejected with their line and reason', async () => {
    const records = Papa.parse(readFileSync(SUMMARY, 'utf8'), { skipEmptyLines: true }).data.length - 1;
    expect(run).toMatchObject({ status: 'succes', rows_in: records, rows_loaded: 10, rows_rejected: 6 });
    expect(await w.all(`SELECT ligne, identifiant, motif FROM rejets WHERE run_id = $r ORDER BY ligne`, { r: run.run_id })).toEqual([
      { ligne: 8, identifiant: '35017', motif: 'type_composition inconnu « manuel » (attendu : bal ou assemblage)' },
      { ligne: 10, identifiant: '35292', motif: 'nb_numeros_certifies (920) supérieur à nb_numeros (905)' },
      { ligne: 11, identifiant: '35999', motif: 'commune inconnue du référentiel : code 35999 (ni commune actuelle, ni arrondissement, ni ancienne commune)' },
      { ligne: 15, identifiant: '97502', motif: "hors périmètre : 97502 est une commune de Saint-Pierre-et-Miquelon (collectivité d'outre-mer, hors du référentiel)" },
      { ligne: 16, identifiant: '35238', motif: 'doublon : même code_commune que la ligne 9, comptée une fois' },
      { ligne: 17, identifiant: '53', motif: 'ligne mal formée : 6 champs au lieu de 16 (séparateur « , »)' },
    ]);
  });

  it('dates the snapshot by its latest composition, in Europe/Paris', async () => {
    // The latest composed_at of the usable rows is 2025-06-27T08:19:03Z (Rennes), 10:19 in Paris.
    expect(run.date_donnees).toBe('2025-06-27');
    expect(await w.all(`SELECT DISTINCT date_donnees FROM ban_communes`)).toEqual([{ date_donnees: '2025-06-27' }]);
  });

  it('attaches the municipal arrondissements to their commune and keeps the counts as written', async () => {
    expect(await w.all(`SELECT code_commune, code, rapprochement, bal, nb_numeros, nb_numeros_certifies FROM ban_communes WHERE code = '75056' ORDER BY code_commune`)).toEqual([
      { code_commune: '75101', code: '75056', rapprochement: 'arrondissement', bal: true, nb_numeros: 4103, nb_numeros_certifies: 4103 },
      { code_commune: '75102', code: '75056', rapprochement: 'arrondissement', bal: true, nb_numeros: 3011, nb_numeros_certifies: 2950 },
    ]);
  });
});

describe('ban-publications on its fixture (publication_date.csv, in the format of the bal-admin extract)', () => {
  let w: Warehouse;
  let run: Awaited<ReturnType<typeof pullSource>>;
  beforeAll(async () => {
    ({ w } = await warehouse('pub-fixture'));
    run = await pullSource(testConfig(join(tmp.dir, 'pub-fixture')), w, banPublications, { offline: true, log: log() });
  });
  afterAll(() => w.close());

  it('rejects bad codes and dates with their line, and keeps the first publication of a commune written twice', async () => {
    expect(run).toMatchObject({ rows_in: 15, rows_loaded: 9, rows_rejected: 6, date_donnees: '2023-08-10' });
    expect(await w.all(`SELECT ligne, motif FROM rejets WHERE run_id = $r ORDER BY ligne`, { r: run.run_id })).toEqual([
      { ligne: 8, motif: 'doublon : même code que la ligne 7 (la première publication est retenue), compté une fois' },
      { ligne: 10, motif: 'code invalide « 3500 » (code INSEE de commune attendu, 5 caractères)' },
      { ligne: 11, motif: 'commune inconnue du référentiel : code 35999 (ni commune actuelle, ni arrondissement, ni ancienne commune)' },
      { ligne: 12, motif: "hors périmètre : 97502 est une commune de Saint-Pierre-et-Miquelon (collectivité d'outre-mer, hors du référentiel)" },
      { ligne: 13, motif: "publication_date illisible « inconnue » (date AAAA-MM-JJ attendue, suivie ou non de l'heure)" },
      { ligne: 14, motif: 'publication_date hors limites « 2099-01-01 00:00:00.000000000 » (attendue entre le 2014-01-01 et le 2023-08-10)' },
    ]);
    expect(await w.one(`SELECT ligne, date_publication FROM ban_publications WHERE code = '35001'`)).toEqual({ ligne: 7, date_publication: '2019-11-04' });
  });

  it("follows a merged commune's old code to the commune nouvelle", async () => {
    // Baillé (35011) is a commune déléguée of Saint-Marc-le-Blanc (35292).
    expect(await w.one(`SELECT code_insee, code, rapprochement FROM ban_publications WHERE code_insee = '35011'`)).toEqual({ code_insee: '35011', code: '35292', rapprochement: 'ancien-code' });
  });
});

describe('adresses-bal and adresses-certifiees on the fixtures', () => {
  let w: Warehouse;
  const atteintes = (indicateur: string, periode: string) =>
    w.all<{ code: string }>(`SELECT code FROM valeurs WHERE indicateur = $i AND periode = $p AND atteinte ORDER BY code`, { i: indicateur, p: periode }).then((r) => r.map((x) => x.code));
  beforeAll(async () => {
    const { w: wh, config } = await warehouse('indicateurs');
    w = wh;
    await pullSource(config, w, ban, { offline: true, log: log() });
    await pullSource(config, w, banPublications, { offline: true, log: log() });
    await computeBarometre(config, w, { log: log(), indicators });
  });
  afterAll(() => w.close());

  it('gives adresses-bal the history semesters the publication file covers entirely, then the summary’s semester', async () => {
    const periodes = (await w.all<{ p: string }>(`SELECT DISTINCT periode AS p FROM barometre WHERE indicateur = 'adresses-bal' ORDER BY p`)).map((r) => r.p);
    // First publication 2016-05-02; the file ends on 2023-08-10, so 2023-S1 is the last semester it covers; the summary is of 2025-06-27.
    expect(periodes[0]).toBe('2016-S1');
    expect(periodes.at(-1)).toBe('2025-S1');
    expect(periodes).toContain('2023-S1');
    expect(periodes).not.toContain('2023-S2');
    expect(periodes).not.toContain('2024-S2');
  });

  it('counts a commune at a semester end once its first BAL is published, from the history file', async () => {
    const pub = Papa.parse<Record<string, string>>(readFileSync(PUBLICATIONS, 'utf8'), { header: true, skipEmptyLines: true }).data;
    for (const periode of ['2017-S2', '2020-S1', '2023-S1']) {
      const expected = new Set(
        pub
          .filter((r) => /^\d{4}-\d{2}-\d{2}/.test(r.publication_date!) && r.publication_date!.slice(0, 10) <= periodeEnd(periode))
          .map((r) => currentCommune(r.code!))
          .filter((c): c is string => c !== null),
      );
      expect(await atteintes('adresses-bal', periode)).toEqual([...expected].sort());
    }
  });

  it('counts in the summary’s semester the communes whose addresses come from their BAL, Paris through its arrondissements', async () => {
    expect(await atteintes('adresses-bal', '2025-S1')).toEqual(['35001', '35003', '35009', '35010', '35238', '74001', '75056']);
    const national = await w.one<Record<string, number>>(`SELECT concernees, atteintes FROM barometre WHERE indicateur = 'adresses-bal' AND periode = '2025-S1' AND niveau = 'national' AND type_collectivite = 'commune' AND strate = 'toutes'`);
    expect(national).toEqual({ concernees: ref.collectivites.filter((c) => c.type_collectivite === 'commune').length, atteintes: 7 });
  });

  it('computes each commune’s certified share and the strate median, read independently from the fixture', async () => {
    const rows = Papa.parse<Record<string, string>>(readFileSync(SUMMARY, 'utf8'), { header: true, skipEmptyLines: true }).data;
    const shares = new Map<string, { n: number; c: number }>();
    const seen = new Set<string>();
    for (const r of rows) {
      const code = currentCommune(r.code_commune ?? '');
      const n = Number(r.nb_numeros);
      const c = Number(r.nb_numeros_certifies);
      if (!code || !['bal', 'assemblage'].includes(r.type_composition!) || !(c <= n) || seen.has(r.code_commune!)) continue;
      seen.add(r.code_commune!);
      const s = shares.get(code) ?? { n: 0, c: 0 };
      shares.set(code, { n: s.n + n, c: s.c + c });
    }
    const values = [...shares].filter(([, s]) => s.n > 0).map(([code, s]) => ({ code, v: s.c / s.n, strate: ref.communeByCode.get(code)!.strate }));
    const db = await w.all<{ code: string; valeur: number; atteinte: boolean }>(`SELECT code, valeur, atteinte FROM valeurs WHERE indicateur = 'adresses-certifiees' ORDER BY code`);
    expect(db.map((r) => r.code)).toEqual(values.map((x) => x.code).sort());
    for (const r of db) {
      const v = values.find((x) => x.code === r.code)!.v;
      expect(r.valeur).toBeCloseTo(v, 12);
      expect(r.atteinte).toBe(v >= SEUIL_CERTIFICATION);
    }
    const strate = values.filter((x) => x.strate === 'com-500-1999').map((x) => x.v).sort((a, b) => a - b);
    expect(strate).toHaveLength(6);
    const median = (strate[2]! + strate[3]!) / 2;
    const row = await w.one<Record<string, number | string>>(`SELECT * FROM barometre WHERE indicateur = 'adresses-certifiees' AND niveau = 'national' AND strate = 'com-500-1999'`);
    expect(row).toMatchObject({ concernees: 6, atteintes: strate.filter((v) => v >= SEUIL_CERTIFICATION).length, statut: 'ok' });
    expect(row!.valeur_mediane).toBeCloseTo(median, 12);
  });

  it('publishes no median for a yes/no indicator, nor under the dissemination threshold', async () => {
    expect(await w.one(`SELECT count(*)::INTEGER AS n FROM barometre WHERE indicateur = 'adresses-bal' AND valeur_mediane IS NOT NULL`)).toEqual({ n: 0 });
    expect(await w.one(`SELECT valeur_mediane, statut FROM barometre WHERE indicateur = 'adresses-certifiees' AND niveau = 'national' AND strate = 'com-5000-9999'`)).toEqual({ valeur_mediane: null, statut: 'effectif_insuffisant' });
  });
});

describe('ban on other files', () => {
  it('counts a commune with arrondissements only when all of them are composed from its BAL', async () => {
    const { w, config } = await warehouse('arrondissements');
    const file = join(tmp.dir, 'paris.csv');
    writeFileSync(file, `${HEADER}\r\n11,75,75101,Paris 1er Arrondissement,15114,a,2025-06-25T05:00:12.000Z,bal,0,221,4103,4103,,,,2025-06-25T05:02:44.781Z\r\n11,75,75102,Paris 2e Arrondissement,19847,,,assemblage,0,162,3011,0,,,,2025-06-25T05:02:51.003Z`);
    try {
      await pullSource(config, w, ban, { from: file, log: log() });
      await computeBarometre(config, w, { log: log(), indicators });
      expect(await w.one(`SELECT atteinte, valeur FROM valeurs WHERE indicateur = 'adresses-bal' AND code = '75056'`)).toEqual({ atteinte: false, valeur: 0 });
      expect(await w.one(`SELECT valeur FROM valeurs WHERE indicateur = 'adresses-certifiees' AND code = '75056'`)).toEqual({ valeur: 4103 / (4103 + 3011) });
    } finally {
      w.close();
    }
  });

  it('fails on a file without the expected columns, saying what it found, and keeps the previous data', async () => {
    const { w, config } = await warehouse('layout');
    try {
      await pullSource(config, w, ban, { offline: true, log: log() });
      const before = await w.all(`SELECT * FROM ban_communes ORDER BY ligne`);
      const file = join(tmp.dir, 'semicolons.csv');
      writeFileSync(file, `${HEADER.replaceAll(',', ';')}\n53;35;35238;Rennes;230890;;;bal;3;1642;52417;51980;;;;2025-06-27T08:19:03.201Z\n`);
      await expect(pullSource(config, w, ban, { from: file, log: log() })).rejects.toThrow(
        /colonnes obligatoires absentes : « code_commune », « type_composition », « nb_numeros », « nb_numeros_certifies »\. Colonnes trouvées : « region;departement;.*séparé par des virgules/,
      );
      const empty = join(tmp.dir, 'empty.csv');
      writeFileSync(empty, '');
      await expect(pullSource(config, w, ban, { from: empty, log: log() })).rejects.toThrow(/ban \(.*\) : le fichier est vide\./);
      expect(await w.all(`SELECT * FROM ban_communes ORDER BY ligne`)).toEqual(before);
      expect((await runStatus(w)).find((r) => r.source === 'ban')).toMatchObject({ status: 'echec' });
    } finally {
      w.close();
    }
  });
});

describe.skipIf(!HAS_REALDATA)('ban-publications on the real extract of bal-admin (first 443 rows)', () => {
  const FILE = join(REALDATA, 'ban/bal-admin_publication_date_first443.csv');
  let w: Warehouse;
  let run: Awaited<ReturnType<typeof pullSource>>;
  let rows: Record<string, string>[];
  beforeAll(async () => {
    rows = Papa.parse<Record<string, string>>(readFileSync(FILE, 'utf8'), { header: true, skipEmptyLines: true }).data;
    const made = await warehouse('real-publications');
    w = made.w;
    run = await pullSource(made.config, w, banPublications, { from: FILE, log: log() });
    await computeBarometre(made.config, w, { log: log(), indicators: [adressesBal] });
  });
  afterAll(() => w?.close());

  it('reads every row and accounts for each', () => {
    expect(run.rows_in).toBe(rows.length);
    expect(run.rows_in).toBe(run.rows_loaded! + run.rows_rejected!);
    // The extract ends on 29 January 2019.
    expect(run.date_donnees).toBe(rows.map((r) => r.publication_date!.slice(0, 10)).sort().at(-1));
  });

  it('gives each semester the communes published by its end, counted independently from the file', async () => {
    const periodes = (await w.all<{ p: string }>(`SELECT DISTINCT periode AS p FROM barometre WHERE indicateur = 'adresses-bal' ORDER BY p`)).map((r) => r.p);
    expect(periodes[0]).toBe('2014-S1');
    expect(periodes.at(-1)).toBe('2018-S2');
    for (const periode of periodes) {
      const expected = new Set(rows.filter((r) => r.publication_date!.slice(0, 10) <= periodeEnd(periode)).map((r) => currentCommune(r.code!)).filter((c): c is string => c !== null));
      const national = await w.one<{ atteintes: number }>(
        `SELECT atteintes FROM barometre WHERE indicateur = 'adresses-bal' AND periode = $p AND niveau = 'national' AND type_collectivite = 'commune' AND strate = 'toutes'`,
        { p: periode },
      );
      expect([periode, national!.atteintes]).toEqual([periode, expected.size]);
    }
  });
});
