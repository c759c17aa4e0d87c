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

export async function makeTinyRun(overrides: readonly string[] = [], tmpDir?: string): Promise<TinyRun> {
  const tmp = tmpDir ?? mkdtempSync(join(tmpdir(), 'qqp-eval-'));
  const experimentsDir = join(tmp, 'experiments');
  const r = await train({
    experimentsDir,
    loaded: loadConfig(join(PROJECT_ROOT, 'test', 'fixtures', 'configs', 'tiny.yaml'), { overrides }),
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

/** The run's probabilities and labels on its split, predicted here with loadModel + predictProbabilities. */
export async function expectedSplitProbs(
  dir: string,
  split: 'test' | 'validation',
): Promise<{ probs: Float32Array; labels: Float32Array }> {
  const { model, vocabulary, config } = await runModel(dir);
  const dataset = await loadDataset(config.data);
  const encoded = prepareDataset(dataset.splits, config.data, { vocabulary })[split];
  const probs = predictProbabilities(model, encoded);
  model.dispose();
  return { probs, labels: encoded.labels as Float32Array };
}

/** evaluateBinary on the run's split, predicted here with loadModel + predictProbabilities. */
export async function expectedSplit(dir: string, split: 'test' | 'validation'): Promise<BinaryEvaluation> {
  const { probs, labels } = await expectedSplitProbs(dir, split);
  return evaluateBinary(probs, labels);
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

const KINDS = ['paraphrase', 'entity', 'number', 'unrelated'] as const;
const WORDS = ['python', 'weight', 'travel', 'money', 'music', 'sleep', 'coffee', 'paris', 'rust', 'chess'];

/**
 * `n` labelled pairs (Kaggle CSV) with a last `kind` column, made here (never the bundled file's
 * figures): paraphrases are duplicates, entity and unrelated pairs are not, number pairs alternate (every
 * 9th label flipped);
 * questions run from 3 to about 16 tokens, so some are longer than tiny.yaml's maxLength 8.
 */
export function kindCsv(n: number): string {
  const lines = ['id,qid1,qid2,question1,question2,is_duplicate,kind'];
  for (let i = 0; i < n; i++) {
    const kind = KINDS[i % KINDS.length]!;
    const w = WORDS[i % WORDS.length]!;
    const v = WORDS[(i * 3 + 1) % WORDS.length]!;
    const pad = ' really'.repeat(i % 13);
    const [q1, q2, label] =
      kind === 'paraphrase'
        ? [`How do I learn ${w}?`, `What is the${pad} best way to learn ${w}?`, 1]
        : kind === 'entity'
          ? [`Who invented ${w}?`, `Who invented ${v}${pad}?`, 0]
          : kind === 'number'
            ? [
                `Is ${i % 7} a lucky number for ${w}?`,
                `Is ${i % 2 === 0 ? i % 7 : (i % 7) + 1} a${pad} lucky number for ${w}?`,
                i % 2 === 0 ? 1 : 0,
              ]
            : [`Why is ${w} good?`, `Where can I buy${pad} ${v}?`, 0];
    // Every 9th label flipped: noise, so that the tiny model makes some errors to count.
    lines.push(`${i},${2 * i},${2 * i + 1},${q1},${q2},${i % 9 === 4 ? 1 - label : label},${kind}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A tiny run (tiny.yaml's model and split) trained on `kindCsv(240)` written in its own temporary folder. */
export async function makeKindRun(): Promise<TinyRun & { data: string }> {
  const tmp = mkdtempSync(join(tmpdir(), 'qqp-slices-'));
  const data = writeFile(tmp, 'kinds.csv', kindCsv(240));
  const tiny = readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'configs', 'tiny.yaml'), 'utf8');
  const config = writeFile(
    tmp,
    'kinds.yaml',
    tiny.replace(/source: .*/, 'source: kinds.csv').replace(/\n *limit: \d+/, ''),
  );
  const experimentsDir = join(tmp, 'experiments');
  const r = await train({ experimentsDir, loaded: loadConfig(config), backend: 'cpu' });
  if (r.status !== 'completed') throw new Error(`kind run did not complete: ${r.status}`);
  return { tmp, experimentsDir, dir: r.dir, id: r.id, data };
}
