import * as tfc from '@tensorflow/tfjs-core';
import { ALIGN_FUNCTIONS, type AlignEntryName, type AlignShape, runAlignEntry } from './align-wasm.js';
import {
  type KernelBackendName,
  readKernelInputs,
  recordingGradients,
  recordWithGradient,
  runKernel,
  TENSOR_IO,
  type TensorIo,
} from './tensor-io.js';

/**
 * The fused alignment core of the `align` layer (src/layers/align.ts), for the wasm and cpu
 * backends, with its gradient: scores, both masked softmaxes and both weighted sums in one
 * kernel call forward and one backward (native/rnn.c align_forward, align_backward; native or wasm),
 * instead of about twenty tfjs ops each way.
 *
 *   QqpAlign      {sa [B,Ta,P], sb [B,Tb,P], a [B,Ta,D], b [B,Tb,D], ma [B,Ta] or [0],
 *                  mb [B,Tb] or [0], scale []} → at [B,Ta,D], bt [B,Tb,D], pa [B,Ta,Tb], pb [B,Tb,Ta]
 *   QqpAlignInfer the same inputs → at, bt (no gradient)
 *   QqpAlignGrad  {sa, sb, a, b, scale, pa, pb, dat, dbt} → dsa, dsb, da, db, dscale []
 *
 * sa and sb are the score inputs (the projections, or a and b themselves); the masks are 0/1
 * floats, empty for none. pa and pb are the weights, kept for the backward pass.
 */

export const FUSED_ALIGN = 'QqpAlign';
export const FUSED_ALIGN_INFER = 'QqpAlignInfer';
export const FUSED_ALIGN_GRAD = 'QqpAlignGrad';

interface KernelDef {
  entry: AlignEntryName;
  outputs: readonly string[];
}

const KERNEL_DEFS: Record<string, KernelDef> = {
  [FUSED_ALIGN]: { entry: 'align_forward', outputs: ['at', 'bt', 'pa', 'pb'] },
  [FUSED_ALIGN_INFER]: { entry: 'align_forward', outputs: ['at', 'bt'] },
  [FUSED_ALIGN_GRAD]: { entry: 'align_backward', outputs: ['dsa', 'dsb', 'da', 'db', 'dscale'] },
};

function shapeOf(inputs: tfc.NamedTensorInfoMap): AlignShape {
  const { sa, sb, a } = inputs;
  if (!sa || !sb || !a) throw new Error('fused alignment kernel: sa, sb and a are required');
  const [batch, stepsA, scoreWidth] = sa.shape as [number, number, number];
  return { batch, stepsA, stepsB: sb.shape[1]!, scoreWidth, width: a.shape[2]! };
}

/**
 * The kernel function of a definition on one backend: outputs first (the wasm heap may grow),
 * then every input as a view; an empty mask is none. dscale is a scalar like the scale.
 */
function makeKernel(def: KernelDef, io: (b: unknown) => TensorIo): tfc.KernelFunc {
  const fn = ALIGN_FUNCTIONS[def.entry];
  const outputs = def.outputs.map((name) => {
    const p = fn.params.find((q) => q.name === name);
    if (p?.role !== 'out') throw new Error(`fused alignment kernel ${def.entry}: no output ${name}`);
    return { name, shape: name === 'dscale' ? () => [] : p.shape };
  });
  return ({ inputs, backend }) => {
    const call = shapeOf(inputs);
    const b = io(backend);
    const outs = outputs.map(({ name, shape }) => ({ name, out: b.output(shape(call)) }));
    const arrays = readKernelInputs(fn, inputs, b);
    for (const { name, out } of outs) arrays[name] = out.values();
    runAlignEntry(def.entry, call, arrays);
    return outs.map((o) => o.out.info);
  };
}

const FORWARD_INPUTS = ['sa', 'sb', 'a', 'b', 'ma', 'mb', 'scale'] as const;

