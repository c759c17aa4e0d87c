import * as tfc from '@tensorflow/tfjs-core';
import type { KernelFunction } from './kernel-table.js';

/**
 * How qqp's WebAssembly kernels (rnn.ts, align.ts) read their inputs and make their outputs on the
 * two backends that run them: the wasm backend's heap, the cpu backend's JS arrays.
 */

export type KernelBackendName = 'wasm' | 'cpu';

/** Reads inputs and makes outputs on one backend; views are taken after every output exists. */
export interface TensorIo {
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

const cpuIo = (backend: unknown): TensorIo => {
  const cpu = backend as CpuBackendLike;
  return {
    output(shape) {
      const values = new Float32Array(tfc.util.sizeFromShape(shape));
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

export const TENSOR_IO: Record<KernelBackendName, (backend: unknown) => TensorIo> = {
  cpu: cpuIo,
  wasm: wasmIo,
};

/**
 * The input arrays of a module function, by parameter name, read from a kernel's tensors on one
 * backend (after its outputs exist: the wasm heap may grow): each must be given and float32; an
 * empty optional input is none (null).
 */
export function readKernelInputs<C>(
  fn: KernelFunction<C>,
  inputs: tfc.NamedTensorInfoMap,
  io: TensorIo,
): Record<string, Float32Array | null> {
  const arrays: Record<string, Float32Array | null> = {};
  for (const p of fn.params) {
    if (p.role !== 'in') continue;
    const t = inputs[p.name];
    if (!t) throw new Error(`${fn.kind} ${fn.name}: missing input ${p.name}`);
    if (t.dtype !== 'float32') throw new Error(`${fn.kind}: ${p.name} must be float32`);
    const values = io.read(t);
    arrays[p.name] = p.optional && values.length === 0 ? null : values;
  }
  return arrays;
}

/** Runs a kernel by name with tensors and attributes; its outputs as a list. */
export function runKernel(name: string, inputs: tfc.NamedTensorMap, attrs: object): tfc.Tensor[] {
  return tfc
    .engine()
    .runKernel(name, inputs, attrs as unknown as tfc.NamedAttrMap) as unknown as tfc.Tensor[];
}

/** A gradient for each recorded input, by name, from the outputs' gradients and the saved tensors. */
export type RecordedGradient = (dys: tfc.Tensor[], saved: tfc.Tensor[]) => Record<string, () => tfc.Tensor>;

/** The engine's method behind tf.customGrad (private in tfjs' types; tfjs-core 4.22). */
interface RecordingEngine {
  runKernelFunc(params: {
    forwardFunc: (backend: unknown, save: tfc.GradSaveFunc) => tfc.Tensor[];
    backwardsFunc: (dy: tfc.Tensor | tfc.Tensor[], saved: tfc.Tensor[]) => Record<string, () => tfc.Tensor>;
    inputs: tfc.NamedTensorMap;
  }): tfc.Tensor[];
}

/**
 * Runs `forward` as one recorded operation of the given inputs with its own gradient, as
 * tf.customGrad does but with several outputs, which customGrad does not allow. `forward` returns
 * only the outputs callers differentiate and saves what the gradient needs itself: tfjs hands a
 * gradient function a zero-filled tensor made in JavaScript for every output of its operation that
 * nothing differentiates, each backward pass. Inputs left out get no gradient.
 */
export function recordWithGradient(
  inputs: tfc.NamedTensorMap,
  forward: (save: tfc.GradSaveFunc) => tfc.Tensor[],
  gradient: RecordedGradient,
): tfc.Tensor[] {
  const engine = tfc.engine() as unknown as Partial<RecordingEngine>;
  if (typeof engine.runKernelFunc !== 'function') throw new Error('tfjs engine has no runKernelFunc');
  return engine.runKernelFunc.call(engine, {
    forwardFunc: (_backend, save) => forward(save),
    backwardsFunc: (dy, saved) => gradient(Array.isArray(dy) ? dy : [dy], saved),
    inputs,
  });
}

/**
 * Whether tfjs is recording operations for a gradient (inside tf.grad, tf.variableGrads,
 * optimizer.minimize): then layers run a differentiable path, else (predict, evaluate) a
 * forward-only kernel that keeps what a backward pass would need inside the module.
 */
export function recordingGradients(): boolean {
  return (tfc.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
}
