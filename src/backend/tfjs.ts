/**
 * Loads TensorFlow.js once. The full @tensorflow/tfjs bundle registers what tfjs-core alone does
 * not: the gradients (needed to train), the chained tensor methods tfjs-layers calls
 * (x.flatten()), the optimizers' serialization, and the cpu backend. Every module that builds or
 * runs models imports this file, so those registrations happen exactly once and before use.
 */
import '@tensorflow/tfjs';
import * as tfc from '@tensorflow/tfjs-core';
import { FastOrthogonal } from './orthogonal.js';

// Replaces the stock Orthogonal initializer wherever tfjs deserializes one (see orthogonal.ts).
tfc.serialization.registerClass(
  FastOrthogonal as unknown as tfc.serialization.SerializableConstructor<tfc.serialization.Serializable>,
);

export { FastOrthogonal };
