import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { QuestionPair } from '../../src/eval/pairs.js';
import { MicroBatcher, type ProbabilitySource } from '../../src/serve/batcher.js';

/** A predictor whose probability of a pair is read from its first question ("0.25"), recording calls. */
function fakePredictor(fail?: (pairs: readonly QuestionPair[]) => boolean) {
  const calls: QuestionPair[][] = [];
  const source: ProbabilitySource = {
    probabilities(pairs) {
      calls.push([...pairs]);
      if (fail?.(pairs)) throw new Error('the model failed');
      return Float32Array.from(pairs, (p) => Number(p.question1));
    },
  };
  return { source, calls };
}

const pairs = (...values: number[]): QuestionPair[] =>
  values.map((v) => ({ question1: String(v), question2: 'x' }));

/** A defer the test runs by hand: flushes happen exactly when the test says. */
function manualDefer() {
  const queued: (() => void)[] = [];
  return {
    defer: (f: () => void) => {
      queued.push(f);
    },
    runAll: () => {
      while (queued.length > 0) queued.shift()!();
    },
    get waiting() {
      return queued.length;
    },
  };
}

describe('MicroBatcher', () => {
  it('serves concurrent requests with one predictor call, each its own slice in order', async () => {
    const { source, calls } = fakePredictor();
    const batcher = new MicroBatcher(source, { maxBatch: 256 });
    const answers = await Promise.all([
      batcher.probabilities(pairs(0.5)),
      batcher.probabilities(pairs(0.125, 0.25, 0.375)),
      batcher.probabilities(pairs(0.75, 1)),
    ]);
    assert.equal(calls.length, 1);
    assert.deepEqual(
      calls[0]!.map((p) => p.question1),
      ['0.5', '0.125', '0.25', '0.375', '0.75', '1'],
    );
    assert.deepEqual(
      answers.map((a) => [...a]),
      [[0.5], [0.125, 0.25, 0.375], [0.75, 1]],
    );
    assert.deepEqual(batcher.stats, { requests: 3, pairs: 6, calls: 1 });
  });

  it('waits for the next turn, not for a timer: nothing is scored until the deferred flush runs', async () => {
    const { source, calls } = fakePredictor();
    const clock = manualDefer();
    const batcher = new MicroBatcher(source, { maxBatch: 10, defer: clock.defer });
    const a = batcher.probabilities(pairs(0.5));
    const b = batcher.probabilities(pairs(0.25));
    assert.equal(calls.length, 0);
    assert.equal(batcher.pending, 2);
    assert.equal(clock.waiting, 1, 'one flush scheduled for both');
    clock.runAll();
    assert.equal(calls.length, 1);
    assert.deepEqual([...(await a), ...(await b)], [0.5, 0.25]);
  });

  it('flushes at once when the queue reaches maxBatch, and keeps the rest for the next turn', async () => {
    const { source, calls } = fakePredictor();
    const clock = manualDefer();
    const batcher = new MicroBatcher(source, { maxBatch: 4, defer: clock.defer });
    const a = batcher.probabilities(pairs(0.125, 0.25));
    const b = batcher.probabilities(pairs(0.375, 0.5)); // 4 queued: flushed now
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.length, 4);
    const c = batcher.probabilities(pairs(0.625, 0.75, 0.875));
    const d = batcher.probabilities(pairs(1, 0)); // 5 queued: c (3) fits, then d would not
    assert.equal(calls.length, 2);
    assert.equal(calls[1]!.length, 3);
    assert.equal(batcher.pending, 2);
    clock.runAll();
    assert.equal(calls.length, 3);
    assert.deepEqual(
      [await a, await b, await c, await d].map((x) => [...x]),
      [
        [0.125, 0.25],
        [0.375, 0.5],
        [0.625, 0.75, 0.875],
        [1, 0],
      ],
    );
  });

  it('scores a request larger than maxBatch in one call of its own', async () => {
    const { source, calls } = fakePredictor();
    const batcher = new MicroBatcher(source, { maxBatch: 2 });
    const big = pairs(0.125, 0.25, 0.375, 0.5, 0.625);
    assert.deepEqual([...(await batcher.probabilities(big))], [0.125, 0.25, 0.375, 0.5, 0.625]);
    assert.equal(calls.length, 1);
  });

  it('fails only the request the model fails on, not the others of its batch', async () => {
    const { source, calls } = fakePredictor((ps) => ps.some((p) => p.question1 === '0.5'));
    const batcher = new MicroBatcher(source, { maxBatch: 256 });
    const results = await Promise.allSettled([
      batcher.probabilities(pairs(0.25)),
      batcher.probabilities(pairs(0.5)),
      batcher.probabilities(pairs(0.75)),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual([...(results[0] as PromiseFulfilledResult<Float32Array>).value], [0.25]);
    assert.deepEqual([...(results[2] as PromiseFulfilledResult<Float32Array>).value], [0.75]);
    assert.match(String((results[1] as PromiseRejectedResult).reason), /the model failed/);
    assert.equal(calls.length, 4, 'the batch, then each request alone');
    // And it keeps serving.
    assert.deepEqual([...(await batcher.probabilities(pairs(0.125)))], [0.125]);
  });

  it('answers an empty request without calling the model, and refuses a maxBatch below 1', async () => {
    const { source, calls } = fakePredictor();
    const batcher = new MicroBatcher(source, { maxBatch: 8 });
    assert.equal((await batcher.probabilities([])).length, 0);
    assert.equal(calls.length, 0);
    assert.throws(() => new MicroBatcher(source, { maxBatch: 0 }), /maxBatch must be an integer >= 1/);
  });
});
