/**
 * Training and prediction speed of the reference model (configs/bilstm.yaml: Embedding(10,000, 64)
 * → BiLSTM(64) → BiLSTM(32) → Dense(64) → Dropout → Dense(1)) with each implementation of its
 * recurrent layers, beside PyTorch running the same model, at batch 16 and 128:
 *   fused    every lstm/gru layer set to `implementation: fused`, on the kernels' default engine
 *            (the native addon where it runs: AVX-512 or AVX2+FMA; else WebAssembly SIMD)
 *   fused-wasm  the same with QQP_KERNELS=wasm (qqp's WebAssembly kernels), once per wasm module
 *            (--wasm-simd; by default plain and relaxed SIMD where this Node runs relaxed, else the
 *            one QQP_WASM_SIMD chooses), each row saying which ran (`wasm SIMD`, `wasm relaxed SIMD`)
 *   layers   every lstm/gru layer set to `implementation: layers` (tfjs-layers' step loop)
 *   pytorch  ../shared/bench/torch_reference.py with Debian's python3-torch (/usr/bin/python3),
 *            same batch, sequence length and vocabulary
 * Threads: fused and PyTorch run once on 1 thread and once on the machine's cores (at most 2;
 * --threads, or QQP_THREADS alone when set); fused-wasm and layers on 1. Each timed window records
 * the CPU time other processes took during it and the load average (bench/machine.ts): the
 * 1-thread ratios are always printed, with how busy the machine was; the multi-threaded ones only
 * when it was otherwise idle (else the line says why not).
 * Each tfjs implementation runs in its own child process (this file with `--child IMPL`), one
 * after another, so one's memory and JIT state cannot affect the next; the child checks the class
 * of the recurrent layers it built (QqpFusedLSTM or LSTM) and prints one JSON line. Training:
 * 3 warm-up batches, then timed batches (examples/s); prediction: one warm-up predict, then
 * model.predict on random pairs with batchSize 256 (pairs/s). Inputs are random token ids: the
 * speed of a step does not depend on the text. Printed: a table and, per batch size, the ratios
 * fused ÷ layers, fused ÷ fused-wasm, fused-wasm relaxed ÷ plain and fused ÷ pytorch (training and
 * prediction). Figures are printed, never asserted.
 * Run: `node --import tsx bench/train.ts [--json] [--no-torch] [--quick] [--batch 16,128] [--threads 1,2]
 *   [--impl fused,fused-wasm,layers] [--wasm-simd plain,relaxed] [--backend wasm|cpu|tensorflow]` (or
 *   `npm run bench` for all benchmarks; --quick times about 1/8 of the examples). A JSON copy of the
 *   result goes to the temp folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, realpathSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import type { layers as tfl } from '@tensorflow/tfjs-layers';
import { type BackendInfo, type BackendName, initBackend } from '../src/backend/index.js';
import { matmulGflops } from '../src/backend/kernels/gemm-wasm.js';
import { fusedKernelsAvailable } from '../src/backend/kernels/rnn.js';
import { fusedThreads, kernelEngine, setKernelEngine, setWasmSimd } from '../src/backend/kernels/rnn-wasm.js';
import {
  relaxedSimdMissing,
  relaxedSimdRuns,
  WASM_SIMD_LABELS,
  type WasmSimd,
} from '../src/backend/kernels/wasm-simd.js';
import { table } from '../src/cli/render.js';
import { loadConfig } from '../src/config/load.js';
import type { ResolvedConfig } from '../src/config/schema.js';
import { type EncodedPairs, sequenceLength } from '../src/data/encode.js';
import { QqpError } from '../src/errors.js';
import { buildModel } from '../src/model/build.js';
import { buildOptimizer } from '../src/registry/optimizers.js';
import { makeTrainStep } from '../src/train/step.js';
import { IDLE_OTHER_CORES, isIdle, measureHere, startWindow, type Window } from './machine.js';

const THIS_FILE = fileURLToPath(import.meta.url);
export const ROOT = join(dirname(THIS_FILE), '..');
const TORCH_SCRIPT = join(ROOT, '..', 'shared', 'bench', 'torch_reference.py');
export const PYTHON = '/usr/bin/python3';

export const IMPLEMENTATIONS = ['fused', 'fused-wasm', 'layers'] as const;
export type Implementation = (typeof IMPLEMENTATIONS)[number];
/** What a config's lstm/gru `implementation` is set to for each: fused-wasm is fused with QQP_KERNELS=wasm. */
type LayerImplementation = 'fused' | 'layers';
const LAYER_IMPLEMENTATION: Record<Implementation, LayerImplementation> = {
  fused: 'fused',
  'fused-wasm': 'fused',
  layers: 'layers',
};
/** The environment of each child: fused runs the kernels' default engine (native where it runs). */
const CHILD_ENV: Record<Implementation, Record<string, string>> = {
  fused: {},
  'fused-wasm': { QQP_KERNELS: 'wasm' },
  layers: {},
};
const BACKENDS: readonly BackendName[] = ['wasm', 'cpu', 'tensorflow'];
const WASM_SIMDS: readonly WasmSimd[] = ['plain', 'relaxed'];

