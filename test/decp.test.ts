// The public-procurement source `decp` (today's tabular file in Parquet or CSV, the 2019 decp.json, Bercy's
// « DECP augmentées ») and its indicator `marches-donnees-essentielles`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeBarometre } from '../indicators/compute.ts';
import { marchesDonneesEssentielles, PREMIER_SEMESTRE_DECP } from '../indicators/marches-donnees-essentielles.ts';
import { periodeOf } from '../indicators/periods.ts';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import { parisDate } from '../pipelines/base/dates.ts';
import { runStatus, type RunRecord } from '../pipelines/base/runs.ts';
import { pullSource } from '../pipelines/sources/pull.ts';
import { referential } from '../pipelines/referential/referential.ts';
import { decp, DEBUT_DONNEES_ESSENTIELLES } from '../pipelines/sources/decp.ts';
import { quotedString, Warehouse } from '../pipelines/base/warehouse.ts';
import { HAS_REALDATA, REALDATA, scratch, testConfig } from './helpers/env.ts';

const ref = referential();
const tmp = scratch();
afterAll(tmp.cleanup);
const log = () => memoryLogger();
const indicators = [marchesDonneesEssentielles];
const FIXTURE = resolve(PROJECT_ROOT, decp.fixture);
const RENNES_A = '213502388000192025M0101';

async function warehouse(name: string) {
  const config = testConfig(join(tmp.dir, name));
  return { w: await Warehouse.open(config.paths.warehouse), config };
}

/** A 2019 decp.json document (`{"marches": […]}`). */
const json2019 = (marches: object[]) => JSON.stringify({ marches }, null, 2);
const marche = (o: Record<string, unknown>) => ({ _type: 'Marché', nature: 'Marché', objet: 'Travaux', procedure: 'Procédure adaptée', montant: 50000, titulaires: [], modifications: [], ...o });

describe('decp on its fixture (today’s tabular CSV, hand-written on the published Table Schema)', () => {
  let w: Warehouse;
  let run: RunRecord;
  beforeAll(async () => {
    const made = await warehouse('fixture');
    w = made.w;
    run = await pullSource(made.config, w, decp, { offline: true, log: log() });
  });
  afterAll(() => w.close());

  it('accounts for the 15 records: 8 used, 7 rejected with their line and reason', async () => {
    const records = Papa.parse(readFileSync(FIXTURE, 'utf8'), { header: true, skipEmptyLines: true }).data.length;
    expect(run).toMatchObject({ status: 'succes', rows_in: records, rows_loaded: 8, rows_rejected: 7 });
    expect(await w.all(`SELECT ligne, motif FROM rejets WHERE run_id = $r ORDER BY ligne`, { r: run.run_id })).toEqual([
      { ligne: 7, motif: 'doublon : même marché (uid 243500139000152025-0042) que la ligne 6, compté une fois' },
      { ligne: 10, motif: "SIRET de l'acheteur invalide « 21350238800018 » (clé de contrôle fausse)" },
      { ligne: 11, motif: `dateNotification hors limites « 2015-06-01 » (attendue entre le ${DEBUT_DONNEES_ESSENTIELLES}, début du régime des données essentielles, et le 2025-07-15, date des données)` },
      { ligne: 12, motif: 'dateNotification absente : le semestre du marché est inconnu' },
      { ligne: 13, motif: 'dateNotification illisible « 31/12/2024 » (date AAAA-MM-JJ attendue)' },
      { ligne: 14, motif: `dateNotification hors limites « 2025-09-01 » (attendue entre le ${DEBUT_DONNEES_ESSENTIELLES}, début du régime des données essentielles, et le 2025-07-15, date des données)` },
      { ligne: 15, motif: "SIRET de l'acheteur invalide « 2135023880001 » (14 chiffres attendus)" },
    ]);
  });

  it('dates the data by the latest publication date, and reads a quoted line break without shifting the line numbers', async () => {
    expect(run.date_donnees).toBe('2025-07-15');
    expect(await w.one(`SELECT ligne, code, date_notification FROM decp_marches WHERE uid = '213500010000112025-09'`)).toEqual({ ligne: 16, code: '35001', date_notification: '2025-06-30' });
  });

  it("reads a contract's rows (one per holder and per modification) into one contract, dated by its initial notification", async () => {
    expect(await w.one(`SELECT ligne, lignes, date_notification, categorie, code FROM decp_marches WHERE uid = $u`, { u: RENNES_A })).toEqual({
      ligne: 2, lignes: 3, date_notification: '2025-02-10', categorie: 'commune', code: '35238',
    });
    expect(await w.one(`SELECT count(*)::INTEGER AS marches, sum(lignes)::INTEGER AS lignes FROM decp_marches`)).toEqual({ marches: 6, lignes: run.rows_loaded });
  });

  it('keeps the buyers that are not collectivités apart instead of rejecting them', async () => {
    expect(await w.all(`SELECT siren, categorie, code, rapprochement FROM decp_marches ORDER BY ligne`)).toEqual([
      { siren: '213502388', categorie: 'commune', code: '35238', rapprochement: 'siren' },
      { siren: '213502388', categorie: 'commune', code: '35238', rapprochement: 'siren' },
      { siren: '243500139', categorie: 'epci', code: '243500139', rapprochement: 'siren' },
      { siren: '223500018', categorie: 'departement', code: '35', rapprochement: 'table' },
      { siren: '263500076', categorie: 'hors-collectivite', code: null, rapprochement: null },
      { siren: '213500010', categorie: 'commune', code: '35001', rapprochement: 'siren' },
    ]);
  });
});

