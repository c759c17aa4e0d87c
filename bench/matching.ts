/**
 * Training speed of the shipped matching configs (configs/decatt.yaml, esim.yaml, re2.yaml) beside
 * a PyTorch twin of each (bench/torch_matching.py: the same layers, sizes, masking, vocabulary,
 * sequence length, batch size, Adam settings and binary cross-entropy), on one thread each:
 *   qqp      this file with `--child CONFIG` in its own Node process, wasm backend, QQP_THREADS=1;
 *            it builds the config's model and trains with qqp's own training step
 *            (src/train/step.ts makeTrainStep, what `qqp train` runs per batch)
 *   pytorch  bench/torch_matching.py with Debian's python3-torch (/usr/bin/python3), 1 thread
 * Both train on the same pairs: the config's training split of its data (data/qqp-synthetic.csv),
 * encoded by qqp once here and written to a temporary file; the vocabulary is the one qqp builds.
 * Each side runs 3 warm-up batches, then times a fixed number of batches (examples/s).
 * Each side's trainable parameter count is printed, and a mismatch is an error: the twin must be
 * the same model. Printed: a table with qqp ÷ pytorch per config. Figures are printed, never
 * asserted. One thread only: the bench has no check that the machine is idle, and two threads
 * on a shared 2-core machine measure the neighbours.
 * Run: `node --import tsx bench/matching.ts [--json] [--quick] [--no-torch] [--config a.yaml,b.yaml]`
 *   (or `npm run bench -- --matching-only`). --quick times 1/8 of the batches.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/index.js';
import { fusedThreads } from '../src/backend/kernels/rnn-wasm.js';
import { table } from '../src/cli/render.js';
import { loadConfig } from '../src/config/load.js';
import type { ResolvedConfig } from '../src/config/schema.js';
import type { EncodedPairs } from '../src/data/encode.js';
import { loadDataset, prepareDataset } from '../src/data/load.js';
import { buildModel } from '../src/model/build.js';
import { buildOptimizer } from '../src/registry/optimizers.js';
import { identityOrder } from '../src/train/predict.js';
import { makeTrainStep } from '../src/train/step.js';
import { PYTHON, ROOT, ratio, recurrentClasses, round, spawnJson, torchAvailable } from './train.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const TWIN_SCRIPT = join(ROOT, 'bench', 'torch_matching.py');

/** The shipped matching configs and the twin of each (torch_matching.py --model). */
export const MATCHING_CONFIGS: Record<string, string> = {
  'configs/decatt.yaml': 'decatt',
  'configs/esim.yaml': 'esim',
  'configs/re2.yaml': 're2',
};

/**
 * Batches each side times after its warm-up. Sized for a few minutes in all on a busy 2-core
 * machine: qqp trains re2 at about 70 pairs/s, so 48 batches of 16 take about 11 s.
 */
const TIMED_BATCHES = 48;
const WARMUP_BATCHES = 3;
const QUICK = 1 / 8;
/** Threads of both sides (see the header: no idle check, so one). */
const THREADS = 1;

export interface MatchingBenchOptions {
  /** Configs relative to the package root (default: the three of MATCHING_CONFIGS). */
  configs?: string[];
  /** Run the PyTorch twins when torch imports (default true). */
  torch?: boolean;
  quick?: boolean;
  log?: (line: string) => void;
}

export interface MatchingSide {
  /** `tfjs 4.22.0 wasm` or `pytorch 1.13.0`. */
  runtime: string;
  threads: number;
  trainableParams: number;
  trainExamplesPerS: number;
  seconds: number;
}

export interface MatchingBenchRow {
  config: string;
  twin: string;
  vocab: number;
  seqLen: number;
  batch: number;
  warmupBatches: number;
  timedExamples: number;
  /** Recurrent layer classes qqp built (e.g. QqpFusedLSTM), or none. */
  recurrent: string;
  qqp: MatchingSide;
  pytorch: MatchingSide | null;
  /** qqp's training examples/s ÷ the twin's. */
  qqpOverTorch: number | null;
}

