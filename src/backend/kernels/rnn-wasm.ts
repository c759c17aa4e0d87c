import { type KernelEngineInfo, KernelRunner } from './kernel-runner.js';
import { i32, input, type KernelFunction, type KernelParam, output, rows, scratch } from './kernel-table.js';
import type { NativeEngine } from './native-runtime.js';

/**
 * The fused LSTM/GRU kernels of native/rnn.c (native/rnn.wasm and native/rnn-relaxed.wasm, rebuilt
 * by native/build.sh; the native addon, native/build-addon.sh): the parameters of each C function, in its order, for the
 * runner (kernel-runner.ts) that runs them split by batch rows over threads. The tfjs kernels that
 * use them are in rnn.ts.
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

type RnnCall = RnnShape & RnnOptions;
type Param = KernelParam<RnnCall>;

export const RNN_WASM_FILE = new URL('../../../native/rnn.wasm', import.meta.url);
/** The same module built with relaxed SIMD (native/build.sh), run where Node runs it (wasm-simd.ts). */
export const RNN_RELAXED_WASM_FILE = new URL('../../../native/rnn-relaxed.wasm', import.meta.url);

/** The modules, linked with --max-memory=1 GiB (native/build.sh): 16384 pages of 64 KiB at most. */
const RNN_KERNELS = new KernelRunner(
  { plain: RNN_WASM_FILE, relaxed: RNN_RELAXED_WASM_FILE },
  { initialPages: 16, maximumPages: 16384 },
);

// ---- the parameter tables, in C order -------------------------------------------------------------

/** The scalars every function starts with: (B, T, F, H, reverse, act, rec_act). */
const SIZES: Param[] = [
  rows('B', (c) => c.batch),
  i32('T', (c) => c.steps),
  i32('F', (c) => c.features),
  i32('H', (c) => c.units),
  i32('reverse', (c) => (c.reverse ? 1 : 0)),
  i32('act', (c) => FUSED_ACTIVATIONS[c.activation]),
  i32('rec_act', (c) => FUSED_ACTIVATIONS[c.recurrentActivation]),
];

/** Shapes: a sequence [B, T, n], rows [B, n], and n for H, G = 4H (LSTM) or 3H (GRU), F. */
const seq = (n: (c: RnnCall) => number) => (c: RnnCall) => [c.batch, c.steps, n(c)];
const perRow = (n: (c: RnnCall) => number) => (c: RnnCall) => [c.batch, n(c)];
const H = (c: RnnCall) => c.units;
const G4 = (c: RnnCall) => 4 * c.units;
const G3 = (c: RnnCall) => 3 * c.units;
const F = (c: RnnCall) => c.features;

const OPTIONAL = { optional: true } as const;
/** cs and gates when only predicting: the kernel needs them, the caller does not. */
const SCRATCH_IF_NULL = { whenNull: 'scratch' } as const;
/** db of a layer without bias. */
const ABSENT_IF_NULL = { whenNull: 'absent' } as const;

// The bias is `bias` in C and `b` here (the tfjs kernels' input name).
const lstmForward: Param[] = [
  ...SIZES,
  input('x', 'rows'),
  input('w', 'whole'),
  input('u', 'whole'),
  input('b', 'whole', OPTIONAL),
  input('h0', 'rows'),
  input('c0', 'rows'),
  input('mask', 'rows', OPTIONAL),
  output('hs', 'rows', seq(H)),
  output('cs', 'rows', seq(H), SCRATCH_IF_NULL),
  output('gates', 'rows', seq(G4), SCRATCH_IF_NULL),
];

const lstmBackward: Param[] = [
  ...SIZES,
  input('x', 'rows'),
  input('w', 'whole'),
  input('u', 'whole'),
  input('h0', 'rows'),
  input('c0', 'rows'),
  input('mask', 'rows', OPTIONAL),
  input('hs', 'rows'),
  input('cs', 'rows'),
  input('gates', 'rows'),
  input('dhs', 'rows'),
  input('dcs', 'rows', OPTIONAL),
  output('dx', 'rows', seq(F)),
  output('dw', 'sum', (c) => [c.features, G4(c)]),
  output('du', 'sum', (c) => [c.units, G4(c)]),
  output('db', 'sum', (c) => [G4(c)], ABSENT_IF_NULL),
  output('dh0', 'rows', perRow(H)),
  output('dc0', 'rows', perRow(H)),
  scratch('dzs', 'rows', seq(G4)),
  scratch('wt', 'part', (c) => [G4(c), c.features]),
  scratch('ut', 'part', (c) => [G4(c), c.units]),
  scratch('dh', 'rows', perRow(H)),
  scratch('dc', 'rows', perRow(H)),
  scratch('dhn', 'rows', perRow(H)),
];

