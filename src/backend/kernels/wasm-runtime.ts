import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { KernelEngine, KernelFunction } from './kernel-table.js';

/**
 * The WebAssembly engine of qqp's own kernels (native/rnn.c compiled to WebAssembly SIMD with a
 * shared memory, see native/build.sh), used where the native addon cannot run (native-runtime.ts)
 * or when QQP_KERNELS=wasm; kernel-runner.ts lays a call's arrays out and splits it by rows. One
 * engine runs one module file: kernel-runner.ts makes one for each build, plain and relaxed SIMD,
 * and wasm-simd.ts says which runs.
 *
 * Threads: part 0 of a call runs on the calling thread and the others on worker threads that
 * instantiate the same module on the same shared memory. One thread: no worker is started.
 *
 * Every call lays its buffers out from the module's heap base (`__heap_base`, exported), growing
 * the memory when a call needs more (kept for the next call, so steady-state training allocates
 * nothing).
 */

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

const PAGE = 65536;

/** A kernel module (a .wasm file importing `env.memory`, shared) and its worker threads. */
export class WasmEngine implements KernelEngine {
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

  base(): number {
    return this.load().exports.__heap_base.value;
  }

  reserve(end: number, kind: string): ArrayBufferLike {
    const rt = this.load();
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
    return rt.memory.buffer;
  }

  /** Part 0 here, the others on workers; waits for every posted part (see `DEAD`). */
  readonly inPlace = false;

  execute(fn: KernelFunction<unknown>, parts: number[][]): void {
    const { name, kind } = fn;
    const rt = this.load();
    const entry = rt.exports[name];
    if (typeof entry !== 'function') throw new Error(`${kind} ${name}: not a function of ${this.file}`);
    if (parts.length > 1 && fn.params.length > MAX_ARGS)
      throw new Error(`${name}: too many arguments for a worker`);
    const posted: PoolWorker[] = [];
    let dead = false;
    for (let p = 1; p < parts.length; p++) {
      const w = this.poolWorker(p - 1, rt);
      const callArgs = parts[p]!;
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
      (entry as (...a: number[]) => void)(...parts[0]!);
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
  }
}
