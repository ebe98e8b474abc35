import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { proceduresExportTables, sqlContinuiteProcedures, sqlEvolutionProcedures, sqlObjectifsParEdition } from '../indicators/procedures.ts';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { memoryLogger } from '../pipelines/base/log.ts';
import { pullSource } from '../pipelines/sources/pull.ts';
import type { Row } from '../pipelines/base/warehouse.ts';
import { Warehouse } from '../pipelines/base/warehouse.ts';
import { prepareVde, vde } from '../pipelines/sources/vde.ts';
import { CSV_COLUMNS } from '../pipelines/sources/vde-csv.ts';
import { ANCIENNES_PATH, definitionsAnciennes, loadDefinitionsAnciennes, slugDate } from '../pipelines/sources/vde-anciennes.ts';
import { cleDemarche, evaluerCellule, loadVdeDefinitions, titreNormaliseObservatoire, vdeDefinitions } from '../pipelines/sources/vde-definitions.ts';
import { compileGlob, loadDemarchesPartagees, niveauCollectivite } from '../pipelines/sources/vde-partagees.ts';
import { HAS_REALDATA, REALDATA, scratch, testConfig } from './helpers/env.ts';
import { scriptedServer, type Handler, type ScriptedServer } from './helpers/server.ts';

const JSON_FIXTURE = resolve(PROJECT_ROOT, 'test/fixtures/vde/observatoire.json');
const CSV_FIXTURE = resolve(PROJECT_ROOT, 'test/fixtures/vde/demarches.csv');
const E_AVRIL = '6613c0a5f1d2e3b4a5c60002';
const E_JANVIER = '65a7b2c3d4e5f60718290001';
const ctx = { referential: null as never, dataDate: '2024-06-30', origin: 'test', runId: 'run-1' };
const enc = (s: string) => new TextEncoder().encode(s);
const tmp = scratch();
afterAll(tmp.cleanup);

function find(rows: Row[], match: Record<string, unknown>): Row {
  const found = rows.filter((r) => Object.entries(match).every(([k, v]) => r[k] === v));
  if (found.length !== 1) throw new Error(`${found.length} lignes pour ${JSON.stringify(match)}`);
  return found[0]!;
}

