import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { DATA_PATH_FIELDS } from '../../src/data/schema.js';
import { ConfigError, formatProblem } from '../../src/errors.js';
import { loadSweepSpec, metricKey, parseSweepSpec } from '../../src/sweep/spec.js';
import { generateTrials } from '../../src/sweep/trials.js';
import { isInside } from '../../src/util/names.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

const DIR = join(PROJECT_ROOT, 'test', 'fixtures', 'configs');

function problems(text: string): string[] {
  try {
    parseSweepSpec('s.yaml', text, DIR);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems.map(formatProblem);
  }
  assert.fail('expected the spec to be refused');
}

describe('sweep spec', () => {
  it('reads a valid spec with defaults', () => {
    const spec = parseSweepSpec(
      's.yaml',
      'base: tiny.yaml\nparameters:\n  training.batchSize: { values: [16, 32] }\nmetric: validation.loss\n',
      DIR,
    );
    assert.equal(spec.strategy, 'grid');
    assert.equal(spec.mode, 'min');
    assert.equal(spec.metricKey, 'val_loss');
    assert.deepEqual(spec.base, { file: join(DIR, 'tiny.yaml') });
    assert.deepEqual(spec.parameters, [{ path: 'training.batchSize', values: [16, 32] }]);
  });

  it('reports problems at file:line:col', () => {
    const found = problems(
      [
        'base: tiny.yaml',
        'strategy: gird',
        'parameters:',
        '  training.optimizer.learningRate: { min: 0.1, max: 0.01, distribution: loguniform }',
        '  training.batchSize: { vals: [1] }',
        'metric: validation.accuracy',
        'maxTrails: 3',
      ].join('\n'),
    );
    assert.ok(
      found.some(
        (p) => p.startsWith('s.yaml:2:11 strategy: must be one of') && p.includes('did you mean "grid"'),
      ),
      found.join('\n'),
    );
    assert.ok(
      found.some(
        (p) => p.startsWith('s.yaml:7:1') && p.includes('unknown key "maxTrails"') && p.includes('maxTrials'),
      ),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => p.startsWith('s.yaml:4:53') && p.includes('below min')),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => p.startsWith('s.yaml:5:') && p.includes('needs `values: [...]`')),
      found.join('\n'),
    );
  });

  it("a base config that is not there is reported at the spec's base:", () => {
    const text =
      'name: s\nbase: nope.yaml\nparameters:\n  training.batchSize: { values: [16] }\nmetric: validation.loss\n';
    assert.deepEqual(problems(text), [
      `s.yaml:2:7 base: cannot read the base config nope.yaml (no such file: ${join(DIR, 'nope.yaml')}) (a relative base is read from the folder of the spec)`,
    ]);
    assert.match(
      problems(text.replace('nope.yaml', '.'))[0] ?? '',
      /^s\.yaml:2:7 base: cannot read the base config \. \(a folder, not a file\)/,
    );
  });

  it('refuses ranges a strategy cannot use', () => {
    const grid = problems(
      'base: tiny.yaml\nparameters:\n  training.optimizer.learningRate: { min: 0.001, max: 0.1 }\nmetric: loss\n',
    );
    assert.ok(
      grid.some((p) => p.startsWith('s.yaml:3:') && p.includes('grid cannot enumerate')),
      grid.join('\n'),
    );
    const log = problems(
      'base: tiny.yaml\nstrategy: random\nmaxTrials: 2\nparameters:\n  training.optimizer.learningRate: { min: 0, max: 0.1, distribution: loguniform }\nmetric: loss\n',
    );
    assert.ok(
      log.some((p) => p.includes('loguniform range needs min > 0')),
      log.join('\n'),
    );
    const asha = problems(
      'base: tiny.yaml\nstrategy: asha\nmaxTrials: 2\nparameters:\n  training.batchSize: { values: [8] }\nmetric: loss\n',
    );
    assert.ok(
      asha.some((p) => p.startsWith('s.yaml:2:') && p.includes('needs an `asha:` section')),
      asha.join('\n'),
    );
  });

  it('names metrics as the epoch records do', () => {
    assert.equal(metricKey('validation.accuracy'), 'val_accuracy');
    assert.equal(metricKey('train.loss'), 'loss');
    assert.equal(metricKey('val_precision'), 'val_precision');
  });
});

