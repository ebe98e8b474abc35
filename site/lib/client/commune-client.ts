// Browser side: the generic page of a commune without a page of its own (fewer than 3 500 inhabitants),
// /territoires/commune/?code=<INSEE>, drawn from its département's data file.
import { formatDate, formatInteger, formatPeriode } from '../format.ts';
import { departementDeCommune, fichierDonnees, urlTerritoire } from '../recherche.ts';
import {
  type Fiche,
  type FichierDonnees,
  TYPE_MOTS,
  cleTaux,
  groupeStrate,
  ligneChantier,
  lireValeur,
  medianeTexte,
  percentileTexte,
  phraseObligation,
  phraseValeur,
  rangTexte,
  tauxDetaille,
  valeurCourte,
} from '../territoires-texte.ts';
import { lignesTableau, tableauHtml } from '../tableau-bord.ts';
import { chargerDonnees, el } from './charger.ts';

const PAIRS_MAX = 30;

export async function initCommune(root: HTMLElement): Promise<void> {
  const statut = root.querySelector<HTMLElement>('[data-statut]')!;
  const sortie = root.querySelector<HTMLElement>('[data-sortie]')!;
  const h1 = document.querySelector('h1')!;
  const code = (new URL(location.href).searchParams.get('code') ?? '').trim().toUpperCase();
  if (!/^[0-9][0-9AB][0-9]{3}$/.test(code)) {
    statut.textContent = code ? `« ${code} » n’est pas un code INSEE de commune (cinq caractères, par exemple 35001).` : 'Aucune commune choisie : utilisez la recherche ci-dessous.';
    return;
  }
  statut.textContent = 'Chargement des données de la commune…';
  let fichier: FichierDonnees;
  try {
    fichier = await chargerDonnees(fichierDonnees('commune', code));
  } catch {
    statut.textContent = `Aucune commune de code ${code} n’a été trouvée.`;
    return;
  }
  const c = fichier.collectivites.find((f) => f.code === code);
  if (!c) {
    statut.textContent = `Aucune commune de code ${code} n’a été trouvée.`;
    return;
  }
  if (c.page) {
    // Its own page says more; keep this URL out of the history.
    location.replace(urlTerritoire('commune', c.code, true));
    return;
  }
  h1.textContent = c.nom;
  document.title = `${c.nom} — Territoires — Baromètre DCANT`;
  sortie.replaceChildren(...contenu(c, fichier));
  statut.textContent = `Données affichées : ${c.nom}.`;
  // Said to screen readers (a live region); on screen, the title already says it and the scorecard comes first.
  statut.classList.add('visually-hidden');
}

