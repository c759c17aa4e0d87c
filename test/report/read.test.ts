import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { RunError, UsageError } from '../../src/errors.js';
import { bestRecord, findRun, listRuns, readRun } from '../../src/report/read.js';
import { train } from '../../src/train/trainer.js';
import { PROJECT_ROOT } from '../helpers/cli.js';
import {
  evaluatedExperiments,
  fakeEvaluation,
  retriedSweepExperiments,
  standardExperiments,
  tempDir,
  writeRun,
} from './fixture.js';

describe('listRuns', () => {
  it('lists run folders oldest first, leaves out folders that are not runs, and warns on broken ones', () => {
    const { dir, ids } = standardExperiments();
    const listing = listRuns(dir);
    assert.deepEqual(
      listing.runs.map((r) => r.id),
      [...ids, '20261104-100000-broken'],
    );
    const broken = listing.runs.at(-1)!;
    assert.deepEqual(broken.warnings, ['summary.json: not valid JSON']);
    // Still usable: the best epoch comes from metrics.jsonl.
    assert.equal(broken.best?.val_loss, 0.66);
    assert.equal(broken.status, 'completed');
    for (const r of listing.runs.slice(0, 3)) assert.deepEqual(r.warnings, [], r.id);
  });

  it('is empty for a missing experiments folder', () => {
    assert.deepEqual(listRuns(join(tempDir(), 'nothing-here')).runs, []);
  });

  it('refuses a file given as the experiments folder', () => {
    const file = join(tempDir(), 'file');
    writeFileSync(file, 'x');
    assert.throws(() => listRuns(file), UsageError);
  });
});