describe('vde on the assembled JSON fixture (two editions of today, two of 2019–2022)', () => {
  const p = prepareVde(readFileSync(JSON_FIXTURE), ctx);
  const procs = p.tables.vde_procedures!;
  const vals = p.tables.vde_valeurs!;
  const val = (edition: string, titre: string, indicateur: string) => find(vals, { edition_id: edition, titre_normalise: titre, indicateur });

  it('reads 12 + 10 procedures: 19 loaded, 3 rejected (the draft without an edition, served with each edition; an old mark out of range)', () => {
    expect([p.rowsIn, p.rowsLoaded, p.rejects.length]).toEqual([22, 19, 3]);
    expect(p.rejects).toEqual([
      { ligne: 6, identifiant: '000000000000000000d0a1f7', motif: expect.stringMatching(/^démarche sans édition \(editionId vide\)/) },
      { ligne: 12, identifiant: '000000000000000000d0a1f7', motif: expect.stringMatching(/^démarche sans édition/) },
      // Old procedures are numbered after today's: the 10th of « old_procedures » is line 22.
      { ligne: 22, identifiant: 'Demarches.Demarche116', motif: 'satisfactionIndex_value : valeur hors limites « 82 » (attendu : entre 0 et 10)' },
    ]);
    // 10 procedures of today × 12 indicators; 9 old ones × (6 of today's indicators + 4 old series).
    expect(vals).toHaveLength(10 * 12 + 9 * 10);
  });

  it('dates each edition by its end in the Paris calendar (2024-03-30T23:00Z is 31 March), the file by its latest edition', () => {
    expect(p.tables.vde_editions).toEqual([
      expect.objectContaining({ date_donnees: '2024-03-31', edition_id: E_AVRIL, nom: 'Avril 2024', debut: '2024-01-01', fin: '2024-03-31', version: '2', nb_procedures: 5, methode: 'vde-2023' }),
      expect.objectContaining({ date_donnees: '2023-12-31', edition_id: E_JANVIER, nom: 'Janvier 2024', debut: '2023-10-01', fin: '2023-12-31', nb_procedures: 5, methode: 'vde-2023' }),
      expect.objectContaining({ date_donnees: '2019-06-30', edition_id: '2019-juin', nom: 'Juin 2019', debut: null, fin: '2019-06-30', nb_procedures: 4, methode: 'observatoire-2019' }),
      expect.objectContaining({ date_donnees: '2022-10-31', edition_id: '2022-octobre', nom: 'Octobre 2022', debut: null, fin: '2022-10-31', nb_procedures: 5, methode: 'observatoire-2019' }),
    ]);
    expect(p.dataDate).toBe('2024-03-31');
    expect(new Set(procs.filter((r) => r.edition_id === E_JANVIER).map((r) => r.date_donnees))).toEqual(new Set(['2023-12-31']));
  });

  it('keeps special values as their status, never as 0 nor as a missed goal', () => {
    expect(val(E_AVRIL, 'demande d acte de naissance', 'satisfaction')).toMatchObject({ valeur_texte: 'À venir', valeur_nombre: null, niveau: 'À venir', couleur: 'gray', objectif_atteint: null, statut_special: 'À venir' });
    expect(val(E_AVRIL, 'demande d acte de naissance', 'simplicity')).toMatchObject({ valeur_nombre: null, statut_special: "Nombre d'avis insuffisant", libelle: 'Nombre d’avis insuffisants' });
    expect(val(E_AVRIL, 'demande d acte de naissance', 'help_used')).toMatchObject({ valeur_texte: null, valeur_nombre: null, libelle: null, statut_special: 'Non renseigné' });
    expect(val(E_JANVIER, 'pre plainte en ligne', 'dlnuf')).toMatchObject({ statut_special: 'Non applicable', objectif_atteint: null });
    const specials = vals.filter((v) => v.statut_special !== null && (v.edition_id === E_AVRIL || v.edition_id === E_JANVIER));
    expect(specials).toHaveLength(35); // 14 in April, 21 in January (the APA was not yet measured)
    expect(specials.every((v) => v.valeur_nombre === null && v.objectif_atteint === null)).toBe(true);
  });

  it('stores rates as fractions whether the edition publishes them in percent (recent) or in fractions (older)', () => {
    expect(val(E_AVRIL, 'declaration de revenus', 'handicap')).toMatchObject({ valeur_texte: '78', valeur_nombre: 0.78, niveau: 'Partiel', unite: 'fraction' });
    expect(val(E_JANVIER, 'declaration de revenus', 'handicap')).toMatchObject({ valeur_texte: '0.78', valeur_nombre: 0.78, niveau: 'Partiel' });
    expect(val(E_AVRIL, 'declaration de revenus', 'uptime')).toMatchObject({ valeur_nombre: 0.9995, niveau: 'Optimal', objectif_atteint: true });
    expect(p.notes).toContain(`édition ${E_JANVIER} : taux publiés en fractions (0–1) et non en pourcentage.`);
  });

  it('takes the published colour and goal, and computes the goal from the thresholds when an older edition has none', () => {
    expect(val(E_AVRIL, 'declaration de revenus', 'satisfaction')).toMatchObject({ valeur_nombre: 8.1, niveau: 'Très bien', libelle: '8.1 / 10', couleur: 'green', objectif_atteint: true });
    expect(val(E_JANVIER, 'declaration de revenus', 'satisfaction')).toMatchObject({ valeur_nombre: 7.8, niveau: 'Insuffisant', couleur: 'yellow', objectif_atteint: false });
    expect(val(E_JANVIER, 'inscription sur les listes electorales', 'satisfaction')).toMatchObject({ niveau: 'Très bien', objectif_atteint: true });
    // An indicator without a goal in the observatory's definitions has none here either, even if the API says false.
    expect(val(E_AVRIL, 'declaration de revenus', 'online')).toMatchObject({ valeur_texte: 'Oui', niveau: 'Oui', objectif_atteint: null });
    expect(val(E_AVRIL, 'demande de logement social', 'handicap')).toMatchObject({ valeur_texte: 'Non', valeur_nombre: null, niveau: 'Non', objectif_atteint: false });
  });

  it('keeps the identity of a procedure whose title changed case or accents between editions', () => {
    const apa = procs.filter((r) => r.titre_normalise === 'demande d allocation personnalisee d autonomie apa');
    expect(apa.map((r) => [r.edition_id, r.titre, r.titre_normalise_observatoire])).toEqual([
      [E_AVRIL, "Demande d'allocation personnalisée d'autonomie (APA)", "Demande d'allocation personnalisee d'autonomie (APA)"],
      [E_JANVIER, "Demande d'Allocation Personnalisée d'Autonomie (APA)", "Demande d'Allocation Personnalisee d'Autonomie (APA)"],
      // The same key in the editions of the old API: the procedure is followed from 2019.
      ['2019-juin', "Demande d'allocation personnalisée d'autonomie (APA)", "Demande d'allocation personnalisee d'autonomie (APA)"],
      ['2022-octobre', "Demande d'allocation personnalisée d'autonomie (APA)", "Demande d'allocation personnalisee d'autonomie (APA)"],
    ]);
    expect(procs.filter((r) => r.titre_normalise === 'inscription sur les listes electorales').map((r) => r.titre)).toEqual(['Inscription sur les listes électorales', 'Inscription sur les listes electorales', 'Inscription sur les listes électorales', 'Inscription sur les listes électorales']);
  });

  it('marks the procedures shared with collectivités, and leaves State-only ones empty', () => {
    const level = (titre: string) => [...new Set(procs.filter((r) => r.titre_normalise === titre).map((r) => r.niveau_collectivite))];
    expect(level('demande d acte de naissance')).toEqual(['commune']);
    expect(level('inscription sur les listes electorales')).toEqual(['commune']);
    expect(level('demande de logement social')).toEqual(['commune|epci']);
    expect(level('demande d allocation personnalisee d autonomie apa')).toEqual(['departement']);
    expect(level('declaration de revenus')).toEqual([null]);
    expect(level('pre plainte en ligne')).toEqual([null]);
  });

  it('keeps the link of the online procedure, the ministry, the administration and the volume', () => {
    expect(find(procs, { edition_id: E_AVRIL, titre_normalise: 'declaration de revenus' })).toMatchObject({
      lien: 'https://www.impots.gouv.fr/accueil',
      volume: 39000000,
      administration_centrale: 'DGFiP',
      procedure_id: '00000000000000000009e0c1',
      ligne: 1,
    });
  });
});

