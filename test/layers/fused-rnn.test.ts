import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/index.js';
import {
  FUSED_GRU,
  FUSED_GRU_INFER,
  FUSED_LSTM,
  FUSED_LSTM_INFER,
  fusedKernelsAvailable,
  fusedLstm,
  lstmSequence,
  registerFusedRnnKernels,
} from '../../src/backend/kernels/rnn.js';
import { fusedThreads, setFusedThreads } from '../../src/backend/kernels/rnn-wasm.js';
import { FusedGRU, FusedLSTM, registerLayerClasses } from '../../src/layers/index.js';
import { loadModel, saveModel } from '../../src/runs/model-io.js';
import { assertTensorClose, randomTensor, rng } from '../helpers/layers.js';

/**
 * The fused LSTM/GRU layers against tfjs-layers' own LSTM/GRU with the same weights: outputs and
 * the gradients of every weight and of the input agree to 1e-4 relative, element by element, on the
 * wasm and cpu backends, over random shapes and settings. Elements that are sums with cancellation
 * (a weight gradient adds B·T terms of both signs) get an absolute floor of 1e-5 of the tensor's
 * largest magnitude: the two implementations add in different orders in float32.
 */

const DEFAULT_THREADS = fusedThreads();
const RTOL = 1e-4;
const FLOOR = 1e-5;

function assertClose(actual: tf.Tensor, expected: tf.Tensor, what: string): void {
  assertTensorClose(actual, expected, what, { rtol: RTOL, floor: FLOOR });
}

interface Case {
  kind: 'lstm' | 'gru';
  batch: number;
  steps: number;
  features: number;
  units: number;
  goBackwards: boolean;
  returnSequences: boolean;
  bidirectional: boolean;
  masked: boolean;
  activation: 'tanh' | 'relu' | 'linear' | 'sigmoid' | 'hardSigmoid';
  recurrentActivation: 'sigmoid' | 'hardSigmoid' | 'tanh';
}

function describeCase(c: Case): string {
  return [
    c.bidirectional ? `bidirectional(${c.kind})` : c.kind,
    `B${c.batch} T${c.steps} F${c.features} H${c.units}`,
    c.goBackwards ? 'goBackwards' : '',
    c.returnSequences ? 'returnSequences' : 'last',
    c.masked ? 'masked' : '',
    `${c.activation}/${c.recurrentActivation}`,
  ]
    .filter(Boolean)
    .join(' ');
}

function makeLayers(c: Case): { reference: tfl.layers.Layer; fused: tfl.layers.Layer } {
  const common = {
    units: c.units,
    goBackwards: c.goBackwards,
    returnSequences: c.returnSequences,
    activation: c.activation,
    recurrentActivation: c.recurrentActivation,
  };
  const reference = c.kind === 'lstm' ? tfl.layers.lstm(common) : tfl.layers.gru(common);
  const fused = c.kind === 'lstm' ? new FusedLSTM(common) : new FusedGRU(common);
  if (!c.bidirectional) return { reference, fused };
  type Wrapped = Parameters<typeof tfl.layers.bidirectional>[0]['layer'];
  return {
    reference: tfl.layers.bidirectional({ layer: reference as Wrapped }),
    fused: tfl.layers.bidirectional({ layer: fused as unknown as Wrapped }),
  };
}

function variablesOf(layer: tfl.layers.Layer): tf.Variable[] {
  return layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
}

/** Output, input gradient and weight gradients of `layer` for a fixed random upstream gradient. */
function run(layer: tfl.layers.Layer, x: tf.Tensor, mask: tf.Tensor | null, dy: tf.Tensor | null) {
  const kwargs = mask ? { mask } : {};
  const y = layer.apply(x, kwargs) as tf.Tensor;
  const upstream = dy ?? y;
  const loss = (input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input, kwargs) as tf.Tensor, upstream));
  const dx = tf.grad(loss)(x);
  const vars = variablesOf(layer);
  const { grads } = tf.variableGrads(() => loss(x) as tf.Scalar, vars);
  return { y, dx, dw: vars.map((v) => grads[v.name]!) };
}

