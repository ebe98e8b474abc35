// Incremental compute: an indicator whose inputs did not change keeps its rows; a new load of one source recomputes
// only the indicators that read it; and the result is always the one a computation from scratch gives.
import { cpSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeBarometre } from '../indicators/compute.ts';
import { INDICATORS } from '../indicators/index.ts';
import { PROJECT_ROOT, type Config } from '../pipelines/base/config.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import { pullSource } from '../pipelines/sources/pull.ts';
import { sourceById } from '../pipelines/sources/index.ts';
import { Warehouse, withWarehouse } from '../pipelines/base/warehouse.ts';
import { scratch, testConfig } from './helpers/env.ts';
import { copyOfShared } from './helpers/shared.ts';

const tmp = scratch();
afterAll(tmp.cleanup);

/** The tables compute writes, as sorted rows. */
async function results(w: Warehouse): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of ['barometre', 'collectivites_resultats']) out[t] = await w.all(`SELECT * FROM ${t} ORDER BY ALL`);
  return out;
}

describe('an incremental computation', () => {
  let config: Config;
  let w: Warehouse;
  beforeAll(async () => {
    // Every source's sample (the shared pulled warehouse, not computed); then real data (local files) for the
    // sources whose indicators are followed here.
    config = copyOfShared('pulled', join(tmp.dir, 'w'));
    w = await Warehouse.open(config.paths.warehouse);
    await pullSource(config, w, sourceById('odt'), { from: resolve(PROJECT_ROOT, 'test/fixtures/odt/organisations.csv'), date: '2021-04-09', log: memoryLogger() });
    await pullSource(config, w, sourceById('enquetes'), { from: resolve(PROJECT_ROOT, 'test/fixtures/enquetes/enquetes.csv'), log: memoryLogger() });
  });
  afterAll(() => w.close());

  it('recomputes every indicator the first time, then none when nothing changed, with the same results', async () => {
    const first = await computeBarometre(config, w, { log: memoryLogger() });
    const computed = first.indicators.filter((i) => i.rows > 0);
    expect(computed.length).toBeGreaterThan(1);
    expect(computed.every((i) => i.recalcule)).toBe(true);
    const before = await results(w);
    const log = memoryLogger();
    const second = await computeBarometre(config, w, { log });
    expect(second.indicators.filter((i) => i.recalcule)).toEqual([]);
    expect(log.lines.some((l) => /inchangé\(s\) depuis le dernier calcul, non recalculé\(s\)/.test(l.message))).toBe(true);
    expect(await results(w)).toEqual(before);
  });

  it('recomputes only the indicators of a source that was loaded again, and gives what a computation from scratch gives', async () => {
    await pullSource(config, w, sourceById('odt'), { from: resolve(PROJECT_ROOT, 'test/fixtures/odt/organisations.csv'), date: '2021-12-31', log: memoryLogger() });
    const summary = await computeBarometre(config, w, { log: memoryLogger() });
    const readers = INDICATORS.filter((i) => [...i.sources, ...(i.sourcesHistorique ?? [])].includes('odt')).map((i) => i.id);
    expect(summary.indicators.filter((i) => i.recalcule).map((i) => i.id)).toEqual(readers.filter((id) => summary.indicators.find((x) => x.id === id)!.rows > 0));
    const incremental = await results(w);
    // From scratch: a copy of the warehouse without the fingerprints.
    const copy = join(tmp.dir, 'copie');
    w.close();
    cpSync(join(tmp.dir, 'w'), copy, { recursive: true });
    w = await Warehouse.open(config.paths.warehouse);
    const fresh = testConfig(copy);
    await withWarehouse(fresh.paths.warehouse, async (c) => {
      await c.run('DROP TABLE calculs');
      const full = await computeBarometre(fresh, c, { log: memoryLogger() });
      expect(full.indicators.filter((i) => i.rows > 0).every((i) => i.recalcule)).toBe(true);
      expect(await results(c)).toEqual(incremental);
    });
  });
});

describe('an indicator whose only series is its published history', () => {
  it('keeps that history from one computation to the next, and takes a correction written into a source table', async () => {
    const config = testConfig(join(tmp.dir, 'historique'));
    await withWarehouse(config.paths.warehouse, async (w) => {
      const log = memoryLogger();
      // The ODT file dated by its retrieval (2026), after the relay to data.gouv.fr: no value of its own, only history.
      const now = () => new Date('2026-11-21T08:00:00Z');
      for (const id of ['odt', 'odt-historique', 'datagouv', 'enquetes']) await pullSource(config, w, sourceById(id), { from: resolve(PROJECT_ROOT, sourceById(id).fixture), log, now });
      const series = () => w.all(`SELECT periode, type_collectivite, atteintes, methode_version FROM barometre WHERE indicateur = 'ouverture-donnees' ORDER BY ALL`);
      const first = await computeBarometre(config, w, { log });
      expect(first.indicators.find((i) => i.id === 'ouverture-donnees')?.rows).toBe(0);
      const history = await series();
      expect(history.length).toBeGreaterThan(0);
      expect(history.every((r) => String(r.methode_version).endsWith('+historique'))).toBe(true);
      await computeBarometre(config, w, { log });
      expect(await series()).toEqual(history);
      // A row corrected in place, without a new load: the indicators reading that table are recomputed, no other.
      await w.run(`UPDATE enquetes_declarations SET statut = CASE statut WHEN 'oui' THEN 'non' ELSE 'oui' END WHERE ligne = (SELECT min(ligne) FROM enquetes_declarations)`);
      const third = await computeBarometre(config, w, { log });
      const recomputed = third.indicators.filter((i) => i.recalcule).map((i) => i.id);
      expect(recomputed.length).toBeGreaterThan(0);
      expect(recomputed.every((id) => INDICATORS.find((i) => i.id === id)!.sources.includes('enquetes'))).toBe(true);
      // An indicator no longer computed (here: left out of the list) leaves no row behind, history included, while
      // the others keep theirs without being recomputed.
      const others = INDICATORS.filter((i) => i.id !== 'ouverture-donnees');
      const kept = await w.all(`SELECT * FROM barometre WHERE indicateur <> 'ouverture-donnees' ORDER BY ALL`);
      const fourth = await computeBarometre(config, w, { log, indicators: others });
      expect(fourth.indicators.filter((i) => i.recalcule)).toEqual([]);
      expect(await series()).toEqual([]);
      for (const t of ['barometre_calcul', 'valeurs', 'collectivites_resultats']) {
        expect((await w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${t} WHERE indicateur = 'ouverture-donnees'`))!.n).toBe(0);
      }
      expect(await w.all(`SELECT * FROM barometre WHERE indicateur <> 'ouverture-donnees' ORDER BY ALL`)).toEqual(kept);
    });
  });
});
