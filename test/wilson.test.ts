import { describe, expect, it } from 'vitest';
import { wilson } from '../indicators/wilson.ts';

describe('wilson (95 %)', () => {
  it.each([
    // Reference values computed by hand from the Wilson formula (z = 1.96).
    [5, 10, 0.2366, 0.7634],
    [0, 10, 0, 0.2775],
    [10, 10, 0.7225, 1],
    [1, 2, 0.0945, 0.9055],
    [258, 3254, 0.0705, 0.0891],
  ])('%i out of %i → [%f, %f]', (a, n, low, high) => {
    const r = wilson(a, n)!;
    expect(r.low).toBeCloseTo(low, 4);
    expect(r.high).toBeCloseTo(high, 4);
  });
  it('is null when nothing is observed', () => {
    expect(wilson(0, 0)).toBeNull();
  });
});
