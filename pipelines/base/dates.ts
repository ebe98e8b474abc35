// Calendar helpers: the data's calendar is Europe/Paris.
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** A YYYY-MM-DD date that exists, or a clear error. */
export function checkDate(date: string): string {
  if (!DATE_RE.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) {
    throw new Error(`Date invalide « ${date} » : format attendu AAAA-MM-JJ (par exemple 2026-06-30).`);
  }
  return date;
}

/** The date in Europe/Paris (the data's calendar), as YYYY-MM-DD. */
export function parisDate(d: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}
