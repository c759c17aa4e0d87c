import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  closeSync,
  createWriteStream,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { finished } from 'node:stream/promises';
import { faultPoint } from './faults.js';

/**
 * Writes that a crash (a kill, a power loss) never leaves half-done: a file is written under a
 * temporary name beside its final one, flushed to disk (fsync), renamed, and its folder flushed so
 * the rename lasts; a folder (a model, a checkpoint) is filled under a temporary name, given a
 * manifest.json written last (each file's size and sha256: the mark of a complete folder), flushed,
 * and swapped in by two renames. recoverDir finishes or undoes a swap a crash interrupted.
 */

/** The file written last into a replaced folder: what it holds, so a reader can tell it complete. */
export const DIR_MANIFEST = 'manifest.json';

export interface DirManifest {
  /** Each file of the folder (the manifest excepted), by path relative to it. */
  files: Record<string, { bytes: number; sha256: string }>;
  /** What the writer says the folder holds (a checkpoint's or a model's epoch). */
  info: Record<string, unknown>;
}

/** A temporary name beside `path`, so the final rename stays on one file system. */
function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Flushes a file or a folder to disk. Folders cannot be opened on some systems (Windows): skipped. */
function fsyncPath(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR' || code === 'EPERM' || code === 'EACCES') return;
    throw err;
  }
  try {
    fsyncSync(fd);
  } catch (err) {
    // A file system that cannot flush a folder (EINVAL) has nothing more to do.
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
  } finally {
    closeSync(fd);
  }
}

/** Creates a folder (and its parents); a folder newly created is made durable in its parent. */
function ensureDir(dir: string): void {
  const first = mkdirSync(dir, { recursive: true });
  if (first !== undefined) fsyncPath(dirname(first));
}

