/**
 * Loads TensorFlow.js once: tfjs-core, tfjs-layers and the cpu backend, plus the chained tensor
 * methods tfjs-layers calls (x.flatten()), which tfjs-core's CommonJS build does not add
 * (chained-ops.ts). Every module that builds or runs models imports this file, so those
 * registrations happen exactly once and before use. The `@tensorflow/tfjs` bundle is not loaded:
 * what qqp used of it was those methods and the cpu backend, and it brings the converter, tfjs-data
 * and the WebGL backend with it (about 200 MB installed, a tenth of a second to load).
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tfc from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
// The chained methods' declarations only (x.reshape() in TypeScript); chained-ops.ts adds the code.
import type {} from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import { registerChainedOps } from './chained-ops.js';
import { FastOrthogonal } from './orthogonal.js';

registerChainedOps();

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
