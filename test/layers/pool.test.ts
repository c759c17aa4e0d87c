import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tfc from '@tensorflow/tfjs-core';
import { useInspectionBackend } from '../../src/backend/index.js';
import { MaskedPool, type PoolMode, registerLayerClasses } from '../../src/layers/index.js';
import {
  assertNestedClose,
  checkGradients,
  lengthMask,
  nested,
  randomArray,
  randomTensor,
  rng,
} from '../helpers/layers.js';

type S = number[][][];

/** Pooling of one example's first n steps, with loops (zeros for n = 0). */
function reference(x: number[][], n: number, mode: PoolMode): number[] {
  return x[0]!.map((_v, k) => {
    if (n === 0) return 0;
    const col = x.slice(0, n).map((r) => r[k]!);
    const sum = col.reduce((s, v) => s + v, 0);
    return mode === 'max' ? Math.max(...col) : mode === 'mean' ? sum / n : sum;
  });
}

describe('pool', () => {
  before(async () => {
    await useInspectionBackend();
    registerLayerClasses();
  });

  const lengths = [3, 1, 0];
  for (const mode of ['max', 'mean', 'sum'] as const) {
    it(`${mode}: over the unmasked steps only, as written out; padded longer with junk, the same vector`, () => {
      const rand = rng(1);
      const x = randomTensor(rand, [3, 4, 2]);
      const layer = new MaskedPool({ mode });
      const out = nested<number[][]>(layer.apply(x, { mask: lengthMask(lengths, 4) }) as tfc.Tensor);
      const X = nested<S>(x);
      lengths.forEach((n, b) => {
        assertNestedClose(out[b], reference(X[b]!, n, mode), `example ${b}`);
      });
      const longer = tfc.concat([x, tfc.tensor(randomArray(rand, 3 * 5 * 2, 100), [3, 5, 2])], 1);
      const again = nested<number[][]>(layer.apply(longer, { mask: lengthMask(lengths, 9) }) as tfc.Tensor);
      assertNestedClose(again, out, 'padded to 9');
      const plain = nested<number[][]>(layer.apply(x) as tfc.Tensor);
      X.forEach((rows, b) => {
        assertNestedClose(plain[b], reference(rows, 4, mode), `no mask, example ${b}`);
      });
    });

    it(`${mode}: gradients agree with central differences`, () => {
      const rand = rng(2);
      // Values 0.3 apart, so no two of a column are within eps of each other (max has kinks).
      const spaced = tfc.tensor([0.9, -0.6, 0.3, 0, -0.3, 0.6, -0.9, 1.2, 1.5, -1.2, 0.6, 0.3], [2, 3, 2]);
      checkGradients(new MaskedPool({ mode }), [mode === 'max' ? spaced : randomTensor(rand, [2, 3, 2])], {
        mask: lengthMask([2, 3], 3),
      });
    });
  }

  it('turns a sequence into a vector and ends the mask', () => {
    const layer = new MaskedPool({ mode: 'mean' });
    assert.deepEqual(layer.computeOutputShape([null, 7, 5]), [null, 5]);
    assert.equal(layer.computeMask(), null);
    assert.throws(() => new MaskedPool({ mode: 'median' as PoolMode }), /unknown mode/);
  });
});
