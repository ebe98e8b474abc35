// The web observatory's detectors (pipelines/sources/sites/controles.ts), each on pages in the shapes real CMS
// produce: at least two that must say yes and two that must say no, per check.
import { describe, expect, it } from 'vitest';
import { CONTROLES, type Controle, DETECTEURS, datesEcrites, jugerSite, lireDefinitions, lireServices, type Resultat } from '../pipelines/sources/sites/controles.ts';
import { choisirLiens } from '../pipelines/sources/sites/crawl.ts';
import { lirePage, MAX_LIENS, type PageLue, plat } from '../pipelines/sources/sites/page.ts';

const services = lireServices();
const DATE_VISITE = '2026-11-20';

const lue = (body: string, { url = 'https://www.mairie-exemple.fr/', head = '', title = 'Mairie' } = {}): PageLue =>
  lirePage({ url, urlFinale: url, statut: 200, html: `<!doctype html><html lang="fr"><head><title>${title}</title>${head}</head><body>${body}</body></html>`, octets: body.length, dureeMs: 120 });

const juge = (controle: Controle, body: string, options: Parameters<typeof lue>[1] & { accueil?: boolean } = {}): Resultat =>
  DETECTEURS[controle](lue(body, options), { accueil: options.accueil ?? true, dateVisite: DATE_VISITE, services });

