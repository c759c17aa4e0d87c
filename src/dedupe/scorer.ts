/**
 * Scoring candidate pairs for `qqp dedupe`. Any model scores a pair from its two texts
 * (`Predictor.probabilities`). A siamese model scores far faster: its shared encoder reads each
 * question once, and only the head (combine, dense layers) runs per pair, on the two encodings;
 * the head is the loaded model's own layers applied to new inputs, so the weights and the result
 * are the model's. The encodings are also vectors to search for nearest neighbours.
 */
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { encodePairs } from '../data/encode.js';
import type { PairRow } from '../data/read.js';
import type { Predictor } from '../eval/predictor.js';
import { encodeForRun } from '../eval/run.js';

export interface PairScorer {
  /** `model`: the whole model on each pair's text; `encoder`: a siamese encoder once a question, the head per pair. */
  readonly method: 'model' | 'encoder';
  /** P(duplicate) of each pair (left[a[k]], right[b[k]]). */
  score(a: ArrayLike<number>, b: ArrayLike<number>): Float32Array;
  /** Each question's encoding, row-major [count, width] (encoder scorers only). */
  readonly vectors: { left: Float32Array; right: Float32Array; width: number } | null;
  dispose(): void;
}

function pairRowsOf(
  left: readonly string[],
  right: readonly string[],
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): PairRow[] {
  const rows: PairRow[] = new Array(a.length);
  for (let k = 0; k < a.length; k++) {
    rows[k] = { line: 0, id: String(k), question1: left[a[k]!]!, question2: right[b[k]!]!, label: null };
  }
  return rows;
}

/** The whole model on each pair (any model shape). */
export function modelScorer(
  predictor: Predictor,
  left: readonly string[],
  right: readonly string[],
  batchSize = 512,
): PairScorer {
  return {
    method: 'model',
    vectors: null,
    score(a, b) {
      return predictor.probabilities(pairRowsOf(left, right, a, b), batchSize);
    },
    dispose() {},
  };
}

type Node = tfl.layers.Layer['inboundNodes'][number];

/**
 * A siamese model as its encoder and a head model reading [u, v(, features)], or null when the
 * model is not a siamese one (an `encoder` sub-model applied to question1 and question2).
 */
export function splitSiamese(model: tfl.LayersModel): SiameseSplit | null {
  // Split once a model: applying its layers to new inputs adds nodes to them, and a second split
  // would meet those.
  if (!splits.has(model)) splits.set(model, split(model));
  return splits.get(model)!;
}

export interface SiameseSplit {
  encoder: tfl.LayersModel;
  head: tfl.LayersModel;
}
const splits = new WeakMap<tfl.LayersModel, SiameseSplit | null>();

function split(model: tfl.LayersModel): SiameseSplit | null {
  const names = model.inputNames;
  if (
    names[0] !== 'question1' ||
    names[1] !== 'question2' ||
    names.some((n, i) => i > 1 && n !== 'features')
  ) {
    return null;
  }
  const encoder = model.layers.find((l) => l.name === 'encoder');
  if (!(encoder instanceof tfl.LayersModel) || encoder.inputs.length !== 1 || encoder.outputs.length !== 1)
    return null;
  const width = encoder.outputs[0]!.shape[1];
  if (typeof width !== 'number' || encoder.outputs[0]!.shape.length !== 2) return null;
  const mapped = new Map<number, tfl.SymbolicTensor>();
  const inputs: tfl.SymbolicTensor[] = [];
  const [q1, q2] = model.inputs;
  // The encoder's nodes: its own (from its input), then one for each question it reads.
  const nodeOf = (q: tfl.SymbolicTensor | undefined) =>
    (encoder.inboundNodes as Node[]).find((n) => n.inputTensors.length === 1 && n.inputTensors[0] === q);
  const n1 = nodeOf(q1);
  const n2 = nodeOf(q2);
  if (!n1 || !n2) return null;
  const u = tfl.input({ shape: [width], name: 'u_encoding' });
  const v = tfl.input({ shape: [width], name: 'v_encoding' });
  mapped.set(n1.outputTensors[0]!.id, u);
  mapped.set(n2.outputTensors[0]!.id, v);
  inputs.push(u, v);
  const featuresIn = model.inputs[2];
  if (featuresIn) {
    const f = tfl.input({ shape: [featuresIn.shape[1] as number], name: 'pair_features' });
    mapped.set(featuresIn.id, f);
    inputs.push(f);
  }
  for (const layer of model.layers) {
    if (layer === encoder || model.inputLayers.includes(layer)) continue;
    // Node 0: the layer's place in the model itself (the model was built first).
    const node = (layer.inboundNodes as Node[])[0];
    if (!node) return null;
    const xs = node.inputTensors.map((t) => mapped.get(t.id));
    if (xs.some((x) => x === undefined)) return null;
    const ys = layer.apply(xs.length === 1 ? xs[0]! : (xs as tfl.SymbolicTensor[]));
    const outs = Array.isArray(ys) ? ys : [ys];
    for (const [k, t] of node.outputTensors.entries()) mapped.set(t.id, outs[k] as tfl.SymbolicTensor);
  }
  const out = mapped.get(model.outputs[0]!.id);
  if (!out) return null;
  return { encoder, head: tfl.model({ inputs, outputs: out, name: 'siamese_head' }) };
}