/**
 * Examples timed per implementation and batch size (after the warm-up batches), and pairs predicted.
 * Sized for about 10 minutes of training bench on 2 cores (wasm, 1 thread): layers runs about
 * 46 ex/s at batch 16 and 100 at 128, fused about 400 and 650, PyTorch 150-220.
 */
const PLAN: Record<Implementation, { warmup: number; examples: Record<number, number>; predict: number }> = {
  fused: { warmup: 3, examples: { 16: 2048, 128: 4096 }, predict: 4096 },
  'fused-wasm': { warmup: 3, examples: { 16: 2048, 128: 4096 }, predict: 4096 },
  layers: { warmup: 3, examples: { 16: 768, 128: 1024 }, predict: 1024 },
};
/** --quick: this share of the timed examples and predicted pairs. */
const QUICK = 1 / 8;
/** Warm-up batches torch_reference.py runs before timing (fixed in the script). */
const TORCH_WARMUP = 4;

interface Plan {
  warmup: number;
  /** Timed training examples: whole batches, at least one. */
  trainExamples: number;
  predict: number;
}

function planFor(impl: Implementation, batch: number, quick: boolean): Plan {
  const p = PLAN[impl];
  const base = p.examples[batch] ?? p.examples[batch <= 64 ? 16 : 128]!;
  const scale = quick ? QUICK : 1;
  return {
    warmup: p.warmup,
    trainExamples: Math.max(1, Math.ceil((base * scale) / batch)) * batch,
    predict: Math.max(256, Math.round(p.predict * scale)),
  };
}

export interface TrainBenchOptions {
  /** tfjs implementations of the recurrent layers, in order (default fused, layers). */
  impls?: Implementation[];
  /** tfjs backend of the children (default wasm). */
  backend?: BackendName;
  batchSizes?: number[];
  vocab?: number;
  /** Config of the model, relative to the current directory (default configs/bilstm.yaml). */
  config?: string;
  /**
   * Threads of the fused kernels (QQP_THREADS of each child) and of PyTorch, each count a run of
   * its own (default 1 and the machine's cores, at most 2; or QQP_THREADS alone when it is set).
   * tfjs-layers and fused-wasm run on 1 only.
   */
  threads?: number[];
  /**
   * The wasm modules fused-wasm runs on, one child each (QQP_WASM_SIMD); default: plain and relaxed
   * where this Node runs relaxed SIMD and QQP_WASM_SIMD is unset, else the one QQP_WASM_SIMD chooses.
   */
  wasmSimd?: WasmSimd[];
  /** Run the PyTorch reference when it can (default true). */
  torch?: boolean;
  /** About 1/8 of the timed examples and predicted pairs, for a smoke run (default false). */
  quick?: boolean;
  /** Progress lines, the children's included (default: stderr). */
  log?: (line: string) => void;
}

export interface TrainBenchRow {
  impl: Implementation | 'pytorch';
  /** `tfjs 4.22.0` or `pytorch 2.x`. */
  runtime: string;
  backend: string;
  /** tfjs: class of the recurrent layers built (a Bidirectional's forward layer), e.g. QqpFusedLSTM. */
  layerClass: string | null;
  /** tfjs: whether the backend has qqp's fused kernels (without them, fused layers loop over tfjs ops). */
  fusedKernels: boolean | null;
  /** fused: what ran the kernels, e.g. `native AVX-512`, `wasm relaxed SIMD` or `wasm SIMD`. */
  kernels: string | null;
  batch: number;
  seqLen: number;
  vocab: number;
  threads: number | null;
  warmupBatches: number;
  trainExamples: number;
  trainExamplesPerS: number;
  predictExamples: number;
  predictPairsPerS: number;
  /** What else the machine did while training was timed (PyTorch: its whole run), and prediction. */
  trainWindow: Window | null;
  predictWindow: Window | null;
  /** The model's multiply-adds ×2 per pair, forward (training: about 3×, forward and backward). */
  forwardMflop: number;
  /** Peak resident memory of the process that measured (its whole run, every batch size so far), MB. */
  peakRssMb: number | null;
}

export interface TrainBenchRatio {
  batch: number;
  /** The fused kernels' and PyTorch's threads (tfjs-layers and fused-wasm: 1 thread only). */
  threads: number;
  /** Whether other processes took at most IDLE_OTHER_CORES during the fused and PyTorch windows. */
  idle: boolean;
  /** Why a ratio is withheld (more than one thread on a busy machine), or how busy it was. */
  note: string;
  /** Fused's training examples/s on this many threads divided by its own on one (threads > 1, idle). */
  fusedOverOneThread: { train: number; predict: number } | null;
  /** Fused's examples/s (or pairs/s) divided by tfjs-layers'. */
  fusedOverLayers: { train: number; predict: number } | null;
  /**
   * Fused's (native kernels where they run) divided by fused on the WebAssembly kernels (the
   * relaxed-SIMD module when it was measured, as it runs by default where it can; else plain).
   */
  fusedOverWasm: { train: number; predict: number } | null;
  /** fused-wasm on the relaxed-SIMD module divided by fused-wasm on the plain one (both measured). */
  relaxedOverPlain: { train: number; predict: number } | null;
  /** Fused's examples/s (or pairs/s) divided by PyTorch's. */
  fusedOverTorch: { train: number; predict: number } | null;
}

