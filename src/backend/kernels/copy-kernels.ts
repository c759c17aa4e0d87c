import * as tfc from '@tensorflow/tfjs-core';

/**
 * Block-copy versions of five data-movement kernels for the wasm backend, where tfjs' own run
 * element by element or copy more than they need: `Reverse` (Bidirectional reverses the backward
 * layer's sequence, and its gradient is a reverse again), `SplitV` (the gradient of
 * Bidirectional's concat), `GatherV2` on axis 0 (every Embedding lookup), `Concat` (Bidirectional
 * joins its two directions; tfjs' copies with a subarray and a set per row) and `Slice` (a
 * recurrent layer without return_sequences keeps its last step; tfjs' first copies the whole
 * input out of the heap with readSync). Measured on the reference model at batch 128 (tf.profile,
 * bench/profile.ts): Reverse, SplitV and GatherV2 took 21, 16 and 13 ms per step before, against
 * 116 ms for both fused LSTM layers; in prediction at batch 128 (a CPU profile, 2026-12-04),
 * tfjs' Slice and Concat took 0.8 and 0.7 ms a call of 25.
 *
 * Each moves contiguous runs of the last dimensions with `copyWithin` on the wasm heap (inputs and
 * outputs live in the same heap), for float32, int32 and bool (tfjs' own wasm Reverse returns
 * wrong values for bool), and hands anything else to tfjs' kernel: other dtypes, gathers on other
 * axes or with batch dims, out-of-range indices.
 */

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tfc.DataType): tfc.TensorInfo;
  typedArrayFromHeap(t: tfc.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

type Elements = Float32Array | Int32Array | Uint8Array;

/** Dtypes held as fixed-size elements in the heap (bool as one byte). */
function isFixedWidth(dtype: tfc.DataType): boolean {
  return dtype === 'float32' || dtype === 'int32' || dtype === 'bool';
}

/** The whole heap as the tensor's element type, and the tensor's element offset in it. */
function onHeap(backend: WasmBackendLike, t: tfc.TensorInfo): { heap: Elements; at: number } {
  const view = backend.typedArrayFromHeap(t);
  const heap = new (view.constructor as Uint8ArrayConstructor)(view.buffer);
  return { heap, at: view.byteOffset / view.BYTES_PER_ELEMENT };
}

/**
 * Below this many elements a plain loop beats `copyWithin`'s per-call cost: on a wasm memory's
 * Float32Array in Node 20 (2026-12-04, 7,680 blocks), a loop took 0.06 / 0.12 / 0.18 / 0.49 ms for
 * blocks of 8 / 16 / 24 / 64 elements and copyWithin 0.15 ms for each of them.
 */
const SHORT_BLOCK = 20;

function copyBlock(heap: Elements, to: number, from: number, n: number): void {
  if (n >= SHORT_BLOCK) {
    heap.copyWithin(to, from, from + n);
    return;
  }
  for (let k = 0; k < n; k++) heap[to + k] = heap[from + k]!;
}

function reverse(backend: WasmBackendLike, x: tfc.TensorInfo, dims: number[]): tfc.TensorInfo {
  const shape = x.shape;
  const rank = shape.length;
  const axes = new Set(dims.map((d) => (d < 0 ? d + rank : d)));
  const last = Math.max(...axes);
  const inner = tfc.util.sizeFromShape(shape.slice(last + 1));
  const outer = shape.slice(0, last + 1);
  const out = backend.makeOutput([...shape], x.dtype);
  // Views after makeOutput: allocating may grow the heap and replace its buffer.
  const src = onHeap(backend, x);
  const dst = onHeap(backend, out);
  const blocks = tfc.util.sizeFromShape(outer);
  const idx = new Array<number>(outer.length).fill(0);
  for (let block = 0; block < blocks; block++) {
    // Source block: the same coordinates, mirrored on the reversed axes.
    let from = 0;
    for (let a = 0; a < outer.length; a++) {
      const n = outer[a]!;
      from = from * n + (axes.has(a) ? n - 1 - idx[a]! : idx[a]!);
    }
    copyBlock(src.heap, dst.at + block * inner, src.at + from * inner, inner);
    for (let a = outer.length - 1; a >= 0; a--) {
      if (++idx[a]! < outer[a]!) break;
      idx[a] = 0;
    }
  }
  return out;
}

function splitV(
  backend: WasmBackendLike,
  x: tfc.TensorInfo,
  sizes: number[],
  axis: number,
): tfc.TensorInfo[] {
  const shape = x.shape;
  const outerCount = tfc.util.sizeFromShape(shape.slice(0, axis));
  const inner = tfc.util.sizeFromShape(shape.slice(axis + 1));
  const along = shape[axis]!;
  const outs = sizes.map((s) => {
    const outShape = [...shape];
    outShape[axis] = s;
    return backend.makeOutput(outShape, x.dtype);
  });
  const src = onHeap(backend, x);
  let start = 0;
  outs.forEach((out, i) => {
    const width = sizes[i]! * inner;
    const dst = onHeap(backend, out).at;
    for (let o = 0; o < outerCount; o++) {
      const from = src.at + (o * along + start) * inner;
      copyBlock(src.heap, dst + o * width, from, width);
    }
    start += sizes[i]!;
  });
  return outs;
}

/** Rows of x ([N, ...inner]) picked by indices; null when an index is out of range. */
function gatherRows(
  backend: WasmBackendLike,
  x: tfc.TensorInfo,
  indices: tfc.TensorInfo,
): tfc.TensorInfo | null {
  const rows = x.shape[0]!;
  const inner = tfc.util.sizeFromShape(x.shape.slice(1));
  const ids = backend.typedArrayFromHeap(indices) as Int32Array;
  for (let i = 0; i < ids.length; i++) if (!(ids[i]! >= 0 && ids[i]! < rows)) return null;
  const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
  // Views after makeOutput, as in reverse.
  const src = onHeap(backend, x);
  const dst = onHeap(backend, out);
  const idx = onHeap(backend, indices);
  const n = tfc.util.sizeFromShape(indices.shape);
  for (let i = 0; i < n; i++) {
    const r = idx.heap[idx.at + i]!;
    copyBlock(src.heap, dst.at + i * inner, src.at + r * inner, inner);
  }
  return out;
}

/** `x[begin : begin + size]` (sizes resolved): one contiguous run per coordinate of the axes before the innermost cut one. */
function slice(backend: WasmBackendLike, x: tfc.TensorInfo, begin: number[], size: number[]): tfc.TensorInfo {
  const shape = x.shape;
  const rank = shape.length;
  const out = backend.makeOutput([...size], x.dtype);
  if (tfc.util.sizeFromShape(size) === 0) return out;
  // The innermost axis that is cut: the axes after it are whole, so a run spans them.
  let k = rank - 1;
  while (k > 0 && begin[k] === 0 && size[k] === shape[k]) k--;
  const strides = tfc.util.computeStrides(shape);
  const stride = (a: number) => (a === rank - 1 ? 1 : strides[a]!);
  const run = size[k]! * stride(k);
  const src = onHeap(backend, x);
  const dst = onHeap(backend, out);
  const blocks = tfc.util.sizeFromShape(size.slice(0, k));
  const idx = new Array<number>(k).fill(0);
  for (let block = 0; block < blocks; block++) {
    let from = begin[k]! * stride(k);
    for (let a = 0; a < k; a++) from += (begin[a]! + idx[a]!) * stride(a);
    copyBlock(src.heap, dst.at + block * run, src.at + from, run);
    for (let a = k - 1; a >= 0; a--) {
      if (++idx[a]! < size[a]!) break;
      idx[a] = 0;
    }
  }
  return out;
}

/** The inputs (one dtype, none empty) joined on `axis`: for each coordinate before it, each input's run in turn. */
function concat(backend: WasmBackendLike, inputs: tfc.TensorInfo[], axis: number): tfc.TensorInfo {
  const outShape = tfc.backend_util.computeOutShape(
    inputs.map((t) => t.shape),
    axis,
  );
  const out = backend.makeOutput(outShape, inputs[0]!.dtype);
  const outer = tfc.util.sizeFromShape(outShape.slice(0, axis));
  const widths = inputs.map((t) => tfc.util.sizeFromShape(t.shape.slice(axis)));
  const total = widths.reduce((a, b) => a + b, 0);
  // Views after makeOutput, as in reverse.
  const srcs = inputs.map((t) => onHeap(backend, t).at);
  const dst = onHeap(backend, out);
  for (let o = 0; o < outer; o++) {
    let to = dst.at + o * total;
    for (let i = 0; i < inputs.length; i++) {
      const w = widths[i]!;
      copyBlock(dst.heap, to, srcs[i]! + o * w, w);
      to += w;
    }
  }
  return out;
}

let installed = false;

/**
 * Puts the block-copy kernels in front of the wasm backend's own (kept as the fallback).
 * Idempotent; call after the wasm backend's kernels are registered (importing the package does it).
 */
export function registerCopyKernels(): void {
  if (installed) return;
  // The wasm backend binds its own kernels' wasm functions in their setupFunc when it starts:
  // the replacements keep each original's setup and dispose so the fallback still works.
  const originals = new Map<string, tfc.KernelConfig>();
  for (const name of [tfc.Reverse, tfc.SplitV, tfc.GatherV2, tfc.Identity, tfc.Slice, tfc.Concat]) {
    const k = tfc.getKernel(name, 'wasm');
    if (!k) throw new Error(`wasm backend has no ${name} kernel to wrap`);
    originals.set(name, k);
  }
  const replace = (name: string, kernelFunc: (original: tfc.KernelFunc) => tfc.KernelFunc) => {
    const k = originals.get(name)!;
    tfc.unregisterKernel(name, 'wasm');
    tfc.registerKernel({ ...k, kernelFunc: kernelFunc(k.kernelFunc) });
  };
  installed = true;

  // tfjs clones every tensor it saves for a gradient (Identity); wasm's Identity copies the data,
  // the cpu backend's shares it. Tensors are immutable, so sharing (one more reference, as the
  // wasm backend's own Reshape does) is safe, and saves copying every saved activation each step.
  replace(tfc.Identity, (identityOrig) => (args) => {
    const x = args.inputs.x as tfc.TensorInfo;
    if (x.dtype === 'string') return identityOrig(args);
    (args.backend as unknown as { incRef(dataId: tfc.DataId): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  });
  replace(tfc.Reverse, (reverseOrig) => (args) => {
    const x = args.inputs.x as tfc.TensorInfo;
    const { dims } = args.attrs as unknown as tfc.ReverseAttrs;
    const list = typeof dims === 'number' ? [dims] : [...dims];
    if (!isFixedWidth(x.dtype) || list.length === 0 || x.shape.length === 0) return reverseOrig(args);
    return reverse(args.backend as unknown as WasmBackendLike, x, list);
  });
  replace(tfc.SplitV, (splitOrig) => (args) => {
    const x = args.inputs.x as tfc.TensorInfo;
    const { numOrSizeSplits, axis } = args.attrs as unknown as tfc.SplitVAttrs;
    if (!isFixedWidth(x.dtype)) return splitOrig(args);
    const $axis = tfc.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tfc.backend_util.prepareSplitSize(x as tfc.Tensor, numOrSizeSplits, $axis);
    return splitV(args.backend as unknown as WasmBackendLike, x, sizes, $axis);
  });
  replace(tfc.GatherV2, (gatherOrig) => (args) => {
    const { x, indices } = args.inputs as { x: tfc.TensorInfo; indices: tfc.TensorInfo };
    const { axis, batchDims } = args.attrs as unknown as tfc.GatherV2Attrs;
    const $axis = tfc.util.parseAxisParam(axis, x.shape)[0];
    if (
      !isFixedWidth(x.dtype) ||
      indices.dtype !== 'int32' ||
      $axis !== 0 ||
      (batchDims ?? 0) !== 0 ||
      x.shape.length === 0
    ) {
      return gatherOrig(args);
    }
    return gatherRows(args.backend as unknown as WasmBackendLike, x, indices) ?? gatherOrig(args);
  });
  replace(tfc.Slice, (sliceOrig) => (args) => {
    const x = args.inputs.x as tfc.TensorInfo;
    const { begin, size } = args.attrs as unknown as tfc.SliceAttrs;
    if (!isFixedWidth(x.dtype) || x.shape.length === 0) return sliceOrig(args);
    const [begin_, size_] = tfc.slice_util.parseSliceParams(x as tfc.Tensor, begin, size);
    return slice(args.backend as unknown as WasmBackendLike, x, begin_!, size_!);
  });
  replace(tfc.Concat, (concatOrig) => (args) => {
    const inputs = args.inputs as unknown as tfc.TensorInfo[];
    const { axis } = args.attrs as unknown as tfc.ConcatAttrs;
    const dtype = inputs[0]?.dtype;
    const nonEmpty = inputs.filter((t) => tfc.util.sizeFromShape(t.shape) > 0);
    if (
      dtype === undefined ||
      !isFixedWidth(dtype) ||
      nonEmpty.length < 2 ||
      inputs.some((t) => t.dtype !== dtype)
    )
      return concatOrig(args);
    const $axis = tfc.util.parseAxisParam(axis, inputs[0]!.shape)[0]!;
    tfc.backend_util.assertParamsConsistent(
      inputs.map((t) => t.shape),
      $axis,
    );
    return concat(args.backend as unknown as WasmBackendLike, nonEmpty, $axis);
  });
}