const cases: Record<Exclude<Controle, 'https' | 'poids-accueil' | 'temps-reponse'>, { oui: [string, string, (r: Resultat) => void][]; non: [string, string][] }> = {
  'mention-accessibilite': {
    oui: [
      ['in a footer in capitals, with a non-breaking space', '<footer><ul><li><a href="/accessibilite">ACCESSIBILITÉ&nbsp;: NON CONFORME</a></li></ul></footer>', (r) => expect(r.valeur_texte).toBe('non conforme')],
      ['inside a link, on two lines, without accent', '<footer><a href="/declaration-accessibilite">Accessibilite :\n  partiellement\n conforme</a></footer>', (r) => {
        expect(r.valeur_texte).toBe('partiellement conforme');
        expect(r.preuve).toBe('https://www.mairie-exemple.fr/declaration-accessibilite');
      }],
      ['only in an image’s alt', '<footer><a href="/a11y"><img src="/badge.png" alt="Accessibilité : totalement conforme"></a></footer>', (r) => expect(r.valeur_texte).toBe('totalement conforme')],
    ],
    non: [
      ['a link to the declaration without the level', '<footer><a href="/accessibilite">Accessibilité</a></footer>'],
      ['an image with no alternative text', '<footer><img src="/accessibilite-non-conforme.png"></footer>'],
      ['the level in a script only', '<footer><span id="a"></span><script>a.textContent = "Accessibilité : non conforme"</script></footer>'],
    ],
  },
  'declaration-accessibilite': {
    oui: [
      ['the RGAA model, filled in', `<h1>Déclaration d'accessibilité</h1><h2>État de conformité</h2><p>Le site est partiellement conforme.</p><h2>Résultats des tests</h2><p>L'audit révèle que 78&nbsp;% des critères du RGAA version 4.1 sont respectés.</p><h2>Établissement de cette déclaration d'accessibilité</h2><p>Cette déclaration a été établie le 12 mars 2025.</p><h2>Voies de recours</h2>`, (r) => {
        expect(r.valeur_nombre).toBe(78);
        expect(r.valeur_texte).toBe('établie le 2025-03-12');
      }],
      ['an old one, made more than three years before the visit', `<h1>Accessibilité</h1><h3>ETAT DE CONFORMITE</h3><h3>Retour d’information et contact</h3><p>Cette déclaration a été établie le 02/09/2020.</p><p>45,5 % des critères respectés</p>`, (r) => {
        expect(r.valeur_nombre).toBe(45.5);
        expect(r.valeur_texte).toBe('établie le 2020-09-02, plus de trois ans avant la visite');
      }],
    ],
    non: [
      ['a page that names accessibility once', '<h1>Accessibilité</h1><p>Nous travaillons à rendre ce site accessible.</p>'],
      ['one heading of the model only', '<h1>Déclaration d’accessibilité</h1><h2>État de conformité</h2><p>En cours.</p>'],
    ],
  },
  'schema-pluriannuel': {
    oui: [
      ['by its link text', '<a href="/documents/sdma-2024-2026.pdf">Schéma pluriannuel de mise en accessibilité 2024-2026</a>', () => undefined],
      ['by its address', '<a href="/fichiers/schema-pluriannuel-accessibilite.pdf">Télécharger le document (PDF)</a>', () => undefined],
    ],
    non: [
      ['a plan of another kind', '<a href="/plu.pdf">Plan local d’urbanisme</a>'],
      ['cited without a link', '<p>Le schéma pluriannuel sera publié prochainement.</p>'],
    ],
  },
  'actes-en-ligne': {
    oui: [
      ['a list of dated PDF links', '<h1>Délibérations du conseil municipal</h1><ul><li><a href="/docs/deliberation-2025-12.pdf">Séance du 15 décembre 2025</a></li><li><a href="/docs/deliberation-2025-10.pdf">Séance du 3 octobre 2025</a></li></ul>', (r) => expect(r.valeur_texte).toBe('2025-12-15')],
      ['a table of acts, the date in another cell', '<h2>Recueil des actes administratifs</h2><table><tr><th>Acte</th><th>Date</th></tr><tr><td><a href="arretes/AR-2026-041.pdf">Arrêté de circulation</a></td><td>04/02/2026</td></tr></table>', (r) => expect(r.valeur_texte).toBe('2026-02-04')],
    ],
    non: [
      ['« délibération » in passing, no document', '<h1>Vie municipale</h1><p>Le conseil a pris une délibération sur les tarifs de la cantine.</p>'],
      ['a page of acts with undated documents', '<h1>Publication des actes</h1><ul><li><a href="/docs/acte.pdf">Arrêté de voirie</a></li></ul>'],
    ],
  },
  'urbanisme-en-ligne': {
    oui: [
      ['a vendor’s GNAU from a « démarches » page', '<h1>Démarches</h1><a href="https://gnau12.operis.fr/exemple/gnau/">Déposer une demande d’urbanisme</a>', (r) => expect(r.valeur_texte).toMatch(/Operis/)],
      ['a procedure on demarches-simplifiees.fr', '<a href="https://www.demarches-simplifiees.fr/commencer/exemple-autorisation">Déposer un permis de construire en ligne</a>', () => undefined],
    ],
    non: [
      ['a PDF form to print', '<a href="/cerfa-13406.pdf">Formulaire de permis de construire (PDF)</a>'],
      ['a procedure of another kind on demarches-simplifiees.fr', '<a href="https://www.demarches-simplifiees.fr/commencer/inscription-cantine">Inscription à la cantine</a>'],
    ],
  },
  franceconnect: {
    oui: [
      ['the State design system’s button', '<div class="fr-connect-group"><button class="fr-connect"><span class="fr-connect__login">S’identifier avec</span> <span class="fr-connect__brand">FranceConnect</span></button><p><a href="https://franceconnect.gouv.fr/">Qu’est-ce que FranceConnect ?</a></p></div>', () => undefined],
      ['the older button, an image', '<a class="franceconnect-button" href="/auth/fc"><img src="/fc.svg" alt="S’identifier avec FranceConnect"></a>', () => undefined],
    ],
    non: [
      ['ProConnect, for agents', '<div class="fr-connect-group"><button class="fr-connect"><span class="fr-connect__login">S’identifier avec</span> <span class="fr-connect__brand">ProConnect</span></button></div>'],
      ['a login form of the portal', '<form><label>Identifiant <input name="login"></label><button>Se connecter</button></form>'],
    ],
  },
  'demarches-en-ligne': {
    oui: [
      ['payment and appointments', '<a href="https://www.payfip.gouv.fr/tpa/accueilportail.web">Payer la cantine</a><a href="https://rdv.anct.gouv.fr/prendre_rdv?departement=35">Prendre rendez-vous</a>', (r) => {
        expect(r.valeur_nombre).toBe(2);
        expect(r.valeur_texte).toBe('paiement;rendez-vous');
      }],
      ['a civil-status request, by its link text', '<a href="/etat-civil/demande">Demande d’acte de naissance</a>', (r) => expect(r.valeur_texte).toBe('etat-civil')],
    ],
    non: [
      ['news and agenda only', '<a href="/actualites">Actualités</a><a href="/agenda">Agenda</a>'],
      ['a procedure of urban planning only (its own check)', '<a href="https://sve.sirap.fr/#/123/">Urbanisme</a>'],
    ],
  },
  'mentions-legales': {
    oui: [
      ['by its text', '<footer><a href="/page/ml">Mentions légales</a></footer>', () => undefined],
      ['by its address', '<footer><a href="/mentions-legales/">Informations</a></footer>', () => undefined],
    ],
    non: [
      ['no such page', '<footer><a href="/plan">Plan du site</a></footer>'],
      ['the words without a link', '<footer><p>Mentions légales : voir l’accueil de la mairie</p></footer>'],
    ],
  },
  'donnees-personnelles': {
    oui: [
      ['a privacy policy', '<footer><a href="/politique-de-confidentialite">Politique de confidentialité</a></footer>', () => undefined],
      ['a page on personal data', '<footer><a href="/rgpd">Données personnelles</a></footer>', () => undefined],
    ],
    non: [
      ['cookies only', '<footer><a href="/cookies">Gestion des cookies</a></footer>'],
      ['nothing', '<footer><a href="/">Accueil</a></footer>'],
    ],
  },
  contact: {
    oui: [
      ['a contact page', '<nav><a href="/nous-contacter">Nous contacter</a></nav>', () => undefined],
      ['an email address', '<footer><a href="mailto:mairie@exemple.fr">mairie@exemple.fr</a></footer>', () => undefined],
    ],
    non: [
      ['a phone number only', '<footer><p>Tél. 02 99 00 00 00</p></footer>'],
      ['an address only', '<footer><p>1 place de la Mairie</p></footer>'],
    ],
  },
  mobile: {
    oui: [],
    non: [],
  },
};

