import * as tfc from '@tensorflow/tfjs-core';

/**
 * `UnsortedSegmentSum` as a scatter-add, for the backends where tfjs' own kernel is missing (wasm)
 * or loops over every segment (cpu: one masked sum over the whole input per segment, ~40 s per
 * batch of 16 for the gradient of a 10,000-row embedding). The gradient of `gather` (so of every
 * Embedding layer) runs this kernel with x = dy reshaped to [indices.size, ...inner], segmentIds =
 * the indices flattened to [indices.size] (int32) and numSegments = the table's row count.
 *
 * Semantics as TensorFlow's: segmentIds' shape is a prefix of x's shape; the output is
 * [numSegments, ...x.shape after that prefix], zero where no id points; ids outside
 * [0, numSegments) are dropped.
 */

type NumericArray = Float32Array | Int32Array;

/** Shape of the output, and the rows and row width the flat loop works on. */
export function segmentSumLayout(
  xShape: readonly number[],
  idsShape: readonly number[],
  numSegments: number,
): { outShape: number[]; rows: number; inner: number } {
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`UnsortedSegmentSum: numSegments must be a non-negative integer, got ${numSegments}`);
  }
  const prefixOk = idsShape.length <= xShape.length && idsShape.every((d, i) => d === xShape[i]);
  if (!prefixOk) {
    throw new Error(
      `UnsortedSegmentSum: segmentIds shape [${idsShape}] must be a prefix of x shape [${xShape}]`,
    );
  }
  const innerShape = xShape.slice(idsShape.length);
  return {
    outShape: [numSegments, ...innerShape],
    rows: idsShape.reduce((a, b) => a * b, 1),
    inner: innerShape.reduce((a, b) => a * b, 1),
  };
}

/** out[ids[r]] += x[r] row by row; `out` must be zeroed and hold numSegments rows. */
export function scatterAdd(
  x: NumericArray,
  ids: ArrayLike<number>,
  out: NumericArray,
  rows: number,
  inner: number,
  numSegments: number,
): void {
  for (let r = 0; r < rows; r++) {
    const s = ids[r]!;
    if (!(s >= 0 && s < numSegments)) continue;
    const from = r * inner;
    const to = s * inner;
    for (let k = 0; k < inner; k++) out[to + k]! += x[from + k]!;
  }
}

function checkDtype(dtype: tfc.DataType): 'float32' | 'int32' {
  if (dtype === 'float32' || dtype === 'int32') return dtype;
  throw new Error(`UnsortedSegmentSum: x must be float32 or int32, got ${dtype}`);
}

interface CpuBackendLike {
  readSync(dataId: tfc.DataId): tfc.backend_util.BackendValues;
  makeTensorInfo(shape: number[], dtype: tfc.DataType, values: NumericArray): tfc.TensorInfo;
}

/** The cpu backend keeps each tensor's values as a JS typed array: read in place, write a new one. */
const cpuKernel: tfc.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: tfc.TensorInfo; segmentIds: tfc.TensorInfo };
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const cpu = backend as unknown as CpuBackendLike;
  const dtype = checkDtype(x.dtype);
  const { outShape, rows, inner } = segmentSumLayout(x.shape, segmentIds.shape, numSegments);
  const out =
    dtype === 'float32' ? new Float32Array(numSegments * inner) : new Int32Array(numSegments * inner);
  const xs = cpu.readSync(x.dataId) as NumericArray;
  const ids = cpu.readSync(segmentIds.dataId) as NumericArray;
  scatterAdd(xs, ids, out, rows, inner, numSegments);
  return cpu.makeTensorInfo(outShape, dtype, out);
};

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tfc.DataType): tfc.TensorInfo;
  typedArrayFromHeap(t: tfc.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * The wasm backend keeps tensors in the module's heap. Allocating the output may grow (and so
 * replace) the heap's buffer, so the views on the inputs are taken after it; they are views, not
 * copies. The heap is not zeroed by malloc, hence the fill.
 */
const wasmKernel: tfc.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: tfc.TensorInfo; segmentIds: tfc.TensorInfo };
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const wasm = backend as unknown as WasmBackendLike;
  const dtype = checkDtype(x.dtype);
  const { outShape, rows, inner } = segmentSumLayout(x.shape, segmentIds.shape, numSegments);
  const outInfo = wasm.makeOutput(outShape, dtype);
  const out = wasm.typedArrayFromHeap(outInfo) as NumericArray;
  out.fill(0);
  const xs = wasm.typedArrayFromHeap(x) as NumericArray;
  const ids = wasm.typedArrayFromHeap(segmentIds) as NumericArray;
  scatterAdd(xs, ids, out, rows, inner, numSegments);
  return outInfo;
};

const KERNELS = { cpu: cpuKernel, wasm: wasmKernel } as const;

/**
 * Installs the scatter-add `UnsortedSegmentSum` for a backend, replacing any registered one
 * (tfjs refuses a second registration). Idempotent.
 */
export function registerSegmentSumKernel(backendName: keyof typeof KERNELS): void {
  const kernelFunc = KERNELS[backendName];
  const current = tfc.getKernel(tfc.UnsortedSegmentSum, backendName);
  if (current?.kernelFunc === kernelFunc) return;
  if (current) tfc.unregisterKernel(tfc.UnsortedSegmentSum, backendName);
  tfc.registerKernel({ kernelName: tfc.UnsortedSegmentSum, backendName, kernelFunc });
}
