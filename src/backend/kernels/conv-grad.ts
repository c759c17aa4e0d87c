import * as tfc from '@tensorflow/tfjs-core';
import { wasmMaxPoolGrad } from './max-pool-grad.js';

/**
 * Gradients of 2-D convolutions (so of Conv1D, which tfjs runs as a conv2d of height 1) where
 * tfjs lacks them:
 *
 * - `Conv2DBackpropFilter` on wasm: tfjs-backend-wasm 4.22 has the input gradient
 *   (`Conv2DBackpropInput`) and AvgPoolGrad, but no filter gradient, so no convolution could train
 *   there. Computed here in JavaScript on the wasm heap.
 * - the gradient of `Conv2D` with dilations above 1, which tfjs refuses on every backend ("dilation
 *   rates greater than 1 are not yet supported in gradients"). A dilated convolution is the plain
 *   convolution with a filter spread out by zeros, so its gradients are the plain ones of that
 *   filter (the filter's keeps every dilation-th tap). Dilations of 1 keep tfjs' own gradient.
 */

type Geometry = tfc.backend_util.Conv2DInfo;

/** Element strides of the batch, row, column and channel axes of an input-like tensor. */
function strides4(h: number, w: number, c: number, channelsFirst: boolean): [number, number, number, number] {
  return channelsFirst ? [c * h * w, w, 1, h * w] : [h * w * c, w * c, c, 1];
}

/**
 * The filter gradient, written into `out` ([filterHeight, filterWidth, inChannels, outChannels]):
 *
 *   out[fh, fw, ci, co] = Σ over b, oh, ow of  x[b, ih, iw, ci] · dy[b, oh, ow, co]
 *   with ih = oh·strideHeight − padTop + fh·dilationHeight, iw likewise with the columns,
 *
 * where positions outside the input are the zero padding and add nothing. x and dy are in the
 * geometry's layout (NHWC, or NCHW for channelsFirst); sums are kept in float64.
 *
 * Tap by tap: the output positions whose input falls inside are listed first, then taken four at
 * a time, so each partial sum is read and written once per four products (about three times
 * faster than one at a time, on conv1d's shapes).
 */
export function conv2dFilterGradient(
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
  g: Geometry,
  out: Float32Array | Float64Array,
): void {
  const channelsFirst = g.dataFormat === 'channelsFirst';
  const [xb, xh, xw, xc] = strides4(g.inHeight, g.inWidth, g.inChannels, channelsFirst);
  const [db, dh, dw, dc] = strides4(g.outHeight, g.outWidth, g.outChannels, channelsFirst);
  const inC = g.inChannels;
  const outC = g.outChannels;
  const sum = new Float64Array(g.filterHeight * g.filterWidth * inC * outC);
  const positions = g.batchSize * g.outHeight * g.outWidth;
  // Where each listed position starts in x and in dy.
  const xAt = new Int32Array(positions);
  const dyAt = new Int32Array(positions);
  for (let fh = 0; fh < g.filterHeight; fh++) {
    for (let fw = 0; fw < g.filterWidth; fw++) {
      let n = 0;
      for (let b = 0; b < g.batchSize; b++) {
        for (let oh = 0; oh < g.outHeight; oh++) {
          const ih = oh * g.strideHeight - g.padInfo.top + fh * g.dilationHeight;
          if (ih < 0 || ih >= g.inHeight) continue;
          for (let ow = 0; ow < g.outWidth; ow++) {
            const iw = ow * g.strideWidth - g.padInfo.left + fw * g.dilationWidth;
            if (iw < 0 || iw >= g.inWidth) continue;
            xAt[n] = b * xb + ih * xh + iw * xw;
            dyAt[n] = b * db + oh * dh + ow * dw;
            n++;
          }
        }
      }
      const tap = (fh * g.filterWidth + fw) * inC;
      let p = 0;
      for (; p + 4 <= n; p += 4) {
        const [x0, x1, x2, x3] = [xAt[p]!, xAt[p + 1]!, xAt[p + 2]!, xAt[p + 3]!];
        const [d0, d1, d2, d3] = [dyAt[p]!, dyAt[p + 1]!, dyAt[p + 2]!, dyAt[p + 3]!];
        for (let ci = 0; ci < inC; ci++) {
          const c = ci * xc;
          const [a0, a1, a2, a3] = [x[x0 + c]!, x[x1 + c]!, x[x2 + c]!, x[x3 + c]!];
          const row = (tap + ci) * outC;
          for (let co = 0; co < outC; co++) {
            const k = co * dc;
            sum[row + co]! += a0 * dy[d0 + k]! + a1 * dy[d1 + k]! + a2 * dy[d2 + k]! + a3 * dy[d3 + k]!;
          }
        }
      }
      for (; p < n; p++) {
        for (let ci = 0; ci < inC; ci++) {
          const a = x[xAt[p]! + ci * xc]!;
          const row = (tap + ci) * outC;
          for (let co = 0; co < outC; co++) sum[row + co]! += a * dy[dyAt[p]! + co * dc]!;
        }
      }
    }
  }
  out.set(sum);
}

