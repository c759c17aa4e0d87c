import * as tfc from '@tensorflow/tfjs-core';
import {
  type EntryName,
  type FusedActivation,
  RNN_FUNCTIONS,
  type RnnOptions,
  type RnnShape,
  runEntry,
} from './rnn-wasm.js';
import {
  type KernelBackendName,
  readKernelInputs,
  recordingGradients,
  runKernel,
  TENSOR_IO,
  type TensorIo,
} from './tensor-io.js';

/**
 * The fused recurrent layers' tfjs kernels, for the wasm and cpu backends, with their gradients.
 * Both backends run the same kernels (rnn-wasm.ts: the native addon where it loads, else the
 * WebAssembly SIMD module; kernel-runner.ts); only the way a backend holds its tensors differs (the wasm backend's heap, the cpu backend's JS arrays).
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

export type FusedBackendName = KernelBackendName;

export interface FusedRnnAttrs {
  goBackwards: boolean;
  activation: FusedActivation;
  recurrentActivation: FusedActivation;
}

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
  entry: EntryName;
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
  const fn = RNN_FUNCTIONS[def.entry];
  const outputs = def.outputs.map((name) => {
    const p = fn.params.find((q) => q.name === name);
    if (p?.role !== 'out') throw new Error(`fused recurrent kernel ${def.entry}: no output ${name}`);
    return { name, shape: p.shape };
  });
  return ({ inputs, backend, attrs }) => {
    const { x, u } = inputs as { x?: tfc.TensorInfo; u?: tfc.TensorInfo };
    if (!x || !u) throw new Error(`fused recurrent kernel ${def.entry}: x and u are required`);
    const call = { ...shapeOf(x, u), ...options(attrs) };
    const hasBias = (attrs as { hasBias?: boolean }).hasBias ?? true;
    const b = io(backend);
    const outs = outputs.map(({ name, shape }) => ({
      name,
      out: b.output(name === 'db' && !hasBias ? [0] : shape(call)),
    }));
    const arrays = readKernelInputs(fn, inputs, b);
    for (const { name, out } of outs) arrays[name] = out.info.shape.includes(0) ? null : out.values();
    runEntry(def.entry, call, call, arrays);
    return outs.map((o) => o.out.info);
  };
}

/**
 * What the differentiable paths need of a cell: its forward, forward-only and gradient kernels, its
 * inputs in order (the mask last), its outputs, and the outputs whose gradients the gradient kernel
 * takes (dhs, and dcs for the LSTM).
 */
interface Cell {
  forward: string;
  infer: string;
  grad: string;
  inputs: readonly string[];
  outputs: readonly string[];
  outputGrads: readonly string[];
}

const LSTM: Cell = {
  forward: FUSED_LSTM,
  infer: FUSED_LSTM_INFER,
  grad: FUSED_LSTM_GRAD,
  inputs: ['x', 'w', 'u', 'b', 'h0', 'c0', 'mask'],
  outputs: ['hs', 'cs', 'gates'],
  outputGrads: ['dhs', 'dcs'],
};

const GRU: Cell = {
  forward: FUSED_GRU,
  infer: FUSED_GRU_INFER,
  grad: FUSED_GRU_GRAD,
  inputs: ['x', 'w', 'u', 'b', 'h0', 'mask'],
  outputs: ['hs', 'gates'],
  outputGrads: ['dhs'],
};

/**
 * The gradients of a cell's inputs but the mask (in order), from the tensors its forward pass saved
 * (inputs, then outputs) and the gradients of its outputs (a missing one: none reaches it).
 */
function backward(
  cell: Cell,
  saved: readonly tfc.Tensor[],
  dys: readonly tfc.Tensor[],
  attrs: FusedRnnAttrs,
) {
  const byName: tfc.NamedTensorMap = {};
  [...cell.inputs, ...cell.outputs].forEach((name, i) => {
    const t = saved[i];
    if (!t) throw new Error(`fused recurrent gradient: saved tensor ${name} is missing`);
    byName[name] = t;
  });
  cell.outputGrads.forEach((name, i) => {
    byName[name] = dys[i] ?? tfc.zeros([0]);
  });
  const { b, ...inputs } = byName;
  return runKernel(cell.grad, inputs, { ...attrs, hasBias: b!.size > 0 });
}

