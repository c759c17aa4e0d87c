import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  type FusedRnnAttrs,
  fusedKernelsAvailable,
  gruSequence,
  lstmSequence,
} from '../backend/kernels/rnn.js';
import { type FusedActivation, isFusedActivation } from '../backend/kernels/rnn-wasm.js';
import { type Initializer, type Regularizer, revive, type Shape, serialize } from './serial.js';

/**
 * LSTM and GRU layers that run a whole sequence in one fused kernel per direction
 * (src/backend/kernels/rnn.ts): the input projection of every timestep is one matrix product, the
 * recurrence one kernel call forward and one backward (native or WebAssembly SIMD). Same weights (names, shapes,
 * order: kernel, recurrent_kernel, bias), same gate order and same results as tfjs-layers' LSTM
 * and GRU (reset gate before the product), masking and go-backwards included; no input or
 * recurrent dropout (the registry keeps the tfjs-layers version for those).
 *
 * On a backend without the fused kernels (native TensorFlow), the same layer runs the same
 * equations as a loop of tfjs ops, so a saved model loads and runs anywhere.
 */

type Serialized = { className: string; config: tfc.serialization.ConfigDict };

export interface FusedRnnArgs {
  name?: string;
  trainable?: boolean;
  units: number;
  activation?: string;
  recurrentActivation?: string;
  useBias?: boolean;
  kernelInitializer?: Initializer | Serialized;
  recurrentInitializer?: Initializer | Serialized;
  biasInitializer?: Initializer | Serialized;
  kernelRegularizer?: Regularizer | Serialized | null;
  recurrentRegularizer?: Regularizer | Serialized | null;
  biasRegularizer?: Regularizer | Serialized | null;
  returnSequences?: boolean;
  goBackwards?: boolean;
  /** LSTM only. */
  unitForgetBias?: boolean;
}

function activate(kind: FusedActivation, x: tfc.Tensor): tfc.Tensor {
  switch (kind) {
    case 'tanh':
      return tfc.tanh(x);
    case 'sigmoid':
      return tfc.sigmoid(x);
    case 'hardSigmoid':
      return tfc.clipByValue(tfc.add(tfc.mul(x, 0.2), 0.5), 0, 1);
    case 'relu':
      return tfc.relu(x);
    case 'linear':
      return x;
  }
}

/** Applies a whole-sequence mask ([B, T] bool) the way tfjs-layers' rnn() does, per step. */
function keepWhereMasked(mask: tfc.Tensor | null, t: number, next: tfc.Tensor, prev: tfc.Tensor): tfc.Tensor {
  if (!mask) return next;
  const [B] = mask.shape as [number, number];
  const m = tfc.reshape(tfc.slice(mask, [0, t], [B, 1]), [B, 1]);
  return tfc.add(tfc.mul(next, m), tfc.mul(prev, tfc.sub(1, m)));
}

abstract class FusedRnn extends tfl.layers.Layer {
  readonly units: number;
  readonly activation: FusedActivation;
  readonly recurrentActivation: FusedActivation;
  readonly useBias: boolean;
  readonly returnSequences: boolean;
  readonly returnState = false;
  readonly goBackwards: boolean;
  protected readonly kernelInitializer: Initializer;
  protected readonly recurrentInitializer: Initializer;
  protected readonly biasInitializer: Initializer;
  protected readonly kernelRegularizer: Regularizer | null;
  protected readonly recurrentRegularizer: Regularizer | null;
  protected readonly biasRegularizer: Regularizer | null;
  protected kernel?: tfl.LayerVariable;
  protected recurrentKernel?: tfl.LayerVariable;
  protected bias?: tfl.LayerVariable;
  /** Gates per unit: 4 (LSTM), 3 (GRU). */
  protected abstract readonly gateCount: number;

