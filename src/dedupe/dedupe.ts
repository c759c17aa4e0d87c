/**
 * `qqp dedupe`: for each question of a corpus (or each question of a query file), candidates are
 * retrieved (BM25 over the corpus; for a siamese model also the nearest encodings), scored by the
 * run's model, and the top k written as pairs with their probabilities; optionally the clusters of
 * duplicates (connected components of the pairs at or above the threshold). Queries run in blocks,
 * so memory stays bounded by the corpus and a block; the same run and files give the same output.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BackendRequest } from '../backend/index.js';
import { DataError, UsageError } from '../errors.js';
import { checkThreshold, csvField, DEFAULT_THRESHOLD, formatProbability } from '../eval/predict.js';
import { openPredictor, type Predictor } from '../eval/predictor.js';
import type { RunRef } from '../runs/records.js';
import { type AtomicTextFile, openTextFileAtomic } from '../util/atomic.js';
import { clustersOf } from './clusters.js';
import { type Corpus, readCorpus } from './corpus.js';
import { LexicalIndex, type LexicalOptions } from './lexical.js';
import { VectorIndex } from './neighbours.js';
import {
  DEFAULT_RANK,
  DEFAULT_RETRIEVERS,
  RANKINGS,
  type Ranking,
  RETRIEVERS,
  type Retriever,
} from './options.js';
import { encoderScorer, modelScorer, type PairScorer } from './scorer.js';

export { DEFAULT_RANK, DEFAULT_RETRIEVERS, RANKINGS, type Ranking, RETRIEVERS, type Retriever };

const RRF_K = 60;

/** The candidates in the order `rank` asks for (ties in corpus order). */
export function ranked(list: readonly Candidate[], rank: Ranking, perRetriever: number): Candidate[] {
  const byModel = [...list].sort((x, y) => y.probability - x.probability || x.index - y.index);
  if (rank === 'model') return byModel;
  const lex = (c: Candidate) => c.lexicalRank ?? perRetriever + 1;
  if (rank === 'lexical') {
    return [...list].sort((x, y) => lex(x) - lex(y) || y.probability - x.probability || x.index - y.index);
  }
  const modelRank = new Map(byModel.map((c, k) => [c.index, k + 1]));
  const fused = (c: Candidate) => 1 / (RRF_K + modelRank.get(c.index)!) + 1 / (RRF_K + lex(c));
  return [...list].sort((x, y) => fused(y) - fused(x) || x.index - y.index);
}

export interface FindOptions {
  /** Pairs kept for each query, best first (default 10). */
  topK?: number;
  /** Candidates each retriever gives a query, scored by the model (default 30). */
  candidates?: number;
  /** Which retrievers to use (default: lexical). */
  retrievers?: readonly Retriever[];
  lexical?: LexicalOptions;
  /** How the candidates of a query are ordered (default `lexical`, the best measured on real rows). */
  rank?: Ranking;
  /** Queries per block (retrieved and scored together; default 1024). */
  blockSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: DedupeProgress) => void;
}

export interface DedupeProgress {
  phase: 'encoding' | 'indexing' | 'searching';
  done: number;
  total: number;
}

export interface Candidate {
  /** Index into the corpus. */
  index: number;
  probability: number;
  /** Which retrievers proposed it. */
  retrieved: Retriever[];
  /** Its place (1 = best) in BM25's list for the query, or null when BM25 did not propose it. */
  lexicalRank: number | null;
}

export interface QueryResult {
  /** Index of the query (into the queries; into the corpus when it is searched against itself). */
  query: number;
  /** The top k candidates, most probable first (ties in corpus order). */
  candidates: Candidate[];
}

export interface Finder {
  scorer: PairScorer['method'];
  retrievers: Retriever[];
  /** Pairs the model scored (a pair met twice in a corpus searched against itself is scored once). */
  scored(): number;
  results(): Generator<QueryResult[]>;
  dispose(): void;
}

/**
 * Candidate duplicates in `corpus` of each of `queries` (or of each corpus question, against the
 * others, when `queries` is `corpus` itself), in blocks.
 */
