import * as tfc from '@tensorflow/tfjs-core';

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

/** Runs a kernel by name with tensors and attributes; its outputs as a list. */
export function runKernel(name: string, inputs: tfc.NamedTensorMap, attrs: object): tfc.Tensor[] {
  return tfc
    .engine()
    .runKernel(name, inputs, attrs as unknown as tfc.NamedAttrMap) as unknown as tfc.Tensor[];
}

/**
 * Whether tfjs is recording operations for a gradient (inside tf.grad, tf.variableGrads,
 * optimizer.minimize): then layers run a differentiable path, else (predict, evaluate) a
 * forward-only kernel that keeps what a backward pass would need inside the module.
 */
export function recordingGradients(): boolean {
  return (tfc.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
}