function contenu(c: Fiche, f: FichierDonnees): Node[] {
  const dep = c.departement ?? departementDeCommune(c.code);
  const strate = f.strates[c.strate] ?? c.strate;
  const groupe = groupeStrate('commune', strate);
  const nodes: Node[] = [];
  nodes.push(el('p', { class: 'lead' }, `Commune${c.population === null ? '' : ` de ${formatInteger(c.population)} habitants`}, dans la strate des ${groupe}.`));
  // The scorecard first, as on the pages of larger collectivités (its HTML comes from the same function).
  const lignes = lignesTableau({
    type: 'commune',
    indicateurs: f.indicateurs,
    valeur: (id) => (c.v[id] ? lireValeur(c.v[id]!) : undefined),
    taux: (id, territoire) => f.taux[cleTaux(id, territoire, 'commune', c.strate)],
    departement: dep,
    population: c.population,
  });
  if (lignes.length > 0) {
    const tpl = document.createElement('template');
    tpl.innerHTML = tableauHtml(lignes, { nom: c.nom, type: 'commune', groupe });
    nodes.push(tpl.content);
  }
  nodes.push(el('h2', {}, 'Fiche d’identité'));
  const dl = el('dl', { class: 'fiche' });
  const add = (k: string, ...v: (Node | string)[]) => dl.append(el('dt', {}, k), el('dd', {}, ...v));
  add('Type', 'Commune');
  add('Code INSEE', c.code);
  if (c.cp) add(c.cp.includes(' ') ? 'Codes postaux' : 'Code postal', c.cp.split(' ').join(', '));
  add('Population', c.population === null ? 'inconnue' : `${formatInteger(c.population)} habitants`);
  add('Strate', strate);
  add('Département', el('a', { href: `/territoires/departement/${dep}/` }, `${f.departements[dep] ?? dep} (${dep})`));
  if (c.region) add('Région', el('a', { href: `/territoires/region/${c.region}/` }, f.regions[c.region] ?? c.region));
  if (c.epci) add('EPCI', el('a', { href: `/territoires/epci/${c.epci}/` }, f.epci[c.epci] ?? c.epci));
  nodes.push(dl);
  nodes.push(el('p', {}, `Cette commune compte moins de 3 500 habitants : elle n’a pas de page propre, ses données viennent du fichier de son département (`, el('a', { href: `/territoires/donnees/${dep}.json` }, 'JSON'), ', ', el('a', { href: `/territoires/donnees/${dep}.csv` }, 'CSV'), ').'));
  const indicateurs = f.indicateurs.filter((i) => c.v[i.id]);
  if (indicateurs.length === 0) nodes.push(el('p', {}, 'Aucun indicateur n’a de valeur pour cette commune.'));
  for (const ind of indicateurs) {
    const v = lireValeur(c.v[ind.id]!);
    const section = el('section', { class: 'indicateur', id: `indicateur-${ind.id}` });
    section.append(el('h2', {}, `${ind.court} `, el('span', { class: 'periode' }, `(${formatPeriode(ind.periode)})`)));
    section.append(el('p', { class: 'nature' }, ligneChantier(ind)));
    const obligation = phraseObligation(ind, v.obligee);
    section.append(el('p', { class: 'valeur' }, el('strong', { class: 'mot' }, valeurCourte(ind.nature, v.valeur, ind.valeur)), ` ${phraseValeur(ind, ind.nature, v.valeur, c.nom)}${obligation ? ` ${obligation}` : ''}`));
    const national = f.taux[cleTaux(ind.id, 'FR', 'commune', c.strate)];
    const ul = el(
      'ul',
      { class: 'comparaisons' },
      el('li', {}, `Sa strate en France (${groupe}) : `, el('strong', {}, tauxDetaille(national, ind.nature, 'commune'))),
      el('li', {}, 'Valeur médiane de sa strate en France : ', el('strong', {}, medianeTexte(ind.nature, national?.m, national, ind.valeur))),
      el('li', {}, `Sa strate dans le département (${f.departements[dep] ?? dep}) : `, el('strong', {}, tauxDetaille(f.taux[cleTaux(ind.id, dep, 'commune', c.strate)], ind.nature, 'commune'))),
      el('li', {}, 'Toutes les communes en France : ', el('strong', {}, tauxDetaille(f.taux[cleTaux(ind.id, 'FR', 'commune', 'toutes')], ind.nature, 'commune'))),
    );
    section.append(ul);
    // Ranks only for values that can be ordered: a yes/no or a survey answer is compared by the groups' shares above.
    if (ind.echelle === 'continue') {
      section.append(el('p', { class: 'rangs-titre' }, 'Rang (1 = meilleure valeur ; les valeurs égales partagent le même rang) :'));
      section.append(
        el(
          'ul',
          { class: 'rangs' },
          el('li', {}, `En France : ${rangTexte(v.rangStrate, v.effectifStrate, v.exaequoStrate, 'commune', strate, 'en France')} ; ${percentileTexte(v.percentileStrate, 'commune')}.`),
          el('li', {}, `Dans le département : ${rangTexte(v.rangDepartement, v.effectifDepartement, v.exaequoDepartement, 'commune', strate, 'du département')} ; ${percentileTexte(v.percentileDepartement, 'commune')}.`),
        ),
      );
    }
    section.append(el('p', { class: 'provenance' }, `Source : ${ind.sources}. Données du ${formatDate(ind.date_donnees)}. Méthode version ${ind.methode_version} (`, el('a', { href: `/methodologie/#${ind.id}` }, 'méthodologie'), ').'));
    nodes.push(section);
  }
  nodes.push(...pairs(c, f, groupe, indicateurs));
  return nodes;
}

function pairs(c: Fiche, f: FichierDonnees, groupe: string, indicateurs: FichierDonnees['indicateurs']): Node[] {
  const autres = f.collectivites.filter((p) => p.strate === c.strate && p.code !== c.code);
  const pop = c.population ?? 0;
  const liste = [...autres]
    .sort((a, b) => Math.abs((a.population ?? 0) - pop) - Math.abs((b.population ?? 0) - pop))
    .slice(0, PAIRS_MAX)
    .concat([c])
    .sort((a, b) => (b.population ?? 0) - (a.population ?? 0) || a.nom.localeCompare(b.nom, 'fr'));
  const h2 = el('h2', {}, `Ses pairs : ${groupe} du même département`);
  const n = autres.length;
  const intro = el('p', {}, n === 0 ? 'Aucune autre commune de sa strate dans le département.' : `${formatInteger(n)} autre${n > 1 ? 's' : ''} ${n > 1 ? groupe : groupe.replace('communes', 'commune')} du même département${n > PAIRS_MAX ? ` ; le tableau montre les ${PAIRS_MAX} plus proches par la population` : ''}.`);
  if (n === 0) return [h2, intro];
  const head = el('tr', {}, el('th', { scope: 'col' }, 'Commune'), el('th', { scope: 'col', class: 'num' }, 'Population'), ...indicateurs.map((i) => el('th', { scope: 'col' }, i.court)));
  const rows = liste.map((p) =>
    el(
      'tr',
      p.code === c.code ? { class: 'soi' } : {},
      el('th', { scope: 'row' }, p.code === c.code ? `${p.nom} (cette commune)` : el('a', { href: urlTerritoire('commune', p.code, p.page) }, p.nom)),
      el('td', { class: 'num' }, formatInteger(p.population)),
      ...indicateurs.map((i) => el('td', {}, p.v[i.id] ? valeurCourte(i.nature, p.v[i.id]![0], i.valeur) : '—')),
    ),
  );
  const table = el('table', {}, el('caption', {}, `${TYPE_MOTS.commune.pluriel.charAt(0).toUpperCase()}${TYPE_MOTS.commune.pluriel.slice(1)} de sa strate du même département, par population`), el('thead', {}, head), el('tbody', {}, ...rows));
  return [h2, intro, el('div', { class: 'table-scroll' }, table)];
}
