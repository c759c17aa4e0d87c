import * as tfc from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { modelArtifacts } from '../runs/model-io.js';
import type { Checkpoint, OptimizerSlot, OptimizerSnapshot, TrainerState } from '../runs/records.js';

/**
 * A checkpoint is the model, the optimizer's slots and the trainer's state at the end of an epoch,
 * taken and restored as one (the run folder writes it as one folder, checkpoint/). Restoring it
 * and repeating the next epoch gives the same figures as a run that never stopped.
 */

/** Where a checkpoint is read from (the run folder; see lifecycle.ts). */
export interface CheckpointSource {
  loadCheckpointModel(): Promise<tfl.LayersModel>;
  readCheckpointOptimizer(): OptimizerSnapshot;
}

/** The trainer state of a run before its first epoch. */
export function initialState(learningRate: number): TrainerState {
  return {
    epochsCompleted: 0,
    learningRate,
    scheduleMemory: {},
    best: null,
    wait: 0,
    stoppedEarly: false,
    trainSeconds: 0,
    records: [],
  };
}

/** The optimizer's slots (moments, iterations) as bytes, in tfjs' order. */
async function optimizerSnapshot(optimizer: tfc.Optimizer): Promise<OptimizerSnapshot> {
  const weights = await optimizer.getWeights();
  const slots: OptimizerSlot[] = [];
  const parts: Uint8Array[] = [];
  for (const w of weights) {
    const data = await w.tensor.data();
    slots.push({ name: w.name, shape: w.tensor.shape, dtype: w.tensor.dtype as OptimizerSlot['dtype'] });
    parts.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
  }
  return { slots, bytes: Buffer.concat(parts) };
}

async function restoreOptimizer(optimizer: tfc.Optimizer, snapshot: OptimizerSnapshot): Promise<void> {
  const { slots, bytes } = snapshot;
  let offset = 0;
  const named = slots.map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const slice = bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + n * 4);
    offset += n * 4;
    const values = s.dtype === 'int32' ? new Int32Array(slice) : new Float32Array(slice);
    return { name: s.name, tensor: tfc.tensor(values, s.shape, s.dtype) };
  });
  // tfjs matches optimizer slots to variables by position, so the names need not match.
  await optimizer.setWeights(named);
}

/**
 * Takes the checkpoint of the epoch that just ended. `state` is held, not copied: write the
 * checkpoint before changing the state again.
 */
export async function captureCheckpoint(
  model: tfl.LayersModel,
  optimizer: tfc.Optimizer,
  state: TrainerState,
): Promise<Checkpoint> {
  const artifacts = await modelArtifacts(model);
  const opt = await optimizerSnapshot(optimizer);
  return { model: artifacts, optimizer: opt, state };
}

/** Puts a checkpoint's weights into a freshly built model and its slots into a fresh optimizer. */
export async function restoreCheckpoint(
  source: CheckpointSource,
  model: tfl.LayersModel,
  optimizer: tfc.Optimizer,
): Promise<void> {
  const last = await source.loadCheckpointModel();
  model.setWeights(last.getWeights());
  last.dispose();
  await restoreOptimizer(optimizer, source.readCheckpointOptimizer());
}
