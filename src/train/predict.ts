import * as tfc from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type EncodedPairs, type NamedInput, namedInputs } from '../data/encode.js';
import { TrainingError } from '../errors.js';

/** Where each extra input comes from, for the message when the data lacks it. */
const PROVIDED_BY: Record<string, string> = {
  features: 'data.features.pair',
  exactMatch1: 'data.features.exactMatch',
  exactMatch2: 'data.features.exactMatch',
};

/**
 * The inputs of `data` a model with these input names reads, in the model's order (inputs are
 * matched by name: `pair`, `question1`, `question2`, `features`, `exactMatch1`, `exactMatch2`).
 */
export function inputsFor(data: EncodedPairs, names: readonly string[]): NamedInput[] {
  const all = namedInputs(data);
  return names.map((name) => {
    const input = all.find((i) => i.name === name);
    if (!input) {
      const by = PROVIDED_BY[name];
      throw new TrainingError(
        'MODEL_INPUT_MISSING',
        `the model reads an input "${name}" that the data does not give (it gives ${all.map((i) => i.name).join(', ')})`,
        {
          suggestions: [by ? `set ${by} in the config` : 'check data.encoding.pair against the model shape'],
        },
      );
    }
    return input;
  });
}

/** Rows `[start, end)` of each input, as tensors of shape [end - start, width], in `inputs`' order. */
export function batchInputs(
  inputs: readonly NamedInput[],
  rows: ArrayLike<number>,
  start: number,
  end: number,
): tfc.Tensor2D[] {
  return inputs.map(({ values, width: L, dtype }) => {
    const out = dtype === 'int32' ? new Int32Array((end - start) * L) : new Float32Array((end - start) * L);
    for (let i = start; i < end; i++) {
      const r = rows[i]!;
      out.set(values.subarray(r * L, (r + 1) * L), (i - start) * L);
    }
    return tfc.tensor2d(out, [end - start, L], dtype);
  });
}

export function identityOrder(n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

/** P(duplicate) for every pair, in batches (inference mode: no dropout). */
export function predictProbabilities(
  model: tfl.LayersModel,
  data: EncodedPairs,
  options: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
): Float32Array {
  const batch = options.batchSize ?? 256;
  const out = new Float32Array(data.count);
  const order = identityOrder(data.count);
  const inputs = inputsFor(data, model.inputNames);
  for (let start = 0; start < data.count; start += batch) {
    const end = Math.min(data.count, start + batch);
    const values = tfc.tidy(() => {
      const xs = batchInputs(inputs, order, start, end);
      const y = model.predict(xs.length === 1 ? xs[0]! : xs, { batchSize: end - start }) as tfc.Tensor;
      return y.dataSync();
    });
    out.set(values, start);
    options.onProgress?.(end, data.count);
  }
  return out;
}
