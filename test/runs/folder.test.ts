import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/index.js';
import { RunError } from '../../src/errors.js';
import { CHECKPOINT_FILES, evaluationFileName, RUN_FILES, RunFolder } from '../../src/runs/folder.js';
import { modelArtifacts } from '../../src/runs/model-io.js';
import type {
  EpochRecord,
  EvaluationResult,
  RunMeta,
  RunSummary,
  TrainerState,
} from '../../src/runs/records.js';

function folder(): RunFolder {
  return RunFolder.create(
    mkdtempSync(join(tmpdir(), 'qqp-runs-')),
    'unit',
    new Date(Date.UTC(2026, 10, 28, 2, 15, 2)),
  );
}

const META: RunMeta = {
  id: 'x',
  name: 'unit',
  status: 'running',
  createdAt: '2026-11-28T02:15:02.000Z',
  updatedAt: '2026-11-28T02:15:02.000Z',
  trainSeconds: 0,
  epochsCompleted: 0,
  seed: 1,
  tags: [],
  host: 'h',
  commands: [['train', 'a.yaml']],
  cwd: '/',
  gitCommit: null,
  versions: {},
  configFiles: [],
  overrides: [],
};

const RECORDS: EpochRecord[] = [
  { epoch: 1, learningRate: 0.001, seconds: 1.5, examplesPerSecond: 10, loss: 0.7, val_loss: 0.69 },
  { epoch: 2, learningRate: 0.001, seconds: 1.25, examplesPerSecond: 12, loss: 0.6, val_loss: 0.68 },
];

function state(): TrainerState {
  return {
    epochsCompleted: 2,
    learningRate: 0.001,
    scheduleMemory: { best: 0.68 },
    best: { value: 0.68, epoch: 2 },
    wait: 0,
    stoppedEarly: false,
    trainSeconds: 2.75,
    records: RECORDS,
  };
}

function tinyModel(): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(tfl.layers.dense({ units: 2, inputShape: [3], kernelInitializer: 'ones' }));
  return model;
}

describe('RunFolder', () => {
  before(async () => {
    await initBackend('cpu');
  });

  it('names runs by time and name', () => {
    const f = folder();
    assert.equal(f.id, '20261128-021502-unit');
    assert.ok(existsSync(f.dir));
  });

  it('writes and reads run.json', () => {
    const f = folder();
    f.writeMeta(META);
    assert.deepEqual(f.readMeta(), META);
    assert.equal(readFileSync(f.path(RUN_FILES.meta), 'utf8'), `${JSON.stringify(META, null, 2)}\n`);
  });

  it('says which file is missing or corrupt', () => {
    const f = folder();
    assert.throws(
      () => f.readMeta(),
      (e: unknown) =>
        e instanceof RunError && e.code === 'RUN_FILE_MISSING' && e.message.includes('run.json'),
    );
    writeFileSync(f.path(RUN_FILES.summary), '{');
    assert.throws(
      () => f.readSummary(),
      (e: unknown) => e instanceof RunError && e.code === 'RUN_FILE_CORRUPT',
    );
  });

  it('rewrites metrics.jsonl with every record, one JSON line each', () => {
    const f = folder();
    assert.deepEqual(f.readEpochs(), []);
    f.writeEpochs(RECORDS);
    assert.equal(
      readFileSync(f.path(RUN_FILES.metrics), 'utf8'),
      RECORDS.map((r) => `${JSON.stringify(r)}\n`).join(''),
    );
    f.writeEpochs(RECORDS.slice(0, 1));
    assert.deepEqual(f.readEpochs(), RECORDS.slice(0, 1));
  });

  it('writes and reads summary.json', () => {
    const f = folder();
    const summary: RunSummary = {
      status: 'completed',
      epochs: 2,
      stoppedEarly: false,
      bestMonitor: 'val_loss',
      bestEpoch: 2,
      best: RECORDS[1] ?? null,
      last: RECORDS[1] ?? null,
      finalWeights: 'last',
      test: null,
      trainSeconds: 2.75,
    };
    f.writeSummary(summary);
    assert.deepEqual(f.readSummary(), summary);
  });

  it('writes the checkpoint as one folder and reads each part back', async () => {
    const f = folder();
    assert.equal(f.readCheckpointState(), null);
    const model = tinyModel();
    const bytes = new Uint8Array(new Float32Array([1, 2, 3]).buffer);
    const s = state();
    f.writeCheckpoint({
      model: await modelArtifacts(model),
      optimizer: { format: 'state', slots: [{ name: 'm', shape: [3], dtype: 'float32' }], bytes },
      state: s,
    });
    const dir = f.path(RUN_FILES.checkpoint);
    // The formats of each file, byte for byte.
    assert.equal(readFileSync(join(dir, CHECKPOINT_FILES.state), 'utf8'), JSON.stringify(s, null, 2));
    assert.equal(
      readFileSync(join(dir, CHECKPOINT_FILES.optimizer), 'utf8'),
      '{"format":"state","slots":[{"name":"m","shape":[3],"dtype":"float32"}]}',
    );
    assert.deepEqual(f.readCheckpointState(), s);
    const opt = f.readCheckpointOptimizer();
    assert.deepEqual(opt.slots, [{ name: 'm', shape: [3], dtype: 'float32' }]);
    assert.deepEqual([...new Float32Array(opt.bytes.buffer, opt.bytes.byteOffset, 3)], [1, 2, 3]);
    const loaded = await f.loadCheckpointModel();
    assert.deepEqual(await loaded.getWeights()[0]?.data(), await model.getWeights()[0]?.data());
    loaded.dispose();
    model.dispose();
  });

  it('writes model/best and model/last and loads them', async () => {
    const f = folder();
    const model = tinyModel();
    f.writeModel('best', await modelArtifacts(model));
    model.setWeights([tfc.zeros([3, 2]), tfc.ones([2])]);
    f.writeModel('last', await modelArtifacts(model));
    assert.ok(existsSync(join(f.path(RUN_FILES.bestModel), 'model.json')));
    assert.ok(existsSync(join(f.path(RUN_FILES.lastModel), 'weights.bin')));
    const best = await f.loadModel('best');
    const last = await f.loadModel('last');
    assert.deepEqual([...(await best.getWeights()[0]!.data())], [1, 1, 1, 1, 1, 1]);
    assert.deepEqual([...(await last.getWeights()[0]!.data())], [0, 0, 0, 0, 0, 0]);
    for (const m of [best, last, model]) m.dispose();
  });

  it('saves an evaluation under the name its source gives', () => {
    const f = folder();
    const source = { kind: 'split', split: 'validation', dataFingerprint: 'abc' } as const;
    const at = {
      threshold: 0.5,
      accuracy: 1,
      precision: 1,
      recall: 1,
      f1: 1,
      confusion: { tp: 1, fp: 0, tn: 1, fn: 0 },
    };
    const result: EvaluationResult = {
      run: { id: f.id, dir: f.dir, weights: 'last', completed: true, notes: [] },
      source,
      backend: 'cpu',
      evaluatedAt: '2026-11-28T02:15:02.000Z',
      savedTo: null,
      count: 2,
      positives: 1,
      logLoss: 0.1,
      rocAuc: null,
      atHalf: at,
      bestF1: at,
    };
    result.savedTo = f.evaluationPath(source);
    f.writeEvaluation(result);
    assert.equal(result.savedTo, join(f.dir, 'eval-validation.json'));
    assert.equal(evaluationFileName(source), 'eval-validation.json');
    assert.deepEqual(JSON.parse(readFileSync(result.savedTo, 'utf8')), result);
  });
});
