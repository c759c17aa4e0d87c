import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunError } from '../errors.js';
import { checkDir, DIR_MANIFEST, type DirManifest, leftovers, recoverDir } from '../util/atomic.js';
import { readModelFiles, writeModelFiles } from './model-files.js';
import type { Checkpoint, EpochRecord, OptimizerSlot, OptimizerSnapshot, TrainerState } from './records.js';

/**
 * checkpoint/ on disk: written as one folder (atomic.ts' replaceDirAtomic: manifest.json last, so a
 * folder with a manifest that matches its files is complete), read back with every file checked,
 * and recovered after a crash. A damaged checkpoint is a RunError RUN_CHECKPOINT_CORRUPT that
 * names the file; it is never mistaken for "no checkpoint".
 *
 *   checkpoint/model/          the last epoch's model (model.json + weights.bin)
 *   checkpoint/optimizer.json  {"format": "state", "slots": [...]} (a bare list: older versions)
 *   checkpoint/optimizer.bin   the slots' values, back to back
 *   checkpoint/state.json      the trainer's state (TrainerState)
 *   checkpoint/manifest.json   each file's size and sha256, and {"epoch": n}; written last
 */

/** The files inside checkpoint/, replaced together as one folder. */
export const CHECKPOINT_FILES = {
  state: 'state.json',
  model: 'model',
  optimizer: 'optimizer.json',
  optimizerData: 'optimizer.bin',
  manifest: DIR_MANIFEST,
} as const;

const SUGGESTIONS = [
  'the epochs recorded so far stay in metrics.jsonl; to go on, train a new run from the same config: qqp train <run folder>/config.yaml',
];

function corrupt(file: string, what: string): RunError {
  return new RunError('RUN_CHECKPOINT_CORRUPT', `${file}: ${what}`, { suggestions: SUGGESTIONS });
}

/** Writes a checkpoint's files into an empty folder (replaceDirAtomic seals it after). */
export function fillCheckpointDir(dir: string, checkpoint: Checkpoint): void {
  writeModelFiles(join(dir, CHECKPOINT_FILES.model), checkpoint.model);
  const optimizer = { format: checkpoint.optimizer.format, slots: checkpoint.optimizer.slots };
  writeFileSync(
    join(dir, CHECKPOINT_FILES.optimizer),
    JSON.stringify(checkpoint.optimizer.format === 'weights' ? optimizer.slots : optimizer),
  );
  writeFileSync(join(dir, CHECKPOINT_FILES.optimizerData), checkpoint.optimizer.bytes);
  writeFileSync(join(dir, CHECKPOINT_FILES.state), JSON.stringify(checkpoint.state, null, 2));
}

