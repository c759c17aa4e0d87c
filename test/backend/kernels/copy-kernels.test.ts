import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/backend/index.js';

/**
 * qqp's block-copy Reverse, SplitV, GatherV2, Slice and Concat on wasm
 * (src/backend/kernels/copy-kernels.ts) against the cpu backend's own kernels: the same values, bit
 * for bit, for float32, int32 and bool, on several shapes and axes, with blocks short enough for
 * the plain loop and long enough for copyWithin, and through the fallbacks to tfjs' kernels
 * (gather on axis 1, a concat with one non-empty input).
 */

type Case = { name: string; run: () => tf.Tensor | tf.Tensor[] };

const iota = (shape: number[], dtype: 'float32' | 'int32' = 'float32') =>
  tf.reshape(
    tf.cast(
      tf.range(
        0,
        shape.reduce((a, b) => a * b, 1),
      ),
      dtype,
    ),
    shape,
  );

const CASES: Case[] = [
  { name: 'reverse [2,5,3] on axis 1', run: () => tf.reverse(iota([2, 5, 3]), 1) },
  { name: 'reverse [2,5,3] on axes 0 and 2', run: () => tf.reverse(iota([2, 5, 3]), [0, 2]) },
  { name: 'reverse [4,3] int32 on axis -1', run: () => tf.reverse(iota([4, 3], 'int32'), -1) },
  { name: 'reverse [7] on axis 0', run: () => tf.reverse(iota([7]), 0) },
  { name: 'reverse bool [2,3] ', run: () => tf.reverse(tf.greater(iota([2, 3]), 2), 1) },
  { name: 'split [3,4,6] in [2,4] on axis 2', run: () => tf.split(iota([3, 4, 6]), [2, 4], 2) },
  { name: 'split [3,4,6] in 2 on axis 1', run: () => tf.split(iota([3, 4, 6]), 2, 1) },
  {
    name: 'split [6,2] int32 in [1,2,3] on axis 0',
    run: () => tf.split(iota([6, 2], 'int32'), [1, 2, 3], 0),
  },
  {
    name: 'gather rows of [10,3] by [2,4] ids',
    run: () => tf.gather(iota([10, 3]), tf.tensor2d([9, 0, 3, 3, 1, 2, 8, 7], [2, 4], 'int32')),
  },
  {
    name: 'gather int32 rows of [5,2,2]',
    run: () => tf.gather(iota([5, 2, 2], 'int32'), tf.tensor1d([4, 4, 0], 'int32')),
  },
  {
    name: 'gather rows of [4,30] (long rows)',
    run: () => tf.gather(iota([4, 30]), tf.tensor1d([3, 0, 3], 'int32')),
  },
  { name: 'reverse [2,3,24] on axis 1 (long blocks)', run: () => tf.reverse(iota([2, 3, 24]), 1) },
  { name: 'slice the last step of [3,5,4]', run: () => tf.slice(iota([3, 5, 4]), [0, 4, 0], [3, 1, 4]) },
  { name: 'slice [4,6,25] (long runs)', run: () => tf.slice(iota([4, 6, 25]), [1, 2, 0], [2, 3, 25]) },
  { name: 'slice [5,7] cut on both axes', run: () => tf.slice(iota([5, 7]), [1, 2], [3, 4]) },
  { name: 'slice [6] on axis 0', run: () => tf.slice(iota([6]), [2], [3]) },
  { name: 'slice int32 [3,4] to the end (-1)', run: () => tf.slice(iota([3, 4], 'int32'), [1, 1], [-1, -1]) },
  { name: 'slice bool [2,3,2]', run: () => tf.slice(tf.greater(iota([2, 3, 2]), 4), [0, 1, 1], [2, 2, 1]) },
  { name: 'slice to nothing', run: () => tf.slice(iota([3, 4]), [1, 0], [0, 4]) },
  {
    name: 'concat [2,3,4] and [2,3,5] on axis 2',
    run: () => tf.concat([iota([2, 3, 4]), tf.add(iota([2, 3, 5]), 100)], 2),
  },
  {
    name: 'concat three of [2,x,24] on axis 1 (long runs)',
    run: () => tf.concat([iota([2, 1, 24]), tf.neg(iota([2, 2, 24])), tf.add(iota([2, 3, 24]), 7)], 1),
  },
  {
    name: 'concat int32 on axis 0',
    run: () => tf.concat([iota([2, 3], 'int32'), iota([1, 3], 'int32')], 0),
  },
  {
    name: 'concat bool on axis -1',
    run: () => tf.concat([tf.greater(iota([2, 2]), 1), tf.less(iota([2, 3]), 2)], -1),
  },
  {
    name: 'concat with an empty input',
    run: () => tf.concat([iota([2, 3]), tf.zeros([2, 0]), tf.ones([2, 2])], 1),
  },
  {
    name: 'concat of one non-empty input (fallback)',
    run: () => tf.concat([iota([2, 3]), tf.zeros([2, 0])], 1),
  },
  {
    name: 'gather on axis 1 (fallback)',
    run: () => tf.gather(iota([3, 5]), tf.tensor1d([4, 1], 'int32'), 1),
  },
];

function values(t: tf.Tensor | tf.Tensor[]) {
  const list = Array.isArray(t) ? t : [t];
  return list.map((x) => ({ shape: x.shape, dtype: x.dtype, data: Array.from(x.dataSync()) }));
}

describe('block-copy kernels on wasm give what the cpu backend gives', () => {
  it('for every case', async () => {
    await initBackend('cpu');
    const expected = CASES.map((c) => tf.tidy(() => values(c.run())));
    await initBackend('wasm');
    CASES.forEach((c, i) => {
      const actual = tf.tidy(() => values(c.run()));
      assert.deepEqual(actual, expected[i], c.name);
    });
  });

  it('gives gradients through reverse, split, gather, slice and concat as cpu does', async () => {
    const grads = () =>
      tf.tidy(() => {
        const x = iota([3, 4, 2]);
        const table = iota([6, 2]);
        const f = (a: tf.Tensor, t: tf.Tensor) => {
          const [p, q] = tf.split(tf.reverse(a, 1), [1, 3], 1) as [tf.Tensor, tf.Tensor];
          const g = tf.gather(t, tf.tensor1d([5, 0, 5], 'int32'));
          const last = tf.slice(tf.concat([a, tf.mul(a, 3)], 2), [0, 3, 1], [3, 1, 3]);
          return tf.add(
            tf.add(tf.sum(tf.mul(p, 2)), tf.sum(tf.square(last))),
            tf.add(tf.sum(tf.mul(q, tf.reverse(q, 2))), tf.sum(tf.square(g))),
          );
        };
        return tf
          .grads(f)([x, table])
          .map((g) => Array.from(g.dataSync()));
      });
    await initBackend('cpu');
    const expected = grads();
    await initBackend('wasm');
    assert.deepEqual(grads(), expected);
  });
});
