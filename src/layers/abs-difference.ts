import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mergeMasks } from './masks.js';

type Shape = (number | null)[];

/**
 * |u − v|, element-wise: the siamese combine step and the graph's `absDiff` (tfjs-layers has no
 * subtract layer). Masks pass through (a step is kept where both inputs keep it).
 * Known to tfjs' serialization under a qqp-specific class name (src/layers/index.ts) so saved models load again.
 */
export class AbsDifference extends tfl.layers.Layer {
  static readonly className = 'QqpAbsDifference';

  constructor(args?: ConstructorParameters<typeof tfl.layers.Layer>[0]) {
    super(args ?? {});
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = inputShape as Shape[];
    const first = shapes[0];
    const second = shapes[1];
    if (!first || !second || shapes.length !== 2) throw new Error('AbsDifference takes exactly two inputs');
    if (
      first.length !== second.length ||
      first.some((d, i) => d !== null && second[i] !== null && d !== second[i])
    )
      throw new Error(
        `absDiff needs two inputs of one shape, got ${JSON.stringify(first)} and ${JSON.stringify(second)}`,
      );
    return first;
  }

  override call(inputs: tfc.Tensor | tfc.Tensor[]): tfc.Tensor {
    return tfc.tidy(() => {
      const [a, b] = inputs as tfc.Tensor[];
      if (!a || !b) throw new Error('AbsDifference takes exactly two inputs');
      return tfc.abs(tfc.sub(a, b));
    });
  }

  override computeMask(_inputs: tfc.Tensor | tfc.Tensor[], mask?: tfc.Tensor | tfc.Tensor[]): tfc.Tensor {
    // tfjs types a mask as a tensor, but a layer returns null for none.
    return mergeMasks(mask) as tfc.Tensor;
  }

  override getClassName(): string {
    return AbsDifference.className;
  }
}
