import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  bestSoFar,
  manifestTrials,
  readSweepOverview,
  sweepOverview,
  sweepParameters,
} from '../../src/sweep/overview.js';
import { tempDir } from '../report/fixture.js';

const LR = 'training.optimizer.learningRate';
const TYPE = 'training.optimizer.type';
const MOMENTUM = 'training.optimizer.momentum';

/** A manifest as a newer writer might leave it: a cancelled sweep, pending trials, an ASHA bracket. */
function manifest(): Record<string, unknown> {
  const trial = (index: number, params: Record<string, unknown>, status: string, best: number | null) => ({
    index,
    id: `t${index}`,
    params,
    overrides: [],
    config: `trials/t${index}.yaml`,
    status,
    attempts: 1,
    epochs: best === null ? 0 : 2,
    history: best === null ? [] : [{ epoch: 2, value: best }],
    best,
    bestEpoch: best === null ? null : 2,
    bracket: 0,
    ...(best === null ? {} : { runId: `run-${index}` }),
  });
  return {
    version: 1,
    id: 'opt',
    name: 'opt',
    strategy: 'random',
    metric: 'val_loss',
    metricKey: 'val_loss',
    mode: 'min',
    status: 'cancelled',
    trials: [
      trial(2, { [TYPE]: 'sgd', [LR]: 0.01, [MOMENTUM]: 0.9 }, 'completed', 0.5),
      trial(1, { [LR]: 0.0001, [TYPE]: 'adam' }, 'completed', 0.6),
      trial(3, { [LR]: 0.001, [TYPE]: 'adam' }, 'failed', null),
      trial(4, { [LR]: 0.001, [TYPE]: 'sgd', [MOMENTUM]: 0.5 }, 'completed', 0.45),
      trial(5, { [LR]: 0.01, [TYPE]: 'adam' }, 'cancelled', null),
      trial(6, { [LR]: 0.0001, [TYPE]: 'sgd', [MOMENTUM]: null }, 'pending', null),
    ],
  };
}

describe('bestSoFar', () => {
  it('is the running best in index order, by the mode, through trials without a value', () => {
    const trials = [
      { index: 3, best: 0.4 },
      { index: 1, best: 0.6 },
      { index: 2, best: null },
      { index: 4, best: 0.7 },
      { index: 5, best: 0.3 },
    ];
    assert.deepEqual(bestSoFar(trials, 'min'), [
      { index: 1, value: 0.6, best: 0.6 },
      { index: 2, value: null, best: 0.6 },
      { index: 3, value: 0.4, best: 0.4 },
      { index: 4, value: 0.7, best: 0.4 },
      { index: 5, value: 0.3, best: 0.3 },
    ]);
    assert.deepEqual(
      bestSoFar(trials, 'max').map((p) => p.best),
      [0.6, 0.6, 0.6, 0.7, 0.7],
    );
  });

  it('has no best before the first trial with a value', () => {
    assert.deepEqual(
      bestSoFar(
        [
          { index: 1, best: null },
          { index: 2, best: 0.5 },
        ],
        'max',
      ).map((p) => p.best),
      [null, 0.5],
    );
    assert.deepEqual(bestSoFar([], 'min'), []);
  });
});

describe('sweepParameters', () => {
  it('takes every name any trial has, in the order trials first have them, counting the trials without it', () => {
    const trials = manifestTrials(manifest().trials, []);
    const params = sweepParameters(trials);
    assert.deepEqual(
      params.map((p) => [p.path, p.label, p.kind, p.log, p.missing]),
      [
        [LR, 'learningRate', 'numeric', true, 0],
        [TYPE, 'type', 'categorical', false, 0],
        // Trial 6's momentum is null: no value, like trials 1, 3 and 5 that lack it.
        [MOMENTUM, 'momentum', 'numeric', false, 4],
      ],
    );
    assert.deepEqual(params[1]!.categories, ['adam', 'sgd']);
  });

  it('draws numbers on a log axis from a span of 20×, all positive', () => {
    const of = (values: unknown[]) =>
      sweepParameters(
        manifestTrials(
          values.map((v, i) => ({ index: i + 1, params: { p: v } })),
          [],
        ),
      )[0]!;
    assert.equal(of([0.001, 0.02]).log, true);
    assert.equal(of([0.001, 0.019]).log, false);
    assert.equal(of([0, 1, 100]).log, false);
    assert.equal(of([16, 'auto']).kind, 'categorical');
    assert.deepEqual(of([64, 8, 'auto', true]).categories, ['8', '64', 'auto', 'true']);
  });

  it('names two parameters of the same last part by more of their paths', () => {
    const trials = manifestTrials([{ index: 1, params: { 'a.units': 1, 'b.units': 2, 'c.rate': 3 } }], []);
    assert.deepEqual(
      sweepParameters(trials).map((p) => p.label),
      ['a.units', 'b.units', 'rate'],
    );
  });
});

