import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { initBackend } from '../../../src/backend/index.js';
import { conv2dFilterGradient, filterGradientGeometry } from '../../../src/backend/kernels/conv-grad.js';

/**
 * The gradients of convolutions and poolings on wasm and cpu (src/backend/kernels/conv-grad.ts):
 * qqp's Conv2DBackpropFilter on wasm against the cpu backend's own kernel; Conv2D's gradient with
 * dilations (which tfjs refuses) against its definition through cpu's forward Conv2D; and tfjs' own
 * wasm kernels the registered layers' gradients use (Conv2DBackpropInput, MaxPoolGrad, AvgPoolGrad)
 * against cpu's. Random shapes, strides, dilations and paddings, a third of height 1 (conv1d);
 * values agree to 1e-4 relative (absolute below 1).
 */

// Numeric paddings are left out: tfjs-layers never passes one, and tfjs' own wasm
// Conv2DBackpropInput writes out of bounds for some (a 3×2 filter with pad 1).
type Pad = 'valid' | 'same';

interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    assert.ok(Math.abs(a - e) <= 1e-4 * Math.max(1, Math.abs(e)), `${what}[${i}]: ${a} != ${e}`);
  }
}

const int = (rng: RandomGenerator, lo: number, hi: number) => uniformInt(rng, lo, hi);

/**
 * Random convolutions that tfjs accepts: dilations above 1 only with strides of 1 (tfjs' rule),
 * and an input at least as large as the spread-out filter for 'valid' padding.
 */
function randomCases(seed: number, count: number, opts: { dilated: boolean; nchw: boolean }): Case[] {
  const rng = xoroshiro128plus(seed);
  return Array.from({ length: count }, (_, i) => {
    const oneD = i % 3 === 0;
    const fh = oneD ? 1 : int(rng, 1, 3);
    const fw = int(rng, 1, 4);
    const dilations: [number, number] = opts.dilated ? [oneD ? 1 : int(rng, 1, 3), int(rng, 2, 3)] : [1, 1];
    const strides: [number, number] = opts.dilated ? [1, 1] : [oneD ? 1 : int(rng, 1, 3), int(rng, 1, 3)];
    const pad: Pad = int(rng, 0, 2) === 0 ? 'valid' : 'same';
    const eh = (fh - 1) * dilations[0] + 1;
    const ew = (fw - 1) * dilations[1] + 1;
    const h = oneD ? 1 : eh + int(rng, 0, 4);
    const w = ew + int(rng, 0, 7);
    const ci = int(rng, 1, 4);
    const co = int(rng, 1, 5);
    const dataFormat = opts.nchw && i % 2 === 1 ? 'NCHW' : 'NHWC';
    const x: Case['x'] = dataFormat === 'NCHW' ? [int(rng, 1, 3), ci, h, w] : [int(rng, 1, 3), h, w, ci];
    return { x, filter: [fh, fw, ci, co], strides, dilations, pad, dataFormat };
  });
}

const describeCase = (c: Case) =>
  `x [${c.x}] filter [${c.filter}] strides [${c.strides}] dilations [${c.dilations}] pad ${c.pad} ${c.dataFormat}`;

function geometry(c: Case): tf.backend_util.Conv2DInfo {
  return filterGradientGeometry(
    c.x,
    { strides: c.strides, pad: c.pad, dataFormat: c.dataFormat, filterShape: c.filter },
    c.dilations,
  );
}

function randomValues(rng: RandomGenerator, shape: readonly number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, () => uniformFloat64(rng) * 2 - 1);
}

/** x, filter and an upstream gradient dy of the convolution's output shape. */
function caseData(c: Case, seed: number) {
  const rng = xoroshiro128plus(seed);
  return {
    x: randomValues(rng, c.x),
    filter: randomValues(rng, c.filter),
    dy: randomValues(rng, geometry(c).outShape),
  };
}

const ATTRS = (c: Case) => ({ strides: c.strides, pad: c.pad, dataFormat: c.dataFormat });

/** The Conv2DBackpropFilter kernel of the current backend. */
function filterKernel(c: Case, x: Float32Array, dy: Float32Array): Float32Array {
  return tf.tidy(() => {
    const out = tf
      .engine()
      .runKernel<tf.Tensor>(
        tf.Conv2DBackpropFilter,
        { x: tf.tensor(x, c.x), dy: tf.tensor(dy, geometry(c).outShape) },
        { ...ATTRS(c), filterShape: c.filter },
      );
    assert.deepEqual(out.shape, c.filter);
    return out.dataSync() as Float32Array;
  });
}

/**
 * The gradients by their definition, through the forward Conv2D of the current backend (NHWC):
 * the loss is Σ conv2d(x, f)·dy, linear in x and in f. For the filter, one convolution with a
 * one-hot filter per tap (fh, fw, ci) reads the input that tap sees at every output position; for
 * the input, a batch of one-hot inputs gives what each input element contributes.
 */
