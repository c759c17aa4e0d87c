import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type LoadedConfig, loadConfig } from '../../src/config/load.js';
import { layers } from '../../src/registry/layers.js';
import { RUN_FILES } from '../../src/runs/folder.js';
import { train } from '../../src/train/trainer.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

/**
 * Every shipped config (configs/*.yaml) and a stack for every registered layer trains on wasm and
 * on cpu: two epochs on 48 rows, at tiny sizes. Each run completes with finite losses, every
 * weight tensor moves in the second epoch (a gradient that is missing or zero shows as a weight
 * that stays put), and the two backends agree on the losses to 1e-5 (a wrong gradient kernel on
 * one shows as a different loss: they differ by about 1e-8, and by 7e-3 with tfjs' own wasm
 * MaxPoolGrad).
 */

const BACKENDS = ['wasm', 'cpu'] as const;
const SYNTHETIC = join(PROJECT_ROOT, 'data', 'qqp-synthetic.csv');
const ROWS = 48;
/** Layer sizes above this are cut down to it. */
const SMALL = 4;
const TINY_RUN = [
  `data.limit=${ROWS}`,
  'data.encoding.maxLength=8',
  'data.vocabulary.maxSize=200',
  'training.epochs=2',
  'training.batchSize=8',
];

/** Moving statistics (batch normalization) follow the data, not the gradient. */
const NOT_TRAINED = /moving_(mean|variance)/;

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'qqp-every-'));
}

/** `--set` overrides shrinking every units / outputDim / filters above SMALL in a model section. */
function shrinking(value: unknown, path: string): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => shrinking(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => {
    if (['units', 'outputDim', 'filters'].includes(key) && typeof v === 'number' && v > SMALL) {
      return [`${path}.${key}=${SMALL}`];
    }
    return shrinking(v, `${path}.${key}`);
  });
}

/** model.json + weights.bin of a saved model, as one Float32Array per weight name. */
function savedWeights(dir: string): Map<string, Float32Array> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
    weightsManifest: { weights: { name: string; shape: number[]; dtype: string }[] }[];
  };
  const bin = readFileSync(join(dir, 'weights.bin'));
  const bytes = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  const out = new Map<string, Float32Array>();
  let offset = 0;
  for (const w of json.weightsManifest.flatMap((m) => m.weights)) {
    assert.equal(w.dtype, 'float32', w.name);
    const n = w.shape.reduce((a, b) => a * b, 1);
    out.set(w.name, new Float32Array(bytes, offset, n));
    offset += n * 4;
  }
  assert.equal(offset, bytes.byteLength, 'weights.bin holds exactly the manifest’s weights');
  return out;
}

interface Trained {
  losses: number[];
  epochLosses: number[];
}

/** Trains two epochs; asserts finite losses and that every trained weight moved in epoch 2. */
async function trainTwoEpochs(loaded: LoadedConfig, backend: (typeof BACKENDS)[number]): Promise<Trained> {
  const losses: number[] = [];
  const epochLosses: number[] = [];
  let afterFirst: Map<string, Float32Array> | undefined;
  let dir = '';
  const result = await train({
    experimentsDir: tmp(),
    loaded,
    backend,
    onEvent: (e) => {
      if (e.type === 'run') dir = e.dir;
      if (e.type === 'batch') losses.push(e.loss);
      if (e.type === 'epochEnd') {
        epochLosses.push(e.record.loss ?? Number.NaN);
        // The last model is saved before the event: copy it before the next epoch replaces it.
        if (e.record.epoch === 1) afterFirst = savedWeights(join(dir, RUN_FILES.lastModel));
      }
    },
  });
  assert.equal(result.status, 'completed');
  assert.equal(result.backend.name, backend);
  assert.equal(epochLosses.length, 2);
  assert.ok(losses.length >= 2 * Math.floor((ROWS * 0.5) / 8), `only ${losses.length} batches`);
  for (const l of [...losses, ...epochLosses]) assert.ok(Number.isFinite(l), `loss ${l}`);
  assert.ok(Number.isFinite(result.summary.test?.logLoss), 'test log loss');
  assert.ok(afterFirst);
  const last = savedWeights(join(result.dir, RUN_FILES.lastModel));
  assert.deepEqual([...last.keys()], [...afterFirst.keys()]);
  for (const [name, values] of last) {
    if (NOT_TRAINED.test(name)) continue;
    const before = afterFirst.get(name)!;
    assert.ok(
      values.some((v, i) => v !== before[i]),
      `${backend}: weight ${name} did not change in epoch 2`,
    );
  }
  return { losses, epochLosses };
}