describe('vde on the CSV source table (one edition, dated by --date)', () => {
  const p = prepareVde(readFileSync(CSV_FIXTURE), ctx);
  const procs = p.tables.vde_procedures!;
  const val = (titre: string, indicateur: string) => find(p.tables.vde_valeurs!, { titre_normalise: titre, indicateur });

  it('reads 7 rows, all loaded, into one edition named after the date', () => {
    expect([p.rowsIn, p.rowsLoaded, p.rejects.length, p.dataDate]).toEqual([7, 7, 0, '2024-06-30']);
    expect(p.tables.vde_editions).toEqual([expect.objectContaining({ edition_id: 'csv-2024-06-30', date_donnees: '2024-06-30', fin: '2024-06-30', nom: null, nb_procedures: 7 })]);
  });

  it('cleans titles as the observatory does (📄 removed) and finds the same identity as in the JSON (upper case)', () => {
    expect(procs.map((r) => r.titre_normalise)).toContain('demande d acte de naissance');
    expect(find(procs, { titre_normalise: 'demande d acte de naissance' }).titre).toBe("Demande d'acte de naissance");
    expect(find(procs, { titre_normalise: 'demande d allocation personnalisee d autonomie apa' })).toMatchObject({ titre: "DEMANDE D'ALLOCATION PERSONNALISÉE D'AUTONOMIE (APA)", niveau_collectivite: 'departement' });
    expect(find(procs, { titre_normalise: 'demande de permis de construire' }).niveau_collectivite).toBe('commune|epci');
    expect(find(procs, { titre_normalise: 'demande de certificat d immatriculation' }).niveau_collectivite).toBeNull();
  });

  it('assigns levels with inclusive lower thresholds: 70 % reachable is « Insuffisant », 99.9 % uptime and 399 ms are « Optimal »', () => {
    expect(val('demande de logement social', 'help_reachable')).toMatchObject({ valeur_nombre: 0.7, niveau: 'Insuffisant', libelle: '70 %', couleur: 'yellow', objectif_atteint: false });
    expect(val('demande de logement social', 'help_efficient')).toMatchObject({ valeur_nombre: 5, niveau: 'Insuffisant', libelle: '5.0 / 10' });
    expect(val('demande de logement social', 'uptime')).toMatchObject({ valeur_nombre: 0.999, niveau: 'Optimal', objectif_atteint: true });
    expect(val('demande de logement social', 'performance')).toMatchObject({ valeur_nombre: 399, niveau: 'Optimal', objectif_atteint: true });
    expect(val('demande de logement social', 'auth')).toMatchObject({ niveau: 'FranceConnect +', couleur: 'blue', objectif_atteint: true });
    expect(val('demande d acte de naissance', 'handicap')).toMatchObject({ valeur_nombre: 1, niveau: 'Oui', objectif_atteint: true });
  });

  it('keeps special values and empty cells as statuses, never as 0', () => {
    expect(val('demande d acte de naissance', 'satisfaction')).toMatchObject({ valeur_nombre: null, statut_special: "Nombre d'avis insuffisant", objectif_atteint: null });
    expect(val('demande d allocation personnalisee d autonomie apa', 'handicap')).toMatchObject({ valeur_texte: null, valeur_nombre: null, statut_special: 'Non renseigné', objectif_atteint: null });
    expect(val('demande d allocation personnalisee d autonomie apa', 'auth')).toMatchObject({ statut_special: 'Non applicable', couleur: 'gray' });
  });
});

describe('vde levels and identities', () => {
  const defs = vdeDefinitions();
  const ind = (slug: string) => defs.indicateurs.find((i) => i.slug === slug)!;
  const level = (slug: string, cell: string) => {
    const r = evaluerCellule(ind(slug), cell);
    return 'ok' in r ? r.ok.niveau : r.erreur;
  };

  it('carries the 12 indicators of the observatory, one per column of its source table, with their source cited', () => {
    expect(defs.indicateurs.map((i) => i.slug)).toEqual(['online', 'satisfaction', 'handicap', 'dlnuf', 'usage', 'simplicity', 'help_reachable', 'help_efficient', 'help_used', 'uptime', 'performance', 'auth']);
    expect(defs.indicateurs.map((i) => i.colonne_csv).sort()).toEqual(CSV_COLUMNS.slice(5).sort());
    expect(defs._provenance).toMatchObject({ depot: 'https://github.com/DISIC/observatoire.numerique.gouv.fr', commit: '1d4ea5ba68ad7ffc00068b7f8d57bbf836f6abca' });
  });

  it('takes the highest threshold at most the value: satisfaction 8 is « Très bien », 7.99 « Insuffisant »; DLNUF 1, 2, 5 are « Optimal », « Partiel », « Faible »', () => {
    expect([level('satisfaction', '8'), level('satisfaction', '7.99'), level('satisfaction', '4.9')]).toEqual(['Très bien', 'Insuffisant', 'Critique']);
    expect([level('dlnuf', '1'), level('dlnuf', '2'), level('dlnuf', '5')]).toEqual(['Optimal', 'Partiel', 'Faible']);
    expect([level('performance', '400'), level('performance', '800')]).toEqual(['Partiel', 'Faible']);
  });

  it('rounds a rate to the tenth of a percent before comparing, as the observatory does (99.89 % uptime is « Optimal »)', () => {
    expect(level('uptime', '0.9989')).toBe('Optimal');
    expect(level('uptime', '0.9984')).toBe('Partiel');
  });

  it('reads level labels whatever their case, accents and spaces, and reads French decimals', () => {
    expect([level('auth', 'franceconnect+'), level('online', 'deploiement local'), level('satisfaction', '8,2'), level('satisfaction', 'a venir')]).toEqual(['FranceConnect +', 'En cours de déploiement local', 'Très bien', 'À venir']);
  });

  it('normalises a title to one key: lower case, no accents, no punctuation, one space; the observatory keeps case and punctuation', () => {
    expect(cleDemarche("📄  Demande d’Allocation Personnalisée d'Autonomie (APA) ")).toBe('demande d allocation personnalisee d autonomie apa');
    expect(cleDemarche('Déclaration de revenus – œuvre #2')).toBe('declaration de revenus oeuvre 2');
    expect(titreNormaliseObservatoire("# Demande d'Allocation Personnalisée")).toBe("Demande d'Allocation Personnalisee");
  });

  it('fails loudly on a broken definitions file, naming the indicator', () => {
    const bad = JSON.parse(readFileSync(resolve(PROJECT_ROOT, 'data/referentiels/vde-indicateurs.json'), 'utf8'));
    bad.indicateurs[1].niveaux[0].couleur = 'violet';
    const path = join(tmp.dir, 'vde-indicateurs.json');
    writeFileSync(path, JSON.stringify(bad));
    expect(() => loadVdeDefinitions(path)).toThrow(/satisfaction : couleur « violet » inconnue/);
  });
});