describe('each detector', () => {
  for (const [controle, { oui, non }] of Object.entries(cases) as [Controle, (typeof cases)[keyof typeof cases]][]) {
    if (controle === 'mobile') continue;
    it(`${controle}: at least two pages that say yes and two that say no`, () => {
      expect(oui.length).toBeGreaterThanOrEqual(2);
      expect(non.length).toBeGreaterThanOrEqual(2);
      for (const [label, body, check] of oui) {
        const r = juge(controle, body);
        expect(r.resultat, label).toBe('oui');
        expect(r.preuve, label).toMatch(/^(https?|mailto):/);
        expect((r.extrait ?? '').length, label).toBeLessThanOrEqual(200);
        check(r);
      }
      for (const [label, body] of non) expect(juge(controle, body).resultat, label).toBe('non');
    });
  }

  it('mobile: a viewport for small screens that lets people zoom', () => {
    const viewport = (content: string) => juge('mobile', '<p>x</p>', { head: `<meta name="viewport" content="${content}">` });
    expect(viewport('width=device-width, initial-scale=1').resultat).toBe('oui');
    expect(viewport('width=device-width,initial-scale=1,maximum-scale=5').resultat).toBe('oui');
    expect(viewport('width=device-width, user-scalable=no').resultat).toBe('non');
    expect(viewport('width=device-width, maximum-scale=1').motif).toMatch(/zoom/);
    expect(viewport('width=1024').resultat).toBe('non');
    expect(juge('mobile', '<p>x</p>').motif).toMatch(/viewport/);
  });

  it('https, weight and time: from the home page as fetched', () => {
    expect(juge('https', '<p>x</p>').resultat).toBe('oui');
    expect(juge('https', '<p>x</p>', { url: 'http://mairie.example/' })).toMatchObject({ resultat: 'non', motif: expect.stringMatching(/HTTP/) });
    expect(juge('poids-accueil', '<p>x</p>')).toMatchObject({ resultat: 'mesure', valeur_nombre: 8, unite: 'octets' });
    expect(juge('temps-reponse', '<p>x</p>')).toMatchObject({ resultat: 'mesure', valeur_nombre: 120, unite: 'ms' });
  });

  it('cuts every excerpt at 200 characters', () => {
    const long = `Déclaration d’accessibilité ${'très '.repeat(100)}`;
    const r = juge('declaration-accessibilite', `<h1>${long}</h1><h2>État de conformité</h2><h2>Voies de recours</h2>`);
    expect(r.extrait!.length).toBe(200);
  });
});

