import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useInspectionBackend } from '../../src/backend/index.js';
import {
  Align,
  AugmentedResidual,
  Enhance,
  FusedLSTM,
  Highway,
  MaskedPool,
  Residual,
  registerLayerClasses,
} from '../../src/layers/index.js';

/**
 * Masks through a two-question model with every matching layer: tfjs' executor alone would give
 * align only question1's mask and b̃ question1's mask too (src/layers/masks.ts). Padding a
 * question to a longer length must not change the prediction — in predict, in apply (as training
 * runs it), and after a save and load through tfjs io. (Without `installMaskFlow` the first test
 * fails.)
 */
function matchingModel(T: number): tfl.LayersModel {
  const q1 = tfl.input({ shape: [T], dtype: 'int32', name: 'question1' });
  const q2 = tfl.input({ shape: [T], dtype: 'int32', name: 'question2' });
  const embed = tfl.layers.embedding({
    inputDim: 12,
    outputDim: 4,
    maskZero: true,
    embeddingsInitializer: tfl.initializers.randomUniform({ minval: -1, maxval: 1, seed: 1 }),
  });
  const encode = new FusedLSTM({ units: 4, returnSequences: true, name: 'encoder' });
  const highway = new Highway({ name: 'highway' });
  const [e1, e2] = [embed.apply(q1), embed.apply(q2)] as tfl.SymbolicTensor[];
  const [h1, h2] = [
    highway.apply(encode.apply(e1!)),
    highway.apply(encode.apply(e2!)),
  ] as tfl.SymbolicTensor[];
  const [a1, a2] = new Align({ projectionUnits: 3, scale: 'learned', name: 'align' }).apply([
    h1!,
    h2!,
  ]) as tfl.SymbolicTensor[];
  const enhance = new Enhance({ name: 'enhance' });
  const f1 = enhance.apply([h1!, a1!]) as tfl.SymbolicTensor;
  const f2 = enhance.apply([h2!, a2!]) as tfl.SymbolicTensor;
  const dense = tfl.layers.dense({ units: 4, activation: 'tanh', name: 'fuse' });
  const r1 = new Residual({ name: 'residual' }).apply([
    h1!,
    dense.apply(f1) as tfl.SymbolicTensor,
  ]) as tfl.SymbolicTensor;
  const r2 = new Residual({ name: 'residual_1' }).apply([
    h2!,
    dense.apply(f2) as tfl.SymbolicTensor,
  ]) as tfl.SymbolicTensor;
  const aug = new AugmentedResidual({ name: 'aug' });
  const x1 = aug.apply([e1!, r1, h1!]) as tfl.SymbolicTensor;
  const x2 = aug.apply([e2!, r2, h2!]) as tfl.SymbolicTensor;
  const p1 = new MaskedPool({ mode: 'max', name: 'pool_max' }).apply(x1) as tfl.SymbolicTensor;
  const p2 = new MaskedPool({ mode: 'mean', name: 'pool_mean' }).apply(x2) as tfl.SymbolicTensor;
  const joined = tfl.layers.concatenate().apply([p1, p2]) as tfl.SymbolicTensor;
  const out = tfl.layers
    .dense({ units: 1, activation: 'sigmoid', name: 'out' })
    .apply(joined) as tfl.SymbolicTensor;
  return tfl.model({ inputs: [q1, q2], outputs: out });
}

const Q1 = [
  [3, 5, 7],
  [2, 0, 0],
];
const Q2 = [
  [4, 9, 0],
  [6, 1, 8],
];
const padded = (rows: number[][], T: number) =>
  tfc.tensor2d(
    rows.map((r) => [...r, ...Array(T - r.length).fill(0)]),
    [rows.length, T],
    'int32',
  );

function predictions(model: tfl.LayersModel, T: number, how: 'predict' | 'apply'): number[] {
  return tfc.tidy(() => {
    const xs = [padded(Q1, T), padded(Q2, T)];
    const y = how === 'predict' ? model.predict(xs) : model.apply(xs, { training: true });
    return Array.from((y as tfc.Tensor).dataSync());
  });
}