/** The registered gradient of a cell's forward kernel: every input's, the mask's zeros. */
function gradConfig(cell: Cell): tfc.GradConfig {
  return {
    kernelName: cell.forward,
    inputsToSave: [...cell.inputs],
    outputsToSave: cell.outputs.map(() => true),
    gradFunc: (dy, saved, attrs) => {
      const grads = backward(cell, saved, dy as tfc.Tensor[], attrs as unknown as FusedRnnAttrs);
      const out: Record<string, () => tfc.Tensor> = {};
      cell.inputs.forEach((name, i) => {
        out[name] = name === 'mask' ? () => tfc.zerosLike(saved[i]!) : () => grads[i]!;
      });
      return out;
    },
  };
}

let gradientsRegistered = false;

/**
 * Registers the fused kernels on a backend (those missing), and their gradients (once).
 * Backends need not be running yet: tfjs keys kernels by name and backend name.
 */
export function registerFusedRnnKernels(backendName: FusedBackendName): void {
  for (const [kernelName, def] of Object.entries(KERNEL_DEFS)) {
    if (!tfc.getKernel(kernelName, backendName)) {
      tfc.registerKernel({ kernelName, backendName, kernelFunc: makeKernel(def, TENSOR_IO[backendName]) });
    }
  }
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  for (const cell of [LSTM, GRU]) tfc.registerGradient(gradConfig(cell));
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

/** Runs the fused LSTM kernel (recorded for gradients through its registered gradient). */
export function fusedLstm(
  inputs: FusedInputs & { c0: tfc.Tensor2D },
  attrs: FusedRnnAttrs,
): { hs: tfc.Tensor3D; cs: tfc.Tensor3D; gates: tfc.Tensor3D } {
  const [hs, cs, gates] = runKernel(FUSED_LSTM, { ...inputs }, attrs) as [
    tfc.Tensor3D,
    tfc.Tensor3D,
    tfc.Tensor3D,
  ];
  return { hs, cs, gates };
}

/**
 * A cell over a whole sequence as the layers use it: hs only, differentiable. The forward kernel's
 * registered gradient would work too, but tfjs hands every kernel output without a gradient a
 * zero-filled tensor made in JavaScript (cs and gates, 5H floats per row and step for the LSTM,
 * each backward pass); this wrapper (tf.customGrad) has one output and saves the others itself.
 */
function sequence(cell: Cell, inputs: tfc.NamedTensorMap, attrs: FusedRnnAttrs): tfc.Tensor3D {
  if (!recordingGradients()) return runKernel(cell.infer, inputs, attrs)[0] as tfc.Tensor3D;
  const n = cell.inputs.length;
  const f = tfc.customGrad((...args: (tfc.Tensor | tfc.GradSaveFunc)[]) => {
    const tensors = args.slice(0, n) as tfc.Tensor[];
    const save = args[n] as tfc.GradSaveFunc;
    const named = Object.fromEntries(cell.inputs.map((name, i) => [name, tensors[i]!]));
    const outputs = runKernel(cell.forward, named, attrs);
    save([...tensors, ...outputs]);
    return {
      value: outputs[0]!,
      gradFunc: (dy: tfc.Tensor | tfc.Tensor[], saved: tfc.Tensor[]) => [
        ...backward(cell, saved, [dy as tfc.Tensor], attrs),
        tfc.zerosLike(saved[n - 1]!),
      ],
    };
  });
  return f(...cell.inputs.map((name) => inputs[name]!)) as tfc.Tensor3D;
}

/** The LSTM over a whole sequence as the layers use it (see `sequence`). */
export function lstmSequence(inputs: FusedInputs & { c0: tfc.Tensor2D }, attrs: FusedRnnAttrs): tfc.Tensor3D {
  return sequence(LSTM, { ...inputs }, attrs);
}

/** The GRU over a whole sequence as the layers use it (see `sequence`). */
export function gruSequence(inputs: FusedInputs, attrs: FusedRnnAttrs): tfc.Tensor3D {
  return sequence(GRU, { ...inputs }, attrs);
}