describe('marches-donnees-essentielles on the fixture', () => {
  let w: Warehouse;
  beforeAll(async () => {
    const made = await warehouse('indicateur');
    w = made.w;
    await pullSource(made.config, w, decp, { offline: true, log: log() });
    await computeBarometre(made.config, w, { log: log(), indicators });
  });
  afterAll(() => w.close());

  it('counts, per semester of notification, the contracts of each collectivité', async () => {
    expect(await w.all(`SELECT periode, type_collectivite, code, valeur FROM valeurs WHERE valeur > 0 ORDER BY ALL`)).toEqual([
      { periode: '2024-S2', type_collectivite: 'commune', code: '35238', valeur: 1 },
      { periode: '2025-S1', type_collectivite: 'commune', code: '35001', valeur: 1 },
      { periode: '2025-S1', type_collectivite: 'commune', code: '35238', valeur: 1 },
      { periode: '2025-S1', type_collectivite: 'departement', code: '35', valeur: 1 },
      { periode: '2025-S1', type_collectivite: 'epci', code: '243500139', valeur: 1 },
    ]);
  });

  it('gives every collectivité a row (0 contract: not reached) and publishes the strate median of the counts', async () => {
    const n = await w.one<{ n: number; atteintes: number }>(`SELECT count(*)::INTEGER AS n, count(*) FILTER (WHERE atteinte)::INTEGER AS atteintes FROM valeurs WHERE periode = '2025-S1'`);
    expect(n).toEqual({ n: ref.collectivites.length, atteintes: 4 });
    const dep = await w.one<Record<string, unknown>>(
      `SELECT concernees, atteintes, valeur_mediane, statut FROM barometre WHERE periode = '2025-S1' AND niveau = 'national' AND type_collectivite = 'departement' AND strate = 'toutes'`,
    );
    expect(dep).toEqual({ concernees: 101, atteintes: 1, valeur_mediane: 0, statut: 'ok' });
  });
});

