import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tfc from '@tensorflow/tfjs-core';
import { useInspectionBackend } from '../../src/backend/index.js';
import { Align, registerLayerClasses } from '../../src/layers/index.js';
import {
  assertNestedClose,
  checkGradients,
  lengthMask,
  nested,
  randomArray,
  randomTensor,
  rng,
} from '../helpers/layers.js';

type M = number[][];
type S = number[][][];

/** The alignment written out with loops: [ã, b̃] for one example. */
function reference(
  a: M,
  b: M,
  la: number,
  lb: number,
  { scale = 1, project = (v: number[]) => v }: { scale?: number; project?: (v: number[]) => number[] } = {},
): [M, M] {
  const pa = a.map(project);
  const pb = b.map(project);
  const e = pa.map((x) => pb.map((y) => scale * x.reduce((s, v, k) => s + v * y[k]!, 0)));
  const softmax = (row: number[], n: number) => {
    if (n === 0) return row.map(() => 0);
    const m = Math.max(...row.slice(0, n));
    const ex = row.map((v, j) => (j < n ? Math.exp(v - m) : 0));
    const z = ex.reduce((s, v) => s + v, 0);
    return ex.map((v) => v / z);
  };
  const weighted = (w: number[], xs: M) =>
    xs[0]!.map((_v, k) => w.reduce((s, wj, j) => s + wj * xs[j]![k]!, 0));
  const aT = a.map((_r, i) => weighted(softmax(e[i]!, lb), b));
  const bT = b.map((_r, j) =>
    weighted(
      softmax(
        e.map((r) => r[j]!),
        la,
      ),
      a,
    ),
  );
  return [aT, bT];
}

function run(layer: Align, a: tfc.Tensor, b: tfc.Tensor, ma?: tfc.Tensor, mb?: tfc.Tensor): [S, S] {
  const kwargs = ma && mb ? { mask: [ma, mb] } : {};
  const [x, y] = layer.apply([a, b], kwargs) as tfc.Tensor[];
  return [nested<S>(x!), nested<S>(y!)];
}