export interface TrainBenchResult {
  config: string;
  seqLen: number;
  vocab: number;
  backend: BackendName;
  quick: boolean;
  /** The backend each child started, or why it was skipped. */
  children: {
    impl: Implementation;
    threads: number;
    /** fused-wasm: the QQP_WASM_SIMD it ran with (absent: the parent's environment). */
    wasmSimd?: WasmSimd;
    reason: string;
    details?: BackendInfo['details'];
  }[];
  rows: TrainBenchRow[];
  /**
   * The bound training and prediction are a share of: the kernels' matrix product alone
   * (native/rnn.c gemm_repeat, 128×64 · 64×256, the recurrence's shape at batch 128), one thread,
   * GFLOP/s, on the native engine (FMA) and on wasm, plain SIMD and relaxed (fused multiply-adds);
   * native and wasmRelaxed null where they cannot run (`note` says why).
   */
  bound: {
    native: { label: string; gflops: number } | null;
    wasm: number;
    wasmRelaxed: number | null;
    note: string;
  };
  torch: { ran: boolean; note: string };
  ratios: TrainBenchRatio[];
  jsonFile?: string;
}

export const round = (x: number) => Math.round(x * 10) / 10;
export const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

/**
 * Encoded pairs of the given id inputs ([count, sequence length] each, in the config's encoding)
 * with random labels: what `qqp train`'s step (src/train/step.ts) takes, for the benchmarks.
 */
export function randomPairs(config: ResolvedConfig, inputs: Int32Array[]): EncodedPairs {
  const sequenceLength = sequenceLengthOf(config);
  const count = inputs[0]!.length / sequenceLength;
  return {
    pair: config.data.encoding.pair,
    inputs,
    sequenceLength,
    count,
    labels: Float32Array.from({ length: count }, () => (Math.random() < 0.5 ? 0 : 1)),
    ids: [],
    swapped: new Uint8Array(count),
  };
}

const sequenceLengthOf = (config: ResolvedConfig) => sequenceLength(config.data.encoding);

function randomIds(count: number, seqLen: number, vocab: number): Int32Array {
  const ids = new Int32Array(count * seqLen);
  // Id 0 is padding; real ids are 1..vocab-1.
  for (let i = 0; i < ids.length; i++) ids[i] = 1 + Math.floor(Math.random() * (vocab - 1));
  return ids;
}

// ---- child: one implementation, every batch size -----------------------------------------------

/**
 * Sets `implementation` on every lstm and gru layer of a model config, wherever it sits: a stack's
 * layers (sequential `layers`, siamese `encoder` and `head`) or a bidirectional's `layer`.
 * Returns how many layers it set.
 */
export function setImplementation(node: unknown, impl: LayerImplementation): number {
  if (Array.isArray(node)) return node.reduce((n: number, x) => n + setImplementation(x, impl), 0);
  if (node === null || typeof node !== 'object') return 0;
  const obj = node as Record<string, unknown>;
  let n = 0;
  if (obj.type === 'lstm' || obj.type === 'gru') {
    obj.implementation = impl;
    n++;
  }
  for (const value of Object.values(obj)) n += setImplementation(value, impl);
  return n;
}

const EXPECTED_CLASS: Record<Implementation, RegExp> = {
  fused: /^QqpFused(LSTM|GRU)$/,
  'fused-wasm': /^QqpFused(LSTM|GRU)$/,
  layers: /^(LSTM|GRU)$/,
};
const RECURRENT_CLASS = /^(QqpFused)?(LSTM|GRU)$/;

/** Classes of the recurrent layers a model runs: a Bidirectional's wrapped layers, nested models included. */
export function recurrentClasses(layers: tfl.Layer[]): string[] {
  const found: string[] = [];
  for (const layer of layers) {
    const inner = layer as unknown as {
      layers?: tfl.Layer[];
      forwardLayer?: tfl.Layer;
      backwardLayer?: tfl.Layer;
    };
    if (Array.isArray(inner.layers)) found.push(...recurrentClasses(inner.layers));
    if (layer.getClassName() === 'Bidirectional') {
      for (const wrapped of [inner.forwardLayer, inner.backwardLayer]) {
        found.push(wrapped ? wrapped.getClassName() : 'Bidirectional(?)');
      }
    } else if (RECURRENT_CLASS.test(layer.getClassName())) {
      found.push(layer.getClassName());
    }
  }
  return found;
}

/**
 * FLOPs (2 per multiply-add) of one pair through the model, forward: the input and recurrent
 * kernels of lstm/gru layers once per timestep, every other kernel (dense) once. Read off the
 * weights' names and shapes (`…lstm…/kernel`, `…/recurrent_kernel`); embeddings are lookups.
 */
export function forwardFlops(
  model: { trainableWeights: { name: string; shape: (number | null)[] }[] },
  seqLen: number,
): number {
  let flops = 0;
  for (const w of model.trainableWeights) {
    const size = w.shape.reduce((a: number, b: number | null) => a * (b ?? 1), 1);
    if (!/(^|\/)(recurrent_)?kernel$/.test(w.name)) continue;
    flops += /lstm|gru/i.test(w.name) ? 2 * seqLen * size : 2 * size;
  }
  return flops;
}