describe('readRun', () => {
  it('shows the status derived from the owner record and the summary: crashed, stopped', () => {
    const { dir, superseded, stopped, latest } = retriedSweepExperiments();
    const dead = readRun(join(dir, superseded));
    assert.equal(dead.recordedStatus, 'running');
    assert.equal(dead.status, 'crashed', 'running in run.json, but no process owns it');
    assert.match(dead.statusReason ?? '', /no process owns the run/);
    assert.deepEqual(dead.sweep, { id: 'asha-retry', trial: 'a', attempt: 1 });
    const byAsha = readRun(join(dir, stopped));
    assert.equal(byAsha.recordedStatus, 'completed');
    assert.equal(byAsha.status, 'stopped');
    assert.equal(byAsha.statusReason, null);
    assert.equal(readRun(join(dir, latest)).sweep?.attempt, 2);
  });

  it('reads what a failed run left: no summary, best epoch from the history, the failure', () => {
    const { dir } = standardExperiments();
    const run = readRun(join(dir, '20261103-100000-c'));
    assert.equal(run.status, 'failed');
    assert.equal(run.failure?.code, 'NAN_LOSS');
    assert.equal(run.test, null);
    assert.equal(run.bestEpoch, 1);
    assert.equal(run.best?.val_loss, 0.69);
    assert.deepEqual(run.warnings, []);
  });

  it('keeps going through a missing run.json, a broken config and a bad metrics line', () => {
    const root = tempDir();
    const dir = writeRun(root, {
      id: 'x',
      createdAt: '2026-11-01T00:00:00Z',
      epochs: [
        [0.7, 0.6, 0.5, 0.5],
        [0.6, 0.5, 0.6, 0.6],
      ],
      omit: ['run.json'],
      overwrite: {
        'config.yaml': 'training: [unclosed\n',
        'metrics.jsonl':
          '{"epoch":1,"loss":0.7,"val_loss":0.6}\n{"epoch":2,"loss"\n{"epoch":3,"loss":0.5,"val_loss":0.4}\n',
      },
    });
    const run = readRun(dir);
    assert.equal(run.status, 'unknown');
    assert.equal(run.id, 'x');
    assert.equal(run.config, null);
    assert.deepEqual(
      run.history.map((r) => r.epoch),
      [1, 3],
    );
    assert.ok(run.warnings.includes('run.json: missing'), run.warnings.join('; '));
    assert.ok(
      run.warnings.some((w) => /^config\.yaml(:\d+)?: not valid YAML/.test(w)),
      run.warnings.join('; '),
    );
    assert.ok(
      run.warnings.includes('metrics.jsonl:2: not valid JSON (line skipped)'),
      run.warnings.join('; '),
    );
  });

  it("reads an older run's val_* on the test split as test_*, and its lowest training loss as no best epoch", () => {
    const exp = tempDir();
    const dir = writeRun(exp, {
      id: '20261201-100000-old',
      createdAt: '2026-12-01T10:00:00Z',
      epochs: [
        [0.7, 0.69, 0.5, 0.55],
        [0.6, 0.68, 0.6, 0.56],
      ],
    });
    const meta = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    meta.data.validationSplit = 'test';
    writeFileSync(join(dir, 'run.json'), JSON.stringify(meta));
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    summary.bestMonitor = 'loss';
    summary.finalWeights = 'last';
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary));
    const run = readRun(dir);
    assert.equal(run.history[1]?.test_loss, 0.68);
    assert.equal(run.history[1]?.test_accuracy, 0.56);
    assert.ok(!run.history.some((r) => Object.keys(r).some((k) => k.startsWith('val_'))));
    assert.equal(run.last?.test_loss, 0.68);
    assert.equal(run.monitor, null);
    assert.equal(run.bestEpoch, null);
    assert.equal(run.best, null);
  });

  it('reads eval-*.json results beside the summary', () => {
    const root = tempDir();
    const dir = writeRun(root, {
      id: 'e',
      createdAt: '2026-11-01T00:00:00Z',
      epochs: [[0.7, 0.6, 0.5, 0.5]],
    });
    writeFileSync(
      join(dir, 'eval-validation.json'),
      JSON.stringify({
        source: { kind: 'split', split: 'validation' },
        evaluatedAt: '2026-11-02T00:00:00Z',
        count: 60,
        positives: 20,
        logLoss: 0.5,
        rocAuc: null,
        atHalf: { threshold: 0.5, accuracy: 0.8, precision: 0.7, recall: 0.6, f1: 0.65 },
        bestF1: { threshold: 0.4, accuracy: 0.8, precision: 0.7, recall: 0.7, f1: 0.7 },
      }),
    );
    writeFileSync(join(dir, 'eval-broken.json'), '[1, 2');
    const run = readRun(dir);
    assert.equal(run.evaluations.length, 1);
    assert.equal(run.evaluations[0]!.source, 'validation');
    assert.equal(run.evaluations[0]!.metrics.accuracy, 0.8);
    assert.equal(run.evaluations[0]!.metrics.auc, null);
    assert.deepEqual(run.warnings, ['eval-broken.json: not valid JSON']);
  });

  it('reads the saved curve, confusion matrix, where the threshold was chosen, and slices', () => {
    const { dir, b, old } = evaluatedExperiments();
    const runs = listRuns(dir).runs;
    const rb = runs.find((r) => r.id === b)!;
    const saved = fakeEvaluation(2, 0.8);
    assert.deepEqual(rb.test?.curve, saved.curve);
    assert.deepEqual(rb.test?.confusion, saved.atHalf.confusion);
    assert.equal(rb.test?.positives, saved.positives);
    assert.deepEqual(rb.test?.bestF1, {
      threshold: 0.45,
      f1: saved.bestF1.f1,
      chosenOn: 'validation',
      optimistic: false,
    });
    const e = rb.evaluations[0]!;
    assert.deepEqual(
      e.slices?.map((t) => [t.by, t.rows.map((r) => r.value)]),
      [
        ['kind', ['paraphrase', 'negation', 'number']],
        ['length', ['1-8', '9-16']],
      ],
    );
    assert.equal(e.slices?.[1]?.note, 'words in the longer question');
    // Files from before curves were saved: no curve, the threshold counted as optimistic.
    const ro = runs.find((r) => r.id === old)!;
    assert.equal(ro.test?.curve, null);
    assert.equal(ro.test?.bestF1?.optimistic, true);
    assert.deepEqual(ro.warnings, []);
  });

  it('warns of a curve it cannot read and keeps the other figures', () => {
    const dir = join(tempDir(), 'experiments');
    const evaluation = {
      ...fakeEvaluation(3, 0.5),
      curve: { resolution: 100, thresholds: [0.5, 'x'], tp: [1], fp: [1] },
    };
    writeRun(dir, {
      id: 'r',
      createdAt: '2026-12-01T00:00:00Z',
      epochs: [[0.7, 0.6, 0.5, 0.5]],
      evaluation: evaluation as never,
      evals: [
        {
          name: 'test',
          evaluation: evaluation as never,
          slices: [{ by: 'kind', threshold: 0.5, rows: [{ value: 'x' } as never] }],
        },
      ],
    });
    const run = readRun(join(dir, 'r'));
    assert.equal(run.test?.curve, null);
    assert.equal(run.test?.count, 400);
    assert.deepEqual(run.warnings, [
      'summary.json: test curve not understood',
      'eval-test.json: curve not understood',
    ]);
    assert.deepEqual(run.evaluations[0]?.slices, [], 'a table without a readable row is left out');
  });

  it('reads a folder the trainer wrote', async () => {
    const experimentsDir = join(tempDir(), 'experiments');
    const r = await train({
      experimentsDir,
      loaded: loadConfig(join(PROJECT_ROOT, 'test', 'fixtures', 'configs', 'tiny.yaml'), {
        overrides: ['training.epochs=2'],
      }),
      backend: 'cpu',
    });
    const run = readRun(r.dir);
    assert.deepEqual(run.warnings, []);
    assert.equal(run.id, r.id);
    assert.equal(run.status, 'completed');
    assert.equal(run.epochs, 2);
    assert.equal(run.history.length, 2);
    assert.equal(run.monitor, r.summary.bestMonitor);
    assert.equal(run.bestEpoch, r.summary.bestEpoch);
    assert.equal(run.test?.accuracy, r.summary.test?.atHalf.accuracy);
    assert.equal(run.test?.logLoss, r.summary.test?.logLoss);
    assert.equal(run.backend, r.backend.name);
    assert.deepEqual(run.dataSizes, { train: 280, validation: 60, test: 60 });
    assert.equal((run.config?.training as { epochs?: number } | undefined)?.epochs, 2);
  });
});

