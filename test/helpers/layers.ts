import assert from 'node:assert/strict';
import * as tfc from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Helpers for the tests of qqp's layer classes: random data, comparison, numeric gradients. */

/** A small deterministic generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomArray(rand: () => number, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
}

export function randomTensor(rand: () => number, shape: number[], scale = 1): tfc.Tensor {
  return tfc.tensor(
    randomArray(
      rand,
      shape.reduce((a, b) => a * b, 1),
      scale,
    ),
    shape,
  );
}

/** A [B, T] bool mask with the first lengths[b] steps of row b true. */
export function lengthMask(lengths: number[], T: number): tfc.Tensor2D {
  return tfc.tensor2d(
    lengths.map((n) => Array.from({ length: T }, (_x, t) => (t < n ? 1 : 0))),
    [lengths.length, T],
    'bool',
  );
}

/** Nested arrays of a tensor (number[][][] for rank 3). */
export function nested<T>(t: tfc.Tensor): T {
  return t.arraySync() as T;
}

/** Element-wise |a − e| ≤ atol + rtol·|e|. */
export function assertAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  { atol = 1e-5, rtol = 1e-4 } = {},
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    assert.ok(Math.abs(a - e) <= atol + rtol * Math.abs(e), `${what}: element ${i} is ${a}, expected ${e}`);
  }
}

/**
 * Same shape, and element-wise |a − e| ≤ floor·max|e| + rtol·|e|: the floor covers sums with
 * cancellation, whose float32 rounding follows the tensor's largest magnitude. A failure names the
 * element furthest beyond its bound.
 */
export function assertTensorClose(
  actual: tfc.Tensor,
  expected: tfc.Tensor,
  what: string,
  { rtol, floor }: { rtol: number; floor: number },
): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = actual.dataSync();
  const e = expected.dataSync();
  let scale = 0;
  for (const v of e) scale = Math.max(scale, Math.abs(v));
  const atol = floor * scale;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < e.length; i++) {
    const excess = Math.abs(a[i]! - e[i]!) - (atol + rtol * Math.abs(e[i]!));
    if (excess > worst || (Number.isNaN(excess) && at < 0)) {
      worst = excess;
      at = i;
    }
  }
  assert.ok(at < 0, `${what}: element ${at} is ${a[at]}, expected ${e[at]} (beyond ${rtol} relative)`);
}

function flat(x: unknown): number[] {
  return Array.isArray(x) ? x.flatMap(flat) : [x as number];
}

export function assertNestedClose(actual: unknown, expected: unknown, what: string, tol = {}): void {
  assertAllClose(flat(actual), flat(expected), what, tol);
}

/** d f / d base[k] for every k, by central differences: f is evaluated at base with one entry moved by ±eps. */
function centralDifference(
  base: ArrayLike<number>,
  eps: number,
  f: (data: Float32Array) => number,
): Float32Array {
  const numeric = new Float32Array(base.length);
  for (let k = 0; k < base.length; k++) {
    const shifted = (d: number) => {
      const data = Float32Array.from(base);
      data[k] = data[k]! + d;
      return f(data);
    };
    numeric[k] = (shifted(eps) - shifted(-eps)) / (2 * eps);
  }
  return numeric;
}

/**
 * Checks a layer's gradients with respect to its inputs and trainable weights against central
 * differences of the loss Σ outputs ∗ R (R random, fixed), element by element.
 */
export function checkGradients(
  layer: tfl.layers.Layer,
  inputs: tfc.Tensor[],
  kwargs: Record<string, unknown> = {},
  { eps = 1e-2, atol = 2e-3, rtol = 2e-2, seed = 11 } = {},
): void {
  const rand = rng(seed);
  const run = (xs: tfc.Tensor[]): tfc.Tensor[] => {
    const out = layer.apply(xs.length === 1 ? xs[0]! : xs, kwargs) as tfc.Tensor | tfc.Tensor[];
    return Array.isArray(out) ? out : [out];
  };
  const probes = tfc.tidy(() => run(inputs).map((o) => randomTensor(rand, o.shape)));
  const loss = (xs: tfc.Tensor[]): tfc.Scalar =>
    tfc.tidy(
      () =>
        run(xs).reduce<tfc.Tensor>(
          (s, o, i) => tfc.add(s, tfc.sum(tfc.mul(o, probes[i]!))),
          tfc.scalar(0),
        ) as tfc.Scalar,
    );
  const value = (xs: tfc.Tensor[]): number => {
    const l = loss(xs);
    const v = l.dataSync()[0]!;
    l.dispose();
    return v;
  };

  // Inputs.
  const analytic = tfc.grads((...xs: tfc.Tensor[]) => loss(xs))(inputs);
  inputs.forEach((x, i) => {
    const numeric = centralDifference(x.dataSync(), eps, (data) => {
      const xs = inputs.map((y, j) => (j === i ? tfc.tensor(data, x.shape) : y));
      const v = value(xs);
      xs[i]!.dispose();
      return v;
    });
    assertAllClose(analytic[i]!.dataSync(), numeric, `d loss / d input ${i}`, { atol, rtol });
  });

  // Weights.
  const weights = layer.trainableWeights;
  if (weights.length === 0) return;
  const vars = weights.map((w) => w.read() as tfc.Variable);
  const { grads } = tfc.variableGrads(() => loss(inputs), vars);
  weights.forEach((w, i) => {
    const original = w.read().clone();
    const numeric = centralDifference(original.dataSync(), eps, (data) => {
      w.write(tfc.tensor(data, original.shape));
      return value(inputs);
    });
    w.write(original);
    const g = grads[vars[i]!.name];
    assert.ok(g, `no gradient for weight ${w.name}`);
    assertAllClose(g.dataSync(), numeric, `d loss / d ${w.name}`, { atol, rtol });
  });
}
