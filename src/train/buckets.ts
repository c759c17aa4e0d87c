import * as tfc from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { EncodedPairs, NamedInput } from '../data/encode.js';
import type { EncodingConfig } from '../data/schema.js';
import { PAD_ID } from '../data/vocabulary.js';
import { Rng } from '../util/rng.js';
import { batchInputs, inputsFor } from './predict.js';

/**
 * Length bucketing (`training.bucketByLength`): batches of questions of similar length, each cut
 * to its own longest question, so that the padded timesteps the model would skip anyway (a masking
 * model: embeddings with maskZero) are never computed.
 *
 * - The order: the epoch's shuffled order is cut into windows of BUCKET_WINDOW batches; inside a
 *   window the pairs are sorted by length (stable), cut into batches, and the batches of the whole
 *   epoch are shuffled (seeded), a short last batch staying last. Each epoch's batches differ, and
 *   the same seed gives the same order.
 * - The cut: each question keeps its last (padding `pre`) or first (`post`) `L` ids, `L` the
 *   longest question of the batch; for `concat` the two halves are cut alike, so the separator sits
 *   at index `L`. Exact-match bits are cut with their question; pair features are not cut.
 * A model that does not mask its padding would compute something else on cut batches: the trainer
 * checks that first (`bucketingDifference`).
 */

/** Batches per window of the shuffled order sorted by length. */
export const BUCKET_WINDOW = 50;

/** The padding-free length of each question of each pair: [q1, q2] per row, row-major. */
export function questionLengths(data: EncodedPairs, padding: EncodingConfig['padding']): Uint16Array {
  const out = new Uint16Array(2 * data.count);
  const concat = data.pair === 'concat';
  const M = concat ? (data.sequenceLength - 1) / 2 : data.sequenceLength;
  const L = data.sequenceLength;
  const measure = (ids: Int32Array, at: number): number => {
    if (padding === 'pre') {
      let i = 0;
      while (i < M && ids[at + i] === PAD_ID) i++;
      return M - i;
    }
    let n = M;
    while (n > 0 && ids[at + n - 1] === PAD_ID) n--;
    return n;
  };
  for (let r = 0; r < data.count; r++) {
    if (concat) {
      out[2 * r] = measure(data.inputs[0]!, r * L);
      out[2 * r + 1] = measure(data.inputs[0]!, r * L + M + 1);
    } else {
      out[2 * r] = measure(data.inputs[0]!, r * M);
      out[2 * r + 1] = measure(data.inputs[1]!, r * M);
    }
  }
  return out;
}

/** The longer question of pair r: what a batch holding it is cut to at least. */
function pairLength(lengths: Uint16Array, r: number): number {
  return Math.max(lengths[2 * r]!, lengths[2 * r + 1]!);
}

/** The epoch order in length buckets (see above); `order` is the shuffled order, left as it is. */
export function bucketOrder(
  order: Uint32Array,
  lengths: Uint16Array,
  batchSize: number,
  seed: number,
): Uint32Array {
  const n = order.length;
  const key = (r: number) => pairLength(lengths, r);
  const sorted = new Uint32Array(n);
  const window = batchSize * BUCKET_WINDOW;
  for (let from = 0; from < n; from += window) {
    const part = Array.from(order.subarray(from, Math.min(n, from + window)));
    // Array.prototype.sort is stable: equal lengths keep the shuffled order.
    part.sort((a, b) => key(a) - key(b));
    sorted.set(part, from);
  }
  const whole = Math.floor(n / batchSize);
  const batches = Array.from({ length: whole }, (_, i) => i);
  const rng = new Rng(seed);
  for (let i = whole - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [batches[i], batches[j]] = [batches[j]!, batches[i]!];
  }
  const out = new Uint32Array(n);
  batches.forEach((b, i) => {
    out.set(sorted.subarray(b * batchSize, (b + 1) * batchSize), i * batchSize);
  });
  out.set(sorted.subarray(whole * batchSize), whole * batchSize);
  return out;
}

