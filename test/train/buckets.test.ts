import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { loadConfig } from '../../src/config/load.js';
import type { EncodedPairs, NamedInput } from '../../src/data/encode.js';
import { TrainingError } from '../../src/errors.js';
import { buildModel } from '../../src/model/build.js';
import { RUN_FILES } from '../../src/runs/folder.js';
import {
  BUCKET_WINDOW,
  batchLength,
  bucketingDifference,
  bucketOrder,
  cutInputs,
  questionLengths,
} from '../../src/train/buckets.js';
import { bufferedShuffle } from '../../src/train/random.js';
import { train } from '../../src/train/trainer.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

/**
 * Length bucketing (training.bucketByLength, src/train/buckets.ts): the questions' lengths under
 * either padding, the bucketed order (a permutation, batches of similar length, seeded, a short
 * last batch kept last), inputs cut to a batch's longest question (the separator moved with the
 * halves, exact-match bits cut with their question, pair features whole), a masking model that
 * computes the same on cut batches and one without masks that does not, and the trainer: a masking
 * model trains with it, repeatably; one without masks is refused at the field's line.
 */

const TINY = join(PROJECT_ROOT, 'test', 'fixtures', 'configs', 'tiny.yaml');

/** Pairs of the given question lengths, ids 3.. in order, encoded with maxLength M. */
function encoded(
  pair: 'concat' | 'separate',
  M: number,
  lengths: [number, number][],
  padding: 'pre' | 'post',
): EncodedPairs {
  const L = pair === 'concat' ? 2 * M + 1 : M;
  const q = (n: number, base: number) => {
    const ids = Array.from({ length: n }, (_, i) => base + i);
    const pad = Array<number>(M - n).fill(0);
    return padding === 'pre' ? [...pad, ...ids] : [...ids, ...pad];
  };
  const rows = lengths.map(([a, b], r) => [q(a, 3 + 100 * r), q(b, 53 + 100 * r)] as const);
  const inputs =
    pair === 'concat'
      ? [Int32Array.from(rows.flatMap(([a, b]) => [...a, 2, ...b]))]
      : [Int32Array.from(rows.flatMap(([a]) => a)), Int32Array.from(rows.flatMap(([, b]) => b))];
  return {
    pair,
    inputs,
    sequenceLength: L,
    count: lengths.length,
    labels: Float32Array.from(lengths, (_, i) => i % 2),
    ids: lengths.map((_, i) => String(i)),
    swapped: new Uint8Array(lengths.length),
  };
}

describe('questionLengths', () => {
  for (const padding of ['pre', 'post'] as const) {
    it(`measures both questions of concat and separate pairs (padding ${padding})`, () => {
      const lengths: [number, number][] = [
        [3, 5],
        [0, 6],
        [6, 1],
      ];
      for (const pair of ['concat', 'separate'] as const) {
        assert.deepEqual(
          [...questionLengths(encoded(pair, 6, lengths, padding), padding)],
          lengths.flat(),
          pair,
        );
      }
    });
  }
});

describe('bucketOrder', () => {
  const n = 16 * BUCKET_WINDOW * 2 + 5;
  const lengths = new Uint16Array(2 * n);
  for (let r = 0; r < n; r++) {
    lengths[2 * r] = 1 + ((r * 7919) % 20);
    lengths[2 * r + 1] = 1 + ((r * 104729) % 20);
  }
  const shuffled = bufferedShuffle(n, n, 11);
  const spread = (order: Uint32Array) => {
    let sum = 0;
    let batches = 0;
    for (let start = 0; start + 16 <= n; start += 16) {
      const ls = Array.from(order.subarray(start, start + 16), (r) =>
        Math.max(lengths[2 * r]!, lengths[2 * r + 1]!),
      );
      sum += Math.max(...ls) - Math.min(...ls);
      batches++;
    }
    return sum / batches;
  };

  it('is a permutation whose batches hold questions of similar length', () => {
    const order = bucketOrder(shuffled, lengths, 16, 5);
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      Array.from({ length: n }, (_, i) => i),
    );
    assert.ok(spread(order) <= 1, `length spread inside a batch ${spread(order)}`);
    assert.ok(spread(shuffled) > 5, `unbucketed spread ${spread(shuffled)}`);
  });

  it('keeps the short last batch last, and repeats for a seed', () => {
    const a = bucketOrder(shuffled, lengths, 16, 5);
    assert.deepEqual([...a.subarray(n - 5)].sort(), [...shuffled.subarray(n - 5)].sort(), 'the last 5 rows');
    assert.deepEqual(a, bucketOrder(shuffled, lengths, 16, 5));
    assert.notDeepEqual(a, bucketOrder(shuffled, lengths, 16, 6));
  });
});