function definitionGradients(c: Case, x: Float32Array, filter: Float32Array, dy: Float32Array) {
  const [b, h, w, ci] = c.x;
  const [fh, fw, , co] = c.filter;
  const { outHeight: oh, outWidth: ow } = geometry(c);
  return tf.tidy(() => {
    const conv = (input: tf.Tensor4D, f: tf.Tensor4D) =>
      tf.conv2d(input, f, c.strides, c.pad, 'NHWC', c.dilations);
    const taps = fh * fw * ci;
    const seen = conv(tf.tensor4d(x, c.x), tf.reshape(tf.eye(taps), [fh, fw, ci, taps]));
    // [b·oh·ow, taps]ᵀ · [b·oh·ow, co] = [taps, co], the filter's layout.
    const dFilter = tf.matMul(
      tf.reshape(seen, [b * oh * ow, taps]),
      tf.tensor2d(dy, [b * oh * ow, co]),
      true,
    );
    const size = h * w * ci;
    const each = conv(tf.reshape(tf.eye(size), [size, h, w, ci]), tf.tensor4d(filter, c.filter));
    // [size, oh·ow·co] · [b, oh·ow·co]ᵀ = [size, b], transposed to the input's layout.
    const dX = tf.transpose(
      tf.matMul(tf.reshape(each, [size, oh * ow * co]), tf.tensor2d(dy, [b, oh * ow * co]), false, true),
    );
    return { filter: dFilter.dataSync() as Float32Array, x: dX.dataSync() as Float32Array };
  });
}

/** tf.grads of Σ conv2d(x, f)·dy on the current backend (the registered Conv2D gradient). */
function convGrads(c: Case, x: Float32Array, filter: Float32Array, dy: Float32Array) {
  return tf.tidy(() => {
    const upstream = tf.tensor(dy, geometry(c).outShape);
    const [dX, dF] = tf.grads((input: tf.Tensor, f: tf.Tensor) =>
      tf.sum(
        tf.mul(
          tf.conv2d(input as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad, c.dataFormat, c.dilations),
          upstream,
        ),
      ),
    )([tf.tensor(x, c.x), tf.tensor(filter, c.filter)]);
    return { x: dX!.dataSync() as Float32Array, filter: dF!.dataSync() as Float32Array };
  });
}

describe('Conv2DBackpropFilter on wasm', () => {
  it('matches the cpu backend’s own kernel on random shapes, strides and paddings, NHWC and NCHW', async () => {
    const cases = randomCases(11, 40, { dilated: false, nchw: true });
    const data = cases.map((c, i) => caseData(c, 1000 + i));
    await initBackend('cpu');
    const expected = cases.map((c, i) => filterKernel(c, data[i]!.x, data[i]!.dy));
    await initBackend('wasm');
    assert.equal(tf.getBackend(), 'wasm');
    cases.forEach((c, i) => {
      assertClose(filterKernel(c, data[i]!.x, data[i]!.dy), expected[i]!, describeCase(c));
    });
    const nonZero = expected.filter((e) => e.some((v) => v !== 0)).length;
    assert.ok(nonZero >= 35, `only ${nonZero} of 40 cpu gradients are not all zero`);
  });

  it('refuses a dy whose shape is not the convolution’s output', async () => {
    await initBackend('wasm');
    assert.throws(
      () =>
        tf
          .engine()
          .runKernel(
            tf.Conv2DBackpropFilter,
            { x: tf.zeros([1, 1, 5, 2]), dy: tf.zeros([1, 1, 4, 3]) },
            { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [1, 3, 2, 3] },
          ),
      /dy has shape \[1,1,4,3\], the convolution gives \[1,1,3,3\]/,
    );
  });
});

describe('conv2dFilterGradient (the loop)', () => {
  it('with dilations, matches the definition through cpu’s forward Conv2D', async () => {
    await initBackend('cpu');
    randomCases(12, 30, { dilated: true, nchw: false }).forEach((c, i) => {
      const { x, filter, dy } = caseData(c, 2000 + i);
      const got = new Float32Array(c.filter.reduce((a, b) => a * b, 1));
      conv2dFilterGradient(x, dy, geometry(c), got);
      assertClose(got, definitionGradients(c, x, filter, dy).filter, describeCase(c));
    });
  });
});