  constructor(args: FusedRnnArgs) {
    super({ ...(args.name === undefined ? {} : { name: args.name }), trainable: args.trainable ?? true });
    const act = args.activation ?? 'tanh';
    const rec = args.recurrentActivation ?? 'sigmoid';
    for (const [what, name] of [
      ['activation', act],
      ['recurrentActivation', rec],
    ] as const) {
      if (!isFusedActivation(name)) {
        throw new Error(
          `fused recurrent layers support ${what} tanh, sigmoid, hardSigmoid, relu or linear, not ${name}`,
        );
      }
    }
    this.units = args.units;
    this.activation = act as FusedActivation;
    this.recurrentActivation = rec as FusedActivation;
    this.useBias = args.useBias ?? true;
    this.returnSequences = args.returnSequences ?? false;
    this.goBackwards = args.goBackwards ?? false;
    this.kernelInitializer = revive(args.kernelInitializer, tfl.initializers.glorotUniform({}));
    this.recurrentInitializer = revive(args.recurrentInitializer, tfl.initializers.orthogonal({}));
    this.biasInitializer = revive(args.biasInitializer, tfl.initializers.zeros());
    this.kernelRegularizer = revive(args.kernelRegularizer, null);
    this.recurrentRegularizer = revive(args.recurrentRegularizer, null);
    this.biasRegularizer = revive(args.biasRegularizer, null);
    this.supportsMasking = true;
    this.inputSpec = [new tfl.InputSpec({ ndim: 3 })];
  }