/** The gradients of sa, sb, a, b and the scale, by QqpAlignGrad. */
function backward(
  [sa, sb, a, b, scale, pa, pb]: readonly tfc.Tensor[],
  [dat, dbt]: readonly tfc.Tensor[],
): Record<'sa' | 'sb' | 'a' | 'b' | 'scale', () => tfc.Tensor> {
  const [dsa, dsb, da, db, dscale] = runKernel(
    FUSED_ALIGN_GRAD,
    { sa: sa!, sb: sb!, a: a!, b: b!, scale: scale!, pa: pa!, pb: pb!, dat: dat!, dbt: dbt! },
    {},
  );
  return { sa: () => dsa!, sb: () => dsb!, a: () => da!, b: () => db!, scale: () => dscale! };
}

/**
 * The registered gradient of QqpAlign, for callers that run the kernel directly: of sa, sb, a, b
 * and the scale from at's and bt's (the weights' own outputs are not differentiated: nothing
 * outside reads them); zeros for the masks (built only if a mask is a function of what is
 * differentiated). The layer's path is fusedAlign's.
 */
const alignGrad: tfc.GradConfig = {
  kernelName: FUSED_ALIGN,
  inputsToSave: [...FORWARD_INPUTS],
  outputsToSave: [false, false, true, true],
  gradFunc: (dy, saved) => {
    const [sa, sb, a, b, ma, mb, scale, pa, pb] = saved as tfc.Tensor[];
    return {
      ...backward([sa!, sb!, a!, b!, scale!, pa!, pb!], dy as tfc.Tensor[]),
      ma: () => tfc.zerosLike(ma!),
      mb: () => tfc.zerosLike(mb!),
    };
  },
};

let gradientRegistered = false;

/** Registers the fused alignment kernels on a backend (those missing), and the gradient (once). */
export function registerFusedAlignKernels(backendName: KernelBackendName): void {
  for (const [kernelName, def] of Object.entries(KERNEL_DEFS)) {
    if (!tfc.getKernel(kernelName, backendName)) {
      tfc.registerKernel({ kernelName, backendName, kernelFunc: makeKernel(def, TENSOR_IO[backendName]) });
    }
  }
  if (gradientRegistered) return;
  gradientRegistered = true;
  tfc.registerGradient(alignGrad);
}

/** Whether the fused alignment runs on the current backend (else the layer uses tfjs ops). */
export function fusedAlignAvailable(): boolean {
  return tfc.getKernel(FUSED_ALIGN, tfc.getBackend()) !== undefined;
}

export interface FusedAlignInputs {
  /** The score inputs [B, Ta, P], [B, Tb, P] (a and b themselves without a projection). */
  sa: tfc.Tensor3D;
  sb: tfc.Tensor3D;
  /** The values [B, Ta, D], [B, Tb, D]. */
  a: tfc.Tensor3D;
  b: tfc.Tensor3D;
  /** [B, Ta] and [B, Tb] of 0/1 (float32), or null for none. */
  ma: tfc.Tensor | null;
  mb: tfc.Tensor | null;
  /** A scalar multiplying the scores. */
  scale: tfc.Scalar;
}

/**
 * [ã, b̃] by the fused kernels: while a gradient is recorded, QqpAlign as one operation of sa, sb, a,
 * b and the scale with two outputs (recordWithGradient), else the forward-only kernel. Through the
 * kernel's registered gradient tfjs would also make a zero-filled gradient for pa and pb
 * (B·Ta·Tb floats each) every backward pass, and the masks would be inputs of the operation.
 */
export function fusedAlign(inputs: FusedAlignInputs): [tfc.Tensor3D, tfc.Tensor3D] {
  return tfc.tidy(() => {
    const none = () => tfc.zeros([0]);
    const named: tfc.NamedTensorMap = {
      ...inputs,
      ma: inputs.ma ?? none(),
      mb: inputs.mb ?? none(),
    };
    if (!recordingGradients()) {
      const [at, bt] = runKernel(FUSED_ALIGN_INFER, named, {});
      return [at as tfc.Tensor3D, bt as tfc.Tensor3D];
    }
    const { sa, sb, a, b, scale } = inputs;
    const [at, bt] = recordWithGradient(
      { sa, sb, a, b, scale },
      (save) => {
        const [at, bt, pa, pb] = runKernel(FUSED_ALIGN, named, {});
        save([sa, sb, a, b, scale, pa!, pb!]);
        return [at!, bt!];
      },
      (dys, saved) => backward(saved, dys),
    );
    return [at as tfc.Tensor3D, bt as tfc.Tensor3D];
  });
}
