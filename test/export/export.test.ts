/**
 * `qqp export`: the exported folder, loaded by plain @tensorflow/tfjs in a separate Node process (no
 * qqp code, no qqp layer classes registered but by predict.js itself) and by index.html in headless
 * Chromium, gives the probabilities `qqp predict` gives (predictPairs, the library call behind it)
 * to 1e-5: for the reference shape (sequential, fused LSTM), a siamese BiLSTM, an ESIM-like graph
 * (align, enhance, masked pooling), a graph with a repeat block (augmented residuals, projected align
 * with a learned temperature), a graph with pair features and exact-match bits, and a model with a
 * frozen pretrained embedding and vector pair features.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { predictPairs } from '../../src/eval/predict.js';
import { exportRun, stockTopology } from '../../src/export/export.js';
import { train } from '../../src/train/trainer.js';
import { PROJECT_ROOT, runCli, runCliJson } from '../helpers/cli.js';
import { dumpDom, findChromium } from '../report/fixture.js';

const CONFIGS = join(PROJECT_ROOT, 'test', 'fixtures', 'configs');
const TFJS = join(PROJECT_ROOT, 'node_modules', '@tensorflow', 'tfjs');
const TOLERANCE = 1e-5;

/** Pairs that exercise the tokenizer: punctuation, case, numbers, contractions, unseen words, a question longer than maxLength, and a repeated pair. */
const PAIRS = [
  { question1: 'How do I learn Go?', question2: 'What is the best way to learn Go?' },
  { question1: 'Why is the sky blue?', question2: "What's the reason the SKY looks blue??" },
  { question1: 'Is 2 + 2 = 4 in 2019?', question2: 'Does 2+2 equal 4?' },
  {
    question1: "I can't sleep, what should I do?",
    question2: 'How do I cure insomnia quickly and safely at home?',
  },
  {
    question1: 'zyxqv wobblefrump glorp?',
    question2:
      'How can I become a data scientist after working for years as a teacher in a small town school?',
  },
  { question1: '  How do I learn Go?  ', question2: 'What is the best way to learn Go?' },
];

let tmp: string;
let experimentsDir: string;
const runs: Record<string, string> = {};

function siameseConfig(): string {
  return `experiment: { name: siamese-tiny, seed: 3 }
data:
  source: ${join(PROJECT_ROOT, 'data', 'qqp-synthetic.csv')}
  limit: 300
  split: { train: 0.7, validation: 0.15, test: 0.15, seed: 1 }
  encoding: { pair: separate, maxLength: 8 }
  vocabulary: { maxSize: 300 }
model:
  type: siamese
  encoder:
    - { type: embedding, outputDim: 6, maskZero: true }
    - type: bidirectional
      layer: { type: lstm, units: 4 }
  combine: [u, v, absDiff, mul]
  head:
    - { type: dense, units: 6, activation: relu }
    - { type: dense, units: 1, activation: sigmoid }
training: { epochs: 1, batchSize: 32, backend: cpu }
`;
}

/** Frozen pretrained vectors in the embedding, and the vector pair features from the same file. */
function vectorsConfig(vectors: string): string {
  return `experiment: { name: vectors-tiny, seed: 4 }
data:
  source: ${join(PROJECT_ROOT, 'data', 'qqp-synthetic.csv')}
  limit: 300
  split: { train: 0.7, validation: 0.15, test: 0.15, seed: 1 }
  encoding: { pair: separate, maxLength: 8 }
  vocabulary: { maxSize: 300 }
  features: { pair: [jaccard, wordTfidf, softAlign, vectorCosine], vectors: { source: ${vectors} } }
model:
  type: graph
  nodes:
    - { name: embed1, type: embedding, inputs: [question1], outputDim: 5, maskZero: true, pretrained: { source: ${vectors}, trainable: false } }
    - { name: embed2, share: embed1, inputs: [question2] }
    - { name: p1, type: pool, mode: mean, inputs: [embed1] }
    - { name: p2, type: pool, mode: mean, inputs: [embed2] }
    - { name: joined, type: concat, inputs: [p1, p2, features] }
    - { name: out, type: dense, inputs: [joined], units: 1, activation: sigmoid }
training: { epochs: 1, batchSize: 32, backend: cpu }
`;
}

