import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { TrainingError } from '../../src/errors.js';
import { optimizers } from '../../src/registry/optimizers.js';
import { RUN_FILES, RunFolder } from '../../src/runs/folder.js';
import type { EpochRecord } from '../../src/runs/records.js';
import { type TrainResult, train } from '../../src/train/trainer.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

const TINY = join(PROJECT_ROOT, 'test', 'fixtures', 'configs', 'tiny.yaml');

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'qqp-train-'));
}

async function trainTiny(
  overrides: string[] = [],
  extra: Partial<Parameters<typeof train>[0]> = {},
): Promise<TrainResult> {
  return train({ experimentsDir: tmp(), loaded: loadConfig(TINY, { overrides }), backend: 'cpu', ...extra });
}

function metrics(dir: string): EpochRecord[] {
  return readFileSync(join(dir, RUN_FILES.metrics), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as EpochRecord);
}

/** The figures that must repeat exactly (timings excluded). */
function comparable(records: EpochRecord[]) {
  return records.map(({ seconds: _s, examplesPerSecond: _e, ...rest }) => rest);
}

describe('train', () => {
  it('writes a complete run folder', async () => {
    const r = await trainTiny();
    assert.equal(r.status, 'completed');
    for (const f of [
      RUN_FILES.config,
      RUN_FILES.meta,
      RUN_FILES.metrics,
      RUN_FILES.summary,
      RUN_FILES.vocabulary,
      RUN_FILES.log,
      join(RUN_FILES.bestModel, 'model.json'),
      join(RUN_FILES.lastModel, 'weights.bin'),
      join(RUN_FILES.checkpoint, 'state.json'),
    ]) {
      assert.ok(existsSync(join(r.dir, f)), `missing ${f}`);
    }
    const meta = RunFolder.open(r.dir, '.').readMeta();
    assert.equal(meta.status, 'completed');
    assert.equal(meta.epochsCompleted, 3);
    assert.equal(meta.backend?.name, 'cpu');
    assert.equal(meta.seed, 7);
    assert.equal(meta.data?.sizes.train, 280);
    assert.match(meta.data?.fingerprint ?? '', /^[0-9a-f]{64}$/);
    assert.ok(meta.versions['@tensorflow/tfjs-core']);
    const lines = metrics(r.dir);
    assert.deepEqual(
      lines.map((l) => l.epoch),
      [1, 2, 3],
    );
    for (const key of [
      'loss',
      'accuracy',
      'precision',
      'recall',
      'val_loss',
      'val_accuracy',
      'learningRate',
      'seconds',
    ]) {
      assert.ok(typeof lines[0]?.[key] === 'number', `metrics.jsonl has no ${key}`);
    }
    assert.equal(r.summary.test?.count, 60);
    // The saved config loads again, with data paths relative to the run folder.
    assert.equal(loadConfig(join(r.dir, RUN_FILES.config)).config.data.limit, 400);
  });

  it('gives the same metrics for the same config, seed and backend', async () => {
    const a = await trainTiny();
    const b = await trainTiny();
    assert.deepEqual(comparable(metrics(a.dir)), comparable(metrics(b.dir)));
    assert.deepEqual(a.summary.test, b.summary.test);
    const c = await trainTiny(['experiment.seed=8']);
    assert.notDeepEqual(comparable(metrics(a.dir)), comparable(metrics(c.dir)));
  });

  it('resumes an interrupted run and ends with the same metrics as an uninterrupted one', async () => {
    const whole = await trainTiny();
    // 280 training pairs in batches of 32: 9 batches an epoch; stop in the middle of epoch 2.
    const dir = tmp();
    const cut = await train({
      experimentsDir: dir,
      loaded: loadConfig(TINY),
      backend: 'cpu',
      stopAfterBatches: 13,
    });
    assert.equal(cut.status, 'interrupted');
    assert.equal(cut.summary.epochs, 1);
    const meta = RunFolder.open(cut.dir, dir).readMeta();
    assert.equal(meta.status, 'interrupted');
    assert.equal(meta.epochsCompleted, 1);
    assert.equal(metrics(cut.dir).length, 1);

    const resumed = await train({ experimentsDir: dir, resume: cut.id, backend: 'cpu' });
    assert.equal(resumed.status, 'completed');
    assert.equal(resumed.dir, cut.dir);
    assert.deepEqual(comparable(metrics(resumed.dir)), comparable(metrics(whole.dir)));
    assert.deepEqual(resumed.summary.test, whole.summary.test);
    assert.equal(RunFolder.open(cut.dir, dir).readMeta().commands.length, 2);
  });

  // Each registered optimizer: 280 pairs in batches of 12 are 24 batches an epoch; the cut falls in
  // the middle of epoch 2. The final weights, the optimizer's state and the test figures must be
  // exactly those of the run that never stopped (Adam's beta powers once differed by rounding).
  const optimizerCases = [
    ...optimizers.list.map((entry) => `{type: ${entry.name}}`),
    // Settings that give an optimizer more state (the momentum accumulations).
    '{type: sgd, momentum: 0.9, nesterov: true}',
    '{type: rmsprop, momentum: 0.5}',
  ];
  for (const optimizer of optimizerCases) {
    it(`resumes with ${optimizer} bit for bit as if never interrupted`, async () => {
      const overrides = [`training.optimizer=${optimizer}`, 'training.batchSize=12'];
      const whole = await trainTiny(overrides);
      const dir = tmp();
      const cut = await train({
        experimentsDir: dir,
        loaded: loadConfig(TINY, { overrides }),
        backend: 'cpu',
        stopAfterBatches: 24 + 11,
      });
      assert.equal(cut.status, 'interrupted');
      assert.equal(cut.summary.epochs, 1);
      const resumed = await train({ experimentsDir: dir, resume: cut.id, backend: 'cpu' });
      assert.equal(resumed.status, 'completed');
      const bytes = (d: string, f: string) => readFileSync(join(d, f));
      for (const f of [
        join(RUN_FILES.lastModel, 'weights.bin'),
        join(RUN_FILES.checkpoint, 'optimizer.bin'),
      ]) {
        assert.ok(bytes(resumed.dir, f).equals(bytes(whole.dir, f)), `${optimizer}: ${f} differs`);
      }
      assert.deepEqual(comparable(metrics(resumed.dir)), comparable(metrics(whole.dir)));
      assert.deepEqual(resumed.summary.test, whole.summary.test);
    });
  }

  it('refuses to resume a completed run', async () => {
    const r = await trainTiny(['training.epochs=1']);
    await assert.rejects(train({ experimentsDir: '.', resume: r.dir }), /already completed/);
  });

  it('stops on a non-finite loss, naming the epoch and batch, and marks the run failed', async () => {
    const dir = tmp();
    await assert.rejects(
      train({
        experimentsDir: dir,
        loaded: loadConfig(TINY, { overrides: ['model.layers[0].embeddingsRegularizer={l1: 3e38}'] }),
        backend: 'cpu',
      }),
      (err: unknown) =>
        err instanceof TrainingError &&
        /the loss became (NaN|Infinity) at epoch 1, batch 1 of 9/.test(err.message),
    );
    const [id] = readdirSync(dir);
    const meta = RunFolder.open(id ?? '', dir).readMeta();
    assert.equal(meta.status, 'failed');
    assert.equal(meta.failure?.code, 'LOSS_NOT_FINITE');
  });

  it('stops early and restores the best weights', async () => {
    const r = await trainTiny([
      'training.epochs=6',
      'training.optimizer.learningRate=0.05',
      'training.earlyStopping={monitor: val_accuracy, patience: 1}',
    ]);
    const lines = metrics(r.dir);
    assert.ok(r.summary.stoppedEarly, `ran ${lines.length} epochs without stopping`);
    assert.ok(lines.length < 6);
    const best = Math.max(...lines.map((l) => l.val_accuracy ?? 0));
    assert.equal(r.summary.best?.val_accuracy, best);
  });

  it('applies a learning-rate schedule, class weights and gradient clipping', async () => {
    const r = await trainTiny([
      'training.lrSchedule={type: step, every: 1, factor: 0.5}',
      'training.classWeight=balanced',
      'training.clipNorm=0.5',
    ]);
    assert.deepEqual(
      metrics(r.dir).map((l) => l.learningRate),
      [0.001, 0.0005, 0.00025],
    );
    const plain = await trainTiny();
    assert.notDeepEqual(comparable(metrics(r.dir)), comparable(metrics(plain.dir)));
  });
});
