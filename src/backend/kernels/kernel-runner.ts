import {
  fusedThreads,
  type KernelEngine,
  type KernelFunction,
  KernelSettingError,
  kernelSetting,
} from './kernel-table.js';
import { loadNativeKernels, type NativeAvailability, NativeEngine } from './native-runtime.js';
import { WasmEngine } from './wasm-runtime.js';
import { chooseWasmSimd, requestedWasmSimd, WASM_SIMD_LABELS, type WasmSimd } from './wasm-simd.js';

/**
 * Runs qqp's kernel functions (described by tables, kernel-table.ts) on one of two engines that
 * run the same C (native/rnn.c):
 * - `native`: the Node-API addon native/qqp-kernels.linux-x64.node (x86-64, AVX2 with FMA or
 *   AVX-512, threads inside the addon; native-runtime.ts);
 * - `wasm`: a WebAssembly module (any CPU, worker threads; wasm-runtime.ts), of two builds:
 *   native/rnn-relaxed.wasm (relaxed SIMD) where this Node runs it, else native/rnn.wasm (SIMD);
 *   `QQP_WASM_SIMD=relaxed|plain|auto` chooses (wasm-simd.ts).
 * `QQP_KERNELS=native|wasm` chooses; unset (or `auto`), the native one when it loads on this
 * machine, else wasm. A request that cannot be met (native, or relaxed when wasm runs) is an error
 * saying why.
 *
 * A call lays its arrays out in the engine's memory from its base (16-byte aligned; per-part copies
 * side by side), copies inputs in, runs every part (split by batch rows over `fusedThreads()`),
 * copies outputs out and adds up the per-part sums. On the native engine the arrays that share one
 * memory (tfjs' wasm heap, on the wasm backend) are not copied: the addon reads and writes them
 * where they are, and only scratch and the later parts' sums go in its own memory. The layout and the split are the same for both
 * engines; only the memory and the way the parts run differ.
 */

export type KernelEngineName = 'native' | 'wasm';

/** Which engine runs the kernels, and why (for the one-line backend reason and the bench). */
export interface KernelEngineInfo {
  name: KernelEngineName;
  /** e.g. `native AVX-512`, `wasm relaxed SIMD`, `wasm SIMD`. */
  label: string;
  /** Why not native, when it is wasm. */
  reason?: string;
  /** wasm: the module file that runs, `rnn-relaxed.wasm` or `rnn.wasm`. */
  module?: string;
}

/** One array argument of a call and how it splits over parts; `in` and `out` null for pointer 0. */
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

/** The array of an input or output argument (null for none, or scratch). */
function arrayOf(a: Arg): Float32Array | null {
  if ('in' in a) return a.in;
  if ('out' in a) return a.out;
  return null;
}

/**
 * The memory most of a call's arrays are views of, when they share one (tfjs' wasm heap): an
 * ArrayBuffer (not shared, whose views a native call may hold) below 2 GiB, so that every byte
 * offset fits a negated int32. Undefined when no two arrays share one (the cpu backend's arrays
 * each have their own).
 */
function externalMemory(args: readonly (Arg | number)[]): ArrayBuffer | undefined {
  const count = new Map<ArrayBufferLike, number>();
  for (const a of args) {
    if (typeof a === 'number') continue;
    const array = arrayOf(a);
    if (array) count.set(array.buffer, (count.get(array.buffer) ?? 0) + 1);
  }
  let best: ArrayBuffer | undefined;
  let most = 1;
  for (const [buffer, n] of count) {
    if (n > most && buffer instanceof ArrayBuffer && buffer.byteLength < 2 ** 31) {
      best = buffer;
      most = n;
    }
  }
  return best;
}

const ISA_LABELS: Record<string, string> = { avx512: 'AVX-512', avx2: 'AVX2+FMA' };

function requestedEngine(): KernelEngineName | 'auto' {
  return kernelSetting('QQP_KERNELS', ['native', 'wasm']);
}

let forced: KernelEngineName | undefined;

/** Chooses the engine for the whole process, over QQP_KERNELS (undefined: back to QQP_KERNELS); for tests and the bench. */
export function setKernelEngine(name: KernelEngineName | undefined): void {
  forced = name;
}

/** The kernel functions of one module, run on the chosen engine. */
export class KernelRunner {
  /** The two builds of the wasm module, each loaded (with its memory and workers) on first use. */
  private readonly wasm: Record<WasmSimd, WasmEngine>;
  /** The native engine per QQP_NATIVE_ISA setting ('' for the best), loaded on first use. */
  private readonly native = new Map<string, NativeAvailability>();

  /**
   * `wasmFiles`: the plain and relaxed builds of the same module. `wasm.maximumPages` must be their
   * `--max-memory` in 64 KiB pages; each starts with `wasm.initialPages`.
   */
  constructor(wasmFiles: Record<WasmSimd, URL>, wasm: { initialPages: number; maximumPages: number }) {
    this.wasm = {
      plain: new WasmEngine(wasmFiles.plain, wasm),
      relaxed: new WasmEngine(wasmFiles.relaxed, wasm),
    };
  }

  private nativeAvailability(): NativeAvailability {
    const key = process.env.QQP_NATIVE_ISA?.trim().toLowerCase() ?? '';
    let found = this.native.get(key);
    if (!found) {
      found = loadNativeKernels();
      this.native.set(key, found);
    }
    return found;
  }

  /** The engine the next call runs on, and why. */
  info(): KernelEngineInfo {
    return this.choose().info;
  }