describe('align', () => {
  before(async () => {
    await useInspectionBackend();
    registerLayerClasses();
  });

  const B = 2;
  const Ta = 4;
  const Tb = 3;
  const D = 3;
  const lengthsA = [4, 2];
  const lengthsB = [1, 3];

  it('matches the direct computation, masked both ways', () => {
    const rand = rng(1);
    const a = randomTensor(rand, [B, Ta, D]);
    const b = randomTensor(rand, [B, Tb, D]);
    const [x, y] = run(new Align(), a, b, lengthMask(lengthsA, Ta), lengthMask(lengthsB, Tb));
    const A = nested<S>(a);
    const Bv = nested<S>(b);
    for (let n = 0; n < B; n++) {
      const [rx, ry] = reference(A[n]!, Bv[n]!, lengthsA[n]!, lengthsB[n]!);
      assertNestedClose(x[n], rx, `ã of example ${n}`);
      assertNestedClose(y[n], ry, `b̃ of example ${n}`);
    }
  });

  it('without masks, attends over every step', () => {
    const rand = rng(2);
    const a = randomTensor(rand, [B, Ta, D]);
    const b = randomTensor(rand, [B, Tb, D]);
    const [x, y] = run(new Align({ scale: 'sqrt' }), a, b);
    for (let n = 0; n < B; n++) {
      const [rx, ry] = reference(nested<S>(a)[n]!, nested<S>(b)[n]!, Ta, Tb, { scale: 1 / Math.sqrt(D) });
      assertNestedClose(x[n], rx, 'ã');
      assertNestedClose(y[n], ry, 'b̃');
    }
  });

  it('with a shared dense projection (tanh) and a learned temperature starting at 1/sqrt(units)', () => {
    const rand = rng(3);
    const a = randomTensor(rand, [B, Ta, D]);
    const b = randomTensor(rand, [B, Tb, D]);
    const layer = new Align({ projectionUnits: 2, projectionActivation: 'tanh', scale: 'learned' });
    const [x, y] = run(layer, a, b, lengthMask(lengthsA, Ta), lengthMask(lengthsB, Tb));
    const byName = Object.fromEntries(layer.getWeights().map((w, i) => [layer.weights[i]!.originalName, w]));
    const W = nested<M>(byName[`${layer.name}/kernel`]!);
    const bias = nested<number[]>(byName[`${layer.name}/bias`]!);
    const temperature = byName[`${layer.name}/temperature`]!.dataSync()[0]!;
    assert.ok(Math.abs(temperature - 1 / Math.sqrt(2)) < 1e-7);
    const project = (v: number[]) =>
      bias.map((c, u) => Math.tanh(c + v.reduce((s, vk, k) => s + vk * W[k]![u]!, 0)));
    for (let n = 0; n < B; n++) {
      const [rx, ry] = reference(nested<S>(a)[n]!, nested<S>(b)[n]!, lengthsA[n]!, lengthsB[n]!, {
        scale: temperature,
        project,
      });
      assertNestedClose(x[n], rx, 'ã');
      assertNestedClose(y[n], ry, 'b̃');
    }
  });

  it('padding neither gives nor receives weight: longer padding with junk leaves the real tokens as they were', () => {
    const rand = rng(4);
    const a = randomTensor(rand, [B, Ta, D]);
    const b = randomTensor(rand, [B, Tb, D]);
    const layer = new Align({ projectionUnits: 3, scale: 'sqrt' });
    const [x, y] = run(layer, a, b, lengthMask(lengthsA, Ta), lengthMask(lengthsB, Tb));
    // The same questions padded by 3 more steps of large junk values.
    const pad = (t: tfc.Tensor, T: number) =>
      tfc
        .concat([t, tfc.tensor(randomArray(rand, B * 3 * D, 50), [B, 3, D])], 1)
        .slice([0, 0, 0], [B, T + 3, D]);
    const [x2, y2] = run(
      layer,
      pad(a, Ta),
      pad(b, Tb),
      lengthMask(lengthsA, Ta + 3),
      lengthMask(lengthsB, Tb + 3),
    );
    for (let n = 0; n < B; n++) {
      assertNestedClose(x2[n]!.slice(0, lengthsA[n]), x[n]!.slice(0, lengthsA[n]), `ã of example ${n}`);
      assertNestedClose(y2[n]!.slice(0, lengthsB[n]), y[n]!.slice(0, lengthsB[n]), `b̃ of example ${n}`);
    }
  });

  it('a question with no real token gets zeros and gives nothing', () => {
    const rand = rng(5);
    const a = randomTensor(rand, [1, 2, D]);
    const b = randomTensor(rand, [1, 2, D]);
    const [x, y] = run(new Align(), a, b, lengthMask([2], 2), lengthMask([0], 2));
    assertNestedClose(
      x,
      [
        [
          [0, 0, 0],
          [0, 0, 0],
        ],
      ],
      'ã',
    );
    // b̃ at b's (padded) places still reads a's real tokens; later layers mask those places.
    assertNestedClose(y, [reference(nested<S>(a)[0]!, nested<S>(b)[0]!, 2, 0)[1]], 'b̃');
  });

  it('returns each input its own mask, and its shapes', () => {
    const layer = new Align();
    const ma = lengthMask([1], 2);
    const mb = lengthMask([2], 3);
    const masks = layer.computeMask([tfc.zeros([1, 2, 3]), tfc.zeros([1, 3, 3])], [ma, mb]) as tfc.Tensor[];
    assert.equal(masks[0], ma);
    assert.equal(masks[1], mb);
    assert.deepEqual(
      layer.computeOutputShape([
        [null, 5, 4],
        [null, 7, 4],
      ]),
      [
        [null, 5, 4],
        [null, 7, 4],
      ],
    );
    assert.throws(() => new Align().apply([tfc.zeros([1, 2, 3]), tfc.zeros([1, 2, 4])]), /widths 3 and 4/);
  });

  it('has gradients that agree with central differences (inputs, projection, temperature)', () => {
    const rand = rng(6);
    const layer = new Align({ projectionUnits: 2, projectionActivation: 'tanh', scale: 'learned' });
    checkGradients(layer, [randomTensor(rand, [2, 3, 2]), randomTensor(rand, [2, 2, 2])], {
      mask: [lengthMask([3, 2], 3), lengthMask([1, 2], 2)],
    });
  });
});
