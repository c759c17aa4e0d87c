import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { clustersOf } from '../../src/dedupe/clusters.js';
import {
  CLUSTER_COLUMNS,
  dedupe,
  findDuplicates,
  PAIR_COLUMNS,
  type QueryResult,
} from '../../src/dedupe/dedupe.js';
import { encoderScorer, modelScorer, splitSiamese } from '../../src/dedupe/scorer.js';
import { QqpError } from '../../src/errors.js';
import { openPredictor, type Predictor } from '../../src/eval/predictor.js';
import { makeTinyRuns, syntheticQuestions, type TinyRuns } from './fixture.js';

let runs: TinyRuns;
let siamese: Predictor;
let sequential: Predictor;
const CORPUS = syntheticQuestions(120);
const QUERIES = [...syntheticQuestions(15, 200), CORPUS[7]!];

before(async () => {
  runs = await makeTinyRuns();
  siamese = await openPredictor({ run: runs.siamese, experimentsDir: runs.experimentsDir, backend: 'cpu' });
  sequential = await openPredictor({
    run: runs.sequential,
    experimentsDir: runs.experimentsDir,
    backend: 'cpu',
  });
});

after(() => {
  siamese?.dispose();
  sequential?.dispose();
  if (runs) rmSync(runs.tmp, { recursive: true, force: true });
});

const all = (blocks: Iterable<QueryResult[]>): QueryResult[] => [...blocks].flat();

function closeTo(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let k = 0; k < actual.length; k++) {
    assert.ok(Math.abs(actual[k]! - expected[k]!) <= tol, `pair ${k}: ${actual[k]} vs ${expected[k]}`);
  }
}

describe('the siamese encoder split', () => {
  it('only a siamese model splits into an encoder and a head', () => {
    assert.notEqual(splitSiamese(siamese.model), null);
    assert.equal(splitSiamese(sequential.model), null);
    assert.equal(encoderScorer(sequential, CORPUS, CORPUS), null);
  });

  it("encoding each question once and running the head per pair gives the whole model's probabilities", () => {
    const a = [0, 1, 2, 50, 119, 3, 3];
    const b = [1, 0, 99, 51, 0, 3, 110];
    const fast = encoderScorer(siamese, CORPUS, CORPUS, { batchSize: 16 })!;
    assert.equal(fast.method, 'encoder');
    closeTo(fast.score(a, b), modelScorer(siamese, CORPUS, CORPUS).score(a, b));
    // Split twice (another scorer on the same model): still the same.
    const again = encoderScorer(siamese, QUERIES, CORPUS)!;
    closeTo(again.score([0, 15], [4, 7]), modelScorer(siamese, QUERIES, CORPUS).score([0, 15], [4, 7]));
  });
});

describe('findDuplicates', () => {
  it("a corpus against itself: each pair scored once, with the whole model's probability, whatever the block size", () => {
    const big = findDuplicates(siamese, CORPUS, CORPUS, {
      topK: 50,
      candidates: 8,
      blockSize: 1024,
      retrievers: ['lexical', 'encoder'],
    });
    const byBlock = all(big.results());
    const small = findDuplicates(siamese, CORPUS, CORPUS, {
      topK: 50,
      candidates: 8,
      blockSize: 7,
      retrievers: ['lexical', 'encoder'],
    });
    const byBlockSmall = all(small.results());
    assert.deepEqual(byBlockSmall, byBlock);
    assert.deepEqual(big.retrievers, ['lexical', 'encoder']);
    const unordered = new Set<string>();
    const a: number[] = [];
    const b: number[] = [];
    const probs: number[] = [];
    for (const r of byBlock) {
      assert.ok(r.candidates.length > 0 && r.candidates.length <= 16);
      for (const c of r.candidates) {
        assert.notEqual(c.index, r.query, 'a question is never its own candidate');
        unordered.add(`${Math.min(r.query, c.index)},${Math.max(r.query, c.index)}`);
        a.push(Math.min(r.query, c.index));
        b.push(Math.max(r.query, c.index));
        probs.push(c.probability);
      }
    }
    assert.equal(big.scored(), unordered.size);
    assert.equal(small.scored(), unordered.size);
    closeTo(probs, modelScorer(siamese, CORPUS, CORPUS).score(a, b));
    big.dispose();
    small.dispose();
  });

  it('new queries against a corpus: the query that is a corpus question finds it first by BM25', () => {
    const f = findDuplicates(sequential, QUERIES, CORPUS, { topK: 5, candidates: 10, rank: 'lexical' });
    assert.equal(f.scorer, 'model');
    assert.deepEqual(f.retrievers, ['lexical']);
    const results = all(f.results());
    assert.equal(results.length, QUERIES.length);
    assert.equal(results.at(-1)!.candidates[0]!.index, 7);
    for (const r of results) {
      const expected = sequential.probabilities(
        r.candidates.map((c) => ({ question1: QUERIES[r.query]!, question2: CORPUS[c.index]! })),
      );
      closeTo(
        r.candidates.map((c) => c.probability),
        expected,
      );
    }
  });

  it('asking for encoder retrieval from a model without an encoder is refused', () => {
    assert.throws(
      () => findDuplicates(sequential, CORPUS, CORPUS, { retrievers: ['encoder'] }),
      (err: unknown) => err instanceof QqpError && err.code === 'DEDUPE_NO_ENCODER',
    );
  });
});

