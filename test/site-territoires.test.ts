// The Territoires section of the fixture site: what a collectivité's page says, its data files, the
// search index and its normalisation, the links, and (in a browser) the search, comparison and generic page.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { sharedSite } from './helpers/shared.ts';
import { codeSaisi } from '../site/lib/client/comparer-client.ts';
import {
  type EntreeRecherche,
  type FichierRecherche,
  cleDeRecherche,
  clesDeEntree,
  departementDeCommune,
  normaliser,
  rechercher,
  urlTerritoire,
} from '../site/lib/recherche.ts';
import { type FichierDonnees, deNom, groupeStrate, lireValeur, medianeTexte, ordinal, pourcent, rangTexte, valeurCourte } from '../site/lib/territoires-texte.ts';
import { CHROMIUM, useBrowserOnSite } from './helpers/browser.ts';

// Built by the global setup in the background: this waits for it.
const dist = await sharedSite();
const exportsDir = inject('siteExports');

const read = (path: string) => readFileSync(join(dist, path), 'utf8');
/** The visible text of an HTML fragment: tags removed, entities decoded, spaces collapsed. */
function text(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<svg[\s\S]*?<\/svg>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/[ \t\n\r]+/g, ' ');
}
const main = (html: string) => html.slice(html.indexOf('<main'), html.indexOf('</main>'));
const NNBSP = '\u202f';

/** The ids of a collectivité page's detailed sections, in page order. */
const sections = (html: string) => [...html.matchAll(/<h2 id="indicateur-([a-z0-9-]+)-h"/g)].map((m) => m[1]!);
/** A collectivité page's scorecard rows: workstream, the indicator it links, the next step's address, the cells' text. */
function lignes(html: string) {
  const tableau = html.split('data-tableau-bord>')[1]?.split('</section>')[0] ?? '';
  return [...tableau.matchAll(/<tr role="row" data-chantier="([^"]+)"[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => ({
    chantier: m[1]!,
    indicateur: /href="#indicateur-([a-z0-9-]+)"/.exec(m[2]!)?.[1] ?? null,
    etape: /<a href="(https:[^"]+)" rel="external">/.exec(m[2]!)?.[1] ?? null,
    cellules: text(m[2]!),
  }));
}

interface PageLue {
  /** Under dist, e.g. /territoires/commune/35238/index.html. */
  path: string;
  /** Every internal link of its content. */
  liens: string[];
  /** For a collectivité page (région, département, EPCI, commune): its detailed sections and its scorecard. */
  collectivite: { sections: string[]; lignes: ReturnType<typeof lignes> } | null;
}
let lues: PageLue[] | undefined;
/** Every page under /territoires/, read once for the tests that go through all of them (thousands of files). */
function pagesLues(): PageLue[] {
  if (lues) return lues;
  const out: PageLue[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name === 'index.html') {
        const html = main(readFileSync(p, 'utf8'));
        const path = p.slice(dist.length);
        out.push({
          path,
          liens: [...html.matchAll(/(?:href|src)="(\/[^"]*)"/g)].map((m) => m[1]!),
          collectivite: /^\/territoires\/(region|departement|epci|commune)\/[^/]+\/index\.html$/.test(path) ? { sections: sections(html), lignes: lignes(html) } : null,
        });
      }
    }
  };
  walk(join(dist, 'territoires'));
  lues = out;
  return out;
}

describe('normaliser (search, shared by the build and the browser)', () => {
  it('ignores case, accents, ligatures, apostrophes and hyphens', () => {
    expect(normaliser('Saint-Étienne')).toBe('saint etienne');
    expect(normaliser('  SAINT  ETIENNE ')).toBe('saint etienne');
    expect(normaliser("L'Haÿ-les-Roses")).toBe('l hay les roses');
    expect(normaliser('Œuilly')).toBe('oeuilly');
    expect(normaliser('Île-d’Yeu')).toBe('ile d yeu');
  });

  it('reads "st" and "ste" as whole words for saint and sainte, not inside a word', () => {
    expect(normaliser('St Étienne')).toBe('saint etienne');
    expect(normaliser('ste-foy')).toBe('sainte foy');
    expect(normaliser('Stenay')).toBe('stenay');
  });
});