/** Trains on every backend and compares their epoch losses. */
async function trainsOnEveryBackend(load: () => LoadedConfig): Promise<void> {
  const runs: Trained[] = [];
  for (const backend of BACKENDS) runs.push(await trainTwoEpochs(load(), backend));
  const [wasm, cpu] = runs as [Trained, Trained];
  wasm.epochLosses.forEach((l, i) => {
    const c = cpu.epochLosses[i]!;
    assert.ok(Math.abs(l - c) <= 1e-5 * Math.max(1, Math.abs(c)), `epoch ${i + 1} loss: wasm ${l}, cpu ${c}`);
  });
}

describe('every config in configs/ trains', () => {
  const dir = join(PROJECT_ROOT, 'configs');
  // Top level only: configs/shared-qqp needs the real data, configs/sweeps holds sweep specs.
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

  it('finds the shipped configs', () => {
    assert.ok(files.length >= 4, `only ${files.length} configs: ${files}`);
    assert.ok(files.includes('cnn.yaml'));
  });

  for (const file of files) {
    it(`${file}, on ${BACKENDS.join(' and ')}`, async () => {
      const path = join(dir, file);
      const shrink = shrinking(loadConfig(path).config.model, 'model');
      await trainsOnEveryBackend(() => loadConfig(path, { overrides: [...TINY_RUN, ...shrink] }));
    });
  }
});

const EMB = { type: 'embedding', outputDim: SMALL };
const OUT = { type: 'dense', units: 1, activation: 'sigmoid' };

type Model = Record<string, unknown>;
const seq = (...stack: object[]): Model => ({ type: 'sequential', layers: [EMB, ...stack, OUT] });

/**
 * A graph merging the two questions with `type`: on their embedded sequences (then an LSTM) or on
 * their LSTM encodings (one LSTM shared by both questions).
 */
function graphMerging(type: string, sequences: boolean): Model {
  const nodes: object[] = [
    { name: 'e1', ...EMB, inputs: ['question1'] },
    { name: 'e2', share: 'e1', inputs: ['question2'] },
  ];
  if (sequences) {
    nodes.push(
      { name: 'm', type, inputs: ['e1', 'e2'] },
      { name: 'r', type: 'lstm', units: 3, inputs: ['m'] },
    );
  } else {
    nodes.push(
      { name: 'r1', type: 'lstm', units: 3, inputs: ['e1'] },
      { name: 'r2', share: 'r1', inputs: ['e2'] },
      { name: 'm', type, inputs: ['r1', 'r2'] },
    );
  }
  nodes.push({ name: 'out', ...OUT, inputs: [sequences ? 'r' : 'm'] });
  return { type: 'graph', nodes };
}

/** Both questions embedded (padding masked) and aligned (`al.0`, `al.1`), then `rest`. */
function graphAligned(rest: object[], align: object = { scale: 'sqrt' }): Model {
  return {
    type: 'graph',
    nodes: [
      { name: 'e1', ...EMB, maskZero: true, inputs: ['question1'] },
      { name: 'e2', share: 'e1', inputs: ['question2'] },
      { name: 'al', type: 'align', ...align, inputs: ['e1', 'e2'] },
      ...rest,
    ],
  };
}

/**
 * Models that train each registered layer, several where its options take other gradient paths:
 * fused and tfjs-layers recurrent cells, conv1d with strides, dilations and both paddings, max
 * pooling over negative values (linear conv1d below it) and with overlapping windows, and a siamese
 * encoder (one conv1d filter's gradient from both questions).
 */