/** Each text's encoding by the siamese encoder, in batches: [texts.length, width]. */
function encodeAll(
  predictor: Predictor,
  encoder: tfl.LayersModel,
  texts: readonly string[],
  width: number,
  batch: number,
): Float32Array {
  const { run } = predictor;
  const out = new Float32Array(texts.length * width);
  for (let start = 0; start < texts.length; start += batch) {
    const end = Math.min(texts.length, start + batch);
    const rows: PairRow[] = [];
    for (let i = start; i < end; i++)
      rows.push({ line: 0, id: String(i), question1: texts[i]!, question2: '', label: null });
    const ids = encodePairs(rows, run.tokenizer, run.vocabulary, run.encoding).inputs[0]!;
    const L = ids.length / rows.length;
    const values = tfc.tidy(() =>
      (encoder.predict(tfc.tensor2d(ids, [rows.length, L], 'int32')) as tfc.Tensor).dataSync(),
    );
    out.set(values, start * width);
  }
  return out;
}

/**
 * The encoder scorer of a siamese model (null for other shapes): encodes every question once
 * (`left` and `right` may be the same array: encoded once then).
 */
export function encoderScorer(
  predictor: Predictor,
  left: readonly string[],
  right: readonly string[],
  options: { batchSize?: number; onEncoded?: (done: number, total: number) => void } = {},
): PairScorer | null {
  const split = splitSiamese(predictor.model);
  if (!split) return null;
  const { encoder, head } = split;
  const width = encoder.outputs[0]!.shape[1] as number;
  const batch = options.batchSize ?? 512;
  const leftVectors = encodeAll(predictor, encoder, left, width, batch);
  options.onEncoded?.(left.length, left === right ? left.length : left.length + right.length);
  const rightVectors = left === right ? leftVectors : encodeAll(predictor, encoder, right, width, batch);
  options.onEncoded?.(
    left === right ? left.length : left.length + right.length,
    left === right ? left.length : left.length + right.length,
  );
  const { run } = predictor;
  const withFeatures = head.inputs.length === 3;
  return {
    method: 'encoder',
    vectors: { left: leftVectors, right: rightVectors, width },
    score(a, b) {
      const n = a.length;
      const out = new Float32Array(n);
      for (let start = 0; start < n; start += 4096) {
        const end = Math.min(n, start + 4096);
        const u = new Float32Array((end - start) * width);
        const v = new Float32Array((end - start) * width);
        for (let k = start; k < end; k++) {
          u.set(leftVectors.subarray(a[k]! * width, (a[k]! + 1) * width), (k - start) * width);
          v.set(rightVectors.subarray(b[k]! * width, (b[k]! + 1) * width), (k - start) * width);
        }
        let features: Float32Array | undefined;
        let featureCount = 0;
        if (withFeatures) {
          const rows = pairRowsOf(
            left,
            right,
            Array.from({ length: end - start }, (_, k) => a[start + k]!),
            Array.from({ length: end - start }, (_, k) => b[start + k]!),
          );
          const encoded = encodeForRun(run, rows);
          features = encoded.features;
          featureCount = encoded.featureCount ?? 0;
        }
        const values = tfc.tidy(() => {
          const xs = [tfc.tensor2d(u, [end - start, width]), tfc.tensor2d(v, [end - start, width])];
          if (features) xs.push(tfc.tensor2d(features, [end - start, featureCount]));
          return (head.predict(xs, { batchSize: end - start }) as tfc.Tensor).dataSync();
        });
        out.set(values, start);
      }
      return out;
    },
    // The head's layers are the predictor's model's: freed with it (Predictor.dispose).
    dispose() {},
  };
}
