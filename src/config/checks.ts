import { fusedUnsupported, type LayerConfig } from '../registry/layers.js';
import { modelInputKind } from '../registry/models.js';
import { type ConfigPath, formatPath } from './paths.js';
import type { ResolvedConfig } from './schema.js';
import type { SchemaIssue } from './validate.js';

/** Layers whose input must be a sequence [batch, time, features]. */
const NEEDS_SEQUENCE = new Set([
  'lstm',
  'gru',
  'simpleRnn',
  'bidirectional',
  'conv1d',
  'maxPooling1d',
  'globalMaxPooling1d',
  'globalAveragePooling1d',
  'spatialDropout1d',
]);

function returnsSequence(layer: LayerConfig): boolean | undefined {
  if (layer.type === 'bidirectional') return layer.layer.returnSequences;
  if (layer.type === 'lstm' || layer.type === 'gru' || layer.type === 'simpleRnn')
    return layer.returnSequences;
  if (
    layer.type === 'globalMaxPooling1d' ||
    layer.type === 'globalAveragePooling1d' ||
    layer.type === 'flatten'
  ) {
    return false;
  }
  return undefined; // unchanged rank
}

/** `implementation: fused` on a layer whose settings the fused kernels do not support. */
function checkImplementation(layer: LayerConfig, at: ConfigPath, issues: SchemaIssue[]): void {
  const [rnn, path] = layer.type === 'bidirectional' ? [layer.layer, [...at, 'layer']] : [layer, at];
  if ((rnn.type !== 'lstm' && rnn.type !== 'gru') || rnn.implementation !== 'fused') return;
  const why = fusedUnsupported(rnn);
  if (why.length === 0) return;
  issues.push({
    path: [...path, 'implementation'],
    at: 'value',
    message: `the fused ${rnn.type} does not support ${why.join(', ')}`,
    suggestion: 'set implementation: layers, or leave it unset (qqp then runs layers for these settings)',
  });
}

/**
 * Checks a stack of layers for mistakes the schema cannot see; `startsWithIds` when its input is
 * token ids, else `inputIsSequence` says what comes in. Returns whether the stack outputs a sequence.
 */
function checkStack(
  layers: readonly LayerConfig[],
  at: ConfigPath,
  startsWithIds: boolean,
  issues: SchemaIssue[],
  inputIsSequence = false,
): boolean {
  const first = layers[0];
  if (startsWithIds && first && first.type !== 'embedding') {
    issues.push({
      path: [...at, 0, 'type'],
      at: 'value',
      message: `the first layer must be "embedding": the input is token ids (got "${first.type}")`,
    });
  }
  // Track whether the running output is a sequence (embedding makes one).
  let sequence = startsWithIds || inputIsSequence;
  let lastSequenceMaker: number | undefined;
  layers.forEach((layer, i) => {
    checkImplementation(layer, [...at, i], issues);
    if (i > 0 && NEEDS_SEQUENCE.has(layer.type) && !sequence) {
      const hint =
        lastSequenceMaker === undefined
          ? undefined
          : `set returnSequences: true on ${formatPath([...at, lastSequenceMaker])}`;
      issues.push({
        path: [...at, i, 'type'],
        at: 'value',
        message: `"${layer.type}" needs a sequence as input, but the layer before it returns one vector per pair`,
        ...(hint ? { suggestion: hint } : {}),
      });
    }
    const r = returnsSequence(layer);
    if (r !== undefined) {
      sequence = r;
      lastSequenceMaker = r ? undefined : i;
    }
  });
  return sequence;
}

function checkOutput(layers: readonly LayerConfig[], at: ConfigPath, loss: string): SchemaIssue[] {
  const i = layers.length - 1;
  const last = layers[i];
  if (!last) return [];
  if (last.type !== 'dense' || last.units !== 1) {
    return [
      {
        path: [...at, i],
        at: 'value',
        message: 'the last layer must be dense with units: 1 (one probability per pair)',
        suggestion: 'end with { type: dense, units: 1, activation: sigmoid }',
      },
    ];
  }
  if (loss === 'binaryCrossentropy' && last.activation !== 'sigmoid') {
    return [
      {
        path: [...at, i, 'activation'],
        at: 'value',
        message: `binaryCrossentropy needs a probability: the last activation must be "sigmoid" (got "${last.activation}")`,
      },
    ];
  }
  return [];
}

/** Checks across fields, after the schema has passed and the defaults are filled. */
export function checkConfig(config: ResolvedConfig): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
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
  const hasValidation = d.validation !== undefined || (d.source !== undefined && d.split.validation > 0);
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
  const kind = modelInputKind(config.model);
  if (kind !== d.encoding.pair) {
    issues.push({
      path: ['model', 'type'],
      at: 'value',
      message: `a "${config.model.type}" model takes ${kind === 'concat' ? 'one sequence per pair' : 'two sequences'}, but data.encoding.pair is "${d.encoding.pair}"`,
      suggestion: `set data.encoding.pair: ${kind}`,
    });
  }
  if (config.model.type === 'sequential') {
    checkStack(config.model.layers, ['model', 'layers'], true, issues);
    issues.push(...checkOutput(config.model.layers, ['model', 'layers'], config.training.loss));
  } else {
    const encodesSequence = checkStack(config.model.encoder, ['model', 'encoder'], true, issues);
    checkStack(config.model.head, ['model', 'head'], false, issues, encodesSequence);
    issues.push(...checkOutput(config.model.head, ['model', 'head'], config.training.loss));
  }
  return issues;
}