describe('the search index keys', () => {
  const rennes: EntreeRecherche = ['35238', 'Rennes', 'c', '35', '35000 35200 35700', 230890, 1];
  const leMans: EntreeRecherche = ['72181', 'Le Mans', 'c', '72', '72000 72100', 146249, 1];
  const ajaccio: EntreeRecherche = ['2A004', 'Ajaccio', 'c', '2A', '20000 20090 20167', 76320, 1];

  it('a query needs the file of its first letter, or of the first two characters of a code', () => {
    expect(cleDeRecherche('Saint-Étienne')).toBe('s');
    expect(cleDeRecherche('35000')).toBe('35');
    expect(cleDeRecherche('2A004')).toBe('2a');
    expect(cleDeRecherche('3')).toBeNull();
    expect(cleDeRecherche(' - ')).toBeNull();
  });

  it('an entry is in the file of its name, of its name after the article, of its code and of each postal code', () => {
    expect(clesDeEntree(rennes)).toEqual(['35', 'r']);
    expect(clesDeEntree(leMans)).toEqual(['72', 'l', 'm']);
    expect(clesDeEntree(ajaccio)).toEqual(['20', '2a', 'a']);
  });

  it('finds by name (exact first, then by population), after an article, by postal code and by INSEE code', () => {
    const entries: EntreeRecherche[] = [
      ['42218', 'Saint-Étienne', 'c', '42', '42000 42100', 173136, 1],
      ['76575', 'Saint-Étienne-du-Rouvray', 'c', '76', '76800', 29518, 1],
      ['62746', 'Saint-Étienne-au-Mont', 'c', '62', '62360', 5029, 1],
      ['244200770', 'Saint-Étienne Métropole', 'e', '42', '', 407700, 1],
      rennes,
      leMans,
    ];
    expect(rechercher(entries, 'saint etienne').resultats.map((r) => r.entree[0])).toEqual(['42218', '244200770', '76575', '62746']);
    expect(rechercher(entries, 'st-etienne du', { types: ['c'] }).resultats.map((r) => r.entree[1])).toEqual(['Saint-Étienne-du-Rouvray']);
    expect(rechercher(entries, 'mans').resultats.map((r) => r.entree[1])).toEqual(['Le Mans']);
    expect(rechercher(entries, '35200').resultats.map((r) => r.entree[1])).toEqual(['Rennes']);
    expect(rechercher(entries, '35238').resultats.map((r) => r.entree[1])).toEqual(['Rennes']);
    // A later word: larger population first.
    expect(rechercher(entries, 'etienne').resultats.map((r) => r.entree[0])).toEqual(['244200770', '42218', '76575', '62746']);
    expect(rechercher(entries, 'saint', { limite: 2 })).toMatchObject({ total: 4 });
    expect(rechercher(entries, 'xyz').total).toBe(0);
  });

  it('knows where a commune lives: its département and its page or the generic one', () => {
    expect(departementDeCommune('35238')).toBe('35');
    expect(departementDeCommune('2B033')).toBe('2B');
    expect(departementDeCommune('97411')).toBe('974');
    expect(urlTerritoire('commune', '35238', true)).toBe('/territoires/commune/35238/');
    expect(urlTerritoire('commune', '35002', false)).toBe('/territoires/commune/?code=35002');
  });

  it('reads a code typed or picked in the comparison box', () => {
    expect(codeSaisi('Saint-Malo (35288)')).toBe('35288');
    expect(codeSaisi('2a004')).toBe('2A004');
    expect(codeSaisi('243500139')).toBe('243500139');
    expect(codeSaisi('Saint-Malo')).toBeNull();
  });
});

