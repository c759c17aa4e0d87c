import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { RunError } from '../errors.js';
import { registerLayerClasses } from '../layers/index.js';
import { replaceDirAtomic } from '../util/atomic.js';
import { readModelFiles, writeModelFiles } from './model-files.js';

/**
 * Models on disk in tfjs' own layout (model.json + weights.bin, what `tf.io` file:// handlers write),
 * so a saved model also loads with @tensorflow/tfjs-node's `loadLayersModel('file://...')`. The
 * files themselves are read and written by model-files.ts, without tfjs.
 */

export { type ModelFiles, readModelFiles, writeModelFiles } from './model-files.js';

/** The model's topology and weights, ready to write. */
export async function modelArtifacts(model: tfl.LayersModel): Promise<tfc.io.ModelArtifacts> {
  let artifacts: tfc.io.ModelArtifacts | undefined;
  await model.save(
    tfc.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts) throw new Error('tfjs returned no model artifacts');
  return artifacts;
}

/** Saves a model into `dir` (replaced as a whole, atomically). */
export async function saveModel(model: tfl.LayersModel, dir: string): Promise<void> {
  const a = await modelArtifacts(model);
  replaceDirAtomic(dir, (tmp) => writeModelFiles(tmp, a));
}

/** Loads a model saved by saveModel; a missing or corrupt file is a RunError naming it. */
export async function loadModel(dir: string): Promise<tfl.LayersModel> {
  registerLayerClasses();
  const files = readModelFiles(dir);
  try {
    return await tfl.loadLayersModel(
      tfc.io.fromMemory({
        modelTopology: files.modelTopology,
        weightSpecs: files.weightSpecs,
        weightData: files.weightData,
      }),
    );
  } catch (err) {
    throw new RunError(
      'RUN_MODEL_CORRUPT',
      `${files.jsonPath}: tfjs cannot load it: ${(err as Error).message}`,
    );
  }
}
