import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  checkConfigFile,
  checkConfigText,
  deepMerge,
  loadConfig,
  loadConfigText,
} from '../../src/config/load.js';
import { ConfigError, formatProblem } from '../../src/errors.js';

/** Writes files into a fresh temp dir and returns its path. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'qqp-config-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const MINIMAL = `
data:
  source: pairs.csv
model:
  type: sequential
  layers:
    - { type: embedding, outputDim: 8 }
    - { type: globalAveragePooling1d }
    - { type: dense, units: 1, activation: sigmoid }
`;

function problemsOf(dir: string, file: string, overrides: string[] = []) {
  return checkConfigFile(file, { cwd: dir, overrides }).problems;
}

describe('loadConfig', () => {
  it('fills every default', () => {
    const dir = project({ 'a.yaml': MINIMAL });
    const { config } = loadConfig('a.yaml', { cwd: dir });
    assert.equal(config.training.batchSize, 16);
    assert.equal(config.training.epochs, 10);
    assert.deepEqual(config.training.optimizer, {
      type: 'adam',
      learningRate: 0.001,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
    });
    assert.equal(config.experiment.seed, 2019);
    assert.deepEqual(config.data.split, {
      train: 0.8,
      validation: 0,
      test: 0.2,
      seed: 2019,
      stratify: false,
    });
    const emb = config.model.type === 'sequential' ? config.model.layers[0] : undefined;
    assert.equal(emb?.type, 'embedding');
    assert.equal(emb?.type === 'embedding' && emb.inputDim, 'vocab');
  });

  it('gives recurrent layers Keras defaults (sigmoid recurrent activation, unit forget bias)', () => {
    const dir = project({
      'a.yaml': MINIMAL.replace('{ type: globalAveragePooling1d }', '{ type: lstm, units: 4 }'),
    });
    const { config } = loadConfig('a.yaml', { cwd: dir });
    const lstm = config.model.type === 'sequential' ? config.model.layers[1] : undefined;
    assert.ok(lstm && lstm.type === 'lstm');
    assert.equal(lstm.recurrentActivation, 'sigmoid');
    assert.equal(lstm.unitForgetBias, true);
    assert.equal(lstm.activation, 'tanh');
    assert.equal(lstm.recurrentInitializer, 'orthogonal');
  });

  it('merges extends deeply, replaces lists, and rebases data paths to the file that names them', () => {
    const dir = project({
      'base/base.yaml': `${MINIMAL}\ntraining:\n  batchSize: 32\n  metrics: [accuracy, precision]\n  optimizer: { type: adam, learningRate: 0.01 }\n`,
      'child.yaml':
        'extends: base/base.yaml\ntraining:\n  epochs: 3\n  metrics: [recall]\n  optimizer: { beta1: 0.8 }\n',
    });
    const loaded = loadConfig('child.yaml', { cwd: dir });
    assert.equal(loaded.config.training.batchSize, 32); // from the base
    assert.equal(loaded.config.training.epochs, 3); // from the child
    assert.deepEqual(loaded.config.training.metrics, ['recall']); // list replaced, not concatenated
    assert.equal(loaded.config.training.optimizer.learningRate, 0.01);
    assert.equal(
      loaded.config.training.optimizer.type === 'adam' && loaded.config.training.optimizer.beta1,
      0.8,
    );
    assert.equal(loaded.config.data.source, join('base', 'pairs.csv'));
    assert.deepEqual(loaded.files, [join('base', 'base.yaml'), 'child.yaml']);
  });

  it('rebases each path of a list of data files, and refuses a data.columns field it does not know', () => {
    const dir = project({
      'sub/a.yaml': MINIMAL.replace(
        'source: pairs.csv',
        'train: [pairs.csv, ../other/more.jsonl]\n  test: [t.parquet]\n  columns: { question1: text_a }',
      ),
    });
    const { config } = loadConfig('sub/a.yaml', { cwd: dir });
    assert.deepEqual(config.data.train, [join('sub', 'pairs.csv'), join('other', 'more.jsonl')]);
    assert.deepEqual(config.data.test, [join('sub', 't.parquet')]);
    assert.deepEqual(config.data.columns, { question1: 'text_a' });
    assert.equal(config.data.dedupe, false);
    assert.equal(config.data.dropTestOverlap, false);
    const bad = project({
      'b.yaml': MINIMAL.replace('source: pairs.csv', 'source: pairs.csv\n  columns: { q1: text_a }'),
    });
    const [problem, ...more] = problemsOf(bad, 'b.yaml');
    assert.equal(more.length, 0);
    assert.equal(problem?.path, 'data.columns.q1');
    assert.ok(problem?.line !== undefined && problem.col !== undefined, formatProblem(problem!));
  });

  it('replaces a mapping whose type changes instead of merging parameters of another type', () => {
    const dir = project({
      'base.yaml': `${MINIMAL}\ntraining:\n  optimizer: { type: adam, beta1: 0.5 }\n`,
      'child.yaml': 'extends: base.yaml\ntraining:\n  optimizer: { type: sgd, momentum: 0.9 }\n',
    });
    const { config } = loadConfig('child.yaml', { cwd: dir });
    assert.deepEqual(config.training.optimizer, {
      type: 'sgd',
      momentum: 0.9,
      learningRate: 0.01,
      nesterov: false,
    });
  });

  it('reports an extends cycle and a missing base at the extends line', () => {
    const dir = project({
      'a.yaml': `extends: b.yaml\n${MINIMAL}`,
      'b.yaml': 'extends: a.yaml\n',
      'c.yaml': `extends: nowhere.yaml\n${MINIMAL}`,
    });
    const cycle = problemsOf(dir, 'a.yaml');
    assert.ok(
      cycle.some((p) => /cycle/.test(p.message) && p.line === 1),
      JSON.stringify(cycle),
    );
    const missing = problemsOf(dir, 'c.yaml');
    assert.equal(missing.length, 1);
    assert.equal(missing[0]?.source, 'c.yaml');
    assert.equal(missing[0]?.line, 1);
    assert.match(missing[0]?.message ?? '', /cannot read "nowhere.yaml" \(no such file\)/);
  });

  it('reports every problem at once, each with line, column, path and a suggestion', () => {
    const text = [
      'experiment:', //                                           1
      '  name: broken', //                                        2
      '  seeed: 3', //                                            3  misspelt key
      'data:', //                                                 4
      '  source: pairs.csv', //                                   5
      'model:', //                                                6
      '  type: sequential', //                                    7
      '  layers:', //                                             8
      '    - { type: embedding, outputDim: 8 }', //               9
      '    - { type: lstmm, units: 4 }', //                       10 unknown layer type
      '    - { type: dense, units: sixty-four }', //              11 wrong type
      'training:', //                                             12
      '  epochs: 2', //                                           13
      '  epochs: 3', //                                           14 duplicate key
      '  optimizer: { type: adam', //                             15 YAML syntax error
      '',
    ].join('\n');
    const dir = project({ 'bad.yaml': text });
    const problems = problemsOf(dir, 'bad.yaml');
    const at = (line: number) => problems.filter((p) => p.source === 'bad.yaml' && p.line === line);
    assert.match(at(3)[0]?.message ?? '', /unknown key "seeed"/);
    assert.equal(at(3)[0]?.suggestion, 'did you mean "seed"?');
    assert.equal(at(3)[0]?.col, 3);
    assert.match(at(10)[0]?.message ?? '', /unknown layer type "lstmm"/);
    assert.equal(at(10)[0]?.suggestion, 'did you mean "lstm"?');
    assert.equal(at(10)[0]?.path, 'model.layers[1].type');
    assert.match(at(11)[0]?.message ?? '', /must be an integer >= 1 \(got "sixty-four"\)/);
    assert.equal(at(11)[0]?.path, 'model.layers[2].units');
    assert.match(at(14)[0]?.message ?? '', /"epochs" appears twice/);
    assert.ok(
      problems.some((p) => p.line !== undefined && p.line >= 15 && /YAML/.test(p.message)),
      `no YAML syntax problem in ${JSON.stringify(problems)}`,
    );
    for (const p of problems) assert.ok(p.line !== undefined && p.col !== undefined, formatProblem(p));
  });

  it('refuses split.validationFrom that names no training file, or with no fraction to hold out, at its line', () => {
    const data = (split: string) =>
      MINIMAL.replace('  source: pairs.csv\n', `  train: [a.csv, b.csv]\n  test: c.csv\n  split: ${split}\n`);
    const dir = project({
      'ok.yaml': data('{ validation: 0.1, validationFrom: b.csv }'),
      'other.yaml': data('{ validation: 0.1, validationFrom: d.csv }'),
      'none.yaml': data('{ validationFrom: b.csv }'),
    });
    assert.deepEqual(problemsOf(dir, 'ok.yaml'), []);
    const [other, ...rest] = problemsOf(dir, 'other.yaml');
    assert.equal(rest.length, 0);
    assert.equal(other?.path, 'data.split.validationFrom');
    assert.equal(other?.line, 5);
    assert.match(other?.message ?? '', /not one of the training files/);
    const [none] = problemsOf(dir, 'none.yaml');
    assert.equal(none?.path, 'data.split.validationFrom');
    assert.match(none?.message ?? '', /data.split.validation is 0/);
  });

  it('reports a problem in a base file at its position in that file', () => {
    const dir = project({
      'base.yaml': `${MINIMAL}\ntraining:\n  batchSize: many\n`,
      'child.yaml': 'extends: base.yaml\n',
    });
    const [p, ...rest] = problemsOf(dir, 'child.yaml');
    assert.equal(rest.length, 0);
    assert.equal(p?.source, 'base.yaml');
    assert.equal(p?.line, 12);
    assert.equal(p?.path, 'training.batchSize');
  });

  it('refuses a config that is not a mapping, and an unreadable file', () => {
    const dir = project({ 'list.yaml': '- a\n- b\n' });
    assert.match(problemsOf(dir, 'list.yaml')[0]?.message ?? '', /must be a mapping/);
    assert.match(problemsOf(dir, 'absent.yaml')[0]?.message ?? '', /no such file/);
  });

  it('checks fields against each other', () => {
    const dir = project({
      'a.yaml': MINIMAL.replace(
        '  source: pairs.csv',
        '  source: pairs.csv\n  train: t.csv\n  split: { train: 0.7, test: 0.2 }\n  encoding: { pair: separate }',
      ).replace('{ type: dense, units: 1, activation: sigmoid }', '{ type: dense, units: 2 }'),
    });
    const messages = problemsOf(dir, 'a.yaml').map((p) => `${p.path}: ${p.message}`);
    assert.ok(
      messages.some((m) => /^data.train: give either `source`/.test(m)),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => /add up to 1/.test(m)),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => /^model.type: a "sequential" model takes one sequence/.test(m)),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => /last layer must be dense with units: 1/.test(m)),
      messages.join('\n'),
    );
  });

  it('says which layer must return sequences', () => {
    const dir = project({
      'a.yaml': MINIMAL.replace(
        '{ type: globalAveragePooling1d }',
        '{ type: lstm, units: 4 }\n    - { type: lstm, units: 4 }',
      ),
    });
    const [p] = problemsOf(dir, 'a.yaml');
    assert.equal(p?.path, 'model.layers[2].type');
    assert.equal(p?.suggestion, 'set returnSequences: true on model.layers[1]');
  });

  it('refuses a layer of several inputs in a stack, at its type', () => {
    const dir = project({
      'a.yaml': MINIMAL.replace('{ type: globalAveragePooling1d }', '{ type: align }\n    - { type: pool }'),
    });
    const [p] = problemsOf(dir, 'a.yaml');
    assert.equal(p?.path, 'model.layers[1].type');
    assert.match(p?.message ?? '', /"align" takes 2 inputs: it can be a node of a graph model/);
  });

  it('refuses implementation: fused where the fused kernels cannot run the settings, at the field', () => {
    const dir = project({
      'a.yaml': MINIMAL.replace(
        '{ type: globalAveragePooling1d }',
        '{ type: bidirectional, layer: { type: lstm, units: 4, returnSequences: true, implementation: fused, recurrentDropout: 0.2 } }\n' +
          '    - { type: gru, units: 4, implementation: layers, dropout: 0.2 }',
      ),
    });
    const problems = problemsOf(dir, 'a.yaml');
    assert.equal(problems.length, 1, problems.map((p) => p.message).join('\n'));
    assert.equal(problems[0]?.path, 'model.layers[1].layer.implementation');
    assert.match(problems[0]?.message ?? '', /fused lstm does not support recurrentDropout/);
    assert.match(problems[0]?.suggestion ?? '', /implementation: layers/);
    assert.ok(problems[0]?.line !== undefined && problems[0]?.col !== undefined, 'line and column');
  });

  it('throws one ConfigError listing the problems', () => {
    const dir = project({ 'a.yaml': 'model: { type: sequentail }\n' });
    assert.throws(
      () => loadConfig('a.yaml', { cwd: dir }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.category === 'config' &&
        err.problems.some((p) => p.suggestion === 'did you mean "sequential"?'),
    );
  });
});

describe('--set overrides', () => {
  const dir = project({ 'a.yaml': MINIMAL });

  it('types values by the schema', () => {
    const { config, overrides } = loadConfig('a.yaml', {
      cwd: dir,
      overrides: [
        'training.batchSize=64',
        'experiment.name=64', // a string field keeps the text
        'training.metrics=[accuracy, recall]',
        'model.layers[0].outputDim=12',
        'training.optimizer.type=sgd',
      ],
    });
    assert.equal(config.training.batchSize, 64);
    assert.equal(config.experiment.name, '64');
    assert.deepEqual(config.training.metrics, ['accuracy', 'recall']);
    assert.equal(
      config.model.type === 'sequential' &&
        config.model.layers[0]?.type === 'embedding' &&
        config.model.layers[0].outputDim,
      12,
    );
    assert.equal(config.training.optimizer.type, 'sgd');
    assert.equal(overrides.length, 5);
  });

  it('refuses a value of the wrong type with the path and the expected type', () => {
    const [p, ...rest] = problemsOf(dir, 'a.yaml', ['training.batchSize=abc']);
    assert.equal(rest.length, 0);
    assert.equal(p?.source, '--set training.batchSize=abc');
    assert.equal(p?.path, 'training.batchSize');
    assert.match(p?.message ?? '', /must be an integer >= 1 \(got "abc"\)/);
  });

  it('refuses unknown paths with a suggestion, and malformed ones', () => {
    const [unknown] = problemsOf(dir, 'a.yaml', ['training.batchsize=8']);
    assert.equal(unknown?.suggestion, 'did you mean "batchSize"?');
    const [malformed] = problemsOf(dir, 'a.yaml', ['training.batchSize']);
    assert.match(malformed?.message ?? '', /expected PATH=VALUE/);
    const [outOfRange] = problemsOf(dir, 'a.yaml', ['model.layers[7].units=3']);
    assert.match(outOfRange?.message ?? '', /does not exist/);
  });
});

describe('deepMerge', () => {
  it('merges mappings and replaces everything else', () => {
    assert.deepEqual(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 }), {
      a: { b: 1, c: [3] },
      d: 1,
      e: 2,
    });
  });
});

describe('null in a derived config', () => {
  it('removes the key a base set', () => {
    const dir = project({
      'base.yaml': MINIMAL,
      'child.yaml': 'extends: base.yaml\ndata:\n  source: null\n  train: t.csv\n  test: u.csv\n',
    });
    const { config } = loadConfig('child.yaml', { cwd: dir });
    assert.equal(config.data.source, undefined);
    assert.equal(config.data.train, 't.csv');
  });
});

describe('loadConfigText', () => {
  it('loads text as loadConfig loads the same text from a file in baseDir', () => {
    const dir = project({
      'base/base.yaml': `${MINIMAL}\ntraining:\n  batchSize: 32\n`,
      'sub/a.yaml': 'extends: ../base/base.yaml\ndata:\n  test: t.csv\ntraining:\n  epochs: 3\n',
    });
    const text = 'extends: ../base/base.yaml\ndata:\n  test: t.csv\ntraining:\n  epochs: 3\n';
    const overrides = ['training.optimizer.learningRate=0.01'];
    const fromFile = loadConfig(join('sub', 'a.yaml'), { cwd: dir, overrides });
    const fromText = loadConfigText(text, { name: 'inline', baseDir: join(dir, 'sub'), cwd: dir, overrides });
    assert.deepEqual(fromText.config, fromFile.config);
    // Data paths: relative to the folder that names them, rebased to cwd.
    assert.equal(fromText.config.data.source, join('base', 'pairs.csv'));
    assert.equal(fromText.config.data.test, join('sub', 't.csv'));
    assert.equal(fromText.config.training.optimizer.learningRate, 0.01);
    assert.equal(fromText.file, 'inline');
    assert.deepEqual(fromText.files, [join('base', 'base.yaml'), 'inline']);
    assert.deepEqual(fromText.locate(['training', 'epochs']), {
      source: 'inline',
      line: 5,
      col: 11,
      path: 'training.epochs',
    });
  });

  it('baseDir is relative to cwd and defaults to it', () => {
    const dir = project({ 'sub/base.yaml': MINIMAL });
    const a = loadConfigText('extends: base.yaml\n', { name: 't', baseDir: 'sub', cwd: dir });
    assert.equal(a.config.data.source, join('sub', 'pairs.csv'));
    const b = loadConfigText(MINIMAL, { name: 't', cwd: dir });
    assert.equal(b.config.data.source, 'pairs.csv');
  });

  it('reports problems at name:line:col, with the same checks as a file', () => {
    const dir = project({ 'base.yaml': MINIMAL });
    const text = 'extends: [base.yaml, nowhere.yaml]\ntraining:\n  batchSise: 8\n';
    const check = checkConfigText(text, { name: 'spec.yaml (base)', cwd: dir });
    assert.equal(check.loaded, undefined);
    const lines = check.problems.map(formatProblem);
    assert.ok(
      lines.some((l) => l.startsWith('spec.yaml (base):1:22 extends[1]: cannot read "nowhere.yaml"')),
      lines.join('\n'),
    );
    const bad = checkConfigText('training:\n  batchSise: 8\n', { name: 'T', cwd: dir, overrides: [] });
    assert.ok(
      bad.problems.some(
        (p) => p.source === 'T' && p.line === 2 && p.suggestion === 'did you mean "batchSize"?',
      ),
      JSON.stringify(bad.problems),
    );
    assert.throws(
      () => loadConfigText(`${MINIMAL}training: { batchSize: 0 }\n`, { name: 'T', cwd: dir }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.code === 'CONFIG_INVALID' &&
        err.message === 'T: 1 problem in the config' &&
        err.problems[0]?.source === 'T' &&
        err.problems[0]?.line === 10,
    );
    const yaml = checkConfigText('training: [\n', { name: 'T', cwd: dir });
    assert.ok(yaml.problems.some((p) => p.source === 'T' && p.message.startsWith('YAML:')));
  });

  it('refuses an extends cycle that comes back through files', () => {
    const dir = project({ 'a.yaml': 'extends: b.yaml\n', 'b.yaml': 'extends: a.yaml\n' });
    const check = checkConfigText('extends: a.yaml\n', { name: 'T', cwd: dir });
    assert.ok(
      check.problems.some((p) => /cycle: a\.yaml → b\.yaml → a\.yaml/.test(p.message)),
      JSON.stringify(check.problems),
    );
  });
});
