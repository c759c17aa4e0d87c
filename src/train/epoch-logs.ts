import * as tfc from '@tensorflow/tfjs-core';
import type { ResolvedConfig } from '../config/schema.js';
import { confusionAt, fromConfusion, logLoss } from './metrics.js';
import { perSampleLoss } from './step.js';

/**
 * An epoch's figures on a set of pairs: the configured loss and each configured metric, named
 * `<prefix>loss`, `<prefix>accuracy`, ... (prefix '' for training, 'val_' for validation,
 * 'test_' for the test split of a run without validation).
 */
export function epochLogs(
  config: ResolvedConfig,
  probs: Float32Array,
  labels: Float32Array,
  prefix: string,
): Record<string, number> {
  const out: Record<string, number> = {};
  const lossValue = tfc.tidy(
    () =>
      tfc
        .mean(
          perSampleLoss(
            config.training.loss,
            tfc.tensor2d(labels, [labels.length, 1]),
            tfc.tensor2d(probs, [probs.length, 1]),
          ),
        )
        .dataSync()[0],
  );
  out[`${prefix}loss`] = lossValue ?? Number.NaN;
  const m = fromConfusion(confusionAt(probs, labels, 0.5), 0.5);
  for (const name of config.training.metrics) {
    if (name === 'accuracy') out[`${prefix}accuracy`] = m.accuracy;
    else if (name === 'precision') out[`${prefix}precision`] = m.precision;
    else if (name === 'recall') out[`${prefix}recall`] = m.recall;
    else if (name === 'binaryCrossentropy') out[`${prefix}binaryCrossentropy`] = logLoss(probs, labels);
  }
  return out;
}