describe('decp in its other formats', () => {
  it('reads the same contracts from the tabular file as Parquet, a SIRET stored as an integer included', async () => {
    const { w, config } = await warehouse('parquet');
    try {
      const parquet = join(tmp.dir, 'decp.parquet');
      await w.run(
        `COPY (SELECT * REPLACE (TRY_CAST(acheteur_id AS BIGINT) AS acheteur_id, TRY_CAST(dateNotification AS DATE) AS dateNotification, TRY_CAST(modification_id AS INTEGER) AS modification_id)
               FROM read_csv(${quotedString(FIXTURE)}, header = true, all_varchar = true)) TO ${quotedString(parquet)} (FORMAT parquet)`,
      );
      const run = await pullSource(config, w, decp, { from: parquet, log: log() });
      expect(run.raw_path).toMatch(/\.parquet$/);
      const fromParquet = await w.all(`SELECT uid, acheteur_siret, code, date_notification, lignes FROM decp_marches ORDER BY uid`);
      await pullSource(config, w, decp, { offline: true, log: log() });
      expect(await w.all(`SELECT uid, acheteur_siret, code, date_notification, lignes FROM decp_marches ORDER BY uid`)).toEqual(fromParquet);
      expect(fromParquet).toHaveLength(6);
    } finally {
      w.close();
    }
  });

  it('reads the 2019 decp.json (and the 2022 nesting), recomposing a missing uid, leaving concessions out and counting a contract once', async () => {
    const { w, config } = await warehouse('json');
    try {
      const file = join(tmp.dir, 'decp.json');
      writeFileSync(
        file,
        json2019([
          marche({ id: '2019M1', source: 'data.gouv.fr_pes', acheteur: { id: '21350238800019', nom: 'Ville de Rennes' }, dateNotification: '2019-02-11+01:00', datePublicationDonnees: '2019-03-01+01:00' }),
          marche({ id: '2019M1', source: 'data.gouv.fr_pes', acheteur: { id: 21350238800019, nom: 'Ville de Rennes' }, dateNotification: '2019-02-11+01:00', datePublicationDonnees: '2019-03-02+01:00' }),
          { _type: 'Contrat de concession', nature: 'CONCESSION DE SERVICE', source: 'data.gouv.fr_pes', autoriteConcedante: { id: '21350238800019' }, dateSignature: '2019-01-10', datePublicationDonnees: '2019-01-11' },
          marche({ uid: '243500139000152018X7', id: 'X7', source: 'data.gouv.fr_pes', acheteur: { id: '24350013900015' }, dateNotification: '2018-11-30', datePublicationDonnees: '2018-12-04' }),
        ]),
      );
      const run = await pullSource(config, w, decp, { from: file, log: log() });
      expect(run).toMatchObject({ rows_in: 4, rows_loaded: 2, rows_rejected: 2, date_donnees: '2019-03-02' });
      expect(run.raw_path).toMatch(/\.json$/);
      expect(await w.all(`SELECT ligne, motif FROM rejets WHERE run_id = $r ORDER BY ligne`, { r: run.run_id })).toEqual([
        { ligne: 2, motif: 'doublon : même marché (uid 213502388000192019M1) que la ligne 1, compté une fois' },
        { ligne: 3, motif: "contrat de concession : hors du champ de l'indicateur, qui compte les marchés (le fichier consolidé tabulaire n'a pas les concessions)" },
      ]);
      expect(await w.all(`SELECT lot, uid, code, date_notification FROM decp_marches ORDER BY uid`)).toEqual([
        { lot: 'decp.json:data.gouv.fr_pes', uid: '213502388000192019M1', code: '35238', date_notification: '2019-02-11' },
        { lot: 'decp.json:data.gouv.fr_pes', uid: '243500139000152018X7', code: '243500139', date_notification: '2018-11-30' },
      ]);
      const nested = join(tmp.dir, 'decp-2022.json');
      writeFileSync(nested, JSON.stringify({ marches: { marche: [marche({ id: '2022A', source: 'data.gouv.fr_aife', acheteur: { id: '21350238800019' }, dateNotification: '2022-11-23', datePublicationDonnees: '2022-12-05' })] } }));
      expect(await pullSource(config, w, decp, { from: nested, log: log() })).toMatchObject({ rows_in: 1, rows_loaded: 1, date_donnees: '2022-12-05' });
    } finally {
      w.close();
    }
  });

  it('counts once a contract present both in the consolidated file and in an older decp.json', async () => {
    const { w, config } = await warehouse('lots');
    try {
      // The fixture as a local file: a sample load would be removed by the next real one.
      await pullSource(config, w, decp, { from: FIXTURE, log: log() });
      const file = join(tmp.dir, 'ancien.json');
      writeFileSync(file, json2019([marche({ uid: RENNES_A, id: '2025M0101', source: 'data.gouv.fr_pes', acheteur: { id: '21350238800019' }, dateNotification: '2025-02-10', datePublicationDonnees: '2025-02-21' })]));
      await pullSource(config, w, decp, { from: file, log: log() });
      expect(await w.all(`SELECT lot FROM decp_marches WHERE uid = $u ORDER BY lot`, { u: RENNES_A })).toEqual([{ lot: 'decp.json:data.gouv.fr_pes' }, { lot: 'tabulaire' }]);
      await computeBarometre(config, w, { log: log(), indicators });
      expect(await w.one(`SELECT valeur FROM valeurs WHERE periode = '2025-S1' AND code = '35238' AND type_collectivite = 'commune'`)).toEqual({ valeur: 1 });
    } finally {
      w.close();
    }
  });

  it('fails with a clear message on a file it cannot use, and keeps the previous data', async () => {
    const { w, config } = await warehouse('layouts');
    try {
      await pullSource(config, w, decp, { offline: true, log: log() });
      const before = await w.all(`SELECT * FROM decp_marches ORDER BY ligne`);
      const bad = (name: string, content: string | Buffer) => {
        const path = join(tmp.dir, name);
        writeFileSync(path, content);
        return path;
      };
      await expect(pullSource(config, w, decp, { from: bad('sans-marches.json', '{"contrats": []}'), log: log() })).rejects.toThrow(/aucune liste « marches » dans le fichier JSON\. Attendu : \{"marches": \[ … \]\}/);
      await expect(pullSource(config, w, decp, { from: bad('autre.csv', 'siren,nom\n213502388,Rennes\n'), log: log() })).rejects.toThrow(
        /colonnes obligatoires absentes : « acheteur_id », « dateNotification »\. Colonnes trouvées : « siren », « nom »\. Attendu : le CSV consolidé tabulaire/,
      );
      await expect(pullSource(config, w, decp, { from: bad('casse.parquet', Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(64, 7)])), log: log() })).rejects.toThrow(/fichier Parquet illisible/);
      expect(await w.all(`SELECT * FROM decp_marches ORDER BY ligne`)).toEqual(before);
      expect((await runStatus(w)).find((r) => r.source === 'decp')).toMatchObject({ status: 'echec' });
    } finally {
      w.close();
    }
  });
});

