import * as tfc from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { SIMPLE_ACTIVATIONS, type SimpleActivation } from './options.js';

/** Helpers for qqp's layer classes: initializers and regularizers through getConfig/fromConfig. */

export type Shape = (number | null)[];
export type Initializer = ReturnType<typeof tfl.initializers.zeros>;
export type Regularizer = ReturnType<typeof tfl.regularizers.l2>;
export type Serialized = { className: string; config: tfc.serialization.ConfigDict };

/** An initializer or regularizer from an instance, or from the {className, config} a saved model holds. */
export function revive<T>(value: T | Serialized | null | undefined, fallback: T): T;
export function revive<T>(value: T | Serialized | null | undefined, fallback: null): T | null;
export function revive<T>(value: T | Serialized | null | undefined, fallback: T | null): T | null {
  if (value === null || value === undefined) return fallback;
  const s = value as Serialized;
  if (typeof s === 'object' && typeof s.className === 'string' && 'config' in s) {
    const entry = tfc.serialization.SerializationMap.getMap().classNameMap[s.className];
    if (!entry) throw new Error(`Unknown class ${s.className} in a layer's config`);
    const [cls, fromConfig] = entry;
    return fromConfig(cls, s.config) as unknown as T;
  }
  return value as T;
}

export function serialize(
  value: { getClassName(): string; getConfig(): tfc.serialization.ConfigDict } | null,
): Serialized | null {
  return value === null ? null : { className: value.getClassName(), config: value.getConfig() };
}

export { SIMPLE_ACTIVATIONS, type SimpleActivation };

export function isSimpleActivation(name: string): name is SimpleActivation {
  return (SIMPLE_ACTIVATIONS as readonly string[]).includes(name);
}

export function applyActivation(kind: SimpleActivation, x: tfc.Tensor): tfc.Tensor {
  switch (kind) {
    case 'linear':
      return x;
    case 'relu':
      return tfc.relu(x);
    case 'elu':
      return tfc.elu(x);
    case 'selu':
      return tfc.selu(x);
    case 'tanh':
      return tfc.tanh(x);
    case 'sigmoid':
      return tfc.sigmoid(x);
    case 'softplus':
      return tfc.softplus(x);
  }
}

/** x · w over the last axis of a rank-2 or rank-3 x (a batched matMul needs w per batch: reshape instead). */
export function dotLast(x: tfc.Tensor, w: tfc.Tensor2D): tfc.Tensor {
  if (x.rank === 2) return tfc.matMul(x as tfc.Tensor2D, w);
  const shape = x.shape;
  const d = shape[shape.length - 1]!;
  const y = tfc.matMul(tfc.reshape(x, [-1, d]) as tfc.Tensor2D, w);
  return tfc.reshape(y, [...shape.slice(0, -1), w.shape[1]]);
}

export function lastDim(shape: Shape, who: string): number {
  const d = shape[shape.length - 1];
  if (typeof d !== 'number') throw new Error(`${who}: the input's last dimension must be known`);
  return d;
}
