import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { summarizeConfig } from '../../src/model/summary.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

const CONFIGS = join(PROJECT_ROOT, 'test', 'fixtures', 'configs');

describe('model summary of a graph, without data', () => {
  it('names each output of align as node.0 / node.1 in "Connected to", and counts a share once', async () => {
    const s = await summarizeConfig(loadConfig(join(CONFIGS, 'graph-esim.yaml')));
    const row = (name: string) => s.layers.find((l) => l.name === name);
    assert.deepEqual(row('align')?.connectedTo, ['enc1', 'enc2']);
    assert.deepEqual(row('align')?.outputShape, [
      [null, 8, 8],
      [null, 8, 8],
    ]);
    assert.deepEqual(row('m1')?.connectedTo, ['enc1', 'align.0']);
    assert.deepEqual(row('m2')?.connectedTo, ['enc2', 'align.1']);
    assert.equal(row('comp2')?.sharedWith, 'comp1');
    assert.equal(row('comp2')?.params, 0);
    assert.equal(
      s.totalParams,
      s.layers.reduce((n, l) => n + l.params, 0),
    );
  });

  it('sizes the features input from data.features.pair in the config', async () => {
    const s = await summarizeConfig(loadConfig(join(CONFIGS, 'graph-features.yaml')));
    const row = (name: string) => s.layers.find((l) => l.name === name);
    assert.deepEqual(row('features')?.outputShape, [null, 21]);
    assert.deepEqual(row('exactMatch1_steps')?.outputShape, [null, 8, 1]);
    assert.deepEqual(row('combined')?.connectedTo, ['u', 'v', 'diff', 'features']);
  });
});
