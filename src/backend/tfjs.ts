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

/**
 * tfjs' gradient of `unstack` fails when the axis has length 1 (the engine hands a one-output
 * kernel's gradient over as a tensor, not a list, and `stack` refuses it), so tfjs-layers' LSTM and
 * GRU cannot train anything below them on sequences of length 1. Re-registered to accept both.
 */
tfc.registerGradient({
  kernelName: tfc.Unpack,
  gradFunc: (dy, _saved, attrs) => {
    const { axis } = attrs as unknown as tfc.UnpackAttrs;
    return { value: () => tfc.stack(Array.isArray(dy) ? dy : [dy], axis) };
  },
});

export { FastOrthogonal };