describe('sweepOverview', () => {
  it('reads the trials by index with unknown statuses and fields, and finds the best by the mode', () => {
    const o = sweepOverview(manifest(), '/x/manifest.json');
    assert.deepEqual(
      o.trials.map((t) => [t.index, t.status, t.best, t.runId]),
      [
        [1, 'completed', 0.6, 'run-1'],
        [2, 'completed', 0.5, 'run-2'],
        [3, 'failed', null, null],
        [4, 'completed', 0.45, 'run-4'],
        [5, 'cancelled', null, null],
        [6, 'pending', null, null],
      ],
    );
    assert.deepEqual([o.status, o.mode, o.metric, o.best], ['cancelled', 'min', 'val_loss', 4]);
    assert.deepEqual(
      o.progress.map((p) => p.best),
      [0.6, 0.5, 0.5, 0.45, 0.45, 0.45],
    );
    assert.deepEqual(o.problems, []);
    // Importance over the three trials with a value: momentum has only two of them.
    const byPath = new Map(o.importance.map((r) => [r.path, r]));
    assert.deepEqual([byPath.get(MOMENTUM)!.trials, byPath.get(MOMENTUM)!.reason], [2, 'too few trials']);
    // Learning rates 1e-4, 1e-2, 1e-3 each one trial: three groups of one explain everything.
    assert.deepEqual([byPath.get(LR)!.trials, byPath.get(LR)!.groups, byPath.get(LR)!.eta2], [3, 3, 1]);
    assert.equal(o.importance.at(-1)!.path, MOMENTUM, 'unknown importance last');
  });

  it('says what it could not read and goes on', () => {
    const m = manifest();
    const trials = m.trials as Record<string, unknown>[];
    delete trials[1]!.index;
    trials[2]!.index = 2;
    trials.push('garbage' as never);
    const o = sweepOverview({ ...m, mode: 'lowest' }, 'm.json');
    assert.equal(o.mode, 'max');
    assert.deepEqual(
      o.trials.map((t) => t.id),
      ['t2', 't4', 't5', 't6', 't1', 't3'],
    );
    assert.deepEqual(o.problems, [
      'the manifest\'s mode is "lowest", not "max" or "min": read as max',
      'trial 7 in the manifest is not an object: left out',
      'trial 2 in the manifest has no index: shown as 7',
      'trial 3 in the manifest has the index 2 of another: shown as 8',
    ]);
    const empty = sweepOverview(null, 'm.json');
    assert.deepEqual([empty.trials, empty.parameters, empty.best], [[], [], null]);
    assert.ok(empty.problems.includes('the manifest has no list of trials'));
  });
});

describe('readSweepOverview', () => {
  it('reads experiments/sweeps/<id>/manifest.json, or says why there is none', () => {
    const experiments = join(tempDir(), 'experiments');
    const dir = join(experiments, 'sweeps', 'opt');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest()));
    const found = readSweepOverview('opt', experiments);
    assert.ok('overview' in found);
    assert.equal(found.overview.file, join(dir, 'manifest.json'));
    assert.equal(found.overview.trials.length, 6);
    const missing = readSweepOverview('elsewhere', experiments);
    assert.ok('missing' in missing);
    assert.match(missing.missing, /no sweep "elsewhere"/);
    writeFileSync(join(dir, 'manifest.json'), '{"id": "op');
    const broken = readSweepOverview('opt', experiments);
    assert.ok('missing' in broken && /not valid JSON/.test(broken.missing));
  });
});
