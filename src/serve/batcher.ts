import type { QuestionPair } from '../eval/pairs.js';

/** What the batcher needs of a Predictor (src/eval/predictor.ts): probabilities of pairs, in order. */
export interface ProbabilitySource {
  probabilities(pairs: readonly QuestionPair[], batchSize?: number): Float32Array;
}

export interface BatcherOptions {
  /** Pairs per predictor call: a queue this long is flushed at once (a larger request is one call alone). */
  maxBatch: number;
  /** How a flush is put off to the next turn of the event loop (tests may pass their own). */
  defer?: (flush: () => void) => void;
}

/** What the batcher has done so far: requests answered, pairs scored, predictor calls made. */
export interface BatcherStats {
  requests: number;
  pairs: number;
  calls: number;
}

interface Pending {
  pairs: readonly QuestionPair[];
  resolve: (probabilities: Float32Array) => void;
  reject: (err: unknown) => void;
}

/**
 * Gathers the pairs of concurrent requests into one predictor call (one model run is much cheaper
 * than many small ones). A request's pairs join the queue; the queue is flushed when it holds
 * `maxBatch` pairs, else on the next turn of the event loop (setImmediate), after the requests
 * that arrived together have all been queued. No timer: nothing waits longer than the turn.
 * Each request gets its own slice of the probabilities, in its own order.
 */
export class MicroBatcher {
  readonly maxBatch: number;
  private readonly source: ProbabilitySource;
  private readonly defer: (flush: () => void) => void;
  private queue: Pending[] = [];
  private queuedPairs = 0;
  private scheduled = false;
  private readonly counts: BatcherStats = { requests: 0, pairs: 0, calls: 0 };

  constructor(source: ProbabilitySource, options: BatcherOptions) {
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) {
      throw new RangeError(`maxBatch must be an integer >= 1 (got ${options.maxBatch})`);
    }
    this.source = source;
    this.maxBatch = options.maxBatch;
    this.defer = options.defer ?? ((flush) => setImmediate(flush));
  }

  get stats(): BatcherStats {
    return { ...this.counts };
  }

  /** Pairs waiting for the next flush. */
  get pending(): number {
    return this.queuedPairs;
  }

  /** P(duplicate) of each pair, scored with whatever else is queued in this turn. */
  probabilities(pairs: readonly QuestionPair[]): Promise<Float32Array> {
    if (pairs.length === 0) return Promise.resolve(new Float32Array(0));
    return new Promise((resolve, reject) => {
      this.queue.push({ pairs, resolve, reject });
      this.queuedPairs += pairs.length;
      if (this.queuedPairs >= this.maxBatch) this.flushOne();
      else this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    this.defer(() => {
      this.scheduled = false;
      this.flushOne();
    });
  }

  /**
   * Scores one batch: queued requests in order while they fit in maxBatch (always at least one);
   * what is left waits for the next turn, so other work (a health check, reading sockets) gets in.
   */
  private flushOne(): void {
    const batch: Pending[] = [];
    let size = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (batch.length > 0 && size + next.pairs.length > this.maxBatch) break;
      batch.push(next);
      size += next.pairs.length;
      this.queue.shift();
    }
    this.queuedPairs -= size;
    if (batch.length > 0) this.run(batch, size);
    this.schedule();
  }

  private run(batch: Pending[], size: number): void {
    const pairs = batch.length === 1 ? batch[0]!.pairs : batch.flatMap((p) => p.pairs);
    let probabilities: Float32Array;
    try {
      this.counts.calls++;
      probabilities = this.source.probabilities(pairs, this.maxBatch);
      if (probabilities.length !== size) {
        throw new Error(`the predictor returned ${probabilities.length} probabilities for ${size} pairs`);
      }
    } catch (err) {
      // One request's failure must not fail the others it happened to share a batch with: score
      // each alone, so only the one that fails again gets the error.
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      for (const p of batch) this.run([p], p.pairs.length);
      return;
    }
    let start = 0;
    for (const p of batch) {
      const end = start + p.pairs.length;
      this.counts.requests++;
      this.counts.pairs += p.pairs.length;
      p.resolve(probabilities.slice(start, end));
      start = end;
    }
  }
}
