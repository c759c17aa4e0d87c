import * as tfc from '@tensorflow/tfjs-core';

/**
 * `MaxPoolGrad` for the wasm backend, whose own (tfjs-backend-wasm 4.22) drops the gradient of
 * windows whose maximum is negative: MaxPooling1D after a linear or tanh layer trained wrong there.
 * Semantics as the cpu backend's and TensorFlow's: each window's gradient goes to its first
 * largest element, scanning the window row by row; padding is no element; windows overlapping
 * add up.
 */

type Geometry = tfc.backend_util.Conv2DInfo;

/** dx (zeroed, the input's shape, NHWC) += dy at each window's first maximum of x. */
export function maxPoolGradient(
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
  g: Geometry,
  dx: Float32Array | Float64Array,
): void {
  const c = g.inChannels;
  for (let b = 0; b < g.batchSize; b++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      const top = oh * g.strideHeight - g.padInfo.top;
      for (let ow = 0; ow < g.outWidth; ow++) {
        const left = ow * g.strideWidth - g.padInfo.left;
        const dyAt = ((b * g.outHeight + oh) * g.outWidth + ow) * c;
        for (let ch = 0; ch < c; ch++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let fh = 0; fh < g.effectiveFilterHeight; fh += g.dilationHeight) {
            const ih = top + fh;
            if (ih < 0 || ih >= g.inHeight) continue;
            for (let fw = 0; fw < g.effectiveFilterWidth; fw += g.dilationWidth) {
              const iw = left + fw;
              if (iw < 0 || iw >= g.inWidth) continue;
              const i = ((b * g.inHeight + ih) * g.inWidth + iw) * c + ch;
              if (x[i]! > best) {
                best = x[i]!;
                at = i;
              }
            }
          }
          if (at >= 0) dx[at]! += dy[dyAt + ch]!;
        }
      }
    }
  }
}

/** The geometry tfjs' own maxPool uses for these attributes. */
export function maxPoolGeometry(xShape: readonly number[], attrs: tfc.MaxPoolGradAttrs): Geometry {
  return tfc.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tfc.DataType): tfc.TensorInfo;
  typedArrayFromHeap(t: tfc.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** The wasm kernel, in front of tfjs' own (kept for dtypes other than float32). */
export function wasmMaxPoolGrad(original: tfc.KernelFunc): tfc.KernelFunc {
  return (args) => {
    const { dy, input } = args.inputs as { dy: tfc.TensorInfo; input: tfc.TensorInfo };
    if (input.dtype !== 'float32' || dy.dtype !== 'float32') return original(args);
    const g = maxPoolGeometry(input.shape, args.attrs as unknown as tfc.MaxPoolGradAttrs);
    if (!tfc.util.arraysEqual(dy.shape, g.outShape)) {
      throw new Error(`MaxPoolGrad: dy has shape [${dy.shape}], the pooling gives [${g.outShape}]`);
    }
    const wasm = args.backend as unknown as WasmBackendLike;
    const out = wasm.makeOutput([...input.shape], 'float32');
    // Views after makeOutput: allocating may grow the heap and replace its buffer. malloc does not zero.
    const dx = wasm.typedArrayFromHeap(out) as Float32Array;
    dx.fill(0);
    maxPoolGradient(wasm.typedArrayFromHeap(input), wasm.typedArrayFromHeap(dy), g, dx);
    return out;
  };
}
