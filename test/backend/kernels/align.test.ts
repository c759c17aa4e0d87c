import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/backend/index.js';
import {
  FUSED_ALIGN,
  FUSED_ALIGN_INFER,
  fusedAlign,
  fusedAlignAvailable,
  registerFusedAlignKernels,
} from '../../../src/backend/kernels/align.js';
import { fusedThreads, setFusedThreads } from '../../../src/backend/kernels/rnn-wasm.js';
import { Align, alignWithOps, registerLayerClasses } from '../../../src/layers/index.js';
import { assertTensorClose, lengthMask, randomTensor, rng } from '../../helpers/layers.js';

/**
 * The fused alignment kernels (native/rnn.c align_forward, align_backward) against the layer's
 * tfjs-op path (alignWithOps): outputs and the gradients of the score inputs, the values and the
 * scale agree to 1e-5 relative, element by element, with padding on both sides (a question with
 * no real token included), with and without a projection, and through the Align layer with a
 * learned scale (weights' gradients too). An absolute floor of 1e-5 of the tensor's largest
 * magnitude covers sums with cancellation (the scale's gradient adds B·Ta·Tb terms of both signs).
 */

const DEFAULT_THREADS = fusedThreads();
const RTOL = 1e-5;
const FLOOR = 1e-5;

function assertClose(actual: tf.Tensor, expected: tf.Tensor, what: string): void {
  assertTensorClose(actual, expected, what, { rtol: RTOL, floor: FLOOR });
}

interface Case {
  batch: number;
  stepsA: number;
  stepsB: number;
  width: number;
  /** The score inputs' width; 0: the values themselves score (no projection). */
  scoreWidth: number;
  /** Per row; undefined: no mask on that side. */
  lengthsA?: number[];
  lengthsB?: number[];
  scale: number;
}

const CASES: Case[] = [
  {
    batch: 3,
    stepsA: 5,
    stepsB: 7,
    width: 6,
    scoreWidth: 0,
    lengthsA: [5, 2, 0],
    lengthsB: [3, 7, 1],
    scale: 1,
  },
  {
    batch: 4,
    stepsA: 9,
    stepsB: 4,
    width: 5,
    scoreWidth: 3,
    lengthsA: [9, 1, 4, 6],
    lengthsB: [0, 4, 2, 3],
    scale: 0.4,
  },
  { batch: 5, stepsA: 8, stepsB: 8, width: 12, scoreWidth: 8, lengthsA: [8, 3, 5, 1, 7], scale: 0.7 },
  { batch: 2, stepsA: 3, stepsB: 6, width: 4, scoreWidth: 0, scale: 2 },
];

const describeCase = (c: Case) =>
  `B ${c.batch}, Ta ${c.stepsA}, Tb ${c.stepsB}, D ${c.width}, ${c.scoreWidth ? `P ${c.scoreWidth}` : 'no projection'}, ` +
  `masks ${c.lengthsA ? 'a' : '-'}${c.lengthsB ? 'b' : '-'}, scale ${c.scale}`;

/**
 * Outputs and the gradients of a weighted sum of them (random weights) wrt sa, sb, a, b and the
 * scale, by one of the two paths. Without a projection sa is a and sb is b: their gradients are
 * the two paths' sums.
 */
function run(c: Case, seed: number, fused: boolean): tf.Tensor[] {
  const rand = rng(seed);
  const a = randomTensor(rand, [c.batch, c.stepsA, c.width], 2) as tf.Tensor3D;
  const b = randomTensor(rand, [c.batch, c.stepsB, c.width], 2) as tf.Tensor3D;
  const P = c.scoreWidth;
  const sa = (P ? randomTensor(rand, [c.batch, c.stepsA, P], 2) : a) as tf.Tensor3D;
  const sb = (P ? randomTensor(rand, [c.batch, c.stepsB, P], 2) : b) as tf.Tensor3D;
  const wa = randomTensor(rand, [c.batch, c.stepsA, c.width]);
  const wb = randomTensor(rand, [c.batch, c.stepsB, c.width]);
  const scale = tf.scalar(c.scale);
  const ma = c.lengthsA ? lengthMask(c.lengthsA, c.stepsA) : null;
  const mb = c.lengthsB ? lengthMask(c.lengthsB, c.stepsB) : null;
  const outputs = (xs: tf.Tensor[]): tf.Tensor[] => {
    const [xa, xb, xsa, xsb, s] = xs as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Scalar];
    const [ya, yb] = P ? [xsa, xsb] : [xa, xb];
    if (!fused) return alignWithOps(ya, yb, xa, xb, ma, mb, s);
    const f = (m: tf.Tensor | null) => (m ? tf.cast(m, 'float32') : null);
    return fusedAlign({ sa: ya, sb: yb, a: xa, b: xb, ma: f(ma), mb: f(mb), scale: s });
  };
  const loss = (...xs: tf.Tensor[]) => {
    const [at, bt] = outputs(xs);
    return tf.add(tf.sum(tf.mul(at!, wa)), tf.sum(tf.mul(bt!, wb))) as tf.Scalar;
  };
  const inputs = P ? [a, b, sa, sb, scale] : [a, b, scale];
  const grads = tf.grads((...xs: tf.Tensor[]) =>
    P ? loss(...xs) : loss(xs[0]!, xs[1]!, xs[0]!, xs[1]!, xs[2]!),
  )(inputs);
  const forward = outputs(P ? inputs : [a, b, a, b, scale]);
  return [...forward, ...grads];
}