/** The geometry tfjs' own conv2d uses for these attributes (padding, output size, layout). */
export function filterGradientGeometry(
  xShape: readonly number[],
  attrs: tfc.Conv2DBackpropFilterAttrs,
  dilations: number | [number, number] = 1,
): Geometry {
  return tfc.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tfc.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tfc.DataType): tfc.TensorInfo;
  typedArrayFromHeap(t: tfc.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

const wasmFilterGradient: tfc.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: tfc.TensorInfo; dy: tfc.TensorInfo };
  const a = attrs as unknown as tfc.Conv2DBackpropFilterAttrs;
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(`Conv2DBackpropFilter: x and dy must be float32, got ${x.dtype} and ${dy.dtype}`);
  }
  const g = filterGradientGeometry(x.shape, a);
  if (!tfc.util.arraysEqual(dy.shape, g.outShape)) {
    throw new Error(
      `Conv2DBackpropFilter: dy has shape [${dy.shape}], the convolution gives [${g.outShape}]`,
    );
  }
  const wasm = backend as unknown as WasmBackendLike;
  const out = wasm.makeOutput([...a.filterShape], 'float32');
  // Views after makeOutput: allocating may grow the heap and replace its buffer.
  conv2dFilterGradient(
    wasm.typedArrayFromHeap(x),
    wasm.typedArrayFromHeap(dy),
    g,
    wasm.typedArrayFromHeap(out) as Float32Array,
  );
  return out;
};

/** [height, width] dilations from a Conv2D's attribute. */
function pair(d: number | [number, number]): [number, number] {
  return typeof d === 'number' ? [d, d] : d;
}

/**
 * The filter spread out for dilations [dh, dw]: tap (fh, fw) moves to (fh·dh, fw·dw), zeros between.
 * Made of reshape, pad and slice, so it runs (and differentiates) on every backend.
 */
export function dilateFilter(filter: tfc.Tensor4D, dh: number, dw: number): tfc.Tensor4D {
  const [fh, fw, ci, co] = filter.shape;
  return tfc.tidy(() => {
    const spaced = tfc.pad(filter.reshape([fh, 1, fw, 1, ci * co]), [
      [0, 0],
      [0, dh - 1],
      [0, 0],
      [0, dw - 1],
      [0, 0],
    ]);
    return spaced
      .reshape([fh * dh, fw * dw, ci, co])
      .slice([0, 0, 0, 0], [(fh - 1) * dh + 1, (fw - 1) * dw + 1, ci, co]) as tfc.Tensor4D;
  });
}

let gradientInstalled: tfc.GradConfig | undefined;

/** Conv2D's gradient: tfjs' own for dilations of 1, through the spread-out filter otherwise. */
function installConvGradient(): void {
  const current = tfc.getGradient(tfc.Conv2D);
  if (current !== undefined && current === gradientInstalled) return;
  const original = current;
  if (!original) throw new Error('tfjs has no gradient for Conv2D to extend');
  const config: tfc.GradConfig = {
    kernelName: tfc.Conv2D,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const { dilations, strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as tfc.Conv2DAttrs;
      const [dh, dw] = pair(dilations);
      if (dh === 1 && dw === 1) return original.gradFunc(dy, saved, attrs);
      const [x, filter] = saved as [tfc.Tensor4D, tfc.Tensor4D];
      if (Array.isArray(dy)) throw new Error('Conv2D has one output');
      const dilated = dilateFilter(filter, dh, dw);
      const common = { strides, pad, dataFormat, dimRoundingMode };
      const run = (kernel: string, inputs: tfc.NamedTensorMap, extra: object) =>
        tfc
          .engine()
          .runKernel<tfc.Tensor>(kernel, inputs, { ...common, ...extra } as unknown as tfc.NamedAttrMap);
      return {
        x: () => run(tfc.Conv2DBackpropInput, { dy, filter: dilated }, { inputShape: x.shape }),
        filter: () => {
          const spread = run(tfc.Conv2DBackpropFilter, { x, dy }, { filterShape: dilated.shape });
          return tfc.stridedSlice(spread, [0, 0, 0, 0], [...dilated.shape], [dh, dw, 1, 1]);
        },
      };
    },
  };
  tfc.registerGradient(config);
  gradientInstalled = config;
}

let wasmInstalled = false;

/**
 * Makes convolutions and max pooling train right on a backend: on every backend, Conv2D's gradient
 * with dilations (tfjs keeps one gradient per kernel, for all backends); on wasm, the
 * `Conv2DBackpropFilter` kernel it lacks and a `MaxPoolGrad` in front of its own (see
 * max-pool-grad.ts). Idempotent; on wasm, call after the wasm backend's kernels are registered
 * (importing the package does it).
 */
export function registerConvGradKernels(backendName: 'wasm' | 'cpu' | 'tensorflow'): void {
  installConvGradient();
  if (backendName !== 'wasm' || wasmInstalled) return;
  if (tfc.getKernel(tfc.Conv2DBackpropFilter, 'wasm')) tfc.unregisterKernel(tfc.Conv2DBackpropFilter, 'wasm');
  tfc.registerKernel({
    kernelName: tfc.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: wasmFilterGradient,
  });
  // tfjs' own keeps its setup (the wasm backend binds its wasm function there when it starts).
  const own = tfc.getKernel(tfc.MaxPoolGrad, 'wasm');
  if (!own) throw new Error('wasm backend has no MaxPoolGrad kernel to replace');
  tfc.unregisterKernel(tfc.MaxPoolGrad, 'wasm');
  tfc.registerKernel({ ...own, kernelFunc: wasmMaxPoolGrad(own.kernelFunc) });
  wasmInstalled = true;
}