describe('the words of the territory pages', () => {
  it('writes French ordinals, feminine for communes and régions', () => {
    expect(ordinal(1, true)).toBe('1re');
    expect(ordinal(1, false)).toBe('1er');
    expect(ordinal(12, true)).toBe('12e');
    expect(ordinal(1200, true)).toBe(`1${NNBSP}200e`);
  });

  it('names a strate group and a rank the way people say it', () => {
    expect(groupeStrate('commune', 'de 10 000 à 19 999 habitants')).toBe('communes de 10 000 à 19 999 habitants');
    expect(groupeStrate('commune', 'moins de 100 habitants')).toBe('communes de moins de 100 habitants');
    expect(groupeStrate('epci', '300 000 habitants ou plus')).toBe('EPCI de 300 000 habitants ou plus');
    expect(rangTexte(12, 40, 1, 'commune', 'de 10 000 à 19 999 habitants', 'du département')).toBe('12e sur 40 communes de 10 000 à 19 999 habitants du département');
    expect(rangTexte(1, 42, 3, 'commune', '100 000 habitants ou plus', 'en France')).toBe('1re sur 42 communes de 100 000 habitants ou plus en France (ex æquo avec 2 autres)');
    expect(rangTexte(1, 1, 1, 'commune', '100 000 habitants ou plus', 'du département')).toBe('1re sur 1 commune de 100 000 habitants ou plus du département');
  });

  it('says values in words, never a misleading 0,0 % for a rate above zero, and withholds a median with its rate', () => {
    expect(valeurCourte('binaire', 1)).toBe('oui');
    expect(valeurCourte('enquete', 0.5)).toBe('en cours');
    const demarches = { forme: 'nombre', libelle: 'Démarches publiées', unite: { singulier: 'démarche publiée', pluriel: 'démarches publiées', feminin: true }, complement: '' } as const;
    const marches = { forme: 'nombre', libelle: 'Marchés publiés', unite: { singulier: 'marché publié', pluriel: 'marchés publiés', feminin: false }, complement: '' } as const;
    expect(valeurCourte('nombre', 0, demarches)).toBe('aucune démarche publiée');
    expect(valeurCourte('nombre', 0, marches)).toBe('aucun marché publié');
    expect(valeurCourte('nombre', 2, demarches)).toBe('2 démarches publiées');
    expect(valeurCourte('nombre', 1, marches)).toBe('1 marché publié');
    expect(medianeTexte('nombre', 1.5, { t: 0.5, n: 6, a: 3, ok: true }, marches)).toBe('1,5 marché publié');
    expect(valeurCourte('part', 0.7253)).toBe(`72,5${NNBSP}%`);
    expect(pourcent(8 / 34875)).toBe(`moins de 0,1${NNBSP}%`);
    expect(pourcent(0)).toBe(`0,0${NNBSP}%`);
    expect(medianeTexte('enquete', 1, { t: null, n: 1, a: 1, ok: false })).toBe('effectif insuffisant');
    expect(deNom('Amanlis')).toBe('d’Amanlis');
    expect(deNom('Le Mans')).toBe('du Mans');
    expect(deNom('Rennes')).toBe('de Rennes');
  });
});