/** The bound of `TrainBenchResult.bound`, measured here (no tfjs: the kernels alone). */
function measureBound(): TrainBenchResult['bound'] {
  let native: TrainBenchResult['bound']['native'] = null;
  const notes: string[] = [];
  try {
    setKernelEngine('native');
    native = { label: kernelEngine().label, gflops: round(matmulGflops()) };
  } catch (err) {
    notes.push(`native: ${err instanceof Error ? err.message : String(err)}`);
  }
  setKernelEngine('wasm');
  setWasmSimd('plain');
  const wasm = round(matmulGflops());
  let wasmRelaxed: number | null = null;
  if (relaxedSimdRuns()) {
    setWasmSimd('relaxed');
    wasmRelaxed = round(matmulGflops());
  } else notes.push(`wasm relaxed SIMD: ${relaxedSimdMissing()}`);
  setWasmSimd(undefined);
  setKernelEngine(undefined);
  return { native, wasm, wasmRelaxed, note: notes.join('; ') };
}

type ChildOutput =
  | { skipped: string }
  | { backend: { reason: string; details: BackendInfo['details'] }; rows: TrainBenchRow[] };

async function runChild(
  impl: Implementation,
  backend: BackendName,
  configFile: string,
  batchSizes: number[],
  vocab: number,
  quick: boolean,
): Promise<ChildOutput> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let info: BackendInfo;
  try {
    info = await initBackend(backend);
  } catch (err) {
    if (!(err instanceof QqpError)) throw err;
    return { skipped: err.message };
  }
  const { config: loaded } = loadConfig(configFile, { cwd: ROOT });
  const config = structuredClone(loaded) as ResolvedConfig;
  const set = setImplementation(config.model, LAYER_IMPLEMENTATION[impl]);
  if (set === 0) throw new Error(`${configFile}: no lstm or gru layer found in model to set to ${impl}`);
  const seqLen = sequenceLength(config.data.encoding);
  const model = buildModel(config, { vocabSize: vocab });
  const classes = recurrentClasses(model.layers);
  const wrong = classes.filter((c) => !EXPECTED_CLASS[impl].test(c));
  if (classes.length === 0 || wrong.length > 0) {
    throw new Error(
      `implementation ${impl} was set on ${set} layer(s), but the model runs [${classes.join(', ')}]` +
        (wrong.length > 0 ? `: ${wrong.join(', ')} is not ${impl}` : ''),
    );
  }
  const layerClass = [...new Set(classes)].join('+');
  const forwardMflop = round(forwardFlops(model, seqLen) / 1e6);
  const fusedKernels = fusedKernelsAvailable();
  const kernels = impl !== 'layers' && fusedKernels ? (info.details.kernels ?? null) : null;
  log(
    `${impl}: ${info.reason}; recurrent layers ${layerClass} ×${classes.length}; backend has fused kernels: ${fusedKernels}`,
  );
  // Trained as `qqp train` trains: its step (src/train/step.ts: forward, backward, the fused Adam
  // update where it runs), not tfjs-layers' trainOnBatch and its per-batch bookkeeping.
  const optimizer = buildOptimizer(config.training.optimizer);
  const rows: TrainBenchRow[] = [];
  try {
    for (const batch of batchSizes) {
      const plan = planFor(impl, batch, quick);
      const timed = plan.trainExamples / batch;
      const total = (plan.warmup + timed) * batch;
      const data = randomPairs(
        config,
        Array.from({ length: config.data.encoding.pair === 'concat' ? 1 : 2 }, () =>
          randomIds(total, seqLen, vocab),
        ),
      );
      const step = makeTrainStep(model, optimizer, config, data);
      const order = Uint32Array.from({ length: total }, (_, i) => i);
      log(
        `  ${impl} batch ${batch}: ${plan.warmup} warm-up + ${timed} timed batches, predict ${plan.predict}`,
      );
      for (let i = 0; i < plan.warmup; i++) step(order, i * batch, (i + 1) * batch);
      const trained = await measureHere(async () => {
        for (let i = plan.warmup; i < plan.warmup + timed; i++) step(order, i * batch, (i + 1) * batch);
      });
      const trainS = trained.window.wallS;

      const px = tf.tensor2d(randomIds(plan.predict, seqLen, vocab), [plan.predict, seqLen], 'int32');
      tf.tidy(() => (model.predict(px.slice(0, 256), { batchSize: 256 }) as tf.Tensor).dataSync());
      const predicted = await measureHere(() =>
        tf.tidy(() => (model.predict(px, { batchSize: 256 }) as tf.Tensor).dataSync()),
      );
      const predictS = predicted.window.wallS;

      px.dispose();
      const row: TrainBenchRow = {
        impl,
        runtime: `tfjs ${tf.version_core}`,
        backend: info.name,
        layerClass,
        fusedKernels,
        kernels,
        batch,
        seqLen,
        vocab,
        // The fused kernels split each batch over fusedThreads() (QQP_THREADS); the rest of tfjs
        // runs on the backend's own threads (wasm in Node: 1).
        threads: impl !== 'layers' && fusedKernels ? fusedThreads() : (info.details.threads ?? null),
        warmupBatches: plan.warmup,
        trainExamples: plan.trainExamples,
        trainExamplesPerS: round(plan.trainExamples / trainS),
        predictExamples: plan.predict,
        predictPairsPerS: round(plan.predict / predictS),
        trainWindow: trained.window,
        predictWindow: predicted.window,
        forwardMflop,
        // maxRSS is in KiB.
        peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      };
      rows.push(row);
      log(
        `    train ${row.trainExamplesPerS} ex/s, predict ${row.predictPairsPerS} pairs/s` +
          ` (other processes: ${trained.window.otherCores} / ${predicted.window.otherCores} cores)`,
      );
    }
  } finally {
    model.dispose();
    optimizer.dispose();
  }
  return { backend: { reason: info.reason, details: info.details }, rows };
}