describe('vde shared procedures (data/referentiels/demarches-partagees.csv)', () => {
  const level = (title: string) => niveauCollectivite(cleDemarche(title))?.niveau ?? null;

  it('matches the observatory-style titles of well-known shared procedures', () => {
    expect(level("Demande d'acte de naissance")).toBe('commune');
    expect(level("Demande de copie intégrale d'acte de mariage")).toBe('commune');
    expect(level('Pré-demande de carte nationale d’identité (CNI)')).toBe('commune');
    expect(level('Demande de passeport')).toBe('commune');
    expect(level('Demande de duplicata de livret de famille')).toBe('commune');
    expect(level('Recensement citoyen obligatoire')).toBe('commune');
    expect(level("Demande d'autorisation d'urbanisme")).toBe('commune|epci');
    expect(level('Déclaration préalable de travaux')).toBe('commune|epci');
    expect(level('Demande de RSA')).toBe('departement');
    expect(level('Demande de PCH auprès de la MDPH')).toBe('departement');
    expect(level('Inscription au transport scolaire')).toBe('region');
  });

  it('leaves State-only look-alikes alone: consular lists, the « passeport talent », births abroad, vehicle registration', () => {
    expect(level('Inscription sur les listes électorales consulaires')).toBeNull();
    expect(level('Demande de titre de séjour « passeport talent »')).toBeNull();
    expect(level("Demande d'acte de naissance pour les Français nés à l'étranger")).toBeNull();
    expect(level("Demande de certificat d'immatriculation")).toBeNull();
    expect(level('Demande de rapatriement')).toBeNull();
  });

  it('reads « * » as any text, normalised like titles, a space next to it meaning a word boundary', () => {
    expect(compileGlob("*Livret de Famille*").test(' demande de livret de famille ')).toBe(true);
    expect(compileGlob('* apa *').test(' demande d apa ')).toBe(true);
    expect(compileGlob('* apa *').test(' rapatriement ')).toBe(false);
    expect(compileGlob('Demande de passeport').test(' demande de passeport ')).toBe(true);
    expect(compileGlob('Demande de passeport').test(' pre demande de passeport ')).toBe(false);
  });

  it('fails on an unknown level or a broken pattern, with its line', () => {
    const path = join(tmp.dir, 'partagees.csv');
    writeFileSync(path, 'motif,niveau_collectivite,note\n*acte*,commune,ok\n*passeport*,mairie,pourquoi\n');
    expect(() => loadDemarchesPartagees(path)).toThrow(/ligne 3 : niveau « mairie » inconnu \(attendu : commune, epci, departement, region/);
    writeFileSync(path, 'motif,niveau_collectivite,note\nre:(acte,commune,ok\n');
    expect(() => loadDemarchesPartagees(path)).toThrow(/ligne 2 : expression régulière invalide « \(acte »/);
  });
});

describe('vde on bad input', () => {
  const HEADER = CSV_COLUMNS.join(',');
  const GOOD = 'Demande de passeport,Intérieur,ANTS,ANTS,1000,Oui,8,8,0.9,8,0.1,0.999,300,1,0,0.9,FranceConnect';
  const csv = (...lines: string[]) => enc([HEADER, ...lines].join('\n') + '\n');

  it('fails on missing or renamed columns, naming each of them and the columns found', () => {
    const header = CSV_COLUMNS.filter((c) => c !== 'FranceConnect').map((c) => (c === 'Note_Satisfaction' ? 'Satisfaction' : c)).join(',');
    expect(() => prepareVde(enc(`${header}\nx\n`), ctx)).toThrow(/colonnes obligatoires absentes : « Note_Satisfaction », « FranceConnect »\. Colonnes trouvées : « Nom_Demarche »/);
  });

  it('rejects a rate written in percent, a mark above 10, a negative volume and an unknown label, each with its reason', () => {
    const p = prepareVde(
      csv(
        GOOD.replace(',1,0,0.9,', ',78,0,0.9,'),
        GOOD.replace('Oui,8,8', 'Oui,12,8').replace('passeport', 'passeport 2'),
        GOOD.replace(',1000,', ',-5,').replace('passeport', 'passeport 3'),
        GOOD.replace('Oui,8', 'Peut-être,8').replace('passeport', 'passeport 4'),
        GOOD.replace('passeport', 'passeport 5'),
      ),
      ctx,
    );
    expect(p.rejects.map((r) => [r.ligne, r.identifiant, r.motif])).toEqual([
      [2, 'Demande de passeport', 'Taux_RGAA_Publie : valeur hors limites « 78 » (attendu : entre 0 et 1 ; un taux s’écrit en fraction, 0.85 pour 85 %)'],
      [3, 'Demande de passeport 2', 'Note_Satisfaction : valeur hors limites « 12 » (attendu : entre 0 et 10)'],
      [4, 'Demande de passeport 3', 'Volumetrie_En_Ligne négatif : « -5 » (un nombre de démarches en ligne est positif ou nul)'],
      [5, 'Demande de passeport 4', expect.stringMatching(/^Statut_En_ligne : valeur « Peut-être » inattendue \(attendu : « Oui », « En cours de déploiement local », « Partiel », « Non », « Démarche proactive »/)],
    ]);
    expect([p.rowsIn, p.rowsLoaded, p.rejects.length]).toEqual([5, 1, 4]);
  });

  it('rejects a row without a title and a duplicate differing only by case and accents, naming the first line', () => {
    const p = prepareVde(csv(GOOD, GOOD.replace('Demande de passeport', '  '), GOOD.replace('Demande de passeport', 'DEMANDE DE PASSÉPORT')), ctx);
    expect(p.rejects).toEqual([
      { ligne: 3, identifiant: null, motif: 'Nom_Demarche vide : démarche sans titre' },
      { ligne: 4, identifiant: 'DEMANDE DE PASSÉPORT', motif: 'doublon : même démarche que la ligne 2 (« demande de passeport »)' },
    ]);
  });

  it('fails clearly on truncated JSON', () => {
    const text = readFileSync(JSON_FIXTURE, 'utf8');
    expect(() => prepareVde(enc(text.slice(0, 5000)), ctx)).toThrow(/^vde \(test\) : JSON illisible \(.+\)\. Le fichier semble tronqué ou mal formé/);
  });

  it('fails on JSON of another shape, saying what it expected and what it found', () => {
    expect(() => prepareVde(enc('{"data": []}'), ctx)).toThrow(/attendu le document assemblé \{"editions": \[\.\.\.\], "procedures": \[\.\.\.\], "old_procedures": \[\.\.\.\]\} .* reçu un objet avec les clés « data »/);
  });

  it('rejects in JSON a duplicate within an edition, an out-of-range value, and a procedure of an unknown edition', () => {
    const doc = JSON.parse(readFileSync(JSON_FIXTURE, 'utf8'));
    const [first] = doc.procedures;
    const twin = structuredClone(first);
    twin.title = 'DÉCLARATION DE REVENUS';
    const wrong = structuredClone(doc.procedures[1]);
    wrong.fields.find((f: { slug: string }) => f.slug === 'handicap').value = '180';
    const orphan = structuredClone(doc.procedures[2]);
    orphan.editionId = 'inconnue';
    const p = prepareVde(enc(JSON.stringify({ editions: doc.editions, procedures: [first, twin, wrong, orphan] })), ctx);
    expect(p.rejects.map((r) => [r.ligne, r.motif])).toEqual([
      [2, "doublon : même démarche que l'élément n°1 de l'édition « Avril 2024 » (« declaration de revenus »)"],
      [3, 'handicap : valeur hors limites « 180 » (attendu : un pourcentage entre 0 et 100)'],
      [4, 'édition « inconnue » absente de la liste des éditions'],
    ]);
  });

  it('reads one /api/procedures response on its own, with the edition embedded in its procedures', () => {
    const doc = JSON.parse(readFileSync(JSON_FIXTURE, 'utf8'));
    const p = prepareVde(enc(JSON.stringify(doc.procedures.filter((x: { editionId: string | null }) => x.editionId === E_JANVIER))), ctx);
    expect([p.rowsIn, p.rowsLoaded, p.dataDate]).toEqual([5, 5, '2023-12-31']);
    expect(p.tables.vde_editions![0]).toMatchObject({ edition_id: E_JANVIER, nom: 'Janvier 2024' });
  });

  it('fails on an empty file', () => {
    expect(() => prepareVde(new Uint8Array(), ctx)).toThrow('vde (test) : le fichier est vide.');
  });
});

/** Plays the observatory's API from the fixture: editions, and each edition's procedures plus those without edition. */
function observatoryApi(doc: { editions: { id: string }[]; procedures: { editionId: string | null }[]; old_procedures?: { xwiki_edition: string }[] }, failProcedures = false): Handler {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', etag: '"v1"' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/api/editions') return json(200, doc.editions);
    // The old site's editions: an unknown slug gets an empty list, as Prisma's findMany gives.
    if (url.pathname === '/api/old-procedures') return json(200, (doc.old_procedures ?? []).filter((p) => p.xwiki_edition === url.searchParams.get('xwiki_edition')));
    if (url.pathname === '/api/procedures') {
      if (failProcedures) return json(500, { message: 'Internal error' });
      const id = url.searchParams.get('editionId');
      const list = doc.procedures.filter((p) => p.editionId === id);
      const draft = doc.procedures.find((p) => p.editionId === null);
      return json(200, draft ? [...list, draft] : list);
    }
    json(404, { message: 'Not found' });
  };
}

describe('vde live pull against a loopback observatory', () => {
  const doc = JSON.parse(readFileSync(JSON_FIXTURE, 'utf8'));
  doc.procedures = doc.procedures.filter((p: { editionId: string | null }, i: number) => p.editionId !== null || i === 5);
  let server: ScriptedServer;
  afterEach(async () => server?.close());

  it('downloads the editions then each edition’s procedures, archives them as one JSON document and loads every edition', async () => {
    server = await scriptedServer([observatoryApi(doc)]);
    const config = testConfig(join(tmp.dir, 'live'), { sources: { vde: { url: server.url } } });
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      const run = await pullSource(config, w, vde, { log: memoryLogger() });
      expect(run).toMatchObject({ status: 'succes', origin: 'live', date_donnees: '2024-03-31', rows_in: 22, rows_loaded: 19, rows_rejected: 3, etag: '"v1"' });
      // Then the 14 editions of the old site, from the newest, as the observatory lists them.
      expect(server.requests.map((r) => r.url)).toEqual([
        '/api/editions',
        `/api/procedures?editionId=${E_AVRIL}`,
        `/api/procedures?editionId=${E_JANVIER}`,
        ...['2022-octobre', '2022-juillet', '2022-avril', '2022-janvier', '2021-octobre', '2021-juillet', '2021-avril', '2021-janvier', '2020-octobre', '2020-juillet', '2020-avril', '2020-janvier', '2019-octobre', '2019-juin'].map(
          (slug) => `/api/old-procedures?xwiki_edition=${slug}`,
        ),
      ]);
      const raw = JSON.parse(readFileSync(run.raw_path!, 'utf8'));
      expect(Object.keys(raw)).toEqual(['editions', 'procedures', 'old_editions', 'old_procedures']);
      expect([raw.editions.length, raw.procedures.length, raw.old_editions.length, raw.old_procedures.length]).toEqual([2, 12, 14, 10]);
      expect(await w.all(`SELECT date_donnees, count(*)::INTEGER AS n FROM vde_procedures GROUP BY 1 ORDER BY 1`)).toEqual([
        { date_donnees: '2019-06-30', n: 4 },
        { date_donnees: '2022-10-31', n: 5 },
        { date_donnees: '2023-12-31', n: 5 },
        { date_donnees: '2024-03-31', n: 5 },
      ]);

      // A second pull sends no conditional request (published editions get corrected) and the helper SQL sees each edition once.
      await pullSource(config, w, vde, { log: memoryLogger() });
      expect(server.requests.slice(17).every((r) => r.headers['if-none-match'] === undefined)).toBe(true);
      const editions = await w.all(`SELECT edition_id, count(DISTINCT titre_normalise)::INTEGER AS d, count(*)::INTEGER AS n FROM (${sqlEvolutionProcedures()}) GROUP BY 1 ORDER BY 1`);
      expect(editions).toEqual([
        { edition_id: '2019-juin', d: 4, n: 40 },
        { edition_id: '2022-octobre', d: 5, n: 50 },
        { edition_id: E_JANVIER, d: 5, n: 60 },
        { edition_id: E_AVRIL, d: 5, n: 60 },
      ]);

      // A CSV edition loaded from a file adds its edition and leaves the others.
      await pullSource(config, w, vde, { from: CSV_FIXTURE, date: '2024-06-30', log: memoryLogger() });
      const dates = await w.all(`SELECT DISTINCT date_edition::VARCHAR AS d FROM (${sqlObjectifsParEdition()}) ORDER BY 1`);
      expect(dates.map((r) => r.d)).toEqual(['2019-06-30', '2022-10-31', '2023-12-31', '2024-03-31', '2024-06-30']);
    } finally {
      w.close();
    }
  });

  it('fails with the URL when the procedures endpoint keeps failing, and keeps the previous data', async () => {
    server = await scriptedServer([observatoryApi(doc, true)]);
    const config = testConfig(join(tmp.dir, 'live-500'), { sources: { vde: { url: `${server.url}/api/editions` } } });
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      await pullSource(config, w, vde, { offline: true, log: memoryLogger() });
      await expect(pullSource(config, w, vde, { log: memoryLogger() })).rejects.toThrow(`/api/procedures?editionId=${E_AVRIL} : le serveur a répondu 500`);
      expect(await w.one(`SELECT count(*)::INTEGER AS n FROM vde_procedures`)).toEqual({ n: 19 });
    } finally {
      w.close();
    }
  });
});

