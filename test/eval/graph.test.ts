/**
 * Graph models through train, eval and predict: an ESIM-like graph (shared masked embedding and
 * BiLSTM, align, enhance, composition BiLSTM, masked max and mean pooling) and a graph reading the
 * `features` and `exactMatch1/2` inputs of data.features train an epoch on the synthetic data, load
 * back from their run folders, and evaluate to the figures training reported; the extra inputs are
 * the featurizer's arrays, fed by name; and a pair padded to a longer maxLength gets the same
 * probability (padding is masked all the way). A graph with a repeat block, whose layer names have
 * dots (`blk.1.enc1`), saves and loads back the same way.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tfc from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { loadConfig } from '../../src/config/load.js';
import { encodePairs } from '../../src/data/encode.js';
import type { PairRow } from '../../src/data/read.js';
import { encodeForRun, evaluateRun, loadRunModel, type OpenedRun, openRun } from '../../src/eval/index.js';
import { predictPairs } from '../../src/eval/predict.js';
import { buildModel } from '../../src/model/build.js';
import type { RunSummary } from '../../src/runs/records.js';
import { predictProbabilities } from '../../src/train/predict.js';
import { train } from '../../src/train/trainer.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

const CONFIGS = join(PROJECT_ROOT, 'test', 'fixtures', 'configs');
const ESIM = join(CONFIGS, 'graph-esim.yaml');
const FEATURES = join(CONFIGS, 'graph-features.yaml');
const REPEAT = join(CONFIGS, 'graph-repeat.yaml');

let tmp: string;
let experimentsDir: string;
const ids: Record<string, string> = {};

const readSummary = (run: OpenedRun) =>
  JSON.parse(readFileSync(join(run.folder.dir, 'summary.json'), 'utf8')) as RunSummary;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'qqp-graph-'));
  experimentsDir = join(tmp, 'experiments');
  for (const [key, file] of [
    ['esim', ESIM],
    ['features', FEATURES],
    ['repeat', REPEAT],
  ] as const) {
    const r = await train({ experimentsDir, loaded: loadConfig(file), backend: 'cpu' });
    assert.equal(r.status, 'completed');
    ids[key] = r.id;
  }
});
after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A pair of 6 tokens each (shorter than maxLength 8: nothing cut), sharing words (exact-match bits 1). */
const PAIR: PairRow = {
  line: 1,
  id: '0',
  question1: 'How can I learn Python?',
  question2: 'Best way to learn Python?',
  label: null,
};

/**
 * P(duplicate) of PAIR from the run's trained weights in a model built for `maxLength` (so padded
 * with more zeros), encoded with the run's vocabulary, features and the given padding side; and
 * how many real (non-padding) ids each question has.
 */
async function probabilityAt(
  run: OpenedRun,
  maxLength: number,
  padding: 'pre' | 'post',
  options: { unmasked?: boolean } = {},
): Promise<{ p: number; real: number[] }> {
  const { model: trained } = await loadRunModel(run, 'cpu');
  const config = structuredClone(run.config);
  config.data.encoding = { ...config.data.encoding, maxLength, padding };
  if (options.unmasked && config.model.type === 'graph') {
    for (const node of config.model.nodes) if (node.type === 'embedding') node.maskZero = false;
  }
  const model = buildModel(config, { vocabSize: run.vocabulary.size });
  model.setWeights(trained.getWeights());
  const encoding = { ...run.encoding, maxLength, padding };
  const plain = encodePairs([PAIR], run.tokenizer, run.vocabulary, encoding);
  const encoded = run.features ? run.features.encode(plain, [PAIR], encoding) : plain;
  const p = predictProbabilities(model, encoded)[0]!;
  model.dispose();
  trained.dispose();
  return { p, real: plain.inputs.map((x) => x.filter((id) => id !== 0).length) };
}

/** The same probability at maxLength 8 and 20, with nothing cut at 8. */
async function assertPaddingExact(run: OpenedRun): Promise<void> {
  for (const padding of ['pre', 'post'] as const) {
    const short = await probabilityAt(run, 8, padding);
    const long = await probabilityAt(run, 20, padding);
    assert.deepEqual(short.real, [6, 6], 'no token cut at maxLength 8');
    assert.deepEqual(long.real, short.real);
    assert.ok(Math.abs(short.p - long.p) < 1e-5, `${padding}: ${short.p} at 8, ${long.p} at 20`);
  }
}

/**
 * Evaluating the run from its files gives the test figures training reported (computed from the
 * trained model in memory).
 */