function checkCase(c: Case, seed: number): void {
  const rand = rng(seed);
  tf.tidy(() => {
    const x = randomTensor(rand, [c.batch, c.steps, c.features]);
    // Mask: each row keeps a random prefix of at least one step (padding at the end), and one
    // row, when there are several, also has a hole in the middle.
    const mask = c.masked
      ? tf.tensor2d(
          Array.from({ length: c.batch }, (_, b) => {
            const keep = 1 + Math.floor(rand() * c.steps);
            return Array.from({ length: c.steps }, (_, t) => (t < keep && !(b === 1 && t === 1) ? 1 : 0));
          }),
          [c.batch, c.steps],
          'bool',
        )
      : null;
    const { reference, fused } = makeLayers(c);
    const ref0 = reference.apply(x) as tf.Tensor; // builds the weights
    fused.apply(x);
    const weights = reference.getWeights().map((w) => randomTensor(rand, w.shape, 0.6));
    reference.setWeights(weights);
    fused.setWeights(weights);
    const dy = randomTensor(rand, ref0.shape);
    const expected = run(reference, x, mask, dy);
    const actual = run(fused, x, mask, dy);
    const name = describeCase(c);
    assertClose(actual.y, expected.y, `${name}: output`);
    assertClose(actual.dx, expected.dx, `${name}: gradient of the input`);
    assert.equal(actual.dw.length, expected.dw.length);
    actual.dw.forEach((g, i) => {
      assertClose(g, expected.dw[i]!, `${name}: gradient of ${reference.trainableWeights[i]!.name}`);
    });
    reference.dispose();
    fused.dispose();
  });
}

const FIXED: Partial<Case>[] = [
  { batch: 1, steps: 5 },
  { steps: 1 },
  { batch: 1, steps: 1 },
  { goBackwards: true },
  { returnSequences: true },
  { goBackwards: true, returnSequences: true },
  { bidirectional: true },
  { bidirectional: true, returnSequences: true },
  { masked: true },
  { masked: true, goBackwards: true, returnSequences: true },
  { masked: true, bidirectional: true, returnSequences: true },
  { activation: 'relu', recurrentActivation: 'hardSigmoid' },
  { activation: 'linear', recurrentActivation: 'tanh' },
  { units: 7, features: 5 },
];

function cases(kind: Case['kind'], randomCount: number): Case[] {
  const base: Case = {
    kind,
    batch: 3,
    steps: 4,
    features: 6,
    units: 8,
    goBackwards: false,
    returnSequences: false,
    bidirectional: false,
    masked: false,
    activation: 'tanh',
    recurrentActivation: 'sigmoid',
  };
  const out = FIXED.map((f) => ({ ...base, ...f }));
  const rand = rng(kind === 'lstm' ? 11 : 12);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  for (let i = 0; i < randomCount; i++) {
    out.push({
      kind,
      batch: 1 + Math.floor(rand() * 9),
      steps: 1 + Math.floor(rand() * 12),
      features: 1 + Math.floor(rand() * 20),
      units: 1 + Math.floor(rand() * 20),
      goBackwards: rand() < 0.5,
      returnSequences: rand() < 0.5,
      bidirectional: rand() < 0.5,
      masked: rand() < 0.3,
      activation: pick(['tanh', 'tanh', 'relu', 'sigmoid'] as const),
      recurrentActivation: pick(['sigmoid', 'sigmoid', 'hardSigmoid'] as const),
    });
  }
  return out;
}

// wasm on one thread and on three (batches split unevenly over the calling thread and two
// workers), cpu on two.
const RUNS = [
  { backend: 'wasm', threads: 1, random: 12 },
  { backend: 'wasm', threads: 3, random: 6 },
  { backend: 'cpu', threads: 2, random: 4 },
] as const;

for (const { backend, threads, random } of RUNS) {
  describe(`fused recurrent layers on ${backend}, ${threads} thread(s), equal tfjs-layers' (outputs and gradients)`, () => {
    before(async () => {
      await initBackend(backend);
      registerLayerClasses();
      setFusedThreads(threads);
    });
    after(() => setFusedThreads(DEFAULT_THREADS));
    for (const kind of ['lstm', 'gru'] as const) {
      cases(kind, random).forEach((c, i) => {
        it(describeCase(c), () => checkCase(c, 1000 + i));
      });
    }
  });
}

