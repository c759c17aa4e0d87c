/**
 * The chained tensor methods (`x.flatten()`, `x.mul(y)`) that tfjs-layers calls. tfjs-core's
 * ES-module build adds them to Tensor.prototype, but its CommonJS build (the one Node loads) does
 * not; the `@tensorflow/tfjs` bundle did, at the price of loading the converter, tfjs-data and the
 * WebGL backend. They are added here instead, each the tfjs-core op of the same name applied to the
 * tensor (`x.op(...args)` is `op(x, ...args)`), with the few whose arguments differ written out.
 * Existing methods are left alone, so loading the bundle as well changes nothing.
 */
import * as tfc from '@tensorflow/tfjs-core';

/** The methods that are `op(this, ...args)` for the tfjs-core op of the same name (tfjs 4.22's list). */
export const CHAINED_AS_OPS = [
  'abs',
  'acos',
  'acosh',
  'add',
  'all',
  'any',
  'argMax',
  'argMin',
  'asin',
  'asinh',
  'atan',
  'atan2',
  'atanh',
  'batchToSpaceND',
  'batchNorm',
  'broadcastTo',
  'cast',
  'ceil',
  'clipByValue',
  'conv1d',
  'conv2d',
  'cos',
  'cosh',
  'cumprod',
  'cumsum',
  'depthToSpace',
  'divNoNan',
  'div',
  'dot',
  'elu',
  'equal',
  'erf',
  'euclideanNorm',
  'exp',
  'expandDims',
  'expm1',
  'fft',
  'floor',
  'floorDiv',
  'gather',
  'greaterEqual',
  'greater',
  'ifft',
  'irfft',
  'isFinite',
  'isInf',
  'isNaN',
  'leakyRelu',
  'lessEqual',
  'less',
  'logSigmoid',
  'logSoftmax',
  'logSumExp',
  'log',
  'log1p',
  'logicalAnd',
  'logicalNot',
  'logicalOr',
  'logicalXor',
  'matMul',
  'max',
  'maximum',
  'mean',
  'min',
  'minimum',
  'mirrorPad',
  'mod',
  'mul',
  'neg',
  'norm',
  'notEqual',
  'oneHot',
  'onesLike',
  'pad',
  'pool',
  'pow',
  'prelu',
  'prod',
  'reciprocal',
  'relu',
  'relu6',
  'reshape',
  'reverse',
  'rfft',
  'round',
  'rsqrt',
  'selu',
  'sigmoid',
  'sign',
  'sin',
  'sinh',
  'slice',
  'softmax',
  'softplus',
  'spaceToBatchND',
  'split',
  'sqrt',
  'square',
  'squaredDifference',
  'squeeze',
  'step',
  'stridedSlice',
  'sub',
  'sum',
  'tan',
  'tanh',
  'tile',
  'topk',
  'transpose',
  'unique',
  'unstack',
  'zerosLike',
] as const;

type Method = (this: tfc.Tensor, ...args: never[]) => unknown;
type AnyOp = (x: tfc.Tensor, ...args: unknown[]) => unknown;
const list = (x: tfc.Tensor | tfc.Tensor[]): tfc.Tensor[] => (x instanceof tfc.Tensor ? [x] : x);

/** The methods whose arguments are not `op(this, ...args)`. */
const WRITTEN_OUT: Record<string, Method> = {
  asScalar(this: tfc.Tensor) {
    tfc.util.assert(this.size === 1, () => 'The array must have only 1 element.');
    return tfc.reshape(this, []);
  },
  asType(this: tfc.Tensor, dtype: tfc.DataType) {
    return tfc.cast(this, dtype);
  },
  as1D(this: tfc.Tensor) {
    return tfc.reshape(this, [this.size]);
  },
  as2D(this: tfc.Tensor, ...shape: number[]) {
    return tfc.reshape(this, shape);
  },
  as3D(this: tfc.Tensor, ...shape: number[]) {
    return tfc.reshape(this, shape);
  },
  as4D(this: tfc.Tensor, ...shape: number[]) {
    return tfc.reshape(this, shape);
  },
  as5D(this: tfc.Tensor, ...shape: number[]) {
    return tfc.reshape(this, shape);
  },
  flatten(this: tfc.Tensor) {
    return tfc.reshape(this, [this.size]);
  },
  reshapeAs(this: tfc.Tensor, x: tfc.Tensor) {
    return tfc.reshape(this, x.shape);
  },
  concat(this: tfc.Tensor, x: tfc.Tensor | tfc.Tensor[], axis?: number) {
    return tfc.concat([this, ...list(x)], axis);
  },
  stack(this: tfc.Tensor, x: tfc.Tensor | tfc.Tensor[], axis?: number) {
    return tfc.stack([this, ...list(x)], axis);
  },
  toBool(this: tfc.Tensor) {
    return tfc.cast(this, 'bool');
  },
  toFloat(this: tfc.Tensor) {
    return tfc.cast(this, 'float32');
  },
  toInt(this: tfc.Tensor) {
    return tfc.cast(this, 'int32');
  },
  where(this: tfc.Tensor, condition: tfc.Tensor, x: tfc.Tensor) {
    return tfc.where(condition, this, x);
  },
};

/** Adds every chained method Tensor.prototype lacks; returns the names added. Idempotent. */
export function registerChainedOps(): string[] {
  const proto = tfc.Tensor.prototype as unknown as Record<string, unknown>;
  const ops = tfc as unknown as Record<string, AnyOp | undefined>;
  const added: string[] = [];
  const define = (name: string, method: Method): void => {
    if (typeof proto[name] === 'function') return;
    Object.defineProperty(proto, name, {
      value: function (this: tfc.Tensor, ...args: never[]) {
        this.throwIfDisposed();
        return method.apply(this, args);
      },
      writable: true,
      configurable: true,
    });
    added.push(name);
  };
  for (const name of CHAINED_AS_OPS) {
    const op = ops[name];
    if (typeof op !== 'function') throw new Error(`tfjs-core has no op ${name} for the chained method`);
    define(name, function (this: tfc.Tensor, ...args: unknown[]) {
      return op(this, ...args);
    } as Method);
  }
  for (const [name, method] of Object.entries(WRITTEN_OUT)) define(name, method);
  return added;
}
