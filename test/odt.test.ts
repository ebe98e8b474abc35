import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { referential } from '../pipelines/referential/referential.ts';
import { prepareOdt } from '../pipelines/sources/odt.ts';

const ref = referential();
const ctx = { referential: ref, dataDate: '2021-04-09', origin: 'test', runId: 'run-1' };
const fixture = readFileSync(resolve(PROJECT_ROOT, 'test/fixtures/odt/organisations.csv'));
const HEADER = 'siren,nom,type,regcode,url-ptf,nb-ptf,url-datagouv,nb-datagouv,id-datagouv,id-ods,pop-insee,lat,long,merge,depcode';
const csv = (...lines: string[]) => new TextEncoder().encode([HEADER, ...lines].join('\n') + '\n');

describe('odt on its fixture (hand-checkable)', () => {
  const p = prepareOdt(fixture, ctx);
  const rows = p.tables.odt_organisations!;
  const byName = (nom: string) => rows.find((r) => r.nom === nom)!;

  it('reads 23 rows: 20 loaded, 3 rejected', () => {
    expect([p.rowsIn, p.rowsLoaded, p.rejects.length]).toEqual([23, 20, 3]);
  });

  it('matches communes by SIREN, then through the merged-commune history', () => {
    expect(byName('RENNES')).toMatchObject({ categorie: 'commune', code: '35238', rapprochement: 'siren', publie: true });
    expect(byName('CHEMERE')).toMatchObject({ code: '44005', rapprochement: 'historique' });
  });

  it('counts a collectivité with zero datasets as not publishing', () => {
    expect(byName('MORLAIX')).toMatchObject({ code: '29151', publie: false, nb_datagouv: 0 });
  });

  it('resolves a successor EPCI through the correspondence file', () => {
    expect(byName('METROPOLE EUROPEENNE DE LILLE')).toMatchObject({ categorie: 'epci', code: '200093201', rapprochement: 'correspondance' });
  });

  it('pads a one-digit depcode and reads the région code in regcode', () => {
    expect(byName('ARIEGE')).toMatchObject({ categorie: 'departement', code: '09' });
    expect(byName('REGION BRETAGNE')).toMatchObject({ categorie: 'region', code: '53' });
  });

  it('keeps non-collectivités and EPT as such, outside the barometer', () => {
    expect(byName('ADEUPa')).toMatchObject({ categorie: 'hors-collectivite', code: null });
    expect(byName('PLAINE COMMUNE')).toMatchObject({ categorie: 'ept', code: '200057867' });
  });

  it('reports overseas collectivities as "hors périmètre" and duplicates as such, with their line', () => {
    expect(p.rejects).toEqual([
      { ligne: 11, identifiant: '200012508', motif: expect.stringMatching(/^hors périmètre : commune de Nouvelle-Calédonie/) },
      { ligne: 16, identifiant: '243500782', motif: 'doublon : même organisation que la ligne 15 (epci 243500782), comptée une fois' },
      { ligne: 22, identifiant: '200012516', motif: expect.stringMatching(/^hors périmètre : PROVINCE SUD/) },
    ]);
  });

  it('counts a duplicate once, with the larger dataset counts of the two rows', () => {
    const malo = rows.filter((r) => r.code === '243500782');
    expect(malo).toHaveLength(1);
    expect(malo[0]).toMatchObject({ nb_ptf: 11, nb_datagouv: 8, publie: true });
  });
});

describe('odt on bad input', () => {
  it('strips invisible marks around a SIREN (as found in the real file)', () => {
    const p = prepareOdt(csv('\u200e213502388,RENNES,COM,BRE-53,,4,,,,,,,,ptf,35'), ctx);
    expect(p.tables.odt_organisations![0]).toMatchObject({ siren: '213502388', code: '35238' });
  });

  it('rejects an unknown type, a malformed SIREN, a negative or non-numeric count, each with its reason', () => {
    const p = prepareOdt(
      csv(
        '213502388,RENNES,VILLE,BRE-53,,4,,,,,,,,ptf,35',
        '21350238,RENNES,COM,BRE-53,,4,,,,,,,,ptf,35',
        '213502388,RENNES,COM,BRE-53,,-4,,,,,,,,ptf,35',
        '213502388,RENNES,COM,BRE-53,,beaucoup,,,,,,,,ptf,35',
        '213502388,RENNES,COM,BRE-53,,4,,,,,,,,ptf,35',
      ),
      ctx,
    );
    expect(p.rejects.map((r) => [r.ligne, r.motif])).toEqual([
      [2, expect.stringMatching(/type « VILLE » inconnu/)],
      [3, 'SIREN invalide « 21350238 » (9 chiffres attendus)'],
      [4, 'nb-ptf n\'est pas un nombre entier positif : « -4 »'],
      [5, 'nb-ptf n\'est pas un nombre entier positif : « beaucoup »'],
    ]);
    expect(p.rowsLoaded).toBe(1);
  });

  it('rejects a commune it cannot find, saying what it looked for', () => {
    const p = prepareOdt(csv('999999999,VILLENOUVELLE-SUR-RIEN,COM,BRE-53,,4,,,,,,,,ptf,35'), ctx);
    expect(p.rejects[0]!.motif).toBe('commune introuvable : SIREN 999999999 inconnu et nom « VILLENOUVELLE-SUR-RIEN » absent du département 35');
  });

  it('fails on a missing column, naming the names it looked for and the columns found', () => {
    const bytes = new TextEncoder().encode('siren,nom,type,regcode,depcode,nb-ptf\n1,x,COM,BRE-53,35,1\n');
    expect(() => prepareOdt(bytes, ctx)).toThrow(/colonne obligatoire absente : « nb-datagouv »\. Colonnes trouvées : « siren », « nom »/);
    const noSiren = new TextEncoder().encode('identifiant,nom,type\n213502388,RENNES,COM\n');
    expect(() => prepareOdt(noSiren, ctx)).toThrow(/colonne obligatoire absente : « siren »\. Colonnes trouvées : « identifiant », « nom », « type »/);
  });

  it('reads the same file saved with ";" and Windows-1252 by a spreadsheet', () => {
    const text = readFileSync(resolve(PROJECT_ROOT, 'test/fixtures/odt/organisations.csv'), 'utf8')
      .split('\n')
      .map((l) => l.replaceAll(',', ';'))
      .join('\r\n');
    // Only Latin-1 characters in the fixture: one byte each in Windows-1252.
    const bytes = Uint8Array.from([...text].map((c) => c.charCodeAt(0)));
    const p = prepareOdt(bytes, ctx);
    expect([p.rowsIn, p.rowsLoaded, p.rejects.length]).toEqual([23, 20, 3]);
  });
});
