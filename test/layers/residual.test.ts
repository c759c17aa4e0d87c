import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type * as tfc from '@tensorflow/tfjs-core';
import { useInspectionBackend } from '../../src/backend/index.js';
import { AugmentedResidual, Residual, registerLayerClasses } from '../../src/layers/index.js';
import {
  assertNestedClose,
  checkGradients,
  lengthMask,
  nested,
  randomTensor,
  rng,
} from '../helpers/layers.js';

type S = number[][][];

describe('residual and augmentedResidual', () => {
  before(async () => {
    await useInspectionBackend();
    registerLayerClasses();
  });

  it('residual: x + f without weights when the widths agree', () => {
    const rand = rng(1);
    const x = randomTensor(rand, [2, 3, 2]);
    const f = randomTensor(rand, [2, 3, 2]);
    const layer = new Residual();
    const out = nested<S>(layer.apply([x, f]) as tfc.Tensor);
    assert.equal(layer.getWeights().length, 0);
    const F = nested<S>(f);
    assertNestedClose(
      out,
      nested<S>(x).map((r, n) => r.map((v, t) => v.map((c, k) => c + F[n]![t]![k]!))),
      'x + f',
    );
  });

  it('residual: x·W + f with a learned projection when they differ; gradients agree with central differences', () => {
    const rand = rng(2);
    const x = randomTensor(rand, [2, 2, 3]);
    const f = randomTensor(rand, [2, 2, 2]);
    const layer = new Residual();
    const out = nested<S>(layer.apply([x, f]) as tfc.Tensor);
    const W = layer.getWeights()[0]!.arraySync() as number[][];
    const F = nested<S>(f);
    const expected = nested<S>(x).map((r, n) =>
      r.map((v, t) => [0, 1].map((u) => F[n]![t]![u]! + v.reduce((s, c, k) => s + c * W[k]![u]!, 0))),
    );
    assertNestedClose(out, expected, 'x·W + f');
    checkGradients(layer, [x, f]);
  });

  it('augmentedResidual: [x1; o1] for block 2, [x1; o1 + o2] after, and x1’s mask', () => {
    const rand = rng(3);
    const x1 = randomTensor(rand, [1, 2, 3]);
    const o1 = randomTensor(rand, [1, 2, 2]);
    const o2 = randomTensor(rand, [1, 2, 2]);
    const layer = new AugmentedResidual();
    const X = nested<S>(x1);
    const O1 = nested<S>(o1);
    const O2 = nested<S>(o2);
    assertNestedClose(
      nested(layer.apply([x1, o1]) as tfc.Tensor),
      X.map((r, n) => r.map((v, t) => [...v, ...O1[n]![t]!])),
      'block 2',
    );
    assertNestedClose(
      nested(layer.apply([x1, o1, o2]) as tfc.Tensor),
      X.map((r, n) => r.map((v, t) => [...v, ...O1[n]![t]!.map((c, k) => c + O2[n]![t]![k]!)])),
      'block 3',
    );
    assert.deepEqual(
      layer.computeOutputShape([
        [null, 2, 3],
        [null, 2, 2],
        [null, 2, 2],
      ]),
      [null, 2, 5],
    );
    assert.throws(
      () =>
        layer.computeOutputShape([
          [null, 2, 3],
          [null, 2, 2],
          [null, 2, 4],
        ]),
      /widths 2 and 4/,
    );
    const m = lengthMask([1], 2);
    assert.equal(layer.computeMask([x1, o1], [m, m]), m);
    checkGradients(layer, [x1, o1, o2]);
  });
});
