/**
 * Text files as byte chunks cut at line ends, for the formats that read lines. Bytes are read in
 * chunks, so a 400k-row file never becomes one string; every physical line is checked for valid
 * UTF-8 (invalid bytes become U+FFFD when decoded, and the line is counted, never a crash).
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { DataError } from '../../errors.js';
import type { ReadContext } from './types.js';

const CHUNK_SIZE = 1 << 20;
const MAX_LINE_BYTES = 16 * 2 ** 20;
export const LF = 0x0a;
const CR = 0x0d;

/** Removes each CR that precedes an LF (CRLF files), so line counting and parsers see LF only. */
function stripCr(buf: Buffer): Buffer {
  if (!buf.includes(CR)) return buf;
  const out = Buffer.allocUnsafe(buf.length);
  let n = 0;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i]!;
    if (b === CR && (i + 1 === buf.length || buf[i + 1] === LF)) continue;
    out[n++] = b;
  }
  return out.subarray(0, n);
}

/**
 * Yields the file's bytes in chunks that end at a line end (LF bytes never occur inside a multi-byte
 * UTF-8 sequence, so a chunk always decodes on its own), BOM and CRs before LFs removed. Each line
 * not valid UTF-8 is counted through `context` as its chunk is yielded.
 */
export async function* lineChunks(file: string, context: ReadContext): AsyncGenerator<Buffer> {
  /** Physical lines fully consumed so far. */
  let lines = 0;
  /** Counts the lines in `buf` (which ends at a line end, or at EOF) and notes those not valid UTF-8. */
  const track = (buf: Buffer, atEof: boolean): void => {
    const valid = isUtf8(buf);
    let start = 0;
    while (start < buf.length) {
      let end = buf.indexOf(LF, start);
      if (end < 0) {
        if (!atEof) break;
        end = buf.length;
      }
      lines++;
      if (!valid && !isUtf8(buf.subarray(start, end))) context.invalidUtf8(lines);
      start = end + 1;
    }
  };

  let carry: Buffer | undefined;
  let first = true;
  for await (const raw of createReadStream(file, { highWaterMark: CHUNK_SIZE })) {
    let buf = carry ? Buffer.concat([carry, raw as Buffer]) : (raw as Buffer);
    if (first) {
      first = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    const cut = buf.lastIndexOf(LF);
    if (cut < 0) {
      // A line this long is not a question pair (a binary file?); stop before memory grows.
      if (buf.length > MAX_LINE_BYTES) {
        throw new DataError(
          'DATA_LINE_TOO_LONG',
          `${file}:${lines + 1}: a line longer than ${MAX_LINE_BYTES / 2 ** 20} MB: is this a CSV/TSV text file?`,
        );
      }
      carry = buf;
      continue;
    }
    carry = cut + 1 < buf.length ? buf.subarray(cut + 1) : undefined;
    const part = stripCr(buf.subarray(0, cut + 1));
    track(part, false);
    yield part;
  }
  if (carry && carry.length > 0) {
    const part = stripCr(carry);
    track(part, true);
    yield part;
  }
}

/** A physical line of a file: its 1-based number and its text (line end removed). */
export interface NumberedLine {
  line: number;
  text: string;
}

/** The file's physical lines, numbered, one batch per chunk of lineChunks (empty lines included). */
export async function* lineBatches(file: string, context: ReadContext): AsyncGenerator<NumberedLine[]> {
  let line = 0;
  for await (const chunk of lineChunks(file, context)) {
    const batch: NumberedLine[] = [];
    let start = 0;
    while (start < chunk.length) {
      let end = chunk.indexOf(LF, start);
      if (end < 0) end = chunk.length;
      line++;
      batch.push({ line, text: chunk.toString('utf8', start, end) });
      start = end + 1;
    }
    yield batch;
  }
}