/** The longest question (at least 1) of rows `order[start..end)`. */
export function batchLength(
  lengths: Uint16Array,
  order: ArrayLike<number>,
  start: number,
  end: number,
): number {
  let L = 1;
  for (let i = start; i < end; i++) {
    const r = order[i]!;
    L = Math.max(L, pairLength(lengths, r));
  }
  return L;
}

/**
 * The inputs of a batch cut to questions of `L` ids: a function of the same shape as
 * predict.ts's batchInputs, for the inputs it is given (by name: pair, question1, question2,
 * exactMatch1, exactMatch2 are cut; anything else is copied whole).
 */
export function cutInputs(
  inputs: readonly NamedInput[],
  rows: ArrayLike<number>,
  start: number,
  end: number,
  L: number,
  padding: EncodingConfig['padding'],
): { values: Int32Array | Float32Array; width: number; dtype: NamedInput['dtype'] }[] {
  const n = end - start;
  return inputs.map(({ name, values, width, dtype }) => {
    const make = (w: number) => (dtype === 'int32' ? new Int32Array(n * w) : new Float32Array(n * w));
    if (name === 'pair') {
      // [q1 (M), sep, q2 (M)] → [q1 (L), sep, q2 (L)].
      const M = (width - 1) / 2;
      const keep = Math.min(L, M);
      const skip = padding === 'pre' ? M - keep : 0;
      const w = 2 * keep + 1;
      const out = make(w);
      for (let i = 0; i < n; i++) {
        const at = rows[start + i]! * width;
        out.set(values.subarray(at + skip, at + skip + keep), i * w);
        out[i * w + keep] = values[at + M]!;
        out.set(values.subarray(at + M + 1 + skip, at + M + 1 + skip + keep), i * w + keep + 1);
      }
      return { values: out, width: w, dtype };
    }
    if (name === 'question1' || name === 'question2' || name === 'exactMatch1' || name === 'exactMatch2') {
      const keep = Math.min(L, width);
      const skip = padding === 'pre' ? width - keep : 0;
      const out = make(keep);
      for (let i = 0; i < n; i++) {
        const at = rows[start + i]! * width + skip;
        out.set(values.subarray(at, at + keep), i * keep);
      }
      return { values: out, width: keep, dtype };
    }
    const out = make(width);
    for (let i = 0; i < n; i++) {
      const r = rows[start + i]!;
      out.set(values.subarray(r * width, (r + 1) * width), i * width);
    }
    return { values: out, width, dtype };
  });
}

/** Pairs the check runs on: the shortest of the training split, whose batches are cut the most. */
const CHECK_ROWS = 64;

/**
 * Whether the model computes the same on cut batches as on whole ones (it must mask its padding):
 * the largest difference of its probabilities, in inference mode, on the shortest training pairs,
 * whole against cut to their longest question (0 when masking is exact; the caller refuses more
 * than a rounding's worth).
 */
export function bucketingDifference(
  model: tfl.LayersModel,
  data: EncodedPairs,
  lengths: Uint16Array,
  padding: EncodingConfig['padding'],
): number {
  const order = Array.from({ length: data.count }, (_, i) => i);
  order.sort((a, b) => pairLength(lengths, a) - pairLength(lengths, b));
  const rows = order.slice(0, Math.min(CHECK_ROWS, data.count));
  if (rows.length === 0) return 0;
  const inputs = inputsFor(data, model.inputNames);
  const L = batchLength(lengths, rows, 0, rows.length);
  return tfc.tidy(() => {
    const run = (xs: tfc.Tensor[]) =>
      (model.apply(xs.length === 1 ? xs[0]! : xs, { training: false }) as tfc.Tensor).dataSync();
    const whole = run(batchInputs(inputs, rows, 0, rows.length));
    const cut = run(
      cutInputs(inputs, rows, 0, rows.length, L, padding).map((c) =>
        tfc.tensor2d(c.values, [rows.length, c.width], c.dtype),
      ),
    );
    let worst = 0;
    for (let i = 0; i < whole.length; i++) {
      const d = Math.abs(whole[i]! - cut[i]!);
      worst = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(worst, d);
    }
    return worst;
  });
}