describe('a commune page: Rennes (35238)', () => {
  let html: string;
  let t: string;
  beforeAll(() => {
    html = read('territoires/commune/35238/index.html');
    t = text(main(html));
  });

  it('gives its name, type, strate, population, département, région and EPCI with links', () => {
    expect(html).toMatch(/<h1>Rennes<\/h1>/);
    expect(t).toContain('Type Commune');
    expect(t).toContain('Strate 100 000 habitants ou plus');
    expect(t).toContain(`Population 230${NNBSP}890 habitants`);
    expect(main(html)).toContain('<a href="/territoires/departement/35/">Ille-et-Vilaine (35)</a>');
    expect(main(html)).toContain('<a href="/territoires/region/53/">Bretagne</a>');
    expect(main(html)).toContain('<a href="/territoires/epci/243500139/">Rennes Métropole</a>');
  });

  it('says that it publishes open data (odt fixture), against its strate, its département and France', () => {
    expect(t).toMatch(/Rennes publie des données ouvertes \(selon [^)]+, données du [^)]+\)\./);
    expect(t).toContain(`Sa strate en France (communes de 100 000 habitants ou plus) : 7,1${NNBSP}% (3 sur 42)`);
    expect(t).toContain('Valeur médiane de sa strate en France : non');
    // One commune of its strate in Ille-et-Vilaine: the rate is withheld, never shown as 100 %.
    expect(t).toContain('Sa strate dans le département (Ille-et-Vilaine) : effectif insuffisant (1 sur 1)');
    expect(t).toContain(`Toutes les communes en France : moins de 0,1${NNBSP}% (8 sur 34${NNBSP}875) — rupture de série`);
  });

  it('names, in the sentence that states a value, the source of that semester, read from the data (not fixed text)', () => {
    const barometre = JSON.parse(readFileSync(join(exportsDir, 'barometre.json'), 'utf8')) as { donnees: { indicateur: string; niveau: string; periode: string; source: string }[] };
    const rows = barometre.donnees.filter((r) => r.indicateur === 'ouverture-donnees' && r.niveau === 'national');
    const derniere = rows.map((r) => r.periode).sort().at(-1)!;
    const ids = [...new Set(rows.filter((r) => r.periode === derniere).flatMap((r) => r.source.split('+')))];
    const provenance = JSON.parse(readFileSync(join(exportsDir, 'provenance.json'), 'utf8')) as { sources: { id: string; titre: string }[] };
    const titres = ids.map((id) => provenance.sources.find((x) => x.id === id)!.titre.split(/ : | \(/)[0]!.trim());
    expect(titres.length).toBeGreaterThan(0);
    expect(t).toContain(`Rennes publie des données ouvertes (selon ${titres.join(' et ')}, données du `);
    // The series joins two sources: the section says which gives which semesters.
    expect(t).toMatch(/Série : Observatoire open data des territoires jusqu'au 2e semestre 2022, Catalogue de data\.gouv\.fr ensuite\./);
  });

  it('gives a rank and a percentile only for values that can be ordered, never for a yes/no or a survey answer', () => {
    // Each indicator's section, from its title to the next section.
    const section = (id: string) => text(html.split(`<h2 id="indicateur-${id}-h"`)[1]?.split('<section')[0] ?? '');
    const defs = JSON.parse(readFileSync(join(exportsDir, 'indicateurs.json'), 'utf8')) as { id: string; echelle: 'continue' | 'oui-non' | 'categories' }[];
    const vus = { continue: 0, 'oui-non': 0, categories: 0 };
    for (const d of defs) {
      const s = section(d.id);
      if (!s) continue;
      vus[d.echelle]++;
      if (d.echelle === 'continue') expect(s, d.id).toMatch(/Rang \(1 = meilleure valeur.*En France : .* ; percentile \d+/);
      else expect(s, d.id).not.toMatch(/Rang|percentile|ex æquo/);
    }
    // Rennes has a value of every kind: a count (procedures), a yes/no (open data), a survey answer.
    expect(vus.continue).toBeGreaterThan(0);
    expect(vus['oui-non']).toBeGreaterThan(0);
    expect(vus.categories).toBeGreaterThan(0);
    // The defect of the issue: no « 1re sur 42 (ex æquo avec 41 autres) » for a city that does not publish.
    expect(section('ouverture-donnees')).toContain(`Sa strate en France (communes de 100 000 habitants ou plus) : 7,1${NNBSP}% (3 sur 42)`);
    expect(section('ouverture-donnees')).not.toContain('1re sur 42');
    expect(section('demarches-en-ligne-ds')).toMatch(/En France : \d+(re|e) sur \d+ communes de 100 000 habitants ou plus en France/);
  });

  it('shows the number of procedures on Démarches Simplifiées and the survey answers with their respondents', () => {
    expect(t).toMatch(/Rennes : 2 démarches publiées sur demarches-simplifiees\.fr dans le semestre \(selon [^)]+, données du [^)]+\)\./);
    expect(t).toContain('Sa strate en France (communes de 100 000 habitants ou plus) : effectif insuffisant (1 répondante)');
    expect(t).toContain('Valeur médiane de sa strate en France : effectif insuffisant');
  });

  it('shows its indicators workstream by workstream, measured before declared, the nature of each figure under its title', () => {
    const ids = [...html.matchAll(/<h2 id="indicateur-([a-z0-9-]+)-h"/g)].map((m) => m[1]!);
    const natures = [...html.matchAll(/<p class="nature" data-nature="(mesure|declaration)"[^>]*>([^<]*)<\/p>/g)].map((m) => [m[1], text(m[2]!).trim()]);
    expect(natures.length).toBe(ids.length);
    expect(natures[ids.indexOf('ouverture-donnees')]).toEqual(['mesure', 'Chantier « Ouverture des données publiques » : mesuré sur toutes les collectivités.']);
    expect(natures[ids.indexOf('chantier-sve-urbanisme')]).toEqual(['declaration', 'Déclaré par les répondants.']);
    // The order of the export's workstreams (grouped by axis), each with its indicators in their order.
    const chantiers = (JSON.parse(readFileSync(join(exportsDir, 'chantiers.json'), 'utf8')) as { donnees: { axe: string; indicateurs: { id: string }[] }[] }).donnees;
    const axes = [...new Set(chantiers.map((c) => c.axe))];
    const order = axes.flatMap((a) => chantiers.filter((c) => c.axe === a)).flatMap((c) => c.indicateurs.map((i) => i.id));
    expect(ids).toEqual(order.filter((id) => ids.includes(id)));
  });

  it('has a chart with a summary, its provenance and its data table for open data', () => {
    const fig = html.slice(html.indexOf('id="indicateur-ouverture-donnees-graphique"'));
    expect(fig).toMatch(/<svg[^>]*role="img"/);
    expect(fig).toContain('Source :');
    expect(fig).toContain('OpenDataFrance, licence ODbL 1.0');
    expect(fig).toMatch(/<caption>Collectivités publiant des données ouvertes : Rennes et ses pairs \(1er semestre 2021\)<\/caption>/);
  });

  it('has the comparison form (shown by its script) with a labelled input and a live status, and its own data for it', () => {
    expect(html).toMatch(/<label for="comparer-avec">Nom ou code d’une autre commune<\/label>/);
    expect(html).toMatch(/<input id="comparer-avec" name="avec" list="comparer-suggestions"/);
    expect(html).toMatch(/role="status" aria-live="polite"/);
    const island = JSON.parse(/<script type="application\/json" id="territoire-donnees">(.*?)<\/script>/s.exec(html)![1]!) as { fiche: { code: string; v: Record<string, [number]> } };
    expect(island.fiche.code).toBe('35238');
    expect(island.fiche.v['ouverture-donnees']![0]).toBe(1);
  });
});

