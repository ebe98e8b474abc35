// Wilson score interval for a proportion (95 % by default): well behaved near 0 % and 100 % and for small counts.

export function wilson(reached: number, total: number, z = 1.959963984540054): { low: number; high: number } | null {
  if (!(total > 0) || reached < 0 || reached > total) return null;
  const p = reached / total;
  const z2 = z * z;
  const denom = 1 + z2 / total;
  const centre = (p + z2 / (2 * total)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total))) / denom;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** The same formula in SQL, over columns `a` (reached) and `n` (total), for DuckDB. */
export function wilsonSql(a: string, n: string, bound: 'low' | 'high', z = 1.959963984540054): string {
  const z2 = z * z;
  const p = `(${a}::DOUBLE / ${n})`;
  const sign = bound === 'low' ? '-' : '+';
  const value = `((${p} + ${z2} / (2.0 * ${n})) ${sign} ${z} * sqrt(${p} * (1 - ${p}) / ${n} + ${z2} / (4.0 * ${n} * ${n}))) / (1 + ${z2} / ${n})`;
  return bound === 'low' ? `greatest(0.0, ${value})` : `least(1.0, ${value})`;
}
