// The scorecard of the collectivité pages: which indicator shows each workstream, the shares, the obligation, the next
// step (lib/tableau-bord.ts); and the data files behind it: the `principal` and `obligation_depuis` columns of
// chantiers.csv, and data/referentiels/prochaines-etapes.csv.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, describe, expect, it } from 'vitest';
import { loadChantiers } from '../pipelines/referential/chantiers.ts';
import { dateEnMots } from '../pipelines/base/francais.ts';
import { loadProchainesEtapes, PROCHAINES_ETAPES_FILE } from '../pipelines/referential/prochaines-etapes.ts';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { principalOf, resolveChantiers, resolveProchainesEtapes } from '../indicators/chantiers-indicateurs.ts';
import { INDICATORS } from '../indicators/index.ts';
import { indicatorDefinitions } from '../indicators/exports.ts';
import { estObligee, lignesTableau, obligationTexte, tableauHtml } from '../site/lib/tableau-bord.ts';
import type { IndicateurResume, TauxResume, Valeur } from '../site/lib/territoires-texte.ts';

const dir = mkdtempSync(join(tmpdir(), 'tableau-bord-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NNBSP = '\u202f';

function resume(id: string, over: Partial<IndicateurResume> = {}): IndicateurResume {
  return {
    id,
    label: id,
    court: id,
    chantier: 'Chantier',
    mesure: 'mesuré sur toutes les collectivités',
    periode: '2025-S2',
    nature: 'binaire',
    selon: '',
    echelle: 'oui-non',
    date_donnees: '2025-12-31',
    methode_version: '1.0.0',
    sources: 'Source',
    chantier_id: 'c',
    chantier_court: 'Chantier',
    principal: false,
    obligation_depuis: null,
    obligees: [],
    etape: null,
    ...over,
  };
}
const valeur = (v: number | null, obligee = false): Valeur => ({
  valeur: v,
  rangStrate: 1,
  effectifStrate: 1,
  exaequoStrate: 1,
  percentileStrate: 100,
  rangDepartement: 1,
  effectifDepartement: 1,
  exaequoDepartement: 1,
  percentileDepartement: 100,
  obligee,
});
const taux = (a: number, n: number, ok = true): TauxResume => ({ t: a / n, n, a, ok });

describe('the scorecard rows', () => {
  const etape = { libelle: 'Publier sa Base Adresse Locale', url: 'https://example.org/bal', source: 'BAN' };
  const indicateurs = [
    resume('adresses-bal', { chantier_id: 'adresses', chantier_court: 'Adresses', etape }),
    resume('adresses-certifiees', { chantier_id: 'adresses', chantier_court: 'Adresses', principal: true }),
    resume('web-https', { chantier_id: 'presence', chantier_court: 'Présence numérique', principal: true }),
    resume('site-internet', { chantier_id: 'presence', chantier_court: 'Présence numérique' }),
    resume('ouverture-donnees', {
      chantier_id: 'od',
      chantier_court: 'Données ouvertes',
      principal: true,
      obligation_depuis: '2018-10-07',
      obligees: [{ type: 'commune', operateur: '>=', population: 3500 }, { type: 'epci', operateur: null, population: null }],
    }),
    resume('chantier-archivage', { chantier_id: 'archivage', chantier_court: 'Archivage', nature: 'enquete', echelle: 'categories' }),
  ];
  const valeurs: Record<string, Valeur> = {
    'adresses-bal': valeur(1),
    'adresses-certifiees': valeur(0),
    'site-internet': valeur(1),
    'ouverture-donnees': valeur(0),
  };
  const rates: Record<string, TauxResume> = {
    'adresses-certifiees|FR': taux(12, 42),
    'adresses-certifiees|35': taux(1, 1),
    'site-internet|FR': taux(40, 42),
    'ouverture-donnees|FR': taux(3, 42),
    'ouverture-donnees|35': taux(0, 1, false),
  };
  const lignes = (type: 'commune' | 'departement', population: number | null) =>
    lignesTableau({ type, indicateurs, valeur: (id) => valeurs[id], taux: (id, t) => rates[`${id}|${t}`], departement: '35', population });

  it('has one row per workstream with a value here, in the order of the indicators; none for a workstream without any', () => {
    expect(lignes('commune', 4000).map((l) => l.chantierId)).toEqual(['adresses', 'presence', 'od']);
  });

  it('shows the principal indicator when it has a value, else the first with one; the others are counted', () => {
    const [adresses, presence] = lignes('commune', 4000);
    expect(adresses!.indicateur.id).toBe('adresses-certifiees');
    expect(adresses!.autres.map((i) => i.id)).toEqual(['adresses-bal']);
    // web-https, the principal, has no value here (site not visited yet): site-internet shows the workstream.
    expect(presence!.indicateur.id).toBe('site-internet');
    expect(presence!.autres).toEqual([]);
  });

  it('gives the value in words, whether measured or declared, its semester, and the shares of its strate in France and in its département', () => {
    const [adresses] = lignes('commune', 4000);
    expect(adresses).toMatchObject({ valeur: 'non', atteinte: false, mesure: 'mesuré', periode: '2e semestre 2025' });
    expect(adresses!.strate).toBe(`28,6${NNBSP}% (12 sur 42)`);
    expect(adresses!.departement).toBe(`100,0${NNBSP}% (1 sur 1)`);
    // A withheld rate is never shown as a share.
    expect(lignes('commune', 4000)[2]!.departement).toBe('effectif insuffisant');
    // A département is compared nationally only.
    expect(lignes('departement', 1_000_000)[0]!.departement).toBeNull();
  });

  it('says the legal obligation from the workstream’s perimeter and date, and « non soumise » below the threshold', () => {
    expect(lignes('commune', 4000)[2]!.obligation).toBe('obligatoire depuis le 7 octobre 2018');
    expect(lignes('commune', 3499)[2]!.obligation).toBe('non soumise à l’obligation');
    // The indicator's own perimeter counts too (online filing of permits: every commune, the workstream's téléprocédure above 3 500).
    const parIndicateur = lignesTableau({ type: 'commune', indicateurs, valeur: (id) => (id === 'ouverture-donnees' ? valeur(0, true) : undefined), taux: () => undefined, departement: '35', population: 2000 });
    expect(parIndicateur[0]!.obligation).toBe('obligatoire depuis le 7 octobre 2018');
    expect(lignes('commune', 4000)[0]!.obligation).toBe('aucune obligation légale');
    expect(estObligee(indicateurs[4]!, 'epci', null)).toBe(true);
    expect(estObligee(indicateurs[4]!, 'commune', null)).toBe(false);
    expect(obligationTexte({ obligees: [{ type: 'epci', operateur: null, population: null }], obligation_depuis: null }, false, 'epci')).toBe('non soumis à l’obligation');
    expect(obligationTexte({ obligees: [{ type: 'commune', operateur: null, population: null }], obligation_depuis: '2022-01-01' }, true, 'commune')).toBe('obligatoire depuis le 1er janvier 2022');
  });

  it('links the next step of the indicator it shows, from the data file, and nothing when there is none', () => {
    const [adresses, presence] = lignes('commune', 4000);
    expect(adresses!.etape).toBeNull();
    const withStep = lignesTableau({ type: 'commune', indicateurs, valeur: (id) => (id === 'adresses-bal' ? valeur(0) : undefined), taux: () => undefined, departement: '35', population: 10 });
    expect(withStep[0]!.etape).toEqual(etape);
    expect(withStep[0]!.strate).toBe('pas de donnée');
    expect(presence!.etape).toBeNull();
  });

  it('writes a table whose cells keep their roles when a phone lays them out as cards, with every text escaped', () => {
    const html = tableauHtml(lignesTableau({ type: 'commune', indicateurs, valeur: (id) => (id === 'adresses-bal' ? valeur(0) : undefined), taux: () => undefined, departement: '35', population: 10 }), {
      nom: 'Saint-<Malo> & co',
      type: 'commune',
      groupe: 'communes de 20 000 à 49 999 habitants',
    });
    expect(html).toContain('Saint-&lt;Malo&gt; &amp; co chantier par chantier');
    expect(html).toMatch(/<table role="table">/);
    expect(html.match(/role="columnheader"/g)).toHaveLength(6);
    expect(html).toContain('<th role="rowheader" scope="row"><a href="#indicateur-adresses-bal">Adresses</a></th>');
    expect(html).toContain('<a href="https://example.org/bal" rel="external">Publier sa Base Adresse Locale</a>');
    // Without a département column for a département.
    const dep = tableauHtml([], { nom: 'Ille-et-Vilaine', type: 'departement', groupe: 'départements' });
    expect(dep.match(/role="columnheader"/g)).toHaveLength(5);
  });
});

describe('the workstreams’ principal indicator and obligation date (chantiers.csv)', () => {
  const header = 'id,libelle,axe,concernees,obligees,base_legale,obligation_depuis,indicateurs,principal';
  const write = (rows: string[]) => {
    const path = join(dir, `chantiers-${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(path, [header, ...rows].join('\n'));
    return path;
  };

  it('reads them, and writes an ISO date in words as legal texts do', () => {
    const [c] = loadChantiers(write(['x,X,socle-commun,commune,commune,"Loi : à compter du 1er janvier 2022.",2022-01-01,chantier-x;web-a,web-a']));
    expect(c).toMatchObject({ principal: 'web-a', obligation_depuis: '2022-01-01' });
    expect(dateEnMots('2020-08-07')).toBe('7 août 2020');
  });

  it('refuses a principal indicator the row does not list, a date its legal text does not state, a date without obligation, a bad date', () => {
    expect(() => loadChantiers(write(['x,X,socle-commun,commune,,,,chantier-x,web-z']))).toThrow(/principal « web-z » n'est pas dans la colonne indicateurs/);
    expect(() => loadChantiers(write(['x,X,socle-commun,commune,commune,"Loi de 2016.",2018-10-07,chantier-x,']))).toThrow(/7 octobre 2018.*n'apparaît pas dans la base légale/);
    expect(() => loadChantiers(write(['x,X,socle-commun,commune,,"Loi.",2018-10-07,chantier-x,']))).toThrow(/sans obligées/);
    expect(() => loadChantiers(write(['x,X,socle-commun,commune,commune,"Loi.",2018-02-30,chantier-x,']))).toThrow(/date d'obligation « 2018-02-30 » invalide/);
  });

  it('refuses a principal that a family names but the registry does not know', () => {
    const [c] = loadChantiers(write(['x,X,socle-commun,commune,,,,service-*,service-inconnu']));
    expect(() => resolveChantiers([c!])).toThrow(/service-inconnu \(indicateur principal du chantier x\)/);
  });

  it('the committed file: every principal is one of its workstream’s indicators, and every workstream under an obligation has its date', () => {
    const { chantiers } = resolveChantiers();
    for (const c of chantiers) {
      const p = principalOf(c);
      if (c.indicateurs.length > 0) expect(c.indicateurs.map((i) => i.id), c.chantier.id).toContain(p);
      if (c.chantier.obligees.length > 0) expect(c.chantier.obligation_depuis, c.chantier.id).not.toBeNull();
    }
  });
});

describe('the next steps (data/referentiels/prochaines-etapes.csv)', () => {
  const write = (text: string) => {
    const path = join(dir, `etapes-${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(path, text);
    return path;
  };

  it('refuses a missing column, a duplicate, an address that is not https, an empty source', () => {
    expect(() => loadProchainesEtapes(write('indicateur,libelle,adresse\nx,X,https://a.fr/\n'))).toThrow(/colonnes manquantes url, source/);
    expect(() => loadProchainesEtapes(write('indicateur,libelle,url,source\nx,X,https://a.fr/,S\nx,Y,https://b.fr/,S\n'))).toThrow(/ligne 3 : l'indicateur « x » a déjà une prochaine étape/);
    expect(() => loadProchainesEtapes(write('indicateur,libelle,url,source\nx,X,http://a.fr/,S\n'))).toThrow(/adresse « http:\/\/a.fr\/ » invalide/);
    expect(() => loadProchainesEtapes(write('indicateur,libelle,url,source\nx,X,https://a.fr/,\n'))).toThrow(/source vide/);
  });

  it('resolves ids and families against the registry (an id’s own row wins) and refuses an unknown indicator', () => {
    const etapes = resolveProchainesEtapes([
      { indicateur: 'web-*', libelle: 'Famille', url: 'https://a.fr/', source: 'S' },
      { indicateur: 'web-https', libelle: 'Le sien', url: 'https://b.fr/', source: 'S' },
    ]);
    expect(etapes.get('web-https')?.libelle).toBe('Le sien');
    expect(etapes.get('web-contact')?.libelle).toBe('Famille');
    expect(() => resolveProchainesEtapes([{ indicateur: 'inconnu', libelle: 'X', url: 'https://a.fr/', source: 'S' }])).toThrow(/indicateur inconnu du registre : inconnu/);
  });

  it('the committed file loads, names only known indicators, and the definitions export carries each step', () => {
    const rows = Papa.parse<Record<string, string>>(readFileSync(join(PROJECT_ROOT, PROCHAINES_ETAPES_FILE), 'utf8'), { header: true, skipEmptyLines: true }).data;
    expect(loadProchainesEtapes()).toHaveLength(rows.length);
    const defs = new Map(indicatorDefinitions().map((d) => [d.id, d]));
    for (const r of rows) {
      for (const i of INDICATORS.filter((x) => x.id === r.indicateur)) expect(defs.get(i.id)!.prochaine_etape, i.id).toEqual({ libelle: r.libelle, url: r.url, source: r.source });
    }
    // The workstreams a collectivité can act on have a step for their principal indicator.
    for (const id of ['adresses-bal', 'marches-donnees-essentielles', 'ouverture-donnees', 'web-declaration-accessibilite', 'web-actes-en-ligne', 'web-urbanisme-en-ligne', 'web-franceconnect']) {
      expect(defs.get(id)!.prochaine_etape, id).not.toBeNull();
    }
  });
});
