import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { initBackend } from '../../src/backend/index.js';

const VOCAB = 50;
const SEQ = 6;
const BATCH = 8;
const STEPS = 3;

function tinyModel(): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.embedding({ inputDim: VOCAB, outputDim: 8, inputLength: SEQ }),
      tfl.layers.lstm({ units: 6 }),
      tfl.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'binaryCrossentropy' });
  return model;
}

/** Trains from the given weights; returns the losses and the embedding table after training. */
async function train(weights: { values: Float32Array; shape: number[] }[], x: number[], y: number[]) {
  const model = tinyModel();
  model.setWeights(weights.map((w) => tf.tensor(w.values, w.shape)));
  const xs = tf.tensor2d(x, [STEPS * BATCH, SEQ], 'int32');
  const ys = tf.tensor2d(y, [STEPS * BATCH, 1]);
  const losses: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    const loss = await model.trainOnBatch(xs.slice(s * BATCH, BATCH), ys.slice(s * BATCH, BATCH));
    losses.push(loss as number);
  }
  const table = model.getWeights()[0]!.dataSync().slice() as Float32Array;
  model.dispose();
  return { losses, table };
}

describe('training on cpu and wasm', () => {
  it('gives the same losses and embedding from the same initial weights', async () => {
    const rng = xoroshiro128plus(11);
    const x = Array.from({ length: STEPS * BATCH * SEQ }, () => uniformInt(rng, 0, VOCAB - 1));
    const y = Array.from({ length: STEPS * BATCH }, () => uniformInt(rng, 0, 1));

    await initBackend('cpu');
    const init = tinyModel();
    const weights = init
      .getWeights()
      .map((w) => ({ values: w.dataSync().slice() as Float32Array, shape: w.shape }));
    init.dispose();
    const initialTable = weights[0]!.values;

    const cpu = await train(weights, x, y);
    await initBackend('wasm');
    const wasm = await train(weights, x, y);

    assert.equal(cpu.losses.length, STEPS);
    cpu.losses.forEach((l, i) => {
      assert.ok(Number.isFinite(l) && l > 0, `cpu loss ${i}: ${l}`);
      const w = wasm.losses[i]!;
      assert.ok(Math.abs(l - w) <= 1e-4 * Math.abs(l), `step ${i}: cpu ${l} vs wasm ${w}`);
    });
    // The embedding actually learned (its gradient flowed), and the same way on both.
    assert.ok(
      cpu.table.some((v, i) => Math.abs(v - initialTable[i]!) > 1e-3),
      'embedding changed',
    );
    cpu.table.forEach((v, i) => {
      assert.ok(
        Math.abs(v - wasm.table[i]!) <= 1e-4 * Math.max(1, Math.abs(v)),
        `embedding[${i}]: ${v} vs ${wasm.table[i]}`,
      );
    });
  });
});
