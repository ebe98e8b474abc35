// Semesters as written in the exports (AAAA-S1, AAAA-S2): consecutive indexes, the previous one, a short label for an axis.

/** 2021-S1 → 4042, 2021-S2 → 4043: consecutive semesters have consecutive indexes. */
export function periodeIndex(periode: string): number {
  const m = /^(\d{4})-S([12])$/.exec(periode);
  if (!m) throw new Error(`semestre invalide : ${periode} (attendu : AAAA-S1 ou AAAA-S2)`);
  return Number(m[1]) * 2 + Number(m[2]) - 1;
}

export function periodeFromIndex(index: number): string {
  return `${Math.floor(index / 2)}-S${(index % 2) + 1}`;
}

export function previousPeriode(periode: string): string {
  return periodeFromIndex(periodeIndex(periode) - 1);
}

/** "S1 2021", short enough for an axis. */
export function periodeCourte(periode: string): string {
  const [y, s] = periode.split('-');
  return `${s} ${y}`;
}
