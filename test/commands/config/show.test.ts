import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { runCli, runCliJson } from '../../helpers/cli.js';

describe('qqp config show', () => {
  it('prints the resolved config with defaults and overrides, as YAML and as JSON', () => {
    const r = runCli(['config', 'show', 'configs/gru.yaml', '--set', 'training.batchSize=64']);
    assert.equal(r.code, 0, r.stderr);
    const shown = YAML.parse(r.stdout);
    assert.equal(shown.training.batchSize, 64);
    assert.equal(shown.training.optimizer.learningRate, 0.001); // default filled
    assert.equal(shown.model.layers[1].layer.type, 'gru'); // from gru.yaml
    assert.equal(shown.data.source, 'data/qqp-synthetic.csv'); // from bilstm.yaml, rebased
    assert.equal(shown.extends, undefined);
    const j = runCliJson<{ experiment: { name: string } }>(['config', 'show', 'configs/gru.yaml']);
    assert.equal(j.json.experiment.name, 'gru');
  });
});

describe('qqp registry', () => {
  it('lists components as a table and as JSON', () => {
    const r = runCli(['registry', 'optimizers']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /adamax/);
    assert.match(r.stdout, /learningRate/);
    const j = runCliJson<{ layers: { name: string }[]; metrics: { name: string }[] }>(['registry']);
    assert.ok(j.json.layers.some((l) => l.name === 'bidirectional'));
    assert.ok(j.json.metrics.some((m) => m.name === 'recall'));
  });

  it('fits its tables to the width (COLUMNS when not a terminal, else 100), wrapping long cells', () => {
    for (const [columns, width] of [
      [undefined, 100],
      ['72', 72],
    ] as const) {
      const r = runCli(['registry'], { env: { COLUMNS: columns } });
      assert.equal(r.code, 0, r.stderr);
      const widest = Math.max(...r.stdout.split('\n').map((l) => [...l].length));
      assert.ok(widest <= width, `${widest} > ${width}`);
      assert.ok(widest >= width - 10, `tables use the width: ${widest}`);
    }
  });
});
