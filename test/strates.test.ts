import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadStrates, strateOf, STRATE_INCONNUE } from '../pipelines/referential/referential.ts';
import { scratch } from './helpers/env.ts';

const strates = loadStrates();

describe('strateOf (lower bound inclusive, population municipale)', () => {
  it.each([
    [0, 'com-0-99'],
    [99, 'com-0-99'],
    [100, 'com-100-199'],
    [1999, 'com-500-1999'],
    [2000, 'com-2000-3499'],
    [3499, 'com-2000-3499'],
    [3500, 'com-3500-4999'],
    [4999, 'com-3500-4999'],
    [99_999, 'com-50000-99999'],
    [100_000, 'com-100000-plus'],
    [2_103_778, 'com-100000-plus'],
  ])('a commune of %i inhabitants is in %s', (population, expected) => {
    expect(strateOf(strates, 'commune', population)).toBe(expected);
  });

  it.each([null, undefined, Number.NaN, -1])('a commune with population %s gets the strate "inconnue", never a band', (population) => {
    expect(strateOf(strates, 'commune', population as number | null)).toBe(STRATE_INCONNUE);
  });

  it('EPCI, départements and régions use their own bands', () => {
    expect(strateOf(strates, 'epci', 14_999)).toBe('epci-0-14999');
    expect(strateOf(strates, 'epci', 15_000)).toBe('epci-15000-29999');
    expect(strateOf(strates, 'epci', 300_000)).toBe('epci-300000-plus');
    expect(strateOf(strates, 'departement', 249_999)).toBe('dep-0-249999');
    expect(strateOf(strates, 'departement', 1_000_000)).toBe('dep-1000000-plus');
    expect(strateOf(strates, 'region', 5)).toBe('reg-toutes');
  });

  it('strates.csv has the DGCL/OFGL bands: 11 for communes, 6 for EPCI, 5 for départements, 1 for régions', () => {
    const count = (t: string) => strates.filter((s) => s.type_collectivite === t).length;
    expect([count('commune'), count('epci'), count('departement'), count('region')]).toEqual([11, 6, 5, 1]);
  });
});

describe('loadStrates validates the file', () => {
  const { dir, cleanup } = scratch();
  afterAll(cleanup);
  const header = 'id,type_collectivite,libelle,population_min,population_max,ordre\n';
  const rest = 'e,epci,x,0,,1\nd,departement,x,0,,1\nr,region,x,0,,1\n';

  it('rejects a gap between two bands, naming them', () => {
    const path = join(dir, 'gap.csv');
    writeFileSync(path, `${header}a,commune,x,0,99,1\nb,commune,x,101,,2\n${rest}`);
    expect(() => loadStrates(path)).toThrow(/a et b ne se suivent pas/);
  });

  it('rejects a last band that is not open-ended', () => {
    const path = join(dir, 'closed.csv');
    writeFileSync(path, `${header}a,commune,x,0,99,1\n${rest}`);
    expect(() => loadStrates(path)).toThrow(/doit être ouverte/);
  });

  it('rejects an unknown type of collectivité', () => {
    const path = join(dir, 'type.csv');
    writeFileSync(path, `${header}a,canton,x,0,,1\n`);
    expect(() => loadStrates(path)).toThrow(/type de collectivité inconnu « canton »/);
  });
});
