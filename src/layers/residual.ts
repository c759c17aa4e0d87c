import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables.js';
import { firstMask } from './masks.js';
import {
  dotLast,
  type Initializer,
  lastDim,
  revive,
  type Serialized,
  type Shape,
  serialize,
} from './serial.js';

export interface ResidualArgs {
  name?: string;
  kernelInitializer?: Initializer | Serialized;
}

/**
 * A residual connection: inputs [x, f] → x + f. When their widths differ, x first goes through a
 * learned linear projection to f's width (no bias; a ResNet-style shortcut), else there are no
 * weights. Sequences or vectors; the mask is the first input's that has one.
 */
export class Residual extends tfl.layers.Layer {
  static readonly className = 'QqpResidual';
  private readonly kernelInitializer: Initializer;
  private kernel: LayerVariable | null = null;

  constructor(args: ResidualArgs = {}) {
    super(args.name === undefined ? {} : { name: args.name });
    this.kernelInitializer = revive(args.kernelInitializer, tfl.initializers.glorotUniform({}));
    this.supportsMasking = true;
  }

  override build(inputShape: Shape | Shape[]): void {
    const [x, f] = two(inputShape, 'residual');
    const dx = lastDim(x, this.name);
    const df = lastDim(f, this.name);
    if (dx !== df) this.kernel = this.addWeight('kernel', [dx, df], 'float32', this.kernelInitializer);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return two(inputShape, 'residual')[1];
  }

  override computeMask(_inputs: tfc.Tensor | tfc.Tensor[], mask?: tfc.Tensor | tfc.Tensor[]): tfc.Tensor {
    return firstMask(mask);
  }

  override call(inputs: tfc.Tensor | tfc.Tensor[]): tfc.Tensor {
    return tfc.tidy(() => {
      const [x, f] = inputs as [tfc.Tensor, tfc.Tensor];
      const shortcut = this.kernel ? dotLast(x, this.kernel.read() as tfc.Tensor2D) : x;
      return tfc.add(shortcut, f);
    });
  }

  override getConfig(): tfc.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelInitializer: serialize(this.kernelInitializer),
    } as tfc.serialization.ConfigDict;
  }

  override getClassName(): string {
    return Residual.className;
  }
}

/**
 * RE2's augmented residual connection (Yang et al. 2019, eq. 1): the input of block n ≥ 2 is
 * [x⁽¹⁾; o⁽ⁿ⁻¹⁾ + o⁽ⁿ⁻²⁾], the first block's input (the embedded tokens) concatenated on the
 * feature axis with the sum of the previous two blocks' outputs (o⁽⁰⁾ = 0). Inputs
 * [x1, o_prev] (block 2) or [x1, o_prev, o_prev2]; o_prev and o_prev2 must have the same width.
 * No weights; the mask is the first input's that has one.
 */
export class AugmentedResidual extends tfl.layers.Layer {
  static readonly className = 'QqpAugmentedResidual';

  constructor(args: { name?: string } = {}) {
    super(args.name === undefined ? {} : { name: args.name });
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = inputShape as Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length < 2 || shapes.length > 3)
      throw new Error('augmentedResidual takes two or three inputs: [x1, o_prev] or [x1, o_prev, o_prev2]');
    const [x, o, o2] = shapes as [Shape, Shape, Shape | undefined];
    const dx = lastDim(x, this.name);
    const d = lastDim(o, this.name);
    if (o2 && lastDim(o2, this.name) !== d)
      throw new Error(
        `${this.name}: the two block outputs have widths ${d} and ${o2[o2.length - 1]}; they must be equal`,
      );
    return [...x.slice(0, -1), dx + d];
  }

  override computeMask(_inputs: tfc.Tensor | tfc.Tensor[], mask?: tfc.Tensor | tfc.Tensor[]): tfc.Tensor {
    return firstMask(mask);
  }

  override call(inputs: tfc.Tensor | tfc.Tensor[]): tfc.Tensor {
    return tfc.tidy(() => {
      const [x, o, o2] = inputs as [tfc.Tensor, tfc.Tensor, tfc.Tensor | undefined];
      return tfc.concat([x, o2 ? tfc.add(o, o2) : o], -1);
    });
  }

  override getClassName(): string {
    return AugmentedResidual.className;
  }
}

function two(inputShape: Shape | Shape[], who: string): [Shape, Shape] {
  const shapes = inputShape as Shape[];
  if (!Array.isArray(shapes[0]) || shapes.length !== 2 || !shapes[1])
    throw new Error(`${who} takes exactly two inputs`);
  return [shapes[0], shapes[1]];
}