describe('dedupe (files in, CSV out)', () => {
  let corpusFile: string;
  before(() => {
    corpusFile = join(runs.tmp, 'corpus.csv');
    writeFileSync(
      corpusFile,
      `id,question\n${CORPUS.map((q, i) => `q${i},"${q.replace(/"/g, '""')}"`).join('\n')}\n`,
    );
  });
  const common = () => ({ run: runs.siamese, experimentsDir: runs.experimentsDir, backend: 'cpu' as const });

  it('writes the pairs and the clusters; the same run and corpus give the same bytes', async () => {
    const outs = [0, 1].map((k) => ({
      out: join(runs.tmp, `pairs-${k}.csv`),
      clusters: join(runs.tmp, `clusters-${k}.csv`),
    }));
    // A threshold that splits this tiny model's probabilities (its 80th percentile in a first pass).
    const probe = join(runs.tmp, 'probe.csv');
    await dedupe({ ...common(), data: corpusFile, topK: 3, out: probe });
    const probs = (parse(readFileSync(probe, 'utf8'), { columns: true }) as Record<string, string>[])
      .map((x) => Number(x.probability))
      .sort((x, y) => x - y);
    // Halfway between two printed values, so that rounding in the file cannot cross it.
    const low = probs[Math.floor(probs.length * 0.8)]!;
    const threshold = (low + probs.find((p) => p > low)!) / 2;
    const results = [];
    for (const o of outs)
      results.push(await dedupe({ ...common(), data: corpusFile, topK: 3, threshold, ...o }));
    assert.equal(readFileSync(outs[0]!.out, 'utf8'), readFileSync(outs[1]!.out, 'utf8'));
    assert.equal(readFileSync(outs[0]!.clusters, 'utf8'), readFileSync(outs[1]!.clusters, 'utf8'));
    const r = results[0]!;
    assert.equal(r.status, 'completed');
    const rows = parse(readFileSync(outs[0]!.out, 'utf8'), { columns: true }) as Record<string, string>[];
    assert.deepEqual(Object.keys(rows[0]!), [...PAIR_COLUMNS]);
    assert.equal(rows.length, r.pairs);
    assert.ok(rows.every((x) => Number(x.rank) >= 1 && Number(x.rank) <= 3));
    const dups = rows.filter((x) => Number(x.probability) >= threshold);
    assert.ok(dups.length > 0 && dups.length < rows.length);
    assert.ok(rows.every((x) => x.duplicate === (Number(x.probability) >= threshold ? '1' : '0')));
    assert.equal(r.duplicatePairs, dups.length);
    // The clusters are the connected components of the pairs at or above the threshold.
    const index = new Map(CORPUS.map((_, i) => [`q${i}`, i]));
    const expected = clustersOf(
      CORPUS.length,
      dups.map((x) => [index.get(x.query_id!)!, index.get(x.candidate_id!)!] as const),
    );
    const clusterRows = parse(readFileSync(outs[0]!.clusters, 'utf8'), { columns: true }) as Record<
      string,
      string
    >[];
    assert.deepEqual(Object.keys(clusterRows[0] ?? Object.fromEntries(CLUSTER_COLUMNS.map((c) => [c, '']))), [
      ...CLUSTER_COLUMNS,
    ]);
    const got: number[][] = [];
    for (const x of clusterRows) {
      const k = Number(x.cluster) - 1;
      if (got[k] === undefined) got[k] = [];
      got[k]!.push(index.get(x.id!)!);
      assert.equal(x.question, CORPUS[index.get(x.id!)!]);
    }
    assert.deepEqual(got, expected);
    assert.equal(r.clusters?.count, expected.length);
    assert.ok(expected.length > 0);
  });

  it('an existing --out is refused unless --force; an interrupted run writes nothing', async () => {
    const out = join(runs.tmp, 'kept.csv');
    writeFileSync(out, 'precious\n');
    await assert.rejects(
      dedupe({ ...common(), data: corpusFile, out }),
      (err: unknown) => err instanceof QqpError && err.code === 'DEDUPE_OUT_EXISTS',
    );
    assert.equal(readFileSync(out, 'utf8'), 'precious\n');
    const controller = new AbortController();
    controller.abort();
    const fresh = join(runs.tmp, 'never.csv');
    const r = await dedupe({ ...common(), data: corpusFile, out: fresh, signal: controller.signal });
    assert.equal(r.status, 'interrupted');
    assert.equal(existsSync(fresh), false);
    const forced = await dedupe({
      ...common(),
      data: corpusFile,
      out,
      force: true,
      onlyDuplicates: true,
      threshold: 0.99,
    });
    assert.equal(forced.status, 'completed');
    const rows = parse(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
    assert.equal(rows.length, forced.pairs);
    assert.ok(rows.every((x) => x.duplicate === '1'));
  });
});
