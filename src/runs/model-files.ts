import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type * as tfc from '@tensorflow/tfjs-core';
import { RunError } from '../errors.js';

/**
 * A saved model's files (model.json + weights.bin, tfjs' own layout), read and written without
 * tfjs, so that run folders (and `runs`, `show`, `compare`, which read them) load without it;
 * model-io.ts turns them into models.
 */

function toBytes(data: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array {
  if (!data) return new Uint8Array(0);
  if (Array.isArray(data)) {
    const total = data.reduce((n, b) => n + b.byteLength, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const b of data) {
      out.set(new Uint8Array(b), offset);
      offset += b.byteLength;
    }
    return out;
  }
  return new Uint8Array(data);
}

/** Writes model.json and weights.bin into an existing folder. */
export function writeModelFiles(dir: string, a: tfc.io.ModelArtifacts): void {
  mkdirSync(dir, { recursive: true });
  const modelJson = {
    modelTopology: a.modelTopology,
    format: a.format ?? 'layers-model',
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy ?? null,
    weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs ?? [] }],
  };
  writeFileSync(join(dir, 'weights.bin'), toBytes(a.weightData as ArrayBuffer | ArrayBuffer[] | undefined));
  writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson));
}

/** A saved model's files, read and checked (without tfjs) so that tfjs is given whole ones only. */
export interface ModelFiles {
  jsonPath: string;
  /** model.json's own fields, as written (so a copy of the model is the same files). */
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: object;
  weightSpecs: tfc.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

function isWeightSpec(w: unknown): w is tfc.io.WeightsManifestEntry {
  const spec = w as tfc.io.WeightsManifestEntry;
  return (
    typeof spec === 'object' &&
    spec !== null &&
    typeof spec.name === 'string' &&
    typeof spec.dtype === 'string' &&
    Array.isArray(spec.shape) &&
    spec.shape.every((d) => Number.isInteger(d) && d >= 0)
  );
}

/**
 * Reads model.json and weights.bin of a model folder, checking that model.json is a tfjs layers
 * model and weights.bin holds exactly the bytes it describes; a missing or corrupt file is a
 * RunError naming it (RUN_MODEL_MISSING, RUN_MODEL_CORRUPT).
 */
export function readModelFiles(dir: string): ModelFiles {
  const jsonPath = join(dir, 'model.json');
  let modelJson: {
    format?: string;
    generatedBy?: string;
    convertedBy?: string | null;
    modelTopology?: object;
    weightsManifest?: { paths?: unknown; weights?: unknown }[];
  };
  try {
    modelJson = JSON.parse(readFileSync(jsonPath, 'utf8'));
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new RunError(
      missing ? 'RUN_MODEL_MISSING' : 'RUN_MODEL_CORRUPT',
      `${jsonPath}: ${missing ? 'missing' : 'not valid JSON'}`,
      {
        suggestions: missing ? ['the run may not have finished an epoch; train it again or resume it'] : [],
      },
    );
  }
  const manifest = Array.isArray(modelJson?.weightsManifest) ? modelJson.weightsManifest[0] : undefined;
  const specs = manifest?.weights;
  if (
    !modelJson?.modelTopology ||
    typeof modelJson.modelTopology !== 'object' ||
    !Array.isArray(specs) ||
    !specs.every(isWeightSpec)
  ) {
    throw new RunError(
      'RUN_MODEL_CORRUPT',
      `${jsonPath}: not a tfjs layers model (no topology or weights manifest)`,
    );
  }
  const paths = manifest?.paths;
  const weightsFile = Array.isArray(paths) && typeof paths[0] === 'string' ? paths[0] : 'weights.bin';
  const weightsPath = join(dir, basename(weightsFile));
  let weights: Buffer;
  try {
    weights = readFileSync(weightsPath);
  } catch {
    throw new RunError('RUN_MODEL_MISSING', `${weightsPath}: missing`);
  }
  const expected = specs.reduce(
    (n, w) => n + w.shape.reduce((a, b) => a * b, 1) * (w.dtype === 'int32' || w.dtype === 'float32' ? 4 : 1),
    0,
  );
  if (weights.byteLength !== expected) {
    throw new RunError(
      'RUN_MODEL_CORRUPT',
      `${weightsPath}: ${weights.byteLength} bytes, but model.json describes ${expected} bytes of weights`,
    );
  }
  const weightData = weights.buffer.slice(
    weights.byteOffset,
    weights.byteOffset + weights.byteLength,
  ) as ArrayBuffer;
  return {
    jsonPath,
    format: modelJson.format,
    generatedBy: modelJson.generatedBy,
    convertedBy: modelJson.convertedBy,
    modelTopology: modelJson.modelTopology,
    weightSpecs: specs,
    weightData,
  };
}
