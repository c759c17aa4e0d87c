import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrainerState } from '../../src/runs/records.js';
import { BestMonitor, improves } from '../../src/train/monitor.js';

function memory(): Pick<TrainerState, 'best' | 'wait' | 'stoppedEarly'> {
  return { best: null, wait: 0, stoppedEarly: false };
}

describe('monitor', () => {
  it('counts a loss going down and a metric going up, by more than minDelta', () => {
    assert.ok(improves('val_loss', null, 5, 0));
    assert.ok(improves('val_loss', { value: 1 }, 0.9, 0));
    assert.ok(!improves('val_loss', { value: 1 }, 1.1, 0));
    assert.ok(!improves('val_loss', { value: 1 }, 0.95, 0.1));
    assert.ok(improves('val_accuracy', { value: 0.5 }, 0.6, 0));
    assert.ok(!improves('val_accuracy', { value: 0.5 }, 0.4, 0));
    assert.ok(!improves('accuracy', { value: 0.5 }, 0.5, 0));
  });

  it('keeps the best epoch and stops once patience is used up', () => {
    const state = memory();
    const m = new BestMonitor('val_loss', state, {
      monitor: 'val_loss',
      patience: 2,
      minDelta: 0,
      restoreBestWeights: true,
    });
    assert.equal(m.update(1, { val_loss: 0.7 }), true);
    assert.equal(m.update(2, { val_loss: 0.6 }), true);
    assert.equal(m.update(3, { val_loss: 0.65 }), false);
    assert.equal(state.stoppedEarly, false);
    assert.equal(m.update(4, { val_loss: 0.61 }), false);
    assert.equal(state.stoppedEarly, true);
    assert.equal(m.bestEpoch, 2);
    assert.deepEqual(state.best, { value: 0.6, epoch: 2 });
    assert.equal(state.wait, 2);
  });

  it('never stops without early stopping, and an absent value is no improvement', () => {
    const state = memory();
    const m = new BestMonitor('val_loss', state, undefined);
    assert.equal(m.update(1, { loss: 0.7 }), false);
    for (let e = 2; e < 10; e++) m.update(e, { val_loss: 1 + e });
    assert.equal(state.stoppedEarly, false);
    assert.equal(m.bestEpoch, 2);
  });
});
