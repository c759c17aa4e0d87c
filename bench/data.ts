/**
 * Speed and memory of the data library. Run: `node --import tsx bench/data.ts`.
 * (a) read + tokenize + build a vocabulary + encode the four shared QQP samples (~31,000 rows);
 *     skipped, saying so, when ../shared/data/qqp is absent. Target: under 2 s.
 * (b) a 404,290-row Kaggle-format file (the full release's size) made in a temp dir by repeating
 *     rows (of the shared Kaggle sample when present, else of generated rows): streamed through the
 *     reader and tokenizer, then loaded, split and encoded as training would. Target: peak RSS < 1 GB.
 * Figures are printed, never asserted.
 */
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadDataset, prepareDataset } from '../src/data/load.js';
import { type PairRow, readPairs, streamPairs } from '../src/data/read.js';
import { Tokenizer } from '../src/data/tokenizer.js';

const SHARED = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data', 'qqp');
const SHARED_FILES = [
  'kaggle-train-first10k.csv',
  'kaggle-train-sample1k.csv',
  'pairs-balanced-a.tsv',
  'pairs-balanced-b.tsv',
];
export const FULL_ROWS = 404_290;

export interface SharedBench {
  files: number;
  rows: number;
  readMs: number;
  tokenizeVocabularyEncodeMs: number;
  totalMs: number;
  vocabularySize: number;
}

export interface LargeBench {
  rows: number;
  fileMb: number;
  rowSource: 'shared' | 'generated';
  /** Streaming read + tokenize without keeping rows. */
  streamMs: number;
  streamPeakRssMb: number;
  /** loadDataset (80/20 split) + prepareDataset (vocabulary 10,000, concat, maxLength 20). */
  loadAndEncodeMs: number;
  loadAndEncodePeakRssMb: number;
  /** Peak RSS of the whole process so far (getrusage). */
  processMaxRssMb: number;
}

export interface DataBenchResult {
  shared: SharedBench | { skipped: string };
  large: LargeBench;
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** Samples RSS every 20 ms while `fn` runs; returns its result, the time and the peak. */
async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; peakRssMb: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const t0 = performance.now();
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, ms: Math.round(performance.now() - t0), peakRssMb: mb(peak) };
  } finally {
    clearInterval(timer);
  }
}

async function benchShared(): Promise<SharedBench | { skipped: string }> {
  if (!existsSync(SHARED)) return { skipped: `shared QQP samples not found at ${SHARED}` };
  const t0 = performance.now();
  const rows: PairRow[] = [];
  for (const f of SHARED_FILES) {
    const r = await readPairs(join(SHARED, f));
    for (const row of r.rows) rows.push(row);
  }
  const t1 = performance.now();
  // As training does: tokenize once, vocabulary from these rows, encode (concat, maxLength 20).
  const p = prepareDataset(
    { train: rows, validation: [], test: [] },
    { vocabulary: { maxSize: 10000 }, encoding: { pair: 'concat', maxLength: 20 } },
  );
  const t2 = performance.now();
  return {
    files: SHARED_FILES.length,
    rows: rows.length,
    readMs: Math.round(t1 - t0),
    tokenizeVocabularyEncodeMs: Math.round(t2 - t1),
    totalMs: Math.round(t2 - t0),
    vocabularySize: p.vocabulary.size,
  };
}

const csvField = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/** Writes a Kaggle train.csv-shaped file of `n` rows by cycling through `seed` rows (also bench/epoch.ts). */
export async function writeLargeCsv(path: string, n: number, seed: readonly PairRow[]): Promise<void> {
  const out = createWriteStream(path);
  out.write('"id","qid1","qid2","question1","question2","is_duplicate"\n');
  for (let i = 0; i < n; i++) {
    const r = seed[i % seed.length]!;
    const line = `${i},${2 * i + 1},${2 * i + 2},${csvField(r.question1)},${csvField(r.question2)},${r.label ?? 0}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

function generatedRows(): PairRow[] {
  const words = [
    'how',
    'what',
    'why',
    'is',
    'the',
    'best',
    'way',
    'to',
    'learn',
    'a',
    'language',
    'in',
    'india',
    'money',
  ];
  return Array.from({ length: 1000 }, (_, i) => {
    const q = (k: number) =>
      `${Array.from({ length: 6 + ((i + k) % 12) }, (_, j) => words[(i * 7 + j * 3 + k) % words.length]).join(' ')}, "ok"?`;
    return { line: i + 1, id: String(i), question1: q(1), question2: q(2), label: i % 3 === 0 ? 1 : 0 };
  });
}

async function benchLarge(): Promise<LargeBench> {
  const dir = await mkdtemp(join(tmpdir(), 'qqp-bench-'));
  try {
    const sharedFile = join(SHARED, 'kaggle-train-first10k.csv');
    const fromShared = existsSync(sharedFile);
    const seed = fromShared ? (await readPairs(sharedFile)).rows : generatedRows();
    const file = join(dir, 'train.csv');
    await writeLargeCsv(file, FULL_ROWS, seed);
    const size = (await stat(file)).size;

    const tokenizer = new Tokenizer();
    const stream = await measure(async () => {
      const s = await streamPairs(file);
      let tokens = 0;
      for await (const row of s.rows)
        tokens += tokenizer.tokenize(row.question1).length + tokenizer.tokenize(row.question2).length;
      return { rows: s.report.rows, tokens };
    });
    const load = await measure(async () => {
      const d = await loadDataset({ source: file });
      const p = prepareDataset(d.splits, { encoding: { pair: 'concat', maxLength: 20 } });
      return p.train.count + p.test.count;
    });
    return {
      rows: stream.value.rows,
      fileMb: mb(size),
      rowSource: fromShared ? 'shared' : 'generated',
      streamMs: stream.ms,
      streamPeakRssMb: stream.peakRssMb,
      loadAndEncodeMs: load.ms,
      loadAndEncodePeakRssMb: load.peakRssMb,
      processMaxRssMb: mb(process.resourceUsage().maxRSS * 1024),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runDataBench(): Promise<DataBenchResult> {
  const shared = await benchShared();
  const large = await benchLarge();
  return { shared, large };
}

function print(r: DataBenchResult): void {
  if ('skipped' in r.shared) console.log(`(a) shared samples: skipped (${r.shared.skipped})`);
  else {
    const s = r.shared;
    console.log(
      `(a) ${s.files} shared files, ${s.rows} rows: read ${s.readMs} ms, tokenize+vocabulary+encode ${s.tokenizeVocabularyEncodeMs} ms, total ${s.totalMs} ms (target < 2000 ms)`,
    );
  }
  const l = r.large;
  console.log(
    `(b) ${l.rows} rows, ${l.fileMb} MB (rows from ${l.rowSource}): stream read+tokenize ${l.streamMs} ms, peak RSS ${l.streamPeakRssMb} MB`,
  );
  console.log(
    `    load+split+vocabulary+encode ${l.loadAndEncodeMs} ms, peak RSS ${l.loadAndEncodePeakRssMb} MB; process max RSS ${l.processMaxRssMb} MB (target < 1024 MB)`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  print(await runDataBench());
}
