import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useInspectionBackend } from '../../src/backend/index.js';
import type { EncodedPairs } from '../../src/data/encode.js';
import { TrainingError } from '../../src/errors.js';
import { batchInputs, inputsFor } from '../../src/train/predict.js';

const separate: EncodedPairs = {
  pair: 'separate',
  inputs: [Int32Array.from([1, 2, 3, 4]), Int32Array.from([5, 6, 7, 8])],
  sequenceLength: 2,
  count: 2,
  labels: null,
  ids: ['a', 'b'],
  swapped: new Uint8Array(2),
  features: Float32Array.from([0.5, 1.5, 2.5, 3.5, 4.5, 5.5]),
  featureCount: 3,
  exactMatch: [Float32Array.from([1, 0, 0, 1]), Float32Array.from([0, 1, 1, 1])],
};

describe('inputsFor and batchInputs', () => {
  it('feed each model input by its name, in the model’s order', async () => {
    await useInspectionBackend();
    const inputs = inputsFor(separate, ['features', 'question2', 'exactMatch1', 'question1']);
    assert.deepEqual(
      inputs.map((i) => i.name),
      ['features', 'question2', 'exactMatch1', 'question1'],
    );
    const [f, q2, m1, q1] = batchInputs(inputs, [1, 0], 0, 2);
    assert.deepEqual(q1!.arraySync(), [
      [3, 4],
      [1, 2],
    ]);
    assert.deepEqual(q2!.arraySync(), [
      [7, 8],
      [5, 6],
    ]);
    assert.equal(q1!.dtype, 'int32');
    assert.equal(f!.dtype, 'float32');
    assert.deepEqual(f!.arraySync(), [
      [3.5, 4.5, 5.5],
      [0.5, 1.5, 2.5],
    ]);
    assert.equal(m1!.dtype, 'float32');
    assert.deepEqual(m1!.arraySync(), [
      [0, 1],
      [1, 0],
    ]);
  });

  it('refuses an input the data does not have, saying which and what gives it', () => {
    const plain: EncodedPairs = { ...separate };
    delete plain.exactMatch;
    assert.throws(
      () => inputsFor(plain, ['question1', 'exactMatch1']),
      (err: unknown) =>
        err instanceof TrainingError &&
        /"exactMatch1"/.test(err.message) &&
        err.suggestions.some((s) => s.includes('data.features.exactMatch')),
    );
    assert.throws(() => inputsFor(separate, ['pair']), /"pair"/);
  });
});
