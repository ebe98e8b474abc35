// Which indicators are real, sample or unavailable, read from the runs table alone.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computable, indicatorState, messagePublic, sampleMode, sourceStates, usable } from '../indicators/disponibilite.ts';
import { ensureSystemTables, RUN_COLUMNS, type RunRecord } from '../pipelines/base/runs.ts';
import { Warehouse } from '../pipelines/base/warehouse.ts';
import { scratch } from './helpers/env.ts';

const tmp = scratch('barometre-disponibilite-');
afterAll(tmp.cleanup);

let w: Warehouse;
let n = 0;
beforeEach(async () => {
  w = await Warehouse.open(`${tmp.dir}/w${n++}.duckdb`);
  await ensureSystemTables(w);
});
afterEach(() => w.close());

const run = (source: string, origin: RunRecord['origin'], status: RunRecord['status'], started_at: string, error: string | null = null) =>
  w.insert('runs', RUN_COLUMNS, [{ source, run_id: `${source}-${started_at}`, status, origin, location: 'x', started_at, error }]);

describe('the state of sources and indicators', () => {
  it('a warehouse without any run is the sample build: every indicator may be computed from its tables', async () => {
    const states = await sourceStates(w);
    expect(sampleMode(states)).toBe(true);
    expect(computable({ sources: ['odt'] }, states)).toBe(true);
    expect(indicatorState({ sources: ['odt'] }, states, true)).toEqual({ etat: 'echantillon', raison: null, derniere_tentative: null });
  });

  it('in the sample build, a source never loaded makes its indicator unavailable, saying a real load was never tried', async () => {
    await run('odt', 'fixture', 'succes', '2026-01-01T10:00:00.000Z');
    const states = await sourceStates(w);
    expect(sampleMode(states)).toBe(true);
    const state = indicatorState({ sources: ['ds'] }, states, false);
    expect(state).toMatchObject({ etat: 'indisponible', derniere_tentative: null });
    expect(state.raison).toMatch(/^La source « .+ » \(ds\) n'a pas de données ; aucun chargement de données réelles n'a été tenté\.$/);
  });

  it('once one source has real data, a source with only its sample is not used, and the reason gives the failed attempt and its date', async () => {
    await run('odt', 'fixture', 'succes', '2026-01-01T10:00:00.000Z');
    await run('odt', 'live', 'echec', '2026-02-01T10:00:00.000Z', 'https://exemple/organisations.csv : le serveur a répondu 503 Service Unavailable.');
    await run('vde', 'live', 'succes', '2026-02-01T11:00:00.000Z');
    const states = await sourceStates(w);
    expect(sampleMode(states)).toBe(false);
    expect(states.get('odt')).toMatchObject({ etat: 'echantillon', derniere_tentative: { le: '2026-02-01T10:00:00.000Z', statut: 'echec' } });
    expect(computable({ sources: ['odt'] }, states)).toBe(false);
    expect(usable(states, 'odt')).toBe(false);
    expect(computable({ sources: ['vde'] }, states)).toBe(true);
    const state = indicatorState({ sources: ['odt'] }, states, false);
    expect(state.etat).toBe('indisponible');
    expect(state.derniere_tentative).toBe('2026-02-01T10:00:00.000Z');
    expect(state.raison).toMatch(/^La source « .+ » \(odt\) n'a que son jeu d'exemple, qui ne remplace pas des données réelles ; le dernier chargement a échoué : https:\/\/exemple\/organisations\.csv : le serveur a répondu 503 Service Unavailable\.$/);
    expect(indicatorState({ sources: ['vde'] }, states, true).etat).toBe('reel');
  });

  it('a real source whose data hold nothing for the indicator makes it unavailable for that reason', async () => {
    await run('odt', 'fichier', 'succes', '2026-01-01T10:00:00.000Z');
    expect(indicatorState({ sources: ['odt'] }, await sourceStates(w), false)).toEqual({
      etat: 'indisponible',
      raison: 'Aucune donnée pour cet indicateur dans les données chargées (sources : odt).',
      derniere_tentative: null,
    });
  });
});

describe('published reasons', () => {
  it('carry no path of the operator’s machine, and keep web addresses', () => {
    expect(messagePublic("/srv/barometre/shared/realdata/anct n'est pas un fichier")).toBe("un fichier local n'est pas un fichier");
    expect(messagePublic('odt (C:\\Users\\op\\Bureau\\organisations.csv) : colonnes manquantes')).toBe('odt (un fichier local) : colonnes manquantes');
    expect(messagePublic("ENOENT: no such file or directory, open '/tmp/x/raw/odt/1.csv'")).toBe("ENOENT: no such file or directory, open 'un fichier local'");
    expect(messagePublic('a répondu 503 à https://www.data.gouv.fr/fr/datasets/r/551a41a5/ (1/3)')).toBe('a répondu 503 à https://www.data.gouv.fr/fr/datasets/r/551a41a5/ (1/3)');
  });

  it('a load that failed on a local path is published without it, in the state and in the indicator’s reason', async () => {
    await run('odt', 'fichier', 'succes', '2026-01-01T10:00:00.000Z');
    await run('ds', 'fichier', 'echec', '2026-01-02T10:00:00.000Z', "ds : /home/operateur/dossier-tres-reconnaissable/ds n'est pas un fichier");
    const states = await sourceStates(w);
    expect(JSON.stringify([...states.values()])).not.toContain('dossier-tres-reconnaissable');
    const state = indicatorState({ sources: ['ds'] }, states, false);
    expect(state.raison).toContain("le dernier chargement a échoué : ds : un fichier local n'est pas un fichier");
    expect(state.raison).not.toContain('/home/');
  });
});