const gruForward: Param[] = [
  ...SIZES,
  input('x', 'rows'),
  input('w', 'whole'),
  input('u', 'whole'),
  input('b', 'whole', OPTIONAL),
  input('h0', 'rows'),
  input('mask', 'rows', OPTIONAL),
  output('hs', 'rows', seq(H)),
  output('gates', 'rows', seq(G3), SCRATCH_IF_NULL),
  scratch('rh', 'rows', perRow(H)),
];

const gruBackward: Param[] = [
  ...SIZES,
  input('x', 'rows'),
  input('w', 'whole'),
  input('u', 'whole'),
  input('h0', 'rows'),
  input('mask', 'rows', OPTIONAL),
  input('hs', 'rows'),
  input('gates', 'rows'),
  input('dhs', 'rows'),
  output('dx', 'rows', seq(F)),
  output('dw', 'sum', (c) => [c.features, G3(c)]),
  output('du', 'sum', (c) => [c.units, G3(c)]),
  output('db', 'sum', (c) => [G3(c)], ABSENT_IF_NULL),
  output('dh0', 'rows', perRow(H)),
  scratch('dzs', 'rows', seq(G3)),
  scratch('wt', 'part', (c) => [G3(c), c.features]),
  scratch('ut', 'part', (c) => [G3(c), c.units]),
  scratch('dh', 'rows', perRow(H)),
  scratch('dhn', 'rows', perRow(H)),
  scratch('drh', 'rows', perRow(H)),
  scratch('rh', 'rows', perRow(H)),
];

const fn = (name: string, params: Param[]): KernelFunction<RnnCall> => ({
  name,
  kind: 'fused recurrent kernel',
  params,
});

/** The functions of native/rnn.c, by name. */
export const RNN_FUNCTIONS = {
  lstm_forward: fn('lstm_forward', lstmForward),
  lstm_backward: fn('lstm_backward', lstmBackward),
  gru_forward: fn('gru_forward', gruForward),
  gru_backward: fn('gru_backward', gruBackward),
} as const;

export type EntryName = keyof typeof RNN_FUNCTIONS;

/**
 * Runs a function on named arrays: inputs are read, outputs written (a missing output is scratch
 * or pointer 0, as its parameter says).
 */
export function runEntry(
  name: EntryName,
  shape: RnnShape,
  opts: RnnOptions,
  arrays: Record<string, Float32Array | null | undefined>,
): void {
  RNN_KERNELS.run(RNN_FUNCTIONS[name], { ...shape, ...opts }, arrays);
}

/**
 * Runs a function of the same module described by another table (align-wasm.ts), on the same
 * memory and worker threads.
 */
export function runModuleFunction<C>(
  fn: KernelFunction<C>,
  call: C,
  arrays: Record<string, Float32Array | null | undefined>,
): void {
  RNN_KERNELS.run(fn, call, arrays);
}

/** Stops the module's worker threads (the next multi-threaded call starts new ones); for tests. */
export function stopWorkers(): Promise<void> {
  return RNN_KERNELS.stopWorkers();
}

/** Stops a worker without telling the pool, as if it had died; for tests. */
export function killWorkerForTest(i: number): Promise<void> {
  return RNN_KERNELS.killWorkerForTest(i);
}

/**
 * Which engine (native or wasm, and which wasm module) the kernels run on, and why; throws when
 * QQP_KERNELS or QQP_WASM_SIMD asks for one that cannot run.
 */
export function kernelEngine(): KernelEngineInfo {
  return RNN_KERNELS.info();
}

/** The native engine when the kernels run on it, else undefined (adam.ts). */
export function nativeKernelEngine(): NativeEngine | undefined {
  return RNN_KERNELS.nativeEngine();
}

// The thread and engine settings are the runtime's; importers of this file find them here too.
export { setKernelEngine } from './kernel-runner.js';
export { fusedThreads, setFusedThreads } from './kernel-table.js';
export { setWasmSimd } from './wasm-simd.js';
