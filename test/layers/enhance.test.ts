import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tfc from '@tensorflow/tfjs-core';
import { useInspectionBackend } from '../../src/backend/index.js';
import { Enhance, registerLayerClasses } from '../../src/layers/index.js';
import {
  assertNestedClose,
  checkGradients,
  lengthMask,
  nested,
  randomTensor,
  rng,
} from '../helpers/layers.js';

type S = number[][][];

describe('enhance', () => {
  before(async () => {
    await useInspectionBackend();
    registerLayerClasses();
  });

  it('is [a, ã, a − ã, a ∗ ã] per token, written out', () => {
    const rand = rng(1);
    const a = randomTensor(rand, [2, 3, 2]);
    const b = randomTensor(rand, [2, 3, 2]);
    const out = nested<S>(new Enhance().apply([a, b]) as tfc.Tensor);
    const A = nested<S>(a);
    const Bv = nested<S>(b);
    const expected = A.map((rows, n) =>
      rows.map((x, t) => {
        const y = Bv[n]![t]!;
        return [...x, ...y, ...x.map((v, k) => v - y[k]!), ...x.map((v, k) => v * y[k]!)];
      }),
    );
    assertNestedClose(out, expected, 'enhance');
  });

  it('keeps only the parts asked for, in the fixed order, and a’s mask', () => {
    const a = tfc.tensor2d([[1, 2]]);
    const b = tfc.tensor2d([[3, 5]]);
    const layer = new Enhance({ parts: ['product', 'input'] });
    assert.deepEqual(layer.parts, ['product', 'input']);
    assertNestedClose(nested(layer.apply([a, b]) as tfc.Tensor), [[3, 10, 1, 2]], 'parts');
    assert.deepEqual(
      layer.computeOutputShape([
        [null, 2],
        [null, 2],
      ]),
      [null, 4],
    );
    const m = lengthMask([1], 2);
    assert.equal(layer.computeMask([a, b], [m, null as unknown as tfc.Tensor]), m);
    assert.throws(() => new Enhance({ parts: [] }), /at least one/);
    assert.throws(
      () =>
        layer.computeOutputShape([
          [null, 2],
          [null, 3],
        ]),
      /widths 2 and 3/,
    );
  });

  it('has gradients that agree with central differences', () => {
    const rand = rng(2);
    checkGradients(new Enhance(), [randomTensor(rand, [2, 2, 2]), randomTensor(rand, [2, 2, 2])]);
  });
});
