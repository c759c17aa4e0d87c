import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useInspectionBackend } from '../../src/backend/index.js';
import type { EncodedPairs } from '../../src/data/encode.js';
import { TrainingError } from '../../src/errors.js';
import { batchInputs } from '../../src/train/predict.js';

const separate: EncodedPairs = {
  pair: 'separate',
  inputs: [Int32Array.from([1, 2, 3, 4]), Int32Array.from([5, 6, 7, 8])],
  sequenceLength: 2,
  count: 2,
  labels: null,
  ids: ['a', 'b'],
  swapped: new Uint8Array(2),
  namedInputs: { features: { values: Float32Array.from([0.5, 1.5, 2.5, 3.5, 4.5, 5.5]), width: 3 } },
};

describe('batchInputs', () => {
  it('feeds each model input by its name, in the model’s order', async () => {
    await useInspectionBackend();
    const [f, q2, q1] = batchInputs(separate, ['features', 'question2', 'question1'], [1, 0], 0, 2);
    assert.deepEqual(q1!.arraySync(), [
      [3, 4],
      [1, 2],
    ]);
    assert.deepEqual(q2!.arraySync(), [
      [7, 8],
      [5, 6],
    ]);
    assert.equal(f!.dtype, 'float32');
    assert.deepEqual(f!.arraySync(), [
      [3.5, 4.5, 5.5],
      [0.5, 1.5, 2.5],
    ]);
  });

  it('refuses an input the data does not have, saying which', async () => {
    await useInspectionBackend();
    assert.throws(
      () => batchInputs(separate, ['exactMatch1'], [0], 0, 1),
      (err: unknown) => err instanceof TrainingError && /"exactMatch1"/.test(err.message),
    );
    assert.throws(() => batchInputs(separate, ['pair'], [0], 0, 1), /"pair"/);
  });
});
