import * as tfc from '@tensorflow/tfjs-core';
import { AbsDifference } from './abs-difference.js';
import { Elementwise } from './elementwise.js';
import { FusedGRU, FusedLSTM } from './fused-rnn.js';
import { PretrainedEmbedding } from './pretrained-embedding.js';

/**
 * qqp's own tfjs Layer classes. Each is known to tfjs' serializer by a qqp-specific class name,
 * so a saved model that uses it loads again. They are registered from this one list, by one
 * function that every model build and every model load calls (a Bidirectional deserializes its
 * inner layer while it is being constructed, so registration must come before building, too).
 */
export const layerClasses = [FusedLSTM, FusedGRU, AbsDifference, Elementwise, PretrainedEmbedding] as const;

let registered = false;

/** Makes every class of `layerClasses` known to tfjs' serializer; idempotent. */
export function registerLayerClasses(): void {
  if (registered) return;
  for (const cls of layerClasses) tfc.serialization.registerClass(cls);
  registered = true;
}

export { AbsDifference } from './abs-difference.js';
export { ELEMENTWISE_OPS, Elementwise, type ElementwiseOp } from './elementwise.js';
export { FusedGRU, FusedLSTM, type FusedRnnArgs } from './fused-rnn.js';
export { PretrainedEmbedding, type PretrainedEmbeddingArgs } from './pretrained-embedding.js';