  /** The bias initializer as built (the LSTM adds the unit forget bias). */
  protected biasInitializerForBuild(): Initializer {
    return this.biasInitializer;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const features = shape[shape.length - 1];
    if (typeof features !== 'number')
      throw new Error(`${this.name}: the input's last dimension must be known`);
    const width = this.gateCount * this.units;
    const reg = (r: Regularizer | null) => r ?? undefined;
    this.kernel = this.addWeight(
      'kernel',
      [features, width],
      'float32',
      this.kernelInitializer,
      reg(this.kernelRegularizer),
      true,
    );
    this.recurrentKernel = this.addWeight(
      'recurrent_kernel',
      [this.units, width],
      'float32',
      this.recurrentInitializer,
      reg(this.recurrentRegularizer),
      true,
    );
    if (this.useBias) {
      this.bias = this.addWeight(
        'bias',
        [width],
        'float32',
        this.biasInitializerForBuild(),
        reg(this.biasRegularizer),
        true,
      );
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return this.returnSequences
      ? [shape[0] ?? null, shape[1] ?? null, this.units]
      : [shape[0] ?? null, this.units];
  }

  override computeMask(
    _inputs: tfc.Tensor | tfc.Tensor[],
    mask?: tfc.Tensor | tfc.Tensor[],
  ): tfc.Tensor | tfc.Tensor[] {
    const m = Array.isArray(mask) ? mask[0] : mask;
    // tfjs-layers' own signature omits null, which its layers return for "no mask".
    return (this.returnSequences ? (m ?? null) : null) as unknown as tfc.Tensor;
  }

  override call(inputs: tfc.Tensor | tfc.Tensor[], kwargs: tfc.serialization.ConfigDict): tfc.Tensor {
    return tfc.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tfc.Tensor3D;
      const rawMask = kwargs.mask as tfc.Tensor | tfc.Tensor[] | undefined | null;
      const mask = (Array.isArray(rawMask) ? rawMask[0] : rawMask) ?? null;
      const [B, T] = x.shape;
      const maskF = mask ? tfc.cast(tfc.cast(mask, 'bool'), 'float32') : null;
      const hs = fusedKernelsAvailable()
        ? this.runFused(x, maskF)
        : this.runSteps(this.projectInputs(x), maskF);
      if (this.returnSequences) return hs;
      return tfc.reshape(tfc.slice(hs, [0, T - 1, 0], [B, 1, this.units]), [B, this.units]);
    });
  }

  protected attrs(): FusedRnnAttrs {
    return {
      goBackwards: this.goBackwards,
      activation: this.activation,
      recurrentActivation: this.recurrentActivation,
    };
  }

  /** The kernel's mask input: [B, T] of 0/1, or an empty tensor for none. */
  protected maskInput(mask: tfc.Tensor | null): tfc.Tensor {
    return mask ?? tfc.zeros([0]);
  }

  /** The fused kernels' weight inputs (an empty bias for none). */
  protected kernelInputs(): { w: tfc.Tensor2D; u: tfc.Tensor2D; b: tfc.Tensor } {
    return {
      w: this.kernel!.read() as tfc.Tensor2D,
      u: this.recurrentKernel!.read() as tfc.Tensor2D,
      b: this.bias ? this.bias.read() : tfc.zeros([0]),
    };
  }

  /** x·W + b for every timestep, [B, T, G*H] (the step loop's input). */
  protected projectInputs(x: tfc.Tensor3D): tfc.Tensor3D {
    const [B, T, F] = x.shape;
    let xp = tfc.matMul(tfc.reshape(x, [B * T, F]), this.kernel!.read() as tfc.Tensor2D);
    if (this.bias) xp = tfc.add(xp, this.bias.read());
    return tfc.reshape(xp, [B, T, this.gateCount * this.units]);
  }

  /** Whole sequence through the fused kernel; states after each processing step. */
  protected abstract runFused(x: tfc.Tensor3D, mask: tfc.Tensor | null): tfc.Tensor3D;

  /** The same equations as tfjs ops, one step at a time (backends without the fused kernel). */
  protected abstract runSteps(xp: tfc.Tensor3D, mask: tfc.Tensor | null): tfc.Tensor3D;

  /** The input time of processing step s (reversed when going backwards). */
  protected inputTime(s: number, T: number): number {
    return this.goBackwards ? T - 1 - s : s;
  }

  /** xp at processing step s: [B, width]. */
  protected stepInput(xp: tfc.Tensor3D, s: number): tfc.Tensor2D {
    const [B, T, W] = xp.shape;
    return tfc.reshape(tfc.slice(xp, [0, this.inputTime(s, T), 0], [B, 1, W]), [B, W]);
  }

  override getConfig(): tfc.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      recurrentActivation: this.recurrentActivation,
      useBias: this.useBias,
      kernelInitializer: serialize(this.kernelInitializer),
      recurrentInitializer: serialize(this.recurrentInitializer),
      biasInitializer: serialize(this.biasInitializer),
      kernelRegularizer: serialize(this.kernelRegularizer),
      recurrentRegularizer: serialize(this.recurrentRegularizer),
      biasRegularizer: serialize(this.biasRegularizer),
      returnSequences: this.returnSequences,
      goBackwards: this.goBackwards,
    } as tfc.serialization.ConfigDict;
  }
}

/**
 * The LSTM's bias at build: the bias initializer for i, ones for f, the initializer for c and o,
 * drawn in that order (as tfjs-layers' LSTM, so a seed gives the same bias).
 */
function withUnitForgetBias(inner: Initializer): Initializer {
  const init = Object.create(inner) as Initializer;
  init.apply = (shape: number[]) => {
    const units = (shape[0] ?? 0) / 4;
    return tfc.concat([inner.apply([units]), tfc.ones([units]), inner.apply([units * 2])]);
  };
  return init;
}

export class FusedLSTM extends FusedRnn {
  static readonly className = 'QqpFusedLSTM';
  protected readonly gateCount = 4;
  readonly unitForgetBias: boolean;

  constructor(args: FusedRnnArgs) {
    super(args);
    this.unitForgetBias = args.unitForgetBias ?? true;
  }

  protected override biasInitializerForBuild(): Initializer {
    return this.unitForgetBias ? withUnitForgetBias(this.biasInitializer) : this.biasInitializer;
  }