/** A small vectors file (GloVe's text format) over the synthetic data's words, from a fixed generator. */
function writeVectors(file: string): void {
  const words = new Set<string>();
  for (const line of readFileSync(join(PROJECT_ROOT, 'data', 'qqp-synthetic.csv'), 'utf8')
    .split('\n')
    .slice(1, 400)) {
    for (const w of line.toLowerCase().match(/[a-z]+/g) ?? []) words.add(w);
  }
  let s = 12345;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648 - 0.5).toFixed(4);
  };
  const lines = [...words]
    .filter((_, i) => i % 4 !== 0)
    .map((w) => `${w} ${[1, 2, 3, 4, 5].map(next).join(' ')}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'qqp-export-'));
  experimentsDir = join(tmp, 'experiments');
  writeFileSync(join(tmp, 'siamese.yaml'), siameseConfig());
  writeVectors(join(tmp, 'vectors.txt'));
  writeFileSync(join(tmp, 'vectors.yaml'), vectorsConfig(join(tmp, 'vectors.txt')));
  for (const [key, file] of [
    ['reference', join(CONFIGS, 'tiny.yaml')],
    ['siamese', join(tmp, 'siamese.yaml')],
    ['esim', join(CONFIGS, 'graph-esim.yaml')],
    ['repeat', join(CONFIGS, 'graph-repeat.yaml')],
    ['features', join(CONFIGS, 'graph-features.yaml')],
    ['vectors', join(tmp, 'vectors.yaml')],
  ] as const) {
    const r = await train({ experimentsDir, loaded: loadConfig(file), backend: 'cpu' });
    assert.equal(r.status, 'completed', `${key} did not train`);
    runs[key] = r.id;
  }
});
after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function qqpProbabilities(run: string): Promise<number[]> {
  const r = await predictPairs({ run, experimentsDir, pairs: PAIRS });
  return r.predictions.map((p) => p.probability);
}

/** The exported folder's probabilities, from a Node process that loads only @tensorflow/tfjs and predict.js. */
function plainNodeProbabilities(dir: string): { probabilities: number[]; stock: string[] | null } {
  const script = join(tmp, 'plain.cjs');
  writeFileSync(
    script,
    `const tf = require(${JSON.stringify(TFJS)});
const qqp = require(${JSON.stringify(join(dir, 'predict.js'))});
const fs = require('node:fs');
(async () => {
  const model = await qqp.load(tf);
  const pairs = JSON.parse(process.argv[2]);
  const probabilities = Array.from(model.probabilities(pairs));
  // A model of stock layers only also loads with tf.loadLayersModel and nothing registered.
  let stock = null;
  if (model.manifest.run.shape === 'sequential') {
    const json = JSON.parse(fs.readFileSync(${JSON.stringify(join(dir, 'model.json'))}, 'utf8'));
    const w = fs.readFileSync(${JSON.stringify(join(dir, 'weights.bin'))});
    const plain = await tf.loadLayersModel(tf.io.fromMemory(json.modelTopology, json.weightsManifest[0].weights,
      w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength)));
    stock = plain.inputNames;
  }
  process.stdout.write(JSON.stringify({ probabilities, stock }));
})().catch((e) => { console.error(e.stack); process.exit(1); });
`,
  );
  const r = spawnSync(process.execPath, [script, JSON.stringify(PAIRS)], { cwd: tmp, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { probabilities: number[]; stock: string[] | null };
}

function assertClose(actual: readonly number[], expected: readonly number[], what: string): void {
  assert.equal(
    actual.length,
    expected.length,
    `${what}: ${actual.length} probabilities, expected ${expected.length}`,
  );
  actual.forEach((p, i) => {
    assert.ok(
      Math.abs(p - expected[i]!) <= TOLERANCE,
      `${what}, pair ${i + 1}: ${p}, but qqp predict gives ${expected[i]} (tolerance ${TOLERANCE})`,
    );
  });
}

describe('qqp export: plain tfjs in Node gives qqp predict probabilities', () => {
  for (const key of ['reference', 'siamese', 'esim', 'repeat', 'features', 'vectors']) {
    it(key, async () => {
      const out = join(tmp, 'out', key);
      const result = await exportRun({ run: runs[key]!, experimentsDir, out });
      const json = readFileSync(join(out, 'model.json'), 'utf8');
      assert.doesNotMatch(json, /"class_name":"QqpFused/, 'the fused LSTM must be written as tfjs LSTM');
      if (key === 'reference') {
        assert.deepEqual(result.custom, [], 'the reference model is stock tfjs layers only');
        assert.equal(result.stock.QqpFusedLSTM, 1);
      } else if (key === 'siamese') {
        // |u − v| has no stock tfjs layer.
        assert.deepEqual(result.custom, ['QqpAbsDifference']);
        assert.equal(result.stock.QqpFusedLSTM, 1);
      } else {
        assert.ok(result.custom.length > 0, 'the graph models use qqp layers predict.js registers');
      }
      const expected = await qqpProbabilities(runs[key]!);
      const plain = plainNodeProbabilities(out);
      assertClose(plain.probabilities, expected, `${key} in plain tfjs`);
      // The pairs are not all alike: the comparison would catch a constant model.
      assert.ok(new Set(expected.map((p) => p.toFixed(6))).size > 2, `${key}: ${expected}`);
      if (key === 'reference') {
        assert.deepEqual(plain.stock, ['pair']);
        // From an ES module too, by name (the folder's package.json makes predict.js CommonJS).
        const esm = join(tmp, 'plain.mjs');
        writeFileSync(
          esm,
          `import { createRequire } from 'node:module';
