import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables.js';
import { fusedAlign, fusedAlignAvailable } from '../backend/kernels/align.js';
import { inputMasks, MASKED_LOGIT, maskAs } from './masks.js';
import {
  applyActivation,
  dotLast,
  type Initializer,
  isSimpleActivation,
  lastDim,
  revive,
  type Serialized,
  type Shape,
  type SimpleActivation,
  serialize,
} from './serial.js';

export type AlignScale = 'none' | 'sqrt' | 'learned';

export interface AlignArgs {
  name?: string;
  /** Multiply the scores by 1/sqrt(d) ('sqrt'), by a learned scalar that starts there ('learned'), or not. */
  scale?: AlignScale;
  /** Units of a dense projection applied to both sequences before the scores (0: none). */
  projectionUnits?: number;
  projectionActivation?: string;
  kernelInitializer?: Initializer | Serialized;
}

/**
 * Soft alignment of two sequences (decomposable attention, ESIM, RE2). Inputs a [B, Ta, D] and
 * b [B, Tb, D]; scores e = F(a)·F(b)ᵀ [B, Ta, Tb], where F is the identity or one dense layer
 * (shared by a and b, with its activation), times a scale. Returns [ã, b̃]:
 * ã_i = Σ_j softmax_j(e_ij) b_j ([B, Ta, D]) and b̃_j = Σ_i softmax_i(e_ij) a_i ([B, Tb, D]) — the
 * weighted sums are of the inputs themselves, not their projections. Padding (masked places)
 * never gives nor receives weight: masked logits get −1e9 before the softmax, and the weights are
 * multiplied by the mask, so a question with no real token gets zeros. Output masks: a's for ã,
 * b's for b̃. About 20 tfjs ops forward (two batched matMuls for the sums, one for the scores, one
 * transpose for the other direction's softmax, since tfjs' softmax works on the last axis only).
 */
export class Align extends tfl.layers.Layer {
  static readonly className = 'QqpAlign';
  readonly scale: AlignScale;
  readonly projectionUnits: number;
  readonly projectionActivation: SimpleActivation;
  private readonly kernelInitializer: Initializer;
  private kernel: LayerVariable | null = null;
  private bias: LayerVariable | null = null;
  private temperature: LayerVariable | null = null;
  private width = 0;

  constructor(args: AlignArgs = {}) {
    super(args.name === undefined ? {} : { name: args.name });
    this.scale = args.scale ?? 'none';
    this.projectionUnits = args.projectionUnits ?? 0;
    const act = args.projectionActivation ?? 'relu';
    if (!isSimpleActivation(act)) throw new Error(`align: unsupported projectionActivation ${act}`);
    this.projectionActivation = act;
    this.kernelInitializer = revive(args.kernelInitializer, tfl.initializers.glorotUniform({}));
    this.supportsMasking = true;
  }