  protected runFused(x: tfc.Tensor3D, mask: tfc.Tensor | null): tfc.Tensor3D {
    const h0 = tfc.zeros([x.shape[0], this.units]) as tfc.Tensor2D;
    return lstmSequence({ x, ...this.kernelInputs(), h0, c0: h0, mask: this.maskInput(mask) }, this.attrs());
  }

  protected runSteps(xp: tfc.Tensor3D, mask: tfc.Tensor | null): tfc.Tensor3D {
    const u = this.recurrentKernel!.read() as tfc.Tensor2D;
    const [B, T] = xp.shape;
    let h: tfc.Tensor = tfc.zeros([B, this.units]);
    let c: tfc.Tensor = h;
    const out: tfc.Tensor[] = [];
    for (let s = 0; s < T; s++) {
      const z = tfc.add(this.stepInput(xp, s), tfc.matMul(h, u));
      const [zi, zf, zc, zo] = tfc.split(z, 4, 1) as [tfc.Tensor, tfc.Tensor, tfc.Tensor, tfc.Tensor];
      const i = activate(this.recurrentActivation, zi);
      const f = activate(this.recurrentActivation, zf);
      const o = activate(this.recurrentActivation, zo);
      const cNext = tfc.add(tfc.mul(f, c), tfc.mul(i, activate(this.activation, zc)));
      const hNext = tfc.mul(o, activate(this.activation, cNext));
      const t = this.inputTime(s, T);
      h = keepWhereMasked(mask, t, hNext, h);
      c = keepWhereMasked(mask, t, cNext, c);
      out.push(h);
    }
    return tfc.stack(out, 1) as tfc.Tensor3D;
  }

  override getConfig(): tfc.serialization.ConfigDict {
    return { ...super.getConfig(), unitForgetBias: this.unitForgetBias };
  }

  override getClassName(): string {
    return FusedLSTM.className;
  }
}

export class FusedGRU extends FusedRnn {
  static readonly className = 'QqpFusedGRU';
  protected readonly gateCount = 3;

  protected runFused(x: tfc.Tensor3D, mask: tfc.Tensor | null): tfc.Tensor3D {
    const h0 = tfc.zeros([x.shape[0], this.units]) as tfc.Tensor2D;
    return gruSequence({ x, ...this.kernelInputs(), h0, mask: this.maskInput(mask) }, this.attrs());
  }

  protected runSteps(xp: tfc.Tensor3D, mask: tfc.Tensor | null): tfc.Tensor3D {
    const u = this.recurrentKernel!.read() as tfc.Tensor2D;
    const [B, T] = xp.shape;
    const H = this.units;
    const [uzr, uh] = tfc.split(u, [2 * H, H], 1) as [tfc.Tensor2D, tfc.Tensor2D];
    let h: tfc.Tensor = tfc.zeros([B, H]);
    const out: tfc.Tensor[] = [];
    for (let s = 0; s < T; s++) {
      const [xz, xr, xh] = tfc.split(this.stepInput(xp, s), 3, 1) as [tfc.Tensor, tfc.Tensor, tfc.Tensor];
      const [rz, rr] = tfc.split(tfc.matMul(h, uzr), 2, 1) as [tfc.Tensor, tfc.Tensor];
      const z = activate(this.recurrentActivation, tfc.add(xz, rz));
      const r = activate(this.recurrentActivation, tfc.add(xr, rr));
      const hh = activate(this.activation, tfc.add(xh, tfc.matMul(tfc.mul(r, h), uh)));
      const hNext = tfc.add(tfc.mul(z, h), tfc.mul(tfc.sub(1, z), hh));
      h = keepWhereMasked(mask, this.inputTime(s, T), hNext, h);
      out.push(h);
    }
    return tfc.stack(out, 1) as tfc.Tensor3D;
  }

  override getClassName(): string {
    return FusedGRU.className;
  }
}
