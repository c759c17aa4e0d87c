import { Type } from '@sinclair/typebox';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Tfjs } from '../layers/tfjs.js';
import { StringEnum } from '../util/schema.js';

type Initializer = ReturnType<typeof tfl.initializers.zeros>;
type Regularizer = ReturnType<typeof tfl.regularizers.l1l2>;

/** Parameter fragments shared by several layers, and the factories that turn them into tfjs objects. */

export const ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'elu',
  'selu',
  'gelu',
  'swish',
  'mish',
  'sigmoid',
  'hardSigmoid',
  'tanh',
  'softplus',
  'softsign',
  'softmax',
] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const activation = (def: Activation, description = 'Activation function') =>
  StringEnum(ACTIVATIONS, { default: def, description });

export const INITIALIZERS = [
  'glorotUniform',
  'glorotNormal',
  'heUniform',
  'heNormal',
  'leCunUniform',
  'leCunNormal',
  'orthogonal',
  'randomUniform',
  'randomNormal',
  'truncatedNormal',
  'zeros',
  'ones',
] as const;
export type InitializerName = (typeof INITIALIZERS)[number];

export const initializer = (def: InitializerName, description: string) =>
  StringEnum(INITIALIZERS, { default: def, description });

/**
 * Seeded tfjs initializers, so that the same experiment seed gives the same initial weights.
 * randomUniform uses Keras' range (-0.05, 0.05), which is Keras' Embedding default.
 */
export function makeInitializer(tf: Tfjs, name: InitializerName, seed: number): Initializer {
  const I = tf.tfl.initializers;
  switch (name) {
    case 'glorotUniform':
      return I.glorotUniform({ seed });
    case 'glorotNormal':
      return I.glorotNormal({ seed });
    case 'heUniform':
      return I.heUniform({ seed });
    case 'heNormal':
      return I.heNormal({ seed });
    case 'leCunUniform':
      return I.leCunUniform({ seed });
    case 'leCunNormal':
      return I.leCunNormal({ seed });
    case 'orthogonal':
      return new tf.FastOrthogonal({ seed, gain: 1 });
    case 'randomUniform':
      return I.randomUniform({ minval: -0.05, maxval: 0.05, seed });
    case 'randomNormal':
      return I.randomNormal({ mean: 0, stddev: 0.05, seed });
    case 'truncatedNormal':
      return I.truncatedNormal({ mean: 0, stddev: 0.05, seed });
    case 'zeros':
      return I.zeros();
    case 'ones':
      return I.ones();
  }
}

export const regularizer = (description: string) =>
  Type.Optional(
    Type.Object(
      {
        l1: Type.Number({ minimum: 0, default: 0, description: 'L1 factor' }),
        l2: Type.Number({ minimum: 0, default: 0, description: 'L2 factor' }),
      },
      { additionalProperties: false, description },
    ),
  );

export function makeRegularizer(
  tf: Tfjs,
  r: { l1: number; l2: number } | undefined,
): Regularizer | undefined {
  if (!r || (r.l1 === 0 && r.l2 === 0)) return undefined;
  return tf.tfl.regularizers.l1l2({ l1: r.l1, l2: r.l2 });
}

export const units = (def?: number) =>
  Type.Integer({
    minimum: 1,
    ...(def === undefined ? {} : { default: def }),
    description: 'Number of units (output size)',
  });

export const rate = (description: string, def = 0) =>
  Type.Number({ minimum: 0, exclusiveMaximum: 1, default: def, description });
