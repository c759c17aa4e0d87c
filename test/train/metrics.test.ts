import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { confusionAt, evaluateBinary, operatingCurve } from '../../src/train/metrics.js';
import { Rng } from '../../src/util/rng.js';

describe('operatingCurve', () => {
  it('keeps every distinct cut of a few pairs, highest first, with the counts at each', () => {
    const probs = [0.9, 0.8, 0.8, 0.4, 0.1];
    const labels = [1, 1, 0, 0, 1];
    const c = operatingCurve(probs, labels);
    assert.deepEqual(c.thresholds, [0.9, 0.8, 0.4, 0.1]);
    assert.deepEqual(c.tp, [1, 2, 2, 3]);
    assert.deepEqual(c.fp, [0, 1, 2, 2]);
    // Each point is what calling pairs >= the cut duplicates gives.
    c.thresholds.forEach((t, i) => {
      const m = confusionAt(probs, labels, t);
      assert.deepEqual([m.tp, m.fp], [c.tp[i], c.fp[i]]);
    });
  });

  it('stays within 2 × resolution + 1 points for many pairs, and ends with every pair called a duplicate', () => {
    const rng = new Rng(3);
    const n = 20_000;
    const probs = new Float32Array(n);
    const labels = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = rng.float() < 0.4 ? 1 : 0;
      probs[i] = Math.min(1, Math.max(0, 0.5 + (labels[i]! - 0.5) * 0.4 + (rng.float() - 0.5) * 0.8));
    }
    const c = operatingCurve(probs, labels, 50);
    assert.equal(c.resolution, 50);
    assert.ok(c.thresholds.length <= 101 && c.thresholds.length >= 50, `${c.thresholds.length} points`);
    const positives = labels.reduce((a, b) => a + b, 0);
    assert.equal(c.tp.at(-1), positives);
    assert.equal(c.fp.at(-1), n - positives);
    for (let i = 1; i < c.thresholds.length; i++) {
      assert.ok(c.thresholds[i]! < c.thresholds[i - 1]!, 'thresholds descend');
      const moved = Math.max(
        (c.tp[i]! - c.tp[i - 1]!) / positives,
        (c.fp[i]! - c.fp[i - 1]!) / (n - positives),
      );
      if (i < c.thresholds.length - 1) assert.ok(moved >= 1 / 50 - 1e-9, `point ${i} moved ${moved}`);
    }
  });

  it('is part of evaluateBinary, so summary.json and eval-*.json keep it', () => {
    const e = evaluateBinary([0.2, 0.7, 0.6], [0, 1, 0]);
    assert.deepEqual(e.curve, { resolution: 100, thresholds: [0.7, 0.6, 0.2], tp: [1, 1, 1], fp: [0, 1, 2] });
  });
});
