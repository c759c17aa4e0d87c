import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readRun } from '../../src/report/read.js';
import { configFull, configInShort, epochTable, layerBrief, learningCurves } from '../../src/report/show.js';
import { standardExperiments } from './fixture.js';

function runB() {
  return readRun(join(standardExperiments().dir, '20261102-100000-b'));
}

describe('show', () => {
  it('gives the config in short: model as a chain of layers, training in one line', () => {
    const lines = Object.fromEntries(configInShort(runB().config).map((l) => [l.key, l.value]));
    assert.equal(
      lines.model,
      'sequential: embedding(outputDim=8) → lstm(units=6) → dense(units=1, activation=sigmoid)',
    );
    assert.equal(
      lines.training,
      'epochs 3, batchSize 32, adam lr 0.01, loss binaryCrossentropy, backend cpu',
    );
    assert.equal(lines.experiment, 'name tiny, seed 7');
    assert.equal(configInShort(null).length, 0);
  });

  it('describes wrapped layers and siamese models', () => {
    assert.equal(
      layerBrief({
        type: 'bidirectional',
        layer: { type: 'lstm', units: 64, returnSequences: true },
        mergeMode: 'concat',
      }),
      'bidirectional(lstm(units=64, returnSequences=true), mergeMode=concat)',
    );
    const lines = configInShort({
      model: {
        type: 'siamese',
        encoder: [{ type: 'embedding', outputDim: 64 }],
        combine: ['u', 'v'],
        head: [{ type: 'dense', units: 1 }],
      },
    });
    assert.deepEqual(lines, [
      {
        key: 'model',
        value: 'siamese: encoder embedding(outputDim=64); combine [u, v]; head dense(units=1)',
      },
    ]);
  });

  it('lists every value with --full', () => {
    const full = configFull(runB().config);
    assert.ok(full.some((l) => l.key === 'training.optimizer.learningRate' && l.value === '0.01'));
  });

  it('tabulates the epochs, each metric beside its validation twin, the best epoch starred', () => {
    const t = epochTable(runB());
    assert.deepEqual(t.head, ['epoch', 'loss', 'val_loss', 'accuracy', 'val_accuracy', 'lr', 'time', 'ex/s']);
    assert.deepEqual(
      t.rows.map((r) => r[0]),
      ['1', '2 *', '3'],
    );
    assert.deepEqual(t.rows[1]!.slice(1, 5), ['0.4500', '0.5200', '0.7500', '0.7400']);
  });

  it('draws loss and accuracy curves, train against validation', () => {
    const charts = learningCurves(runB(), { color: false, width: 30 });
    assert.equal(charts.length, 2);
    assert.match(charts[0]!, /^loss {3}\* train {2}o validation\n/);
    assert.match(charts[1]!, /^accuracy {3}\* train {2}o validation\n/);
    for (const c of charts) {
      assert.ok(c.includes('*') && c.includes('o'));
      assert.match(c, /epoch$/);
    }
    // The loss chart's top label is the largest loss drawn (train's first epoch).
    assert.match(charts[0]!.split('\n')[1]!, /^0\.650 ┤/);
  });
});
