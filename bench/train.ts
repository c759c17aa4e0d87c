/**
 * Training and prediction speed of the reference model (configs/bilstm.yaml: Embedding(10,000, 64)
 * → BiLSTM(64) → BiLSTM(32) → Dense(64) → Dropout → Dense(1)) on each tfjs backend that starts
 * here, beside PyTorch running the same model (../shared/bench/torch_reference.py, with Debian's
 * python3-torch) at the same batch size, sequence length, vocabulary and thread count.
 * Inputs are random token ids: the speed of a step does not depend on the text.
 * Run: `node --import tsx bench/train.ts [--json]` (or `npm run bench` for all benchmarks).
 * Figures are printed, never asserted.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { type BackendInfo, type BackendName, initBackend } from '../src/backend/index.js';
import { table } from '../src/cli/render.js';
import { loadConfig } from '../src/config/load.js';
import { sequenceLength } from '../src/data/encode.js';
import { QqpError } from '../src/errors.js';
import { buildModel } from '../src/registry/build.js';
import { losses } from '../src/registry/objectives.js';
import { buildOptimizer } from '../src/registry/optimizers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TORCH_SCRIPT = join(ROOT, '..', 'shared', 'bench', 'torch_reference.py');
const PYTHON = '/usr/bin/python3';

/** Batches timed per backend and batch size (after the warm-up); cpu is slow, so it gets few. */
const PLAN: Record<BackendName, { warmup: number; batches: Record<number, number>; predict: number }> = {
  tensorflow: { warmup: 3, batches: { 16: 64, 128: 8 }, predict: 2048 },
  wasm: { warmup: 3, batches: { 16: 48, 128: 8 }, predict: 1024 },
  cpu: { warmup: 1, batches: { 16: 4, 128: 1 }, predict: 256 },
};

export interface TrainBenchOptions {
  /** Backends to try, in order (default tensorflow, wasm, cpu; one that does not start is skipped). */
  backends?: BackendName[];
  batchSizes?: number[];
  vocab?: number;
  /** Config of the model (default configs/bilstm.yaml). */
  config?: string;
  /** Run the PyTorch reference when it can (default true). */
  torch?: boolean;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

export interface TrainBenchRow {
  impl: string;
  backend: string;
  batch: number;
  seqLen: number;
  vocab: number;
  threads: number | null;
  warmupBatches: number;
  trainExamples: number;
  trainExamplesPerS: number;
  predictExamples: number;
  predictPairsPerS: number;
}

export interface TrainBenchResult {
  config: string;
  seqLen: number;
  vocab: number;
  backends: { name: BackendName; reason: string; details?: BackendInfo['details'] }[];
  rows: TrainBenchRow[];
  torch: { ran: boolean; note: string };
  /** PyTorch's training examples/s divided by each tfjs backend's, per batch size. */
  ratios: { backend: string; batch: number; torchOverTfjs: number }[];
  jsonFile?: string;
}

const round = (x: number) => Math.round(x * 10) / 10;

function randomIds(count: number, seqLen: number, vocab: number): Int32Array {
  const ids = new Int32Array(count * seqLen);
  // Id 0 is padding; real ids are 1..vocab-1.
  for (let i = 0; i < ids.length; i++) ids[i] = 1 + Math.floor(Math.random() * (vocab - 1));
  return ids;
}

async function benchBackend(
  info: BackendInfo,
  configFile: string,
  batchSizes: number[],
  vocab: number,
  log: (line: string) => void,
): Promise<TrainBenchRow[]> {
  const { config } = loadConfig(configFile, { cwd: ROOT });
  const seqLen = sequenceLength(config.data.encoding);
  const plan = PLAN[info.name];
  const model = buildModel(config, { vocabSize: vocab });
  model.compile({
    optimizer: buildOptimizer(config.training.optimizer),
    loss: losses[config.training.loss].fn,
    metrics: ['accuracy'],
  });
  const rows: TrainBenchRow[] = [];
  try {
    for (const batch of batchSizes) {
      const timed = plan.batches[batch] ?? Math.max(1, Math.round(1024 / batch));
      const total = (plan.warmup + timed) * batch;
      const xs = tf.tensor2d(randomIds(total, seqLen, vocab), [total, seqLen], 'int32');
      const ys = tf.tensor2d(
        Float32Array.from({ length: total }, () => (Math.random() < 0.5 ? 0 : 1)),
        [total, 1],
      );
      const batches = Array.from({ length: plan.warmup + timed }, (_, i) => ({
        x: xs.slice(i * batch, batch),
        y: ys.slice(i * batch, batch),
      }));
      log(`  ${info.name} batch ${batch}: ${plan.warmup} warm-up + ${timed} timed batches`);
      for (const b of batches.slice(0, plan.warmup)) await model.trainOnBatch(b.x, b.y);
      const t0 = performance.now();
      for (const b of batches.slice(plan.warmup)) await model.trainOnBatch(b.x, b.y);
      const trainS = (performance.now() - t0) / 1000;

      const px = tf.tensor2d(randomIds(plan.predict, seqLen, vocab), [plan.predict, seqLen], 'int32');
      tf.tidy(() =>
        (model.predict(px.slice(0, Math.min(256, plan.predict)), { batchSize: 256 }) as tf.Tensor).dataSync(),
      );
      const t1 = performance.now();
      tf.tidy(() => (model.predict(px, { batchSize: 256 }) as tf.Tensor).dataSync());
      const predictS = (performance.now() - t1) / 1000;

      tf.dispose([xs, ys, px, ...batches.flatMap((b) => [b.x, b.y])]);
      rows.push({
        impl: `tfjs ${tf.version_core}`,
        backend: info.name,
        batch,
        seqLen,
        vocab,
        threads: info.details.threads ?? null,
        warmupBatches: plan.warmup,
        trainExamples: timed * batch,
        trainExamplesPerS: round((timed * batch) / trainS),
        predictExamples: plan.predict,
        predictPairsPerS: round(plan.predict / predictS),
      });
      log(
        `    train ${rows.at(-1)!.trainExamplesPerS} ex/s, predict ${rows.at(-1)!.predictPairsPerS} pairs/s`,
      );
    }
  } finally {
    model.dispose();
  }
  return rows;
}

interface TorchOutput {
  impl: string;
  threads: number;
  train_examples_per_s: number;
  predict_examples_per_s: number;
}

function torchAvailable(): string | null {
  if (!existsSync(TORCH_SCRIPT)) return `skipped: ${TORCH_SCRIPT} is absent`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return `skipped: ${PYTHON} cannot import torch (apt-get install -y python3-torch)`;
  }
  return null;
}

