import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/index.js';
import { captureCheckpoint, initialState, restoreCheckpoint } from '../../src/train/checkpoint.js';

function model(): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(tfl.layers.dense({ units: 1, inputShape: [2] }));
  return m;
}

async function values(m: tfl.LayersModel): Promise<number[][]> {
  return Promise.all(m.getWeights().map(async (w) => [...(await w.data())]));
}

describe('checkpoint', () => {
  it('restores weights and optimizer slots so the next step is the same as without a stop', async () => {
    await initBackend('cpu');
    const x = tfc.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const y = tfc.tensor2d([[1], [0]]);
    const stepOn = (m: tfl.LayersModel, opt: tfc.Optimizer) =>
      opt.minimize(() => tfc.losses.meanSquaredError(y, m.apply(x) as tfc.Tensor) as tfc.Scalar);

    const a = model();
    const optA = tfc.train.adam(0.1);
    stepOn(a, optA);
    const state = { ...initialState(0.1), epochsCompleted: 1 };
    const cp = await captureCheckpoint(a, optA, state);
    assert.equal(cp.state, state);
    assert.ok(cp.optimizer.slots.length > 0);

    // A fresh model and optimizer, restored from the checkpoint's parts.
    const b = model();
    const optB = tfc.train.adam(0.1);
    const saved = await tfl.loadLayersModel(
      tfc.io.fromMemory({
        modelTopology: cp.model.modelTopology as object,
        weightSpecs: cp.model.weightSpecs ?? [],
        weightData: cp.model.weightData as ArrayBuffer,
      }),
    );
    await restoreCheckpoint(
      { loadCheckpointModel: async () => saved, readCheckpointOptimizer: () => cp.optimizer },
      b,
      optB,
    );
    assert.deepEqual(await values(b), await values(a));
    stepOn(a, optA);
    stepOn(b, optB);
    assert.deepEqual(await values(b), await values(a));
  });
});
