import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkConfigText, loadConfigText } from '../../src/config/load.js';
import { applyOverrides } from '../../src/config/overrides.js';
import { formatProblem } from '../../src/errors.js';

const BASE = `
data:
  source: pairs.csv
  limit: 100
model:
  type: sequential
  layers:
    - { type: embedding, outputDim: 8 }
    - { type: globalAveragePooling1d }
    - { type: dense, units: 1, activation: sigmoid }
training:
  epochs: 3
`;

function load(overrides: string[]) {
  return loadConfigText(BASE, { name: 'base.yaml', overrides, cwd: '/tmp' });
}

describe('--set PATH=null', () => {
  it('removes the key, so the default applies, as `key: null` in a file does', () => {
    assert.equal(load([]).config.training.epochs, 3);
    assert.equal(load(['training.epochs=null']).config.training.epochs, 10);
    assert.equal(load(['training.epochs=~']).config.training.epochs, 10);
  });

  it('leaves an optional key absent', () => {
    assert.equal(load([]).config.data.limit, 100);
    assert.equal('limit' in load(['data.limit=null']).config.data, false);
  });

  it('on a string field too (not the text "null")', () => {
    const config = { experiment: { name: 'x' } };
    const { problems } = applyOverrides(config, ['experiment.name=null']);
    assert.deepEqual(problems, []);
    assert.deepEqual(config, { experiment: {} });
  });

  it('of an absent key is no change, and a later --set sets it again', () => {
    assert.equal(load(['experiment.description=null']).config.training.epochs, 3);
    assert.equal(load(['training.epochs=null', 'training.epochs=4']).config.training.epochs, 4);
  });

  it('of a required key says it is missing', () => {
    const { problems } = checkConfigText(BASE, { name: 'base.yaml', overrides: ['model=null'], cwd: '/tmp' });
    assert.match(problems.map(formatProblem).join('\n'), /missing required key "model"/);
  });

  it('of a list item is refused with what to do instead', () => {
    const { problems } = applyOverrides(structuredClone({ training: { metrics: ['accuracy'] } }), [
      'training.metrics[0]=null',
    ]);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.message, /a list item cannot be removed with null; set the whole list/);
  });
});

describe('--set with a number out of range', () => {
  it('says so, with the number as written (not "got null")', () => {
    const { problems } = checkConfigText(BASE, {
      name: 'base.yaml',
      overrides: ['training.epochs=1e400', 'training.metrics=[accuracy, -1e999]'],
      cwd: '/tmp',
    });
    const lines = problems.map(formatProblem);
    assert.ok(
      lines.includes(
        '--set training.epochs=1e400 training.epochs: the number is out of range (got 1e400): numbers beyond about ±1.8e308 cannot be represented',
      ),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => l.includes('(got -1e999)')),
      lines.join('\n'),
    );
    assert.ok(!lines.some((l) => l.includes('got null')), lines.join('\n'));
  });

  it('YAML infinity, meant as such, is refused by the schema as Infinity', () => {
    const { problems } = checkConfigText(BASE, {
      name: 'base.yaml',
      overrides: ['training.epochs=.inf'],
      cwd: '/tmp',
    });
    assert.match(
      problems.map(formatProblem).join('\n'),
      /training\.epochs: must be an integer .*\(got Infinity\)/,
    );
  });
});