export interface MatchingBenchResult {
  quick: boolean;
  threads: number;
  torch: { ran: boolean; note: string };
  rows: MatchingBenchRow[];
  jsonFile?: string;
}

// ---- the encoded pairs both sides train on -------------------------------------------------------

interface PairsFile {
  file: string;
  count: number;
  seqLen: number;
  vocab: number;
}

/**
 * Encodes the training split of a config's data as qqp's trainer does, and writes question1 ids,
 * question2 ids (int32, count × seqLen each) and labels (float32), little-endian, to one file.
 */
async function writePairs(config: ResolvedConfig, file: string): Promise<PairsFile> {
  if (config.data.encoding.pair !== 'separate')
    throw new Error('the matching bench needs data.encoding.pair: separate');
  const dataset = await loadDataset(config.data, { baseDir: ROOT });
  const { train, vocabulary, sequenceLength } = prepareDataset(dataset.splits, config.data);
  const [q1, q2] = train.inputs as [Int32Array, Int32Array];
  const labels = train.labels as Float32Array;
  const bytes = (a: Int32Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(file, Buffer.concat([bytes(q1), bytes(q2), bytes(labels)]));
  return { file, count: train.count, seqLen: sequenceLength, vocab: vocabulary.size };
}

function readPairs(p: PairsFile): EncodedPairs {
  const raw = readFileSync(p.file);
  const buf = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
  const ids = p.count * p.seqLen;
  if (buf.byteLength !== 4 * (2 * ids + p.count))
    throw new Error(`${p.file}: ${buf.byteLength} bytes, expected ${4 * (2 * ids + p.count)}`);
  return {
    pair: 'separate',
    inputs: [new Int32Array(buf, 0, ids), new Int32Array(buf, 4 * ids, ids)],
    sequenceLength: p.seqLen,
    count: p.count,
    labels: new Float32Array(buf, 8 * ids, p.count),
    ids: [],
    swapped: new Uint8Array(p.count),
  };
}

// ---- child: qqp trains one config ------------------------------------------------------------------

interface ChildOutput {
  runtime: string;
  threads: number;
  recurrent: string;
  trainableParams: number;
  seconds: number;
  trainExamplesPerS: number;
}

async function runChild(configFile: string, pairs: PairsFile, warmup: number, batches: number) {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const info = await initBackend('wasm');
  const { config } = loadConfig(configFile, { cwd: ROOT });
  const data = readPairs(pairs);
  const model = buildModel(config, { vocabSize: pairs.vocab });
  const optimizer = buildOptimizer(config.training.optimizer);
  const step = makeTrainStep(model, optimizer, config, data);
  const batch = config.training.batchSize;
  if ((warmup + batches) * batch > data.count)
    throw new Error(`${warmup + batches} batches of ${batch} need more than the ${data.count} pairs`);
  const order = identityOrder(data.count);
  const classes = recurrentClasses(model.layers);
  const recurrent = classes.length ? [...new Set(classes)].join('+') : 'none';
  log(`qqp ${basename(configFile)}: ${info.reason}; recurrent layers: ${recurrent}`);
  for (let i = 0; i < warmup; i++) step(order, i * batch, (i + 1) * batch);
  const t0 = performance.now();
  for (let i = warmup; i < warmup + batches; i++) step(order, i * batch, (i + 1) * batch);
  const seconds = (performance.now() - t0) / 1000;
  const trainableParams = model.trainableWeights.reduce((n, w) => n + w.read().size, 0);
  model.dispose();
  optimizer.dispose();
  return {
    runtime: `tfjs ${tf.version_core} ${info.name}`,
    threads: fusedThreads(),
    recurrent,
    trainableParams,
    seconds: Math.round(seconds * 1000) / 1000,
    trainExamplesPerS: round((batches * batch) / seconds),
  } satisfies ChildOutput;
}

// ---- parent ----------------------------------------------------------------------------------------

interface TwinOutput {
  impl: string;
  threads: number;
  trainable_params: number;
  seconds: number;
  train_examples_per_s: number;
}

function runTwin(
  twin: string,
  pairs: PairsFile,
  config: ResolvedConfig,
  warmup: number,
  batches: number,
): TwinOutput {
  const opt = config.training.optimizer as Record<string, unknown>;
  if (opt.type !== 'adam') throw new Error(`the twins train with Adam; the config asks for ${opt.type}`);
  const args = [TWIN_SCRIPT, '--model', twin, '--data', pairs.file, '--count', `${pairs.count}`];
  args.push('--seq-len', `${pairs.seqLen}`, '--vocab', `${pairs.vocab}`);
  args.push('--batch', `${config.training.batchSize}`, '--warmup', `${warmup}`, '--batches', `${batches}`);
  args.push('--threads', `${THREADS}`);
  for (const [key, flag] of [
    ['learningRate', '--lr'],
    ['beta1', '--beta1'],
    ['beta2', '--beta2'],
    ['epsilon', '--epsilon'],
  ] as const) {
    if (typeof opt[key] === 'number') args.push(flag, `${opt[key]}`);
  }
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0)
    throw new Error(`torch_matching.py --model ${twin} failed: ${r.stderr || r.error?.message}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as TwinOutput;
}

export async function runMatchingBench(options: MatchingBenchOptions = {}): Promise<MatchingBenchResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const quick = options.quick ?? false;
  const configs = options.configs ?? Object.keys(MATCHING_CONFIGS);
  const batches = Math.max(1, Math.round(TIMED_BATCHES * (quick ? QUICK : 1)));
  const unavailable = options.torch === false ? 'skipped: --no-torch' : torchAvailable(TWIN_SCRIPT);
  const result: MatchingBenchResult = {
    quick,
    threads: THREADS,
    torch: { ran: !unavailable, note: unavailable ?? `${PYTHON} ${TWIN_SCRIPT}, ${THREADS} thread` },
    rows: [],
  };
  if (unavailable) log(`pytorch: ${unavailable}`);
  for (const name of configs) {
    const configFile = resolve(ROOT, name);
    const twin = MATCHING_CONFIGS[name] ?? MATCHING_CONFIGS[`configs/${basename(name)}`];
    if (!twin)
      throw new Error(`${name}: no PyTorch twin (there are: ${Object.keys(MATCHING_CONFIGS).join(', ')})`);
    const { config } = loadConfig(configFile, { cwd: ROOT });
    const file = join(tmpdir(), `qqp-bench-matching-${process.pid}-${twin}.bin`);
    try {
      const pairs = await writePairs(config, file);
      const batch = config.training.batchSize;
      log(
        `${name}: ${pairs.count} training pairs of ${pairs.seqLen} ids, vocabulary ${pairs.vocab}; ` +
          `${WARMUP_BATCHES} warm-up + ${batches} timed batches of ${batch}`,
      );
      const args = ['--child', configFile, '--data', file, '--count', `${pairs.count}`];
      args.push('--seq-len', `${pairs.seqLen}`, '--vocab', `${pairs.vocab}`);
      args.push('--warmup', `${WARMUP_BATCHES}`, '--batches', `${batches}`);
      const q = await spawnJson<ChildOutput>(THIS_FILE, args, name, log, { QQP_THREADS: `${THREADS}` });
      log(`  qqp: ${q.trainExamplesPerS} ex/s (${q.trainableParams} trainable parameters)`);
      let torch: MatchingSide | null = null;
      if (!unavailable) {
        const t = runTwin(twin, pairs, config, WARMUP_BATCHES, batches);
        torch = {
          runtime: t.impl,
          threads: t.threads,
          trainableParams: t.trainable_params,
          trainExamplesPerS: t.train_examples_per_s,
          seconds: t.seconds,
        };
        log(`  pytorch: ${t.train_examples_per_s} ex/s (${t.trainable_params} trainable parameters)`);
        if (t.trainable_params !== q.trainableParams) {
          throw new Error(
            `${name}: the PyTorch twin has ${t.trainable_params} trainable parameters, qqp's model ` +
              `${q.trainableParams}: torch_matching.py --model ${twin} is not the same model`,
          );
        }
      }
      result.rows.push({
        config: name,
        twin,
        vocab: pairs.vocab,
        seqLen: pairs.seqLen,
        batch,
        warmupBatches: WARMUP_BATCHES,
        timedExamples: batches * batch,
        recurrent: q.recurrent,
        qqp: {
          runtime: q.runtime,
          threads: q.threads,
          trainableParams: q.trainableParams,
          trainExamplesPerS: q.trainExamplesPerS,
          seconds: q.seconds,
        },
        pytorch: torch,
        qqpOverTorch: torch ? ratio(q.trainExamplesPerS, torch.trainExamplesPerS) : null,
      });
    } finally {
      rmSync(file, { force: true });
    }
  }
  const out = join(tmpdir(), `qqp-bench-matching-${Date.now()}.json`);
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  result.jsonFile = out;
  return result;
}

