// Browser side: the search box of the Territoires pages (hidden without JavaScript, where links replace it).
import { formatInteger } from '../format.ts';
import { type EntreeRecherche, TYPE_DE_CODE, cleDeRecherche, rechercher, urlTerritoire } from '../recherche.ts';
import { chargerIndex, differer, el } from './charger.ts';

const TYPES: Record<string, string> = { c: 'commune', e: 'EPCI', d: 'département', r: 'région' };

function description(e: EntreeRecherche, departements: Record<string, string>): string {
  const [code, , type, dep, cps, population] = e;
  const parts = [TYPES[type] ?? type];
  if (type === 'c' || type === 'e') parts.push(departements[dep] ? `${departements[dep]} (${dep})` : dep);
  parts.push(type === 'c' ? `code INSEE ${code}` : type === 'e' ? `SIREN ${code}` : `code ${code}`);
  if (cps) parts.push(cps.split(' ').length > 1 ? `codes postaux ${cps.split(' ').join(', ')}` : `code postal ${cps}`);
  if (population) parts.push(`${formatInteger(population)} habitants`);
  return parts.join(' · ');
}

export function initRecherche(form: HTMLFormElement): void {
  const input = form.querySelector<HTMLInputElement>('input[type="search"]')!;
  const statut = form.querySelector<HTMLElement>('[data-statut]')!;
  const liste = form.querySelector<HTMLUListElement>('[data-resultats]')!;
  form.hidden = false;
  for (const n of form.parentElement?.querySelectorAll<HTMLElement>('[data-sans-js]') ?? []) n.hidden = true;
  let demande = 0;

  async function chercher(query: string): Promise<void> {
    const id = ++demande;
    if (cleDeRecherche(query) === null) {
      liste.replaceChildren();
      statut.textContent = query.trim() ? 'Tapez au moins deux chiffres d’un code.' : '';
      return;
    }
    statut.textContent = 'Recherche…';
    let index;
    try {
      index = await chargerIndex(query);
    } catch {
      if (id === demande) statut.textContent = 'La recherche n’a pas pu charger son index ; réessayez, ou passez par la liste des départements.';
      return;
    }
    if (id !== demande) return;
    const { resultats, total } = index ? rechercher(index.entrees, query, { normalises: index.normalises }) : { resultats: [], total: 0 };
    liste.replaceChildren(
      ...resultats.map(({ entree }) => {
        const url = urlTerritoire(TYPE_DE_CODE[entree[2]], entree[0], entree[6] === 1);
        return el('li', {}, el('a', { href: url }, entree[1]), el('span', { class: 'resultat-detail' }, ` — ${description(entree, index?.departements ?? {})}`));
      }),
    );
    statut.textContent =
      total === 0
        ? `Aucun résultat pour « ${query.trim()} ».`
        : total > resultats.length
          ? `${formatInteger(total)} résultats ; les ${resultats.length} premiers sont affichés. Précisez la recherche.`
          : `${formatInteger(total)} résultat${total > 1 ? 's' : ''}.`;
  }

  const differee = differer(() => void chercher(input.value), 250);
  input.addEventListener('input', differee);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void chercher(input.value);
    const url = new URL(location.href);
    if (input.value.trim()) url.searchParams.set('q', input.value.trim());
    else url.searchParams.delete('q');
    history.replaceState(null, '', url);
  });
  const initial = new URL(location.href).searchParams.get('q');
  if (initial) {
    input.value = initial;
    void chercher(initial);
  }
}

export function initToutesRecherches(): void {
  for (const form of document.querySelectorAll<HTMLFormElement>('form[data-recherche]')) initRecherche(form);
}
