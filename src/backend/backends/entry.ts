/**
 * What a training backend is to `initBackend` (src/backend/select.ts): one entry of the list in
 * index.ts, which knows how to load and start itself, which of qqp's kernels it gets, and what it
 * reports once running. Below the interface, what the entries share.
 */
import { TrainingError } from '../../errors.js';
import { errorFirstLine } from '../../util/text.js';
import type { KernelEngineInfo } from '../kernels/kernel-runner.js';
import { fusedThreads, KernelSettingError } from '../kernels/kernel-table.js';
import { kernelEngine } from '../kernels/rnn-wasm.js';

export interface BackendDetails {
  /** Version of @tensorflow/tfjs-core. */
  tfjs: string;
  /** The package that provides the backend and its version, e.g. `@tensorflow/tfjs-backend-wasm 4.22.0`. */
  provider: string;
  /** wasm only: whether the SIMD binary runs. */
  simd?: boolean;
  /** Threads the kernels run on (wasm: XNNPACK's pool; cpu: 1); absent for native TensorFlow. */
  threads?: number;
  /** wasm and cpu: threads qqp's fused LSTM/GRU kernels split a batch over (QQP_THREADS). */
  fusedRnnThreads?: number;
  /**
   * wasm and cpu: what runs qqp's fused kernels, e.g. `native AVX-512`, `wasm relaxed SIMD` or
   * `wasm SIMD` (QQP_KERNELS, QQP_WASM_SIMD).
   */
  kernels?: string;
  /** wasm only: the binary loaded (from the installed package, never fetched). */
  wasmBinary?: string;
  /** Each backend tried before the one chosen, and why it was passed over. */
  skipped: { backend: string; reason: string }[];
}

/** A backend that started (`label`: how the one-line reason names it), or why it did not. */
export type Attempt =
  | { ok: true; label: string; details: Omit<BackendDetails, 'skipped'> }
  | { ok: false; reason: string };

export interface StartContext {
  /** Loads a package by name (tests replace it to simulate failures). */
  importModule: (specifier: string) => Promise<unknown>;
}

export interface BackendEntry<Name extends string = string> {
  /** The name tfjs knows it by, and the `training.backend` value that asks for it. */
  readonly name: Name;
  /**
   * Registers qqp's kernels for this backend (none for some): called by `start` once the backend's
   * package is loaded and before tfjs switches to it.
   */
  registerKernels(): void;
  /** Loads the backend, registers its kernels and makes it tfjs' backend; or says why not. */
  start(context: StartContext): Promise<Attempt>;
  /** What to do when it was asked for by name and did not start (the error's suggestions). */
  readonly suggestions: readonly string[];
}

/** Whether an import failed because the package itself is not installed. */
function isNotInstalled(err: unknown, pkg: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    errorFirstLine(err).includes(`'${pkg}'`)
  );
}

/** Why a package could not be imported, in the words of the one-line reason. */
export function importFailure(err: unknown, pkg: string): string {
  return isNotInstalled(err, pkg)
    ? `${pkg} is not installed`
    : `${pkg} failed to load: ${errorFirstLine(err)}`;
}

/** What to do about each kernel setting that cannot be met. */
const KERNEL_SETTING_SUGGESTIONS: Record<KernelSettingError['setting'], string[]> = {
  QQP_KERNELS: [
    'unset QQP_KERNELS (then the native kernels run where they can, else wasm), or set QQP_KERNELS=wasm',
  ],
  QQP_WASM_SIMD: [
    'unset QQP_WASM_SIMD (then relaxed SIMD runs where it can, else plain SIMD), or set QQP_WASM_SIMD=plain',
    'on Node 20, start node with --experimental-wasm-relaxed-simd (Node 22 and later run relaxed SIMD by default)',
  ],
};

/**
 * The engine of qqp's fused kernels (native or wasm, kernel-runner.ts); a QQP_KERNELS or
 * QQP_WASM_SIMD that cannot be met is a TrainingError saying why.
 */
function fusedEngine(): KernelEngineInfo {
  try {
    return kernelEngine();
  } catch (err) {
    const setting = err instanceof KernelSettingError ? err.setting : 'QQP_KERNELS';
    throw new TrainingError('KERNELS_UNAVAILABLE', errorFirstLine(err), {
      suggestions: KERNEL_SETTING_SUGGESTIONS[setting],
    });
  }
}

/**
 * What the wasm and cpu backends report of qqp's fused kernels: `label` for the one-line reason
 * (their engine and threads), and the two details fields.
 */
export function fusedReport(): {
  label: string;
  details: Required<Pick<BackendDetails, 'fusedRnnThreads' | 'kernels'>>;
} {
  const n = fusedThreads();
  const { label } = fusedEngine();
  return {
    label: `fused kernels: ${label}, ${n} thread${n === 1 ? '' : 's'}`,
    details: { fusedRnnThreads: n, kernels: label },
  };
}
