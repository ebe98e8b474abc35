// French formatting: 12,5 %, thin no-break spaces for thousands, dates in French.

const pct = new Intl.NumberFormat('fr-FR', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const int = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
const dateFmt = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Paris' });

// The same figures come back on thousands of pages (a strate's rate on each of its collectivités' pages): each
// formatted string is kept, up to a bound, instead of asking ICU again.
function memo<K, V>(compute: (key: K) => V, max = 50_000): (key: K) => V {
  const cache = new Map<K, V>();
  return (key) => {
    // A Map takes −0 for 0; ICU writes "-0": never served from the cache.
    if (Object.is(key, -0)) return compute(key);
    let v = cache.get(key);
    if (v === undefined) {
      if (cache.size >= max) cache.clear();
      cache.set(key, (v = compute(key)));
    }
    return v;
  };
}

// ICU puts a no-break space before "%"; French typography wants the narrow one, as between thousands.
const percent = memo((value: number) => pct.format(value).replace('\u00a0', '\u202f'));
const integer = memo((value: number) => int.format(value));
const date = memo((value: string) => {
  const d = new Date(value.length === 10 ? `${value}T12:00:00Z` : value);
  return Number.isNaN(d.getTime()) ? value : dateFmt.format(d);
});

export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : percent(value);
}

export function formatInteger(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : integer(value);
}

/** "9 avril 2021" from YYYY-MM-DD or an ISO timestamp. */
export function formatDate(value: string | null | undefined): string {
  return value ? date(value) : '—';
}

/** "1er semestre 2021" from "2021-S1". */
export function formatPeriode(p: string): string {
  const m = /^(\d{4})-S([12])$/.exec(p);
  if (!m) return p;
  return `${m[2] === '1' ? '1er' : '2e'} semestre ${m[1]}`;
}