  override build(inputShape: Shape | Shape[]): void {
    const [a, b] = pair(inputShape);
    const da = lastDim(a, this.name);
    const db = lastDim(b, this.name);
    if (da !== db)
      throw new Error(`${this.name}: its two inputs have widths ${da} and ${db}; they must be equal`);
    this.width = this.projectionUnits > 0 ? this.projectionUnits : da;
    if (this.projectionUnits > 0) {
      this.kernel = this.addWeight('kernel', [da, this.projectionUnits], 'float32', this.kernelInitializer);
      this.bias = this.addWeight('bias', [this.projectionUnits], 'float32', tfl.initializers.zeros());
    }
    if (this.scale === 'learned') {
      this.temperature = this.addWeight(
        'temperature',
        [],
        'float32',
        tfl.initializers.constant({ value: 1 / Math.sqrt(this.width) }),
      );
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape[] {
    const [a, b] = pair(inputShape);
    return [
      [a[0] ?? null, a[1] ?? null, b[2] ?? null],
      [b[0] ?? null, b[1] ?? null, a[2] ?? null],
    ];
  }

  override computeMask(_inputs: tfc.Tensor | tfc.Tensor[], mask?: tfc.Tensor | tfc.Tensor[]): tfc.Tensor[] {
    const masks = Array.isArray(mask) ? mask : [mask, null];
    return [masks[0] ?? null, masks[1] ?? null] as unknown as tfc.Tensor[];
  }

  private project(x: tfc.Tensor): tfc.Tensor {
    if (!this.kernel || !this.bias) return x;
    return applyActivation(
      this.projectionActivation,
      tfc.add(dotLast(x, this.kernel.read() as tfc.Tensor2D), this.bias.read()),
    );
  }

  override call(inputs: tfc.Tensor | tfc.Tensor[], kwargs: tfc.serialization.ConfigDict): tfc.Tensor[] {
    const list = inputs as tfc.Tensor[];
    const [ma, mb] = inputMasks(list, kwargs);
    return tfc.tidy(() => {
      const [a, b] = list as [tfc.Tensor3D, tfc.Tensor3D];
      const sa = this.project(a) as tfc.Tensor3D;
      const sb = this.project(b) as tfc.Tensor3D;
      if (fusedAlignAvailable()) {
        const [B, Ta] = a.shape;
        const Tb = b.shape[1];
        return fusedAlign({
          sa,
          sb,
          a,
          b,
          ma: ma ? maskAs(ma, [B, Ta]) : null,
          mb: mb ? maskAs(mb, [B, Tb]) : null,
          scale: this.scaleTensor(),
        });
      }
      return alignWithOps(
        sa,
        sb,
        a,
        b,
        ma ?? null,
        mb ?? null,
        this.scale === 'none' ? null : this.scaleTensor(),
      );
    });
  }

  /** The scores' multiplier as a scalar (the learned temperature's current value). */
  private scaleTensor(): tfc.Scalar {
    if (this.temperature) return this.temperature.read() as tfc.Scalar;
    return tfc.scalar(this.scale === 'sqrt' ? 1 / Math.sqrt(this.width) : 1);
  }

  override getConfig(): tfc.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      scale: this.scale,
      projectionUnits: this.projectionUnits,
      projectionActivation: this.projectionActivation,
      kernelInitializer: serialize(this.kernelInitializer),
    } as tfc.serialization.ConfigDict;
  }

  override getClassName(): string {
    return Align.className;
  }
}

/**
 * The alignment core as tfjs ops (backends without the fused kernel, src/backend/kernels/align.ts):
 * scores from the score inputs sa, sb (times the scale, if any), the masked softmaxes both ways
 * ([B, T] bool masks, or null), the weighted sums of the values a, b.
 */
export function alignWithOps(
  sa: tfc.Tensor3D,
  sb: tfc.Tensor3D,
  a: tfc.Tensor3D,
  b: tfc.Tensor3D,
  ma: tfc.Tensor | null,
  mb: tfc.Tensor | null,
  scale: tfc.Tensor | null,
): [tfc.Tensor3D, tfc.Tensor3D] {
  return tfc.tidy(() => {
    const [B, Ta] = a.shape;
    const Tb = b.shape[1];
    let e: tfc.Tensor = tfc.matMul(sa, sb, false, true);
    if (scale) e = tfc.mul(e, scale);
    const toA = weights(e, mb ? maskAs(mb, [B, 1, Tb]) : null);
    const toB = weights(tfc.transpose(e, [0, 2, 1]), ma ? maskAs(ma, [B, 1, Ta]) : null);
    return [tfc.matMul(toA as tfc.Tensor3D, b), tfc.matMul(toB as tfc.Tensor3D, a)];
  });
}

/** Softmax over the last axis with masked places (mask [B, 1, T] of 0/1) left out. */
function weights(logits: tfc.Tensor, mask: tfc.Tensor | null): tfc.Tensor {
  if (!mask) return tfc.softmax(logits);
  const bias = tfc.mul(tfc.sub(1, mask), MASKED_LOGIT);
  return tfc.mul(tfc.softmax(tfc.add(logits, bias)), mask);
}

function pair(inputShape: Shape | Shape[]): [Shape, Shape] {
  const shapes = inputShape as Shape[];
  if (!Array.isArray(shapes[0]) || shapes.length !== 2 || !shapes[1])
    throw new Error('align takes exactly two sequences');
  if (shapes[0].length !== 3 || shapes[1].length !== 3)
    throw new Error('align takes two sequences ([batch, time, features])');
  return [shapes[0], shapes[1]];
}