// ---- parent: children one after another, then PyTorch ------------------------------------------

/**
 * Runs `file` (a bench script) with `args` in a fresh Node process (tsx) from the package root,
 * its stderr going to `log` line by line, and returns the last line of its stdout that starts with
 * `{`, parsed. `env` is added to this process's environment. Fails with the child's last stderr
 * lines when it exits with an error or prints no JSON line.
 */
export async function spawnJson<T>(
  file: string,
  args: string[],
  what: string,
  log: (line: string) => void,
  env: Record<string, string> = {},
): Promise<T> {
  // A Node 20 started with --experimental-wasm-relaxed-simd gives its children the same.
  const flags = process.execArgv.filter((a) => a === '--experimental-wasm-relaxed-simd');
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', file, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderr.push(line);
    log(`  ${line}`);
  });
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', done);
  });
  const last = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (code !== 0 || !last) {
    throw new Error(
      `bench child for ${what} exited with ${code}${last ? '' : ' without a JSON line'}:\n${stderr.slice(-20).join('\n')}`,
    );
  }
  return JSON.parse(last) as T;
}

/** Runs this file as `--child IMPL` in a fresh Node process; its stderr goes to `log`. */
function spawnChild(
  impl: Implementation,
  threads: number,
  wasmSimd: WasmSimd | undefined,
  backend: BackendName,
  configFile: string,
  batchSizes: number[],
  vocab: number,
  quick: boolean,
  log: (line: string) => void,
): Promise<ChildOutput> {
  const args = ['--child', impl, '--backend', backend];
  args.push('--config', configFile, '--batch', batchSizes.join(','), '--vocab', `${vocab}`);
  if (quick) args.push('--quick');
  return spawnJson<ChildOutput>(THIS_FILE, args, impl, log, {
    ...CHILD_ENV[impl],
    QQP_THREADS: `${threads}`,
    ...(wasmSimd ? { QQP_WASM_SIMD: wasmSimd } : {}),
  });
}

interface TorchOutput {
  impl: string;
  threads: number;
  train_examples_per_s: number;
  predict_examples_per_s: number;
  /** Added by the wrapper: the process's own CPU time (every thread), s, and its peak RSS, KiB. */
  cpu_s: number;
  max_rss_kb: number;
  window: Window;
}

/** Runs a script as __main__, then prints its own CPU time (so that others' can be told from it). */
const TORCH_WRAPPER = [
  'import json, resource, runpy, sys',
  'sys.argv = sys.argv[1:]',
  "runpy.run_path(sys.argv[0], run_name='__main__')",
  'r = resource.getrusage(resource.RUSAGE_SELF)',
  "print(json.dumps({'cpu_s': r.ru_utime + r.ru_stime, 'max_rss_kb': r.ru_maxrss}))",
].join('\n');

/**
 * The BLAS that Debian's PyTorch calls (its build says BLAS_INFO=generic: whatever libblas.so.3
 * the alternatives system points to). The reference BLAS (Debian's libblas3 alone) makes PyTorch
 * several times slower than with OpenBLAS (apt-get install -y libopenblas0-openmp), so the bench
 * says which one ran.
 */
export function torchBlas(): string {
  const file = '/usr/lib/x86_64-linux-gnu/libblas.so.3';
  try {
    const target = realpathSync(file);
    if (target.includes('openblas')) return `OpenBLAS (${target})`;
    if (target.includes('blis')) return `BLIS (${target})`;
    return `the reference BLAS (${target}; apt-get install -y libopenblas0-openmp gives PyTorch OpenBLAS)`;
  } catch {
    return 'unknown (no libblas.so.3)';
  }
}

/** Why a PyTorch script cannot run here (`skipped: ...`), or null when it can. */
export function torchAvailable(script: string = TORCH_SCRIPT): string | null {
  if (!existsSync(script)) return `skipped: ${script} is absent`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return `skipped: ${PYTHON} cannot import torch (apt-get install -y python3-torch)`;
  }
  return null;
}

