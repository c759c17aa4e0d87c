import { readFileSync } from 'node:fs';

/**
 * The fused LSTM/GRU kernels of native/rnn.c, compiled to WebAssembly SIMD (native/rnn.wasm,
 * rebuilt by native/build.sh). This file only moves arrays in and out of the module's memory and
 * calls it; the tfjs kernels that use it are in rnn.ts.
 *
 * Every call lays its buffers out from the module's heap base, growing the memory when a call
 * needs more (the memory is kept for the next call, so steady-state training allocates nothing).
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
};
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** Every entry point: (B, T, F, H, reverse, act, recAct, ...array pointers). */
type Entry = (...args: number[]) => void;

interface RnnExports {
  memory: WasmMemory;
  __heap_base: { value: number };
  lstm_forward: Entry;
  lstm_backward: Entry;
  gru_forward: Entry;
  gru_backward: Entry;
}

export const RNN_WASM_FILE = new URL('../../../native/rnn.wasm', import.meta.url);

let instance: RnnExports | undefined;

function rnnModule(): RnnExports {
  if (!instance) {
    const module = new WebAssembly.Module(readFileSync(RNN_WASM_FILE));
    instance = new WebAssembly.Instance(module, {}).exports as unknown as RnnExports;
  }
  return instance;
}

function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/**
 * One array argument, in C parameter order: an input copied in (null: absent, pointer 0), an
 * output copied out after the call, or scratch of a number of floats.
 */
export type Arg = { in: Float32Array | null } | { out: Float32Array } | { scratch: number };

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

/**
 * Calls an entry point: lays the arrays out from the heap base (16-byte aligned), growing the
 * memory if this call needs more than any before, copies inputs in, runs, copies outputs out.
 */
function invoke(
  name: keyof Omit<RnnExports, 'memory' | '__heap_base'>,
  shape: RnnShape,
  opts: RnnOptions,
  args: Arg[],
): void {
  const m = rnnModule();
  let end = align(m.__heap_base.value);
  const ptrs = args.map((a) => {
    const floats = 'in' in a ? (a.in?.length ?? -1) : 'out' in a ? a.out.length : a.scratch;
    if (floats < 0) return 0;
    const p = end;
    end = align(end + Math.max(floats, 1) * 4);
    return p;
  });
  const need = end - m.memory.buffer.byteLength;
  if (need > 0) m.memory.grow(Math.ceil(need / 65536));
  const heap = m.memory.buffer;
  args.forEach((a, i) => {
    if ('in' in a && a.in) new Float32Array(heap, ptrs[i], a.in.length).set(a.in);
  });
  m[name](
    shape.batch,
    shape.steps,
    shape.features,
    shape.units,
    opts.reverse ? 1 : 0,
    FUSED_ACTIVATIONS[opts.activation],
    FUSED_ACTIVATIONS[opts.recurrentActivation],
    ...ptrs,
  );
  args.forEach((a, i) => {
    if ('out' in a) a.out.set(new Float32Array(heap, ptrs[i], a.out.length));
  });
}

export interface LstmForwardArrays {
  x: Float32Array;
  w: Float32Array;
  u: Float32Array;
  bias: Float32Array | null;
  h0: Float32Array;
  c0: Float32Array;
  /** [B, T] of 0/1, or null for no masking. */
  mask: Float32Array | null;
  hs: Float32Array;
  cs: Float32Array;
  gates: Float32Array;
}

export function lstmForward(shape: RnnShape, opts: RnnOptions, a: LstmForwardArrays): void {
  invoke('lstm_forward', shape, opts, [
    { in: a.x },
    { in: a.w },
    { in: a.u },
    { in: a.bias },
    { in: a.h0 },
    { in: a.c0 },
    { in: a.mask },
    { out: a.hs },
    { out: a.cs },
    { out: a.gates },
  ]);
}

export interface LstmBackwardArrays {
  x: Float32Array;
  w: Float32Array;
  u: Float32Array;
  h0: Float32Array;
  c0: Float32Array;
  mask: Float32Array | null;
  hs: Float32Array;
  cs: Float32Array;
  gates: Float32Array;
  dhs: Float32Array;
  dcs: Float32Array;
  dx: Float32Array;
  dw: Float32Array;
  du: Float32Array;
  /** null when the layer has no bias. */
  db: Float32Array | null;
  dh0: Float32Array;
  dc0: Float32Array;
}

export function lstmBackward(shape: RnnShape, opts: RnnOptions, a: LstmBackwardArrays): void {
  const { batch: B, steps: T, features: F, units: H } = shape;
  const G = 4 * H;
  invoke('lstm_backward', shape, opts, [
    { in: a.x },
    { in: a.w },
    { in: a.u },
    { in: a.h0 },
    { in: a.c0 },
    { in: a.mask },
    { in: a.hs },
    { in: a.cs },
    { in: a.gates },
    { in: a.dhs },
    { in: a.dcs },
    { out: a.dx },
    { out: a.dw },
    { out: a.du },
    a.db ? { out: a.db } : { in: null },
    { out: a.dh0 },
    { out: a.dc0 },
    { scratch: B * T * G },
    { scratch: G * F },
    { scratch: G * H },
    { scratch: B * H },
    { scratch: B * H },
    { scratch: B * H },
  ]);
}

export interface GruForwardArrays {
  x: Float32Array;
  w: Float32Array;
  u: Float32Array;
  bias: Float32Array | null;
  h0: Float32Array;
  mask: Float32Array | null;
  hs: Float32Array;
  gates: Float32Array;
}

export function gruForward(shape: RnnShape, opts: RnnOptions, a: GruForwardArrays): void {
  invoke('gru_forward', shape, opts, [
    { in: a.x },
    { in: a.w },
    { in: a.u },
    { in: a.bias },
    { in: a.h0 },
    { in: a.mask },
    { out: a.hs },
    { out: a.gates },
    { scratch: shape.batch * shape.units },
  ]);
}

export interface GruBackwardArrays {
  x: Float32Array;
  w: Float32Array;
  u: Float32Array;
  h0: Float32Array;
  mask: Float32Array | null;
  hs: Float32Array;
  gates: Float32Array;
  dhs: Float32Array;
  dx: Float32Array;
  dw: Float32Array;
  du: Float32Array;
  db: Float32Array | null;
  dh0: Float32Array;
}

export function gruBackward(shape: RnnShape, opts: RnnOptions, a: GruBackwardArrays): void {
  const { batch: B, steps: T, features: F, units: H } = shape;
  const G = 3 * H;
  invoke('gru_backward', shape, opts, [
    { in: a.x },
    { in: a.w },
    { in: a.u },
    { in: a.h0 },
    { in: a.mask },
    { in: a.hs },
    { in: a.gates },
    { in: a.dhs },
    { out: a.dx },
    { out: a.dw },
    { out: a.du },
    a.db ? { out: a.db } : { in: null },
    { out: a.dh0 },
    { scratch: B * T * G },
    { scratch: G * F },
    { scratch: G * H },
    { scratch: B * H },
    { scratch: B * H },
    { scratch: B * H },
    { scratch: B * H },
  ]);
}