describe('other pages of the section', () => {
  it('a région page: Bretagne, its départements, its rank among the 18 régions', () => {
    const html = read('territoires/region/53/index.html');
    const t = text(main(html));
    expect(html).toMatch(/<h1>Bretagne<\/h1>/);
    expect(t).toMatch(/Bretagne publie des données ouvertes \(selon [^)]+, données du [^)]+\)\./);
    expect(t).toContain(`Toutes les régions : 5,6${NNBSP}% (1 sur 18)`);
    expect(t).toContain('En France : 1re sur 18 régions');
    for (const [code, nom] of [['22', 'Côtes-d’Armor'], ['29', 'Finistère'], ['35', 'Ille-et-Vilaine'], ['56', 'Morbihan']]) {
      expect(text(html)).toContain(`${nom.replace('’', "'")} (${code})`);
      expect(html).toContain(`href="/territoires/departement/${code}/"`);
    }
  });

  it('an EPCI page: Rennes Métropole, a métropole, with its 43 member communes', () => {
    const html = read('territoires/epci/243500139/index.html');
    const t = text(main(html));
    expect(t).toContain('EPCI à fiscalité propre (métropole)');
    expect(t).toMatch(/Rennes Métropole publie des données ouvertes \(selon [^)]+, données du [^)]+\)\./);
    expect(t).toContain(`Sa strate en France (EPCI de 300 000 habitants ou plus) : 13,6${NNBSP}% (3 sur 22)`);
    expect(t).toContain('Ses communes membres (43)');
    expect(html).toContain('<a href="/territoires/commune/35238/">Rennes</a>');
    // A member under 3 500 inhabitants links to the generic page.
    expect(html).toContain('href="/territoires/commune/?code=35');
  });

  it('a département page lists its communes of 3 500 inhabitants or more and links to the data of all of them', () => {
    const html = read('territoires/departement/35/index.html');
    const t = text(main(html));
    expect(t).toMatch(/Ille-et-Vilaine publie des données ouvertes \(selon [^)]+, données du [^)]+\)\./);
    expect(t).toMatch(/Ses communes de 3 500 habitants ou plus \(\d+\)/);
    expect(html).toContain('<a href="/territoires/commune/35238/">Rennes</a>');
    expect(html).toContain('href="/territoires/donnees/35.csv"');
    expect(html).toContain('href="/territoires/donnees/35.json"');
    // Peers: the other départements of its strate, with links.
    expect(t).toContain('22 autres départements de 1 000 000 habitants ou plus en France');
  });

  it('the index page has the search box, every département and the strates explained', () => {
    const html = read('territoires/index.html');
    expect(html).toMatch(/<form role="search" data-recherche hidden/);
    expect(html).toContain('<label for="recherche-q">Nom, code postal ou code INSEE</label>');
    expect(html.match(/href="\/territoires\/departement\/[0-9AB]+\/"/g)?.length).toBe(101);
    expect(text(html)).toContain('Une strate est une tranche de population');
  });

  it('builds a page for every région, département, EPCI and commune of 3 500 inhabitants or more', () => {
    const territoires = JSON.parse(readFileSync(join(exportsDir, 'territoires.json'), 'utf8')) as { type_collectivite: string; population: number | null }[];
    const count = (type: string) => readdirSync(join(dist, 'territoires', type)).filter((d) => existsSync(join(dist, 'territoires', type, d, 'index.html'))).length;
    expect(count('region')).toBe(18);
    expect(count('departement')).toBe(101);
    expect(count('epci')).toBe(territoires.filter((t) => t.type_collectivite === 'epci').length);
    expect(count('commune')).toBe(territoires.filter((t) => t.type_collectivite === 'commune' && (t.population ?? 0) >= 3500).length);
  });
});

