import { availableParallelism } from 'node:os';

/**
 * How qqp's own kernels (native/rnn.c) are described to the code that runs them, whichever engine
 * runs them (the WebAssembly module, wasm-runtime.ts, or the native addon, native-runtime.ts; the
 * choice is kernel-runner.ts'): a kernel function is a table of its parameters in the C function's
 * order, from which the runner computes scalars, lays out arrays and splits a call by batch rows
 * over threads. The thread setting is here too: both engines split a call the same way.
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

/** What runs a call once its arrays are laid out. */
export interface KernelEngine {
  /** Where the first array may go (never 0: a pointer 0 is null). */
  base(): number;
  /** The memory, at least `end` bytes long (grown if needed; the buffer may change when it grows). */
  reserve(end: number, kind: string): ArrayBufferLike;
  /**
   * Runs part p with `parts[p]`, the C function's arguments; throws when a part did not run. With
   * `ext` (engines with `inPlace` only), negative pointers are negated byte offsets into it.
   */
  execute(fn: KernelFunction<unknown>, parts: number[][], ext?: ArrayBuffer): void;
  /** Whether it reads and writes arrays of another memory where they are (`ext`). */
  readonly inPlace: boolean;
}

/** A kernel setting (QQP_KERNELS, QQP_WASM_SIMD) that is not valid or cannot be met here. */
export class KernelSettingError extends Error {
  constructor(
    readonly setting: 'QQP_KERNELS' | 'QQP_WASM_SIMD',
    message: string,
  ) {
    super(message);
    this.name = 'KernelSettingError';
  }
}

/**
 * A kernel setting read from the environment: unset or `auto` is `auto`, one of `choices` is
 * itself (case and spaces aside), anything else a KernelSettingError naming the choices.
 */
export function kernelSetting<const C extends string>(
  setting: KernelSettingError['setting'],
  choices: readonly [C, C],
): C | 'auto' {
  const raw = process.env[setting];
  const v = (raw ?? '').trim().toLowerCase();
  if (v === '' || v === 'auto') return 'auto';
  if ((choices as readonly string[]).includes(v)) return v as C;
  throw new KernelSettingError(
    setting,
    `${setting} must be ${choices[0]}, ${choices[1]} or auto, not ${JSON.stringify(raw)}`,
  );
}
