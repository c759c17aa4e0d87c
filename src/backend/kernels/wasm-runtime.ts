import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * A runtime for qqp's own WebAssembly kernels (native/*.c compiled to WebAssembly SIMD with a
 * shared memory, see native/build.sh). It knows nothing of what a kernel computes: a kernel
 * function is described by a table of its parameters in the C function's order (`KernelParam`),
 * and `WasmKernels.run` moves arrays in and out of the module's memory and runs the function,
 * split by batch rows over threads.
 *
 * Threads: a kernel function works on rows independently, so a call with B rows runs as up to
 * `fusedThreads()` parts, part 0 on the calling thread and the others on worker threads that
 * instantiate the same module on the same shared memory. Outputs summed over rows (weight
 * gradients) are computed per part and added up afterwards. One thread: no worker is started.
 *
 * Every call lays its buffers out from the module's heap base (`__heap_base`, exported), growing
 * the memory when a call needs more (kept for the next call, so steady-state training allocates
 * nothing).
 */

/**
 * One parameter of a kernel function, in the C function's order; `C` is what a call is made with
 * (sizes, settings), from which scalars and array shapes are computed.
 * - `rows` (i32): the number of batch rows; each part of a split call gets its own.
 * - `i32`: an integer, the same for every part.
 * - `in` (const float *): read; `per: 'rows'` split by rows over the parts, `'whole'` read whole by
 *   every part. An `optional` one may be null (pointer 0: no bias, no mask).
 * - `out` (float *): written, of `shape`; `per: 'rows'`, or `'sum'` (each part writes its own copy,
 *   added up after). When the caller passes null: `whenNull: 'absent'` gives pointer 0 (not
 *   wanted at all), `'scratch'` a scratch array (needed by the kernel but not by the caller); else
 *   it is an error.
 * - `scratch` (float *): work space of `shape`; `per: 'rows'`, or `'part'` (a copy per part).
 * A function without a `rows` parameter runs whole, on the calling thread.
 */
export type KernelParam<C> =
  | { name: string; role: 'rows'; value: (call: C) => number }
  | { name: string; role: 'i32'; value: (call: C) => number }
  | { name: string; role: 'in'; per: 'rows' | 'whole'; optional?: boolean }
  | {
      name: string;
      role: 'out';
      per: 'rows' | 'sum';
      shape: (call: C) => number[];
      whenNull?: 'absent' | 'scratch';
    }
  | { name: string; role: 'scratch'; per: 'rows' | 'part'; shape: (call: C) => number[] };

/** A C function of a kernel module: its exported name, its parameters in order. */
export interface KernelFunction<C> {
  name: string;
  /** How messages name its family, e.g. `fused recurrent kernel`. */
  kind: string;
  params: readonly KernelParam<C>[];
}

// ---- table helpers: one call per C parameter ------------------------------------------------------

export const rows = <C>(name: string, value: (call: C) => number): KernelParam<C> => ({
  name,
  role: 'rows',
  value,
});
export const i32 = <C>(name: string, value: (call: C) => number): KernelParam<C> => ({
  name,
  role: 'i32',
  value,
});
export const input = <C>(
  name: string,
  per: 'rows' | 'whole',
  options: { optional?: boolean } = {},
): KernelParam<C> => ({ name, role: 'in', per, ...options });
export const output = <C>(
  name: string,
  per: 'rows' | 'sum',
  shape: (call: C) => number[],
  options: { whenNull?: 'absent' | 'scratch' } = {},
): KernelParam<C> => ({ name, role: 'out', per, shape, ...options });
export const scratch = <C>(
  name: string,
  per: 'rows' | 'part',
  shape: (call: C) => number[],
): KernelParam<C> => ({ name, role: 'scratch', per, shape });

// ---- threads --------------------------------------------------------------------------------------

let threads = defaultThreads();