const NAMES = (c: Case) => ['ã', 'b̃', 'd a', 'd b', ...(c.scoreWidth ? ['d sa', 'd sb'] : []), 'd scale'];

function checkCase(c: Case, seed: number): void {
  tf.tidy(() => {
    const expected = run(c, seed, false);
    const actual = run(c, seed, true);
    NAMES(c).forEach((name, i) => {
      assertClose(actual[i]!, expected[i]!, name);
    });
  });
}

// wasm on one thread and on two (rows split over the calling thread and a worker), cpu on one.
const RUNS = [
  { backend: 'wasm', threads: 1 },
  { backend: 'wasm', threads: 2 },
  { backend: 'cpu', threads: 1 },
] as const;

for (const { backend, threads } of RUNS) {
  describe(`the fused alignment on ${backend}, ${threads} thread(s), equals the tfjs ops`, () => {
    before(async () => {
      await initBackend(backend);
      registerLayerClasses();
      setFusedThreads(threads);
    });
    after(() => setFusedThreads(DEFAULT_THREADS));

    CASES.forEach((c, i) => {
      it(describeCase(c), () => checkCase(c, 100 + i));
    });

    it('gives zeros to a question with no real token, and its partner no gradient through them', () => {
      tf.tidy(() => {
        const rand = rng(7);
        const [sa, a] = [randomTensor(rand, [2, 4, 3]), randomTensor(rand, [2, 4, 3])] as [
          tf.Tensor3D,
          tf.Tensor3D,
        ];
        const [sb, b] = [randomTensor(rand, [2, 5, 3]), randomTensor(rand, [2, 5, 3])] as [
          tf.Tensor3D,
          tf.Tensor3D,
        ];
        // Row 0: question b fully padded; row 1: question a fully padded.
        const ma = tf.cast(lengthMask([4, 0], 4), 'float32');
        const mb = tf.cast(lengthMask([0, 5], 5), 'float32');
        const f = (x: tf.Tensor, y: tf.Tensor) =>
          fusedAlign({ sa, sb, a: x as tf.Tensor3D, b: y as tf.Tensor3D, ma, mb, scale: tf.scalar(1) });
        const row = (t: tf.Tensor, n: number) => Array.from(tf.slice(t, [n, 0, 0], [1, -1, -1]).dataSync());
        const [at, bt] = f(a, b);
        assert.deepEqual(row(at, 0), new Array(12).fill(0));
        assert.deepEqual(row(bt, 1), new Array(15).fill(0));
        assert.ok(row(bt, 0).some((v) => v !== 0) && row(at, 1).some((v) => v !== 0));
        // No weight on row 0's b or row 1's a: their values get no gradient.
        const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => {
          const [p, q] = f(x, y);
          return tf.add(tf.sum(p), tf.sum(q)) as tf.Scalar;
        })([a, b]);
        assert.deepEqual(row(db!, 0), new Array(15).fill(0));
        assert.deepEqual(row(da!, 1), new Array(12).fill(0));
      });
    });

    it('makes no tensor for the weights (pa, pb) in the backward pass', () => {
      tf.tidy(() => {
        const rand = rng(9);
        const [B, Ta, Tb] = [2, 7, 5];
        const a = randomTensor(rand, [B, Ta, 3]) as tf.Tensor3D;
        const b = randomTensor(rand, [B, Tb, 3]) as tf.Tensor3D;
        const ma = tf.cast(lengthMask([7, 4], Ta), 'float32');
        // tfjs makes the zero gradients of undifferentiated outputs with makeTensor: count its shapes.
        const engine = tf.engine();
        const makeTensor = engine.makeTensor;
        const made: number[][] = [];
        engine.makeTensor = (...args: Parameters<typeof makeTensor>) => {
          made.push(args[1]);
          return makeTensor.apply(engine, args);
        };
        try {
          tf.grads((x: tf.Tensor, y: tf.Tensor, s: tf.Tensor) => {
            const [xa, yb] = [x as tf.Tensor3D, y as tf.Tensor3D];
            const [p, q] = fusedAlign({ sa: xa, sb: yb, a: xa, b: yb, ma, mb: null, scale: s as tf.Scalar });
            return tf.add(tf.sum(p), tf.sum(q)) as tf.Scalar;
          })([a, b, tf.scalar(0.5)]);
        } finally {
          engine.makeTensor = makeTensor;
        }
        const key = (shape: number[]) => shape.join('x');
        const weightShapes = new Set([key([B, Ta, Tb]), key([B, Tb, Ta])]);
        const weights = made.filter((shape) => weightShapes.has(key(shape)));
        assert.ok(made.length > 0, 'makeTensor was not seen');
        assert.deepEqual(weights, []);
      });
    });

    it("the kernel's registered gradient, for callers that run it directly, gives the same gradients", () => {
      tf.tidy(() => {
        const rand = rng(13);
        const sa = randomTensor(rand, [3, 4, 2]) as tf.Tensor3D;
        const sb = randomTensor(rand, [3, 6, 2]) as tf.Tensor3D;
        const a = randomTensor(rand, [3, 4, 5]) as tf.Tensor3D;
        const b = randomTensor(rand, [3, 6, 5]) as tf.Tensor3D;
        const ma = tf.cast(lengthMask([4, 1, 3], 4), 'float32');
        const mb = tf.cast(lengthMask([6, 2, 0], 6), 'float32');
        const wa = randomTensor(rand, [3, 4, 5]);
        const wb = randomTensor(rand, [3, 6, 5]);
        const gradsBy = (direct: boolean) =>
          tf.grads((...xs: tf.Tensor[]) => {
            const [xsa, xsb, xa, xb, s] = xs as [
              tf.Tensor3D,
              tf.Tensor3D,
              tf.Tensor3D,
              tf.Tensor3D,
              tf.Scalar,
            ];
            const named = { sa: xsa, sb: xsb, a: xa, b: xb, ma, mb, scale: s };
            const [at, bt] = direct
              ? (tf.engine().runKernel(FUSED_ALIGN, named) as tf.Tensor[])
              : fusedAlign(named);
            return tf.add(tf.sum(tf.mul(at!, wa)), tf.sum(tf.mul(bt!, wb))) as tf.Scalar;
          })([sa, sb, a, b, tf.scalar(0.8)]);
        const direct = gradsBy(true);
        const fused = gradsBy(false);
        ['d sa', 'd sb', 'd a', 'd b', 'd scale'].forEach((name, i) => {
          assert.deepEqual(Array.from(direct[i]!.dataSync()), Array.from(fused[i]!.dataSync()), name);
        });
      });
    });
  });
}