async function assertEvaluatesAsTrained(run: OpenedRun, id: string): Promise<void> {
  const test = readSummary(run).test!;
  assert.ok(Number.isFinite(test.logLoss));
  const result = await evaluateRun({ run: id, experimentsDir, save: false, backend: 'cpu' });
  assert.deepEqual(result.atHalf, test.atHalf);
  assert.ok(Math.abs(result.logLoss - test.logLoss) < 1e-6);
}

describe('an ESIM-like graph', () => {
  it('trains an epoch, loads back and evaluates to the figures training reported', async () => {
    const run = await openRun(ids.esim!, experimentsDir);
    const { model } = await loadRunModel(run, 'cpu');
    assert.deepEqual(model.inputNames, ['question1', 'question2']);
    const classes = new Set(model.layers.map((l) => l.getClassName()));
    for (const c of ['QqpAlign', 'QqpEnhance', 'QqpMaskedPool', 'Bidirectional', 'Concatenate']) {
      assert.ok(classes.has(c), `${c} in ${[...classes].join(', ')}`);
    }
    model.dispose();
    await assertEvaluatesAsTrained(run, ids.esim!);
  });

  it('gives a pair the same probability padded to a longer maxLength, before or after', async () => {
    const run = await openRun(ids.esim!, experimentsDir);
    await assertPaddingExact(run);
    // The check can fail: without maskZero the same weights see the padding.
    const short = await probabilityAt(run, 8, 'pre', { unmasked: true });
    const long = await probabilityAt(run, 20, 'pre', { unmasked: true });
    assert.ok(Math.abs(short.p - long.p) > 1e-5, `unmasked: ${short.p} at 8, ${long.p} at 20`);
  });
});

describe('a graph reading features and exactMatch1/2', () => {
  it('declares those inputs and is fed the featurizer’s arrays by name', async () => {
    const run = await openRun(ids.features!, experimentsDir);
    const { model } = await loadRunModel(run, 'cpu');
    assert.deepEqual(model.inputNames, ['question1', 'question2', 'features', 'exactMatch1', 'exactMatch2']);
    const encoded = encodeForRun(run, [PAIR]);
    assert.equal(encoded.featureCount, 21);
    const [m1, m2] = encoded.exactMatch!;
    assert.ok(m1.some((b) => b === 1) && m2.some((b) => b === 1), 'the pair shares words');
    // The model applied directly to the encoded arrays, in its declared order.
    const direct = (x: tfl.LayersModel, bits: [Float32Array, Float32Array]) =>
      tfc.tidy(
        () =>
          (
            x.predict([
              tfc.tensor2d(encoded.inputs[0]!, [1, 8], 'int32'),
              tfc.tensor2d(encoded.inputs[1]!, [1, 8], 'int32'),
              tfc.tensor2d(encoded.features!, [1, encoded.features!.length]),
              tfc.tensor2d(bits[0], [1, 8]),
              tfc.tensor2d(bits[1], [1, 8]),
            ]) as tfc.Tensor
          ).dataSync()[0]!,
      );
    const want = direct(model, [m1, m2]);
    // The bits matter to this model: it is not fed zeros or the wrong arrays in their place.
    const zeros = new Float32Array(8);
    assert.ok(Math.abs(direct(model, [zeros, zeros]) - want) > 1e-7, 'exactMatch changes the output');
    model.dispose();
    const p = await predictPairs({ run: ids.features!, experimentsDir, pairs: [PAIR], backend: 'cpu' });
    assert.ok(Math.abs(p.predictions[0]!.probability - want) < 1e-6);
  });

  it('evaluates to the figures training reported', async () => {
    await assertEvaluatesAsTrained(await openRun(ids.features!, experimentsDir), ids.features!);
  });

  it('gives a pair the same probability padded to a longer maxLength (exact-match bits padded too)', async () => {
    await assertPaddingExact(await openRun(ids.features!, experimentsDir));
  });
});

describe('a graph with a repeat block', () => {
  it('loads back with its copies named <block>.<k>.<node> and evaluates to the figures training reported', async () => {
    const run = await openRun(ids.repeat!, experimentsDir);
    const { model } = await loadRunModel(run, 'cpu');
    const names = model.layers.map((l) => l.name);
    for (const n of ['blk.1.enc1', 'blk.1.al', 'blk.2.x1', 'blk.2.al', 'blk.2.o1']) {
      assert.ok(names.includes(n), names.join(' '));
    }
    model.dispose();
    await assertEvaluatesAsTrained(run, ids.repeat!);
  });
});
