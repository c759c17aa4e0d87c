import * as tfc from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { EncodedPairs } from '../data/encode.js';

/** Rows `[start, end)` of each input, as int32 tensors of shape [end - start, sequenceLength]. */
export function batchInputs(
  data: EncodedPairs,
  rows: ArrayLike<number>,
  start: number,
  end: number,
): tfc.Tensor2D[] {
  const L = data.sequenceLength;
  return data.inputs.map((input) => {
    const out = new Int32Array((end - start) * L);
    for (let i = start; i < end; i++) {
      const r = rows[i]!;
      out.set(input.subarray(r * L, (r + 1) * L), (i - start) * L);
    }
    return tfc.tensor2d(out, [end - start, L], 'int32');
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
      const xs = batchInputs(data, order, start, end);
      const y = model.predict(xs.length === 1 ? xs[0]! : xs, { batchSize: end - start }) as tfc.Tensor;
      return y.dataSync();
    });
    out.set(values, start);
    options.onProgress?.(end, data.count);
  }
  return out;
}
