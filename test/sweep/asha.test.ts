import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AshaScheduler, ashaStops, rungs } from '../../src/sweep/asha.js';

describe('ASHA', () => {
  it('places rungs at minEpochs · η^k below maxEpochs', () => {
    assert.deepEqual(rungs({ minEpochs: 1, maxEpochs: 9, reductionFactor: 3 }), [1, 3]);
    assert.deepEqual(rungs({ minEpochs: 1, maxEpochs: 8, reductionFactor: 2 }), [1, 2, 4]);
    assert.deepEqual(rungs({ minEpochs: 2, maxEpochs: 2, reductionFactor: 2 }), []);
  });

  it('keeps a lone value and the best 1/η of a rung', () => {
    assert.equal(ashaStops(0.5, [0.5], 'max', 2), false);
    assert.equal(ashaStops(0.4, [0.4, 0.8], 'max', 2), true);
    assert.equal(ashaStops(0.8, [0.4, 0.8], 'max', 2), false);
    assert.equal(ashaStops(0.4, [0.4, 0.8], 'min', 2), false);
    assert.equal(ashaStops(Number.NaN, [0.4], 'max', 2), true);
  });

  it('stops the trials it should on a scripted metric sequence', () => {
    const s = new AshaScheduler({ minEpochs: 1, maxEpochs: 4, reductionFactor: 2 }, 'max');
    // Trials report in this order; each line: trial, epoch, accuracy, expected stop.
    const script: [string, number, number, boolean][] = [
      ['a', 1, 0.6, false], // alone at rung 1
      ['b', 1, 0.5, true], // below the median of {0.6, 0.5}
      ['c', 1, 0.7, false],
      ['a', 2, 0.65, false], // alone at rung 2
      ['d', 1, 0.55, true], // median of {0.6,0.5,0.7,0.55} is 0.575
      ['c', 2, 0.8, false],
      ['a', 3, 0.1, false], // epoch 3 is no rung
    ];
    for (const [trial, epoch, value, stop] of script) {
      assert.equal(s.report(trial, epoch, value), stop, `${trial} at epoch ${epoch}`);
    }
  });

  it('counts a retried trial once per rung', () => {
    const s = new AshaScheduler({ minEpochs: 1, maxEpochs: 4, reductionFactor: 2 }, 'min');
    s.record('a', 1, 0.3);
    s.record('b', 1, 0.9);
    // b again (a new attempt) with a better value replaces its old one: {0.3, 0.2}.
    assert.equal(s.report('b', 1, 0.2), false);
    assert.equal(s.report('c', 1, 0.5), true);
  });
});
