import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * The fused LSTM/GRU kernels of native/rnn.c, compiled to WebAssembly SIMD with a shared memory
 * (native/rnn.wasm, rebuilt by native/build.sh). This file moves arrays in and out of that memory
 * and runs the kernels, split by batch rows over threads; the tfjs kernels that use it are in
 * rnn.ts.
 *
 * Threads: the recurrence is independent per batch row, so a call with B rows runs as up to
 * `fusedThreads()` parts, part 0 on the calling thread and the others on worker threads that
 * instantiate the same module on the same shared memory. Weight gradients (sums over rows) are
 * computed per part and added up afterwards. One thread: no worker is started.
 *
 * Every call lays its buffers out from the module's heap base, growing the memory when a call
 * needs more (kept for the next call, so steady-state training allocates nothing).
 */

/** Activation codes the module understands (native/rnn.c, enum ACT_*). */
export const FUSED_ACTIVATIONS = {
  linear: 0,
  tanh: 1,
  sigmoid: 2,
  hardSigmoid: 3,
  relu: 4,
} as const;
export type FusedActivation = keyof typeof FUSED_ACTIVATIONS;

export function isFusedActivation(name: string): name is FusedActivation {
  return Object.hasOwn(FUSED_ACTIVATIONS, name);
}

/** The part of the WebAssembly API used here (Node has it; the project's type libraries do not declare it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
};
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

const ENTRIES = ['lstm_forward', 'lstm_backward', 'gru_forward', 'gru_backward'] as const;
export type EntryName = (typeof ENTRIES)[number];

/** Every entry point: (B, T, F, H, reverse, act, recAct, ...array pointers). */
type Entry = (...args: number[]) => void;

type RnnExports = Record<EntryName, Entry> & { __heap_base: { value: number } };

export const RNN_WASM_FILE = new URL('../../../native/rnn.wasm', import.meta.url);

/** Pages of 64 KiB: the module is linked with --max-memory=1 GiB (native/build.sh). */
const INITIAL_PAGES = 16;
const MAXIMUM_PAGES = 16384;

interface Runtime {
  module: object;
  memory: WasmMemory;
  exports: RnnExports;
}

let runtime: Runtime | undefined;

function rnnRuntime(): Runtime {
  if (!runtime) {
    const module = new WebAssembly.Module(readFileSync(RNN_WASM_FILE));
    const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as RnnExports;
    runtime = { module, memory, exports };
  }
  return runtime;
}

// ---- worker threads -------------------------------------------------------------------------------

/**
 * A worker's control block (Int32Array on a SharedArrayBuffer): [0] state, [1] entry index,
 * [2] argument count, [3...] arguments. States: idle → posted (by the caller) → done or failed (by
 * the worker) → idle (by the caller).
 */
const IDLE = 0;
const POSTED = 1;
const DONE = 2;
const FAILED = 3;
const MAX_ARGS = 40;
/** The least time a worker gets after the calling thread has finished its own part. */
let workerGraceMs = 10_000;

/** Sets that time (for tests). */
export function setWorkerGraceMs(ms: number): void {
  workerGraceMs = ms;
}

/** Stops the worker threads (the next multi-threaded call starts new ones); for tests. */
export async function stopWorkers(): Promise<void> {
  await Promise.all(pool.splice(0).map((w) => w.worker.terminate()));
}

