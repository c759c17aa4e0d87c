import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type Shape = (number | null)[];

/**
 * |u − v|, element-wise, for the siamese combine step (tfjs-layers has no subtract layer).
 * Known to tfjs' serialization under a qqp-specific class name (src/layers/index.ts) so saved models load again.
 */
export class AbsDifference extends tfl.layers.Layer {
  static readonly className = 'QqpAbsDifference';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = inputShape as Shape[];
    const first = shapes[0];
    if (!first || shapes.length !== 2) throw new Error('AbsDifference takes exactly two inputs');
    return first;
  }

  override call(inputs: tfc.Tensor | tfc.Tensor[]): tfc.Tensor {
    return tfc.tidy(() => {
      const [a, b] = inputs as tfc.Tensor[];
      if (!a || !b) throw new Error('AbsDifference takes exactly two inputs');
      return tfc.abs(tfc.sub(a, b));
    });
  }

  override getClassName(): string {
    return AbsDifference.className;
  }
}
