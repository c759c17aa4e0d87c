import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mergeMasks } from './masks.js';

type Shape = (number | null)[];

export const ELEMENTWISE_OPS = ['add', 'subtract', 'multiply'] as const;
export type ElementwiseOp = (typeof ELEMENTWISE_OPS)[number];

export type ElementwiseArgs = ConstructorParameters<typeof tfl.layers.Layer>[0] & { op: ElementwiseOp };

/**
 * An element-wise merge of inputs of one shape: `add` (a + b + ...), `subtract` (a − b, two inputs),
 * `multiply` (a ∗ b ∗ ...). Unlike tfjs' Add and Multiply, it passes masks on correctly (a step is
 * kept where every masked input keeps it). qqp-specific class name for serialization.
 */
export class Elementwise extends tfl.layers.Layer {
  static readonly className = 'QqpElementwise';
  readonly op: ElementwiseOp;

  constructor(args: ElementwiseArgs) {
    const { op, ...rest } = args;
    super(rest);
    if (!ELEMENTWISE_OPS.includes(op)) throw new Error(`unknown element-wise op "${op}"`);
    this.op = op;
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = inputShape as Shape[];
    const first = shapes[0];
    if (!first || shapes.length < 2) throw new Error(`${this.op} takes at least two inputs`);
    if (this.op === 'subtract' && shapes.length !== 2) throw new Error('subtract takes exactly two inputs');
    for (const s of shapes) {
      if (s.length !== first.length || s.some((d, i) => d !== null && first[i] !== null && d !== first[i]))
        throw new Error(
          `${this.op} needs inputs of one shape, got ${shapes.map((x) => JSON.stringify(x)).join(' and ')}`,
        );
    }
    return first;
  }

  override call(inputs: tfc.Tensor | tfc.Tensor[]): tfc.Tensor {
    return tfc.tidy(() => {
      const xs = inputs as tfc.Tensor[];
      if (this.op === 'subtract') return tfc.sub(xs[0]!, xs[1]!);
      const f = this.op === 'add' ? tfc.add : tfc.mul;
      return xs.slice(1).reduce((a, b) => f(a, b), xs[0]!);
    });
  }

  override computeMask(_inputs: tfc.Tensor | tfc.Tensor[], mask?: tfc.Tensor | tfc.Tensor[]): tfc.Tensor {
    // tfjs types a mask as a tensor, but a layer returns null for none.
    return mergeMasks(mask) as tfc.Tensor;
  }

  override getConfig(): tfc.serialization.ConfigDict {
    return { ...super.getConfig(), op: this.op };
  }

  override getClassName(): string {
    return Elementwise.className;
  }
}
