/**
 * A corpus of questions for `qqp dedupe`: a file of questions (CSV or TSV with a `question` or
 * `text` column and an optional `id` or `qid` column; or a .txt file, one question a line), or a
 * file of pairs in any format qqp reads, whose questions are gathered (each distinct text once,
 * with its qid1/qid2 when the file has them).
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { readPairs } from '../data/read.js';
import { DataError } from '../errors.js';
import { printable } from '../util/text.js';

export interface CorpusQuestion {
  id: string;
  text: string;
  /** 1-based line where the question (or its pair) starts. */
  line: number;
}

export interface Corpus {
  file: string;
  /** `questions`: a file of questions; `pairs`: the distinct questions of a file of pairs. */
  kind: 'questions' | 'pairs';
  questions: CorpusQuestion[];
  /** Rows without a question (empty text), by line; the first few kept. */
  empty: { count: number; lines: number[] };
  /** Questions whose exact text came earlier in the file, merged into the first (pairs files only). */
  merged: number;
}

const TEXT_COLUMNS = ['question', 'text'];
const ID_COLUMNS = ['id', 'qid', 'question_id'];
const PAIR_COLUMNS = ['question1', 'question2'];
const MAX_LINES_KEPT = 10;

async function firstLine(file: string): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    let line = buf.subarray(0, bytesRead).toString('utf8').split('\n')[0] ?? '';
    if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    return line.replace(/\r$/, '');
  } finally {
    await fh.close();
  }
}

