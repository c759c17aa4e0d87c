import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { compareRuns } from '../../src/report/compare.js';
import { listRuns, type RunInfo } from '../../src/report/read.js';
import { standardExperiments, sweepExperiments, tempDir, writeRun } from './fixture.js';

function runs(): RunInfo[] {
  return listRuns(standardExperiments().dir).runs;
}

const params = (c: ReturnType<typeof compareRuns>) =>
  c.columns.filter((x) => x.kind === 'param').map((x) => x.id);

describe('compareRuns', () => {
  it('shows only the config values that differ, then the metric columns', () => {
    const cmp = compareRuns(runs());
    assert.deepEqual(params(cmp), ['training.batchSize', 'training.optimizer.learningRate']);
    assert.deepEqual(
      cmp.columns.filter((c) => c.kind !== 'param').map((c) => c.id),
      [
        'best_val_loss',
        'best_val_accuracy',
        'last_val_loss',
        'last_val_accuracy',
        'test_accuracy',
        'test_f1',
        'test_auc',
        'test_log_loss',
        'epochs',
        'time',
        'examples_per_second',
      ],
    );
    const b = cmp.rows.find((r) => r.id === '20261102-100000-b')!;
    assert.equal(b.values['training.optimizer.learningRate'], 0.01);
    assert.equal(b.values.best_val_loss, 0.52);
    assert.equal(b.values.last_val_loss, 0.55);
    assert.equal(b.values.test_auc, 0.8);
  });

  it('finds no differing values among identical configs, and all of them with allParams', () => {
    const two = runs().filter((r) => ['20261101-100000-a', '20261104-100000-broken'].includes(r.id));
    assert.deepEqual(params(compareRuns(two)), []);
    const all = params(compareRuns(two, { allParams: true }));
    assert.ok(all.includes('training.optimizer.type') && all.includes('model.layers[1].units'), all.join());
  });

  it('picks config values with --param, a prefix selecting everything under it', () => {
    const cmp = compareRuns(runs(), { params: ['training.optimizer', 'training.epochs'] });
    assert.deepEqual(params(cmp), [
      'training.optimizer.type',
      'training.optimizer.learningRate',
      'training.epochs',
    ]);
    assert.throws(
      () => compareRuns(runs(), { params: ['training.optimiser'] }),
      (e: unknown) => e instanceof UsageError && e.suggestions.some((s) => s.includes('training.optimizer')),
    );
  });

  it('marks the best of each metric column by its direction, not in all-equal columns', () => {
    const cmp = compareRuns(runs());
    assert.deepEqual(cmp.best.best_val_loss, ['20261102-100000-b']); // lowest loss
    assert.deepEqual(cmp.best.best_val_accuracy, ['20261102-100000-b']); // highest accuracy
    assert.deepEqual(cmp.best.test_log_loss, ['20261102-100000-b']);
    assert.deepEqual(cmp.best.test_accuracy, ['20261102-100000-b']);
    assert.equal(cmp.best.epochs, undefined); // not a metric
    const sweep = compareRuns(listRuns(sweepExperiments()).runs);
    assert.equal(sweep.best.test_auc, undefined); // every run 0.75
  });

  it('marks every run that ties for the best', () => {
    const dir = join(tempDir(), 'experiments');
    for (const [i, vl] of [0.5, 0.6, 0.5].entries())
      writeRun(dir, { id: `r${i}`, createdAt: `2026-11-0${i + 1}T00:00:00Z`, epochs: [[0.7, vl, 0.5, 0.5]] });
    assert.deepEqual(compareRuns(listRuns(dir).runs).best.best_val_loss, ['r0', 'r2']);
  });

  it('leaves missing values null: a failed run has no test figures', () => {
    const c = compareRuns(runs()).rows.find((r) => r.id === '20261103-100000-c')!;
    assert.equal(c.status, 'failed');
    assert.equal(c.values.test_accuracy, null);
    assert.equal(c.values.best_val_loss, 0.69);
  });

  it('sorts by a metric best first, by a config path ascending, missing values last', () => {
    const ids = (c: ReturnType<typeof compareRuns>) => c.rows.map((r) => r.id.slice(-1));
    assert.deepEqual(ids(compareRuns(runs(), { sortBy: 'val_loss' })), ['b', 'a', 'n', 'c']);
    assert.equal(compareRuns(runs(), { sortBy: 'val_loss' }).sortedBy, 'best_val_loss');
    assert.deepEqual(ids(compareRuns(runs(), { sortBy: 'best_val_accuracy' })), ['b', 'a', 'n', 'c']);
    assert.deepEqual(ids(compareRuns(runs(), { sortBy: 'test_accuracy' })), ['b', 'a', 'c', 'n']);
    assert.deepEqual(ids(compareRuns(runs(), { sortBy: 'training.batchSize' })), ['a', 'b', 'n', 'c']);
    assert.throws(() => compareRuns(runs(), { sortBy: 'val_los' }), UsageError);
  });

  it('filters by config values, metrics and run fields', () => {
    const ids = (f: string[]) => compareRuns(runs(), { filters: f }).rows.map((r) => r.id.slice(-1));
    assert.deepEqual(ids(['training.optimizer.learningRate=0.01']), ['b']);
    assert.deepEqual(ids(['training.optimizer.type=adam']), ['a', 'b', 'c', 'n']);
    assert.deepEqual(ids(['training.optimizer.type=sgd']), []);
    assert.deepEqual(ids(['training.batchSize!=64']), ['a', 'b', 'n']);
    assert.deepEqual(ids(['best_val_loss<0.6']), ['a', 'b']);
    assert.deepEqual(ids(['best_val_loss>=0.66', 'status=completed']), ['n']);
    assert.deepEqual(ids(['status!=completed']), ['c']);
    assert.throws(() => compareRuns(runs(), { filters: ['training.optimizer.typ=adam'] }), UsageError);
    assert.throws(() => compareRuns(runs(), { filters: ['just-a-word'] }), UsageError);
    assert.throws(() => compareRuns(runs(), { filters: ['best_val_loss>low'] }), UsageError);
  });

  it('differing values are found among the filtered runs only', () => {
    const cmp = compareRuns(runs(), { filters: ['training.batchSize=32'] });
    assert.deepEqual(params(cmp), ['training.optimizer.learningRate']);
  });

  it('chooses validation metrics with --metric', () => {
    const cmp = compareRuns(runs(), { metrics: ['val_accuracy'] });
    assert.ok(cmp.columns.some((c) => c.id === 'best_val_accuracy'));
    assert.ok(!cmp.columns.some((c) => c.id === 'best_val_loss'));
    assert.throws(() => compareRuns(runs(), { metrics: ['val_auc'] }), UsageError);
  });

  it("passes the folders' warnings on", () => {
    assert.deepEqual(compareRuns(runs()).warnings, ['20261104-100000-broken: summary.json: not valid JSON']);
  });
});
