// Browser side: "Comparer avec…" on a territory page. Reads ?avec=<code>, loads the other collectivité's
// data file, shows both side by side, and keeps the choice in the URL (a reload or a shared link shows it).
import { formatInteger, formatPeriode } from '../format.ts';
import { TYPE_CODES, type TypeCollectivite, fichierDonnees, normaliser, rechercher, urlTerritoire } from '../recherche.ts';
import { type Fiche, type FichierDonnees, type IndicateurResume, type TauxResume, TYPE_MOTS, cleTaux, deNom, tauxTexte, valeurCourte } from '../territoires-texte.ts';
import { chargerDonnees, chargerIndex, differer, el } from './charger.ts';

interface Soi {
  fiche: Fiche;
  taux: Record<string, TauxResume>;
  indicateurs: Pick<IndicateurResume, 'id' | 'court' | 'periode' | 'nature' | 'valeur'>[];
  strates: Record<string, string>;
}

/** "Saint-Malo (35288)" → "35288"; a bare code is taken as is. */
export function codeSaisi(value: string): string | null {
  const v = value.trim();
  const inParens = /\(([0-9A-Za-z]{2,9})\)\s*$/.exec(v);
  if (inParens) return inParens[1]!.toUpperCase();
  return /^[0-9][0-9AB][0-9]{0,7}$/i.test(v) ? v.toUpperCase() : null;
}

export function initComparer(root: HTMLElement): void {
  const soi = JSON.parse(document.getElementById('territoire-donnees')!.textContent!) as Soi;
  const type: TypeCollectivite = soi.fiche.type;
  const mots = TYPE_MOTS[type];
  const form = root.querySelector<HTMLFormElement>('form')!;
  const input = form.querySelector<HTMLInputElement>('input[name="avec"]')!;
  const datalist = root.querySelector<HTMLDataListElement>('datalist')!;
  const statut = root.querySelector<HTMLElement>('[data-statut]')!;
  const sortie = root.querySelector<HTMLElement>('[data-sortie]')!;
  const effacer = root.querySelector<HTMLButtonElement>('[data-effacer]')!;
  form.hidden = false;
  for (const n of root.querySelectorAll<HTMLElement>('[data-sans-js]')) n.hidden = true;

  const suggerer = differer(async () => {
    const index = await chargerIndex(input.value).catch(() => null);
    if (!index) return;
    const { resultats } = rechercher(index.entrees, input.value, { types: [TYPE_CODES[type]], normalises: index.normalises, limite: 15 });
    datalist.replaceChildren(...resultats.filter((r) => r.entree[0] !== soi.fiche.code).map((r) => el('option', { value: `${r.entree[1]} (${r.entree[0]})` })));
  }, 200);
  input.addEventListener('input', () => {
    // A suggestion picked from the list is complete: no need to search again.
    if (codeSaisi(input.value) === null) suggerer();
  });

  function garderDansUrl(code: string | null): void {
    const url = new URL(location.href);
    if (code) url.searchParams.set('avec', code);
    else url.searchParams.delete('avec');
    history.replaceState(null, '', url);
  }

  async function resoudre(value: string): Promise<string | null> {
    const code = codeSaisi(value);
    if (code) return code;
    const index = await chargerIndex(value).catch(() => null);
    if (!index) return null;
    const q = normaliser(value);
    const { resultats } = rechercher(index.entrees, value, { types: [TYPE_CODES[type]], normalises: index.normalises, limite: 6 });
    const exact = resultats.filter((r) => normaliser(r.entree[1]) === q);
    if (exact.length === 1) return exact[0]!.entree[0];
    if (resultats.length === 1) return resultats[0]!.entree[0];
    if (resultats.length > 1) {
      statut.replaceChildren(
        `Plusieurs ${mots.pluriel} correspondent ; choisissez : `,
        ...resultats.flatMap((r, i) => [i > 0 ? ', ' : '', el('a', { href: `?avec=${encodeURIComponent(r.entree[0])}` }, `${r.entree[1]} (${r.entree[0]})`)]),
        '.',
      );
      return null;
    }
    statut.textContent = `Aucun${mots.feminin ? 'e' : ''} ${mots.un} ne correspond à « ${value.trim()} ».`;
    return null;
  }

  async function comparer(code: string): Promise<void> {
    if (code === soi.fiche.code) {
      statut.textContent = `Choisissez un${mots.feminin ? 'e' : ''} autre ${mots.un} que ${soi.fiche.nom}.`;
      return;
    }
    statut.textContent = 'Chargement…';
    let fichier: FichierDonnees;
    try {
      fichier = await chargerDonnees(fichierDonnees(type, code));
    } catch {
      statut.textContent = `Aucun${mots.feminin ? 'e' : ''} ${mots.un} de code ${code} n’a été trouvé${mots.feminin ? 'e' : ''}.`;
      return;
    }
    const autre = fichier.collectivites.find((f) => f.code === code && f.type === type);
    if (!autre) {
      statut.textContent = `Aucun${mots.feminin ? 'e' : ''} ${mots.un} de code ${code} n’a été trouvé${mots.feminin ? 'e' : ''}.`;
      return;
    }
    sortie.replaceChildren(tableau(soi, autre, fichier));
    sortie.hidden = false;
    effacer.hidden = false;
    input.value = `${autre.nom} (${autre.code})`;
    garderDansUrl(code);
    statut.textContent = `Comparaison affichée ci-dessous : ${soi.fiche.nom} et ${autre.nom}.`;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const code = await resoudre(input.value);
    if (code) await comparer(code);
  });
  effacer.addEventListener('click', () => {
    sortie.replaceChildren();
    sortie.hidden = true;
    effacer.hidden = true;
    input.value = '';
    garderDansUrl(null);
    statut.textContent = 'Comparaison retirée.';
    input.focus();
  });
  const initial = new URL(location.href).searchParams.get('avec');
  if (initial) void comparer(initial.toUpperCase());
}