function defaultThreads(): number {
  const env = Number(process.env.QQP_THREADS);
  if (Number.isInteger(env) && env >= 1) return env;
  return Math.max(1, availableParallelism());
}

/** Threads the kernels split a batch over (default: the machine's cores, or QQP_THREADS). */
export function fusedThreads(): number {
  return threads;
}

/** Sets the threads the kernels use (1: no worker threads). */
export function setFusedThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`threads must be a positive integer, got ${n}`);
  threads = n;
}

// ---- the module -----------------------------------------------------------------------------------

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

type ModuleExports = Record<string, unknown> & { __heap_base: { value: number } };

interface Runtime {
  module: object;
  memory: WasmMemory;
  exports: ModuleExports;
  /** The exported functions' names (a worker is told which to run by its index here). */
  functions: string[];
}

/**
 * A worker's control block (Int32Array on a SharedArrayBuffer): [0] state, [1] function index,
 * [2] argument count, [3...] arguments. States: idle → posted (by the caller) → done or failed (by
 * the worker) → idle (by the caller); dead, for good, once the worker is gone.
 *
 * Liveness is never judged by time: the calling thread waits for a posted part (blocked in
 * `Atomics.wait`, so its event loop does not run) until the state leaves `posted`, and a worker that
 * is gone always moves it to `dead`, by one of two paths:
 * - the worker itself, on its way out: any error escaping its loop (its start-up included) and its
 *   own `process` exit set `dead` and notify, so a waiting caller wakes;
 * - the calling thread, for a death it sees: the Worker's 'exit' and 'error' events (run by its
 *   event loop, so between calls) and `killWorkerForTest` set `dead` before the next call posts.
 * A call never posts over `dead` (compare-exchange from `idle`), so a dead worker is found by the
 * call that would have used it, which fails with an error, and the next call starts new workers.
 */
