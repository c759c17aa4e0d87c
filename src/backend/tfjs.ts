/**
 * Loads TensorFlow.js once. The full @tensorflow/tfjs bundle registers what tfjs-core alone does
 * not: the gradients (needed to train), the chained tensor methods tfjs-layers calls
 * (x.flatten()), the optimizers' serialization, and the cpu backend. Every module that builds or
 * runs models imports this file, so those registrations happen exactly once and before use.
 */
import { createRequire } from 'node:module';
// Its declarations only (the chained tensor methods' types, x.reshape()); the code is required below.
import type {} from '@tensorflow/tfjs';
import * as tfc from '@tensorflow/tfjs-core';
import { FastOrthogonal } from './orthogonal.js';

// Required, not imported, for its side effects only: an `import` of a CommonJS package has Node scan
// it, and every package it re-exports (converter, data, webgl, ...), for export names, which took
// a tenth of a second of every command that loads tfjs. Run after tfjs-core and tfjs-layers
// (imported above) are loaded: the same instances, which the bundle registers into.
createRequire(import.meta.url)('@tensorflow/tfjs');

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
