import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import * as tfc from '@tensorflow/tfjs-core';
import { useInspectionBackend } from '../../src/backend/index.js';
import { FastOrthogonal } from '../../src/backend/orthogonal.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { validateConfig } from '../../src/config/validate.js';
import { registryCatalog } from '../../src/registry/catalog.js';
import { layers } from '../../src/registry/layers.js';
import { models } from '../../src/registry/models.js';
import { losses, metrics } from '../../src/registry/objectives.js';
import { buildOptimizer, optimizers } from '../../src/registry/optimizers.js';
import { defineRegistry } from '../../src/registry/types.js';

describe('registry', () => {
  it('refuses a name registered twice', () => {
    assert.throws(() => {
      const entry = { name: 'dense', description: 'd', params: Type.Object({}) };
      defineRegistry('layer', [entry, { ...entry }], { title: 'layer', description: 'layers' });
    }, /"dense" is registered twice/);
  });

  it('has the layers, optimizers and model shapes the tool promises', () => {
    for (const name of [
      'embedding',
      'lstm',
      'gru',
      'simpleRnn',
      'bidirectional',
      'dense',
      'dropout',
      'spatialDropout1d',
      'conv1d',
      'maxPooling1d',
      'globalMaxPooling1d',
      'globalAveragePooling1d',
      'batchNormalization',
      'layerNormalization',
      'flatten',
      'concat',
      'add',
      'subtract',
      'multiply',
      'absDiff',
    ]) {
      assert.ok(name in layers.byName, name);
    }
    assert.deepEqual(Object.keys(optimizers.byName).sort(), [
      'adadelta',
      'adagrad',
      'adam',
      'adamax',
      'rmsprop',
      'sgd',
    ]);
    assert.deepEqual(Object.keys(models.byName).sort(), ['graph', 'sequential', 'siamese']);
    for (const m of ['accuracy', 'precision', 'recall']) assert.ok(m in metrics.byName, m);
    assert.ok('binaryCrossentropy' in losses.byName);
  });

  it('generates the schema from the registry: every layer name, no other', () => {
    const layerUnion = (
      ConfigSchema.properties.model as unknown as {
        oneOf: {
          properties: { layers?: { items: { oneOf: { properties: { type: { const: string } } }[] } } };
        }[];
      }
    ).oneOf[0]?.properties.layers?.items.oneOf.map((b) => b.properties.type.const);
    assert.deepEqual(layerUnion?.sort(), Object.keys(layers.byName).sort());
  });

  it('describes every parameter with a description, and every optional one with a default', () => {
    const catalog = registryCatalog();
    assert.deepEqual(
      catalog.layers.map((l) => l.name),
      Object.keys(layers.byName),
    );
    for (const kind of ['models', 'layers', 'optimizers'] as const) {
      for (const c of catalog[kind]) {
        assert.ok(c.description.length > 0, c.name);
        for (const p of c.params) {
          assert.ok(p.description.length > 0, `${c.name}.${p.name} has no description`);
          assert.ok(p.type.length > 0, `${c.name}.${p.name} has no type`);
        }
      }
    }
    const lstm = catalog.layers.find((l) => l.name === 'lstm');
    assert.equal(lstm?.params.find((p) => p.name === 'recurrentActivation')?.default, 'sigmoid');
    assert.equal(lstm?.params.find((p) => p.name === 'units')?.required, true);
  });

  it('builds every optimizer with its defaults, and each takes a step', async () => {
    await useInspectionBackend();
    for (const type of Object.keys(optimizers.byName)) {
      const { config, issues } = validateConfig({
        model: { type: 'sequential', layers: [] },
        training: { optimizer: { type } },
      });
      // `layers: []` is invalid, but the optimizer part is filled with defaults all the same.
      assert.ok(
        issues.every((i) => i.path[0] === 'model'),
        JSON.stringify(issues),
      );
      const opt = buildOptimizer(config.training.optimizer);
      const w = tfc.variable(tfc.scalar(1));
      opt.minimize(() => tfc.square(w) as tfc.Scalar);
      assert.ok(w.dataSync()[0]! < 1, `${type} did not move the weight`);
      w.dispose();
      opt.dispose();
    }
  });

  it('centered RMSProp divides by sqrt(ms - mg² + epsilon), as TensorFlow does (tfjs alone gives NaN)', async () => {
    await useInspectionBackend();
    const step = (gradient: number): number => {
      const { config } = validateConfig({
        model: { type: 'sequential', layers: [] },
        training: { optimizer: { type: 'rmsprop', centered: true, learningRate: 0.001 } },
      });
      const opt = buildOptimizer(config.training.optimizer);
      const w = tfc.variable(tfc.scalar(1));
      opt.minimize(() => tfc.mul(w, gradient) as tfc.Scalar);
      const moved = 1 - (w.dataSync()[0] as number);
      w.dispose();
      opt.dispose();
      return moved;
    };
    // One step from zero state, rho 0.9: ms = 0.1 g², mg = 0.1 g.
    const expected = (g: number) => (0.001 * g) / Math.sqrt(0.1 * g * g - 0.01 * g * g + 1e-7);
    for (const g of [2, 1e-6]) {
      const moved = step(g);
      assert.ok(Number.isFinite(moved), `gradient ${g}: the weight became ${1 - moved}`);
      assert.ok(
        Math.abs(moved - expected(g)) <= 1e-5 * expected(g) + 1.2e-7 /* a float32 step of w near 1 */,
        `gradient ${g}: moved ${moved}, expected ${expected(g)}`,
      );
    }
  });
});

describe('FastOrthogonal', () => {
  it('gives orthonormal kernels of any shape, seeded, under the standard class name', async () => {
    await useInspectionBackend();
    for (const shape of [
      [64, 256],
      [256, 64],
      [5, 5],
    ] as [number, number][]) {
      const w = new FastOrthogonal({ seed: 3, gain: 1 }).apply(shape) as tfc.Tensor2D;
      const gram = shape[0] >= shape[1] ? tfc.matMul(w, w, true, false) : tfc.matMul(w, w, false, true);
      const err = tfc.max(tfc.abs(tfc.sub(gram, tfc.eye(gram.shape[0])))).dataSync()[0]!;
      assert.ok(err < 1e-5, `${shape}: max |WᵀW − I| = ${err}`);
    }
    const a = new FastOrthogonal({ seed: 3 }).apply([4, 4]).dataSync();
    const b = new FastOrthogonal({ seed: 3 }).apply([4, 4]).dataSync();
    assert.deepEqual(Array.from(a), Array.from(b));
    assert.equal(new FastOrthogonal({ seed: 3 }).getClassName(), 'Orthogonal');
  });
});
