/**
 * The embeddings cache: a source's sha256 remembered by path, size and modification time (so a
 * 307 MB file is hashed once, not every run), and float32 subsets of sources for a list of words.
 * Folder: `QQP_CACHE_DIR`, else `$XDG_CACHE_HOME/qqp`, else `~/.cache/qqp`; under `embeddings/`.
 * Every file is written atomically (util/atomic.ts), so a reader never sees half.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import type { VectorSubset } from './parse.js';

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.QQP_CACHE_DIR) return env.QQP_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'qqp');
}

function embeddingsDir(dir: string): string {
  return join(dir, 'embeddings');
}

interface IndexEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

async function readIndex(file: string): Promise<Record<string, IndexEntry>> {
  try {
    const doc = JSON.parse(await readFile(file, 'utf8')) as { files?: Record<string, IndexEntry> };
    return doc.files && typeof doc.files === 'object' ? doc.files : {};
  } catch {
    return {};
  }
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The sha256 of a file, from the index when its size and mtime are unchanged; `hashed` if computed. */
export async function sourceChecksum(
  path: string,
  dir: string,
): Promise<{ sha256: string; hashed: boolean }> {
  const st = await stat(path);
  const indexFile = join(embeddingsDir(dir), 'index.json');
  const index = await readIndex(indexFile);
  const known = index[path];
  if (known && known.size === st.size && known.mtimeMs === st.mtimeMs)
    return { sha256: known.sha256, hashed: false };
  const sha256 = await hashFile(path);
  // Read again just before writing, so entries other processes added meanwhile are kept.
  const fresh = await readIndex(indexFile);
  fresh[path] = { size: st.size, mtimeMs: st.mtimeMs, sha256 };
  writeFileAtomic(indexFile, `${JSON.stringify({ files: fresh }, null, 1)}\n`);
  return { sha256, hashed: true };
}

/** The cache file of a source's subset for a list of words. */
export function subsetFile(dir: string, sha256: string, words: readonly string[]): string {
  const key = createHash('sha256').update(sha256).update('\n').update(words.join('\n')).digest('hex');
  return join(embeddingsDir(dir), `${key.slice(0, 32)}.f32`);
}

const MAGIC = 'QQPV';

/** Cache file: `QQPV`, header length (u32 LE), header JSON, padding to 4 bytes, float32 rows (LE). */
export async function writeSubset(file: string, sha256: string, subset: VectorSubset): Promise<void> {
  const header = Buffer.from(
    JSON.stringify({ sha256, dim: subset.dim, total: subset.total, words: subset.words }),
    'utf8',
  );
  const start = Math.ceil((8 + header.length) / 4) * 4;
  const out = Buffer.alloc(start + subset.values.length * 4);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(header.length, 4);
  header.copy(out, 8);
  Buffer.from(subset.values.buffer, subset.values.byteOffset, subset.values.byteLength).copy(out, start);
  writeFileAtomic(file, out);
}

/** A cached subset, or null when missing or not whole (then it is rebuilt). */
export async function readSubset(file: string, sha256: string): Promise<VectorSubset | null> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch {
    return null;
  }
  if (buf.length < 8 || buf.toString('latin1', 0, 4) !== MAGIC) return null;
  const len = buf.readUInt32LE(4);
  if (8 + len > buf.length) return null;
  let header: { sha256: string; dim: number; total: number; words: string[] };
  try {
    header = JSON.parse(buf.toString('utf8', 8, 8 + len));
  } catch {
    return null;
  }
  const start = Math.ceil((8 + len) / 4) * 4;
  if (header.sha256 !== sha256 || buf.length - start !== header.words.length * header.dim * 4) return null;
  const values = new Float32Array(header.words.length * header.dim);
  Buffer.from(values.buffer).set(buf.subarray(start));
  return { dim: header.dim, total: header.total, words: header.words, values };
}