function runTorch(
  batch: number,
  seqLen: number,
  vocab: number,
  examples: number,
  threads: number,
): TorchOutput {
  const args = [TORCH_SCRIPT, '--batch', `${batch}`, '--seq-len', `${seqLen}`, '--vocab', `${vocab}`];
  args.push('--threads', `${threads}`, '--examples', `${examples}`);
  const w = startWindow();
  const r = spawnSync(PYTHON, ['-c', TORCH_WRAPPER, ...args], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`torch_reference.py failed: ${r.stderr || r.error?.message}`);
  const lines = r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const result = lines.find((l) => 'train_examples_per_s' in l) as
    | Omit<TorchOutput, 'cpu_s' | 'max_rss_kb' | 'window'>
    | undefined;
  const cpu = Number(lines.at(-1)?.cpu_s);
  const rss = Number(lines.at(-1)?.max_rss_kb);
  if (!result || !Number.isFinite(cpu)) throw new Error(`torch_reference.py printed no result: ${r.stdout}`);
  return {
    ...(result as Omit<TorchOutput, 'cpu_s' | 'max_rss_kb' | 'window'>),
    cpu_s: cpu,
    max_rss_kb: rss,
    window: w.end(cpu * 1000),
  };
}

/** The default thread counts: 1, and the machine's cores up to 2 (or QQP_THREADS alone when set). */
function defaultThreads(): number[] {
  const env = Number(process.env.QQP_THREADS);
  if (Number.isInteger(env) && env >= 1) return [env];
  const cores = Math.min(2, availableParallelism());
  return cores > 1 ? [1, cores] : [1];
}

