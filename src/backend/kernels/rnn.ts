import * as tfc from '@tensorflow/tfjs-core';
import {
  type EntryPoint,
  type FusedActivation,
  PARAMS,
  type RnnOptions,
  type RnnShape,
  runEntry,
} from './rnn-wasm.js';

/**
 * The fused recurrent layers' tfjs kernels, for the wasm and cpu backends, with their gradients.
 * Both backends run the same WebAssembly SIMD module (rnn-wasm.ts); only the way a backend holds
 * its tensors differs (the wasm backend's heap, the cpu backend's JS arrays).
 *
 *   QqpFusedLstm     {x [B,T,F], w [F,4H], u [H,4H], b [4H] or [0], h0 [B,H], c0 [B,H],
 *                     mask [B,T] or [0]} → hs [B,T,H], cs [B,T,H], gates [B,T,4H]
 *   QqpFusedLstmGrad {x, w, u, h0, c0, mask, hs, cs, gates, dhs, dcs ([B,T,H] or [0] for none)}
 *                    → dx, dw, du, db ([4H], or [0] without bias), dh0, dc0
 *   QqpFusedGru      {x, w [F,3H], u [H,3H], b [3H] or [0], h0, mask} → hs [B,T,H], gates [B,T,3H]
 *   QqpFusedGruGrad  {x, w, u, h0, mask, hs, gates, dhs} → dx, dw, du, db, dh0
 *   QqpFusedLstmInfer, QqpFusedGruInfer: the forward kernels' inputs → hs only (no gradient)
 *
 * The kernels do the input projection x·W + b of every timestep as one matrix product, then the
 * recurrence. hs is the state after each processing step (reversed order when goBackwards), as
 * tfjs-layers returns sequences. An empty b means no bias, an empty mask no masking.
 */

export const FUSED_LSTM = 'QqpFusedLstm';
export const FUSED_LSTM_GRAD = 'QqpFusedLstmGrad';
export const FUSED_GRU = 'QqpFusedGru';
export const FUSED_GRU_GRAD = 'QqpFusedGruGrad';
/** Forward only, hs only (no gradient): what a layer runs when no gradient is being recorded. */
export const FUSED_LSTM_INFER = 'QqpFusedLstmInfer';
export const FUSED_GRU_INFER = 'QqpFusedGruInfer';

export type FusedBackendName = 'wasm' | 'cpu';
export const FUSED_BACKENDS: readonly FusedBackendName[] = ['wasm', 'cpu'];

export interface FusedRnnAttrs {
  goBackwards: boolean;
  activation: FusedActivation;
  recurrentActivation: FusedActivation;
}

/** Reads inputs and makes outputs on one backend; views are taken after every output exists. */
interface TensorIo {
  output(shape: number[]): { info: tfc.TensorInfo; values: () => Float32Array };
  read(info: tfc.TensorInfo): Float32Array;
}

