// French formatting: 12,5 %, thin no-break spaces for thousands, dates in French.

const pct = new Intl.NumberFormat('fr-FR', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const int = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
const dateFmt = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Paris' });

export function formatPercent(value: number | null | undefined): string {
  // ICU puts a no-break space before "%"; French typography wants the narrow one, as between thousands.
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : pct.format(value).replace('\u00a0', '\u202f');
}

export function formatInteger(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : int.format(value);
}

/** "9 avril 2021" from YYYY-MM-DD or an ISO timestamp. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return '—';
  const d = new Date(value.length === 10 ? `${value}T12:00:00Z` : value);
  return Number.isNaN(d.getTime()) ? value : dateFmt.format(d);
}

/** "1er semestre 2021" from "2021-S1". */
export function formatPeriode(p: string): string {
  const m = /^(\d{4})-S([12])$/.exec(p);
  if (!m) return p;
  return `${m[2] === '1' ? '1er' : '2e'} semestre ${m[1]}`;
}