describe('bestRecord', () => {
  it('takes the lowest loss and the highest accuracy, skipping epochs without the value', () => {
    const h = [
      { epoch: 1, val_loss: 0.5, val_accuracy: 0.7 },
      { epoch: 2, val_loss: 0.4, val_accuracy: 0.6 },
      { epoch: 3, val_accuracy: 0.8 },
    ] as never[];
    assert.equal(bestRecord(h, 'val_loss')?.epoch, 2);
    assert.equal(bestRecord(h, 'val_accuracy')?.epoch, 3);
    assert.equal(bestRecord(h, 'val_auc'), null);
  });
});

describe('findRun', () => {
  it('finds by id, by folder, by a unique part; refuses ambiguous and unknown names', () => {
    const { dir, ids } = standardExperiments();
    const { runs } = listRuns(dir);
    assert.equal(findRun(ids[1]!, runs, dir).id, ids[1]);
    assert.equal(findRun(join(dir, ids[2]!), runs, dir).id, ids[2]);
    assert.equal(findRun('broken', runs, dir).id, '20261104-100000-broken');
    assert.throws(
      () => findRun('100000', runs, dir),
      (e: unknown) => e instanceof UsageError && /matches 4 runs/.test(e.message),
    );
    assert.throws(
      () => findRun('nope', runs, dir),
      (e: unknown) => e instanceof RunError && e.code === 'RUN_NOT_FOUND',
    );
  });

  it('reads a run folder outside the experiments folder', () => {
    const other = tempDir();
    const dir = writeRun(other, {
      id: 'elsewhere',
      createdAt: '2026-11-01T00:00:00Z',
      epochs: [[0.7, 0.6, 0.5, 0.5]],
    });
    mkdirSync(join(other, 'empty'));
    assert.equal(findRun(dir, [], join(other, 'empty')).id, 'elsewhere');
  });
});
