/**
 * A run with vector pair features (softAlign, vectorCosine from data.features.vectors): the
 * training words' vectors are kept in the run folder (feature-vectors.f32), so eval, predict and
 * resume compute the same features without the source file.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfigText } from '../../src/config/load.js';
import type { FeatureStats } from '../../src/data/features.js';
import { featureWords } from '../../src/data/features.js';
import { loadDataset } from '../../src/data/load.js';
import { Tokenizer } from '../../src/data/tokenizer.js';
import { RunError } from '../../src/errors.js';
import { encodeForRun, evaluateRun, openRun } from '../../src/eval/index.js';
import type { RunSummary } from '../../src/runs/records.js';
import { train } from '../../src/train/trainer.js';
import { SYNTHETIC } from './fixture.js';

const DIM = 3;

function config(tmp: string) {
  return loadConfigText(
    `
experiment: { name: vecfeat, seed: 5 }
data:
  source: ${JSON.stringify(SYNTHETIC)}
  limit: 200
  split: { train: 0.7, validation: 0.15, test: 0.15, seed: 1 }
  encoding: { pair: separate, maxLength: 8 }
  vocabulary: { maxSize: 150 }
  features: { pair: [jaccard, softAlign, vectorCosine], vectors: { source: vectors.txt } }
model:
  type: siamese
  encoder:
    - { type: embedding, outputDim: 4 }
    - { type: globalAveragePooling1d }
  combine: [absDiff, features]
  head:
    - { type: dense, units: 1, activation: sigmoid }
training: { epochs: 1, batchSize: 32, backend: cpu }
`,
    { name: 'vecfeat.yaml', baseDir: tmp },
  );
}

let tmp: string;
let experimentsDir: string;
let dir: string;
let id: string;
const readStats = (d: string) => JSON.parse(readFileSync(join(d, 'features.json'), 'utf8')) as FeatureStats;
const readSummary = (d: string) => JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')) as RunSummary;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'qqp-vector-features-'));
  experimentsDir = join(tmp, 'experiments');
  // Vectors for every other word of the synthetic file's first rows (a GloVe text file).
  const tokenizer = new Tokenizer();
  const words = new Set<string>();
  for (const line of readFileSync(SYNTHETIC, 'utf8').split('\n').slice(1, 300)) {
    for (const t of tokenizer.tokenize(line)) words.add(t.toLowerCase());
  }
  const lines = [...words]
    .sort()
    .filter((_, i) => i % 2 === 0)
    .map(
      (w, i) =>
        `${w} ${Array.from({ length: DIM }, (_, j) => (((i * 5 + j * 3) % 11) / 11 - 0.4).toFixed(4)).join(' ')}`,
    );
  writeFileSync(join(tmp, 'vectors.txt'), `${lines.join('\n')}\n`);
  const r = await train({ experimentsDir, loaded: config(tmp), backend: 'cpu' });
  assert.equal(r.status, 'completed');
  dir = r.dir;
  id = r.id;
});
after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('a run with vector pair features', () => {
  it('keeps the vectors of its training words beside features.json, and records where they came from', async () => {
    assert.ok(existsSync(join(dir, 'feature-vectors.f32')));
    const stats = readStats(dir);
    assert.deepEqual(stats.pair, ['jaccard', 'softAlign', 'vectorCosine']);
    const { config: c } = config(tmp);
    const dataset = await loadDataset(c.data);
    const words = featureWords(dataset.splits.train, new Tokenizer());
    const inFile = new Set(
      readFileSync(join(tmp, 'vectors.txt'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0]),
    );
    assert.equal(stats.vectors?.dim, DIM);
    assert.equal(stats.vectors?.words, words.filter((w) => inFile.has(w)).length);
    assert.ok(stats.vectors!.words > 0 && stats.vectors!.words < words.length);
    // The vector features vary over the training pairs (a constant one would get std 1 and mean 0).
    assert.ok(stats.std[1]! !== 1 && stats.std[2]! !== 1, JSON.stringify(stats));
  });

  it('eval needs only the run folder: without the source file it reproduces the test figures of training', async () => {
    rmSync(join(tmp, 'vectors.txt'));
    const result = await evaluateRun({ run: id, experimentsDir, save: false, backend: 'cpu' });
    const test = readSummary(dir).test!;
    assert.deepEqual(result.atHalf, test.atHalf);
    assert.ok(Math.abs(result.logLoss - test.logLoss) < 1e-6);
    const run = await openRun(id, experimentsDir);
    const enc = encodeForRun(run, [
      {
        line: 1,
        id: '0',
        question1: 'How do I learn Python?',
        question2: 'How can I learn Python?',
        label: null,
      },
    ]);
    assert.equal(enc.featureCount, 3);
  });

  it('a missing or damaged feature-vectors.f32 is a RunError naming the file', async () => {
    const file = join(dir, 'feature-vectors.f32');
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 4));
    await assert.rejects(openRun(id, experimentsDir), (err: unknown) => {
      assert.ok(err instanceof RunError);
      assert.equal(err.code, 'RUN_FILE_CORRUPT');
      assert.match(err.message, /feature-vectors\.f32: not the vectors features\.json was fitted with/);
      return true;
    });
    rmSync(file);
    await assert.rejects(openRun(id, experimentsDir), /feature-vectors\.f32: missing/);
    writeFileSync(file, bytes);
    await openRun(id, experimentsDir);
  });
});
