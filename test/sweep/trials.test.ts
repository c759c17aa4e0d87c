import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, formatProblem } from '../../src/errors.js';
import { parseSweepSpec } from '../../src/sweep/spec.js';
import { configHash, generateTrials, gridPoints, randomPoints } from '../../src/sweep/trials.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

const DIR = join(PROJECT_ROOT, 'test', 'fixtures', 'configs');

describe('trial generation', () => {
  it('enumerates a grid, the last parameter fastest', () => {
    const points = gridPoints([
      { path: 'a', values: [1, 2] },
      { path: 'b', min: 3, max: 5, distribution: 'int' },
    ]);
    assert.deepEqual(points, [
      { a: 1, b: 3 },
      { a: 1, b: 4 },
      { a: 1, b: 5 },
      { a: 2, b: 3 },
      { a: 2, b: 4 },
      { a: 2, b: 5 },
    ]);
  });

  it('leaves a conditional parameter out of the grid points whose condition fails', () => {
    const points = gridPoints([
      { path: 'opt', values: ['adam', 'sgd'] },
      { path: 'momentum', values: [0, 0.9], when: [{ path: 'opt', values: ['sgd'] }] },
      { path: 'nesterov', values: [true], when: [{ path: 'momentum', values: [0.9] }] },
    ]);
    assert.deepEqual(points, [
      { opt: 'adam' },
      { opt: 'sgd', momentum: 0 },
      { opt: 'sgd', momentum: 0.9, nesterov: true },
    ]);
    for (const pt of randomPoints(
      [
        { path: 'opt', values: ['adam', 'sgd'] },
        {
          path: 'momentum',
          min: 0,
          max: 0.9,
          distribution: 'uniform',
          when: [{ path: 'opt', values: ['sgd'] }],
        },
      ],
      20,
      1,
    ))
      assert.equal('momentum' in pt, pt.opt === 'sgd', JSON.stringify(pt));
  });

  it('draws the same random points from the same seed, within the ranges', () => {
    const space = [
      { path: 'lr', min: 0.0001, max: 0.1, distribution: 'loguniform' as const },
      { path: 'units', values: [8, 16, 32] },
      { path: 'n', min: 1, max: 3, distribution: 'int' as const },
      { path: 'p', min: 0.1, max: 0.5, distribution: 'uniform' as const },
    ];
    const a = randomPoints(space, 20, 42);
    assert.deepEqual(randomPoints(space, 20, 42), a);
    assert.notDeepEqual(randomPoints(space, 20, 43), a);
    for (const pt of a) {
      assert.ok((pt.lr as number) >= 0.0001 && (pt.lr as number) <= 0.1);
      assert.ok([8, 16, 32].includes(pt.units as number));
      assert.ok([1, 2, 3].includes(pt.n as number));
      assert.ok((pt.p as number) >= 0.1 && (pt.p as number) <= 0.5);
    }
  });

  it('resolves trials into configs with a stable identity and no duplicates', () => {
    const text =
      'base: tiny.yaml\nstrategy: random\nmaxTrials: 5\nseed: 3\nparameters:\n  training.batchSize: { values: [16, 32] }\n  model.layers[1].units: { values: [4, 8] }\nmetric: validation.loss\n';
    const trials = generateTrials(parseSweepSpec('s.yaml', text, DIR), DIR);
    // Only 4 distinct configs exist, so 4 trials, however many draws were made.
    assert.equal(trials.length, 4);
    assert.equal(new Set(trials.map((t) => t.id)).size, 4);
    for (const t of trials) {
      assert.equal(t.config.training.batchSize, t.params['training.batchSize']);
      assert.equal(
        (t.config.model as { layers: { units?: number }[] }).layers[1]?.units,
        t.params['model.layers[1].units'],
      );
      assert.equal(t.id, configHash(t.config));
    }
    const again = generateTrials(parseSweepSpec('s.yaml', text, DIR), DIR);
    assert.deepEqual(
      again.map((t) => t.id),
      trials.map((t) => t.id),
    );
  });

  it('reports a parameter path the config has not got where the spec names it', () => {
    const text =
      'base: tiny.yaml\nparameters:\n  training.batchSise: { values: [16] }\nmetric: validation.loss\n';
    try {
      generateTrials(parseSweepSpec('s.yaml', text, DIR), DIR);
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const lines = err.problems.map(formatProblem);
      assert.ok(
        lines.some((l) => l.startsWith('s.yaml:3:3') && l.includes('batchSize')),
        lines.join('\n'),
      );
    }
  });

  it("reports every trial's problems at once, each once, where the spec writes them", () => {
    // Grid order: (0.1, 0) fails on batchSize, (0.1, 16) is fine, (-1, 0) fails on both, (-1, 16)
    // on learningRate: the first failing trial alone would hide the learning rate.
    const text =
      'base: tiny.yaml\nparameters:\n  training.optimizer.learningRate: { values: [0.1, -1] }\n' +
      '  training.batchSize: { values: [0, 16] }\nmetric: validation.loss\n';
    try {
      generateTrials(parseSweepSpec('s.yaml', text, DIR), DIR);
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const lines = err.problems.map(formatProblem);
      assert.deepEqual(lines, [
        's.yaml:4:3 training.batchSize: must be an integer >= 1 (got 0)',
        's.yaml:3:3 training.optimizer.learningRate: must be a number > 0 (got -1)',
      ]);
      assert.match(err.message, /2 problems in the sweep's trial configs/);
    }
  });

  it('refuses a metric the epochs do not record', () => {
    const text =
      'base: tiny.yaml\nparameters:\n  training.batchSize: { values: [16] }\nmetric: validation.f1\n';
    assert.throws(
      () => generateTrials(parseSweepSpec('s.yaml', text, DIR), DIR),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        return err.problems.some((p) => p.line === 4 && p.message.includes('val_f1'));
      },
    );
  });

  it('refuses a validation metric when the trials have no validation split (never chosen on test)', () => {
    const text =
      "base: tiny.yaml\nset: ['data.split={train: 0.8, validation: 0, test: 0.2, seed: 1}']\nparameters:\n  training.batchSize: { values: [16] }\nmetric: validation.loss\n";
    assert.throws(
      () => generateTrials(parseSweepSpec('s.yaml', text, DIR), DIR),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        return err.problems.some((p) => p.line === 5 && /no validation split/.test(p.message));
      },
    );
    // With one, the same spec generates its trial.
    const ok = text.replace('validation: 0,', 'validation: 0.1,').replace('train: 0.8', 'train: 0.7');
    assert.equal(generateTrials(parseSweepSpec('s.yaml', ok, DIR), DIR).length, 1);
  });

  it('an inline base resolves like the same config in a file beside the spec: same trials, same ids', () => {
    const params =
      'parameters:\n  training.batchSize: { values: [16, 32] }\n  model.layers[1].units: { values: [4, 8] }\nmetric: validation.loss\n';
    const fromFile = generateTrials(parseSweepSpec('s.yaml', `base: tiny.yaml\n${params}`, DIR), DIR);
    const tiny = readFileSync(join(DIR, 'tiny.yaml'), 'utf8');
    const inline = `base:\n${tiny.replace(/^/gm, '  ')}\n${params}`;
    const fromText = generateTrials(parseSweepSpec('s.yaml', inline, DIR), DIR);
    assert.deepEqual(
      fromText.map((t) => [t.id, t.config]),
      fromFile.map((t) => [t.id, t.config]),
    );
    // `extends` and data paths of an inline base are read from the spec's folder.
    const extending = `base:\n  extends: tiny.yaml\n  training: { batchSize: 8 }\n${params.replace('training.batchSize', 'training.epochs')}`;
    const ext = generateTrials(parseSweepSpec('s.yaml', extending, DIR), DIR);
    assert.equal(ext.length, 4);
    assert.equal(ext[0]?.config.training.batchSize, 8);
    assert.equal(ext[0]?.config.data.source, fromFile[0]?.config.data.source);
  });

  it("reports an inline base's problems where the spec writes them", () => {
    const text = [
      'base:', //                                       1
      '  extends: [tiny.yaml, nowhere.yaml]', //        2
      '  training:', //                                 3
      '    batchSise: 8', //                            4
      'parameters:', //                                 5
      '  training.epochs: { values: [1] }', //          6
      'metric: loss', //                                7
      '',
    ].join('\n');
    try {
      generateTrials(parseSweepSpec('s.yaml', text, DIR), DIR);
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const lines = err.problems.map(formatProblem);
      assert.ok(
        lines.some((l) => l.startsWith('s.yaml:2:24 extends[1]: cannot read "nowhere.yaml"')),
        lines.join('\n'),
      );
    }
    try {
      generateTrials(parseSweepSpec('s.yaml', text.replace(', nowhere.yaml', ''), DIR), DIR);
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const lines = err.problems.map(formatProblem);
      assert.ok(
        lines.some((l) => l.startsWith('s.yaml:4:16 training.batchSise: unknown key')),
        lines.join('\n'),
      );
    }
  });
});
