import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setFusedOptimizer } from '../../src/backend/index.js';
import { loadNativeKernels } from '../../src/backend/kernels/native-runtime.js';
import { loadConfig } from '../../src/config/load.js';
import { RunError, TrainingError } from '../../src/errors.js';
import { optimizers } from '../../src/registry/optimizers.js';
import { RUN_FILES, RunFolder } from '../../src/runs/folder.js';
import type { EpochRecord } from '../../src/runs/records.js';
import { type TrainEvent, type TrainResult, train } from '../../src/train/trainer.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

const native = loadNativeKernels();
const NATIVE_SKIP = native.ok ? false : `the native kernels cannot run here: ${native.reason}`;

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
    // The test split's operating curve is saved for the report: its last cut calls every pair a duplicate.
    const curve = r.summary.test?.curve;
    assert.ok(curve && curve.thresholds.length > 1 && curve.thresholds.length <= 201, JSON.stringify(curve));
    assert.equal(curve.tp.at(-1)! + curve.fp.at(-1)!, 60);
    assert.equal(curve.tp.at(-1), r.summary.test?.positives);
    // The saved config loads again, with data paths relative to the run folder.
    assert.equal(loadConfig(join(r.dir, RUN_FILES.config)).config.data.limit, 400);
  });

  it('chooses the F1-best threshold on validation and applies it to test', async () => {
    const r = await trainTiny(['training.epochs=1']);
    assert.equal(r.summary.bestMonitor, 'val_loss');
    assert.equal(r.summary.test?.bestF1.chosenOn, 'validation');
    assert.equal(r.summary.test?.bestF1.optimistic, false);
  });

  it('without a validation split: test_* per epoch, no best epoch, the threshold marked optimistic', async () => {
    const r = await trainTiny(['data.split={train: 0.8, test: 0.2, seed: 1}', 'training.epochs=2']);
    const lines = metrics(r.dir);
    assert.ok(typeof lines[0]?.test_loss === 'number', 'metrics.jsonl has no test_loss');
    assert.ok(typeof lines[0]?.test_accuracy === 'number');
    assert.ok(!Object.keys(lines[0] ?? {}).some((k) => k.startsWith('val_')));
    assert.equal(r.summary.bestMonitor, null);
    assert.equal(r.summary.bestEpoch, null);
    assert.equal(r.summary.finalWeights, 'last');
    assert.ok(!existsSync(join(r.dir, RUN_FILES.bestModel)), 'no model/best without a best epoch');
    assert.equal(r.summary.test?.bestF1.chosenOn, 'test');
    assert.equal(r.summary.test?.bestF1.optimistic, true);
  });

  it("reports on each batch the accuracy of the epoch's examples so far, ending at the epoch's", async () => {
    const events: TrainEvent[] = [];
    const r = await trainTiny(['training.epochs=2'], { onEvent: (e) => events.push(e) });
    const records = metrics(r.dir);
    for (const record of records) {
      const batches = events.filter(
        (e): e is Extract<TrainEvent, { type: 'batch' }> => e.type === 'batch' && e.epoch === record.epoch,
      );
      assert.ok(batches.length > 1, `epoch ${record.epoch} has several batches`);
      const last = batches.at(-1)!;
      // The last batch's running accuracy is the epoch's training accuracy (threshold 0.5).
      assert.equal(last.accuracy, record.accuracy, `epoch ${record.epoch}`);
      for (const b of batches) {
        const correct = Math.round(b.accuracy * b.examples);
        assert.ok(
          Math.abs(correct - b.accuracy * b.examples) < 1e-6,
          'a count of correct examples over those seen',
        );
      }
    }
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

  // The fused Adam update (backend/kernels/adam.ts) is tfjs' Adam to the bit: the same final
  // weights, optimizer state and figures, on both backends that run it, with a fused LSTM (whose
  // weights feed the kernels) and Dense (whose weights feed wasm's cached matrix products).
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`trains with the fused Adam update exactly as with tfjs' Adam (${backend})`, {
      skip: NATIVE_SKIP,
    }, async () => {
      const overrides = ['model.layers[1].implementation=fused', 'training.epochs=2'];
      const run = async (fused: boolean) => {
        setFusedOptimizer(fused);
        try {
          return await trainTiny(overrides, { backend });
        } finally {
          setFusedOptimizer(undefined);
        }
      };
      const plain = await run(false);
      const fused = await run(true);
      const bytes = (d: string, f: string) => readFileSync(join(d, f));
      for (const f of [
        join(RUN_FILES.lastModel, 'weights.bin'),
        join(RUN_FILES.checkpoint, 'optimizer.bin'),
      ]) {
        assert.ok(bytes(fused.dir, f).equals(bytes(plain.dir, f)), `${backend}: ${f} differs`);
      }
      assert.deepEqual(comparable(metrics(fused.dir)), comparable(metrics(plain.dir)));
      assert.deepEqual(fused.summary.test, plain.summary.test);
    });
  }

  // Each registered optimizer: 280 pairs in batches of 12 are 24 batches an epoch; the cut falls in
  // the middle of epoch 2. The final weights, the optimizer's state and the test figures must be
  // exactly those of the run that never stopped (Adam's beta powers once differed by rounding).
  const optimizerCases = [
    ...optimizers.list.map((entry) => `{type: ${entry.name}}`),
    // Settings that give an optimizer more state (the momentum accumulations).
    '{type: sgd, momentum: 0.9, nesterov: true}',
    '{type: rmsprop, momentum: 0.5}',
    '{type: rmsprop, centered: true}',
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

  describe('resuming after a crash', () => {
    /** Above Linux's largest process id: the temporary names of a writer killed with -9. */
    const DEAD_PID = 4_194_305;
    const cutAt = async (batches: number) => {
      const dir = tmp();
      const r = await train({
        experimentsDir: dir,
        loaded: loadConfig(TINY),
        backend: 'cpu',
        stopAfterBatches: batches,
      });
      return { dir, r };
    };
    const read = (d: string, f: string) => readFileSync(join(d, f));

    it('killed between the renames of the checkpoint replacement: resumes from the new one, as if never killed', async () => {
      const whole = await trainTiny();
      // Epoch 2 saved (cut in epoch 3), then the state a kill leaves between path→old and tmp→path:
      // epoch 1's checkpoint moved aside, epoch 2's complete under its temporary name.
      const two = await cutAt(9 * 2 + 4);
      const one = await cutAt(9 + 4);
      renameSync(
        join(one.r.dir, RUN_FILES.checkpoint),
        join(two.r.dir, `.checkpoint.${DEAD_PID}.aaaaaaaa.tmp.old`),
      );
      renameSync(
        join(two.r.dir, RUN_FILES.checkpoint),
        join(two.r.dir, `.checkpoint.${DEAD_PID}.bbbbbbbb.tmp`),
      );
      const resumed = await train({ experimentsDir: two.dir, resume: two.r.id, backend: 'cpu' });
      assert.equal(resumed.status, 'completed');
      assert.deepEqual(comparable(metrics(resumed.dir)), comparable(metrics(whole.dir)));
      assert.deepEqual(resumed.summary.test, whole.summary.test);
      assert.deepEqual(
        readdirSync(resumed.dir).filter((n) => n.startsWith('.')),
        [],
      );
      assert.equal(existsSync(join(resumed.dir, RUN_FILES.supersededMetrics)), false);
    });

    it('back to an older checkpoint: the epochs metrics.jsonl has beyond it are kept, and the end is the same', async () => {
      const whole = await trainTiny();
      // One run: cut in epoch 2 (its epoch-1 checkpoint copied aside), resumed and cut in epoch 3.
      const two = await cutAt(9 + 4);
      const epochOne = join(tmp(), 'checkpoint');
      cpSync(join(two.r.dir, RUN_FILES.checkpoint), epochOne, { recursive: true });
      await train({ experimentsDir: two.dir, resume: two.r.id, backend: 'cpu', stopAfterBatches: 9 + 4 });
      const recorded = readFileSync(join(two.r.dir, RUN_FILES.metrics), 'utf8');
      // The new checkpoint never finished (no manifest), the previous one was moved aside.
      renameSync(epochOne, join(two.r.dir, `.checkpoint.${DEAD_PID}.aaaaaaaa.tmp.old`));
      rmSync(join(two.r.dir, RUN_FILES.checkpoint, 'manifest.json'));
      renameSync(
        join(two.r.dir, RUN_FILES.checkpoint),
        join(two.r.dir, `.checkpoint.${DEAD_PID}.bbbbbbbb.tmp`),
      );
      const events: TrainEvent[] = [];
      const resumed = await train({
        experimentsDir: two.dir,
        resume: two.r.id,
        backend: 'cpu',
        onEvent: (e) => events.push(e),
      });
      const run = events.find((e) => e.type === 'run');
      assert.equal(run?.type === 'run' && run.resumedAt, 2);
      assert.ok(
        run?.type === 'run' && run.notes?.some((n) => /epoch\(s\) 2 .*metrics\.superseded\.jsonl/.test(n)),
      );
      const kept = readFileSync(join(resumed.dir, RUN_FILES.supersededMetrics), 'utf8').trim().split('\n');
      assert.equal(kept.length, 1);
      const { supersededAt, ...line } = JSON.parse(kept[0] ?? '{}');
      assert.match(supersededAt, /^\d{4}-/);
      assert.deepEqual(line, JSON.parse(recorded.trim().split('\n')[1] ?? '{}'));
      assert.deepEqual(comparable(metrics(resumed.dir)), comparable(metrics(whole.dir)));
      assert.deepEqual(resumed.summary.test, whole.summary.test);
    });

    it('killed after the checkpoint but before model/best and model/last: resume makes them the checkpoint epoch', async () => {
      const whole = await trainTiny();
      const two = await cutAt(9 * 2 + 4);
      const one = await cutAt(9 + 4);
      assert.equal(two.r.summary.bestEpoch, 2, 'the test needs an epoch 2 that improves');
      for (const m of [RUN_FILES.bestModel, RUN_FILES.lastModel]) {
        rmSync(join(two.r.dir, m), { recursive: true });
        renameSync(join(one.r.dir, m), join(two.r.dir, m));
      }
      writeFileSync(
        join(two.r.dir, RUN_FILES.meta),
        JSON.stringify({
          ...JSON.parse(readFileSync(join(two.r.dir, RUN_FILES.meta), 'utf8')),
          epochsCompleted: 1,
        }),
      );
      // Stopped again at once: what resume set up is on disk before any training.
      const again = await train({
        experimentsDir: two.dir,
        resume: two.r.id,
        backend: 'cpu',
        stopAfterBatches: 1,
      });
      assert.equal(again.status, 'interrupted');
      for (const m of [RUN_FILES.bestModel, RUN_FILES.lastModel]) {
        assert.ok(
          read(two.r.dir, join(m, 'weights.bin')).equals(
            read(two.r.dir, join(RUN_FILES.checkpoint, 'model', 'weights.bin')),
          ),
          m,
        );
      }
      assert.equal(RunFolder.open(two.r.dir, two.dir).readMeta().epochsCompleted, 2);
      const resumed = await train({ experimentsDir: two.dir, resume: two.r.id, backend: 'cpu' });
      assert.deepEqual(comparable(metrics(resumed.dir)), comparable(metrics(whole.dir)));
      for (const m of [RUN_FILES.bestModel, RUN_FILES.lastModel]) {
        assert.ok(
          read(resumed.dir, join(m, 'weights.bin')).equals(read(whole.dir, join(m, 'weights.bin'))),
          m,
        );
      }
    });

    it('refuses a resume without a checkpoint when epochs were recorded, and keeps metrics.jsonl', async () => {
      const two = await cutAt(9 * 2 + 4);
      rmSync(join(two.r.dir, RUN_FILES.checkpoint), { recursive: true });
      const before = readFileSync(join(two.r.dir, RUN_FILES.metrics), 'utf8');
      await assert.rejects(
        train({ experimentsDir: two.dir, resume: two.r.id, backend: 'cpu' }),
        (e: unknown) =>
          e instanceof RunError &&
          e.code === 'RUN_CHECKPOINT_MISSING' &&
          /recorded 2 epochs but has no checkpoint/.test(e.message),
      );
      assert.equal(readFileSync(join(two.r.dir, RUN_FILES.metrics), 'utf8'), before);
    });

    it('saves a missing vocabulary.json again (the same one, rebuilt from the same data)', async () => {
      const one = await cutAt(9 + 4);
      const vocabulary = readFileSync(join(one.r.dir, RUN_FILES.vocabulary), 'utf8');
      rmSync(join(one.r.dir, RUN_FILES.vocabulary));
      await train({ experimentsDir: one.dir, resume: one.r.id, backend: 'cpu', stopAfterBatches: 1 });
      assert.equal(readFileSync(join(one.r.dir, RUN_FILES.vocabulary), 'utf8'), vocabulary);
    });
  });

  it('a failure after the last epoch records no epoch in run.json (was epochs + 1)', async () => {
    const dir = tmp();
    await assert.rejects(
      train({
        experimentsDir: dir,
        loaded: loadConfig(TINY, { overrides: ['training.epochs=1'] }),
        backend: 'cpu',
        onEvent: (e) => {
          if (e.type === 'evaluating' && e.split === 'test') throw new Error('test split failed');
        },
      }),
      /test split failed/,
    );
    const [id] = readdirSync(dir);
    const meta = RunFolder.open(id ?? '', dir).readMeta();
    assert.equal(meta.status, 'failed');
    assert.equal(meta.epochsCompleted, 1);
    assert.equal(meta.failure?.epoch, undefined);
  });

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