describe('configs/sweeps/', () => {
  it('every shipped spec loads and gives valid trials', () => {
    const dir = join(PROJECT_ROOT, 'configs', 'sweeps');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 3, `only ${files.length} specs`);
    for (const f of files) {
      const spec = loadSweepSpec(join(dir, f), PROJECT_ROOT);
      const trials = generateTrials(spec, dir, PROJECT_ROOT);
      assert.ok(trials.length > 0, `${f} gives no trials`);
    }
  });

  it('every shipped spec needs only what the package ships (configs/ and data/)', () => {
    const shipped = (
      JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { files: string[] }
    ).files;
    assert.ok(shipped.includes('configs') && shipped.includes('data'), shipped.join(', '));
    // The two folders alone, as an installed package has them, without test/ beside them.
    const root = mkdtempSync(join(tmpdir(), 'qqp-shipped-'));
    try {
      for (const d of ['configs', 'data']) cpSync(join(PROJECT_ROOT, d), join(root, d), { recursive: true });
      const dir = join(root, 'configs', 'sweeps');
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
        const spec = loadSweepSpec(join(dir, f), root);
        if ('file' in spec.base)
          assert.ok(isInside(join(root, 'configs'), spec.base.file), `${f}: base ${spec.base.file}`);
        const trials = generateTrials(spec, dir, root);
        assert.ok(trials.length > 0, `${f} gives no trials`);
        for (const t of trials) {
          for (const field of DATA_PATH_FIELDS) {
            const p = t.config.data[field];
            if (typeof p !== 'string') continue;
            const abs = resolve(root, p);
            assert.ok(
              isInside(join(root, 'data'), abs) || isInside(join(root, 'configs'), abs),
              `${f}: data.${field} ${p}`,
            );
            assert.ok(existsSync(abs), `${f}: data.${field} ${p} is not shipped`);
          }
        }
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('reads conditions, and the tpe, hyperband and stopping sections with their defaults', () => {
    const spec = parseSweepSpec(
      's.yaml',
      `base: tiny.yaml
strategy: tpe
maxTrials: 8
parameters:
  training.optimizer.type: { values: [adam, sgd, rmsprop] }
  training.optimizer.momentum: { min: 0, max: 0.9, when: { training.optimizer.type: [sgd, rmsprop] } }
stopping: { rule: median }
metric: validation.loss
`,
      DIR,
    );
    assert.deepEqual(spec.parameters[1]?.when, [
      { path: 'training.optimizer.type', values: ['sgd', 'rmsprop'] },
    ]);
    assert.deepEqual(spec.tpe, { startupTrials: 10, candidates: 24, gamma: 0.25 });
    assert.deepEqual(spec.stopping, { rule: 'median', minEpochs: 1, minTrials: 3 });
    const hb = parseSweepSpec(
      's.yaml',
      'base: tiny.yaml\nstrategy: hyperband\nmaxTrials: 4\nhyperband: { maxEpochs: 9 }\nparameters:\n  training.batchSize: { values: [8] }\nmetric: loss\n',
      DIR,
    );
    assert.deepEqual(hb.hyperband, { minEpochs: 1, maxEpochs: 9, reductionFactor: 3 });
  });

  it('refuses a condition on an unknown, later or continuous parameter, or on a value it cannot take, where it is written', () => {
    const found = problems(`base: tiny.yaml
strategy: random
maxTrials: 2
parameters:
  training.optimizer.type: { values: [adam, sgd] }
  training.optimizer.learningRate: { min: 0.001, max: 0.1 }
  training.optimizer.momentum: { min: 0, max: 0.9, when: { training.optimizer.typ: sgd } }
  training.batchSize: { values: [8, 16], when: { training.optimizer.type: sdg } }
  model.layers[1].units: { values: [4], when: { training.dropout: 1 } }
  training.epochs: { values: [1, 2], when: { training.optimizer.learningRate: 0.01 } }
  training.shuffle: { values: [true], when: { training.seed: 1 } }
  training.seed: { values: [1, 2] }
metric: loss
`);
    const has = (at: string, text: string) =>
      assert.ok(
        found.some((p) => p.startsWith(at) && p.includes(text)),
        `${at} ${text}:\n${found.join('\n')}`,
      );
    has('s.yaml:7:60', 'not a parameter of this sweep');
    has('s.yaml:7:60', 'did you mean "training.optimizer.type"');
    has('s.yaml:8:75', '"sdg" is not a value of "training.optimizer.type"');
    has('s.yaml:8:', 'one of "adam", "sgd"');
    has('s.yaml:9:', '"training.dropout", which is not a parameter');
    has('s.yaml:10:', 'a continuous range');
    has('s.yaml:11:', 'declared after "training.shuffle"');
    assert.equal(found.length, 5, found.join('\n'));
  });

  it('refuses sections that do not fit the strategy, and stopping rules it does not know', () => {
    const found = problems(`base: tiny.yaml
strategy: hyperband
tpe: { startupTrials: 3 }
stopping: { rule: mean }
parameters:
  training.epochs: { values: [1, 2] }
metric: loss
`);
    const has = (text: string) =>
      assert.ok(
        found.some((p) => p.includes(text)),
        `${text}:\n${found.join('\n')}`,
      );
    has('s.yaml:2:11 strategy: strategy hyperband needs a `hyperband:` section');
    has('s.yaml:3:1 tpe: `tpe` applies only to strategy tpe (strategy is hyperband)');
    has('s.yaml:4:19 stopping.rule: must be one of "median"');
    has('Hyperband sets training.epochs itself');
    has('strategy hyperband needs maxTrials');
    const tpe = problems(
      'base: tiny.yaml\nstrategy: tpe\nparameters:\n  training.batchSize: { values: [8] }\nmetric: loss\n',
    );
    assert.ok(
      tpe.some((p) => p.includes('strategy tpe needs maxTrials')),
      tpe.join('\n'),
    );
  });
});
