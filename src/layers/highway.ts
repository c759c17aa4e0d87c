import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables.js';
import {
  applyActivation,
  dotLast,
  type Initializer,
  isSimpleActivation,
  lastDim,
  type Regularizer,
  revive,
  type Serialized,
  type Shape,
  type SimpleActivation,
  serialize,
} from './serial.js';

export interface HighwayArgs {
  name?: string;
  activation?: string;
  /** Initial bias of the transform gate (negative: start close to carrying the input through). */
  transformBias?: number;
  kernelInitializer?: Initializer | Serialized;
  kernelRegularizer?: Regularizer | Serialized | null;
}

/**
 * A highway layer (Srivastava et al. 2015), token-wise on a sequence or on a vector:
 * y = t ∗ g(x·Wh + bh) + (1 − t) ∗ x with the transform gate t = sigmoid(x·Wt + bt). Width is
 * kept. Wh and Wt are one kernel [D, 2D] (columns: h, then t) and one bias [2D] (bh zeros, bt
 * `transformBias`), so one matMul per call. The mask passes through.
 */
export class Highway extends tfl.layers.Layer {
  static readonly className = 'QqpHighway';
  readonly activation: SimpleActivation;
  readonly transformBias: number;
  private readonly kernelInitializer: Initializer;
  private readonly kernelRegularizer: Regularizer | null;
  private kernel: LayerVariable | null = null;
  private bias: LayerVariable | null = null;

  constructor(args: HighwayArgs = {}) {
    super(args.name === undefined ? {} : { name: args.name });
    const act = args.activation ?? 'relu';
    if (!isSimpleActivation(act)) throw new Error(`highway: unsupported activation ${act}`);
    this.activation = act;
    this.transformBias = args.transformBias ?? -1;
    this.kernelInitializer = revive(args.kernelInitializer, tfl.initializers.glorotUniform({}));
    this.kernelRegularizer = revive(args.kernelRegularizer, null);
    this.supportsMasking = true;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const d = lastDim(shape, this.name);
    this.kernel = this.addWeight(
      'kernel',
      [d, 2 * d],
      'float32',
      this.kernelInitializer,
      this.kernelRegularizer ?? undefined,
    );
    const init = new Float32Array(2 * d).fill(this.transformBias, d);
    const biasInit = {
      apply: () => tfc.tensor1d(init),
    } as unknown as Initializer;
    this.bias = this.addWeight('bias', [2 * d], 'float32', biasInit);
    this.built = true;
  }

  override call(inputs: tfc.Tensor | tfc.Tensor[]): tfc.Tensor {
    return tfc.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const z = tfc.add(dotLast(x, this.kernel!.read() as tfc.Tensor2D), this.bias!.read());
      const [h, t] = tfc.split(z, 2, -1) as [tfc.Tensor, tfc.Tensor];
      const gate = tfc.sigmoid(t);
      return tfc.add(x, tfc.mul(gate, tfc.sub(applyActivation(this.activation, h), x)));
    });
  }

  override getConfig(): tfc.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      activation: this.activation,
      transformBias: this.transformBias,
      kernelInitializer: serialize(this.kernelInitializer),
      kernelRegularizer: serialize(this.kernelRegularizer),
    } as tfc.serialization.ConfigDict;
  }

  override getClassName(): string {
    return Highway.className;
  }
}
