import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import * as tfc from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/backend/index.js';
import { applyGradients, fusedOptimizerRuns, setFusedOptimizer } from '../../../src/backend/kernels/adam.js';
import { fusedThreads, setFusedThreads } from '../../../src/backend/kernels/kernel-table.js';
import { loadNativeKernels } from '../../../src/backend/kernels/native-runtime.js';
import { setKernelEngine } from '../../../src/backend/kernels/rnn-wasm.js';
import { optimizerState } from '../../../src/train/optimizer-state.js';
import { saveEnv } from '../../helpers/env.js';
import { randomArray, rng } from '../../helpers/layers.js';

/**
 * The fused Adam update (backend/kernels/adam.ts, native/addon.c) against tfjs' AdamOptimizer on
 * the same weights and gradients, step after step, on the wasm and cpu backends: the weights, both
 * moments, the accumulated powers and the iteration count are the same to the bit, on one thread
 * and split over three (tensors of odd sizes, so splits and vector tails cut through them). It
 * never writes memory another tensor shares, nor the array a cpu tensor was made from; a weight
 * without a gradient is left alone (as tfjs leaves it). It runs only with Adam, on the native
 * engine, and not when turned off. Where the addon cannot run, the comparisons skip, saying why.
 */

const native = loadNativeKernels();
const SKIP = native.ok ? false : `the native kernels cannot run here: ${native.reason}`;
const DEFAULT_THREADS = fusedThreads();
const SHAPES: number[][] = [[37, 5], [5], [1], [3, 17, 2], [1001]];

after(() => {
  setKernelEngine(undefined);
  setFusedOptimizer(undefined);
  setFusedThreads(DEFAULT_THREADS);
});

interface Trial {
  weights: Float32Array[];
  state: Map<string, Float32Array>;
}

/** Trains copies of the same weights for `steps` Adam steps, fused or tfjs', and reads everything back. */
function adamRun(fused: boolean, steps: number, lr: number, names: string[]): Trial {
  const rand = rng(7);
  const vars = SHAPES.map((s, i) =>
    tfc.variable(
      tfc.tensor(
        randomArray(
          rand,
          s.reduce((a, b) => a * b, 1),
        ),
        s,
      ),
      true,
      names[i],
    ),
  );
  const optimizer: tfc.Optimizer = tfc.train.adam(lr, 0.9, 0.999, 1e-7);
  for (let step = 0; step < steps; step++) {
    const grads: tfc.NamedTensorMap = {};
    vars.forEach((v, i) => {
      grads[v.name] = tfc.tensor(randomArray(rand, v.size, 0.1 * (i + 1)), v.shape);
    });
    if (fused) assert.equal(applyGradients(optimizer, grads), true, 'the fused update ran');
    else optimizer.applyGradients(grads);
    tfc.dispose(Object.values(grads));
  }
  const weights = vars.map((v) => v.dataSync().slice() as Float32Array);
  const state = new Map(
    optimizerState(optimizer).map((p) => [p.name, p.tensor.dataSync().slice() as Float32Array]),
  );
  for (const v of vars) v.dispose();
  optimizer.dispose();
  return { weights, state };
}

function assertSameBits(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  const ai = new Int32Array(a.buffer, a.byteOffset, a.length);
  const bi = new Int32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) {
    if (ai[i] !== bi[i]) assert.fail(`${what}[${i}]: fused ${a[i]}, tfjs ${b[i]}`);
  }
}

