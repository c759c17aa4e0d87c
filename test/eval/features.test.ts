/**
 * A run with pair features: eval, predict and resume use the statistics saved in its features.json
 * (fitted on its training split), so every pair gets the same features as in training.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tfc from '@tensorflow/tfjs-core';
import { loadConfigText } from '../../src/config/load.js';
import type { FeatureStats } from '../../src/data/features.js';
import { fitFeatures, PairFeaturizer } from '../../src/data/features.js';
import { loadDataset, prepareDataset } from '../../src/data/load.js';
import { RunError } from '../../src/errors.js';
import { encodeForRun, evaluateRun, openRun } from '../../src/eval/index.js';
import { predictPairs } from '../../src/eval/predict.js';
import { loadModel } from '../../src/runs/model-io.js';
import type { RunSummary } from '../../src/runs/records.js';
import { train } from '../../src/train/trainer.js';
import { SYNTHETIC } from './fixture.js';

const CONFIG = `
experiment: { name: feat, seed: 3 }
data:
  source: ${JSON.stringify(SYNTHETIC)}
  limit: 300
  split: { train: 0.7, validation: 0.15, test: 0.15, seed: 1 }
  encoding: { pair: separate, maxLength: 8 }
  vocabulary: { maxSize: 200 }
  features: { pair: true }
model:
  type: siamese
  encoder:
    - { type: embedding, outputDim: 4 }
    - { type: globalAveragePooling1d }
  combine: [absDiff, features]
  head:
    - { type: dense, units: 1, activation: sigmoid }
training: { epochs: 2, batchSize: 32, backend: cpu }
`;

let tmp: string;
let experimentsDir: string;
let dir: string;
let id: string;
const loaded = () => loadConfigText(CONFIG, { name: 'feat.yaml', baseDir: tmp });
const readStats = (d: string) => JSON.parse(readFileSync(join(d, 'features.json'), 'utf8')) as FeatureStats;
const readSummary = (d: string) => JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')) as RunSummary;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'qqp-features-'));
  experimentsDir = join(tmp, 'experiments');
  const r = await train({ experimentsDir, loaded: loaded(), backend: 'cpu' });
  assert.equal(r.status, 'completed');
  dir = r.dir;
  id = r.id;
});
after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('a run with pair features', () => {
  it('saves the statistics fitted on its training split only', async () => {
    const { config } = loaded();
    const dataset = await loadDataset(config.data);
    const prepared = prepareDataset(dataset.splits, config.data);
    const saved = readStats(dir);
    assert.deepEqual(saved, prepared.features);
    assert.deepEqual(saved, fitFeatures(dataset.splits.train, prepared.tokenizer, config.data.features));
    assert.equal(saved.documents, 2 * dataset.splits.train.length);
  });

  it('eval and predict compute the same features as training, from features.json', async () => {
    const { config } = loaded();
    const dataset = await loadDataset(config.data);
    const prepared = prepareDataset(dataset.splits, config.data);
    const run = await openRun(id, experimentsDir);
    const encoded = encodeForRun(run, dataset.splits.test);
    assert.equal(encoded.featureCount, 21);
    assert.deepEqual(encoded.features, prepared.test.features);
    // The test split evaluated later gives the figures training reported.
    const result = await evaluateRun({ run: id, experimentsDir, save: false, backend: 'cpu' });
    const test = readSummary(dir).test!;
    assert.deepEqual(result.atHalf, test.atHalf);
    assert.ok(Math.abs(result.logLoss - test.logLoss) < 1e-6);
    // predict: the model on the features computed with the saved statistics.
    const [q1, q2] = ['How do I learn Go?', 'What is the best way to learn Go?'];
    const p = await predictPairs({
      run: id,
      experimentsDir,
      pairs: [{ question1: q1, question2: q2 }],
      backend: 'cpu',
    });
    const one = encodeForRun(run, [{ line: 1, id: '0', question1: q1, question2: q2, label: null }]);
    const model = await loadModel(join(dir, 'model', 'last'));
    const want = new PairFeaturizer(readStats(dir), run.tokenizer).standardized(q1, q2).map(Math.fround);
    assert.deepEqual([...one.features!], want);
    const direct = tfc.tidy(
      () =>
        (
          model.predict([
            tfc.tensor2d(one.inputs[0]!, [1, 8], 'int32'),
            tfc.tensor2d(one.inputs[1]!, [1, 8], 'int32'),
            tfc.tensor2d(want, [1, want.length]),
          ]) as tfc.Tensor
        ).dataSync()[0]!,
    );
    model.dispose();
    assert.ok(Math.abs(p.predictions[0]!.probability - direct) < 1e-6);
  });

  it('uses the saved file, not a refit: changed statistics change the evaluation; a damaged file is a RunError', async () => {
    const copy = join(experimentsDir, 'copy');
    cpSync(dir, copy, { recursive: true });
    const stats = readStats(copy);
    writeFileSync(
      join(copy, 'features.json'),
      JSON.stringify({ ...stats, mean: stats.mean.map((m) => m + 3) }),
    );
    const a = await evaluateRun({ run: dir, experimentsDir, save: false, backend: 'cpu' });
    const b = await evaluateRun({ run: copy, experimentsDir, save: false, backend: 'cpu' });
    assert.notEqual(a.logLoss, b.logLoss);
    writeFileSync(join(copy, 'features.json'), JSON.stringify({ ...stats, pair: ['jaccard'] }));
    await assert.rejects(openRun(copy, experimentsDir), (err: unknown) => {
      assert.ok(err instanceof RunError);
      assert.equal(err.code, 'RUN_FILE_CORRUPT');
      assert.match(err.message, /features\.json: pair features \[jaccard\], but the config asks for/);
      return true;
    });
    rmSync(join(copy, 'features.json'));
    await assert.rejects(openRun(copy, experimentsDir), /features\.json: missing/);
  });

  it('a resumed run keeps its features.json and trains and tests on it', async () => {
    const r = await train({
      experimentsDir,
      loaded: loaded(),
      backend: 'cpu',
      name: 'resumed',
      stopAfterBatches: 3,
    });
    assert.equal(r.status, 'interrupted');
    // Statistics that a refit would not give: the resumed run must use them, and keep them.
    const stats = readStats(r.dir);
    const changed = { ...stats, mean: stats.mean.map((m) => m + 0.5) };
    writeFileSync(join(r.dir, 'features.json'), JSON.stringify(changed));
    const done = await train({ experimentsDir, resume: r.id, backend: 'cpu' });
    assert.equal(done.status, 'completed');
    assert.deepEqual(readStats(r.dir), changed);
    // The test figures training reported are those of features.json's statistics.
    const result = await evaluateRun({ run: r.dir, experimentsDir, save: false, backend: 'cpu' });
    const test = readSummary(r.dir).test!;
    assert.deepEqual(result.atHalf, test.atHalf);
    assert.ok(Math.abs(result.logLoss - test.logLoss) < 1e-6);
  });
});
