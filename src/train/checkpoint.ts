import * as tfc from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { modelArtifacts } from '../runs/model-io.js';
import type { Checkpoint, OptimizerSlot, OptimizerSnapshot, TrainerState } from '../runs/records.js';
import { optimizerState, setOptimizerState } from './optimizer-state.js';

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

/** Every part of the optimizer's state (optimizer-state.ts) as slots and bytes. */
async function optimizerSnapshot(optimizer: tfc.Optimizer): Promise<OptimizerSnapshot> {
  const parts = optimizerState(optimizer);
  const slots: OptimizerSlot[] = [];
  const bytes: Uint8Array[] = [];
  for (const p of parts) {
    const data = await p.tensor.data();
    slots.push({ name: p.name, shape: p.tensor.shape, dtype: p.tensor.dtype as OptimizerSlot['dtype'] });
    bytes.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
  }
  const iterations = parts[0];
  if (iterations?.name === 'iterations') iterations.tensor.dispose();
  return { format: 'state', slots, bytes: Buffer.concat(bytes) };
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
  if (snapshot.format === 'state') {
    setOptimizerState(optimizer, named);
    tfc.dispose(named.map((p) => p.tensor));
  } else {
    // A checkpoint of an older version: tfjs' getWeights() order, matched to variables by position.
    await optimizer.setWeights(named);
  }
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
