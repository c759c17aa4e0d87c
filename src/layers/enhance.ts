import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { firstMask } from './masks.js';
import { ENHANCE_PARTS, type EnhancePart } from './options.js';
import { lastDim, type Shape } from './serial.js';

export { ENHANCE_PARTS, type EnhancePart };

export interface EnhanceArgs {
  name?: string;
  /** Which of [a, ã, a − ã, a ∗ ã] to concatenate, in this order (default: all four). */
  parts?: EnhancePart[];
}

/**
 * ESIM's enhancement in one step: inputs a and ã (same shape, sequences or vectors), output the
 * concatenation on the feature axis of the chosen parts of [a, ã, a − ã, a ∗ ã] (3 tfjs ops for all
 * four). The output mask is a's.
 */
export class Enhance extends tfl.layers.Layer {
  static readonly className = 'QqpEnhance';
  readonly parts: EnhancePart[];

  constructor(args: EnhanceArgs = {}) {
    super(args.name === undefined ? {} : { name: args.name });
    this.parts = [...(args.parts ?? ENHANCE_PARTS)];
    if (this.parts.length === 0) throw new Error('enhance: parts must name at least one part');
    for (const p of this.parts)
      if (!(ENHANCE_PARTS as readonly string[]).includes(p)) throw new Error(`enhance: unknown part ${p}`);
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [a, b] = inputShape as Shape[];
    if (!a || !b || !Array.isArray(a))
      throw new Error('enhance takes exactly two inputs: a and its alignment');
    const da = lastDim(a, this.name);
    if (da !== lastDim(b, this.name))
      throw new Error(
        `${this.name}: its inputs have widths ${da} and ${b[b.length - 1]}; they must be equal`,
      );
    return [...a.slice(0, -1), da * this.parts.length];
  }

  override computeMask(_inputs: tfc.Tensor | tfc.Tensor[], mask?: tfc.Tensor | tfc.Tensor[]): tfc.Tensor {
    return firstMask(mask);
  }

  override call(inputs: tfc.Tensor | tfc.Tensor[]): tfc.Tensor {
    return tfc.tidy(() => {
      const [a, b] = inputs as [tfc.Tensor, tfc.Tensor];
      const part = (p: EnhancePart): tfc.Tensor => {
        switch (p) {
          case 'input':
            return a;
          case 'aligned':
            return b;
          case 'difference':
            return tfc.sub(a, b);
          case 'product':
            return tfc.mul(a, b);
        }
      };
      const pieces = this.parts.map(part);
      return pieces.length === 1 ? tfc.clone(pieces[0]!) : tfc.concat(pieces, -1);
    });
  }

  override getConfig(): tfc.serialization.ConfigDict {
    return { ...super.getConfig(), parts: [...this.parts] };
  }

  override getClassName(): string {
    return Enhance.className;
  }
}