describe('cutInputs', () => {
  it('cuts concat pairs to the longest question, the separator between the halves (pre and post)', () => {
    for (const padding of ['pre', 'post'] as const) {
      const data = encoded('concat', 6, [[2, 1]], padding);
      const input: NamedInput = { name: 'pair', values: data.inputs[0]!, width: 13, dtype: 'int32' };
      const [cut] = cutInputs([input], [0], 0, 1, 2, padding);
      const expected = padding === 'pre' ? [3, 4, 2, 0, 53] : [3, 4, 2, 53, 0];
      assert.deepEqual([...cut!.values], expected, padding);
      assert.equal(cut!.width, 5);
    }
  });

  it('cuts questions and exact-match bits alike, and leaves pair features whole', () => {
    const data = encoded(
      'separate',
      5,
      [
        [2, 3],
        [1, 1],
      ],
      'pre',
    );
    const inputs: NamedInput[] = [
      { name: 'question1', values: data.inputs[0]!, width: 5, dtype: 'int32' },
      {
        name: 'exactMatch1',
        values: Float32Array.from(data.inputs[0]!, (v) => (v ? 1 : 0)),
        width: 5,
        dtype: 'float32',
      },
      { name: 'features', values: Float32Array.from([1, 2, 3, 4]), width: 2, dtype: 'float32' },
    ];
    const lengths = questionLengths(data, 'pre');
    const L = batchLength(lengths, [1, 0], 0, 2);
    assert.equal(L, 3);
    const [q1, em1, features] = cutInputs(inputs, [1, 0], 0, 2, L, 'pre');
    assert.deepEqual([...q1!.values], [0, 0, 103, 0, 3, 4]);
    assert.deepEqual([...em1!.values], [0, 0, 1, 0, 1, 1]);
    assert.deepEqual([...features!.values], [3, 4, 1, 2]);
  });
});

describe('bucketingDifference', () => {
  it('is a rounding for a model that masks its padding, and large for one that does not', async () => {
    await initBackend('cpu');
    const data = encoded(
      'concat',
      8,
      [
        [2, 3],
        [1, 1],
        [4, 2],
        [3, 3],
      ],
      'pre',
    );
    const lengths = questionLengths(data, 'pre');
    const difference = (maskZero: boolean) => {
      const { config } = loadConfig(TINY, {
        overrides: [`model.layers[0].maskZero=${maskZero}`, 'model.layers[1].implementation=fused'],
      });
      const model = buildModel(config, { vocabSize: 500 });
      try {
        return bucketingDifference(model, data, lengths, 'pre');
      } finally {
        model.dispose();
      }
    };
    assert.ok(difference(true) <= 1e-6, `masked: ${difference(true)}`);
    assert.ok(difference(false) > 1e-4, `unmasked: ${difference(false)}`);
  });
});

describe('training with bucketByLength', () => {
  const tmp = () => mkdtempSync(join(tmpdir(), 'qqp-buckets-'));

  it('trains a masking model, the same twice, on another order than without', async () => {
    const overrides = ['model.layers[0].maskZero=true', 'training.epochs=2', 'data.encoding.maxLength=30'];
    const run = (bucket: boolean) =>
      train({
        experimentsDir: tmp(),
        loaded: loadConfig(TINY, { overrides: [...overrides, `training.bucketByLength=${bucket}`] }),
        backend: 'cpu',
      });
    const a = await run(true);
    const b = await run(true);
    const c = await run(false);
    assert.equal(a.status, 'completed');
    const weights = (r: { dir: string }) => readFileSync(join(r.dir, RUN_FILES.lastModel, 'weights.bin'));
    assert.ok(weights(a).equals(weights(b)), 'repeatable');
    assert.ok(!weights(a).equals(weights(c)), 'another order than without');
  });

  it('refuses a model that does not mask its padding, at the field’s line', async () => {
    const dir = tmp();
    const file = join(dir, 'bucket.yaml');
    writeFileSync(
      file,
      `extends: ${TINY}\ndata:\n  encoding: { maxLength: 30 }\ntraining:\n  epochs: 1\n  bucketByLength: true\n`,
    );
    await assert.rejects(
      train({ experimentsDir: dir, loaded: loadConfig(file), backend: 'cpu' }),
      (err: unknown) => {
        assert.ok(err instanceof TrainingError);
        assert.equal(err.code, 'BUCKETING_NOT_EXACT');
        assert.match(err.message, /does not mask its padding/);
        assert.equal(err.problems[0]?.line, 6);
        assert.match(err.suggestions.join(' '), /maskZero: true/);
        return true;
      },
    );
  });
});
