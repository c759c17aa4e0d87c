import { Type } from '@sinclair/typebox';
import type * as tfc from '@tensorflow/tfjs-core';
import { tfjsCore } from './tfjs.js';
import { buildEntry, type ComponentSpec, defineRegistry } from './types.js';
import type { EntryConfig } from './union.js';

type Optimizer = tfc.Optimizer;

const learningRate = (def: number) =>
  Type.Number({ exclusiveMinimum: 0, default: def, description: 'Step size' });
const epsilon = Type.Number({
  exclusiveMinimum: 0,
  default: 1e-7,
  description: 'Added for numerical stability (Keras: 1e-7)',
});

/** Adam's and Adamax's moment decays. */
const moments = {
  beta1: Type.Number({
    minimum: 0,
    exclusiveMaximum: 1,
    default: 0.9,
    description: 'Decay of the first moment',
  }),
  beta2: Type.Number({
    minimum: 0,
    exclusiveMaximum: 1,
    default: 0.999,
    description: 'Decay of the second moment',
  }),
};

function optimizer<const N extends string, P extends import('@sinclair/typebox').TObject>(
  spec: ComponentSpec<N, P, Optimizer, undefined>,
) {
  return spec;
}

// Defaults follow Keras where the two differ.
const adam = optimizer({
  name: 'adam',
  description: 'Adam (adaptive moment estimation)',
  params: Type.Object({
    learningRate: learningRate(0.001),
    ...moments,
    epsilon,
  }),
  build: (p) => tfjsCore().train.adam(p.learningRate, p.beta1, p.beta2, p.epsilon),
});

const adamax = optimizer({
  name: 'adamax',
  description: 'Adamax (Adam with the infinity norm)',
  params: Type.Object({
    learningRate: learningRate(0.001),
    ...moments,
    epsilon,
    decay: Type.Number({ minimum: 0, default: 0, description: 'Learning-rate decay per step' }),
  }),
  build: (p) => tfjsCore().train.adamax(p.learningRate, p.beta1, p.beta2, p.epsilon, p.decay),
});

const sgd = optimizer({
  name: 'sgd',
  description: 'Stochastic gradient descent, with optional (Nesterov) momentum',
  params: Type.Object({
    learningRate: learningRate(0.01),
    momentum: Type.Number({ minimum: 0, default: 0, description: 'Momentum (0 = plain SGD)' }),
    nesterov: Type.Boolean({ default: false, description: 'Use Nesterov momentum' }),
  }),
  build: (p) =>
    p.momentum > 0 || p.nesterov
      ? tfjsCore().train.momentum(p.learningRate, p.momentum, p.nesterov)
      : tfjsCore().train.sgd(p.learningRate),
});

const rmsprop = optimizer({
  name: 'rmsprop',
  description: 'RMSProp',
  params: Type.Object({
    learningRate: learningRate(0.001),
    rho: Type.Number({
      minimum: 0,
      exclusiveMaximum: 1,
      default: 0.9,
      description: 'Decay of the squared-gradient average',
    }),
    momentum: Type.Number({ minimum: 0, default: 0, description: 'Momentum' }),
    epsilon,
    centered: Type.Boolean({
      default: false,
      description: 'Normalize by the variance instead of the second moment',
    }),
  }),
  // tfjs' centered RMSProp divides by sqrt(ms - (mg² + epsilon)), which is NaN as soon as the
  // variance ms - mg² is below epsilon (at once, for small gradients); TensorFlow and Keras use
  // sqrt(ms - mg² + epsilon). Handing tfjs the negated epsilon gives exactly that formula; the
  // uncentered path (sqrt(ms + epsilon)) keeps epsilon as given.
  build: (p) =>
    tfjsCore().train.rmsprop(
      p.learningRate,
      p.rho,
      p.momentum,
      p.centered ? -p.epsilon : p.epsilon,
      p.centered,
    ),
});

const adagrad = optimizer({
  name: 'adagrad',
  description: 'Adagrad',
  params: Type.Object({
    learningRate: learningRate(0.001),
    initialAccumulatorValue: Type.Number({
      exclusiveMinimum: 0,
      default: 0.1,
      description: 'Starting value of the accumulators',
    }),
  }),
  build: (p) => tfjsCore().train.adagrad(p.learningRate, p.initialAccumulatorValue),
});

const adadelta = optimizer({
  name: 'adadelta',
  description: 'Adadelta',
  params: Type.Object({
    learningRate: learningRate(0.001),
    rho: Type.Number({ minimum: 0, exclusiveMaximum: 1, default: 0.95, description: 'Decay rate' }),
    epsilon,
  }),
  build: (p) => tfjsCore().train.adadelta(p.learningRate, p.rho, p.epsilon),
});

export const optimizers = defineRegistry(
  'optimizer',
  [adam, adamax, sgd, rmsprop, adagrad, adadelta] as const,
  {
    title: 'optimizer',
    description: 'Optimizer: `type` and its parameters',
    default: { type: 'adam' },
  },
);
export type OptimizerConfig = EntryConfig<(typeof optimizers.list)[number]>;

export function buildOptimizer(config: OptimizerConfig): Optimizer {
  return buildEntry(optimizers, config, undefined);
}