async function checkFile(file: string, flag: string): Promise<void> {
  try {
    const s = await stat(file);
    if (s.isDirectory()) {
      throw new DataError(
        'DEDUPE_CORPUS_IS_DIRECTORY',
        `${flag} ${file} is a directory, not a file of questions`,
      );
    }
    if (s.size === 0) {
      throw new DataError('DEDUPE_CORPUS_EMPTY', `${file} is empty: expected questions, one a row`, {
        suggestions: ['a CSV with a header `id,question`, or a .txt file with one question a line'],
      });
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new DataError('DEDUPE_CORPUS_NOT_FOUND', `${flag} ${file}: file not found`, {
        suggestions: ['check the path (relative paths start at the current directory)'],
      });
    }
    throw new DataError('DEDUPE_CORPUS_UNREADABLE', `cannot read ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function headerNames(line: string, delimiter: string): string[] {
  return line.split(delimiter).map((n) =>
    n
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim()
      .toLowerCase(),
  );
}

/** Reads a corpus file; `flag` names the option it came from, for messages (`--data`, `--query`). */
export async function readCorpus(path: string, flag = '--data'): Promise<Corpus> {
  const file = resolve(path);
  await checkFile(file, flag);
  if (extname(file).toLowerCase() === '.txt') return readLines(file);
  const head = await firstLine(file);
  const delimiter =
    extname(file).toLowerCase() === '.tsv' || (head.includes('\t') && !head.includes(',')) ? '\t' : ',';
  const names = headerNames(head, delimiter);
  if (PAIR_COLUMNS.every((c) => names.includes(c)) || !TEXT_COLUMNS.some((c) => names.includes(c))) {
    return readPairQuestions(file, head);
  }
  return readQuestionTable(file, names, delimiter);
}

async function readLines(file: string): Promise<Corpus> {
  const questions: CorpusQuestion[] = [];
  const empty = { count: 0, lines: [] as number[] };
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  for await (const raw of rl) {
    line++;
    const text = (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
    if (text === '') continue;
    questions.push({ id: String(line), text, line });
  }
  return { file, kind: 'questions', questions, empty, merged: 0 };
}

async function readQuestionTable(file: string, names: string[], delimiter: string): Promise<Corpus> {
  const textAt = names.findIndex((n) => TEXT_COLUMNS.includes(n));
  const idAt = names.findIndex((n) => ID_COLUMNS.includes(n));
  const questions: CorpusQuestion[] = [];
  const empty = { count: 0, lines: [] as number[] };
  const seen = new Map<string, number>();
  const parser = createReadStream(file).pipe(
    parse({ delimiter, bom: true, from_line: 2, info: true, relax_column_count: true, relax_quotes: true }),
  );
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number; columns?: unknown };
    }>) {
      const line = (info as { lines: number }).lines - countLineBreaks(record);
      const text = (record[textAt] ?? '').trim();
      if (text === '') {
        empty.count++;
        if (empty.lines.length < MAX_LINES_KEPT) empty.lines.push(line);
        continue;
      }
      const id = idAt >= 0 ? (record[idAt] ?? '').trim() : String(questions.length + 1);
      if (id === '') {
        throw new DataError('DEDUPE_CORPUS_NO_ID', `${file}:${line}: the ${names[idAt]} column is empty`, {
          suggestions: ['give every question an id, or leave the id column out (rows are numbered then)'],
        });
      }
      const before = seen.get(id);
      if (before !== undefined) {
        throw new DataError(
          'DEDUPE_CORPUS_DUPLICATE_ID',
          `${file}:${line}: id ${printable(id)} was already used on line ${before}`,
          { suggestions: ['ids name the questions in the output: each must be unique'] },
        );
      }
      seen.set(id, line);
      questions.push({ id, text, line });
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    const e = err as Error & { lines?: number };
    throw new DataError(
      'DEDUPE_CORPUS_UNREADABLE',
      `${file}${e.lines !== undefined ? `:${e.lines}` : ''}: not a readable ${delimiter === '\t' ? 'TSV' : 'CSV'} file: ${e.message}`,
      { suggestions: ['a header line naming a `question` column, then one question a row'], cause: err },
    );
  }
  return { file, kind: 'questions', questions, empty, merged: 0 };
}

/** Physical lines a record spans beyond its first (quoted fields with line breaks). */
function countLineBreaks(record: string[]): number {
  let n = 0;
  for (const field of record) for (let i = field.indexOf('\n'); i >= 0; i = field.indexOf('\n', i + 1)) n++;
  return n;
}

async function readPairQuestions(file: string, head: string): Promise<Corpus> {
  let read: Awaited<ReturnType<typeof readPairs>>;
  try {
    read = await readPairs(file, { extraColumns: ['qid1', 'qid2'] });
  } catch (err) {
    if (err instanceof DataError && err.code === 'DATA_FORMAT_UNKNOWN') {
      throw new DataError(
        'DEDUPE_CORPUS_UNKNOWN_FORMAT',
        `${file}:1: cannot tell the questions in this file (header ${printable(head.slice(0, 120))})`,
        {
          suggestions: [
            'a CSV or TSV with a header naming a `question` column (and optionally `id`)',
            'or a .txt file with one question a line',
            'or a file of question pairs in a format qqp reads (`qqp data formats`)',
          ],
          cause: err,
        },
      );
    }
    throw err;
  }
  const byText = new Map<string, number>();
  const questions: CorpusQuestion[] = [];
  let merged = 0;
  const add = (text: string, qid: string | undefined, line: number) => {
    if (byText.has(text)) {
      merged++;
      return;
    }
    byText.set(text, questions.length);
    questions.push({ id: qid !== undefined && qid !== '' ? qid : String(questions.length + 1), text, line });
  };
  for (const row of read.rows) {
    add(row.question1, row.extra?.qid1, row.line);
    add(row.question2, row.extra?.qid2, row.line);
  }
  // Distinct texts sharing a qid (it happens in scraped copies) would make ids ambiguous: number them then.
  const ids = new Set(questions.map((q) => q.id));
  if (ids.size !== questions.length) {
    for (const [i, q] of questions.entries()) q.id = String(i + 1);
  }
  return { file, kind: 'pairs', questions, empty: { count: 0, lines: [] }, merged };
}