export async function runTrainBench(options: TrainBenchOptions = {}): Promise<TrainBenchResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const configFile = options.config ? resolve(options.config) : join(ROOT, 'configs', 'bilstm.yaml');
  const vocab = options.vocab ?? 10_000;
  const batchSizes = options.batchSizes ?? [16, 128];
  const impls = options.impls ?? [...IMPLEMENTATIONS];
  const threadCounts = options.threads ?? defaultThreads();
  const backend = options.backend ?? 'wasm';
  const quick = options.quick ?? false;
  const { config } = loadConfig(configFile, { cwd: ROOT });
  const seqLen = sequenceLength(config.data.encoding);

  const result: TrainBenchResult = {
    config: configFile,
    seqLen,
    vocab,
    backend,
    quick,
    children: [],
    rows: [],
    torch: { ran: false, note: '' },
    bound: measureBound(),
    ratios: [],
  };
  log(`matrix product bound, 1 thread: ${boundText(result.bound)}`);
  const wasmSimds: (WasmSimd | undefined)[] =
    options.wasmSimd ?? (relaxedSimdRuns() && !process.env.QQP_WASM_SIMD ? [...WASM_SIMDS] : [undefined]);
  for (const impl of impls) {
    // tfjs-layers does not use qqp's threads, and fused-wasm is compared on one thread.
    const counts = impl === 'fused' ? threadCounts : [Math.min(...threadCounts)];
    for (const threads of counts)
      for (const wasmSimd of impl === 'fused-wasm' ? wasmSimds : [undefined]) {
        const simdNote = wasmSimd ? `, QQP_WASM_SIMD=${wasmSimd}` : '';
        log(`${impl}: child process (${backend}, QQP_THREADS=${threads}${simdNote})`);
        const out = await spawnChild(
          impl,
          threads,
          wasmSimd,
          backend,
          configFile,
          batchSizes,
          vocab,
          quick,
          log,
        );
        const child = { impl, threads, ...(wasmSimd ? { wasmSimd } : {}) };
        if ('skipped' in out) {
          result.children.push({ ...child, reason: `skipped: ${out.skipped}` });
          log(`${impl}: skipped (${out.skipped})`);
          continue;
        }
        result.children.push({ ...child, reason: out.backend.reason, details: out.backend.details });
        result.rows.push(...out.rows);
      }
  }

  const unavailable = options.torch === false ? 'skipped: --no-torch' : torchAvailable();
  if (unavailable) {
    result.torch.note = unavailable;
    log(`pytorch: ${unavailable}`);
  } else {
    for (const threads of threadCounts)
      for (const batch of batchSizes) {
        // As many examples as the fused run timed, whole batches.
        const examples = planFor('fused', batch, quick).trainExamples;
        log(
          `pytorch batch ${batch}: ${TORCH_WARMUP} warm-up batches + ${examples} examples, ${threads} thread(s)`,
        );
        const t = runTorch(batch, seqLen, vocab, examples, threads);
        result.rows.push({
          impl: 'pytorch',
          runtime: t.impl,
          backend: 'pytorch',
          layerClass: null,
          fusedKernels: null,
          kernels: null,
          batch,
          seqLen,
          vocab,
          threads: t.threads,
          warmupBatches: TORCH_WARMUP,
          trainExamples: examples,
          trainExamplesPerS: t.train_examples_per_s,
          predictExamples: examples,
          predictPairsPerS: t.predict_examples_per_s,
          // One window for its whole run (start-up, training and prediction).
          trainWindow: t.window,
          predictWindow: t.window,
          forwardMflop: result.rows.find((r) => r.forwardMflop > 0)?.forwardMflop ?? 0,
          peakRssMb: Number.isFinite(t.max_rss_kb) ? Math.round(t.max_rss_kb / 1024) : null,
        });
        log(
          `    train ${t.train_examples_per_s} ex/s, predict ${t.predict_examples_per_s} pairs/s` +
            ` (other processes: ${t.window.otherCores} cores)`,
        );
      }
    result.torch = {
      ran: true,
      note: `${PYTHON} ${TORCH_SCRIPT}, on ${threadCounts.join(' and ')} thread(s), as the fused kernels (QQP_THREADS); BLAS: ${torchBlas()}`,
    };
  }

  for (const threads of threadCounts)
    for (const batch of batchSizes) {
      const find = (impl: TrainBenchRow['impl'], t = threads, kernels?: string) =>
        result.rows.find(
          (r) =>
            r.impl === impl &&
            r.batch === batch &&
            (impl === 'layers' || r.threads === t) &&
            (kernels === undefined || r.kernels === kernels),
        );
      const fused = find('fused');
      const divide = (a: TrainBenchRow | undefined, b: TrainBenchRow | undefined) =>
        a && b
          ? {
              train: ratio(a.trainExamplesPerS, b.trainExamplesPerS),
              predict: ratio(a.predictPairsPerS, b.predictPairsPerS),
            }
          : null;
      const over = (other: TrainBenchRow | undefined) => divide(fused, other);
      const wasmRelaxed = find('fused-wasm', threads, WASM_SIMD_LABELS.relaxed);
      const wasmPlain = find('fused-wasm', threads, WASM_SIMD_LABELS.plain);
      const torch = find('pytorch');
      // Every window a ratio of this line divides by (fused-wasm's run on one thread only).
      const windows = [fused, wasmRelaxed, wasmPlain]
        .flatMap((row) => [row?.trainWindow, row?.predictWindow])
        .concat(torch?.trainWindow)
        .filter((w): w is Window => !!w);
      const busiest = windows.reduce((m, w) => Math.max(m, w.otherCores), 0);
      const idle = windows.length > 0 && windows.every(isIdle);
      const busyNote = `other processes took up to ${busiest} cores during these measurements, load average ${Math.max(...windows.map((w) => w.loadAvg), 0)} at their start`;
      if (threads === 1) {
        result.ratios.push({
          batch,
          threads,
          idle,
          note: idle ? 'the machine was otherwise idle' : busyNote,
          fusedOverOneThread: null,
          fusedOverLayers: over(find('layers')),
          fusedOverWasm: over(wasmRelaxed ?? wasmPlain),
          relaxedOverPlain: divide(wasmRelaxed, wasmPlain),
          fusedOverTorch: over(torch),
        });
      } else {
        // Threads contend with other work (PyTorch's OpenMP threads spin and collapse): compared
        // only when the machine was otherwise idle.
        result.ratios.push({
          batch,
          threads,
          idle,
          note: idle ? 'the machine was otherwise idle' : `not compared: ${busyNote}`,
          fusedOverOneThread: idle ? over(find('fused', 1)) : null,
          fusedOverLayers: null,
          fusedOverWasm: null,
          relaxedOverPlain: null,
          fusedOverTorch: idle ? over(torch) : null,
        });
      }
    }

  const file = join(tmpdir(), `qqp-bench-train-${Date.now()}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  result.jsonFile = file;
  return result;
}

/** The bound's figures in a line: native, then the two wasm modules (or why one did not run). */
function boundText(b: TrainBenchResult['bound']): string {
  const native = b.native ? `${b.native.label} ${b.native.gflops} GFLOP/s` : 'no native engine';
  const relaxed =
    b.wasmRelaxed === null ? 'no wasm relaxed SIMD' : `wasm relaxed SIMD ${b.wasmRelaxed} GFLOP/s`;
  return `${native}, wasm SIMD ${b.wasm} GFLOP/s, ${relaxed}${b.note ? ` (${b.note})` : ''}`;
}

export function printTrainBench(r: TrainBenchResult, out: (line: string) => void = console.log): void {
  out(
    `Training speed: ${r.config}, sequence length ${r.seqLen}, vocabulary ${r.vocab}, random token ids` +
      (r.quick ? ' (--quick: about 1/8 of the examples)' : ''),
  );
  for (const c of r.children)
    out(
      `  ${c.impl} (QQP_THREADS=${c.threads}${c.wasmSimd ? `, QQP_WASM_SIMD=${c.wasmSimd}` : ''}): ${c.reason}`,
    );
  const others = (row: TrainBenchRow) =>
    row.impl === 'pytorch'
      ? `${row.trainWindow?.otherCores ?? '-'}`
      : `${row.trainWindow?.otherCores ?? '-'} / ${row.predictWindow?.otherCores ?? '-'}`;
  const bound = r.bound.native?.gflops ?? null;
  /** A figure's FLOP rate as a share of the native bound on its threads. */
  const share = (perS: number, mflop: number, threads: number | null) =>
    bound && mflop > 0 ? `${Math.round(((perS * mflop) / 1e3 / (bound * (threads ?? 1))) * 100)}%` : '-';
  out(`Bound: the kernels' matrix product alone (128×64 · 64×256, 1 thread): ${boundText(r.bound)}`);
  const rows = r.rows.map((row) => [
    row.impl,
    row.layerClass ? `${row.layerClass}${row.kernels ? ` (${row.kernels})` : ''}` : row.runtime,
    row.backend,
    row.threads ?? '-',
    row.batch,
    row.trainExamples,
    row.trainExamplesPerS,
    row.predictExamples,
    row.predictPairsPerS,
    `${share(row.trainExamplesPerS, 3 * row.forwardMflop, row.threads)} / ${share(row.predictPairsPerS, row.forwardMflop, row.threads)}`,
    others(row),
    row.trainWindow?.loadAvg ?? '-',
    row.peakRssMb ?? '-',
  ]);
  out(
    table(
      [
        'impl',
        'runs',
        'backend',
        'threads',
        'batch',
        'timed examples',
        'train ex/s',
        'predict pairs',
        'predict pairs/s',
        'of bound (train / predict)',
        'other processes (cores)',
        'load avg',
        'peak RSS MB',
      ],
      rows,
    ),
  );
  const mflop = r.rows.find((x) => x.forwardMflop > 0)?.forwardMflop;
  if (mflop)
    out(
      `of bound: FLOP/s as a share of the native bound × threads; ${mflop} MFLOP per pair forward, about 3× that per training example (forward and backward)`,
    );
  out(
    `other processes (cores): CPU time the rest of the machine took per second while training / predicting was timed (PyTorch: its whole run); idle is at most ${IDLE_OTHER_CORES}`,
  );
  const fmt = (x: { train: number; predict: number } | null) =>
    x ? `training ${x.train}×, prediction ${x.predict}×` : 'not measured';
  for (const x of r.ratios) {
    if (x.threads === 1)
      out(
        `batch ${x.batch}, 1 thread: fused ÷ layers: ${fmt(x.fusedOverLayers)}; fused ÷ fused-wasm: ${fmt(x.fusedOverWasm)}; fused-wasm relaxed ÷ plain SIMD: ${fmt(x.relaxedOverPlain)}; fused ÷ pytorch: ${fmt(x.fusedOverTorch)} (${x.note})`,
      );
    else if (!x.idle) out(`batch ${x.batch}, ${x.threads} threads: ${x.note}`);
    else
      out(
        `batch ${x.batch}, ${x.threads} threads: fused ÷ pytorch: ${fmt(x.fusedOverTorch)}; fused ${x.threads} threads ÷ 1: ${fmt(x.fusedOverOneThread)} (${x.note})`,
      );
  }
  out(`pytorch: ${r.torch.note || 'not run'}`);
  if (r.jsonFile) out(`JSON: ${r.jsonFile}`);
}