const STACKS: Record<keyof typeof layers.byName, Model[]> = {
  embedding: [seq({ type: 'flatten' }), seq({ type: 'lstm', units: 3 })],
  lstm: [seq({ type: 'lstm', units: 3 }), seq({ type: 'lstm', units: 3, implementation: 'layers' })],
  gru: [
    seq({ type: 'gru', units: 3, goBackwards: true }),
    seq({ type: 'gru', units: 3, implementation: 'layers' }),
  ],
  simpleRnn: [seq({ type: 'simpleRnn', units: 3 })],
  bidirectional: [
    seq(
      { type: 'bidirectional', mergeMode: 'sum', layer: { type: 'gru', units: 3, returnSequences: true } },
      { type: 'globalMaxPooling1d' },
    ),
    seq({ type: 'bidirectional', layer: { type: 'lstm', units: 3 } }),
  ],
  dense: [
    seq(
      { type: 'flatten' },
      { type: 'dense', units: 3, activation: 'relu', kernelRegularizer: { l2: 0.01 } },
    ),
  ],
  dropout: [seq({ type: 'flatten' }, { type: 'dropout', rate: 0.3 })],
  spatialDropout1d: [seq({ type: 'spatialDropout1d', rate: 0.2 }, { type: 'flatten' })],
  conv1d: [
    seq(
      { type: 'conv1d', filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' },
      { type: 'flatten' },
    ),
    seq({ type: 'conv1d', filters: 3, kernelSize: 2, strides: 2 }, { type: 'flatten' }),
    seq(
      { type: 'conv1d', filters: 3, kernelSize: 2, dilationRate: 2, padding: 'same', activation: 'tanh' },
      { type: 'globalMaxPooling1d' },
    ),
    {
      type: 'siamese',
      encoder: [EMB, { type: 'conv1d', filters: 3, kernelSize: 3 }, { type: 'globalAveragePooling1d' }],
      combine: ['absDiff', 'mul'],
      head: [OUT],
    },
  ],
  maxPooling1d: [
    seq(
      { type: 'conv1d', filters: 3, kernelSize: 2 },
      { type: 'maxPooling1d', poolSize: 2 },
      { type: 'flatten' },
    ),
    seq({ type: 'maxPooling1d', poolSize: 3, strides: 2, padding: 'same' }, { type: 'flatten' }),
  ],
  globalMaxPooling1d: [seq({ type: 'globalMaxPooling1d' })],
  globalAveragePooling1d: [seq({ type: 'globalAveragePooling1d' })],
  batchNormalization: [seq({ type: 'flatten' }, { type: 'batchNormalization' })],
  layerNormalization: [seq({ type: 'layerNormalization' }, { type: 'flatten' })],
  flatten: [seq({ type: 'flatten' })],
  concat: [graphMerging('concat', true), graphMerging('concat', false)],
  add: [graphMerging('add', true)],
  subtract: [graphMerging('subtract', false)],
  multiply: [graphMerging('multiply', false)],
  absDiff: [graphMerging('absDiff', true)],
  pool: (['max', 'mean', 'sum'] as const).map((mode) => ({
    type: 'sequential',
    layers: [
      { ...EMB, maskZero: true },
      { type: 'lstm', units: 3, returnSequences: true },
      { type: 'pool', mode },
      OUT,
    ],
  })),
  highway: [
    seq({ type: 'highway', activation: 'tanh' }, { type: 'pool', mode: 'mean' }),
    seq({ type: 'flatten' }, { type: 'highway' }),
  ],
  // Layers of several inputs: nodes of a graph model only (src/registry/layers.ts arity).
  align: [
    graphAligned([
      { name: 'p1', type: 'pool', mode: 'max', inputs: ['al.0'] },
      { name: 'p2', type: 'pool', mode: 'mean', inputs: ['al.1'] },
      { name: 'c', type: 'concat', inputs: ['p1', 'p2'] },
      { name: 'out', ...OUT, inputs: ['c'] },
    ]),
    graphAligned(
      [
        { name: 'p1', type: 'pool', inputs: ['al.0'] },
        { name: 'p2', share: 'p1', inputs: ['al.1'] },
        { name: 'm', type: 'absDiff', inputs: ['p1', 'p2'] },
        { name: 'out', ...OUT, inputs: ['m'] },
      ],
      { scale: 'learned', projectionUnits: 3, projectionActivation: 'tanh' },
    ),
  ],
  enhance: [
    graphAligned([
      { name: 'm1', type: 'enhance', inputs: ['e1', 'al.0'] },
      { name: 'm2', share: 'm1', inputs: ['e2', 'al.1'] },
      { name: 'r1', type: 'lstm', units: 3, inputs: ['m1'] },
      { name: 'r2', share: 'r1', inputs: ['m2'] },
      { name: 'c', type: 'concat', inputs: ['r1', 'r2'] },
      { name: 'out', ...OUT, inputs: ['c'] },
    ]),
  ],
  residual: [
    {
      type: 'graph',
      nodes: [
        { name: 'e1', ...EMB, maskZero: true, inputs: ['question1'] },
        { name: 'e2', share: 'e1', inputs: ['question2'] },
        // Widths 4 and 3: x goes through the residual's projection.
        { name: 'd1', type: 'dense', units: 3, activation: 'relu', inputs: ['e1'] },
        { name: 'd2', share: 'd1', inputs: ['e2'] },
        { name: 'r1', type: 'residual', inputs: ['e1', 'd1'] },
        { name: 'r2', share: 'r1', inputs: ['e2', 'd2'] },
        { name: 'p1', type: 'pool', mode: 'mean', inputs: ['r1'] },
        { name: 'p2', share: 'p1', inputs: ['r2'] },
        { name: 'm', type: 'multiply', inputs: ['p1', 'p2'] },
        { name: 'out', ...OUT, inputs: ['m'] },
      ],
    },
  ],
  augmentedResidual: [
    graphAligned([
      { name: 'a1', type: 'augmentedResidual', inputs: ['e1', 'al.0'] },
      { name: 'd2', type: 'dense', units: SMALL, activation: 'tanh', inputs: ['e2'] },
      { name: 'a2', type: 'augmentedResidual', inputs: ['e2', 'al.1', 'd2'] },
      { name: 'p1', type: 'pool', inputs: ['a1'] },
      { name: 'p2', share: 'p1', inputs: ['a2'] },
      { name: 'c', type: 'concat', inputs: ['p1', 'p2'] },
      { name: 'out', ...OUT, inputs: ['c'] },
    ]),
  ],
};

/** A config file (JSON is YAML) for one model on the tiny data. */
function layerConfig(name: string, model: Model): string {
  const file = join(tmp(), `${name}.yaml`);
  const config = {
    experiment: { name, seed: 3 },
    data: {
      source: SYNTHETIC,
      split: { train: 0.75, test: 0.25, seed: 1 },
      encoding: { pair: model.type === 'sequential' ? 'concat' : 'separate' },
    },
    model,
    training: { optimizer: { type: 'adam', learningRate: 0.01 } },
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

describe('every registered layer trains', () => {
  it('has a stack for each layer type', () => {
    assert.deepEqual(Object.keys(STACKS).sort(), Object.keys(layers.byName).sort());
    for (const [type, models] of Object.entries(STACKS)) {
      assert.ok(models.length > 0, `${type} has no model that trains it`);
      const arity = (layers.byName[type as keyof typeof layers.byName] as { arity?: { min: number } }).arity;
      // A layer of several inputs trains in a graph (a stack cannot give it them).
      if ((arity?.min ?? 1) > 1)
        assert.ok(
          models.every((m) => m.type === 'graph'),
          type,
        );
    }
  });

  for (const [type, models] of Object.entries(STACKS)) {
    models.forEach((model, i) => {
      const name = `${type}-${i + 1}`;
      it(`${name}, on ${BACKENDS.join(' and ')}`, async () => {
        const file = layerConfig(name, model);
        await trainsOnEveryBackend(() => loadConfig(file, { overrides: TINY_RUN }));
      });
    });
  }
});