function runTorch(batch: number, seqLen: number, vocab: number, examples: number): TorchOutput {
  const args = [TORCH_SCRIPT, '--batch', `${batch}`, '--seq-len', `${seqLen}`, '--vocab', `${vocab}`];
  args.push('--threads', '1', '--examples', `${examples}`);
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`torch_reference.py failed: ${r.stderr || r.error?.message}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as TorchOutput;
}

export async function runTrainBench(options: TrainBenchOptions = {}): Promise<TrainBenchResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const configFile = options.config ?? join(ROOT, 'configs', 'bilstm.yaml');
  const vocab = options.vocab ?? 10_000;
  const batchSizes = options.batchSizes ?? [16, 128];
  const { config } = loadConfig(configFile, { cwd: ROOT });
  const seqLen = sequenceLength(config.data.encoding);

  const result: TrainBenchResult = {
    config: configFile,
    seqLen,
    vocab,
    backends: [],
    rows: [],
    torch: { ran: false, note: '' },
    ratios: [],
  };
  for (const name of options.backends ?? (['tensorflow', 'wasm', 'cpu'] as const)) {
    let info: BackendInfo;
    try {
      info = await initBackend(name);
    } catch (err) {
      if (!(err instanceof QqpError)) throw err;
      result.backends.push({ name, reason: `skipped: ${err.message}` });
      log(`${name}: skipped (${err.message})`);
      continue;
    }
    result.backends.push({ name, reason: info.reason, details: info.details });
    log(`${info.reason}`);
    result.rows.push(...(await benchBackend(info, configFile, batchSizes, vocab, log)));
  }

  const unavailable = options.torch === false ? 'skipped: --no-torch' : torchAvailable();
  if (unavailable) {
    result.torch.note = unavailable;
    log(`pytorch: ${unavailable}`);
  } else {
    for (const batch of batchSizes) {
      // As many examples as the longest tfjs run timed (at least 512), whole batches.
      const tfjsExamples = Math.max(
        512,
        ...result.rows.filter((r) => r.batch === batch).map((r) => r.trainExamples),
      );
      const examples = Math.ceil(tfjsExamples / batch) * batch;
      log(`  pytorch batch ${batch}: ${examples} examples`);
      const t = runTorch(batch, seqLen, vocab, examples);
      result.rows.push({
        impl: t.impl,
        backend: 'pytorch',
        batch,
        seqLen,
        vocab,
        threads: t.threads,
        warmupBatches: 4,
        trainExamples: examples,
        trainExamplesPerS: t.train_examples_per_s,
        predictExamples: examples,
        predictPairsPerS: t.predict_examples_per_s,
      });
      log(`    train ${t.train_examples_per_s} ex/s, predict ${t.predict_examples_per_s} pairs/s`);
      for (const r of result.rows.filter((x) => x.batch === batch && x.backend !== 'pytorch')) {
        result.ratios.push({
          backend: r.backend,
          batch,
          torchOverTfjs: Math.round((t.train_examples_per_s / r.trainExamplesPerS) * 100) / 100,
        });
      }
    }
    result.torch = { ran: true, note: `${PYTHON} ${TORCH_SCRIPT} --threads 1` };
  }

  const file = join(tmpdir(), `qqp-bench-train-${Date.now()}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  result.jsonFile = file;
  return result;
}

export function printTrainBench(r: TrainBenchResult, out: (line: string) => void = console.log): void {
  out(`Training speed: ${r.config}, sequence length ${r.seqLen}, vocabulary ${r.vocab}, random token ids`);
  for (const b of r.backends) out(`  ${b.name}: ${b.reason}`);
  const rows = r.rows.map((row) => {
    const ratio = r.ratios.find((x) => x.backend === row.backend && x.batch === row.batch);
    return [
      row.impl,
      row.backend,
      row.threads ?? '-',
      row.batch,
      row.trainExamples,
      row.trainExamplesPerS,
      row.predictPairsPerS,
      ratio ? `${ratio.torchOverTfjs}×` : '',
    ];
  });
  out(
    table(
      [
        'impl',
        'backend',
        'threads',
        'batch',
        'timed examples',
        'train ex/s',
        'predict pairs/s',
        'pytorch ÷ this',
      ],
      rows,
    ),
  );
  out(`pytorch: ${r.torch.ran ? r.torch.note : r.torch.note || 'not run'}`);
  if (r.jsonFile) out(`JSON: ${r.jsonFile}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { json: { type: 'boolean' }, 'no-torch': { type: 'boolean' } } });
  const result = await runTrainBench({ torch: !values['no-torch'] });
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else printTrainBench(result);
}
