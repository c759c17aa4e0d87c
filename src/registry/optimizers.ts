import { Type } from '@sinclair/typebox';
import * as tfc from '@tensorflow/tfjs-core';
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
  spec: ComponentSpec<N, P, Optimizer>,
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
  build: (p) => tfc.train.adam(p.learningRate, p.beta1, p.beta2, p.epsilon),
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
  build: (p) => tfc.train.adamax(p.learningRate, p.beta1, p.beta2, p.epsilon, p.decay),
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
      ? tfc.train.momentum(p.learningRate, p.momentum, p.nesterov)
      : tfc.train.sgd(p.learningRate),
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
    tfc.train.rmsprop(p.learningRate, p.rho, p.momentum, p.centered ? -p.epsilon : p.epsilon, p.centered),
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
  build: (p) => tfc.train.adagrad(p.learningRate, p.initialAccumulatorValue),
});

const adadelta = optimizer({
  name: 'adadelta',
  description: 'Adadelta',
  params: Type.Object({
    learningRate: learningRate(0.001),
    rho: Type.Number({ minimum: 0, exclusiveMaximum: 1, default: 0.95, description: 'Decay rate' }),
    epsilon,
  }),
  build: (p) => tfc.train.adadelta(p.learningRate, p.rho, p.epsilon),
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
  return buildEntry(optimizers, config, { vocabSize: 0, nextSeed: () => 0 });
}

/** One part of an optimizer's state: a name (see optimizerState) and its value. */
export interface OptimizerPart {
  name: string;
  tensor: tfc.Tensor;
}

type SlotList = { originalName: string; variable: tfc.Variable }[];

function isSlotList(value: unknown): value is SlotList {
  return (
    Array.isArray(value) &&
    value.every(
      (v) =>
        v !== null &&
        v !== undefined &&
        typeof v === 'object' &&
        typeof (v as SlotList[number]).originalName === 'string' &&
        (v as SlotList[number]).variable instanceof tfc.Variable,
    )
  );
}

const ITERATIONS = 'iterations';

/**
 * Every part of a tfjs optimizer's state, so that a restored optimizer continues exactly as the
 * one that never stopped: the iteration count, each per-variable slot (moments, accumulators) as
 * `<field>/<index>/<variable>/<slot>`, and each scalar variable by its field name (Adam's and
 * Adamax's accumulated powers `accBeta1`, `accBeta2`, Adamax's `iteration`). tfjs' own
 * `getWeights()` is not enough: it leaves out Adam's powers, which setWeights recomputes as
 * `pow(beta, t + 1)`, a float32 rounding away from the product the uninterrupted run holds, and
 * Adamax has no getWeights at all. The fields are found by walking the optimizer, so every
 * registered optimizer is covered (test/train/trainer.test.ts resumes each bit for bit).
 */
export function optimizerState(optimizer: Optimizer): OptimizerPart[] {
  const o = optimizer as unknown as Record<string, unknown> & { iterations_?: number };
  const parts: OptimizerPart[] = [{ name: ITERATIONS, tensor: tfc.scalar(o.iterations_ ?? 0, 'int32') }];
  for (const [field, value] of Object.entries(o)) {
    if (value instanceof tfc.Variable) {
      parts.push({ name: field, tensor: value });
    } else if (isSlotList(value)) {
      value.forEach((slot, i) => {
        parts.push({ name: `${field}/${i}/${slot.originalName}`, tensor: slot.variable });
      });
    }
  }
  return parts;
}

/**
 * Puts parts taken by optimizerState into an optimizer of the same type and settings (built
 * fresh, before its first step). A part the optimizer has no field for is an error (the message
 * names it): the state was taken from another kind of optimizer.
 */
export function setOptimizerState(optimizer: Optimizer, parts: readonly OptimizerPart[]): void {
  const o = optimizer as unknown as Record<string, unknown> & { iterations_?: number };
  const lists = new Map<string, SlotList>();
  for (const { name, tensor } of parts) {
    if (name === ITERATIONS) {
      o.iterations_ = tensor.dataSync()[0] ?? 0;
      continue;
    }
    const match = /^([^/]+)\/(\d+)\/(.+)$/.exec(name);
    if (match) {
      const [, field = '', index = '0', originalName = ''] = match;
      if (!isSlotList(o[field])) throw new Error(`the optimizer has no slots "${field}" (part ${name})`);
      const list = lists.get(field) ?? [];
      list[Number(index)] = { originalName, variable: tensor.clone().variable(false) };
      lists.set(field, list);
      continue;
    }
    const current = o[name];
    if (!(current instanceof tfc.Variable)) throw new Error(`the optimizer has no variable "${name}"`);
    if (current.dtype !== tensor.dtype || current.shape.join(',') !== tensor.shape.join(',')) {
      throw new Error(
        `"${name}" is ${tensor.dtype} [${tensor.shape}], the optimizer's is ${current.dtype} [${current.shape}]`,
      );
    }
    current.assign(tensor);
  }
  for (const [field, list] of lists) {
    const old = o[field] as SlotList;
    for (const slot of old) slot.variable.dispose();
    for (let i = 0; i < list.length; i++) {
      if (!list[i]) throw new Error(`the slots "${field}" are not numbered 0 to ${list.length - 1}`);
    }
    o[field] = list;
  }
}