/** Stops a worker without telling the pool, as if it had died; for tests. */
export async function killWorkerForTest(i: number): Promise<void> {
  await pool[i]?.worker.terminate();
}

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, entries } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctrl = new Int32Array(control);
for (;;) {
  let state = Atomics.load(ctrl, 0);
  while (state !== ${POSTED}) {
    Atomics.wait(ctrl, 0, state);
    state = Atomics.load(ctrl, 0);
  }
  const args = Array.from(ctrl.subarray(3, 3 + ctrl[2]));
  let result = ${DONE};
  try {
    exports[entries[ctrl[1]]](...args);
  } catch {
    result = ${FAILED};
  }
  Atomics.store(ctrl, 0, result);
  Atomics.notify(ctrl, 0);
}
`;

interface PoolWorker {
  worker: Worker;
  ctrl: Int32Array;
}

const pool: PoolWorker[] = [];

function poolWorker(i: number, rt: Runtime): PoolWorker {
  while (pool.length <= i) {
    const control = new SharedArrayBuffer((3 + MAX_ARGS) * 4);
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module: rt.module, memory: rt.memory, control, entries: ENTRIES },
    });
    // Idle workers must not keep the process alive.
    worker.unref();
    pool.push({ worker, ctrl: new Int32Array(control) });
  }
  return pool[i]!;
}

let threads = defaultThreads();

function defaultThreads(): number {
  const env = Number(process.env.QQP_THREADS);
  if (Number.isInteger(env) && env >= 1) return env;
  return Math.max(1, availableParallelism());
}

/** Threads the fused kernels split a batch over (default: the machine's cores, or QQP_THREADS). */
export function fusedThreads(): number {
  return threads;
}

/** Sets the threads the fused kernels use (1: no worker threads). */
export function setFusedThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`threads must be a positive integer, got ${n}`);
  threads = n;
}

// ---- calls ----------------------------------------------------------------------------------------

/**
 * One array argument, in C parameter order, and how it splits over parts:
 * - `in` with `per: 'batch'` (rows of the batch) or `'whole'` (every part reads all of it); null
 *   for an absent array (pointer 0);
 * - `out` with `per: 'batch'`, or `'sum'` (each part writes its own copy, added up after);
 * - `scratch` floats, `per: 'batch'` (rows) or `'part'` (a copy per part).
 */
type Arg =
  | { in: Float32Array | null; per: 'batch' | 'whole' }
  | { out: Float32Array | null; per: 'batch' | 'sum' }
  | { scratch: number; per: 'batch' | 'part' };

export interface RnnShape {
  batch: number;
  steps: number;
  features: number;
  units: number;
}

export interface RnnOptions {
  reverse: boolean;
  activation: FusedActivation;
  recurrentActivation: FusedActivation;
}

function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

function floatsOf(a: Arg): number {
  if ('in' in a) return a.in?.length ?? -1;
  if ('out' in a) return a.out?.length ?? -1;
  return a.scratch;
}

/**
 * Lays the arrays out from the heap base (16-byte aligned; per-part copies side by side), grows
 * the memory if needed, copies inputs in, runs every part (part 0 here, the others on workers),
 * copies outputs out and adds up the per-part sums.
 */
function invoke(name: EntryName, shape: RnnShape, opts: RnnOptions, args: Arg[]): void {
  const rt = rnnRuntime();
  const B = shape.batch;
  const parts = Math.max(1, Math.min(threads, B));
  const rows = Array.from({ length: parts + 1 }, (_, p) => Math.round((p * B) / parts));

  // Where each array goes: `block` bytes from `base`, one block per part for 'sum' and 'part'
  // arrays; an absent array (floats < 0) is pointer 0.
  let end = align(rt.exports.__heap_base.value);
  const layout = args.map((a) => {
    const floats = floatsOf(a);
    if (floats < 0) return { floats, base: 0, block: 0 };
    const block = align(Math.max(floats, 1) * 4);
    const base = end;
    end += block * (a.per === 'sum' || a.per === 'part' ? parts : 1);
    return { floats, base, block };
  });
  const need = end - rt.memory.buffer.byteLength;
  if (need > 0) {
    const pages = Math.ceil(need / 65536);
    if (rt.memory.buffer.byteLength / 65536 + pages > MAXIMUM_PAGES) {
      throw new Error(
        `fused recurrent kernel: a call needs ${Math.ceil(end / 2 ** 20)} MiB, over the 1 GiB limit`,
      );
    }
    rt.memory.grow(pages);
  }
  const heap = rt.memory.buffer;
  args.forEach((a, i) => {
    if ('in' in a && a.in) new Float32Array(heap, layout[i]!.base, a.in.length).set(a.in);
  });

  const pointers = (p: number): number[] =>
    args.map((a, i) => {
      const { floats, base, block } = layout[i]!;
      if (floats < 0) return 0;
      if (a.per === 'batch') return base + (floats / B) * rows[p]! * 4;
      if (a.per === 'sum' || a.per === 'part') return base + p * block;
      return base;
    });
  const scalars = (p: number) => [
    rows[p + 1]! - rows[p]!,
    shape.steps,
    shape.features,
    shape.units,
    opts.reverse ? 1 : 0,
    FUSED_ACTIVATIONS[opts.activation],
    FUSED_ACTIVATIONS[opts.recurrentActivation],
  ];

  const posted: PoolWorker[] = [];
  for (let p = 1; p < parts; p++) {
    const w = poolWorker(p - 1, rt);
    const callArgs = [...scalars(p), ...pointers(p)];
    if (callArgs.length > MAX_ARGS) throw new Error(`${name}: too many arguments for a worker`);
    w.ctrl[1] = ENTRIES.indexOf(name);
    w.ctrl[2] = callArgs.length;
    w.ctrl.set(callArgs, 3);
    Atomics.store(w.ctrl, 0, POSTED);
    Atomics.notify(w.ctrl, 0);
    posted.push(w);
  }
  let failed = false;
  let stuck = false;
  const started = performance.now();
  try {
    rt.exports[name](...scalars(0), ...pointers(0));
  } finally {
    // A worker does the same work as this thread: one that has not finished long after (a worker
    // that died cannot say so while this thread waits) is given up on rather than waited for.
    const deadline = performance.now() + Math.max(workerGraceMs, 20 * (performance.now() - started));
    for (const w of posted) {
      let state = Atomics.load(w.ctrl, 0);
      while (state === POSTED) {
        const left = deadline - performance.now();
        if (left <= 0) break;
        Atomics.wait(w.ctrl, 0, POSTED, Math.min(left, 1000));
        state = Atomics.load(w.ctrl, 0);
      }
      if (state === POSTED) stuck = true;
      else if (state === FAILED) failed = true;
      Atomics.store(w.ctrl, 0, IDLE);
    }
  }
  if (stuck) {
    // Start afresh next time: the stuck workers are stopped, new ones are made on demand, and a new
    // memory replaces the one they may still write to.
    for (const w of pool.splice(0)) void w.worker.terminate();
    runtime = undefined;
    throw new Error(
      `fused recurrent kernel ${name}: a worker thread did not finish (QQP_THREADS=1 avoids them)`,
    );
  }
  if (failed) throw new Error(`fused recurrent kernel ${name} failed on a worker thread`);

  args.forEach((a, i) => {
    if (!('out' in a) || !a.out) return;
    const n = a.out.length;
    const { base, block } = layout[i]!;
    a.out.set(new Float32Array(heap, base, n));
    if (a.per !== 'sum') return;
    for (let p = 1; p < parts; p++) {
      const part = new Float32Array(heap, base + p * block, n);
      for (let k = 0; k < n; k++) a.out[k]! += part[k]!;
    }
  });
}

// ---- entry points ---------------------------------------------------------------------------------

/**
 * One array parameter of an entry point, in C order: its name, whether it is read (`in`), written
 * (`out`) or scratch, how it splits over threads, and (out, scratch) its shape. An `in` marked
 * optional may be null (pointer 0: no bias, no mask, no gradient of cs); an `out` given as null is
 * either not wanted at all (`absent`: pointer 0, e.g. the bias gradient of a layer without bias) or
 * needed by the kernel but not by the caller (`scratch`: cs and gates when only predicting).
 */
export interface Param {
  name: string;
  role: 'in' | 'out' | 'scratch';
  per: 'batch' | 'whole' | 'sum' | 'part';
  shape?: (s: RnnShape) => number[];
  optional?: boolean;
  whenNull?: 'absent' | 'scratch';
}

const seq = (width: (s: RnnShape) => number) => (s: RnnShape) => [s.batch, s.steps, width(s)];
const rows = (width: (s: RnnShape) => number) => (s: RnnShape) => [s.batch, width(s)];
const units = (s: RnnShape) => s.units;
const features = (s: RnnShape) => s.features;

function forwardParams(gates: number, cell: boolean): Param[] {
  const gh = (s: RnnShape) => gates * s.units;
  return [
    { name: 'x', role: 'in', per: 'batch' },
    { name: 'w', role: 'in', per: 'whole' },
    { name: 'u', role: 'in', per: 'whole' },
    { name: 'b', role: 'in', per: 'whole', optional: true },
    { name: 'h0', role: 'in', per: 'batch' },
    ...(cell ? [{ name: 'c0', role: 'in', per: 'batch' } as const] : []),
    { name: 'mask', role: 'in', per: 'batch', optional: true },
    { name: 'hs', role: 'out', per: 'batch', shape: seq(units) },
    ...(cell
      ? [{ name: 'cs', role: 'out', per: 'batch', shape: seq(units), whenNull: 'scratch' } as const]
      : []),
    { name: 'gates', role: 'out', per: 'batch', shape: seq(gh), whenNull: 'scratch' },
    ...(cell ? [] : [{ name: 'rh', role: 'scratch', per: 'batch', shape: rows(units) } as const]),
  ];
}

function backwardParams(gates: number, cell: boolean): Param[] {
  const gh = (s: RnnShape) => gates * s.units;
  const state: Param[] = cell
    ? [
        { name: 'dh', role: 'scratch', per: 'batch', shape: rows(units) },
        { name: 'dc', role: 'scratch', per: 'batch', shape: rows(units) },
        { name: 'dhn', role: 'scratch', per: 'batch', shape: rows(units) },
      ]
    : [
        { name: 'dh', role: 'scratch', per: 'batch', shape: rows(units) },
        { name: 'dhn', role: 'scratch', per: 'batch', shape: rows(units) },
        { name: 'drh', role: 'scratch', per: 'batch', shape: rows(units) },
        { name: 'rh', role: 'scratch', per: 'batch', shape: rows(units) },
      ];
  return [
    { name: 'x', role: 'in', per: 'batch' },
    { name: 'w', role: 'in', per: 'whole' },
    { name: 'u', role: 'in', per: 'whole' },
    { name: 'h0', role: 'in', per: 'batch' },
    ...(cell ? [{ name: 'c0', role: 'in', per: 'batch' } as const] : []),
    { name: 'mask', role: 'in', per: 'batch', optional: true },
    { name: 'hs', role: 'in', per: 'batch' },
    ...(cell ? [{ name: 'cs', role: 'in', per: 'batch' } as const] : []),
    { name: 'gates', role: 'in', per: 'batch' },
    { name: 'dhs', role: 'in', per: 'batch' },
    ...(cell ? [{ name: 'dcs', role: 'in', per: 'batch', optional: true } as const] : []),
    { name: 'dx', role: 'out', per: 'batch', shape: seq(features) },
    { name: 'dw', role: 'out', per: 'sum', shape: (s) => [s.features, gh(s)] },
    { name: 'du', role: 'out', per: 'sum', shape: (s) => [s.units, gh(s)] },
    { name: 'db', role: 'out', per: 'sum', shape: (s) => [gh(s)], whenNull: 'absent' },
    { name: 'dh0', role: 'out', per: 'batch', shape: rows(units) },
    ...(cell ? [{ name: 'dc0', role: 'out', per: 'batch', shape: rows(units) } as const] : []),
    { name: 'dzs', role: 'scratch', per: 'batch', shape: seq(gh) },
    { name: 'wt', role: 'scratch', per: 'part', shape: (s) => [gh(s), s.features] },
    { name: 'ut', role: 'scratch', per: 'part', shape: (s) => [gh(s), s.units] },
    ...state,
  ];
}

/** The array parameters of each entry point of native/rnn.c, in its order. */
export const PARAMS: Record<EntryName, readonly Param[]> = {
  lstm_forward: forwardParams(4, true),
  lstm_backward: backwardParams(4, true),
  gru_forward: forwardParams(3, false),
  gru_backward: backwardParams(3, false),
};

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Runs an entry point on named arrays: inputs are read, outputs written (a missing output is
 * scratch or pointer 0, as its parameter says).
 */
export function runEntry(
  name: EntryName,
  shape: RnnShape,
  opts: RnnOptions,
  arrays: Record<string, Float32Array | null | undefined>,
): void {
  const args = PARAMS[name].map((p): Arg => {
    const a = arrays[p.name] ?? null;
    if (p.role === 'in') {
      if (!a && !p.optional) throw new Error(`${name}: input ${p.name} is missing`);
      return { in: a, per: p.per as 'batch' | 'whole' };
    }
    const floats = size(p.shape!(shape));
    if (p.role === 'scratch') return { scratch: floats, per: p.per as 'batch' | 'part' };
    if (a) {
      if (a.length !== floats)
        throw new Error(`${name}: output ${p.name} has ${a.length} floats, not ${floats}`);
      return { out: a, per: p.per as 'batch' | 'sum' };
    }
    if (p.whenNull === 'scratch') return { scratch: floats, per: 'batch' };
    if (p.whenNull === 'absent') return { out: null, per: p.per as 'batch' | 'sum' };
    throw new Error(`${name}: output ${p.name} is missing`);
  });
  invoke(name, shape, opts, args);
}
