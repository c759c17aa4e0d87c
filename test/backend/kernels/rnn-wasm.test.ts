import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fusedThreads, setFusedThreads } from '../../../src/backend/kernels/kernel-table.js';
import {
  killWorkerForTest,
  runEntry,
  setKernelEngine,
  stopWorkers,
} from '../../../src/backend/kernels/rnn-wasm.js';

/**
 * The worker threads of the WebAssembly kernels (src/backend/kernels/wasm-runtime.ts): a batch split
 * over threads gives what one thread gives, and a worker that died is given up on with an error,
 * after which the next call works again. (The native engine's threads, inside the addon, are
 * checked in native.test.ts.)
 */

const SHAPE = { batch: 6, steps: 5, features: 3, units: 4 };
const OPTS = { reverse: false, activation: 'tanh', recurrentActivation: 'sigmoid' } as const;

function inputs(seed: number) {
  let s = seed;
  const rand = (n: number) =>
    Float32Array.from({ length: n }, () => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return s / 2147483648 - 0.5;
    });
  const { batch: B, steps: T, features: F, units: H } = SHAPE;
  return {
    x: rand(B * T * F),
    w: rand(F * 4 * H),
    u: rand(H * 4 * H),
    b: rand(4 * H),
    h0: new Float32Array(B * H),
    c0: new Float32Array(B * H),
  };
}

function forward(): Float32Array {
  const { batch: B, steps: T, units: H } = SHAPE;
  const hs = new Float32Array(B * T * H);
  runEntry('lstm_forward', SHAPE, OPTS, { ...inputs(42), hs });
  return hs;
}

describe('the WebAssembly kernels on several threads', () => {
  const threads = fusedThreads();
  before(() => setKernelEngine('wasm'));
  after(async () => {
    setFusedThreads(threads);
    setKernelEngine(undefined);
    await stopWorkers();
  });

  it('give the forward pass of one thread, row for row', () => {
    setFusedThreads(1);
    const one = forward();
    setFusedThreads(3);
    assert.deepEqual(forward(), one);
  });

  it('give up on a worker that died, with an error, and work again on the next call', async () => {
    setFusedThreads(2);
    const expected = forward();
    await killWorkerForTest(0);
    assert.throws(() => forward(), /a worker thread did not finish/);
    assert.deepEqual(forward(), expected);
  });
});