describe('masks through the matching layers', () => {
  before(async () => {
    await useInspectionBackend();
    registerLayerClasses();
  });

  it('a question padded to a longer length gives the same probability (predict, apply, saved and loaded)', async () => {
    const short = matchingModel(3);
    const long = matchingModel(8);
    long.setWeights(short.getWeights());
    const expected = predictions(short, 3, 'predict');
    for (const how of ['predict', 'apply'] as const) {
      const got = predictions(long, 8, how);
      got.forEach((p, i) => {
        assert.ok(
          Math.abs(p - expected[i]!) < 1e-5,
          `${how}, pair ${i}: ${p} padded to 8, ${expected[i]} at 3`,
        );
      });
    }

    let saved: tfc.io.ModelArtifacts | undefined;
    await long.save(
      tfc.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    assert.ok(saved);
    const loaded = await tfl.loadLayersModel(tfc.io.fromMemory(saved));
    assert.deepEqual(
      loaded.layers.map((l) => l.getClassName()).filter((n) => n.startsWith('Qqp')),
      long.layers.map((l) => l.getClassName()).filter((n) => n.startsWith('Qqp')),
    );
    predictions(loaded, 8, 'predict').forEach((p, i) => {
      assert.ok(Math.abs(p - expected[i]!) < 1e-5, `loaded, pair ${i}: ${p} vs ${expected[i]}`);
    });
  });

  it('without the per-input masks, padding would change the result (the check above can fail)', () => {
    const model = matchingModel(8);
    const withMasks = predictions(model, 8, 'predict');
    // Ids 0 replaced by an ordinary id: the same positions now count as words.
    const xs = [Q1, Q2].map((q) =>
      tfc.tensor2d(
        q.map((r) => [...r, ...Array(8 - r.length).fill(11)]),
        [2, 8],
        'int32',
      ),
    );
    const noPadding = Array.from((model.predict(xs) as tfc.Tensor).dataSync());
    assert.ok(noPadding.some((p, i) => Math.abs(p - withMasks[i]!) > 1e-4));
  });
});

describe('a layer of several outputs in tfjs’ executor', () => {
  before(async () => {
    await useInspectionBackend();
    registerLayerClasses();
  });

  it('runs once per execution, not once per output, in predict and in apply as training runs it', () => {
    const T = 4;
    const q1 = tfl.input({ shape: [T], dtype: 'int32', name: 'question1' });
    const q2 = tfl.input({ shape: [T], dtype: 'int32', name: 'question2' });
    const embed = tfl.layers.embedding({ inputDim: 9, outputDim: 3, maskZero: true });
    const [a, b] = new Align({ name: 'al' }).apply([
      embed.apply(q1) as tfl.SymbolicTensor,
      embed.apply(q2) as tfl.SymbolicTensor,
    ]) as tfl.SymbolicTensor[];
    // b̃ read first, then ã: the executor reaches align through each output.
    const pool = new MaskedPool({ mode: 'max' });
    const merged = tfl.layers
      .concatenate()
      .apply([pool.apply(b!) as tfl.SymbolicTensor, pool.apply(a!) as tfl.SymbolicTensor]);
    const model = tfl.model({
      inputs: [q1, q2],
      outputs: tfl.layers.dense({ units: 1 }).apply(merged) as tfl.SymbolicTensor,
    });
    let calls = 0;
    const call = Align.prototype.call;
    Align.prototype.call = function (this: Align, ...args: Parameters<Align['call']>) {
      calls++;
      return call.apply(this, args);
    };
    try {
      const x = [
        tfc.tensor2d([[0, 2, 3, 4]], undefined, 'int32'),
        tfc.tensor2d([[5, 6, 0, 0]], undefined, 'int32'),
      ];
      const once = (model.predict(x) as tfc.Tensor).dataSync()[0]!;
      assert.equal(calls, 1, 'predict');
      calls = 0;
      const applied = (model.apply(x, { training: true }) as tfc.Tensor).dataSync()[0]!;
      assert.equal(calls, 1, 'apply');
      assert.ok(Math.abs(once - applied) < 1e-6);
    } finally {
      Align.prototype.call = call;
    }
    model.dispose();
  });
});