describe('the scorecard at the top of every collectivité page', () => {
  const chantiers = JSON.parse(readFileSync(join(exportsDir, 'chantiers.json'), 'utf8')).donnees as { id: string; principal: string | null; indicateurs: { id: string }[] }[];
  const chantierDe = new Map(chantiers.flatMap((c) => c.indicateurs.map((i) => [i.id, c] as const)));
  // Each indicator's step as the definitions export carries it from data/referentiels/prochaines-etapes.csv (tableau-bord.test.ts checks that).
  const defs = JSON.parse(readFileSync(join(exportsDir, 'indicateurs.json'), 'utf8')) as { id: string; prochaine_etape: { url: string } | null }[];
  const etapes = new Map(defs.filter((d) => d.prochaine_etape).map((d) => [d.id, d.prochaine_etape!.url] as const));
  /** What the scorecard must show for a page whose detailed sections are these. */
  function attendu(ids: string[]) {
    const order = [...new Set(ids.map((id) => chantierDe.get(id)?.id ?? id))];
    return order.map((cid) => {
      const c = chantiers.find((x) => x.id === cid);
      const presents = ids.filter((id) => (chantierDe.get(id)?.id ?? id) === cid);
      const shown = c?.principal && presents.includes(c.principal) ? c.principal : presents[0]!;
      return { chantier: cid, indicateur: shown };
    });
  }

  it('Rennes: before its identity card and its detailed sections, one row per workstream, through its principal indicator', () => {
    const html = read('territoires/commune/35238/index.html');
    const m = main(html);
    expect(m.indexOf('data-tableau-bord')).toBeGreaterThan(m.indexOf('class="lead"'));
    expect(m.indexOf('data-tableau-bord')).toBeLessThan(m.indexOf('class="fiche"'));
    expect(m.indexOf('data-tableau-bord')).toBeLessThan(m.indexOf('class="indicateur"'));
    const rows = lignes(html);
    expect(rows.map(({ chantier, indicateur }) => ({ chantier, indicateur }))).toEqual(attendu(sections(html)));
    const od = rows.find((r) => r.chantier === 'ouverture-donnees')!;
    // Its value, measured, its semester; the share of its strate in France and in its département; the obligation (230 890 inhabitants); the step.
    expect(od.cellules).toMatch(/Données ouvertes.*\boui\b.*mesuré, \d(er|e) semestre \d{4}/);
    expect(od.cellules).toContain(`7,1${NNBSP}% (3 sur 42)`);
    expect(od.cellules).toContain('effectif insuffisant');
    expect(od.cellules).toContain('obligatoire depuis le 7 octobre 2018');
    expect(od.etape).toBe('https://guides.data.gouv.fr/guide-data.gouv.fr/jeux-de-donnees/publier-un-jeu-de-donnees');
    // Every link of a row leads to its detailed section on the page.
    for (const r of rows) expect(html, r.indicateur!).toContain(`<section class="indicateur" id="indicateur-${r.indicateur}"`);
  });

  it('is on every page of a région, département, EPCI and commune with a value, with the next step of the data file wherever it has one', () => {
    let pages = 0;
    let avecEtape = 0;
    for (const { path, collectivite } of pagesLues()) {
      if (!collectivite || collectivite.sections.length === 0) continue;
      pages++;
      const rows = collectivite.lignes;
      expect(rows.map(({ chantier, indicateur }) => ({ chantier, indicateur })), path).toEqual(attendu(collectivite.sections));
      for (const r of rows) {
        expect(r.etape, `${path} ${r.indicateur}`).toBe(etapes.get(r.indicateur!) ?? null);
        if (r.etape) avecEtape++;
      }
    }
    expect(pages).toBeGreaterThan(3000);
    expect(avecEtape).toBeGreaterThan(pages);
  });
});

