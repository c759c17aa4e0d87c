import * as tfl from '@tensorflow/tfjs-layers';
import { StringEnum } from '../util/schema.js';

/** Losses and metrics for a binary task. The names here are the only place they are listed. */

type Fn = Parameters<typeof tfl.metrics.binaryAccuracy>;
type MetricFn = (yTrue: Fn[0], yPred: Fn[1]) => ReturnType<typeof tfl.metrics.binaryAccuracy>;

export interface ObjectiveSpec {
  readonly description: string;
  /** The function given to tfjs' `compile`. */
  readonly fn: MetricFn;
}

export const losses = {
  binaryCrossentropy: {
    description: 'Binary cross-entropy (log loss) on a sigmoid output',
    fn: tfl.metrics.binaryCrossentropy,
  },
  meanSquaredError: {
    description: 'Mean squared error between label and probability (the Brier score)',
    fn: tfl.metrics.meanSquaredError,
  },
} as const satisfies Record<string, ObjectiveSpec>;

export const metrics = {
  accuracy: {
    description: 'Fraction of pairs labelled right at threshold 0.5',
    fn: tfl.metrics.binaryAccuracy,
  },
  precision: {
    description: 'Of the pairs predicted duplicate, the fraction that are (per batch, averaged)',
    fn: tfl.metrics.precision,
  },
  recall: {
    description: 'Of the duplicate pairs, the fraction predicted duplicate (per batch, averaged)',
    fn: tfl.metrics.recall,
  },
  binaryCrossentropy: {
    description: 'Binary cross-entropy, as a metric',
    fn: tfl.metrics.binaryCrossentropy,
  },
} as const satisfies Record<string, ObjectiveSpec>;

export type LossName = keyof typeof losses;
export type MetricName = keyof typeof metrics;

export const LOSS_NAMES = Object.keys(losses) as LossName[];
export const METRIC_NAMES = Object.keys(metrics) as MetricName[];

export const LossSchema = StringEnum(LOSS_NAMES, {
  default: 'binaryCrossentropy',
  description: 'Loss to minimize',
});
export const MetricSchema = StringEnum(METRIC_NAMES, { description: 'A metric reported during training' });