describe('vde helper SQL (procedures exports) on the fixture', () => {
  const dir = join(tmp.dir, 'sql');
  const config = testConfig(dir);
  let rows: Row[] = [];
  let evolution: Row[] = [];
  const objectifs = (edition: string, perimetre: string, indicateur: string) => find(rows, { edition_id: edition, perimetre, indicateur });
  const evol = (edition: string, titre: string, indicateur: string) => find(evolution, { edition_id: edition, titre_normalise: titre, indicateur });

  it('loads the fixture and computes both tables', async () => {
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      await pullSource(config, w, vde, { offline: true, log: memoryLogger() });
      rows = await w.all(sqlObjectifsParEdition());
      evolution = await w.all(sqlEvolutionProcedures());
      for (const t of proceduresExportTables()) {
        const sample = await w.all(`${t.sql} LIMIT 1`);
        expect(Object.keys(sample[0]!)).toEqual(t.fields.map((x) => x.name));
      }
    } finally {
      w.close();
    }
    expect(evolution).toHaveLength(210);
  });

  it('gives the share reaching the goal among evaluated procedures, special statuses apart (and the observatory’s share counting them as missed)', () => {
    expect(objectifs(E_AVRIL, 'toutes', 'satisfaction')).toMatchObject({ demarches: 5, avec_valeur: 5, evaluees: 4, statut_special: 1, atteintes: 2, taux_objectif: 0.5, taux_objectif_observatoire: 0.4 });
    expect(objectifs(E_AVRIL, 'partagees', 'satisfaction')).toMatchObject({ demarches: 4, evaluees: 3, atteintes: 1, taux_objectif: 1 / 3 });
    expect(objectifs(E_AVRIL, 'commune', 'satisfaction')).toMatchObject({ demarches: 3, evaluees: 2, atteintes: 1, taux_objectif: 0.5 });
    expect(objectifs(E_AVRIL, 'epci', 'satisfaction')).toMatchObject({ demarches: 1, evaluees: 1, atteintes: 0, taux_objectif: 0 });
    expect(objectifs(E_JANVIER, 'departement', 'satisfaction')).toMatchObject({ demarches: 1, evaluees: 0, atteintes: 0, taux_objectif: null });
  });

  it('gives no goal share for an indicator without a goal, but its share at the best level', () => {
    expect(objectifs(E_AVRIL, 'toutes', 'online')).toMatchObject({ atteintes: null, taux_objectif: null, favorables: 4, taux_favorable: 0.8 });
  });

  it('follows each procedure from one edition to the next, across a change of title', () => {
    expect(evol(E_AVRIL, 'inscription sur les listes electorales', 'performance')).toMatchObject({ niveau: 'Partiel', niveau_precedent: 'Faible', variation: -40, evolution: 'progres', edition_id_precedente: E_JANVIER });
    expect(evol(E_AVRIL, 'declaration de revenus', 'satisfaction')).toMatchObject({ valeur_nombre_precedente: 7.8, objectif_atteint_precedent: false, objectif_atteint: true, variation: 0.3, evolution: 'progres' });
    expect(evol(E_AVRIL, 'declaration de revenus', 'handicap')).toMatchObject({ variation: 0, evolution: 'stable' });
    expect(evol(E_AVRIL, 'demande d acte de naissance', 'uptime')).toMatchObject({ niveau: 'Partiel', evolution: 'stable' });
    expect(evol(E_AVRIL, 'demande d allocation personnalisee d autonomie apa', 'satisfaction')).toMatchObject({ niveau_precedent: 'À venir', evolution: 'non_comparable' });
    expect(evol(E_AVRIL, 'demande de logement social', 'satisfaction')).toMatchObject({ edition_id_precedente: null, evolution: 'nouvelle' });
    expect(evol(E_AVRIL, 'demande d acte de naissance', 'auth')).toMatchObject({ niveau_collectivite: 'commune', evolution: 'stable' });
  });
});