  private choose(): { info: KernelEngineInfo; engine: KernelEngine } {
    const want = forced ?? requestedEngine();
    // Checked whichever engine runs, so that a mistyped value is never silently ignored.
    requestedWasmSimd();
    if (want === 'wasm') return this.chooseWasm('QQP_KERNELS=wasm');
    const native = this.nativeAvailability();
    if (native.ok) {
      const label = `native ${ISA_LABELS[native.engine.isa] ?? native.engine.isa}`;
      return { info: { name: 'native', label }, engine: native.engine };
    }
    if (want === 'native')
      throw new KernelSettingError(
        'QQP_KERNELS',
        `QQP_KERNELS=native, but the native kernels cannot run: ${native.reason}`,
      );
    return this.chooseWasm(native.reason);
  }

  /** The wasm module that runs (QQP_WASM_SIMD); `reason`: why not native. */
  private chooseWasm(reason: string): { info: KernelEngineInfo; engine: WasmEngine } {
    const simd = chooseWasmSimd();
    const engine = this.wasm[simd];
    const module = engine.file.pathname.split('/').at(-1) ?? '';
    return { info: { name: 'wasm', label: WASM_SIMD_LABELS[simd], reason, module }, engine };
  }

  /** The native engine when the kernels run on it (undefined on wasm), for work beyond the tables (adam.ts). */
  nativeEngine(): NativeEngine | undefined {
    const { engine } = this.choose();
    return engine instanceof NativeEngine ? engine : undefined;
  }

  /** Stops the wasm engines' worker threads (the next multi-threaded call starts new ones); for tests. */
  async stopWorkers(): Promise<void> {
    await Promise.all(Object.values(this.wasm).map((e) => e.stopWorkers()));
  }

  /** Stops a worker of the wasm module that runs without telling the pool, as if it had died; for tests. */
  killWorkerForTest(i: number): Promise<void> {
    return this.chooseWasm('').engine.killWorkerForTest(i);
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
    this.invoke(fn as KernelFunction<unknown>, batch, args);
  }

  private invoke(fn: KernelFunction<unknown>, B: number | undefined, args: (Arg | number)[]): void {
    const { engine } = this.choose();
    const parts = B === undefined ? 1 : Math.max(1, Math.min(fusedThreads(), B));
    const rowsAt = Array.from({ length: parts + 1 }, (_, p) => Math.round((p * (B ?? 0)) / parts));
    // An engine that reads other memory in place takes the arrays of one such memory (tfjs' wasm
    // heap, where the wasm backend's tensors are) where they are: no copy in or out.
    const ext = engine.inPlace ? externalMemory(args) : undefined;
    // (Not at byte 0: a pointer 0 is null.)
    const onExt = (a: Arg): boolean => {
      const array = arrayOf(a);
      return ext !== undefined && array?.buffer === ext && array.byteOffset > 0;
    };

    // Where each array goes: `block` bytes from `base`, one block per part for 'sum' and 'part'
    // arrays (for an array in place, parts after the first: part 0 writes it where it is); an
    // absent array (floats < 0) is pointer 0.
    let end = align(engine.base());
    const layout = args.map((a) => {
      if (typeof a === 'number') return { floats: -1, base: 0, block: 0 };
      const floats = floatsOf(a);
      if (floats < 0) return { floats, base: 0, block: 0 };
      const block = align(Math.max(floats, 1) * 4);
      const base = end;
      const perPart = a.per === 'sum' || a.per === 'part';
      end += block * (onExt(a) ? (a.per === 'sum' ? parts - 1 : 0) : perPart ? parts : 1);
      return { floats, base, block };
    });
    // Nothing grows the memory while the parts run, so this buffer holds the outputs too.
    const heap = engine.reserve(end, fn.kind);
    args.forEach((a, i) => {
      if (typeof a !== 'number' && 'in' in a && a.in && !onExt(a))
        new Float32Array(heap, layout[i]!.base, a.in.length).set(a.in);
    });

    // The arguments of part p, in order: scalars (its own row count for `rows`) and pointers (into
    // its rows, or to its copy); a pointer into `ext` is its byte offset there, negated.
    const argsOf = (p: number): number[] =>
      args.map((a, i) => {
        if (typeof a === 'number') return fn.params[i]!.role === 'rows' ? rowsAt[p + 1]! - rowsAt[p]! : a;
        const { floats, base, block } = layout[i]!;
        if (floats < 0) return 0;
        const rowBytes = B === undefined ? 0 : (floats / B) * rowsAt[p]! * 4;
        if (onExt(a)) {
          const at = arrayOf(a)!.byteOffset;
          if (a.per === 'rows') return -(at + rowBytes);
          if (a.per === 'sum' && p > 0) return base + (p - 1) * block;
          return -at;
        }
        if (a.per === 'rows') return base + rowBytes;
        if (a.per === 'sum' || a.per === 'part') return base + p * block;
        return base;
      });
    engine.execute(
      fn,
      Array.from({ length: parts }, (_, p) => argsOf(p)),
      ...(ext ? [ext] : []),
    );

    args.forEach((a, i) => {
      if (typeof a === 'number' || !('out' in a) || !a.out) return;
      const n = a.out.length;
      const { base, block } = layout[i]!;
      const inPlace = onExt(a);
      if (!inPlace) a.out.set(new Float32Array(heap, base, n));
      if (a.per !== 'sum') return;
      for (let p = 1; p < parts; p++) {
        const part = new Float32Array(heap, base + (inPlace ? p - 1 : p) * block, n);
        for (let k = 0; k < n; k++) a.out[k]! += part[k]!;
      }
    });
  }
}
