// French wording shared by the pipelines, the indicators and the pages. Pure functions: the browser scripts use them too.

const MOIS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];

/** « 1er janvier 2022 », « 7 août 2020 »: a YYYY-MM-DD date as French legal texts write it. */
export function dateEnMots(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return `${d === 1 ? '1er' : d} ${MOIS[m - 1]} ${y}`;
}

/** « 1 000 »: a count with ordinary spaces between thousands, as the texts of the exports and the logs write it. */
export function nombreFr(n: number): string {
  return n.toLocaleString('fr-FR').replace(/\u202f|\u00a0/g, ' ');
}
