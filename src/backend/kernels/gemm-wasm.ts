import { i32, input, type KernelFunction, type KernelParam, output } from './kernel-table.js';
import { runModuleFunction } from './rnn-wasm.js';

/**
 * native/rnn.c's matrix product alone (gemm_repeat): what the kernels' engine (native or wasm)
 * reaches on one thread, in GFLOP/s, so that the bench can print training and prediction as a
 * share of it. Not used by training.
 */

interface GemmCall {
  m: number;
  n: number;
  k: number;
  reps: number;
}

const params: KernelParam<GemmCall>[] = [
  i32('M', (c) => c.m),
  i32('N', (c) => c.n),
  i32('K', (c) => c.k),
  i32('reps', (c) => c.reps),
  input('a', 'whole'),
  input('b', 'whole'),
  output('c', 'rows', (c) => [c.m, c.n]),
];

export const GEMM_FUNCTIONS = {
  gemm_repeat: { name: 'gemm_repeat', kind: 'matrix product', params } as KernelFunction<GemmCall>,
} as const;

/**
 * GFLOP/s of C [m, n] += A [m, k] · B [k, n] on the current engine, one thread: the best of
 * `rounds` timed calls of `reps` products each (default: the LSTM recurrence of the reference
 * model at batch 128, 128×64 · 64×256).
 */
export function matmulGflops(shape = { m: 128, n: 256, k: 64 }, reps = 200, rounds = 5): number {
  const { m, n, k } = shape;
  const a = Float32Array.from({ length: m * k }, (_, i) => ((i % 7) - 3) / 8);
  const b = Float32Array.from({ length: k * n }, (_, i) => ((i % 5) - 2) / 8);
  const c = new Float32Array(m * n);
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds + 1; r++) {
    const t0 = performance.now();
    runModuleFunction(GEMM_FUNCTIONS.gemm_repeat, { m, n, k, reps }, { a, b, c });
    // The first call is a warm-up (the engine loads, the memory grows).
    if (r > 0) best = Math.min(best, performance.now() - t0);
  }
  return (2 * m * n * k * reps) / (best / 1000) / 1e9;
}