export function printMatchingBench(r: MatchingBenchResult, out: (line: string) => void = console.log): void {
  const first = r.rows[0];
  out(
    `Matching configs beside their PyTorch twins: training, ${r.threads} thread each` +
      (first
        ? `, batch ${first.batch}, ${first.timedExamples} timed examples after ${first.warmupBatches} warm-up batches`
        : '') +
      (r.quick ? ' (--quick)' : ''),
  );
  out(
    table(
      ['config', 'vocab', 'trainable params (qqp / torch)', 'qqp ex/s', 'pytorch ex/s', 'qqp ÷ pytorch'],
      r.rows.map((row) => [
        row.config,
        row.vocab,
        `${row.qqp.trainableParams} / ${row.pytorch?.trainableParams ?? '-'}`,
        row.qqp.trainExamplesPerS,
        row.pytorch?.trainExamplesPerS ?? '-',
        row.qqpOverTorch === null ? '-' : `${row.qqpOverTorch}×`,
      ]),
    ),
  );
  if (first) out(`qqp: ${first.qqp.runtime}, QQP_THREADS=${first.qqp.threads}`);
  out(`pytorch: ${r.torch.note}${first?.pytorch ? ` (${first.pytorch.runtime})` : ''}`);
  if (r.jsonFile) out(`JSON: ${r.jsonFile}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean' },
      quick: { type: 'boolean' },
      'no-torch': { type: 'boolean' },
      config: { type: 'string' },
      // Internal: qqp trains one config and prints one JSON line (see runMatchingBench).
      child: { type: 'string' },
      data: { type: 'string' },
      count: { type: 'string' },
      'seq-len': { type: 'string' },
      vocab: { type: 'string' },
      warmup: { type: 'string' },
      batches: { type: 'string' },
    },
  });
  if (values.child !== undefined) {
    const int = (name: keyof typeof values) => {
      const n = Number(values[name]);
      if (!Number.isInteger(n) || n < 0)
        throw new Error(`--${name}: expected an integer, got ${values[name]}`);
      return n;
    };
    const pairs = {
      file: values.data ?? '',
      count: int('count'),
      seqLen: int('seq-len'),
      vocab: int('vocab'),
    };
    const out = await runChild(values.child, pairs, int('warmup'), int('batches'));
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    const result = await runMatchingBench({
      torch: !values['no-torch'],
      quick: !!values.quick,
      ...(values.config ? { configs: values.config.split(',').map((s) => s.trim()) } : {}),
    });
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else printMatchingBench(result);
  }
}
