import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/backend/index.js';
import { randomTensor, rng } from '../../helpers/layers.js';

/**
 * The wasm BatchMatMul wrapper (src/backend/kernels/matmul.ts: a transposed input is transposed
 * first) gives the cpu backend's products, to float32 rounding, for every combination of the two
 * flags, 2-d, batched and broadcast over the batch, and leaves no temporary behind in the backend.
 */

const SHAPES: [number[], number[]][] = [
  [
    [7, 5],
    [5, 3],
  ],
  [
    [4, 6, 5],
    [4, 5, 9],
  ],
  [
    [2, 3, 4, 5],
    [1, 5, 2],
  ],
];

function products(): number[][] {
  const rand = rng(5);
  const out: number[][] = [];
  for (const [sa, sb] of SHAPES) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const swap = (s: number[], t: boolean) => (t ? [...s.slice(0, -2), s.at(-1)!, s.at(-2)!] : s);
        tf.tidy(() => {
          const a = randomTensor(rand, swap(sa, ta));
          const b = randomTensor(rand, swap(sb, tb));
          out.push(Array.from(tf.matMul(a, b, ta, tb).dataSync()));
        });
      }
    }
  }
  return out;
}

describe('BatchMatMul on wasm with transposed inputs', () => {
  it('equals the cpu backend and frees its temporaries', async () => {
    await initBackend('cpu');
    const expected = products();
    await initBackend('wasm');
    const held = tf.backend().numDataIds();
    const actual = products();
    assert.equal(tf.backend().numDataIds(), held);
    assert.equal(actual.length, expected.length);
    actual.forEach((values, i) => {
      values.forEach((v, k) => {
        const e = expected[i]![k]!;
        assert.ok(Math.abs(v - e) <= 1e-5 + 1e-5 * Math.abs(e), `product ${i}, element ${k}: ${v} vs ${e}`);
      });
    });
  });
});