describe('vde editions of 2019–2022 (/api/old-procedures, OldProcedure objects)', () => {
  const p = prepareVde(readFileSync(JSON_FIXTURE), ctx);
  const val = (edition: string, titre: string, indicateur: string) => find(p.tables.vde_valeurs!, { edition_id: edition, titre_normalise: titre, indicateur });
  const defs = definitionsAnciennes();

  it('lists the 14 editions of the old site, June 2019 to October 2022, each dated by the last day of its month', () => {
    expect(defs.editions.map((e) => e.slug)).toEqual(['2022-octobre', '2022-juillet', '2022-avril', '2022-janvier', '2021-octobre', '2021-juillet', '2021-avril', '2021-janvier', '2020-octobre', '2020-juillet', '2020-avril', '2020-janvier', '2019-octobre', '2019-juin']);
    expect(defs.editions.map((e) => slugDate(e.slug))).toEqual(['2022-10-31', '2022-07-31', '2022-04-30', '2022-01-31', '2021-10-31', '2021-07-31', '2021-04-30', '2021-01-31', '2020-10-31', '2020-07-31', '2020-04-30', '2020-01-31', '2019-10-31', '2019-06-30']);
    expect([slugDate('2020-fevrier'), slugDate('2020-février'), slugDate('juin-2019'), slugDate('2019-juni')]).toEqual(['2020-02-29', '2020-02-29', null, null]);
  });

  it('maps each old field to today’s indicator where the definition is the same, read with today’s levels and goals', () => {
    expect(val('2019-juin', 'declaration de revenus', 'satisfaction')).toMatchObject({ valeur_nombre: 8.2, niveau: 'Très bien', objectif_atteint: true, unite: 'note sur 10' });
    expect(val('2019-juin', 'declaration de revenus', 'auth')).toMatchObject({ valeur_texte: 'FranceConnect', niveau: 'FranceConnect', couleur: 'blue', objectif_atteint: true });
    expect(val('2019-juin', 'declaration de revenus', 'handicap')).toMatchObject({ valeur_nombre: 0.5, niveau: 'Partiel', objectif_atteint: false });
    expect(val('2019-juin', 'declaration de revenus', 'usage')).toMatchObject({ valeur_nombre: 0.63 });
    expect(val('2019-juin', 'inscription sur les listes electorales', 'online')).toMatchObject({ niveau: 'Partiel', couleur: 'yellow', objectif_atteint: null });
    expect(val('2022-octobre', 'demande d allocation personnalisee d autonomie apa', 'dlnuf')).toMatchObject({ valeur_nombre: 6, niveau: 'Faible', objectif_atteint: false });
  });

  it('keeps an old level that no longer exists as the old observatory showed it, never as today’s goal reached', () => {
    expect(val('2022-octobre', 'demande d allocation personnalisee d autonomie apa', 'auth')).toMatchObject({ valeur_texte: 'En cours', niveau: 'En cours', couleur: 'green', objectif_atteint: false, statut_special: null });
  });

  it('reads -1, « n/a » and dashes as statuses, never as numbers', () => {
    expect(val('2019-juin', 'inscription sur les listes electorales', 'dlnuf')).toMatchObject({ valeur_texte: '-1', valeur_nombre: null, statut_special: 'Non applicable', objectif_atteint: null });
    expect(val('2019-juin', 'demande d allocation personnalisee d autonomie apa', 'auth')).toMatchObject({ valeur_texte: 'n/a', statut_special: 'Non applicable' });
    expect(val('2022-octobre', 'demande d acte de naissance', 'satisfaction')).toMatchObject({ valeur_texte: '-', valeur_nombre: null, statut_special: 'Non renseigné' });
    // No value: the displayed « - » is read (the value field comes first, then its _display twin).
    expect(val('2019-juin', 'inscription sur les listes electorales', 'handicap')).toMatchObject({ valeur_texte: '-', valeur_nombre: null, statut_special: 'Non renseigné' });
  });

  it('keeps the old fields measured differently as their own series, with the old observatory’s colours', () => {
    expect(val('2019-juin', 'declaration de revenus', 'ancien_disponibilite')).toMatchObject({ valeur_nombre: 9, niveau: '8 à 10', libelle: '9 / 10', couleur: 'green', objectif_atteint: null });
    expect(val('2019-juin', 'demande d acte d etat civil naissance mariage deces', 'ancien_support')).toMatchObject({ niveau: 'Partiel', couleur: 'orange' });
    expect(val('2019-juin', 'inscription sur les listes electorales', 'ancien_mobile')).toMatchObject({ niveau: 'Non', couleur: 'red' });
    expect(val('2022-octobre', 'demande d acte de naissance', 'ancien_accessibilite')).toMatchObject({ niveau: 'Oui', couleur: 'green' });
    expect(p.tables.vde_valeurs!.some((v) => v.edition_id === E_AVRIL && String(v.indicateur).startsWith('ancien_'))).toBe(false);
  });

  it('keeps the direction, the link and the total volume of an old procedure, and finds shared ones by their title', () => {
    expect(find(p.tables.vde_procedures!, { edition_id: '2022-octobre', titre_normalise: 'demande de carte nationale d identite' })).toMatchObject({
      procedure_id: 'Demarches.Demarche115',
      administration: 'ANTS',
      volume: 5200000,
      lien: 'https://ants.gouv.fr/',
      niveau_collectivite: 'commune',
      ligne: 21,
    });
    expect(find(p.tables.vde_procedures!, { edition_id: '2019-juin', titre_normalise: 'demande d acte d etat civil naissance mariage deces' }).niveau_collectivite).toBe('commune');
  });

  it('reads one /api/old-procedures response on its own, and rejects what it cannot date or name', () => {
    const old = (JSON.parse(readFileSync(JSON_FIXTURE, 'utf8')) as { old_procedures: Record<string, unknown>[] }).old_procedures;
    const response = [old[0], { ...old[1], xwiki_edition: 'juin-2019' }, { ...old[2], title: '  ' }, { ...old[3], ditesLeNousUneFois_value: 'beaucoup', ditesLeNousUneFois_display: 'beaucoup' }];
    const r = prepareVde(enc(JSON.stringify(response)), ctx);
    expect([r.rowsIn, r.rowsLoaded]).toEqual([4, 1]);
    expect(r.tables.vde_editions).toEqual([expect.objectContaining({ edition_id: '2019-juin', nom: 'Juin 2019', methode: 'observatoire-2019', nb_procedures: 1 })]);
    expect(r.rejects).toEqual([
      { ligne: 2, identifiant: 'Demarches.Demarche102', motif: 'édition « juin-2019 » illisible (attendu : AAAA-mois, par exemple 2019-juin)' },
      { ligne: 3, identifiant: 'Demarches.Demarche103', motif: 'démarche sans titre' },
      { ligne: 4, identifiant: 'Demarches.Demarche104', motif: 'ditesLeNousUneFois_value : « beaucoup » n’est pas un nombre (attendu : un nombre)'.replace('’', "'") },
    ]);
  });

  it('fails loudly on a broken definitions file, naming what is wrong', () => {
    const path = join(tmp.dir, 'anciennes.json');
    const broken = JSON.parse(readFileSync(ANCIENNES_PATH, 'utf8'));
    broken.correspondances[0].indicateur = 'en_ligne';
    writeFileSync(path, JSON.stringify(broken));
    expect(() => loadDefinitionsAnciennes(path, vdeDefinitions())).toThrow(/correspondance vers « en_ligne », absent de vde-indicateurs\.json/);
    broken.correspondances[0].indicateur = 'online';
    broken.editions.push({ slug: '2023', display: '2023' });
    writeFileSync(path, JSON.stringify(broken));
    expect(() => loadDefinitionsAnciennes(path)).toThrow(/édition « 2023 » : identifiant illisible/);
  });
});

