import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { errorFirstLine } from '../../util/text.js';
import type { KernelEngine, KernelFunction } from './kernel-table.js';

/**
 * The native engine of qqp's kernels: the Node-API addon native/qqp-kernels.linux-x64.node
 * (native/addon.c around native/rnn.c built for x86-64 with AVX2+FMA and with AVX-512; rebuilt by
 * native/build-addon.sh). The same C as the WebAssembly module, so the same functions with the
 * same arguments; kernel-runner.ts lays a call's arrays out in this engine's memory, an ordinary
 * ArrayBuffer, but for arrays already in one other memory (tfjs' wasm heap), which the addon reads
 * and writes where they are; it runs the parts of a call on its own threads.
 *
 * It loads on Linux x64 with a CPU that has AVX2 and FMA (or AVX-512F); elsewhere, or when the
 * file does not load, `loadNativeKernels` says why and qqp runs the WebAssembly module.
 * `QQP_NATIVE_ISA=avx2|avx512` picks an instruction set below the best one (for tests and the bench).
 */

export const NATIVE_ADDON_FILE = new URL('../../../native/qqp-kernels.linux-x64.node', import.meta.url);

interface Addon {
  isas(): string[];
  kernels(): string[];
  run(isa: string, fn: string, heap: ArrayBuffer, args: Int32Array, parts: number, ext?: ArrayBuffer): void;
  adam(arrays: Float32Array[], constants: Float32Array, parts: number): void;
}

export type NativeAvailability = { ok: true; engine: NativeEngine } | { ok: false; reason: string };

/** The first byte a call may use: 0 stays free, so that pointer 0 is null. */
const BASE = 64;

export class NativeEngine implements KernelEngine {
  private heap = new ArrayBuffer(1 << 20);

  constructor(
    private readonly addon: Addon,
    readonly isa: string,
    private readonly functions: ReadonlySet<string>,
  ) {}

  base(): number {
    return BASE;
  }

  reserve(end: number, kind: string): ArrayBufferLike {
    if (end > 2 ** 31 - 1)
      throw new Error(`${kind}: a call needs ${Math.ceil(end / 2 ** 20)} MiB, over the 2 GiB limit`);
    if (end > this.heap.byteLength) {
      // Kept for the next call: steady-state training allocates nothing.
      this.heap = new ArrayBuffer(Math.min(2 ** 31 - 1, Math.max(end, 2 * this.heap.byteLength)));
    }
    return this.heap;
  }

  readonly inPlace = true;

  execute(fn: KernelFunction<unknown>, parts: number[][], ext?: ArrayBuffer): void {
    if (!this.functions.has(fn.name))
      throw new Error(`${fn.kind} ${fn.name}: not a function of ${NATIVE_ADDON_FILE}`);
    const n = fn.params.length;
    const args = new Int32Array(parts.length * n);
    parts.forEach((p, i) => {
      args.set(p, i * n);
    });
    if (ext) this.addon.run(this.isa, fn.name, this.heap, args, parts.length, ext);
    else this.addon.run(this.isa, fn.name, this.heap, args, parts.length);
  }

  /**
   * One Adam step over tensors given as [weights, gradient, m, v, new weights] each, on `parts`
   * threads, the moments updated in place; `constants` as adam.ts lays them out. The arrays are
   * read and written where they are (tfjs' wasm heap or the cpu backend's arrays): nothing is copied.
   */
  adam(arrays: Float32Array[], constants: Float32Array, parts: number): void {
    this.addon.adam(arrays, constants, parts);
  }
}

/** The native engine, or why it cannot run here. */
export function loadNativeKernels(): NativeAvailability {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return {
      ok: false,
      reason: `no native kernels for ${process.platform}-${process.arch} (only linux-x64)`,
    };
  let addon: Addon;
  try {
    addon = createRequire(import.meta.url)(fileURLToPath(NATIVE_ADDON_FILE)) as Addon;
  } catch (err) {
    return { ok: false, reason: `the native kernels did not load: ${errorFirstLine(err)}` };
  }
  const isas = addon.isas();
  const want = process.env.QQP_NATIVE_ISA?.trim().toLowerCase();
  if (want) {
    if (!isas.includes(want))
      return {
        ok: false,
        reason: `QQP_NATIVE_ISA=${want}, but this CPU runs ${isas.length ? isas.join(', ') : 'neither avx512 nor avx2'}`,
      };
    return { ok: true, engine: new NativeEngine(addon, want, new Set(addon.kernels())) };
  }
  const isa = isas[0];
  if (!isa) return { ok: false, reason: 'this CPU has neither AVX2 with FMA nor AVX-512' };
  return { ok: true, engine: new NativeEngine(addon, isa, new Set(addon.kernels())) };
}