import { load } from ${JSON.stringify(join(out, 'predict.js'))};
const tf = createRequire(import.meta.url)(${JSON.stringify(TFJS)});
const model = await load(tf);
process.stdout.write(JSON.stringify(Array.from(model.probabilities(JSON.parse(process.argv[2])))));
`,
        );
        const r = spawnSync(process.execPath, [esm, JSON.stringify(PAIRS)], { cwd: tmp, encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        assertClose(JSON.parse(r.stdout) as number[], expected, 'reference from an ES module');
      }
    });
  }
});

const chromium = findChromium();
describe('qqp export: index.html in headless Chromium, opened from file://', {
  skip: chromium
    ? false
    : 'chromium is not installed (apt-get install -y chromium): the page is not opened in a browser',
}, () => {
  for (const key of ['reference', 'esim', 'features']) {
    it(key, async () => {
      const out = join(tmp, 'browser', key);
      await exportRun({ run: runs[key]!, experimentsDir, out });
      const page = `${join(out, 'index.html')}#pairs=${encodeURIComponent(JSON.stringify(PAIRS))}`;
      const dom = dumpDom(chromium!, page, ['--virtual-time-budget=60000']);
      const status = dom.match(/<p id="status" data-state="(\w+)">([^<]*)</);
      assert.equal(
        status?.[1],
        'ready',
        `the page did not load the model: ${status?.[2] ?? dom.slice(0, 2000)}`,
      );
      const batch = dom.match(/<pre id="batch" data-state="done">([^<]*)<\/pre>/);
      assert.ok(batch, `no results in the page:\n${dom.slice(0, 3000)}`);
      assertClose(
        JSON.parse(batch[1]!) as number[],
        await qqpProbabilities(runs[key]!),
        `${key} in Chromium`,
      );
    });
  }
});

describe('qqp export (CLI)', () => {
  it('writes the folder, lists it in --json, and refuses to overwrite a non-empty folder without --force', () => {
    const out = join(tmp, 'cli');
    const dirFlag = ['--experiments-dir', experimentsDir];
    const r = runCliJson<{ out: string; files: { name: string; bytes: number }[]; custom: string[] }>([
      'export',
      runs.esim!,
      '--out',
      out,
      ...dirFlag,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const names = r.json.files.map((f) => f.name);
    for (const f of [
      'model.json',
      'weights.bin',
      'vocabulary.json',
      'qqp.json',
      'predict.js',
      'index.html',
      'tf.min.js',
    ]) {
      assert.ok(names.includes(f), `${f} missing from ${names}`);
    }
    assert.ok(r.json.custom.includes('QqpAlign'), `${r.json.custom}`);
    const manifest = JSON.parse(readFileSync(join(out, 'qqp.json'), 'utf8'));
    assert.equal(manifest.run.id, runs.esim);
    assert.deepEqual(manifest.inputs, ['question1', 'question2']);

    const again = runCli(['export', runs.esim!, '--out', out, ...dirFlag]);
    assert.equal(again.code, 2, again.stderr);
    assert.match(again.stderr, /already exists and is not empty.*--force/s);
    assert.doesNotMatch(again.stderr, /\n\s+at /);
    assert.ok(
      readFileSync(join(out, 'qqp.json'), 'utf8').includes(runs.esim!),
      'the folder is left as it was',
    );

    const forced = runCli(['export', runs.reference!, '--out', out, '--force', ...dirFlag]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /written as tfjs' own layers: 1 QqpFusedLSTM/);
    assert.equal(JSON.parse(readFileSync(join(out, 'qqp.json'), 'utf8')).run.id, runs.reference);

    const bad = runCli(['export', runs.reference!, '--out', join(tmp, 'x'), '--threshold', '2', ...dirFlag]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--threshold must be a number from 0 to 1/);
  });
});

describe('stockTopology', () => {
  it('renames the fused LSTM and GRU at any depth (inside a Bidirectional) and lists the qqp classes left', () => {
    const t = stockTopology({
      class_name: 'Model',
      config: {
        layers: [
          {
            class_name: 'Bidirectional',
            config: { layer: { class_name: 'QqpFusedLSTM', config: { units: 2 } } },
          },
          { class_name: 'QqpFusedGRU', config: {} },
          { class_name: 'QqpAlign', config: {} },
          { class_name: 'Dense', config: {} },
        ],
      },
    });
    assert.deepEqual(t.stock, { QqpFusedLSTM: 1, QqpFusedGRU: 1 });
    assert.deepEqual(t.custom, ['QqpAlign']);
    const text = JSON.stringify(t.topology);
    assert.match(text, /"class_name":"LSTM","config":\{"units":2\}/);
    assert.match(text, /"class_name":"GRU"/);
  });
});
