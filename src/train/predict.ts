import * as tfc from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { EncodedPairs } from '../data/encode.js';
import { TrainingError } from '../errors.js';

/**
 * The array behind a model input, by the input's name: `pair` (concat encoding), `question1` and
 * `question2` (separate), or a named extra input of the data (`features`, `exactMatch1`,
 * `exactMatch2`), row-major with `width` values per pair.
 */
export function inputArray(
  data: EncodedPairs,
  name: string,
): { values: Int32Array | Float32Array; width: number; dtype: 'int32' | 'float32' } {
  const ids = (values: Int32Array | undefined) =>
    values && { values, width: data.sequenceLength, dtype: 'int32' as const };
  const found =
    name === 'pair' && data.pair === 'concat'
      ? ids(data.inputs[0])
      : name === 'question1' && data.pair === 'separate'
        ? ids(data.inputs[0])
        : name === 'question2' && data.pair === 'separate'
          ? ids(data.inputs[1])
          : data.namedInputs?.[name] && { ...data.namedInputs[name], dtype: 'float32' as const };
  if (!found) {
    throw new TrainingError(
      'MODEL_INPUT',
      `the model reads the input "${name}", which the data does not provide`,
      {
        suggestions: [
          name === 'features' || name.startsWith('exactMatch')
            ? 'set data.features in the config the model was trained with'
            : `the data's pair encoding is "${data.pair}"; the model may need the other one`,
        ],
      },
    );
  }
  return found;
}

/**
 * Rows `[start, end)` of each model input, by the model's input names (`model.inputNames`), as
 * tensors of shape [end - start, width].
 */
export function batchInputs(
  data: EncodedPairs,
  names: readonly string[],
  rows: ArrayLike<number>,
  start: number,
  end: number,
): tfc.Tensor2D[] {
  return names.map((name) => {
    const { values, width, dtype } = inputArray(data, name);
    const out =
      dtype === 'int32' ? new Int32Array((end - start) * width) : new Float32Array((end - start) * width);
    for (let i = start; i < end; i++) {
      const r = rows[i]!;
      out.set(values.subarray(r * width, (r + 1) * width), (i - start) * width);
    }
    return tfc.tensor2d(out, [end - start, width], dtype);
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
  for (let start = 0; start < data.count; start += batch) {
    const end = Math.min(data.count, start + batch);
    const values = tfc.tidy(() => {
      const xs = batchInputs(data, model.inputNames, order, start, end);
      const y = model.predict(xs.length === 1 ? xs[0]! : xs, { batchSize: end - start }) as tfc.Tensor;
      return y.dataSync();
    });
    out.set(values, start);
    options.onProgress?.(end, data.count);
  }
  return out;
}