let run = 0;
const freshNames = () => {
  run++;
  return SHAPES.map((_, i) => `adam-test-${run}-${i}`);
};

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`fused Adam on ${backend}`, { skip: SKIP }, () => {
    it('gives tfjs’ weights, moments, powers and iteration count to the bit, on 1 and 3 threads', async () => {
      await initBackend(backend);
      setKernelEngine('native');
      for (const threads of [1, 3]) {
        setFusedThreads(threads);
        const names = freshNames();
        const fused = adamRun(true, 6, 0.01, names);
        const plain = adamRun(false, 6, 0.01, names);
        fused.weights.forEach((w, i) => {
          assertSameBits(w, plain.weights[i]!, `${threads} threads, weight ${i}`);
        });
        assert.deepEqual([...fused.state.keys()], [...plain.state.keys()], 'the same state parts');
        assert.ok(
          fused.state.has(`accumulatedFirstMoment/4/${names[4]}/m`),
          'the slots are named as tfjs names them',
        );
        for (const [name, values] of fused.state)
          assertSameBits(values, plain.state.get(name)!, `${threads} threads, ${name}`);
        assert.equal(fused.state.get('iterations')![0], 6);
      }
    });

    it('never writes memory another tensor shares, nor the array a tensor was made from', async () => {
      await initBackend(backend);
      setKernelEngine('native');
      const source = new Float32Array([1, 2, 3, 4, 5]);
      const v = tfc.variable(tfc.tensor1d(source), true, `adam-shared-${backend}`);
      const alias = v.clone();
      const optimizer = tfc.train.adam(0.1);
      const grad = tfc.ones([5]);
      assert.equal(applyGradients(optimizer, { [v.name]: grad }), true);
      assert.deepEqual([...alias.dataSync()], [1, 2, 3, 4, 5], 'the clone keeps the old values');
      assert.deepEqual([...source], [1, 2, 3, 4, 5], 'the source array is untouched');
      const moved = v.dataSync();
      for (let i = 0; i < 5; i++)
        assert.ok(Math.abs(moved[i]! - (source[i]! - 0.1)) < 1e-5, `weight ${i} moved by lr`);
      tfc.dispose([v, alias, grad]);
      optimizer.dispose();
    });

    it('leaves a weight without a gradient alone', async () => {
      await initBackend(backend);
      setKernelEngine('native');
      const a = tfc.variable(tfc.tensor1d([1, 2]), true, `adam-a-${backend}`);
      const b = tfc.variable(tfc.tensor1d([3, 4]), true, `adam-b-${backend}`);
      const optimizer = tfc.train.adam(0.1);
      const grad = tfc.ones([2]);
      assert.equal(
        applyGradients(optimizer, { [a.name]: grad, [b.name]: null as unknown as tfc.Tensor }),
        true,
      );
      assert.deepEqual([...b.dataSync()], [3, 4]);
      assert.notDeepEqual([...a.dataSync()], [1, 2]);
      tfc.dispose([a, b, grad]);
      optimizer.dispose();
    });
  });
}

describe('when the fused update runs', () => {
  it('only for Adam, on the native engine, and not when turned off', async () => {
    await initBackend('cpu');
    const adam = tfc.train.adam(0.01);
    const sgd = tfc.train.sgd(0.01);
    const restore = saveEnv(['QQP_FUSED_OPTIMIZER']);
    try {
      setKernelEngine('wasm');
      assert.equal(fusedOptimizerRuns(adam), false, 'not on the wasm engine');
      const v = tfc.variable(tfc.tensor1d([1]), true, 'adam-when');
      const g = tfc.ones([1]);
      assert.equal(applyGradients(adam, { [v.name]: g }), false, 'nothing done');
      assert.deepEqual([...v.dataSync()], [1]);
      tfc.dispose([v, g]);
      if (!native.ok) return;
      setKernelEngine('native');
      assert.equal(fusedOptimizerRuns(adam), true);
      assert.equal(fusedOptimizerRuns(sgd), false, 'not for SGD');
      setFusedOptimizer(false);
      assert.equal(fusedOptimizerRuns(adam), false, 'turned off');
      setFusedOptimizer(undefined);
      process.env.QQP_FUSED_OPTIMIZER = 'off';
      assert.equal(fusedOptimizerRuns(adam), false, 'QQP_FUSED_OPTIMIZER=off');
      process.env.QQP_FUSED_OPTIMIZER = 'sometimes';
      assert.throws(() => fusedOptimizerRuns(adam), /QQP_FUSED_OPTIMIZER must be on or off/);
    } finally {
      restore();
      setKernelEngine(undefined);
      adam.dispose();
      sgd.dispose();
    }
  });
});