describe('vde across the 2022→2023 change of method (helper SQL on the fixture)', () => {
  const dir = join(tmp.dir, 'rupture');
  const config = testConfig(dir);
  let rows: Row[] = [];
  let evolution: Row[] = [];
  let continuite: Row[] = [];
  const obj = (edition: string, perimetre: string, indicateur: string) => find(rows, { edition_id: edition, perimetre, indicateur });

  it('loads into a warehouse whose vde_editions predates the « methode » column', async () => {
    const w = await Warehouse.open(config.paths.warehouse);
    try {
      // A table as an earlier version created it: the pull adds the column, rows of earlier runs count as today's method.
      await w.createTable('vde_editions', vde.tables[0]!.columns.filter((c) => c.name !== 'methode'));
      await pullSource(config, w, vde, { offline: true, log: memoryLogger() });
      rows = await w.all(sqlObjectifsParEdition());
      evolution = await w.all(sqlEvolutionProcedures());
      continuite = await w.all(sqlContinuiteProcedures());
    } finally {
      w.close();
    }
    expect([...new Set(rows.map((r) => `${r.edition}:${r.methode}`))]).toEqual(['Juin 2019:observatoire-2019', 'Octobre 2022:observatoire-2019', 'Janvier 2024:vde-2023', 'Avril 2024:vde-2023']);
  });

  it('follows FranceConnect on the procedures shared with collectivités from 2019, with the break at the first edition of 2023', () => {
    // Juin 2019: état civil and listes électorales without FranceConnect, the APA « n/a »; octobre 2022: 3 of 4 (the APA « En cours »).
    const serie = ['2019-juin', '2022-octobre', E_JANVIER, E_AVRIL].map((e) => obj(e, 'partagees', 'auth'));
    expect(serie.map((r) => [r.evaluees, r.atteintes, r.valeur_mesure, r.rupture_serie, r.mesure])).toEqual([
      [2, 0, 0, false, 'vde-partagees-auth'],
      [4, 3, 0.75, false, 'vde-partagees-auth'],
      [2, 1, 0.5, true, 'vde-partagees-auth'],
      [3, 2, 2 / 3, false, 'vde-partagees-auth'],
    ]);
    expect(obj('2019-juin', 'partagees', 'dlnuf')).toMatchObject({ evaluees: 2, atteintes: 1, valeur_mesure: 0.5, mesure_definition: 'objectif' });
    // Without a goal, the share at the best level (green or blue): 1 of 3 online in June 2019.
    expect(obj('2019-juin', 'partagees', 'online')).toMatchObject({ atteintes: null, favorables: 1, valeur_mesure: 1 / 3, mesure_definition: 'favorable' });
  });

  it('gives each edition only the indicators its method measures', () => {
    expect(obj('2022-octobre', 'toutes', 'ancien_mobile')).toMatchObject({ demarches: 5, favorables: 5, valeur_mesure: 1, rupture_serie: false });
    expect(rows.some((r) => r.edition_id === E_AVRIL && r.indicateur === 'ancien_mobile')).toBe(false);
    expect(rows.some((r) => r.edition_id === '2019-juin' && r.indicateur === 'simplicity')).toBe(false);
  });

  it('never computes a procedure’s evolution across the change of method', () => {
    expect(find(evolution, { edition_id: E_JANVIER, titre_normalise: 'declaration de revenus', indicateur: 'satisfaction' })).toMatchObject({
      edition_id_precedente: '2022-octobre',
      valeur_nombre_precedente: 8.4,
      variation: null,
      evolution: 'rupture',
      methode: 'vde-2023',
    });
    expect(find(evolution, { edition_id: '2022-octobre', titre_normalise: 'declaration de revenus', indicateur: 'satisfaction' })).toMatchObject({ variation: 0.2, evolution: 'stable' });
  });

  it('reports the procedures that cannot be followed from one API to the other by their title', () => {
    const c = Object.fromEntries(continuite.map((r) => [r.titre_normalise, [r.continuite, r.editions_2019_2022, r.editions_depuis_2023]]));
    expect(c).toEqual({
      'demande d acte d etat civil naissance mariage deces': ['ancienne_seulement', 1, 0],
      'demande de carte nationale d identite': ['ancienne_seulement', 1, 0],
      'demande de logement social': ['nouvelle_seulement', 0, 1], // its old row was rejected
      'pre plainte en ligne': ['nouvelle_seulement', 0, 1],
      'declaration de revenus': ['suivie', 2, 2],
      'demande d acte de naissance': ['suivie', 1, 2],
      'demande d allocation personnalisee d autonomie apa': ['suivie', 2, 2],
      'inscription sur les listes electorales': ['suivie', 2, 2],
    });
    expect(continuite[0]).toMatchObject({ titre: "Demande d'acte d'état civil (naissance, mariage, décès)", niveau_collectivite: 'commune', derniere_edition: 'Juin 2019' });
  });
});

