import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { differingPaths, flattenConfig, pathMatches, shortLabels } from '../../src/report/flatten.js';

describe('flattenConfig', () => {
  it('flattens objects by dots, lists of objects by index, and keeps lists of plain values whole', () => {
    const flat = flattenConfig({
      training: { optimizer: { type: 'adam', learningRate: 0.001 }, metrics: ['accuracy', 'recall'] },
      model: {
        layers: [
          { type: 'embedding', outputDim: 8 },
          { type: 'bidirectional', layer: { type: 'lstm', units: 6 } },
        ],
      },
      experiment: { tags: [] },
    });
    assert.deepEqual(Object.fromEntries(flat), {
      'training.optimizer.type': 'adam',
      'training.optimizer.learningRate': 0.001,
      'training.metrics': '[accuracy, recall]',
      'model.layers[0].type': 'embedding',
      'model.layers[0].outputDim': 8,
      'model.layers[1].type': 'bidirectional',
      'model.layers[1].layer.type': 'lstm',
      'model.layers[1].layer.units': 6,
      'experiment.tags': '[]',
    });
  });
});

describe('differingPaths', () => {
  it('finds values that differ, and paths only some configs have', () => {
    const a = flattenConfig({ t: { lr: 0.001, batch: 32, same: 'x' }, layers: [{ units: 6 }] });
    const b = flattenConfig({ t: { lr: 0.01, batch: 32, same: 'x' }, layers: [{ units: 6 }, { units: 1 }] });
    const c = flattenConfig({ t: { lr: 0.001, batch: 32, same: 'x' }, layers: [{ units: 6 }] });
    assert.deepEqual(differingPaths([a, b, c]), ['t.lr', 'layers[1].units']);
    assert.deepEqual(differingPaths([a, c]), []);
  });
});

describe('shortLabels', () => {
  it('uses the shortest unique tail, keeps list entries, and avoids reserved names', () => {
    const labels = shortLabels(
      ['training.optimizer.learningRate', 'training.epochs', 'model.layers[1].units', 'a.type', 'b.type'],
      ['epochs'],
    );
    assert.deepEqual(Object.fromEntries(labels), {
      'training.optimizer.learningRate': 'learningRate',
      'training.epochs': 'training.epochs',
      'model.layers[1].units': 'layers[1].units',
      'a.type': 'a.type',
      'b.type': 'b.type',
    });
  });
});

describe('pathMatches', () => {
  it('matches a path and everything under it, not siblings that share a prefix', () => {
    assert.ok(pathMatches('training.optimizer.type', 'training.optimizer'));
    assert.ok(pathMatches('model.layers[1].units', 'model.layers'));
    assert.ok(pathMatches('training.epochs', 'training.epochs'));
    assert.ok(!pathMatches('training.optimizerX', 'training.optimizer'));
  });
});
