/**
 * How well `qqp dedupe` finds known duplicates on real QQP rows, and how long a corpus takes.
 *
 * The corpus is every distinct question of the shared QQP files (../shared/data/qqp, the
 * developers' real rows). The queries are the questions of the duplicate pairs of the test file
 * (pairs-balanced-b.tsv, which the shared-qqp configs never train on); a query's known duplicates
 * are the questions it is paired with as a duplicate there. The whole corpus is searched against
 * itself (as `qqp dedupe RUN --data corpus` does), timed; recall@k is the share of known
 * (query, duplicate) pairs whose duplicate is among the query's k best candidates, for each
 * retrieval and each ranking. Then a corpus of 60,000 questions (the shared questions, topped up
 * with the bundled synthetic questions) goes through `dedupe()` end to end, timed.
 *
 * Usage: node --import tsx scripts/dedupe-recall.ts RUN [--experiments-dir experiments]
 *        [--shared ../shared/data/qqp] [--candidates 30] [--size 60000] [--json]
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readPairs } from '../src/data/read.js';
import {
  dedupe,
  findDuplicates,
  RANKINGS,
  type Ranking,
  type Retriever,
  ranked,
  splitSiamese,
} from '../src/dedupe/index.js';
import { openPredictor } from '../src/eval/predictor.js';

const TEST_FILE = 'pairs-balanced-b.tsv';
const KS = [1, 5, 10, 30] as const;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'experiments-dir': { type: 'string', default: 'experiments' },
    shared: { type: 'string', default: join('..', 'shared', 'data', 'qqp') },
    candidates: { type: 'string', default: '30' },
    size: { type: 'string', default: '60000' },
    json: { type: 'boolean', default: false },
  },
});
const runArg = positionals[0];
if (!runArg) {
  console.error(
    'usage: node --import tsx scripts/dedupe-recall.ts RUN [--experiments-dir DIR] [--shared DIR]',
  );
  process.exit(2);
}
const candidates = Number(values.candidates);
const size = Number(values.size);

// The corpus: distinct questions (trimmed text) of every shared file, in file order.
const files = readdirSync(values.shared)
  .filter((f) => /\.(csv|tsv)$/.test(f))
  .sort();
const corpus: string[] = [];
const indexOf = new Map<string, number>();
const add = (text: string): number => {
  let i = indexOf.get(text);
  if (i === undefined) {
    i = corpus.length;
    indexOf.set(text, i);
    corpus.push(text);
  }
  return i;
};
const known = new Map<number, Set<number>>();
for (const f of files) {
  const { rows } = await readPairs(join(values.shared, f));
  for (const r of rows) {
    if (!r.question1 || !r.question2) continue;
    const a = add(r.question1);
    const b = add(r.question2);
    if (f === TEST_FILE && r.label === 1 && a !== b) {
      for (const [x, y] of [
        [a, b],
        [b, a],
      ] as const) {
        const s = known.get(x) ?? new Set<number>();
        s.add(y);
        known.set(x, s);
      }
    }
  }
}
const knownPairs = [...known.values()].reduce((n, s) => n + s.size, 0);

const predictor = await openPredictor({ run: runArg, experimentsDir: values['experiments-dir'] });
const siamese = splitSiamese(predictor.model) !== null;
const retrievalSets: Retriever[][] = siamese
  ? [['lexical'], ['encoder'], ['lexical', 'encoder']]
  : [['lexical']];

interface Row {
  retrievers: string;
  ranking: Ranking;
  recall: Record<string, number>;
  candidatesPerQuery: number;
  seconds: number;
}
const rows: Row[] = [];
for (const retrievers of retrievalSets) {
  const started = performance.now();
  const finder = findDuplicates(predictor, corpus, corpus, { topK: 2 * candidates, candidates, retrievers });
  const lists = new Map<number, Parameters<typeof ranked>[0]>();
  let found = 0;
  for (const block of finder.results()) {
    for (const r of block) {
      found += r.candidates.length;
      if (known.has(r.query)) lists.set(r.query, r.candidates);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  finder.dispose();
  console.error(`${retrievers.join('+')}: ${corpus.length} questions searched in ${seconds.toFixed(1)} s`);
  for (const ranking of RANKINGS) {
    if (ranking === 'lexical' && !retrievers.includes('lexical')) continue;
    const hits = Object.fromEntries(KS.map((k) => [k, 0])) as Record<number, number>;
    for (const [q, dups] of known) {
      const order = ranked(lists.get(q) ?? [], ranking, candidates);
      for (const k of KS) hits[k]! += order.slice(0, k).filter((c) => dups.has(c.index)).length;
    }
    rows.push({
      retrievers: retrievers.join('+'),
      ranking,
      recall: Object.fromEntries(KS.map((k) => [`@${k}`, hits[k]! / knownPairs])),
      candidatesPerQuery: found / corpus.length,
      seconds,
    });
  }
}
predictor.dispose();

// End to end on a corpus of `size` questions: the shared ones, then the bundled synthetic ones.
const big = [...corpus];
if (big.length < size) {
  const seen = new Set(big);
  const { rows: synthetic } = await readPairs(join('data', 'qqp-synthetic.csv'));
  for (const r of synthetic) {
    for (const q of [r.question1, r.question2]) {
      if (big.length < size && q && !seen.has(q)) {
        seen.add(q);
        big.push(q);
      }
    }
  }
}
big.length = Math.min(big.length, size);
const tmp = mkdtempSync(join(tmpdir(), 'qqp-dedupe-recall-'));
let endToEnd: { questions: number; seconds: number; pairs: number; scorer: string; retrievers: string[] };
try {
  const data = join(tmp, 'questions.txt');
  writeFileSync(data, `${big.map((q) => q.replace(/[\r\n]+/g, ' ')).join('\n')}\n`);
  const r = await dedupe({
    run: runArg,
    experimentsDir: values['experiments-dir'],
    data,
    out: join(tmp, 'pairs.csv'),
    clusters: join(tmp, 'clusters.csv'),
    candidates,
  });
  endToEnd = {
    questions: r.corpus.questions,
    seconds: r.seconds,
    pairs: r.pairs,
    scorer: r.scorer,
    retrievers: r.retrievers,
  };
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

if (values.json) {
  console.log(
    JSON.stringify({
      run: predictor.ref,
      corpus: corpus.length,
      queries: known.size,
      knownPairs,
      rows,
      endToEnd,
    }),
  );
} else {
  console.log(
    `run ${predictor.ref.id}: corpus ${corpus.length} distinct questions of ${files.length} shared files; ` +
      `${known.size} queries with ${knownPairs} known duplicate pairs (both directions) from ${TEST_FILE}`,
  );
  console.log(
    `| retrieval | ranking | ${KS.map((k) => `recall@${k}`).join(' | ')} | candidates/question | seconds |`,
  );
  console.log(`| --- | --- | ${KS.map(() => '---:').join(' | ')} | ---: | ---: |`);
  for (const r of rows) {
    console.log(
      `| ${r.retrievers} | ${r.ranking} | ${KS.map((k) => r.recall[`@${k}`]!.toFixed(3)).join(' | ')} | ${r.candidatesPerQuery.toFixed(1)} | ${r.seconds.toFixed(1)} |`,
    );
  }
  console.log(
    `end to end: ${endToEnd.questions} questions deduplicated in ${endToEnd.seconds.toFixed(1)} s ` +
      `(${endToEnd.scorer} scorer, ${endToEnd.retrievers.join('+')}; ${endToEnd.pairs} pairs written)`,
  );
}