describe('a site judged from its pages', () => {
  it('takes a check from the first page that says yes, the home page’s mention from the home page only', () => {
    const accueil = lue('<a href="/accessibilite">Accessibilité</a><a href="/demarches">Démarches</a>');
    const declaration = lue('<h1>Déclaration</h1><h2>État de conformité</h2><h2>Voies de recours</h2><p>Accessibilité : partiellement conforme</p>', { url: 'https://www.mairie-exemple.fr/accessibilite' });
    const demarches = lue('<a href="https://gnau3.operis.fr/exemple/gnau/">Urbanisme en ligne</a>', { url: 'https://www.mairie-exemple.fr/demarches' });
    const site = jugerSite([accueil, declaration, demarches], { dateVisite: DATE_VISITE, services });
    expect(Object.keys(site).sort()).toEqual([...CONTROLES].sort());
    expect(site['declaration-accessibilite']).toMatchObject({ resultat: 'oui', preuve: 'https://www.mairie-exemple.fr/accessibilite' });
    expect(site['urbanisme-en-ligne']).toMatchObject({ resultat: 'oui', preuve: 'https://gnau3.operis.fr/exemple/gnau/' });
    // The mention must be on the home page: found only on the declaration, it does not count.
    expect(site['mention-accessibilite'].resultat).toBe('non');
    expect(site.franceconnect).toMatchObject({ resultat: 'non', preuve: 'https://www.mairie-exemple.fr/' });
  });

  it('reads at most MAX_LIENS links of a page with 20 000', () => {
    const body = Array.from({ length: 20_000 }, (_, i) => `<a href="/p${i}">lien ${i}</a>`).join('');
    expect(lue(body).liens).toHaveLength(MAX_LIENS);
  });
});

