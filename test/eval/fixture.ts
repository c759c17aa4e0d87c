/**
 * A real tiny run for the eval/predict tests (trained once per test file, a few seconds), and the
 * figures those commands must reproduce, computed here independently of src/eval.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/index.js';
import { loadConfig } from '../../src/config/load.js';
import { encodePairs } from '../../src/data/encode.js';
import { loadDataset, prepareDataset } from '../../src/data/load.js';
import { readPairs } from '../../src/data/read.js';
import { Vocabulary } from '../../src/data/vocabulary.js';
import { loadModel } from '../../src/runs/model-io.js';
import type { BinaryEvaluation, EvaluationResult } from '../../src/runs/records.js';
import { evaluateBinary } from '../../src/train/metrics.js';
import { predictProbabilities } from '../../src/train/predict.js';
import { train } from '../../src/train/trainer.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

export const SYNTHETIC = join(PROJECT_ROOT, 'data', 'qqp-synthetic.csv');

export interface TinyRun {
  tmp: string;
  experimentsDir: string;
  dir: string;
  id: string;
}

export async function makeTinyRun(): Promise<TinyRun> {
  const tmp = mkdtempSync(join(tmpdir(), 'qqp-eval-'));
  const experimentsDir = join(tmp, 'experiments');
  const r = await train({
    experimentsDir,
    loaded: loadConfig(join(PROJECT_ROOT, 'test', 'fixtures', 'configs', 'tiny.yaml')),
    backend: 'cpu',
  });
  if (r.status !== 'completed') throw new Error(`tiny run did not complete: ${r.status}`);
  return { tmp, experimentsDir, dir: r.dir, id: r.id };
}

/** A copy of the run folder beside it (same depth, so its relative data paths still resolve). */
export function copyRun(run: TinyRun, name: string): string {
  const dir = join(run.experimentsDir, name);
  cpSync(run.dir, dir, { recursive: true });
  return dir;
}

/** The first `n` data lines of the synthetic file (labelled Kaggle CSV), header included. */
export function syntheticHead(n: number): string {
  return `${readFileSync(SYNTHETIC, 'utf8')
    .split('\n')
    .slice(0, n + 1)
    .join('\n')}\n`;
}

export function writeFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function runModel(dir: string) {
  await initBackend('cpu');
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as {
    finalWeights: 'best' | 'last';
  };
  const model = await loadModel(join(dir, 'model', summary.finalWeights));
  const vocabulary = await Vocabulary.load(join(dir, 'vocabulary.json'));
  const { config } = loadConfig(join(dir, 'config.yaml'));
  return { model, vocabulary, config };
}

/** evaluateBinary on the run's split, predicted here with loadModel + predictProbabilities. */
export async function expectedSplit(dir: string, split: 'test' | 'validation'): Promise<BinaryEvaluation> {
  const { model, vocabulary, config } = await runModel(dir);
  const dataset = await loadDataset(config.data);
  const encoded = prepareDataset(dataset.splits, config.data, { vocabulary })[split];
  const probs = predictProbabilities(model, encoded);
  model.dispose();
  return evaluateBinary(probs, encoded.labels as Float32Array);
}

/** Probabilities of every row of a file, and evaluateBinary when it is labelled. */
export async function expectedFile(
  dir: string,
  file: string,
): Promise<{ ids: string[]; probs: Float32Array; evaluation: BinaryEvaluation | null }> {
  const { model, vocabulary, config } = await runModel(dir);
  const { rows } = await readPairs(file);
  const encoded = encodePairs(rows, vocabulary.tokenizer(), vocabulary, config.data.encoding);
  const probs = predictProbabilities(model, encoded);
  model.dispose();
  return {
    ids: encoded.ids,
    probs,
    evaluation: encoded.labels ? evaluateBinary(probs, encoded.labels) : null,
  };
}

/** The metrics of a result must be exactly evaluateBinary's (ROC AUC NaN shown as null). */
export function assertSameMetrics(actual: EvaluationResult, expected: BinaryEvaluation): void {
  assert.equal(actual.count, expected.count);
  assert.equal(actual.positives, expected.positives);
  assert.equal(actual.logLoss, expected.logLoss);
  assert.equal(actual.rocAuc, Number.isNaN(expected.rocAuc) ? null : expected.rocAuc);
  assert.deepEqual(actual.atHalf, expected.atHalf);
  // The F1-best threshold is the evaluated pairs' own only when marked optimistic; otherwise it was
  // chosen on the run's validation split (the default when the run has one).
  const { chosenOn, optimistic, ...own } = actual.bestF1;
  const { chosenOn: _c, optimistic: _o, ...expectedOwn } = expected.bestF1;
  if (optimistic) assert.deepEqual(own, expectedOwn);
  else assert.equal(chosenOn, 'validation');
}
