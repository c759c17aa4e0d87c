import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { initBackend } from '../../../src/backend/index.js';
import { scatterAdd, segmentSumLayout } from '../../../src/backend/kernels/segment-sum.js';

/** TF's UnsortedSegmentSum written out the slow, obvious way, in float64. */
function naiveSegmentSum(
  x: ArrayLike<number>,
  xShape: number[],
  ids: ArrayLike<number>,
  idsRank: number,
  numSegments: number,
): { values: number[]; shape: number[] } {
  const inner = xShape.slice(idsRank).reduce((a, b) => a * b, 1);
  const values = new Array<number>(numSegments * inner).fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    for (let k = 0; k < inner; k++) values[s * inner + k]! += x[i * inner + k]!;
  }
  return { values, shape: [numSegments, ...xShape.slice(idsRank)] };
}

function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    assert.ok(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)), `${what}[${i}]: ${a} != ${e}`);
  }
}

interface Case {
  xShape: number[];
  idsShape: number[];
  numSegments: number;
}

// Repeated ids (few segments, many rows), out-of-range ids on both sides, empty segments, a
// scalar inner shape, a rank-2 inner shape and rank-2 ids (a prefix of x's shape).
const CASES: Case[] = [
  { xShape: [7], idsShape: [7], numSegments: 3 },
  { xShape: [40, 5], idsShape: [40], numSegments: 4 },
  { xShape: [12, 3, 2], idsShape: [12], numSegments: 20 },
  { xShape: [4, 6, 3], idsShape: [4, 6], numSegments: 9 },
  { xShape: [64, 16], idsShape: [64], numSegments: 1000 },
];

function randomCase(c: Case, seed: number, dtype: 'float32' | 'int32') {
  const rng = xoroshiro128plus(seed);
  const size = c.xShape.reduce((a, b) => a * b, 1);
  const rows = c.idsShape.reduce((a, b) => a * b, 1);
  const x = Array.from({ length: size }, () =>
    dtype === 'float32' ? uniformFloat64(rng) * 4 - 2 : uniformInt(rng, -50, 50),
  );
  // About one id in six lands outside [0, numSegments).
  const ids = Array.from({ length: rows }, () =>
    uniformInt(rng, -2, c.numSegments + Math.ceil(c.numSegments / 3)),
  );
  return { x, ids };
}

describe('segmentSumLayout', () => {
  it('flattens the ids prefix of x into rows', () => {
    assert.deepEqual(segmentSumLayout([4, 6, 3], [4, 6], 9), { outShape: [9, 3], rows: 24, inner: 3 });
    assert.deepEqual(segmentSumLayout([7], [7], 2), { outShape: [2], rows: 7, inner: 1 });
  });

  it('refuses ids whose shape is not a prefix of x', () => {
    assert.throws(() => segmentSumLayout([4, 6], [6], 3), /prefix/);
    assert.throws(() => segmentSumLayout([4], [4], -1), /numSegments/);
  });
});

describe('scatterAdd', () => {
  it('adds rows into their segments and drops out-of-range ids', () => {
    const out = new Float32Array(6);
    scatterAdd(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]), [2, -1, 2, 3], out, 4, 2, 3);
    assert.deepEqual(Array.from(out), [0, 0, 0, 0, 6, 8]);
  });
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`UnsortedSegmentSum on ${backend}`, () => {
    it('matches the naive reference on random float32 and int32 inputs', async () => {
      await initBackend(backend);
      assert.equal(tf.getBackend(), backend);
      CASES.forEach((c, i) => {
        for (const dtype of ['float32', 'int32'] as const) {
          const { x, ids } = randomCase(c, 100 + i, dtype);
          const want = naiveSegmentSum(x, c.xShape, ids, c.idsShape.length, c.numSegments);
          const got = tf.tidy(() => {
            const idsT: tf.Tensor = tf.tensor(ids, c.idsShape, 'int32');
            // Typed as 1-D; the kernel takes any prefix of x's shape, as TF's does.
            return tf.unsortedSegmentSum(tf.tensor(x, c.xShape, dtype), idsT as tf.Tensor1D, c.numSegments);
          });
          assert.deepEqual(got.shape, want.shape, `case ${i} ${dtype} shape`);
          assert.equal(got.dtype, dtype);
          assertClose(got.dataSync(), want.values, dtype === 'int32' ? 0 : 1e-5, `case ${i} ${dtype}`);
          got.dispose();
        }
      });
    });

    it('gives the gradient of gather (an Embedding lookup) as row counts times dy', async () => {
      await initBackend(backend);
      const table = tf.zeros([10, 3]);
      const idx = tf.tensor2d([3, 3, 0, 9, 3, 0], [2, 3], 'int32');
      const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, idx)))(table);
      const counts = [2, 0, 0, 3, 0, 0, 0, 0, 0, 1];
      assert.deepEqual(
        Array.from(grad.dataSync()),
        counts.flatMap((n) => [n, n, n]),
      );
    });
  });
}

describe('Embedding gradient on cpu and wasm', () => {
  it('is the same on both backends for a random table, ids and upstream gradient', async () => {
    const rng = xoroshiro128plus(7);
    const vocab = 50;
    const table = Array.from({ length: vocab * 4 }, () => uniformFloat64(rng) - 0.5);
    const ids = Array.from({ length: 8 * 6 }, () => uniformInt(rng, 0, vocab - 1));
    const weights = Array.from({ length: 8 * 6 * 4 }, () => uniformFloat64(rng) - 0.5);
    const gradients: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await initBackend(backend);
      const g = tf.tidy(() => {
        const idx = tf.tensor2d(ids, [8, 6], 'int32');
        const w = tf.tensor3d(weights, [8, 6, 4]);
        // A non-linear loss so dy differs per position.
        return tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.mul(tf.gather(t, idx), w))))(
          tf.tensor2d(table, [vocab, 4]),
        );
      });
      gradients.push(g.dataSync() as Float32Array);
    }
    const [cpu, wasm] = gradients as [Float32Array, Float32Array];
    assert.ok(
      cpu.some((v) => v !== 0),
      'the gradient is not all zero',
    );
    assertClose(wasm, cpu, 1e-5, 'wasm vs cpu');
  });
});
