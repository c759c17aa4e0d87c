import { Type } from '@sinclair/typebox';
import type * as tfl from '@tensorflow/tfjs-layers';
import { tfjsLayers } from './tfjs.js';
import { defineRegistry, type Entry } from './types.js';

/** Losses and metrics for a binary task. The names here are the only place they are listed. */

type Fn = Parameters<typeof tfl.metrics.binaryAccuracy>;
type MetricFn = (yTrue: Fn[0], yPred: Fn[1]) => ReturnType<typeof tfl.metrics.binaryAccuracy>;

export interface ObjectiveSpec extends Entry {
  /** The function given to tfjs' `compile` (tfjs-layers' own, taken when called: see tfjs.ts). */
  readonly fn: MetricFn;
}

export interface LossSpec extends ObjectiveSpec {
  /** Whether it is defined only for probabilities, so the model must end in a sigmoid. */
  readonly needsProbability: boolean;
}

const none = Type.Object({});

export const losses = defineRegistry(
  'loss',
  [
    {
      name: 'binaryCrossentropy',
      description: 'Binary cross-entropy (log loss) on a sigmoid output',
      params: none,
      fn: (yTrue, yPred) => tfjsLayers().metrics.binaryCrossentropy(yTrue, yPred),
      needsProbability: true,
    },
    {
      name: 'meanSquaredError',
      description: 'Mean squared error between label and probability (the Brier score)',
      params: none,
      fn: (yTrue, yPred) => tfjsLayers().metrics.meanSquaredError(yTrue, yPred),
      needsProbability: false,
    },
  ] as const satisfies readonly LossSpec[],
  { title: 'loss', description: 'Loss to minimize', default: 'binaryCrossentropy', form: 'name' },
);

export const metrics = defineRegistry(
  'metric',
  [
    {
      name: 'accuracy',
      description: 'Fraction of pairs labelled right at threshold 0.5',
      params: none,
      fn: (yTrue, yPred) => tfjsLayers().metrics.binaryAccuracy(yTrue, yPred),
    },
    {
      name: 'precision',
      description: 'Of the pairs predicted duplicate, the fraction that are (per batch, averaged)',
      params: none,
      fn: (yTrue, yPred) => tfjsLayers().metrics.precision(yTrue, yPred),
    },
    {
      name: 'recall',
      description: 'Of the duplicate pairs, the fraction predicted duplicate (per batch, averaged)',
      params: none,
      fn: (yTrue, yPred) => tfjsLayers().metrics.recall(yTrue, yPred),
    },
    {
      name: 'binaryCrossentropy',
      description: 'Binary cross-entropy, as a metric',
      params: none,
      fn: (yTrue, yPred) => tfjsLayers().metrics.binaryCrossentropy(yTrue, yPred),
    },
  ] as const satisfies readonly ObjectiveSpec[],
  { title: 'metric', description: 'A metric reported during training', form: 'name' },
);

export type LossName = (typeof losses.names)[number];
export type MetricName = (typeof metrics.names)[number];