/** What a checkpoint's manifest records about it. */
export function checkpointInfo(checkpoint: Checkpoint): Record<string, unknown> {
  return { epoch: checkpoint.state.epochsCompleted };
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw corrupt(file, 'missing');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw corrupt(file, 'not valid JSON');
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Checks state.json field by field; the first wrong field is named. */
export function parseTrainerState(value: unknown, file: string): TrainerState {
  const bad = (field: string, want: string) => corrupt(file, `"${field}" should be ${want}`);
  if (!isObject(value)) throw corrupt(file, 'not a trainer state (a JSON object)');
  const v = value;
  if (!isCount(v.epochsCompleted) || v.epochsCompleted < 1) {
    throw bad('epochsCompleted', 'a whole number of epochs, 1 or more');
  }
  if (!isFiniteNumber(v.learningRate) || v.learningRate <= 0) throw bad('learningRate', 'a positive number');
  if (!isObject(v.scheduleMemory) || !Object.values(v.scheduleMemory).every((x) => typeof x === 'number')) {
    throw bad('scheduleMemory', 'an object of numbers');
  }
  if (v.best !== null && (!isObject(v.best) || typeof v.best.value !== 'number' || !isCount(v.best.epoch))) {
    throw bad('best', 'null or {"value": number, "epoch": number}');
  }
  if (!isCount(v.wait)) throw bad('wait', 'a whole number');
  if (typeof v.stoppedEarly !== 'boolean') throw bad('stoppedEarly', 'true or false');
  if (!isFiniteNumber(v.trainSeconds) || v.trainSeconds < 0) throw bad('trainSeconds', 'a number of seconds');
  if (!Array.isArray(v.records) || v.records.length !== v.epochsCompleted) {
    throw bad('records', `a list of ${v.epochsCompleted} epoch records (one per completed epoch)`);
  }
  v.records.forEach((r, i) => {
    if (!isObject(r) || r.epoch !== i + 1 || !Object.values(r).every((x) => typeof x === 'number')) {
      throw bad(`records[${i}]`, `the record of epoch ${i + 1} (an object of numbers)`);
    }
  });
  const best = v.best as TrainerState['best'];
  if (best && best.epoch > v.epochsCompleted) {
    throw bad('best.epoch', `an epoch the checkpoint has (1 to ${v.epochsCompleted})`);
  }
  return v as unknown as TrainerState;
}

export function readCheckpointStateFile(dir: string): TrainerState {
  const file = join(dir, CHECKPOINT_FILES.state);
  return parseTrainerState(readJson(file), file);
}

/** Reads optimizer.json and optimizer.bin, checking the slots and that the bytes are exactly theirs. */
export function readOptimizerFiles(dir: string): OptimizerSnapshot {
  const file = join(dir, CHECKPOINT_FILES.optimizer);
  const json = readJson(file);
  const format: OptimizerSnapshot['format'] = Array.isArray(json) ? 'weights' : 'state';
  const slots = Array.isArray(json)
    ? json
    : isObject(json) && json.format === 'state'
      ? json.slots
      : undefined;
  if (!Array.isArray(slots)) throw corrupt(file, 'should be {"format": "state", "slots": [...]}');
  slots.forEach((s: unknown, i) => {
    const slot = s as OptimizerSlot;
    if (
      !isObject(s) ||
      typeof slot.name !== 'string' ||
      !Array.isArray(slot.shape) ||
      !slot.shape.every(isCount) ||
      (slot.dtype !== 'float32' && slot.dtype !== 'int32')
    ) {
      throw corrupt(
        file,
        `slot ${i} should be {"name", "shape": [whole numbers], "dtype": "float32" | "int32"}`,
      );
    }
  });
  const dataFile = join(dir, CHECKPOINT_FILES.optimizerData);
  let bytes: Buffer;
  try {
    bytes = readFileSync(dataFile);
  } catch {
    throw corrupt(dataFile, 'missing');
  }
  const expected = (slots as OptimizerSlot[]).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (bytes.byteLength !== expected) {
    throw corrupt(
      dataFile,
      `${bytes.byteLength} bytes, but ${CHECKPOINT_FILES.optimizer} describes ${expected} (the file was cut short or changed)`,
    );
  }
  return { format, slots: slots as OptimizerSlot[], bytes };
}

/** Checks checkpoint/model's files (not loaded: tfjs loads it when the trainer restores it). */
export function checkCheckpointModel(dir: string): void {
  try {
    readModelFiles(join(dir, CHECKPOINT_FILES.model));
  } catch (err) {
    if (err instanceof RunError) {
      throw new RunError('RUN_CHECKPOINT_CORRUPT', err.message, { suggestions: SUGGESTIONS });
    }
    throw err;
  }
}

/**
 * Reads and checks every file of a checkpoint folder: its manifest when it has one (sizes, sha256,
 * the epoch), state.json, the optimizer's files and the model's. Returns the trainer state.
 */
export function validateCheckpointDir(dir: string): TrainerState {
  const check = checkDir(dir);
  if (!check.complete && !check.manifestMissing) throw corrupt(dir, check.problem);
  const state = readCheckpointStateFile(dir);
  const epoch = check.complete ? check.manifest.info.epoch : undefined;
  if (epoch !== undefined && epoch !== state.epochsCompleted) {
    throw corrupt(
      join(dir, CHECKPOINT_FILES.state),
      `epoch ${state.epochsCompleted}, but ${DIR_MANIFEST} was written for epoch ${String(epoch)}`,
    );
  }
  readOptimizerFiles(dir);
  checkCheckpointModel(dir);
  return state;
}

/** What is wrong with a folder without a manifest (an older version's), or null when every file checks. */
function legacyProblem(check: (dir: string) => unknown): (dir: string) => string | null {
  return (dir) => {
    try {
      check(dir);
      return null;
    } catch (err) {
      if (err instanceof RunError) return err.message;
      throw err;
    }
  };
}

/** What recovery found in a run folder and did, for train.log. */
export interface RunRecovery {
  /** Whether the run has a checkpoint (now at checkpoint/). */
  hasCheckpoint: boolean;
  /** The epoch model/best and model/last hold, by their manifests (undefined: unknown or none). */
  modelEpochs: { best?: number; last?: number };
  notes: string[];
}

function epochOf(manifest: DirManifest | null): number | undefined {
  const e = manifest?.info.epoch;
  return typeof e === 'number' ? e : undefined;
}

/**
 * After a crash: finishes or undoes each interrupted folder replacement of a run folder
 * (checkpoint/, model/best/, model/last/) by recoverDir's rule (the newest complete version takes
 * the name) and removes the leftovers. A checkpoint that exists in some form but in no complete
 * one is refused (RUN_CHECKPOINT_CORRUPT, naming what is wrong), and then nothing is removed.
 */
export function recoverRunFolder(
  runDir: string,
  folders: { checkpoint: string; best: string; last: string },
): RunRecovery {
  const notes: string[] = [];
  const checkpointPath = join(runDir, folders.checkpoint);
  const cp = recoverDir(checkpointPath, legacyProblem(validateCheckpointDir));
  if (cp.outcome === 'none' && cp.problems.length > 0) {
    throw new RunError(
      'RUN_CHECKPOINT_CORRUPT',
      `${checkpointPath}: no complete checkpoint to resume from: ${cp.problems.join('; ')}`,
      { suggestions: SUGGESTIONS },
    );
  }
  if (cp.outcome === 'recovered-new')
    notes.push('checkpoint/: the new checkpoint of an interrupted replacement put in place');
  if (cp.outcome === 'recovered-previous')
    notes.push('checkpoint/: the previous checkpoint put back (the new one was incomplete)');
  const modelEpochs: RunRecovery['modelEpochs'] = {};
  for (const which of ['best', 'last'] as const) {
    const r = recoverDir(join(runDir, folders[which]), legacyProblem(readModelFiles));
    modelEpochs[which] = epochOf(r.manifest);
    if (r.outcome === 'recovered-new' || r.outcome === 'recovered-previous') {
      notes.push(`model/${which}/: recovered from an interrupted replacement`);
    }
    if (r.outcome === 'none' && r.problems.length > 0)
      notes.push(`model/${which}/: ${r.problems.join('; ')}`);
    for (const d of r.removed) notes.push(`removed the leftover ${d}`);
    if (r.outcome === 'none') {
      // No version of the model is complete: what a crash left of it is of no use (a model is
      // written again from the checkpoint, which the resume brings it in line with).
      const left = leftovers(join(runDir, folders[which]));
      for (const d of [...left.fresh, ...left.previous]) {
        rmSync(d, { recursive: true, force: true });
        notes.push(`removed the leftover ${d}`);
      }
    }
  }
  for (const d of cp.removed) notes.push(`removed the leftover ${d}`);
  return { hasCheckpoint: existsSync(checkpointPath), modelEpochs, notes };
}

/** The epochs of metrics.jsonl the checkpoint does not have as they are (kept aside on resume). */
export function epochsBeyond(recorded: readonly EpochRecord[], state: TrainerState | null): EpochRecord[] {
  const kept = state?.records ?? [];
  return recorded.filter((r) => {
    const same = kept[r.epoch - 1];
    return !same || JSON.stringify(same) !== JSON.stringify(r);
  });
}