function list<T extends string>(
  text: string | undefined,
  allowed: readonly T[],
  what: string,
): T[] | undefined {
  if (text === undefined) return undefined;
  const items = text.split(',').map((s) => s.trim());
  const bad = items.filter((s) => !(allowed as readonly string[]).includes(s));
  if (bad.length > 0 || items.length === 0) {
    throw new Error(`--${what}: ${bad.join(', ') || text} is not one of ${allowed.join(', ')}`);
  }
  return items as T[];
}

function batchList(text: string | undefined, what = 'batch'): number[] | undefined {
  if (text === undefined) return undefined;
  const sizes = text.split(',').map((s) => Number(s.trim()));
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`--${what}: expected a comma list of positive integers, got ${text}`);
  }
  return sizes;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean' },
      'no-torch': { type: 'boolean' },
      quick: { type: 'boolean' },
      batch: { type: 'string' },
      impl: { type: 'string' },
      backend: { type: 'string' },
      config: { type: 'string' },
      vocab: { type: 'string' },
      threads: { type: 'string' },
      'wasm-simd': { type: 'string' },
      // Internal: run one implementation and print one JSON line (see spawnChild).
      child: { type: 'string' },
    },
  });
  const backend = list(values.backend, BACKENDS, 'backend')?.[0] ?? 'wasm';
  const batchSizes = batchList(values.batch);
  const vocab = values.vocab === undefined ? undefined : Number(values.vocab);
  if (vocab !== undefined && (!Number.isInteger(vocab) || vocab < 2))
    throw new Error('--vocab: an integer ≥ 2');
  if (values.child !== undefined) {
    const impl = list(values.child, IMPLEMENTATIONS, 'child')![0]!;
    const configFile = values.config ? resolve(values.config) : join(ROOT, 'configs', 'bilstm.yaml');
    const out = await runChild(
      impl,
      backend,
      configFile,
      batchSizes ?? [16, 128],
      vocab ?? 10_000,
      !!values.quick,
    );
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    const result = await runTrainBench({
      torch: !values['no-torch'],
      quick: !!values.quick,
      backend,
      ...(batchSizes ? { batchSizes } : {}),
      ...(values.threads ? { threads: batchList(values.threads, 'threads') } : {}),
      ...(values.impl ? { impls: list(values.impl, IMPLEMENTATIONS, 'impl')! } : {}),
      ...(values['wasm-simd'] ? { wasmSimd: list(values['wasm-simd'], WASM_SIMDS, 'wasm-simd')! } : {}),
      ...(values.config ? { config: values.config } : {}),
      ...(vocab ? { vocab } : {}),
    });
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else printTrainBench(result);
  }
}
