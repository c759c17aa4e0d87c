import * as tfc from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { applyFusedAdam } from '../backend/index.js';
import type { ResolvedConfig } from '../config/schema.js';
import type { EncodedPairs } from '../data/encode.js';
import { TrainingError } from '../errors.js';
import { losses } from '../registry/objectives.js';
import { batchLength, cutInputs, questionLengths } from './buckets.js';
import { batchInputs, inputsFor } from './predict.js';

/**
 * One training step on one batch: inputs and labels as tensors, forward pass, loss (class-weighted,
 * plus the layers' regularization losses), gradients, clipping by global norm, optimizer update.
 */

/** Per-sample loss of the configured loss function, shape [batch]. */
export function perSampleLoss(
  name: ResolvedConfig['training']['loss'],
  y: tfc.Tensor,
  p: tfc.Tensor,
): tfc.Tensor {
  return losses.byName[name].fn(y, p);
}

/** Sets the learning rate of any tfjs optimizer (SGD keeps it in a scalar, the others in a field). */
export function setLearningRate(optimizer: tfc.Optimizer, lr: number): void {
  const o = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/** The weights of class 0 and class 1 (training.classWeight), or null for none. */
export function classWeights(config: ResolvedConfig, labels: Float32Array): [number, number] | null {
  const cw = config.training.classWeight;
  if (cw === undefined) return null;
  if (cw === 'balanced') {
    let pos = 0;
    for (const l of labels) if (l >= 0.5) pos++;
    const n = labels.length;
    const neg = n - pos;
    if (pos === 0 || neg === 0) return null;
    return [n / (2 * neg), n / (2 * pos)];
  }
  return [cw['0'], cw['1']];
}

export interface StepResult {
  /** The batch's mean loss (weighted, regularization included). */
  loss: number;
  /** The model's outputs on the batch, in training mode. */
  probs: Float32Array;
  labels: Float32Array;
}

/** Trains on rows `order[start..end)` of a split; the result's arrays are the batch's, in order. */
export type TrainStep = (order: Uint32Array, start: number, end: number) => StepResult;

/**
 * The step function of a model and optimizer on a labelled split. The trainable variables are read
 * once, here: build (and restore) the model before.
 */
export function makeTrainStep(
  model: tfl.LayersModel,
  optimizer: tfc.Optimizer,
  config: ResolvedConfig,
  data: EncodedPairs,
  options: { lengths?: Uint16Array } = {},
): TrainStep {
  const allLabels = data.labels as Float32Array;
  const weights = classWeights(config, allLabels);
  const variables = model.trainableWeights.map((w) => w.read() as tfc.Variable);
  const inputs = inputsFor(data, model.inputNames);
  // training.bucketByLength: each batch cut to its longest question (buckets.ts).
  const padding = config.data.encoding.padding;
  const bucketing = config.training.bucketByLength
    ? (options.lengths ?? questionLengths(data, padding))
    : null;

  const apply = (
    xs: tfc.Tensor2D[],
    y: tfc.Tensor2D,
    w: tfc.Tensor1D | null,
  ): { loss: number; probs: Float32Array } => {
    let pred: tfc.Tensor | undefined;
    const lossTensor = tfc.tidy(() => {
      const { value, grads } = tfc.variableGrads(() => {
        const out = model.apply(xs.length === 1 ? xs[0]! : xs, { training: true }) as tfc.Tensor;
        pred = tfc.keep(out);
        const per = perSampleLoss(config.training.loss, y, out);
        let loss = w ? tfc.mean(tfc.mul(per, w)) : tfc.mean(per);
        const reg = model.calculateLosses();
        if (reg.length > 0) loss = tfc.add(loss, tfc.addN(reg));
        return loss as tfc.Scalar;
      }, variables);
      let g = grads;
      const clip = config.training.clipNorm;
      if (clip !== undefined) {
        const norm = tfc.sqrt(tfc.addN(Object.values(grads).map((t) => tfc.sum(tfc.square(t)))));
        const scale = tfc.div(clip, tfc.maximum(norm, clip));
        g = Object.fromEntries(Object.entries(grads).map(([k, t]) => [k, tfc.mul(t, scale)]));
      }
      // Adam in one native call where it can run (backend/kernels/adam.ts), else tfjs' own.
      if (!applyFusedAdam(optimizer, g)) optimizer.applyGradients(g);
      return value;
    });
    const loss = lossTensor.dataSync()[0]!;
    lossTensor.dispose();
    const probs = (pred as tfc.Tensor).dataSync() as Float32Array;
    (pred as tfc.Tensor).dispose();
    return { loss, probs };
  };

  return (order, start, end) => {
    const n = end - start;
    const labels = new Float32Array(n);
    for (let i = 0; i < n; i++) labels[i] = allLabels[order[start + i]!]!;
    const xs = bucketing
      ? cutInputs(inputs, order, start, end, batchLength(bucketing, order, start, end), padding).map((c) =>
          tfc.tensor2d(c.values, [n, c.width], c.dtype),
        )
      : batchInputs(inputs, order, start, end);
    const y = tfc.tensor2d(labels, [n, 1]);
    const w = weights ? tfc.tensor1d(Array.from(labels, (l) => (l >= 0.5 ? weights[1] : weights[0]))) : null;
    const { loss, probs } = apply(xs, y, w);
    tfc.dispose([...xs, y, ...(w ? [w] : [])]);
    return { loss, probs, labels };
  };
}

/** Refuses a loss that is NaN or infinite, naming where it happened and what usually helps. */
export function checkLossFinite(loss: number, epoch: number, batch: number, batches: number): void {
  if (Number.isFinite(loss)) return;
  throw new TrainingError(
    'LOSS_NOT_FINITE',
    `the loss became ${loss} at epoch ${epoch}, batch ${batch} of ${batches}`,
    {
      suggestions: [
        'lower training.optimizer.learningRate',
        'set training.clipNorm (e.g. 1.0) to clip gradients',
      ],
    },
  );
}