function tableau(soi: Soi, autre: Fiche, fichier: FichierDonnees): HTMLElement {
  const a = soi.fiche;
  const type = a.type;
  const strateA = soi.strates[a.strate] ?? a.strate;
  const strateB = fichier.strates[autre.strate] ?? autre.strate;
  const ids = soi.indicateurs.map((i) => i.id).filter((id) => a.v[id] || autre.v[id]);
  const th = (text: string, attrs: Record<string, string> = {}) => el('th', attrs, text);
  const lienAutre = el('a', { href: urlTerritoire(type, autre.code, autre.page) }, autre.nom);
  const head = el('tr', {}, th('Indicateur', { scope: 'col' }), th(a.nom, { scope: 'col' }), el('th', { scope: 'col' }, lienAutre), th(`Strate ${deNom(a.nom)} en France`, { scope: 'col' }), th(`Strate ${deNom(autre.nom)} en France`, { scope: 'col' }));
  const rows = [
    el('tr', {}, th('Population', { scope: 'row' }), el('td', { class: 'num' }, formatInteger(a.population)), el('td', { class: 'num' }, formatInteger(autre.population)), el('td', {}, strateA), el('td', {}, strateB)),
    ...ids.map((id) => {
      const ind = soi.indicateurs.find((i) => i.id === id)!;
      const tA = soi.taux[cleTaux(id, 'FR', type, a.strate)];
      const tB = fichier.taux[cleTaux(id, 'FR', type, autre.strate)];
      return el(
        'tr',
        {},
        th(`${ind.court} (${formatPeriode(ind.periode)})`, { scope: 'row' }),
        el('td', {}, a.v[id] ? valeurCourte(ind.nature, a.v[id]![0], ind.valeur) : 'pas de valeur'),
        el('td', {}, autre.v[id] ? valeurCourte(ind.nature, autre.v[id]![0], ind.valeur) : 'pas de valeur'),
        el('td', { class: 'num' }, tauxTexte(tA)),
        el('td', { class: 'num' }, tauxTexte(tB)),
      );
    }),
  ];
  return el(
    'div',
    { class: 'table-scroll' },
    el('table', {}, el('caption', {}, `${a.nom} et ${autre.nom} : leurs valeurs et la part de leur strate qui atteint l’objectif`), el('thead', {}, head), el('tbody', {}, ...rows)),
  );
}