export function findDuplicates(
  predictor: Predictor,
  queries: readonly string[],
  corpus: readonly string[],
  options: FindOptions = {},
): Finder {
  const self = queries === corpus;
  const topK = options.topK ?? 10;
  const perRetriever = options.candidates ?? 30;
  const blockSize = options.blockSize ?? 1024;
  const progress = options.onProgress ?? (() => {});
  const wanted = options.retrievers ?? DEFAULT_RETRIEVERS;
  const rank = options.rank ?? DEFAULT_RANK;
  const total = self ? corpus.length : queries.length + corpus.length;
  const scorer =
    encoderScorer(predictor, queries, corpus, {
      onEncoded: (done) => progress({ phase: 'encoding', done, total }),
    }) ?? modelScorer(predictor, queries, corpus);
  const retrievers: Retriever[] = wanted.filter((r) => r === 'lexical' || scorer.vectors !== null);
  if (wanted.includes('encoder') && options.retrievers?.includes('encoder') && scorer.vectors === null) {
    throw new UsageError(
      'DEDUPE_NO_ENCODER',
      `run ${predictor.ref.id} is not a siamese model: it has no encoder whose vectors could be searched`,
      { suggestions: ['use --retrieve lexical (the default for this model)'] },
    );
  }
  progress({ phase: 'indexing', done: 0, total: corpus.length });
  const lexical = retrievers.includes('lexical')
    ? new LexicalIndex(corpus, predictor.run.tokenizer, options.lexical)
    : null;
  const vectors =
    retrievers.includes('encoder') && scorer.vectors
      ? new VectorIndex(scorer.vectors.right, scorer.vectors.width)
      : null;
  progress({ phase: 'indexing', done: corpus.length, total: corpus.length });

  // A corpus searched against itself meets a pair twice (from either side) when both retrieve it:
  // it is scored once, in corpus order (the smaller index as question1), and kept for the later
  // question's turn; what that turn does not claim is dropped when it has passed.
  const later = new Map<number, Map<number, number>>();
  const n = corpus.length;
  let scored = 0;

  function* results(): Generator<QueryResult[]> {
    for (let start = 0; start < queries.length; start += blockSize) {
      if (options.signal?.aborted) return;
      const end = Math.min(queries.length, start + blockSize);
      const nearest = vectors?.search(
        scorer.vectors!.left,
        start,
        end,
        perRetriever,
        self ? (q) => q : undefined,
      );
      const found: Map<number, { retrieved: Retriever[]; lexicalRank: number | null }>[] = [];
      const toScoreA: number[] = [];
      const toScoreB: number[] = [];
      const pending = new Set<number>();
      for (let q = start; q < end; q++) {
        const cands = new Map<number, { retrieved: Retriever[]; lexicalRank: number | null }>();
        if (lexical) {
          lexical.search(queries[q]!, perRetriever, self ? q : -1).forEach((h, k) => {
            cands.set(h.index, { retrieved: ['lexical'], lexicalRank: k + 1 });
          });
        }
        if (nearest) {
          for (const i of nearest[q - start]!) {
            const c = cands.get(i);
            if (c) c.retrieved.push('encoder');
            else cands.set(i, { retrieved: ['encoder'], lexicalRank: null });
          }
        }
        found.push(cands);
        for (const i of cands.keys()) {
          const [a, b] = self && i < q ? [i, q] : [q, i];
          const key = a * n + b;
          if (pending.has(key) || (self && i < q && later.get(q)?.has(i))) continue;
          pending.add(key);
          toScoreA.push(a);
          toScoreB.push(b);
        }
      }
      const probs = toScoreA.length > 0 ? scorer.score(toScoreA, toScoreB) : new Float32Array(0);
      scored += probs.length;
      const fresh = new Map<number, number>();
      for (const [k, a] of toScoreA.entries()) fresh.set(a * n + toScoreB[k]!, probs[k]!);
      const block: QueryResult[] = [];
      found.forEach((cands, r) => {
        const q = start + r;
        const list: Candidate[] = [];
        for (const [i, c] of cands) {
          const [a, b] = self && i < q ? [i, q] : [q, i];
          let p = fresh.get(a * n + b);
          if (p === undefined) p = later.get(q)!.get(i)!;
          else if (self && i >= end) {
            const m = later.get(i);
            if (m) m.set(q, p);
            else later.set(i, new Map([[q, p]]));
          }
          list.push({ index: i, probability: p, ...c });
        }
        block.push({ query: q, candidates: ranked(list, rank, perRetriever).slice(0, topK) });
      });
      for (let q = start; q < end; q++) later.delete(q);
      progress({ phase: 'searching', done: end, total: queries.length });
      yield block;
    }
  }

  return {
    scorer: scorer.method,
    retrievers,
    scored: () => scored,
    results,
    dispose() {
      vectors?.dispose();
      scorer.dispose();
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// The command's job: files in, CSV files out.

export interface DedupeOptions extends FindOptions {
  run: string;
  experimentsDir: string;
  /** The corpus: questions (CSV/TSV with a question column, or .txt) or a file of pairs. */
  data: string;
  /** New questions to match against the corpus (else the corpus against itself). */
  query?: string;
  /** The CSV of candidate pairs to write. */
  out: string;
  /** A CSV of the clusters of duplicates to write too. */
  clusters?: string;
  threshold?: number;
  /** Write only the pairs at or above the threshold. */
  onlyDuplicates?: boolean;
  force?: boolean;
  backend?: BackendRequest;
}

export interface CorpusSummary {
  file: string;
  kind: Corpus['kind'];
  questions: number;
  /** Repeated texts of a pairs file merged into one question. */
  merged: number;
  emptyRows: number;
  emptyLines: number[];
}

export interface DedupeResult {
  run: RunRef;
  backend: string;
  status: 'completed' | 'interrupted';
  corpus: CorpusSummary;
  queries: CorpusSummary | null;
  scorer: PairScorer['method'];
  retrievers: Retriever[];
  rank: Ranking;
  topK: number;
  candidates: number;
  threshold: number;
  /** Pairs the model scored. */
  scoredPairs: number;
  /** Rows written to `out` (header excluded). */
  pairs: number;
  duplicatePairs: number;
  out: string | null;
  clusters: { file: string; count: number; questions: number; largest: number } | null;
  seconds: number;
}

export const PAIR_COLUMNS = [
  'query_id',
  'candidate_id',
  'rank',
  'probability',
  'duplicate',
  'retrieved',
  'query',
  'candidate',
] as const;
export const CLUSTER_COLUMNS = ['cluster', 'size', 'source', 'id', 'question'] as const;

function checkOut(path: string, flag: string, force: boolean): string {
  const file = resolve(path);
  if (!existsSync(file)) return file;
  if (statSync(file).isDirectory()) {
    throw new UsageError(
      'DEDUPE_OUT_IS_DIRECTORY',
      `${flag} ${path} is a directory: name the CSV file to write`,
    );
  }
  if (!force) {
    throw new UsageError('DEDUPE_OUT_EXISTS', `${path} already exists; not overwriting it`, {
      suggestions: ['add --force to replace it, or choose another file'],
    });
  }
  return file;
}

function summary(c: Corpus): CorpusSummary {
  return {
    file: c.file,
    kind: c.kind,
    questions: c.questions.length,
    merged: c.merged,
    emptyRows: c.empty.count,
    emptyLines: c.empty.lines,
  };
}

function checkSize(c: Corpus, flag: string, min: number): void {
  if (c.questions.length < min) {
    throw new DataError(
      'DEDUPE_CORPUS_TOO_SMALL',
      `${flag} ${c.file}: ${c.questions.length} question(s); ${min === 1 ? 'there is nothing to match' : 'a corpus searched against itself needs at least 2'}`,
      { suggestions: ['a CSV with a header `id,question` and a question a row'] },
    );
  }
}

/** Reads the files, finds the candidate duplicates and writes them (and the clusters), atomically. */
export async function dedupe(options: DedupeOptions): Promise<DedupeResult> {
  const started = performance.now();
  const threshold = checkThreshold(options.threshold ?? DEFAULT_THRESHOLD);
  const topK = options.topK ?? 10;
  const candidates = options.candidates ?? 30;
  for (const [name, v] of [
    ['--top-k', topK],
    ['--candidates', candidates],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new UsageError('DEDUPE_BAD_COUNT', `${name} must be a whole number of at least 1, got ${v}`);
    }
  }
  const out = checkOut(options.out, '--out', options.force ?? false);
  const clustersFile = options.clusters
    ? checkOut(options.clusters, '--clusters', options.force ?? false)
    : null;
  if (clustersFile === out)
    throw new UsageError('DEDUPE_SAME_OUT', '--out and --clusters name the same file');
  // The files are read and checked before the model loads.
  const corpus = await readCorpus(options.data, '--data');
  const queries = options.query ? await readCorpus(options.query, '--query') : null;
  checkSize(corpus, '--data', queries ? 1 : 2);
  if (queries) checkSize(queries, '--query', 1);

  const predictor = await openPredictor(options);
  const corpusTexts = corpus.questions.map((q) => q.text);
  const queryTexts = queries ? queries.questions.map((q) => q.text) : corpusTexts;
  const queryIds = (queries ?? corpus).questions.map((q) => q.id);
  const corpusIds = corpus.questions.map((q) => q.id);
  let finder: Finder | undefined;
  const files: AtomicTextFile[] = [];
  let pairs = 0;
  let duplicatePairs = 0;
  const edges: [number, number][] = [];
  let clusterInfo: DedupeResult['clusters'] = null;
  let interrupted = false;
  try {
    finder = findDuplicates(predictor, queryTexts, corpusTexts, options);
    const file = openTextFileAtomic(out);
    files.push(file);
    await file.write(`${PAIR_COLUMNS.join(',')}\n`);
    for (const block of finder.results()) {
      const lines: string[] = [];
      for (const r of block) {
        r.candidates.forEach((c, rank) => {
          const dup = c.probability >= threshold;
          if (dup) {
            duplicatePairs++;
            // Nodes: the corpus's questions, then the queries'.
            edges.push([queries ? corpusTexts.length + r.query : r.query, c.index]);
          }
          if (options.onlyDuplicates && !dup) return;
          lines.push(
            `${csvField(queryIds[r.query]!)},${csvField(corpusIds[c.index]!)},${rank + 1},${formatProbability(c.probability)},${dup ? 1 : 0},${c.retrieved.join('+')},${csvField(queryTexts[r.query]!)},${csvField(corpusTexts[c.index]!)}\n`,
          );
          pairs++;
        });
      }
      await file.write(lines.join(''));
      // A turn of the event loop between blocks, so that a signal (Ctrl-C) is seen.
      await new Promise((r) => setImmediate(r));
    }
    interrupted = options.signal?.aborted ?? false;
    if (!interrupted && clustersFile) {
      const nodes = corpusTexts.length + (queries ? queryTexts.length : 0);
      const groups = clustersOf(nodes, edges);
      const cf = openTextFileAtomic(clustersFile);
      files.push(cf);
      await cf.write(`${CLUSTER_COLUMNS.join(',')}\n`);
      let members = 0;
      for (const [k, group] of groups.entries()) {
        members += group.length;
        const lines = group.map((node) => {
          const fromQuery = node >= corpusTexts.length;
          const q = fromQuery ? queries!.questions[node - corpusTexts.length]! : corpus.questions[node]!;
          return `${k + 1},${group.length},${fromQuery ? 'query' : 'corpus'},${csvField(q.id)},${csvField(q.text)}\n`;
        });
        await cf.write(lines.join(''));
      }
      clusterInfo = {
        file: clustersFile,
        count: groups.length,
        questions: members,
        largest: groups[0]?.length ?? 0,
      };
    }
    if (interrupted) for (const f of files) f.abort();
    else for (const f of files) await f.commit();
  } catch (err) {
    for (const f of files) f.abort();
    if (err instanceof Error && 'syscall' in err) {
      throw new DataError(
        'DEDUPE_WRITE_FAILED',
        `cannot write ${files.at(-1)?.path ?? out}: ${err.message}`,
        {
          suggestions: ['check that the folder is writable and the disk has room'],
          cause: err,
        },
      );
    }
    throw err;
  } finally {
    finder?.dispose();
    predictor.dispose();
  }
  return {
    run: predictor.ref,
    backend: predictor.backend,
    status: interrupted ? 'interrupted' : 'completed',
    corpus: summary(corpus),
    queries: queries ? summary(queries) : null,
    scorer: finder.scorer,
    retrievers: finder.retrievers,
    rank: options.rank ?? DEFAULT_RANK,
    topK,
    candidates,
    threshold,
    scoredPairs: finder.scored(),
    pairs: interrupted ? 0 : pairs,
    duplicatePairs,
    out: interrupted ? null : out,
    clusters: interrupted ? null : clusterInfo,
    seconds: (performance.now() - started) / 1000,
  };
}
