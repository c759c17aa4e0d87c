import * as tfc from '@tensorflow/tfjs-core';
import { AbsDifference } from './abs-difference.js';
import { Align } from './align.js';
import { Elementwise } from './elementwise.js';
import { Enhance } from './enhance.js';
import { FusedGRU, FusedLSTM } from './fused-rnn.js';
import { Highway } from './highway.js';
import { installMaskFlow } from './masks.js';
import { MaskedPool } from './pool.js';
import { PretrainedEmbedding } from './pretrained-embedding.js';
import { AugmentedResidual, Residual } from './residual.js';

/**
 * qqp's own tfjs Layer classes. Each is known to tfjs' serializer by a qqp-specific class name,
 * so a saved model that uses it loads again. They are registered from this one list, by one
 * function that every model build and every model load calls (a Bidirectional deserializes its
 * inner layer while it is being constructed, so registration must come before building, too).
 */
export const layerClasses = [
  FusedLSTM,
  FusedGRU,
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

/**
 * Makes every class of `layerClasses` known to tfjs' serializer, and masks flow per input and per
 * output (`installMaskFlow`, src/layers/masks.ts); idempotent.
 */
export function registerLayerClasses(): void {
  if (registered) return;
  installMaskFlow();
  for (const cls of layerClasses) tfc.serialization.registerClass(cls);
  registered = true;
}

export { AbsDifference } from './abs-difference.js';
export { Align, type AlignArgs, type AlignScale, alignWithOps } from './align.js';
export { ELEMENTWISE_OPS, Elementwise, type ElementwiseOp } from './elementwise.js';
export { ENHANCE_PARTS, Enhance, type EnhanceArgs, type EnhancePart } from './enhance.js';
export { FusedGRU, FusedLSTM, type FusedRnnArgs } from './fused-rnn.js';
export { Highway, type HighwayArgs } from './highway.js';
export { inputMasks, installMaskFlow } from './masks.js';
export { MaskedPool, type MaskedPoolArgs, type PoolMode } from './pool.js';
export { PretrainedEmbedding, type PretrainedEmbeddingArgs } from './pretrained-embedding.js';
export { AugmentedResidual, Residual, type ResidualArgs } from './residual.js';
export { SIMPLE_ACTIVATIONS, type SimpleActivation } from './serial.js';