// --- The real files of ../shared/realdata/decp ---------------------------------------------------------------

/** SIRET check digit (Luhn), La Poste's establishments excepted: written here independently of the source's SQL. */
function luhn(siret: string): boolean {
  if (siret.startsWith('356000000')) return true;
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    let d = Number(siret[13 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

interface Contrat {
  uid: string;
  siret: string;
  date: string;
  fichier: number;
  rang: number;
}

/** The contracts of a 2019 decp.json as a plain reading of the published rules sees them. */
function contratsJson(path: string, fichier: number): { dataDate: string; contrats: Contrat[] } {
  const marches = (JSON.parse(readFileSync(path, 'utf8')) as { marches: Record<string, unknown>[] }).marches;
  const today = parisDate(new Date());
  const day = (v: unknown) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : null);
  const dataDate = marches.map((m) => day(m.datePublicationDonnees)).filter((d): d is string => d !== null && d <= today).sort().at(-1)!;
  const seen = new Set<string>();
  const contrats: Contrat[] = [];
  marches.forEach((m, i) => {
    if (/concession/i.test(String(m._type ?? m.nature ?? ''))) return;
    const siret = String((m.acheteur as { id?: unknown } | undefined)?.id ?? '').trim();
    if (!/^\d{14}$/.test(siret) || !luhn(siret)) return;
    const uid = (typeof m.uid === 'string' && m.uid.trim()) || (m.id ? siret + String(m.id).trim() : '');
    const date = day(m.dateNotification);
    if (!uid || !date || date < DEBUT_DONNEES_ESSENTIELLES || date > dataDate || seen.has(uid)) return;
    seen.add(uid);
    contrats.push({ uid, siret, date, fichier, rang: i + 1 });
  });
  return { dataDate, contrats };
}

describe.skipIf(!HAS_REALDATA)('decp on the real 2019 decp.json files (ColinMaudry/decp-json)', () => {
  const FILES = ['data.gouv.fr_pes.json', 'data.gouv.fr_aife.json', 'e-marchespublics.json'].map((f) => join(REALDATA, 'decp', f));
  let w: Warehouse;
  const runs: RunRecord[] = [];
  beforeAll(async () => {
    const made = await warehouse('real');
    w = made.w;
    for (const f of FILES) runs.push(await pullSource(made.config, w, decp, { from: f, log: log() }));
    await computeBarometre(made.config, w, { log: log(), indicators });
  });
  afterAll(() => w?.close());

  it('reads every contract of each file and accounts for each', () => {
    FILES.forEach((f, i) => {
      const n = (JSON.parse(readFileSync(f, 'utf8')) as { marches: unknown[] }).marches.length;
      expect(runs[i]).toMatchObject({ status: 'succes', rows_in: n });
      expect(runs[i]!.rows_in).toBe(runs[i]!.rows_loaded! + runs[i]!.rows_rejected!);
    });
  });

  it('loads exactly the contracts a plain reading keeps, each file in its own lot', async () => {
    for (const [i, f] of FILES.entries()) {
      const { dataDate, contrats } = contratsJson(f, i);
      expect(runs[i]!.date_donnees).toBe(dataDate);
      expect(runs[i]!.rows_loaded).toBe(contrats.length);
    }
  });

  it('gives the 2018–2019 semesters', async () => {
    const periodes = (await w.all<{ p: string }>(`SELECT DISTINCT periode AS p FROM barometre ORDER BY p`)).map((r) => r.p);
    expect(periodes).toEqual(['2018-S2', '2019-S1', '2019-S2']);
  });

  it('counts the contracts of each commune per semester as a plain count by buyer SIRET does', async () => {
    // Across files a contract counts once, as the file with the latest data date describes it.
    const all = FILES.map((f, i) => contratsJson(f, i));
    const kept = new Map<string, Contrat & { dataDate: string }>();
    for (const { dataDate, contrats } of all) {
      for (const c of contrats) {
        const prev = kept.get(c.uid);
        if (!prev || dataDate > prev.dataDate) kept.set(c.uid, { ...c, dataDate });
      }
    }
    const expected = new Map<string, number>();
    for (const c of kept.values()) {
      const commune = ref.communeBySiren.get(c.siret.slice(0, 9));
      const periode = periodeOf(c.date);
      if (!commune || periode < PREMIER_SEMESTRE_DECP) continue;
      const key = `${periode}|${commune.code}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const rows = await w.all<{ periode: string; code: string; valeur: number }>(`SELECT periode, code, valeur FROM valeurs WHERE type_collectivite = 'commune' AND valeur > 0`);
    expect(new Map(rows.map((r) => [`${r.periode}|${r.code}`, r.valeur]))).toEqual(expected);
    expect(expected.size).toBeGreaterThan(100);
  });

  it('keeps the other buyers apart: every loaded contract whose SIREN is no collectivité is "hors collectivité" or an EPT', async () => {
    const counts = await w.all<{ categorie: string; n: number }>(`SELECT categorie, count(*)::INTEGER AS n FROM decp_marches GROUP BY 1 ORDER BY 1`);
    const hors = counts.filter((c) => !['commune', 'epci', 'departement', 'region'].includes(c.categorie)).reduce((s, c) => s + c.n, 0);
    expect(hors).toBeGreaterThan(0);
    const sirens = await w.all<{ siren: string; categorie: string }>(`SELECT DISTINCT siren, categorie FROM decp_marches WHERE categorie = 'hors-collectivite'`);
    for (const s of sirens) expect([ref.communeBySiren.has(s.siren), ref.epciBySiren.has(s.siren), /^2[123]/.test(s.siren)]).toEqual([false, false, false]);
  });

  it('reports the reasons of the rejects, with the line of each contract', async () => {
    const reasons = await w.all<{ motif: string; n: number }>(
      `SELECT regexp_replace(motif, ' «.*', '') AS motif, count(*)::INTEGER AS n FROM rejets WHERE source = 'decp' GROUP BY 1 ORDER BY 1`,
    );
    // aife's file has contracts without notification date, concessions and a buyer SIRET with a wrong check digit.
    expect(reasons.map((r) => r.motif)).toEqual(
      expect.arrayContaining(['dateNotification absente : le semestre du marché est inconnu', "SIRET de l'acheteur invalide", expect.stringMatching(/^contrat de concession/), expect.stringMatching(/^doublon/)]),
    );
    const aife = (JSON.parse(readFileSync(FILES[1]!, 'utf8')) as { marches: Record<string, unknown>[] }).marches;
    const missing = aife.flatMap((m, i) => (m.dateNotification === undefined && !/concession/i.test(String(m._type)) && m.acheteur ? [i + 1] : []));
    const lines = await w.all<{ ligne: number }>(`SELECT ligne FROM rejets WHERE run_id = $r AND motif LIKE 'dateNotification absente%' ORDER BY ligne`, { r: runs[1]!.run_id });
    // Rejects take the first reason that applies: a missing buyer or a bad SIRET comes before the date.
    expect(lines.map((l) => l.ligne).every((l) => missing.includes(l))).toBe(true);
    expect(lines.length).toBeGreaterThan(2000);
  });
});

describe.skipIf(!HAS_REALDATA)('decp on the real « DECP augmentées » rows (decp-processing tests)', () => {
  it('reads both years with the same model: buyer SIRET in acheteur.id, uid recomposed', async () => {
    const { w, config } = await warehouse('augmentees');
    try {
      for (const year of ['2019', '2022']) {
        const file = join(REALDATA, 'decp', `decp-processing_decp_augmente_valides_${year}_test.csv`);
        const rows = Papa.parse<Record<string, string>>(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''), { header: true, delimiter: ';', skipEmptyLines: true }).data;
        const run = await pullSource(config, w, decp, { from: file, log: log() });
        expect(run.rows_in).toBe(rows.length);
        const loaded = await w.all<{ uid: string }>(`SELECT uid FROM decp_marches WHERE run_id = $r ORDER BY uid`, { r: run.run_id });
        // Rows kept: a readable notification date between the start of the regime and the file's date.
        const expected = rows
          .filter((r) => r.dateNotification! >= DEBUT_DONNEES_ESSENTIELLES && r.dateNotification! <= run.date_donnees!)
          .map((r) => r['acheteur.id']! + r.id!)
          .sort();
        expect(loaded.map((l) => l.uid)).toEqual(expected);
      }
    } finally {
      w.close();
    }
  });
});
