// Semesters: S1 = January–June, S2 = July–December. `2026-S2` is the period; its end is 2026-12-31.

export type Periode = `${number}-S${1 | 2}`;

const PERIOD_RE = /^(\d{4})-S([12])$/;

export function isPeriode(value: string): value is Periode {
  return PERIOD_RE.test(value);
}

export function parsePeriode(value: string): { year: number; half: 1 | 2 } {
  const m = PERIOD_RE.exec(value);
  if (!m) throw new Error(`Période invalide « ${value} » : format attendu AAAA-S1 ou AAAA-S2 (par exemple 2026-S2).`);
  return { year: Number(m[1]), half: Number(m[2]) as 1 | 2 };
}

/** The semester a date (YYYY-MM-DD) falls in. */
export function periodeOf(date: string): Periode {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  if (!Number.isInteger(year) || !(month >= 1 && month <= 12)) throw new Error(`Date invalide « ${date} »`);
  return `${year}-S${month <= 6 ? 1 : 2}` as Periode;
}

export function periodeStart(p: string): string {
  const { year, half } = parsePeriode(p);
  return half === 1 ? `${year}-01-01` : `${year}-07-01`;
}

export function periodeEnd(p: string): string {
  const { year, half } = parsePeriode(p);
  return half === 1 ? `${year}-06-30` : `${year}-12-31`;
}

export function nextPeriode(p: string): Periode {
  const { year, half } = parsePeriode(p);
  return (half === 1 ? `${year}-S2` : `${year + 1}-S1`) as Periode;
}

export function previousPeriode(p: string): Periode {
  const { year, half } = parsePeriode(p);
  return (half === 2 ? `${year}-S1` : `${year - 1}-S2`) as Periode;
}

/** Every semester from `first` to `last`, both included. */
export function periodesBetween(first: string, last: string): Periode[] {
  const out: Periode[] = [];
  for (let p = first as Periode; p <= last; p = nextPeriode(p)) out.push(p);
  return out;
}

/** "2e semestre 2026" */
export function periodeLabel(p: string): string {
  const { year, half } = parsePeriode(p);
  return `${half === 1 ? '1er' : '2e'} semestre ${year}`;
}