describe('the gradient of Conv2D', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`on ${backend}, with dilations (refused by tfjs itself), matches the definition`, async () => {
      const cases = randomCases(13, 30, { dilated: true, nchw: false });
      const data = cases.map((c, i) => caseData(c, 3000 + i));
      await initBackend('cpu');
      const expected = cases.map((c, i) => definitionGradients(c, data[i]!.x, data[i]!.filter, data[i]!.dy));
      await initBackend(backend);
      cases.forEach((c, i) => {
        const got = convGrads(c, data[i]!.x, data[i]!.filter, data[i]!.dy);
        assertClose(got.filter, expected[i]!.filter, `filter, ${describeCase(c)}`);
        assertClose(got.x, expected[i]!.x, `x, ${describeCase(c)}`);
      });
    });

    it(`on ${backend}, without dilations, is tfjs’ own: the backprop kernels’ values exactly`, async () => {
      await initBackend(backend);
      randomCases(14, 12, { dilated: false, nchw: false }).forEach((c, i) => {
        const { x, filter, dy } = caseData(c, 4000 + i);
        const got = convGrads(c, x, filter, dy);
        const input = tf.tidy(
          () =>
            tf
              .engine()
              .runKernel<tf.Tensor>(
                tf.Conv2DBackpropInput,
                { dy: tf.tensor(dy, geometry(c).outShape), filter: tf.tensor(filter, c.filter) },
                { ...ATTRS(c), inputShape: c.x },
              )
              .dataSync() as Float32Array,
        );
        assert.deepEqual(got.filter, filterKernel(c, x, dy), describeCase(c));
        assert.deepEqual(got.x, input, describeCase(c));
      });
    });
  }

  it('on wasm, without dilations, gives cpu’s values (Conv2DBackpropInput is tfjs’ own on wasm)', async () => {
    const cases = randomCases(15, 40, { dilated: false, nchw: false });
    const data = cases.map((c, i) => caseData(c, 5000 + i));
    await initBackend('cpu');
    const expected = cases.map((c, i) => convGrads(c, data[i]!.x, data[i]!.filter, data[i]!.dy));
    await initBackend('wasm');
    cases.forEach((c, i) => {
      const got = convGrads(c, data[i]!.x, data[i]!.filter, data[i]!.dy);
      assertClose(got.x, expected[i]!.x, `x, ${describeCase(c)}`);
      assertClose(got.filter, expected[i]!.filter, `filter, ${describeCase(c)}`);
    });
  });
});

describe('the gradients of pooling on wasm', () => {
  /** d/dx of Σ pool(x)², on the current backend. */
  const poolGrad = (
    mode: 'max' | 'avg',
    x: tf.Tensor4D,
    pool: [number, number],
    strides: [number, number],
    pad: Pad,
  ) =>
    tf.tidy(() => {
      const op = mode === 'max' ? tf.maxPool : tf.avgPool;
      return tf
        .grad((t: tf.Tensor) => tf.sum(tf.square(op(t as tf.Tensor4D, pool, strides, pad))))(x)
        .dataSync() as Float32Array;
    });

  it('MaxPoolGrad (qqp’s) and AvgPoolGrad (tfjs’) match cpu’s on random windows, strides and paddings', async () => {
    const rng = xoroshiro128plus(16);
    const cases = Array.from({ length: 60 }, (_, i) => {
      const oneD = i % 2 === 0; // maxPooling1d: height 1
      const pool: [number, number] = [oneD ? 1 : int(rng, 1, 3), int(rng, 1, 4)];
      const strides: [number, number] = [oneD ? 1 : int(rng, 1, 3), int(rng, 1, 4)];
      const pad: Pad = int(rng, 0, 1) === 0 ? 'valid' : 'same';
      const shape: [number, number, number, number] = [
        int(rng, 1, 3),
        oneD ? 1 : pool[0] + int(rng, 0, 4),
        pool[1] + int(rng, 0, 7),
        int(rng, 1, 4),
      ];
      let x = randomValues(rng, shape);
      // One case in three has ties (as after a ReLU: many zeros): the first maximum takes it all.
      if (i % 3 === 1) x = x.map((v) => Math.max(0, Math.round(v * 2) / 2));
      return { shape, pool, strides, pad, x, mode: i % 4 < 3 ? ('max' as const) : ('avg' as const) };
    });
    const run = () => cases.map((c) => poolGrad(c.mode, tf.tensor4d(c.x, c.shape), c.pool, c.strides, c.pad));
    await initBackend('cpu');
    const expected = run();
    await initBackend('wasm');
    const got = run();
    cases.forEach((c, i) => {
      const what = `${c.mode}Pool x [${c.shape}] pool [${c.pool}] strides [${c.strides}] ${c.pad}`;
      assertClose(got[i]!, expected[i]!, what);
    });
  });

  it('MaxPoolGrad gives windows whose maximum is negative their gradient (tfjs’ own wasm kernel drops it)', async () => {
    await initBackend('wasm');
    const x = tf.tensor4d([0.5, -0.3, -0.25, -0.9, 2, 1], [1, 1, 6, 1]);
    // Windows [0.5, -0.3], [-0.25, -0.9], [2, 1]; d(max²)/dmax = 2·max.
    assert.deepEqual(Array.from(poolGrad('max', x, [1, 2], [1, 2], 'valid')), [1, 0, -0.5, 0, 4, 0]);
  });
});