describe('the data files', () => {
  it('the file of Ille-et-Vilaine holds every commune with its postal codes, strate, EPCI, values and rates', () => {
    const f = JSON.parse(read('territoires/donnees/35.json')) as FichierDonnees;
    const territoires = JSON.parse(readFileSync(join(exportsDir, 'territoires.json'), 'utf8')) as { type_collectivite: string; departement: string }[];
    expect(f.collectivites.length).toBe(territoires.filter((t) => t.type_collectivite === 'commune' && t.departement === '35').length);
    const rennes = f.collectivites.find((c) => c.code === '35238')!;
    expect(rennes).toMatchObject({ nom: 'Rennes', cp: '35000 35200 35700', strate: 'com-100000-plus', epci: '243500139', population: 230890, page: true });
    expect(lireValeur(rennes.v['ouverture-donnees']!)).toMatchObject({ valeur: 1, rangStrate: 1, effectifStrate: 42, exaequoStrate: 3, obligee: true });
    expect(rennes.v['demarches-en-ligne-ds']![0]).toBe(2);
    expect(f.collectivites.find((c) => c.code === '35002')).toMatchObject({ nom: 'Amanlis', page: false });
    expect(f.strates['com-100000-plus']).toBe('100 000 habitants ou plus');
    expect(f.epci['243500139']).toBe('Rennes Métropole');
    expect(f.taux['ouverture-donnees|FR|commune|com-100000-plus']).toMatchObject({ n: 42, a: 3, ok: true });
    expect(f.taux['ouverture-donnees|35|commune|com-100000-plus']).toMatchObject({ t: null, ok: false });
    expect(f.indicateurs.map((i) => i.id)).toContain('ouverture-donnees');
    // What the browser script writes under each title (a commune without a page of its own).
    expect(f.indicateurs.find((i) => i.id === 'chantier-franceconnect')).toMatchObject({ chantier: 'FranceConnect sur le portail de démarches de la collectivité', mesure: 'déclaré par les répondants' });
    // Small enough to load on a phone: what travels is the compressed file (hosts and the test server gzip JSON);
    // its repetitive tuples compress about twenty-fold.
    expect(gzipSync(read('territoires/donnees/35.json')).length).toBeLessThan(40_000);
  });

  it('the CSV twin has one row per commune with its values', () => {
    const csv = read('territoires/donnees/35.csv');
    const [header, ...rows] = csv.trim().split('\n');
    expect(header!.split(',').slice(0, 4)).toEqual(['code', 'type_collectivite', 'nom', 'codes_postaux']);
    const rennes = rows.find((r) => r.startsWith('35238,'))!;
    expect(rennes).toContain('Rennes,35000 35200 35700,230890,com-100000-plus');
    const cols = header!.split(',');
    expect(rennes.split(',')[cols.indexOf('ouverture-donnees')]).toBe('1');
  });

  it('the search index files are small and each entry is in the right file', () => {
    const dir = join(dist, 'territoires', 'recherche');
    const files = readdirSync(dir);
    let total = 0;
    for (const name of files) {
      const content = readFileSync(join(dir, name), 'utf8');
      total += content.length;
      expect(content.length, name).toBeLessThan(400_000);
      const key = name.replace('.json', '');
      const f = JSON.parse(content) as FichierRecherche;
      for (const e of f.entrees.slice(0, 50)) expect(clesDeEntree(e), `${e[1]} dans ${name}`).toContain(key);
    }
    const s = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')) as FichierRecherche;
    expect(rechercher(s.entrees, 'saint etienne').resultats[0]!.entree).toEqual(['42218', 'Saint-Étienne', 'c', '42', '42000 42100 42230', 173136, 1]);
    const r35 = JSON.parse(readFileSync(join(dir, '35.json'), 'utf8')) as FichierRecherche;
    // 35200 is one of Rennes's postal codes and the INSEE code of Moutiers: both, the larger first.
    expect(rechercher(r35.entrees, '35200').resultats.map((r) => r.entree[1])).toEqual(['Rennes', 'Moutiers']);
    expect(r35.departements['35']).toBe('Ille-et-Vilaine');
    expect(total).toBeGreaterThan(0);
  });
});

