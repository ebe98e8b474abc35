import { Writable } from 'node:stream';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../commands/cli.ts';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { scratch } from './helpers/env.ts';

const tmp = scratch();
afterAll(tmp.cleanup);

function sink() {
  let text = '';
  const stream = new Writable({ write(chunk, _enc, cb) { text += chunk; cb(); } });
  return { stream, text: () => text };
}

async function cli(args: string[], dataDir = tmp.dir) {
  const out = sink();
  const err = sink();
  const code = await main(args, { stdout: out.stream, stderr: err.stream, env: { BAROMETRE_DATA_DIR: dataDir, CI: 'true' } });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('barometre (command line)', () => {
  it('pull --offline loads the fixture and exits 0', async () => {
    const r = await cli(['pull', 'odt', '--offline']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("odt : 20 lignes chargées, 3 rejetées sur 23 (données du 2021-04-09 — date du jeu d'exemple ; jeu d'exemple).");
  });

  it('status --json lists every source with the contract columns', async () => {
    const r = await cli(['status', '--json']);
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(Object.keys(status[0]!)).toEqual([
      'source', 'run_id', 'status', 'started_at', 'finished_at', 'rows_in', 'rows_loaded', 'rows_rejected', 'raw_sha256', 'error',
      // The volume guard's figures, and the load awaiting --accept-drop.
      'rows_counted', 'rows_expected', 'matched', 'matched_expected', 'compared_with', 'suspect_run_id',
    ]);
    // A sample load is never judged: its figures are read, nothing is expected of it.
    expect(status.find((s) => s.source === 'odt')).toMatchObject({ status: 'succes', rows_in: 23, rows_loaded: 20, rows_rejected: 3, error: null, rows_expected: null, compared_with: null, suspect_run_id: null });
  });

  it('compute writes the exports with the contract header', async () => {
    const r = await cli(['compute']);
    expect(r.code).toBe(0);
    const { readFileSync } = await import('node:fs');
    const header = readFileSync(join(tmp.dir, 'exports', 'barometre.csv'), 'utf8').split('\n')[0];
    expect(header).toBe(
      'indicateur,periode,niveau,territoire,type_collectivite,strate,nature,concernees,atteintes,taux,population_concernee,population_atteinte,source,date_donnees,methode_version,ic_bas,ic_haut,taux_population,valeur_mediane,statut,obligation,edition,rupture_serie',
    );
    expect(readFileSync(join(tmp.dir, 'exports', 'rejets.csv'), 'utf8').split('\n')[0]).toBe('source,run_id,ligne,identifiant,motif');
  });

  it('exits 2 on an unknown source or a bad date (usage), 1 on a missing file, each with a clear message', async () => {
    const unknown = await cli(['pull', 'inconnue']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Source inconnue « inconnue »');
    const missing = await cli(['pull', 'odt', '--from', join(tmp.dir, 'absent.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Fichier introuvable.*Les données précédentes sont conservées/);
    const badDate = await cli(['pull', 'odt', '--from', resolve(PROJECT_ROOT, 'test/fixtures/odt/organisations.csv'), '--date', '2021-13-01']);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toContain('Date invalide « 2021-13-01 »');
  });

  it('shows its usage on an unknown command or option, with exit code 2', async () => {
    expect((await cli(['fly'])).code).toBe(2);
    const bad = await cli(['pull', '--frm', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Utilisation');
  });
});