describe('fused layers on a backend without the fused kernels (as native TensorFlow)', () => {
  const FORWARD = [FUSED_LSTM, FUSED_GRU, FUSED_LSTM_INFER, FUSED_GRU_INFER];
  before(async () => {
    await initBackend('cpu');
    registerLayerClasses();
    for (const k of FORWARD) tf.unregisterKernel(k, 'cpu');
  });
  after(() => registerFusedRnnKernels('cpu'));

  it('run the same equations as tfjs ops', () => {
    assert.equal(fusedKernelsAvailable(), false);
    for (const kind of ['lstm', 'gru'] as const) {
      cases(kind, 2)
        .filter((_, i) => i % 3 === 0)
        .forEach((c, i) => {
          checkCase(c, 5000 + i);
        });
    }
  });
});

describe('a model saved with fused layers', () => {
  let dir: string;
  before(async () => {
    await initBackend('wasm');
    registerLayerClasses();
    dir = mkdtempSync(join(tmpdir(), 'qqp-fused-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads with fused layers and predicts the same', async () => {
    const rand = rng(7);
    const model = tfl.sequential({
      layers: [
        tfl.layers.embedding({ inputDim: 30, outputDim: 6, inputLength: 5, maskZero: true }),
        tfl.layers.bidirectional({
          layer: new FusedLSTM({ units: 5, returnSequences: true }) as unknown as Parameters<
            typeof tfl.layers.bidirectional
          >[0]['layer'],
        }),
        new FusedGRU({ units: 4, goBackwards: true }),
        tfl.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    model.setWeights(model.getWeights().map((w) => randomTensor(rand, w.shape, 0.5)));
    const ids = tf.tensor2d([3, 7, 1, 0, 0, 9, 2, 4, 5, 6, 8, 8, 0, 0, 0], [3, 5], 'int32');
    const before = (model.predict(ids) as tf.Tensor).dataSync();
    await saveModel(model, dir);
    const loaded = await loadModel(dir);
    const classes = loaded.layers.map((l) => l.getClassName());
    assert.ok(classes.includes('QqpFusedGRU'), `layers after loading: ${classes.join(', ')}`);
    const after = (loaded.predict(ids) as tf.Tensor).dataSync();
    assert.deepEqual(Array.from(after), Array.from(before));
  });
});

describe('the fused LSTM kernel run directly', () => {
  it('has a registered gradient equal to the one the layers use', async () => {
    await initBackend('wasm');
    const rand = rng(99);
    const [B, T, F, H] = [4, 6, 5, 3];
    tf.tidy(() => {
      const x = randomTensor(rand, [B, T, F]);
      const w = randomTensor(rand, [F, 4 * H], 0.5);
      const u = randomTensor(rand, [H, 4 * H], 0.5);
      const b = randomTensor(rand, [4 * H], 0.5);
      const h0 = randomTensor(rand, [B, H]);
      const c0 = randomTensor(rand, [B, H]);
      const mask = tf.tensor2d(
        Array.from({ length: B * T }, (_, i) => (i % 5 === 4 ? 0 : 1)),
        [B, T],
      );
      const dy = randomTensor(rand, [B, T, H]);
      const attrs = { goBackwards: true, activation: 'tanh', recurrentActivation: 'sigmoid' } as const;
      type In = [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const inputs = (a: tf.Tensor[]) => {
        const [ix, iw, iu, ib, ih0, ic0] = a as In;
        return {
          x: ix as tf.Tensor3D,
          w: iw as tf.Tensor2D,
          u: iu as tf.Tensor2D,
          b: ib,
          h0: ih0 as tf.Tensor2D,
          c0: ic0 as tf.Tensor2D,
          mask,
        };
      };
      const viaKernel = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(fusedLstm(inputs(a), attrs).hs, dy)))([
        x,
        w,
        u,
        b,
        h0,
        c0,
      ]);
      const viaLayerPath = tf.grads((...a: tf.Tensor[]) =>
        tf.sum(tf.mul(lstmSequence(inputs(a), attrs), dy)),
      )([x, w, u, b, h0, c0]);
      viaKernel.forEach((g, i) => {
        assertClose(g, viaLayerPath[i]!, `input ${i}`);
      });
    });
  });
});
