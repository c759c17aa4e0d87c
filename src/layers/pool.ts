import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { inputMasks, MASKED_LOGIT, maskAs } from './masks.js';
import type { Shape } from './serial.js';

export type PoolMode = 'max' | 'mean' | 'sum';

export interface MaskedPoolArgs {
  name?: string;
  mode?: PoolMode;
}

/**
 * Pooling over time that ignores padding: [B, T, D] → [B, D], by max, mean or sum over the
 * unmasked steps (tfjs' global pooling layers count padding). A sequence with no unmasked step
 * pools to zeros. Without a mask, plain pooling over every step. 4–9 tfjs ops.
 */
export class MaskedPool extends tfl.layers.Layer {
  static readonly className = 'QqpMaskedPool';
  readonly mode: PoolMode;

  constructor(args: MaskedPoolArgs = {}) {
    super(args.name === undefined ? {} : { name: args.name });
    this.mode = args.mode ?? 'max';
    if (!['max', 'mean', 'sum'].includes(this.mode)) throw new Error(`pool: unknown mode ${this.mode}`);
    this.supportsMasking = true;
    this.inputSpec = [new tfl.InputSpec({ ndim: 3 })];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [s[0] ?? null, s[2] ?? null];
  }

  override computeMask(): tfc.Tensor {
    return null as unknown as tfc.Tensor;
  }

  override call(inputs: tfc.Tensor | tfc.Tensor[], kwargs: tfc.serialization.ConfigDict): tfc.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tfc.Tensor3D;
    const [mask] = inputMasks([x], kwargs);
    return tfc.tidy(() => {
      if (!mask) {
        if (this.mode === 'max') return tfc.max(x, 1);
        return this.mode === 'mean' ? tfc.mean(x, 1) : tfc.sum(x, 1);
      }
      const [B, T] = x.shape;
      const m = maskAs(mask, [B, T, 1]);
      if (this.mode === 'sum') return tfc.sum(tfc.mul(x, m), 1);
      const count = tfc.sum(m, 1);
      if (this.mode === 'mean') return tfc.div(tfc.sum(tfc.mul(x, m), 1), tfc.maximum(count, 1));
      const top = tfc.max(tfc.add(x, tfc.mul(tfc.sub(1, m), MASKED_LOGIT)), 1);
      return tfc.mul(top, tfc.minimum(count, 1));
    });
  }

  override getConfig(): tfc.serialization.ConfigDict {
    return { ...super.getConfig(), mode: this.mode };
  }

  override getClassName(): string {
    return MaskedPool.className;
  }
}
