import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tfc from '@tensorflow/tfjs-core';
import { useInspectionBackend } from '../../src/backend/index.js';
import { AbsDifference, Elementwise } from '../../src/layers/index.js';

describe('element-wise merges', () => {
  it('add, subtract, multiply and absDiff compute what they say', async () => {
    await useInspectionBackend();
    const a = tfc.tensor2d([[1, -2, 3]]);
    const b = tfc.tensor2d([[4, 5, -6]]);
    const c = tfc.tensor2d([[2, 2, 2]]);
    const run = (layer: { apply(x: tfc.Tensor[]): unknown }, xs: tfc.Tensor[]) =>
      (layer.apply(xs) as tfc.Tensor).arraySync();
    assert.deepEqual(run(new Elementwise({ op: 'add' }), [a, b, c]), [[7, 5, -1]]);
    assert.deepEqual(run(new Elementwise({ op: 'subtract' }), [a, b]), [[-3, -7, 9]]);
    assert.deepEqual(run(new Elementwise({ op: 'multiply' }), [a, b, c]), [[8, -20, -36]]);
    assert.deepEqual(run(new AbsDifference(), [a, b]), [[3, 7, 9]]);
  });

  it('keeps a step where every masked input keeps it (tfjs’ own merges get this wrong)', async () => {
    await useInspectionBackend();
    const x = tfc.zeros([2, 3, 1]);
    const m1 = tfc.tensor2d(
      [
        [1, 1, 0],
        [0, 1, 1],
      ],
      undefined,
      'bool',
    );
    const m2 = tfc.tensor2d(
      [
        [1, 0, 0],
        [1, 1, 1],
      ],
      undefined,
      'bool',
    );
    for (const layer of [new Elementwise({ op: 'add' }), new AbsDifference()]) {
      assert.deepEqual(layer.computeMask([x, x], [m1, m2]).arraySync(), [
        [1, 0, 0],
        [0, 1, 1],
      ]);
      assert.deepEqual(
        (layer.computeMask([x, x], [m1, null as unknown as tfc.Tensor]) as tfc.Tensor).arraySync(),
        m1.arraySync(),
      );
      assert.equal(layer.computeMask([x, x], undefined), null);
    }
  });

  it('refuses inputs of different shapes', () => {
    assert.throws(
      () =>
        new Elementwise({ op: 'multiply' }).computeOutputShape([
          [null, 3],
          [null, 4],
        ]),
      /one shape/,
    );
    assert.throws(
      () =>
        new AbsDifference().computeOutputShape([
          [null, 3],
          [null, 4],
        ]),
      /one shape/,
    );
  });
});