/** Writes `data` to a new file and flushes it before closing. */
function writeDurable(path: string, data: string | Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let offset = 0;
    while (offset < bytes.byteLength) offset += writeSync(fd, bytes, offset, bytes.byteLength - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes a file so that readers see the old content or the new, never half of it, even after a power loss. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  ensureDir(dirname(path));
  const tmp = tempName(path);
  try {
    writeDurable(tmp, data);
    faultPoint(`write ${basename(path)}: written`);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncPath(dirname(path));
  faultPoint(`write ${basename(path)}: renamed`);
}

/**
 * A text file written as a stream (a CSV of any size) under a temporary name beside `path`:
 * `commit` flushes and renames it into place, `abort` removes it, so a failure or an interruption
 * never leaves half a file under the final name. Write errors surface from `write` and `commit`.
 */
export interface AtomicTextFile {
  readonly path: string;
  write(text: string): Promise<void>;
  commit(): Promise<void>;
  abort(): void;
}

export function openTextFileAtomic(path: string): AtomicTextFile {
  ensureDir(dirname(path));
  const tmp = tempName(path);
  const ws = createWriteStream(tmp, { flags: 'wx', encoding: 'utf8' });
  // Without a listener a write error would crash the process; write/commit rethrow it.
  let failure: Error | undefined;
  ws.on('error', (err) => {
    failure ??= err;
  });
  let done = false;
  return {
    path,
    async write(text) {
      if (failure) throw failure;
      if (!ws.write(text)) await once(ws, 'drain'); // rejects on a write error
    },
    async commit() {
      if (failure) throw failure;
      ws.end();
      await finished(ws);
      const fd = openSync(tmp, 'r+');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
      done = true;
      fsyncPath(dirname(path));
    },
    abort() {
      if (done) return;
      done = true;
      ws.destroy();
      rmSync(tmp, { force: true });
    },
  };
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** The files under `dir`, relative paths, sorted; and the folders, deepest first. */
function walk(dir: string): { files: string[]; dirs: string[] } {
  const files: string[] = [];
  const dirs: string[] = [];
  const visit = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) visit(p);
      else files.push(relative(dir, p));
    }
    dirs.push(d);
  };
  visit(dir);
  return { files: files.sort(), dirs };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Flushes every file `fill` wrote (reading each once for its hash), then writes the manifest last. */
function seal(dir: string, info: Record<string, unknown>): void {
  const { files, dirs } = walk(dir);
  const manifest: DirManifest = { files: {}, info };
  for (const file of files) {
    const full = join(dir, file);
    const fd = openSync(full, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const bytes = readFileSync(full);
    manifest.files[file] = { bytes: bytes.byteLength, sha256: sha256(bytes) };
  }
  writeDurable(join(dir, DIR_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const d of dirs) fsyncPath(d);
}

/**
 * Replaces a whole directory: `fill` writes into a fresh temporary directory, which is sealed
 * (flushed, manifest.json written last with `info`) and then takes the final name. The previous
 * directory, if any, is moved aside first and removed last, so at every moment either the old or
 * the new one is complete under some name (recoverDir tells which after a crash).
 */
export function replaceDirAtomic(
  path: string,
  fill: (dir: string) => void,
  info: Record<string, unknown> = {},
): void {
  const tmp = tempName(path);
  ensureDir(tmp);
  try {
    fill(tmp);
    faultPoint(`replace ${basename(path)}: written, not sealed`);
    seal(tmp, info);
    faultPoint(`replace ${basename(path)}: filled`);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const old = `${tmp}.old`;
  let moved = false;
  try {
    renameSync(path, old);
    moved = true;
    faultPoint(`replace ${basename(path)}: old moved aside`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  renameSync(tmp, path);
  fsyncPath(dirname(path));
  faultPoint(`replace ${basename(path)}: new in place`);
  if (moved) rmSync(old, { recursive: true, force: true });
}

/** Whether a folder is complete: its manifest is there and every file it lists has its size and hash. */
export type DirCheck =
  | { complete: true; manifest: DirManifest }
  | { complete: false; manifestMissing: boolean; problem: string };

export function checkDir(dir: string): DirCheck {
  const manifestPath = join(dir, DIR_MANIFEST);
  if (!existsSync(manifestPath)) {
    return { complete: false, manifestMissing: true, problem: `${manifestPath}: missing` };
  }
  let manifest: DirManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as DirManifest;
  } catch {
    return { complete: false, manifestMissing: false, problem: `${manifestPath}: not valid JSON` };
  }
  if (
    typeof manifest !== 'object' ||
    manifest === null ||
    typeof manifest.files !== 'object' ||
    manifest.files === null
  ) {
    return { complete: false, manifestMissing: false, problem: `${manifestPath}: lists no files` };
  }
  for (const [file, expected] of Object.entries(manifest.files)) {
    const full = join(dir, file);
    if (!existsSync(full)) return { complete: false, manifestMissing: false, problem: `${full}: missing` };
    const size = statSync(full).size;
    if (size !== expected?.bytes) {
      return {
        complete: false,
        manifestMissing: false,
        problem: `${full}: ${size} bytes, but ${DIR_MANIFEST} records ${expected?.bytes} (the file was cut short or changed)`,
      };
    }
    if (sha256(readFileSync(full)) !== expected.sha256) {
      return {
        complete: false,
        manifestMissing: false,
        problem: `${full}: its content is not what ${DIR_MANIFEST} records (sha256 differs)`,
      };
    }
  }
  if (typeof manifest.info !== 'object' || manifest.info === null) manifest.info = {};
  return { complete: true, manifest };
}

/** What recoverDir found and did. */
export interface DirRecovery {
  /** The folder now at `path`: as it was, taken from a half-finished swap, or none. */
  outcome: 'kept' | 'recovered-new' | 'recovered-previous' | 'none';
  /** The manifest of the folder at `path` (null for none, or one written before manifests). */
  manifest: DirManifest | null;
  /** Temporary folders of interrupted replacements, removed. */
  removed: string[];
  /** Why each folder that was not chosen could not be (for a message when none could). */
  problems: string[];
}

/** Whether a process of this machine has this id (and is not this process). */
function otherProcessAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The temporary names the atomic writes leave beside `path` when a crash interrupts them: `fresh`
 * (`.<name>.<pid>.<hex>.tmp`, a new file or folder being written) and `previous` (`.tmp.old`, the
 * folder a replacement moved aside). Those of a process still running are not leftovers (it may be
 * writing them now) and are not listed.
 */
export function leftovers(path: string): { fresh: string[]; previous: string[] } {
  const parent = dirname(path);
  const fresh: string[] = [];
  const previous: string[] = [];
  if (!existsSync(parent)) return { fresh, previous };
  const prefix = `.${basename(path)}.`;
  for (const name of readdirSync(parent).sort()) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)\.[0-9a-f]{8}\.tmp(\.old)?$/.exec(name.slice(prefix.length));
    if (!m || otherProcessAlive(Number(m[1]))) continue;
    (m[2] ? previous : fresh).push(join(parent, name));
  }
  return { fresh, previous };
}

/** Removes the temporary files of interrupted writeFileAtomic calls beside `path`; returns them. */
export function removeFileLeftovers(path: string): string[] {
  const { fresh } = leftovers(path);
  for (const f of fresh) rmSync(f, { recursive: true, force: true });
  return fresh;
}

/**
 * After a crash, puts the newest complete version of a replaced folder at `path` and removes the
 * leftovers of interrupted replacements. A sealed temporary folder (`.<name>.<pid>.<hex>.tmp`) is
 * the newest: it was complete and about to take the name. Then the folder at `path`, then the
 * previous one moved aside (`.tmp.old`). A folder without a manifest counts as complete when
 * `legacyProblem` finds nothing wrong with it (null; folders written before manifests were kept);
 * a temporary one never.
 * When nothing usable is found, nothing is removed (outcome 'none', problems say why).
 */
export function recoverDir(
  path: string,
  legacyProblem: (dir: string) => string | null = () => 'written without a manifest',
): DirRecovery {
  const { fresh, previous } = leftovers(path);
  const problems: string[] = [];
  type Candidate = { dir: string; manifest: DirManifest | null };
  const usable = (dir: string, allowLegacy: boolean): Candidate | null => {
    const check = checkDir(dir);
    if (check.complete) return { dir, manifest: check.manifest };
    if (check.manifestMissing && allowLegacy) {
      const problem = legacyProblem(dir);
      if (problem === null) return { dir, manifest: null };
      problems.push(problem);
      return null;
    }
    problems.push(check.problem);
    return null;
  };
  let chosen: Candidate | null = null;
  let outcome: DirRecovery['outcome'] = 'none';
  for (const dir of [...fresh].reverse()) {
    chosen = usable(dir, false);
    if (chosen) {
      outcome = 'recovered-new';
      break;
    }
  }
  if (!chosen && existsSync(path)) {
    chosen = usable(path, true);
    if (chosen) outcome = 'kept';
  }
  if (!chosen) {
    for (const dir of [...previous].reverse()) {
      chosen = usable(dir, true);
      if (chosen) {
        outcome = 'recovered-previous';
        break;
      }
    }
  }
  if (!chosen) return { outcome: 'none', manifest: null, removed: [], problems };
  if (chosen.dir !== path) {
    // The same two renames as a replacement, so a crash here is recovered the same way next time.
    const aside = `${tempName(path)}.old`;
    if (existsSync(path)) renameSync(path, aside);
    renameSync(chosen.dir, path);
    fsyncPath(dirname(path));
    rmSync(aside, { recursive: true, force: true });
  }
  const removed = [...fresh, ...previous].filter((d) => d !== chosen.dir && existsSync(d));
  for (const d of removed) rmSync(d, { recursive: true, force: true });
  return { outcome, manifest: chosen.manifest, removed, problems };
}