describe.skipIf(!HAS_REALDATA)('vde definitions against the transcription in ../shared/realdata/vde', () => {
  interface Level { label: string; color: string; threshold?: number; goal_reached?: boolean }
  interface Ind { slug: string; label: string; grist_column: string; levels: Level[] }
  const real = HAS_REALDATA ? (JSON.parse(readFileSync(join(REALDATA, 'vde/indicateurs-et-niveaux.json'), 'utf8')) as { min_avis: number; indicators: Ind[]; _provenance: { commit: string } }) : null;

  it('carries every indicator with the same label, column, level labels, colours, thresholds and goals', () => {
    const defs = vdeDefinitions();
    expect(defs.min_avis).toBe(real!.min_avis);
    expect(defs._provenance.commit).toBe(real!._provenance.commit);
    for (const r of real!.indicators) {
      const ours = defs.indicateurs.find((i) => i.slug === r.slug)!;
      expect([ours.libelle, ours.colonne_csv]).toEqual([r.label, r.grist_column]);
      expect(ours.niveaux.map((n) => [n.libelle, n.couleur, n.seuil, n.objectif_atteint ?? undefined])).toEqual(
        r.levels.map((l) => [l.label, l.color, l.threshold ?? null, l.goal_reached]),
      );
    }
    expect(defs.indicateurs).toHaveLength(real!.indicators.length);
  });
});
