import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tfc from '@tensorflow/tfjs-core';
import { useInspectionBackend } from '../../src/backend/index.js';
import { Highway, registerLayerClasses } from '../../src/layers/index.js';
import {
  assertNestedClose,
  checkGradients,
  lengthMask,
  nested,
  randomTensor,
  rng,
} from '../helpers/layers.js';

describe('highway', () => {
  before(async () => {
    await useInspectionBackend();
    registerLayerClasses();
  });

  it('is t ∗ g(x·Wh + bh) + (1 − t) ∗ x per token, written out; the gate bias starts at transformBias', () => {
    const rand = rng(1);
    const x = randomTensor(rand, [2, 3, 2]);
    const layer = new Highway({ activation: 'tanh', transformBias: -2 });
    const out = nested<number[][][]>(layer.apply(x) as tfc.Tensor);
    const [kernel, bias] = layer.getWeights().map((w) => w.arraySync()) as [number[][], number[]];
    assert.deepEqual(bias, [0, 0, -2, -2]);
    const expected = nested<number[][][]>(x).map((rows) =>
      rows.map((v) =>
        [0, 1].map((u) => {
          const pre = (col: number) => bias[col]! + v.reduce((s, vk, k) => s + vk * kernel[k]![col]!, 0);
          const t = 1 / (1 + Math.exp(-pre(2 + u)));
          return t * Math.tanh(pre(u)) + (1 - t) * v[u]!;
        }),
      ),
    );
    assertNestedClose(out, expected, 'highway');
    // On vectors too, and the mask passes through.
    assert.deepEqual((layer.apply(tfc.zeros([4, 2])) as tfc.Tensor).shape, [4, 2]);
    const m = lengthMask([1], 3);
    assert.equal(layer.computeMask(x, m), m);
  });

  it('has gradients that agree with central differences', () => {
    const rand = rng(2);
    checkGradients(new Highway({ activation: 'tanh', transformBias: 0.5 }), [randomTensor(rand, [2, 2, 3])]);
  });
});
