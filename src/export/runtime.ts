/**
 * The code of an exported model's predict.js (`qqp export`), bundled by scripts/build-export-runtime.mjs
 * into dist/export/predict.js: qqp's own tokenizer, vocabulary, encoding, pair features and
 * prediction loop, and its layer classes, run against the caller's TensorFlow.js (every
 * `@tensorflow/tfjs-core` and `@tensorflow/tfjs-layers` import of this code is the `tf` object that
 * predict.js is given). So an exported model tokenizes and predicts by the very code `qqp predict`
 * runs, with no copy of it to drift.
 *
 * Nothing here reads files: predict.js's loader (src/export/loader.js) gives the files' contents,
 * read from its folder in Node and from model-data.js (or over HTTP) in a browser.
 */
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { DEFAULT_ENCODING, encodePairs } from '../data/encode.js';
import { type FeatureStats, type FeatureVectors, PairFeaturizer } from '../data/features.js';
import type { EncodingConfig } from '../data/schema.js';
import { Vocabulary } from '../data/vocabulary.js';
import { pairRows, type QuestionPair } from '../eval/pairs.js';
import { AbsDifference } from '../layers/abs-difference.js';
import { Align } from '../layers/align.js';
import { Elementwise } from '../layers/elementwise.js';
import { Enhance } from '../layers/enhance.js';
import { Highway } from '../layers/highway.js';
import { installMaskFlow } from '../layers/masks.js';
import { MaskedPool } from '../layers/pool.js';
import { PretrainedEmbedding } from '../layers/pretrained-embedding.js';
import { AugmentedResidual, Residual } from '../layers/residual.js';
import { predictProbabilities } from '../train/predict.js';
import { EXPORT_FILE_KIND, EXPORT_FILE_VERSION, type ExportManifest } from './manifest.js';

/**
 * The layer classes an exported model may still name (the fused LSTM and GRU are exported as
 * tfjs' own LSTM and GRU, so they are not here).
 */
export const EXPORTED_LAYER_CLASSES = [
  AbsDifference,
  Elementwise,
  PretrainedEmbedding,
  Align,
  Enhance,
  MaskedPool,
  Highway,
  Residual,
  AugmentedResidual,
] as const;

let registered = false;

/** Makes qqp's layer classes known to the given tfjs, and masks flow per input (idempotent). */
export function registerLayers(): void {
  if (registered) return;
  installMaskFlow();
  for (const cls of EXPORTED_LAYER_CLASSES) tfc.serialization.registerClass(cls);
  registered = true;
}

/** An export folder's files, as contents. */
export interface ExportFiles {
  /** model.json, parsed. */
  model: { modelTopology: object; weightsManifest: { weights: tfc.io.WeightsManifestEntry[] }[] };
  weights: ArrayBuffer;
  /** qqp.json, parsed. */
  manifest: ExportManifest;
  /** vocabulary.json, parsed. */
  vocabulary: unknown;
  /** features.json, parsed (with pair features or exact-match bits). */
  features?: FeatureStats | null;
  /** feature-vectors.bin (with vector features). */
  featureVectors?: ArrayBuffer | null;
}

export interface Prediction extends QuestionPair {
  probability: number;
  prediction: 0 | 1;
}

export interface ExportedModel {
  manifest: ExportManifest;
  model: tfl.LayersModel;
  /** P(duplicate) of each pair, in order. */
  probabilities(pairs: readonly QuestionPair[]): Float32Array;
  /** P(duplicate) and the label at `threshold` (default: the manifest's). */
  predictPairs(pairs: readonly QuestionPair[], threshold?: number): Prediction[];
  /** P(duplicate) of one pair. */
  predict(question1: string, question2: string): number;
  dispose(): void;
}

function bad(what: string): never {
  throw new Error(`this is not a qqp export folder qqp can read: ${what}`);
}

/** Loads an exported model from its files' contents. */
export async function createModel(files: ExportFiles): Promise<ExportedModel> {
  const manifest = files.manifest;
  if (manifest?.kind !== EXPORT_FILE_KIND) bad('qqp.json is not a qqp export manifest');
  if (manifest.version !== EXPORT_FILE_VERSION)
    bad(`qqp.json is version ${manifest.version}; this predict.js reads version ${EXPORT_FILE_VERSION}`);
  registerLayers();
  const vocabulary = Vocabulary.fromJSON(files.vocabulary, 'vocabulary.json');
  const tokenizer = vocabulary.tokenizer();
  const encoding: EncodingConfig = { ...DEFAULT_ENCODING, ...manifest.encoding };
  let featurizer: PairFeaturizer | null = null;
  if (manifest.features) {
    if (!files.features) bad('features.json is missing');
    let vectors: FeatureVectors | null = null;
    if (manifest.features.vectors) {
      const { dim, words } = manifest.features.vectors;
      if (!files.featureVectors) bad('feature-vectors.bin is missing');
      const values = new Float32Array(files.featureVectors);
      if (values.length !== dim * words.length) bad('feature-vectors.bin does not match qqp.json');
      vectors = { dim, words, values };
    }
    featurizer = new PairFeaturizer(files.features, tokenizer, vectors);
  }
  const model = await tfl.loadLayersModel(
    tfc.io.fromMemory({
      modelTopology: files.model.modelTopology,
      weightSpecs: files.model.weightsManifest[0]?.weights ?? [],
      weightData: files.weights,
    }),
  );
  const probabilities = (pairs: readonly QuestionPair[]): Float32Array => {
    const rows = pairRows(pairs);
    if (rows.length === 0) return new Float32Array(0);
    const encoded = encodePairs(rows, tokenizer, vocabulary, encoding);
    const data = featurizer ? featurizer.encode(encoded, rows, encoding) : encoded;
    return predictProbabilities(model, data, { batchSize: manifest.batchSize });
  };
  return {
    manifest,
    model,
    probabilities,
    predictPairs(pairs, threshold = manifest.threshold) {
      const probs = probabilities(pairs);
      return pairs.map((p, i) => ({
        question1: p.question1,
        question2: p.question2,
        probability: probs[i]!,
        prediction: probs[i]! >= threshold ? 1 : 0,
      }));
    },
    predict(question1, question2) {
      return probabilities([{ question1, question2 }])[0]!;
    },
    dispose() {
      model.dispose();
    },
  };
}
