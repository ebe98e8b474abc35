import { describe, expect, it } from 'vitest';
import { normalizeName, referential } from '../pipelines/referential/referential.ts';

const ref = referential();
const count = (type: string) => ref.collectivites.filter((c) => c.type_collectivite === type).length;

describe('the territorial referential', () => {
  it('covers metropolitan France and the five DROM: 101 départements, 18 régions', () => {
    expect(count('departement')).toBe(101);
    expect(count('region')).toBe(18);
    expect(ref.departementByCode.has('976')).toBe(true);
    expect(ref.departementByCode.has('2A')).toBe(true);
  });

  it('keeps overseas collectivities outside the perimeter, but knows them', () => {
    expect(ref.departementByCode.has('987')).toBe(false);
    expect(ref.horsPerimetre.get('988')).toMatch(/Nouvelle-Calédonie/);
    expect(ref.collectivites.some((c) => c.departement === '987')).toBe(false);
  });

  it('holds current communes only (no delegated, associated commune or municipal arrondissement)', () => {
    expect(ref.communeByCode.get('75056')?.nom).toBe('Paris');
    expect(ref.communeByCode.has('75101')).toBe(false); // Paris 1er arrondissement
    expect(ref.communeByCode.has('01340')).toBe(false); // former commune merged into Arboys en Bugey
  });

  it('gives each commune its EPCI by inverting the EPCI members', () => {
    expect(ref.communeByCode.get('35238')?.epci).toBe('243500139'); // Rennes → Rennes Métropole
  });

  it('resolves old codes and delegated communes to today’s commune', () => {
    expect(ref.historyByCode.get('01340')?.code_actuel).toBe('01015');
    expect(ref.historyByDepName.get('44|CHEMERE')?.[0]?.code_actuel).toBe('44005');
  });

  it('sums département and région populations from their communes', () => {
    const communes35 = ref.collectivites.filter((c) => c.type_collectivite === 'commune' && c.departement === '35');
    const sum = communes35.reduce((s, c) => s + (c.population ?? 0), 0);
    expect(ref.departementByCode.get('35')?.population).toBe(sum);
    expect(ref.departementByCode.get('35')?.strate).toBe('dep-1000000-plus');
  });

  it('gives EPCI their nature as a second dimension', () => {
    expect(ref.epciBySiren.get('243500139')?.nature).toBe('METRO');
    expect(new Set([...ref.epciBySiren.values()].map((e) => e.nature))).toEqual(new Set(['CC', 'CA', 'CU', 'METRO']));
  });
});

describe('normalizeName', () => {
  it.each([
    ["Saint-Germain-en-Laye", 'SAINT GERMAIN EN LAYE'],
    ['ST GERMAIN EN LAYE', 'SAINT GERMAIN EN LAYE'],
    ["L'Abergement-Clémenciat", 'L ABERGEMENT CLEMENCIAT'],
    ['Ville de Brest', 'BREST'],
    ['Œuilly', 'OEUILLY'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeName(input)).toBe(expected);
  });
});
