import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bracketOf, brackets, HyperbandScheduler, MedianStopper } from '../../src/sweep/stopping.js';

describe('the median stopping rule', () => {
  const rule = { rule: 'median' as const, minEpochs: 2, minTrials: 2 };

  it('stops a trial whose best is worse than the median of the others’ running averages', () => {
    const m = new MedianStopper(rule, 'min');
    // Running averages at epoch 2: a (1.0 + 0.6) / 2 = 0.8, b (0.9 + 0.5) / 2 = 0.7: median 0.75.
    for (const [t, vs] of [
      ['a', [1.0, 0.6]],
      ['b', [0.9, 0.5]],
    ] as const)
      for (const [i, v] of vs.entries()) m.record(t, i + 1, v);
    assert.equal(m.report('c', 1, 0.95), false, 'no decision before minEpochs');
    assert.equal(m.report('c', 2, 0.8), true, 'best 0.8 > 0.75');
    assert.equal(m.report('d', 1, 0.9), false);
    assert.equal(m.report('d', 2, 0.74), false, 'best 0.74 < 0.75');
  });

  it('uses the trial’s best so far, not its last value, and respects mode max', () => {
    const m = new MedianStopper(rule, 'max');
    m.record('a', 1, 0.6);
    m.record('a', 2, 0.7);
    m.record('b', 1, 0.6);
    m.record('b', 2, 0.8);
    // Others' averages 0.65 and 0.7: median 0.675. c's best is 0.7 (epoch 1) although epoch 2 is 0.5.
    assert.equal(m.report('c', 1, 0.7), false);
    assert.equal(m.report('c', 2, 0.5), false);
    // For e the others are a, b and c now (averages 0.65, 0.7, 0.6): median 0.65.
    assert.equal(m.report('e', 1, 0.6), false);
    assert.equal(m.report('e', 2, 0.64), true);
    assert.equal(m.report('f', 2, 0.66), false);
  });

  it('waits for minTrials others at the epoch', () => {
    const m = new MedianStopper(rule, 'min');
    m.record('a', 1, 0.5);
    m.record('a', 2, 0.4);
    m.record('b', 1, 0.5); // b has not reached epoch 2
    assert.equal(m.report('c', 2, 9), false);
    m.record('b', 2, 0.4);
    assert.equal(m.report('c', 2, 9), true);
  });
});

describe('Hyperband', () => {
  const spec = { minEpochs: 1, maxEpochs: 9, reductionFactor: 3 };

  it('has ⌊log_η(max/min)⌋ + 1 brackets with first rungs min·η^b and Hyperband’s trial shares', () => {
    assert.deepEqual(brackets(spec), [
      { index: 0, minEpochs: 1, weight: 9 },
      { index: 1, minEpochs: 3, weight: 5 },
      { index: 2, minEpochs: 9, weight: 3 },
    ]);
    assert.equal(brackets({ minEpochs: 1, maxEpochs: 4, reductionFactor: 2 }).length, 3);
    assert.equal(brackets({ minEpochs: 2, maxEpochs: 2, reductionFactor: 3 }).length, 1);
  });

  it('deals trials to the brackets in proportion to their shares, the same for the same index', () => {
    const first = Array.from({ length: 17 }, (_, i) => bracketOf(spec, i + 1));
    assert.deepEqual(
      [0, 1, 2].map((b) => first.filter((x) => x === b).length),
      [9, 5, 3],
    );
    // The cycle repeats, and bracket 2 is not left to the end.
    assert.equal(bracketOf(spec, 18), first[0]);
    assert.ok(first.slice(0, 6).includes(2), first.join(','));
  });

  it('judges each trial in its own bracket only', () => {
    const h = new HyperbandScheduler({ minEpochs: 1, maxEpochs: 4, reductionFactor: 2 }, 'min');
    h.assign('a', 0);
    h.assign('b', 0);
    h.assign('c', 1);
    h.assign('d', 1);
    assert.equal(h.report('a', 1, 0.5), false, 'a lone value goes on');
    assert.equal(h.report('b', 1, 0.9), true, 'bracket 0 judges at epoch 1');
    // Bracket 1's first rung is epoch 2: no decision at 1, then only among c and d.
    assert.equal(h.report('c', 1, 0.9), false);
    assert.equal(h.report('c', 2, 0.2), false);
    assert.equal(h.report('d', 2, 0.4), true);
    // An unassigned trial is never stopped.
    assert.equal(h.report('z', 1, 99), false);
  });
});