interface CpuBackendLike {
  readSync(dataId: tfc.DataId): tfc.backend_util.BackendValues;
  makeTensorInfo(shape: number[], dtype: tfc.DataType, values: Float32Array): tfc.TensorInfo;
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tfc.DataType): tfc.TensorInfo;
  typedArrayFromHeap(t: tfc.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

function checkFloat(info: tfc.TensorInfo, what: string): void {
  if (info.dtype !== 'float32') throw new Error(`fused recurrent kernel: ${what} must be float32`);
}

const cpuIo = (backend: unknown): TensorIo => {
  const cpu = backend as CpuBackendLike;
  return {
    output(shape) {
      const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
      return { info: cpu.makeTensorInfo(shape, 'float32', values), values: () => values };
    },
    read: (info) => cpu.readSync(info.dataId) as Float32Array,
  };
};

/** The wasm heap may grow (and its buffer change) when an output is allocated: views come later. */
const wasmIo = (backend: unknown): TensorIo => {
  const wasm = backend as WasmBackendLike;
  return {
    output(shape) {
      const info = wasm.makeOutput(shape, 'float32');
      return { info, values: () => wasm.typedArrayFromHeap(info) as Float32Array };
    },
    read: (info) => wasm.typedArrayFromHeap(info) as Float32Array,
  };
};

const IO: Record<FusedBackendName, (backend: unknown) => TensorIo> = { cpu: cpuIo, wasm: wasmIo };

function options(attrs: unknown): RnnOptions {
  const a = attrs as unknown as FusedRnnAttrs;
  return { reverse: a.goBackwards, activation: a.activation, recurrentActivation: a.recurrentActivation };
}

/** Batch, steps and features from x [B, T, F]; units from u [H, G*H]. */
function shapeOf(x: tfc.TensorInfo, u: tfc.TensorInfo): RnnShape {
  const [batch, steps, features] = x.shape as [number, number, number];
  return { batch, steps, features, units: u.shape[0]! };
}

/** A kernel: the entry point it runs and which of its outputs become the kernel's outputs. */
interface KernelDef {
  entry: EntryPoint;
  outputs: readonly string[];
}

const KERNEL_DEFS: Record<string, KernelDef> = {
  [FUSED_LSTM]: { entry: 'lstm_forward', outputs: ['hs', 'cs', 'gates'] },
  [FUSED_LSTM_INFER]: { entry: 'lstm_forward', outputs: ['hs'] },
  [FUSED_LSTM_GRAD]: { entry: 'lstm_backward', outputs: ['dx', 'dw', 'du', 'db', 'dh0', 'dc0'] },
  [FUSED_GRU]: { entry: 'gru_forward', outputs: ['hs', 'gates'] },
  [FUSED_GRU_INFER]: { entry: 'gru_forward', outputs: ['hs'] },
  [FUSED_GRU_GRAD]: { entry: 'gru_backward', outputs: ['dx', 'dw', 'du', 'db', 'dh0'] },
};

/**
 * The kernel function of a definition on one backend: outputs are allocated first (the wasm
 * heap may grow), then every input is read as a view; empty optional inputs (bias, mask, dcs)
 * pass as absent, and the gradient kernels' `hasBias: false` makes db an empty output.
 */
function makeKernel(def: KernelDef, io: (b: unknown) => TensorIo): tfc.KernelFunc {
  const params = PARAMS[def.entry];
  return ({ inputs, backend, attrs }) => {
    const { x, u } = inputs as { x?: tfc.TensorInfo; u?: tfc.TensorInfo };
    if (!x || !u) throw new Error(`fused recurrent kernel ${def.entry}: x and u are required`);
    const shape = shapeOf(x, u);
    const hasBias = (attrs as { hasBias?: boolean }).hasBias ?? true;
    const b = io(backend);
    const outs = def.outputs.map((name) => {
      const p = params.find((q) => q.name === name)!;
      return { name, out: b.output(name === 'db' && !hasBias ? [0] : p.shape!(shape)) };
    });
    const arrays: Record<string, Float32Array | null> = {};
    for (const p of params) {
      if (p.role !== 'in') continue;
      const t = inputs[p.name];
      if (!t) throw new Error(`fused recurrent kernel ${def.entry}: missing input ${p.name}`);
      checkFloat(t, p.name);
      const values = b.read(t);
      arrays[p.name] = p.optional && values.length === 0 ? null : values;
    }
    for (const { name, out } of outs) arrays[name] = out.info.shape.includes(0) ? null : out.values();
    runEntry(def.entry, shape, options(attrs), arrays);
    return outs.map((o) => o.out.info);
  };
}

function run(name: string, inputs: tfc.NamedTensorMap, attrs: object): tfc.Tensor[] {
  return tfc
    .engine()
    .runKernel(name, inputs, attrs as unknown as tfc.NamedAttrMap) as unknown as tfc.Tensor[];
}

/** Gradient functions for every input; the mask gets none (zeros). */
function gradients(names: readonly string[], grads: tfc.Tensor[], mask: tfc.Tensor) {
  const out: Record<string, () => tfc.Tensor> = { mask: () => tfc.zerosLike(mask) };
  names.forEach((n, i) => {
    out[n] = () => grads[i]!;
  });
  return out;
}

const LSTM_SAVED = ['x', 'w', 'u', 'b', 'h0', 'c0', 'mask', 'hs', 'cs', 'gates'] as const;
const GRU_SAVED = ['x', 'w', 'u', 'b', 'h0', 'mask', 'hs', 'gates'] as const;

/** The tensors a forward pass saved: its inputs in order, then its outputs. */
type Saved = readonly tfc.Tensor[];

/** The saved tensors by name, in the order of `names` (all must be there). */
function named<const N extends string>(saved: Saved, names: readonly N[]): Record<N, tfc.Tensor> {
  const out = {} as Record<N, tfc.Tensor>;
  names.forEach((n, i) => {
    const t = saved[i];
    if (!t) throw new Error(`fused recurrent gradient: saved tensor ${n} is missing`);
    out[n] = t;
  });
  return out;
}

/** dx, dw, du, db, dh0, dc0 from the LSTM's saved inputs and outputs and the outputs' gradients. */
function lstmBackwardTensors(
  saved: Saved,
  dhs: tfc.Tensor,
  dcs: tfc.Tensor,
  attrs: FusedRnnAttrs,
): tfc.Tensor[] {
  const { x, w, u, b, h0, c0, mask, hs, cs, gates } = named(saved, LSTM_SAVED);
  return run(
    FUSED_LSTM_GRAD,
    { x, w, u, h0, c0, mask, hs, cs, gates, dhs, dcs },
    { ...attrs, hasBias: b.size > 0 },
  );
}

/** dx, dw, du, db, dh0 from the GRU's saved inputs and outputs and the gradient of hs. */
function gruBackwardTensors(saved: Saved, dhs: tfc.Tensor, attrs: FusedRnnAttrs): tfc.Tensor[] {
  const { x, w, u, b, h0, mask, hs, gates } = named(saved, GRU_SAVED);
  return run(FUSED_GRU_GRAD, { x, w, u, h0, mask, hs, gates, dhs }, { ...attrs, hasBias: b.size > 0 });
}

const lstmGradient: tfc.GradConfig = {
  kernelName: FUSED_LSTM,
  inputsToSave: ['x', 'w', 'u', 'b', 'h0', 'c0', 'mask'],
  outputsToSave: [true, true, true],
  gradFunc: (dy, saved, attrs) => {
    const [dhs, dcs] = dy as tfc.Tensor[];
    const grads = lstmBackwardTensors(saved, dhs!, dcs!, attrs as unknown as FusedRnnAttrs);
    return gradients(['x', 'w', 'u', 'b', 'h0', 'c0'], grads, saved[6]!);
  },
};

const gruGradient: tfc.GradConfig = {
  kernelName: FUSED_GRU,
  inputsToSave: ['x', 'w', 'u', 'b', 'h0', 'mask'],
  outputsToSave: [true, true],
  gradFunc: (dy, saved, attrs) => {
    const [dhs] = dy as tfc.Tensor[];
    const grads = gruBackwardTensors(saved, dhs!, attrs as unknown as FusedRnnAttrs);
    return gradients(['x', 'w', 'u', 'b', 'h0'], grads, saved[5]!);
  },
};

let gradientsRegistered = false;

/**
 * Registers the fused kernels for wasm and cpu (those missing) and their gradients (once).
 * Backends need not exist yet: tfjs keys kernels by name and backend name.
 */
export function registerFusedRnnKernels(): void {
  for (const backendName of FUSED_BACKENDS) {
    const io = IO[backendName];
    for (const [kernelName, def] of Object.entries(KERNEL_DEFS)) {
      if (!tfc.getKernel(kernelName, backendName)) {
        tfc.registerKernel({ kernelName, backendName, kernelFunc: makeKernel(def, io) });
      }
    }
  }
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  tfc.registerGradient(lstmGradient);
  tfc.registerGradient(gruGradient);
}

/** Whether the fused kernels run on the current backend (else the fused layers use tfjs ops). */
export function fusedKernelsAvailable(): boolean {
  return tfc.getKernel(FUSED_LSTM, tfc.getBackend()) !== undefined;
}

interface FusedInputs {
  x: tfc.Tensor3D;
  w: tfc.Tensor2D;
  u: tfc.Tensor2D;
  /** [G*H], or an empty tensor for no bias. */
  b: tfc.Tensor;
  h0: tfc.Tensor2D;
  /** [B, T] of 0/1, or an empty tensor for no mask. */
  mask: tfc.Tensor;
}

/** Runs the fused LSTM kernel (recorded for gradients). */
export function fusedLstm(
  inputs: FusedInputs & { c0: tfc.Tensor2D },
  attrs: FusedRnnAttrs,
): { hs: tfc.Tensor3D; cs: tfc.Tensor3D; gates: tfc.Tensor3D } {
  const [hs, cs, gates] = run(FUSED_LSTM, { ...inputs }, attrs) as [tfc.Tensor3D, tfc.Tensor3D, tfc.Tensor3D];
  return { hs, cs, gates };
}

/**
 * Whether tfjs is recording operations for a gradient (inside tf.grad, tf.variableGrads,
 * optimizer.minimize): then the layers run the differentiable path, else (predict, evaluate) the
 * forward-only kernel, which keeps cs and gates in the module instead of returning them.
 */
function recordingGradients(): boolean {
  return (tfc.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
}

/**
 * The LSTM over a whole sequence as the layers use it: hs only, differentiable. The kernel's
 * registered gradient would work too, but tfjs hands every kernel output without a gradient a
 * zero-filled tensor made in JavaScript (cs and gates here, 5H floats per row and step, each
 * backward pass); this wrapper (tf.customGrad) has one output and saves cs and gates itself.
 */
export function lstmSequence(inputs: FusedInputs & { c0: tfc.Tensor2D }, attrs: FusedRnnAttrs): tfc.Tensor3D {
  const { x, w, u, b, h0, c0, mask } = inputs;
  if (!recordingGradients()) {
    return run(FUSED_LSTM_INFER, { x, w, u, b, h0, c0, mask }, attrs)[0] as tfc.Tensor3D;
  }
  const f = tfc.customGrad((...args: (tfc.Tensor | tfc.GradSaveFunc)[]) => {
    const save = args[7] as tfc.GradSaveFunc;
    const [ix, iw, iu, ib, ih0, ic0, imask] = args as tfc.Tensor[];
    const [hs, cs, gates] = run(
      FUSED_LSTM,
      { x: ix!, w: iw!, u: iu!, b: ib!, h0: ih0!, c0: ic0!, mask: imask! },
      attrs,
    );
    save([ix!, iw!, iu!, ib!, ih0!, ic0!, imask!, hs!, cs!, gates!]);
    return {
      value: hs!,
      gradFunc: (dy: tfc.Tensor | tfc.Tensor[], saved: tfc.Tensor[]) => {
        const grads = lstmBackwardTensors(saved, dy as tfc.Tensor, tfc.zeros([0]), attrs);
        return [...grads, tfc.zerosLike(saved[6]!)];
      },
    };
  });
  return f(x, w, u, b, h0, c0, mask) as tfc.Tensor3D;
}

/** The GRU over a whole sequence as the layers use it (see lstmSequence). */
export function gruSequence(inputs: FusedInputs, attrs: FusedRnnAttrs): tfc.Tensor3D {
  const { x, w, u, b, h0, mask } = inputs;
  if (!recordingGradients()) {
    return run(FUSED_GRU_INFER, { x, w, u, b, h0, mask }, attrs)[0] as tfc.Tensor3D;
  }
  const f = tfc.customGrad((...args: (tfc.Tensor | tfc.GradSaveFunc)[]) => {
    const save = args[6] as tfc.GradSaveFunc;
    const [ix, iw, iu, ib, ih0, imask] = args as tfc.Tensor[];
    const [hs, gates] = run(FUSED_GRU, { x: ix!, w: iw!, u: iu!, b: ib!, h0: ih0!, mask: imask! }, attrs);
    save([ix!, iw!, iu!, ib!, ih0!, imask!, hs!, gates!]);
    return {
      value: hs!,
      gradFunc: (dy: tfc.Tensor | tfc.Tensor[], saved: tfc.Tensor[]) => {
        const grads = gruBackwardTensors(saved, dy as tfc.Tensor, attrs);
        return [...grads, tfc.zerosLike(saved[5]!)];
      },
    };
  });
  return f(x, w, u, b, h0, mask) as tfc.Tensor3D;
}

/** Runs the fused GRU kernel (recorded for gradients). */
export function fusedGru(
  inputs: FusedInputs,
  attrs: FusedRnnAttrs,
): { hs: tfc.Tensor3D; gates: tfc.Tensor3D } {
  const [hs, gates] = run(FUSED_GRU, { ...inputs }, attrs) as [tfc.Tensor3D, tfc.Tensor3D];
  return { hs, gates };
}