describe('links', () => {
  it('every internal link in the content of the Territoires pages points to a file of the site', () => {
    const checked = new Map<string, boolean>();
    const broken: string[] = [];
    let pages = 0;
    const exists = (href: string) => {
      const path = decodeURIComponent(href.replace(/[?#].*$/, ''));
      let ok = checked.get(path);
      if (ok === undefined) {
        ok = existsSync(join(dist, path.endsWith('/') ? `${path}index.html` : path));
        checked.set(path, ok);
      }
      return ok;
    };
    for (const page of pagesLues()) {
      pages++;
      for (const href of page.liens) if (!exists(href)) broken.push(`${page.path} → ${href}`);
    }
    expect(pages).toBeGreaterThan(4000);
    expect(broken.slice(0, 10)).toEqual([]);
  });
});

describe.skipIf(!CHROMIUM)('in a browser', () => {
  const env = useBrowserOnSite();
  const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

  async function open(path: string, run: (page: Page) => Promise<void>): Promise<void> {
    const page = await env.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${env.url}${path}`, { waitUntil: 'load' });
      await run(page);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }

  async function axe(page: Page): Promise<string[]> {
    // Evaluated through the DevTools protocol: the page's Content-Security-Policy forbids inline scripts.
    await page.evaluate(AXE);
    const result = (await page.evaluate(async () => {
      const a = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<unknown> } }).axe;
      return a.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    })) as { violations: { id: string; nodes: { target: string[] }[] }[] };
    return result.violations.map((v) => `${v.id} : ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
  }

  it('the search box finds "saint etienne" and a postal code, and keeps the query in the URL', async () => {
    await open('/territoires/', async (page) => {
      const input = page.locator('#recherche-q');
      await input.fill('saint etienne');
      await input.press('Enter');
      await page.locator('[data-resultats] a').first().waitFor();
      expect(await page.locator('[data-resultats] a').first().textContent()).toBe('Saint-Étienne');
      expect(await page.locator('[data-resultats] a').first().getAttribute('href')).toBe('/territoires/commune/42218/');
      expect(new URL(page.url()).searchParams.get('q')).toBe('saint etienne');
      await input.fill('35700');
      await input.press('Enter');
      await page.waitForFunction(() => document.querySelector('[data-resultats] a')?.textContent === 'Rennes');
      expect(await page.locator('[data-statut]').first().textContent()).toBe('1 résultat.');
    });
  });

  it('compares Rennes with a commune named in the form, keeps it in the URL, and shows it again from a shared link', async () => {
    await open('/territoires/commune/35238/', async (page) => {
      await page.locator('#comparer-avec').fill('Saint-Malo');
      await page.locator('.terr-comparer button[type="submit"]').click();
      await page.locator('[data-sortie] table').waitFor();
      expect(await page.locator('[data-sortie] caption').textContent()).toContain('Rennes et Saint-Malo');
      expect(new URL(page.url()).searchParams.get('avec')).toBe('35288');
      expect(await axe(page)).toEqual([]);
    });
    await open('/territoires/commune/35238/?avec=35288', async (page) => {
      await page.locator('[data-sortie] table').waitFor();
      const rows = await page.locator('[data-sortie] tbody tr').allTextContents();
      expect(rows.find((r) => r.startsWith('Données ouvertes'))).toMatch(/^Données ouvertes \(1er semestre 2021\)ouinon7,1\s%0,0\s%$/);
    });
  });

  it('on a phone (390 × 844), the menu takes two lines at most, and the name, the strate and three rows of the scorecard show without scrolling', async () => {
    for (const path of ['/territoires/commune/35288/', '/territoires/commune/35238/', '/territoires/epci/243500139/', '/territoires/departement/35/', '/territoires/region/53/', '/territoires/commune/?code=35002']) {
      const page = await env.browser.newPage({ viewport: { width: 390, height: 844 } });
      try {
        await page.goto(`${env.url}${path}`, { waitUntil: 'load' });
        await page.locator('[data-tableau-bord] tbody tr').first().waitFor();
        const m = await page.evaluate(() => {
          const bottom = (el: Element | null) => (el ? el.getBoundingClientRect().bottom : Infinity);
          const lignesMenu = new Set([...document.querySelectorAll('nav.main li')].map((li) => Math.round(li.getBoundingClientRect().top))).size;
          const rows = [...document.querySelectorAll('[data-tableau-bord] tbody tr')];
          return { lignesMenu, h1: bottom(document.querySelector('h1')), lead: bottom(document.querySelector('.lead')), strate: document.querySelector('.lead')?.textContent ?? '', rows: rows.length, troisieme: bottom(rows[Math.min(2, rows.length - 1)] ?? null), largeur: document.documentElement.scrollWidth };
        });
        expect(m.lignesMenu, path).toBeLessThanOrEqual(2);
        expect(m.strate, path).toMatch(/strate des|Région/);
        expect(m.rows, path).toBeGreaterThanOrEqual(3);
        expect(m.troisieme, path).toBeLessThanOrEqual(844);
        expect(m.lead, path).toBeLessThanOrEqual(844);
        // Nothing wider than the screen.
        expect(m.largeur, path).toBeLessThanOrEqual(390);
      } finally {
        await page.close();
      }
    }
  });

  it('prints the scorecard, with what precedes it, on one A4 page', async () => {
    for (const path of ['/territoires/commune/35238/', '/territoires/departement/35/']) {
      const page = await env.browser.newPage();
      try {
        await page.goto(`${env.url}${path}`, { waitUntil: 'load' });
        const rows = await page.locator('[data-tableau-bord] tbody tr').count();
        expect(rows).toBeGreaterThanOrEqual(5);
        // Everything after the scorecard removed: what is left must print on a single page.
        await page.evaluate(() => {
          let n = document.querySelector('[data-tableau-bord]')!.nextSibling;
          while (n) {
            const next = n.nextSibling;
            n.remove();
            n = next;
          }
          document.querySelector('footer')?.remove();
        });
        const pdf = await page.pdf({ format: 'A4' });
        expect((pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length, path).toBe(1);
      } finally {
        await page.close();
      }
    }
  });

  it('shows a commune without a page of its own from its département file, and sends one with a page to it', async () => {
    await open('/territoires/commune/?code=35002', async (page) => {
      await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Amanlis');
      const body = await page.locator('main').textContent();
      expect(body).toContain('Amanlis ne publie pas de données ouvertes');
      expect(body).toContain('Elle n’y est pas soumise (moins de 3 500 habitants).');
      // Its scorecard first, as on the pages of larger communes.
      expect(await page.locator('[data-tableau-bord] tbody tr').count()).toBeGreaterThan(0);
      expect(await page.locator('[data-tableau-bord] tr[data-chantier="ouverture-donnees"]').textContent()).toContain('non soumise à l’obligation');
      expect(await axe(page)).toEqual([]);
    });
    await open('/territoires/commune/?code=35238', async (page) => {
      await page.waitForURL(/\/territoires\/commune\/35238\/$/);
    });
  });
});
