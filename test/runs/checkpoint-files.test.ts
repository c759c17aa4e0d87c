import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/index.js';
import { RunError } from '../../src/errors.js';
import { epochsBeyond, parseTrainerState } from '../../src/runs/checkpoint-files.js';
import { CHECKPOINT_FILES, RUN_FILES, RunFolder } from '../../src/runs/folder.js';
import { modelArtifacts } from '../../src/runs/model-io.js';
import type { Checkpoint, EpochRecord, TrainerState } from '../../src/runs/records.js';
import { DIR_MANIFEST } from '../../src/util/atomic.js';

const root = mkdtempSync(join(tmpdir(), 'qqp-checkpoint-files-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Above Linux's largest process id: the temporary names of a writer that was killed. */
const DEAD_PID = 4_194_305;

const record = (epoch: number): EpochRecord => ({
  epoch,
  learningRate: 0.001,
  seconds: 1,
  examplesPerSecond: 10,
  loss: 1 / epoch,
});

function state(epochs: number): TrainerState {
  return {
    epochsCompleted: epochs,
    learningRate: 0.001,
    scheduleMemory: {},
    best: { value: 1 / epochs, epoch: epochs },
    wait: 0,
    stoppedEarly: false,
    trainSeconds: epochs,
    records: Array.from({ length: epochs }, (_, i) => record(i + 1)),
  };
}

let runs = 0;
async function checkpoint(epochs: number): Promise<Checkpoint> {
  const model = tfl.sequential();
  model.add(tfl.layers.dense({ units: 2, inputShape: [3], kernelInitializer: 'ones' }));
  const artifacts = await modelArtifacts(model);
  model.dispose();
  const bytes = new Uint8Array(new Float32Array([epochs, 2, 3]).buffer);
  return {
    model: artifacts,
    optimizer: { format: 'state', slots: [{ name: 'm', shape: [3], dtype: 'float32' }], bytes },
    state: state(epochs),
  };
}

async function folderWith(epochs: number): Promise<RunFolder> {
  const f = RunFolder.create(join(root, `runs-${++runs}`), 'unit');
  f.writeCheckpoint(await checkpoint(epochs));
  return f;
}

function corrupt(file: RegExp) {
  return (e: unknown) =>
    e instanceof RunError &&
    e.code === 'RUN_CHECKPOINT_CORRUPT' &&
    file.test(e.message) &&
    e.category === 'run';
}

const cp = (f: RunFolder, file = '') => f.path(join(RUN_FILES.checkpoint, file));

describe('checkpoint files', () => {
  before(async () => {
    await initBackend('cpu');
  });

  it('reads back a checkpoint it wrote, sealed by a manifest recording the epoch', async () => {
    const f = await folderWith(2);
    assert.deepEqual(f.readCheckpointState(), state(2));
    assert.ok(existsSync(cp(f, DIR_MANIFEST)));
    assert.equal(f.readCheckpointOptimizer().format, 'state');
  });

  it('a malformed state.json is RUN_CHECKPOINT_CORRUPT naming it (not "no checkpoint")', async () => {
    for (const [text, why] of [
      ['{"epochsCompleted": 2,', /not valid JSON/],
      ['[1, 2]', /not a trainer state/],
      [JSON.stringify({ ...state(2), epochsCompleted: 'two' }), /"epochsCompleted" should be/],
      [JSON.stringify({ ...state(2), records: [record(1)] }), /"records" should be a list of 2/],
      [JSON.stringify({ ...state(2), best: { value: 1, epoch: 9 } }), /"best.epoch"/],
    ] as const) {
      const f = await folderWith(2);
      const file = cp(f, CHECKPOINT_FILES.state);
      writeFileSync(file, text);
      rmSync(cp(f, DIR_MANIFEST)); // as a checkpoint of an older version: the content check alone
      assert.throws(() => f.readCheckpointState(), corrupt(why), text);
      assert.throws(() => f.readCheckpointState(), corrupt(/state\.json/), text);
    }
  });

  it('a truncated optimizer.bin is refused by the manifest, and without one by the slots it must hold', async () => {
    const f = await folderWith(2);
    truncateSync(cp(f, CHECKPOINT_FILES.optimizerData), 5);
    assert.throws(
      () => f.readCheckpointState(),
      corrupt(/optimizer\.bin: 5 bytes, but manifest\.json records 12/),
    );
    rmSync(cp(f, DIR_MANIFEST));
    assert.throws(
      () => f.readCheckpointState(),
      corrupt(/optimizer\.bin: 5 bytes, but optimizer\.json describes 12/),
    );
  });

  it('a bad optimizer.json or model file is refused, naming the file', async () => {
    const f = await folderWith(1);
    rmSync(cp(f, DIR_MANIFEST));
    writeFileSync(cp(f, CHECKPOINT_FILES.optimizer), '{"format": "state", "slots": [{"name": 1}]}');
    assert.throws(() => f.readCheckpointState(), corrupt(/optimizer\.json: slot 0 should be/));
    const g = await folderWith(1);
    rmSync(cp(g, DIR_MANIFEST));
    truncateSync(cp(g, join(CHECKPOINT_FILES.model, 'weights.bin')), 4);
    assert.throws(() => g.readCheckpointState(), corrupt(/weights\.bin: 4 bytes/));
    const h = await folderWith(1);
    rmSync(cp(h, join(CHECKPOINT_FILES.model, 'model.json')));
    assert.throws(() => h.readCheckpointState(), corrupt(/model\.json: missing/));
  });

  it('checkpoint/ missing after a kill between the renames: recover() puts the new one in place', async () => {
    const f = await folderWith(2);
    const older = await folderWith(1);
    renameSync(cp(older), f.path(`.checkpoint.${DEAD_PID}.aaaaaaaa.tmp.old`));
    renameSync(cp(f), f.path(`.checkpoint.${DEAD_PID}.bbbbbbbb.tmp`));
    assert.equal(f.has(RUN_FILES.checkpoint), false);
    const r = f.recover();
    assert.ok(r.hasCheckpoint);
    assert.equal(f.readCheckpointState()?.epochsCompleted, 2);
    assert.ok(r.notes.some((n) => n.includes('new checkpoint')));
    assert.deepEqual(
      readdirSync(f.dir).filter((n) => n.startsWith('.')),
      [],
    );
  });

  it('checkpoint/ missing and the new one incomplete: the previous one is put back', async () => {
    const f = await folderWith(2);
    renameSync(cp(f), f.path(`.checkpoint.${DEAD_PID}.aaaaaaaa.tmp.old`));
    mkdirSync(f.path(`.checkpoint.${DEAD_PID}.bbbbbbbb.tmp`));
    writeFileSync(f.path(`.checkpoint.${DEAD_PID}.bbbbbbbb.tmp/state.json`), '{"epo');
    f.recover();
    assert.equal(f.readCheckpointState()?.epochsCompleted, 2);
    assert.deepEqual(
      readdirSync(f.dir).filter((n) => n.startsWith('.')),
      [],
    );
  });

  it('a checkpoint present in no complete form is refused at recovery, and nothing is removed', async () => {
    const f = await folderWith(2);
    truncateSync(cp(f, CHECKPOINT_FILES.optimizerData), 1);
    const partial = f.path(`.checkpoint.${DEAD_PID}.cccccccc.tmp`);
    mkdirSync(partial);
    assert.throws(
      () => f.recover(),
      corrupt(/no complete checkpoint to resume from: .*optimizer\.bin: 1 bytes/),
    );
    assert.ok(existsSync(partial));
  });

  it('removes orphan model folders and temporary files, and recovers a model/last left mid-swap', async () => {
    const f = await folderWith(1);
    const c = await checkpoint(1);
    f.writeModel('last', c.model, 1);
    f.writeModel('best', c.model, 1);
    const modelDir = f.path('model');
    mkdirSync(join(modelDir, `.last.${DEAD_PID}.dddddddd.tmp.old`));
    mkdirSync(join(modelDir, `.best.${DEAD_PID}.eeeeeeee.tmp`));
    renameSync(f.path(RUN_FILES.bestModel), join(modelDir, `.best.${DEAD_PID}.ffffffff.tmp.old`));
    writeFileSync(f.path(`.run.json.${DEAD_PID}.01234567.tmp`), '{"id"');
    const r = f.recover();
    assert.deepEqual(readdirSync(modelDir).sort(), ['best', 'last']);
    assert.deepEqual(r.modelEpochs, { best: 1, last: 1 });
    assert.deepEqual(
      readdirSync(f.dir).filter((n) => n.startsWith('.')),
      [],
    );
  });

  it('removes what a crash left of a model that was never complete (its first write cut short)', async () => {
    const f = await folderWith(1);
    const modelDir = f.path('model');
    // Killed while writing the first model/best: files in a temporary folder, never sealed.
    mkdirSync(join(modelDir, `.best.${DEAD_PID}.abababab.tmp`), { recursive: true });
    writeFileSync(join(modelDir, `.best.${DEAD_PID}.abababab.tmp`, 'model.json'), '{}');
    const r = f.recover();
    assert.deepEqual(readdirSync(modelDir), []);
    assert.ok(r.notes.some((n) => n.startsWith('removed the leftover') && n.includes('.best.')));
    assert.equal(r.modelEpochs.best, undefined);
  });

  it('parseTrainerState accepts what the trainer writes', () => {
    assert.deepEqual(parseTrainerState(state(3), 'x'), state(3));
  });

  it('the epochs of metrics.jsonl the checkpoint has not (beyond it, or different) are found', () => {
    const recorded = [record(1), record(2), record(3)];
    assert.deepEqual(epochsBeyond(recorded, state(3)), []);
    assert.deepEqual(epochsBeyond(recorded, state(1)), [record(2), record(3)]);
    assert.deepEqual(epochsBeyond([{ ...record(1), loss: 9 }], state(1)), [{ ...record(1), loss: 9 }]);
  });
});