describe('a page read in one pass, without a DOM', () => {
  const brut = (html: string, url = 'https://www.mairie-exemple.fr/') => lirePage({ url, urlFinale: url, statut: 200, html, octets: html.length, dureeMs: 1 });

  it('reads the body of a page whose head is never closed, and leaves the title out of the text', () => {
    const page = brut('<html><head><title>Mairie de Trifouilly</title><meta name="viewport" content="width=device-width"><div>Accessibilité : partiellement conforme</div>');
    expect(page.titre).toBe('Mairie de Trifouilly');
    expect(page.viewport).toBe('width=device-width');
    expect(page.texte).toBe('Accessibilité : partiellement conforme');
  });

  it('separates the words of cells, items and blocks, and keeps images’ alternative text in place', () => {
    const page = lue('<table><tr><td>12/03/2025</td><td>Délibération</td></tr></table><ul><li>un</li><li>deux<img src="x.png" alt="trois"></li></ul>');
    expect(page.texte).toBe('12/03/2025 Délibération un deux trois');
  });

  it('gives each link the text of its row, item or paragraph, and its own text outside one', () => {
    const page = lue('<table><tr><td>Séance du 12 mars 2025</td><td><a href="/pv.pdf">PV</a></td></tr></table><p>Arrêté du 3 avril 2025 : <a href="/a.pdf">télécharger</a></p><a href="/seul.pdf">Seul</a>');
    expect(page.liens.map((l) => l.contexte)).toEqual(['Séance du 12 mars 2025 PV', 'Arrêté du 3 avril 2025 : télécharger', 'Seul']);
    expect(page.liens.map((l) => l.href)).toEqual(['https://www.mairie-exemple.fr/pv.pdf', 'https://www.mairie-exemple.fr/a.pdf', 'https://www.mairie-exemple.fr/seul.pdf']);
  });

  it('resolves links against <base href>, and reads a link’s title, aria-label and image', () => {
    const page = lue('<a href="demarches"><img src="i.png" alt="Démarches"></a><a href="/x" aria-label="Nous écrire" title="Contact"></a>', { head: '<base href="https://autre.example.fr/portail/">' });
    expect(page.liens.map((l) => [l.href, l.texte])).toEqual([
      ['https://autre.example.fr/portail/demarches', 'Démarches'],
      ['https://autre.example.fr/x', 'Contact Nous écrire'],
    ]);
  });

  it('survives an address in Latin-1 percent-encoding (invalid UTF-8), in the choice of links and in the acts', () => {
    const page = lue('<h1>Délibérations</h1><ul><li><a href="/d%E9lib%E9rations">Délibérations</a></li><li><a href="/docs/s%E9ance-2025-03-12.pdf">Séance</a></li></ul>');
    expect(choisirLiens(page, 7)).toEqual(['https://www.mairie-exemple.fr/d%E9lib%E9rations']);
    expect(DETECTEURS['actes-en-ligne'](page, { accueil: false, dateVisite: DATE_VISITE, services })).toMatchObject({ resultat: 'oui', valeur_texte: '2025-03-12' });
  });

  it('reads a link’s context near the link: a long article, a paragraph of sixty acts (second read of the change)', () => {
    const juge = (page: PageLue) => DETECTEURS['actes-en-ligne'](page, { accueil: false, dateVisite: DATE_VISITE, services });
    // WordPress: a file block after a long introduction, both in one <article>.
    const intro = `<div>${'La commune publie ici les comptes rendus de ses conseils municipaux. '.repeat(32)}</div>`;
    const article = lue(`<h1>Conseil municipal</h1><article><div class="entry-content">${intro}<div class="wp-block-file"><a href="/CR-CM.pdf">Compte rendu du conseil municipal du 12 mars 2025</a></div></div></article>`);
    expect(juge(article)).toMatchObject({ resultat: 'oui', valeur_texte: '2025-03-12' });
    // One paragraph, sixty acts separated by <br>, oldest first: the latest act is the evidence.
    const actes = Array.from({ length: 60 }, (_, i) => `Délibération du 15/${String((i % 12) + 1).padStart(2, '0')}/${2020 + Math.floor(i / 12)} : <a href="/d${i}.pdf">télécharger</a><br>`).join('\n');
    expect(juge(lue(`<h1>Délibérations</h1><p>${actes}</p>`))).toMatchObject({ resultat: 'oui', valeur_texte: '2024-12-15' });
  });

  it('counts a text’s length with its spaces collapsed: indented markup does not hide a link’s or a heading’s words', () => {
    const imbrique = `${'<div>\n      '.repeat(40)}<span>Mentions légales</span>${'\n    </div>'.repeat(40)}`;
    const page = lue(`<a class="card" href="/page-42">${imbrique}</a><h2>${'&nbsp;'.repeat(1001)}Déclaration</h2>`);
    expect(page.liens[0]!.texte).toBe('Mentions légales');
    expect(DETECTEURS['mentions-legales'](page, { accueil: true, dateVisite: DATE_VISITE, services }).resultat).toBe('oui');
    expect(page.intertitres).toEqual(['Déclaration']);
  });

  it('reads the links a script-built menu keeps in <noscript>, none of an inert <template>; headings in the document’s order', () => {
    const page = lue('<noscript><a href="/page/13">Mentions légales</a></noscript><template><a href="/modele">Modèle</a></template><h2>A <h3>B</h3></h2>');
    expect(page.liens.map((l) => [l.href, l.texte])).toEqual([['https://www.mairie-exemple.fr/page/13', 'Mentions légales']]);
    expect(page.intertitres.map((h) => h.slice(0, 1))).toEqual(['A', 'B']);
  });

  it('knows FranceConnect’s button by its class with its image inside, not a logo standing alone', () => {
    const fc = (body: string) => DETECTEURS.franceconnect(lue(body), { accueil: true, dateVisite: DATE_VISITE, services }).resultat;
    expect(fc('<p>Nos partenaires</p><img class="logo-franceconnect" src="fc.svg" alt="FranceConnect">')).toBe('non');
    expect(fc('<button class="franceconnect-button"><img src="fc.svg" alt="S’identifier avec FranceConnect"></button>')).toBe('oui');
  });

  it('flattens wording as a full decomposition would, apostrophes made straight', () => {
    const reference = (s: string) => s.replace(/\s+/g, ' ').trim().normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[’`]/g, "'");
    const morceaux = ['Déclaration', 'D’ACCESSIBILITÉ', 'e\u0301te\u0301', 'Œuvre', 'ǅ', '\u00a0', '\u202f', '\n', ' ', 'àÀçÇ', 'ﬁ', 'İ', '€', 'l`arrêté', 'ß', 'Ångström'];
    for (let i = 0; i < 500; i++) {
      const s = Array.from({ length: 1 + (i % 7) }, (_, k) => morceaux[(i * 7 + k * 13) % morceaux.length]).join(i % 2 ? '' : ' ');
      expect(plat(s)).toBe(reference(s));
    }
  });
});

describe('the data files of the checks', () => {
  it('define every check the detectors know, with a label and a method', () => {
    const definitions = lireDefinitions();
    expect(definitions.map((d) => d.id)).toEqual([...CONTROLES]);
    for (const d of definitions) {
      expect(d.libelle.length, d.id).toBeGreaterThan(10);
      expect(d.methode.length, d.id).toBeGreaterThan(40);
    }
    expect(definitions.find((d) => d.id === 'actes-en-ligne')!.obligees).toBe('commune>=3500;epci;departement;region');
  });

  it('reads French dates in their three shapes, and no impossible one', () => {
    expect(datesEcrites('Séance du 1er juillet 2022, publié le 04/07/2022 (2022-07-05) ; 31/02/2022')).toEqual(['2022-07-01', '2022-07-04', '2022-07-05']);
  });
});