const IDLE = 0;
const POSTED = 1;
const DONE = 2;
const FAILED = 3;
const DEAD = 4;
const MAX_ARGS = 40;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, entries } = workerData;
const ctrl = new Int32Array(control);
const die = () => {
  Atomics.store(ctrl, 0, ${DEAD});
  Atomics.notify(ctrl, 0);
};
process.on('exit', die);
try {
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  work: for (;;) {
    let state = Atomics.load(ctrl, 0);
    while (state !== ${POSTED}) {
      if (state === ${DEAD}) break work;
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
    Atomics.compareExchange(ctrl, 0, ${POSTED}, result);
    Atomics.notify(ctrl, 0);
  }
} catch (error) {
  die();
  throw error;
}
`;

interface PoolWorker {
  worker: Worker;
  ctrl: Int32Array;
}

/** Marks a worker gone, for good, and wakes a caller waiting on it. */
function markDead(ctrl: Int32Array): void {
  Atomics.store(ctrl, 0, DEAD);
  Atomics.notify(ctrl, 0);
}

/**
 * One array argument of a call and how it splits over parts (see `KernelParam`); `in` and `out`
 * null for pointer 0.
 */
type Arg =
  | { in: Float32Array | null; per: 'rows' | 'whole' }
  | { out: Float32Array | null; per: 'rows' | 'sum' }
  | { scratch: number; per: 'rows' | 'part' };

function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

function floatsOf(a: Arg): number {
  if ('in' in a) return a.in?.length ?? -1;
  if ('out' in a) return a.out?.length ?? -1;
  return a.scratch;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

const PAGE = 65536;

/** A kernel module (a .wasm file importing `env.memory`, shared) and its worker threads. */
export class WasmKernels {
  private runtime: Runtime | undefined;
  private readonly pool: PoolWorker[] = [];

  private readonly initialPages: number;
  private readonly maximumPages: number;

  /**
   * `memory.maximumPages` must be the module's `--max-memory` in 64 KiB pages; it starts with
   * `memory.initialPages`.
   */
  constructor(
    readonly file: URL,
    memory: { initialPages: number; maximumPages: number },
  ) {
    this.initialPages = memory.initialPages;
    this.maximumPages = memory.maximumPages;
  }

  private load(): Runtime {
    if (!this.runtime) {
      const module = new WebAssembly.Module(readFileSync(this.file));
      const memory = new WebAssembly.Memory({
        initial: this.initialPages,
        maximum: this.maximumPages,
        shared: true,
      });
      const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as ModuleExports;
      const functions = Object.keys(exports).filter((k) => typeof exports[k] === 'function');
      this.runtime = { module, memory, exports, functions };
    }
    return this.runtime;
  }

  private poolWorker(i: number, rt: Runtime): PoolWorker {
    while (this.pool.length <= i) {
      const control = new SharedArrayBuffer((3 + MAX_ARGS) * 4);
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module: rt.module, memory: rt.memory, control, entries: rt.functions },
      });
      const ctrl = new Int32Array(control);
      worker.on('exit', () => markDead(ctrl));
      // The error also reaches the caller: the call that finds the worker dead fails.
      worker.on('error', () => markDead(ctrl));
      // Idle workers must not keep the process alive.
      worker.unref();
      this.pool.push({ worker, ctrl });
    }
    return this.pool[i]!;
  }

  /** Stops the worker threads (the next multi-threaded call starts new ones); for tests. */
  async stopWorkers(): Promise<void> {
    await Promise.all(this.pool.splice(0).map((w) => w.worker.terminate()));
  }

  /**
   * Stops a worker without telling the pool, as if it had died; for tests. Its slot is marked dead
   * before it is stopped (as its 'exit' event would), so the next call sees the death whatever the
   * timing.
   */
  async killWorkerForTest(i: number): Promise<void> {
    const w = this.pool[i];
    if (!w) return;
    markDead(w.ctrl);
    await w.worker.terminate();
  }

  /**
   * Runs a function on named arrays: inputs are read, outputs written (a missing output is scratch
   * or pointer 0, as its parameter says).
   */
  run<C>(fn: KernelFunction<C>, call: C, arrays: Record<string, Float32Array | null | undefined>): void {
    const { name } = fn;
    let batch: number | undefined;
    const args = fn.params.map((p): Arg | number => {
      if (p.role === 'rows' || p.role === 'i32') {
        const v = p.value(call);
        if (p.role === 'rows') batch = v;
        return v;
      }
      const a = arrays[p.name] ?? null;
      if (p.role === 'in') {
        if (!a && !p.optional) throw new Error(`${name}: input ${p.name} is missing`);
        return { in: a, per: p.per };
      }
      const floats = size(p.shape(call));
      if (p.role === 'scratch') return { scratch: floats, per: p.per };
      if (a) {
        if (a.length !== floats)
          throw new Error(`${name}: output ${p.name} has ${a.length} floats, not ${floats}`);
        return { out: a, per: p.per };
      }
      if (p.whenNull === 'scratch') return { scratch: floats, per: 'rows' };
      if (p.whenNull === 'absent') return { out: null, per: p.per };
      throw new Error(`${name}: output ${p.name} is missing`);
    });
    this.invoke(fn, batch, args);
  }

  /**
   * Lays the arrays out from the heap base (16-byte aligned; per-part copies side by side), grows
   * the memory if needed, copies inputs in, runs every part (part 0 here, the others on workers),
   * copies outputs out and adds up the per-part sums.
   */
  private invoke<C>(fn: KernelFunction<C>, B: number | undefined, args: (Arg | number)[]): void {
    const { name, kind } = fn;
    const rt = this.load();
    const entry = rt.exports[name];
    if (typeof entry !== 'function') throw new Error(`${kind} ${name}: not a function of ${this.file}`);
    const parts = B === undefined ? 1 : Math.max(1, Math.min(threads, B));
    const rowsAt = Array.from({ length: parts + 1 }, (_, p) => Math.round((p * (B ?? 0)) / parts));

    // Where each array goes: `block` bytes from `base`, one block per part for 'sum' and 'part'
    // arrays; an absent array (floats < 0) is pointer 0.
    let end = align(rt.exports.__heap_base.value);
    const layout = args.map((a) => {
      if (typeof a === 'number') return { floats: -1, base: 0, block: 0 };
      const floats = floatsOf(a);
      if (floats < 0) return { floats, base: 0, block: 0 };
      const block = align(Math.max(floats, 1) * 4);
      const base = end;
      end += block * (a.per === 'sum' || a.per === 'part' ? parts : 1);
      return { floats, base, block };
    });
    const need = end - rt.memory.buffer.byteLength;
    if (need > 0) {
      const pages = Math.ceil(need / PAGE);
      if (rt.memory.buffer.byteLength / PAGE + pages > this.maximumPages) {
        throw new Error(
          `${kind}: a call needs ${Math.ceil(end / 2 ** 20)} MiB, over the ${(this.maximumPages * PAGE) / 2 ** 30} GiB limit`,
        );
      }
      rt.memory.grow(pages);
    }
    const heap = rt.memory.buffer;
    args.forEach((a, i) => {
      if (typeof a !== 'number' && 'in' in a && a.in)
        new Float32Array(heap, layout[i]!.base, a.in.length).set(a.in);
    });

    // The arguments of part p, in order: scalars (its own row count for `rows`) and pointers (into
    // its rows, or to its copy).
    const argsOf = (p: number): number[] =>
      args.map((a, i) => {
        if (typeof a === 'number') return fn.params[i]!.role === 'rows' ? rowsAt[p + 1]! - rowsAt[p]! : a;
        const { floats, base, block } = layout[i]!;
        if (floats < 0) return 0;
        if (a.per === 'rows') return B === undefined ? base : base + (floats / B) * rowsAt[p]! * 4;
        if (a.per === 'sum' || a.per === 'part') return base + p * block;
        return base;
      });

    if (parts > 1 && args.length > MAX_ARGS) throw new Error(`${name}: too many arguments for a worker`);
    const posted: PoolWorker[] = [];
    let dead = false;
    for (let p = 1; p < parts; p++) {
      const w = this.poolWorker(p - 1, rt);
      const callArgs = argsOf(p);
      w.ctrl[1] = rt.functions.indexOf(name);
      w.ctrl[2] = callArgs.length;
      w.ctrl.set(callArgs, 3);
      // A dead worker's slot stays dead: its part is not run, and the call fails below.
      if (Atomics.compareExchange(w.ctrl, 0, IDLE, POSTED) !== IDLE) {
        dead = true;
        continue;
      }
      Atomics.notify(w.ctrl, 0);
      posted.push(w);
    }
    let failed = false;
    try {
      (entry as (...a: number[]) => void)(...argsOf(0));
    } finally {
      // Wait for each posted part until its worker says done or failed, or is gone (see `DEAD`);
      // however long a live worker takes, it is waited for.
      for (const w of posted) {
        let state = Atomics.load(w.ctrl, 0);
        while (state === POSTED) {
          Atomics.wait(w.ctrl, 0, POSTED);
          state = Atomics.load(w.ctrl, 0);
        }
        if (state === DEAD) dead = true;
        else {
          if (state === FAILED) failed = true;
          Atomics.store(w.ctrl, 0, IDLE);
        }
      }
    }
    if (dead) {
      // Start afresh next time: the pool's workers are stopped, new ones are made on demand, and a
      // new memory replaces the one the old ones shared.
      for (const w of this.pool.splice(0)) void w.worker.terminate();
      this.runtime = undefined;
      throw new Error(`${kind} ${name}: a worker thread did not finish: it died (QQP_THREADS=1 avoids them)`);
    }
    if (failed) throw new Error(`${kind} ${name} failed on a worker thread`);

    args.forEach((a, i) => {
      if (typeof a === 'number' || !('out' in a) || !a.out) return;
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
}
