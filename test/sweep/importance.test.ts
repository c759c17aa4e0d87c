import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  etaSquared,
  groupSamples,
  type ImportanceSample,
  parameterImportance,
} from '../../src/sweep/importance.js';

const near = (actual: number | null, expected: number, what: string) =>
  assert.ok(
    actual !== null && Math.abs(actual - expected) < 1e-12,
    `${what}: ${actual}, expected ${expected}`,
  );

/** Eight trials over a 2 × 2 grid twice: `units` decides the metric, `type` has no effect at all. */
const GRID: { units: number; type: string; metric: number }[] = [
  { units: 16, type: 'adam', metric: 0.6 },
  { units: 16, type: 'sgd', metric: 0.6 },
  { units: 64, type: 'adam', metric: 0.4 },
  { units: 64, type: 'sgd', metric: 0.4 },
  { units: 16, type: 'adam', metric: 0.6 },
  { units: 16, type: 'sgd', metric: 0.6 },
  { units: 64, type: 'adam', metric: 0.4 },
  { units: 64, type: 'sgd', metric: 0.4 },
];

describe('etaSquared', () => {
  it('is the between-group over the total sum of squares', () => {
    // Groups [1, 3] and [5, 7]: mean 4, total 9 + 1 + 1 + 9 = 20, between 2·(2−4)² + 2·(6−4)² = 16.
    near(
      etaSquared([
        [1, 3],
        [5, 7],
      ]),
      16 / 20,
      'eta²',
    );
  });

  it('is 1 when each group is constant, 0 when every group has the same mean', () => {
    near(etaSquared([[2, 2], [5]]), 1, 'constant groups');
    near(
      etaSquared([
        [1, 3],
        [0, 4],
      ]),
      0,
      'equal means',
    );
  });

  it('is null when the values do not vary at all', () => {
    assert.equal(etaSquared([[0.5, 0.5], [0.5]]), null);
    assert.equal(etaSquared([]), null);
  });
});

describe('parameterImportance', () => {
  it('gives 1 to the parameter that decides the metric and 0 to one with no effect', () => {
    const units = parameterImportance(GRID.map((t) => ({ value: t.units, metric: t.metric })));
    const type = parameterImportance(GRID.map((t) => ({ value: t.type, metric: t.metric })));
    near(units.eta2, 1, 'units');
    near(type.eta2, 0, 'type');
    assert.deepEqual([units.trials, units.groups, units.grouping, units.reason], [8, 2, 'value', null]);
    // Two groups, eight trials: an irrelevant parameter would give 1/7 on average.
    near(type.chance, 1 / 7, 'chance');
  });

  it('gives 0 to a parameter with one value', () => {
    const r = parameterImportance(GRID.map((t) => ({ value: 0.001, metric: t.metric })));
    assert.deepEqual([r.eta2, r.groups, r.chance, r.reason], [0, 1, 0, null]);
  });

  it('says "too few trials" below three', () => {
    const r = parameterImportance([
      { value: 1, metric: 0.5 },
      { value: 2, metric: 0.7 },
    ]);
    assert.deepEqual([r.eta2, r.chance, r.trials, r.reason], [null, null, 2, 'too few trials']);
    // A non-finite metric does not count as a trial.
    const withNaN = parameterImportance([
      { value: 1, metric: 0.5 },
      { value: 2, metric: 0.7 },
      { value: 3, metric: Number.NaN },
    ]);
    assert.deepEqual([withNaN.eta2, withNaN.trials], [null, 2]);
  });

  it('says "metric constant" when the metric does not vary', () => {
    const r = parameterImportance([1, 2, 3].map((value) => ({ value, metric: 0.25 })));
    assert.deepEqual([r.eta2, r.reason], [null, 'metric constant']);
  });

  it('bins many-valued numbers into quantiles, the same on a log scale', () => {
    // Twelve learning rates spread over decades; the metric grows with the rank of the rate.
    const rates = [1e-5, 3e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1];
    const samples: ImportanceSample[] = rates.map((value, i) => ({ value, metric: i }));
    const { grouping, groups } = groupSamples(samples);
    assert.equal(grouping, 'bins');
    assert.deepEqual(
      groups.map((g) => g.map((s) => s.metric)),
      [
        [0, 1, 2],
        [3, 4, 5],
        [6, 7, 8],
        [9, 10, 11],
      ],
    );
    // Metric 0..11: mean 5.5, total Σ(i−5.5)² = 143; bin means 1, 4, 7, 10 → between 3·(4.5² + 1.5²)·2 = 135.
    near(parameterImportance(samples).eta2, 135 / 143, 'eta²');
    // Bins by quantile: the logarithms of the rates give the same bins.
    const logs = groupSamples(rates.map((r, i) => ({ value: Math.log10(r), metric: i })));
    assert.deepEqual(
      logs.groups.map((g) => g.map((s) => s.metric)),
      groups.map((g) => g.map((s) => s.metric)),
    );
  });

  it('keeps equal values in one bin, and uses fewer bins for fewer trials', () => {
    // Six trials → two bins of three by rank; the tie of 3 at the boundary stays in the first bin.
    const { groups } = groupSamples([1, 2, 3, 3, 5, 6].map((value, i) => ({ value, metric: i })));
    assert.deepEqual(
      groups.map((g) => g.map((s) => s.value)),
      [
        [1, 2, 3, 3],
        [5, 6],
      ],
    );
  });

  it('groups a few numbers and any text by value', () => {
    const few = groupSamples([0.1, 0.2, 0.1, 0.3, 0.2, 0.4].map((value) => ({ value, metric: 1 })));
    assert.deepEqual([few.grouping, few.groups.length], ['value', 4]);
    const text = groupSamples(['a', 'b', 'c', 'd', 'e', 'a'].map((value) => ({ value, metric: 1 })));
    assert.deepEqual([text.grouping, text.groups.length], ['value', 5]);
    // The number 1 and the text "1" are different values.
    const mixed = groupSamples([
      { value: 1, metric: 0 },
      { value: '1', metric: 1 },
    ]);
    assert.equal(mixed.groups.length, 2);
  });
});