describe('the Align layer', () => {
  before(async () => {
    await initBackend('wasm');
    registerLayerClasses();
  });

  /** Outputs, input gradients and weight gradients of a layer on padded inputs. */
  function layerRun(layer: Align, seed: number): tf.Tensor[] {
    const rand = rng(seed);
    const a = randomTensor(rand, [3, 6, 5]);
    const b = randomTensor(rand, [3, 4, 5]);
    const mask = [lengthMask([6, 2, 0], 6), lengthMask([1, 4, 3], 4)];
    const wa = randomTensor(rand, [3, 6, 5]);
    const wb = randomTensor(rand, [3, 4, 5]);
    const loss = (x: tf.Tensor, y: tf.Tensor) => {
      const [at, bt] = layer.apply([x, y], { mask }) as tf.Tensor[];
      return tf.add(tf.sum(tf.mul(at!, wa)), tf.sum(tf.mul(bt!, wb))) as tf.Scalar;
    };
    const inputGrads = tf.grads(loss)([a, b]);
    const { grads } = tf.variableGrads(
      () => loss(a, b),
      layer.trainableWeights.map((w) => w.read() as tf.Variable),
    );
    // On copies: the mask flow (src/layers/masks.ts) would hand back outputs of the same inputs.
    const outs = layer.apply([tf.clone(a), tf.clone(b)], { mask }) as tf.Tensor[];
    return [
      ...outs,
      ...inputGrads,
      ...layer.trainableWeights.map((w) => grads[(w.read() as tf.Variable).name]!),
    ];
  }

  for (const args of [
    { projectionUnits: 4, scale: 'learned' as const },
    { projectionUnits: 0, scale: 'learned' as const },
    { projectionUnits: 3, scale: 'sqrt' as const, projectionActivation: 'tanh' },
  ]) {
    it(`runs the fused kernels and matches its tfjs ops (${JSON.stringify(args)})`, () => {
      const layer = new Align({
        ...args,
        kernelInitializer: { className: 'GlorotUniform', config: { seed: 3 } },
      });
      layer.build([
        [null, 6, 5],
        [null, 4, 5],
      ]);
      tf.tidy(() => {
        assert.equal(fusedAlignAvailable(), true);
        const actual = layerRun(layer, 11);
        tf.unregisterKernel(FUSED_ALIGN, 'wasm');
        tf.unregisterKernel(FUSED_ALIGN_INFER, 'wasm');
        try {
          assert.equal(fusedAlignAvailable(), false);
          const expected = layerRun(layer, 11);
          assert.equal(actual.length, expected.length);
          actual.forEach((t, i) => {
            assertClose(t, expected[i]!, `result ${i}`);
          });
        } finally {
          registerFusedAlignKernels('wasm');
        }
      });
    });
  }
});
