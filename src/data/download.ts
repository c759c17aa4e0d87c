import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { DataError, NetworkError, QqpError, UsageError } from '../errors.js';
import type { DatasetEntry } from './datasets.js';
import { proxyAgent, proxyFor } from './proxy.js';

/**
 * Downloads a dataset archive, checks its size and SHA-256, and unpacks it. Every byte goes to a
 * temporary name first and only complete, verified files are renamed to their final names, so an
 * interrupted or bad download never leaves something that looks like data.
 */

export type DownloadEvent =
  | { type: 'request'; url: string }
  | { type: 'redirect'; from: string; to: string }
  | { type: 'response'; url: string; totalBytes: number | undefined }
  | { type: 'progress'; receivedBytes: number; totalBytes: number | undefined }
  | { type: 'downloaded'; bytes: number; sha256: string }
  | { type: 'extract'; file: string; index: number };

export interface DownloadOptions {
  /** Destination folder; default `data`. */
  dir?: string;
  /** Download from here instead of the registry's URL (a mirror). */
  url?: string;
  /** Expected SHA-256 of the archive, replacing the registry's (and its size, which is then unknown). */
  sha256?: string;
  /** Download and overwrite even when the dataset's files are already there. */
  force?: boolean;
  /** Longest silence allowed on the connection, in milliseconds (default 60 s). */
  timeoutMs?: number;
  /** Redirects followed before giving up (default 5). */
  maxRedirects?: number;
  /** Largest archive accepted, in bytes (default DEFAULT_MAX_BYTES, 2 GiB). */
  maxBytes?: number;
  /** Most bytes its files may hold unpacked (default DEFAULT_MAX_UNPACKED_BYTES, 16 GiB). */
  maxUnpackedBytes?: number;
  signal?: AbortSignal;
  onEvent?: (event: DownloadEvent) => void;
}

export interface DownloadedFile {
  /** Path as the user addresses it: the destination folder joined with the archive path. */
  path: string;
  bytes: number;
  /** `present`: already there, nothing done; `kept`: already there, left alone; `extracted`: written now. */
  action: 'extracted' | 'kept' | 'present';
}

export interface DownloadResult {
  dataset: string;
  /** `present`: every file was already there and nothing was downloaded. */
  status: 'downloaded' | 'present';
  dir: string;
  url: string | null;
  archiveBytes: number | null;
  /** SHA-256 computed over the downloaded archive. */
  sha256: string | null;
  expectedSha256: string | null;
  /** MD5 computed over the downloaded archive (checked only where the registry has no SHA-256). */
  md5: string | null;
  expectedMd5: string | null;
  /** What the archive was checked against; null when no checksum was known (then `verified` is false). */
  verifiedAgainst: 'registry' | '--sha256' | null;
  /** Which checksum was compared: the registry's SHA-256 or --sha256, else the registry's MD5. */
  verifiedBy: 'sha256' | 'md5' | null;
  verified: boolean;
  files: DownloadedFile[];
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_REDIRECTS = 5;
/** The size cap of a download when none is given: 2 GiB, some 50 times GLUE's QQP archive. */
export const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;
/** What an archive's files may hold unpacked: GloVe 6B is 2.1 GB, fastText's crawl vectors 4.5 GB. */
export const DEFAULT_MAX_UNPACKED_BYTES = 16 * 1024 ** 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const SHA256_RE = /^[0-9a-f]{64}$/i;

/** Files and folders created on the way, removed again if the operation fails. */
class Scratch {
  private readonly files = new Set<string>();
  private readonly dirs: string[] = [];

  addFile(path: string): void {
    this.files.add(path);
  }

  forgetFile(path: string): void {
    this.files.delete(path);
  }

  /** mkdir -p that remembers which folders it made, so a failure can take them away again. */
  async ensureDir(path: string): Promise<void> {
    const missing: string[] = [];
    let p = resolve(path);
    for (;;) {
      const st = await stat(p).catch(() => undefined);
      if (st) {
        if (!st.isDirectory()) throw new DataError('NOT_A_DIRECTORY', `${p} exists and is not a folder`);
        break;
      }
      missing.unshift(p);
      const parent = dirname(p);
      if (parent === p) break;
      p = parent;
    }
    for (const d of missing) {
      try {
        await mkdir(d);
        this.dirs.push(d);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  }

  async clean(): Promise<void> {
    for (const f of this.files) await rm(f, { force: true }).catch(() => undefined);
    this.files.clear();
    // Deepest first; a folder that holds anything else (someone's files) stays.
    for (const d of this.dirs.reverse()) await rmdir(d).catch(() => undefined);
    this.dirs.length = 0;
  }
}

function tempSuffix(): string {
  return `${process.pid}-${randomBytes(4).toString('hex')}.part`;
}

function fmtBytes(n: number): string {
  return n.toLocaleString('en-US');
}

async function fileSize(path: string): Promise<number | undefined> {
  const st = await stat(path).catch(() => undefined);
  return st?.isFile() ? st.size : undefined;
}

function archivePath(dir: string, name: string): string {
  return join(dir, ...name.split('/'));
}

/** Downloads, verifies and unpacks one registry dataset into `options.dir` (default `data`). */
export async function downloadDataset(
  dataset: DatasetEntry,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const dir = options.dir ?? 'data';
  const override = options.sha256?.trim().toLowerCase();
  if (override !== undefined && !SHA256_RE.test(override)) {
    throw new UsageError(
      'SHA256_INVALID',
      `--sha256 "${options.sha256}" is not a SHA-256: expected 64 hexadecimal digits`,
    );
  }
  const url = options.url ?? dataset.url;
  parseHttpUrl(url, options.url === undefined ? 'the registry URL' : '--url');

  const dirStat = await stat(dir).catch(() => undefined);
  if (dirStat && !dirStat.isDirectory()) {
    throw new UsageError('DIR_NOT_A_FOLDER', `${dir} exists and is not a folder; pass --dir with a folder`);
  }

  if (!options.force) {
    const sizes = await Promise.all(dataset.files.map((f) => fileSize(archivePath(dir, f.path))));
    if (dataset.files.length > 0 && sizes.every((s) => s !== undefined)) {
      return {
        dataset: dataset.name,
        status: 'present',
        dir,
        url: null,
        archiveBytes: null,
        sha256: null,
        expectedSha256: null,
        md5: null,
        expectedMd5: null,
        verifiedAgainst: null,
        verifiedBy: null,
        verified: false,
        files: dataset.files.map((f, i) => ({
          path: archivePath(dir, f.path),
          bytes: sizes[i] ?? 0,
          action: 'present',
        })),
      };
    }
  }

  const expectedSha256 = override ?? dataset.sha256?.toLowerCase() ?? null;
  // A --sha256 names another file; the registry's MD5 counts only where it has no SHA-256.
  const expectedMd5 =
    override === undefined && expectedSha256 === null ? (dataset.md5?.toLowerCase() ?? null) : null;
  const verifiedAgainst =
    override !== undefined ? '--sha256' : expectedSha256 !== null || expectedMd5 !== null ? 'registry' : null;
  const verifiedBy = expectedSha256 !== null ? 'sha256' : expectedMd5 !== null ? 'md5' : null;
  // A --sha256 names a different file, whose size the registry does not know.
  const expectedBytes = override === undefined ? dataset.bytes : undefined;
  const checksumFrom =
    verifiedAgainst === '--sha256' ? '--sha256' : `the registry (${dataset.checksumSource ?? 'qqp'})`;

  const scratch = new Scratch();
  const zipPath = join(dir, `.${dataset.name}.zip.${tempSuffix()}`);
  try {
    await scratch.ensureDir(dir);
    scratch.addFile(zipPath);
    const got = await downloadToFile(url, zipPath, {
      expectedBytes,
      timeoutMs: options.timeoutMs,
      maxRedirects: options.maxRedirects,
      maxBytes: options.maxBytes,
      signal: options.signal,
      onEvent: options.onEvent,
    });
    if (expectedBytes !== undefined && got.bytes !== expectedBytes) {
      throw sizeMismatch(dataset.name, got.url, got.bytes, expectedBytes, checksumFrom);
    }
    if (expectedSha256 !== null && got.sha256 !== expectedSha256) {
      throw new DataError(
        'DOWNLOAD_CHECKSUM_MISMATCH',
        `the file downloaded from ${got.url} (${fmtBytes(got.bytes)} bytes) has SHA-256 ${got.sha256}, ` +
          `but ${dataset.name} should have ${expectedSha256} (from ${checksumFrom}); it was deleted and nothing was unpacked`,
        {
          suggestions: [
            'retry: the transfer may have been damaged',
            'if a mirror given with --url serves a different build on purpose, pass its checksum with --sha256',
          ],
        },
      );
    }
    if (expectedMd5 !== null && got.md5 !== expectedMd5) {
      throw new DataError(
        'DOWNLOAD_CHECKSUM_MISMATCH',
        `the file downloaded from ${got.url} (${fmtBytes(got.bytes)} bytes) has MD5 ${got.md5}, ` +
          `but ${dataset.name} should have ${expectedMd5} (from ${checksumFrom}); it was deleted and nothing was unpacked`,
        {
          suggestions: [
            'retry: the transfer may have been damaged',
            'if a mirror given with --url serves a different build on purpose, pass its checksum with --sha256',
          ],
        },
      );
    }
    const files = await extractZip(zipPath, dir, {
      overwrite: options.force === true,
      required: dataset.files.map((f) => f.path),
      source: got.url,
      maxBytes: options.maxUnpackedBytes ?? DEFAULT_MAX_UNPACKED_BYTES,
      signal: options.signal,
      onEvent: options.onEvent,
    });
    return {
      dataset: dataset.name,
      status: 'downloaded',
      dir,
      url: got.url,
      archiveBytes: got.bytes,
      sha256: got.sha256,
      expectedSha256,
      md5: got.md5,
      expectedMd5,
      verifiedAgainst,
      verifiedBy,
      verified: verifiedBy !== null,
      files,
    };
  } catch (err) {
    await scratch.clean();
    throw err;
  } finally {
    await rm(zipPath, { force: true }).catch(() => undefined);
  }
}

function sizeMismatch(name: string, url: string, got: number, want: number, from: string): DataError {
  return new DataError(
    'DOWNLOAD_SIZE_MISMATCH',
    `${url} serves ${fmtBytes(got)} bytes, but the ${name} archive is ${fmtBytes(want)} bytes ` +
      `(from ${from}); nothing was kept`,
    {
      suggestions: [
        'retry: the server may have sent an incomplete or different file',
        'if a mirror given with --url serves a different build on purpose, pass its checksum with --sha256',
      ],
    },
  );
}

function parseHttpUrl(url: string, what: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError('URL_INVALID', `${what} "${url}" is not a URL; expected http://... or https://...`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new UsageError(
      'URL_INVALID',
      `${what} "${url}" uses ${u.protocol}; only http and https are supported`,
    );
  }
  return u;
}

export interface FetchOptions {
  /** When known, a Content-Length that differs fails at once rather than after the whole transfer. */
  expectedBytes?: number;
  timeoutMs?: number;
  maxRedirects?: number;
  /** Largest body accepted, in bytes (default 2 GiB): a larger Content-Length is refused before
   * the transfer, and a body that grows past it (an endless one) is cut off there. */
  maxBytes?: number;
  signal?: AbortSignal;
  onEvent?: (event: DownloadEvent) => void;
}

export interface FetchResult {
  /** The URL that finally answered (after redirects). */
  url: string;
  bytes: number;
  sha256: string;
  md5: string;
}

class Timeout extends Error {}

/**
 * Streams `url` into `dest` (created exclusively; the caller removes it on failure), hashing on the
 * way. Transport failures become NetworkErrors saying how far the transfer got.
 */
export async function downloadToFile(
  url: string,
  dest: string,
  options: FetchOptions = {},
): Promise<FetchResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const emit = options.onEvent ?? (() => {});
  let current = parseHttpUrl(url, 'the URL');
  const state = {
    timedOut: false,
    received: 0,
    total: undefined as number | undefined,
    responded: false,
    proxy: undefined as URL | undefined,
    proxyAnswer: undefined as number | undefined,
  };

  const fail = (err: unknown): never => {
    throw transportError(err, current, state, timeoutMs, options.signal);
  };

  let res: http.IncomingMessage | undefined;
  for (let hops = 0; ; hops++) {
    emit({ type: 'request', url: current.href });
    res = await request(current, timeoutMs, state, options.signal).catch(fail);
    const refused = proxyRefusal(current, res, state);
    if (refused) {
      res.resume();
      throw refused;
    }
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (REDIRECT_STATUSES.has(status) && location) {
      res.resume();
      if (hops >= maxRedirects) {
        throw new NetworkError(
          'DOWNLOAD_TOO_MANY_REDIRECTS',
          `${url} redirected more than ${maxRedirects} times (last to ${location}); nothing was downloaded`,
          { suggestions: ['pass the final address with --url'] },
        );
      }
      const next = parseHttpUrl(new URL(location, current).href, `the redirect from ${current.href}`);
      emit({ type: 'redirect', from: current.href, to: next.href });
      current = next;
      continue;
    }
    if (status !== 200) {
      res.resume();
      const hint =
        status === 404 || status === 410
          ? 'the file may have moved; pass a mirror with --url'
          : status >= 500 || status === 429
            ? 'the server is having trouble; retry later, or pass a mirror with --url'
            : 'check the address, or pass a mirror with --url';
      const statusText = res.statusMessage ? `${status} ${res.statusMessage}` : String(status);
      throw new NetworkError(
        'DOWNLOAD_HTTP_STATUS',
        `${current.host} answered ${statusText} for ${current.href}; nothing was downloaded`,
        { suggestions: [hint] },
      );
    }
    break;
  }

  const lengthHeader = res.headers['content-length'];
  const total = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
  state.total = total;
  state.responded = true;
  emit({ type: 'response', url: current.href, totalBytes: total });
  if (total !== undefined && options.expectedBytes !== undefined && total !== options.expectedBytes) {
    res.destroy();
    throw new DataError(
      'DOWNLOAD_SIZE_MISMATCH',
      `${current.href} announces ${fmtBytes(total)} bytes, but the expected archive is ` +
        `${fmtBytes(options.expectedBytes)} bytes; nothing was downloaded`,
      {
        suggestions: [
          'check the address: it seems to serve a different file',
          'if a mirror given with --url serves a different build on purpose, pass its checksum with --sha256',
        ],
      },
    );
  }

  if (total !== undefined && total > maxBytes) {
    res.destroy();
    throw tooLarge(
      current.href,
      `announces ${fmtBytes(total)} bytes, more than`,
      maxBytes,
      'nothing was downloaded',
    );
  }

  const hash = createHash('sha256');
  const md5 = createHash('md5');
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (state.received + chunk.length > maxBytes) {
        cb(
          tooLarge(
            current.href,
            'sent more than',
            maxBytes,
            'the partial download was deleted and nothing was kept',
          ),
        );
        return;
      }
      hash.update(chunk);
      md5.update(chunk);
      state.received += chunk.length;
      emit({ type: 'progress', receivedBytes: state.received, totalBytes: total });
      cb(null, chunk);
    },
  });
  const out = createWriteStream(dest, { flags: 'wx' });
  // Which side failed first: pipeline destroys the other streams with the first error, and from
  // Node 22 on the file stream then emits it too, so only the first 'error' says where it began.
  let firstFailure: 'network' | 'write' | undefined;
  res.on('error', () => {
    firstFailure ??= 'network';
  });
  meter.on('error', () => {
    firstFailure ??= 'network';
  });
  out.on('error', () => {
    firstFailure ??= 'write';
  });
  try {
    await pipeline(res, meter, out);
  } catch (err) {
    if (firstFailure === 'write') {
      // Our side failed (disk full, permissions), not the network.
      throw new DataError(
        'WRITE_FAILED',
        `could not write ${dest}: ${(err as Error).message}; nothing was kept`,
        {
          cause: err,
        },
      );
    }
    fail(err);
  }
  if (total !== undefined && state.received !== total) {
    fail(new Error('body shorter than Content-Length'));
  }
  const sha256 = hash.digest('hex');
  emit({ type: 'downloaded', bytes: state.received, sha256 });
  return { url: current.href, bytes: state.received, sha256, md5: md5.digest('hex') };
}

/** `what` leads to the cap: "announces 5 bytes, more than" or "sent more than". */
function tooLarge(url: string, what: string, maxBytes: number, outcome: string): DataError {
  return new DataError(
    'DOWNLOAD_TOO_LARGE',
    `${url} ${what} the ${fmtBytes(maxBytes)} bytes allowed (--max-bytes); ${outcome}`,
    {
      suggestions: [
        'check the address: it seems to serve something other than the archive',
        'if the archive really is that large, raise --max-bytes',
      ],
    },
  );
}

interface RequestState {
  timedOut: boolean;
  proxy?: URL | undefined;
  /** The status a proxy answered to CONNECT (https URLs through a proxy only). */
  proxyAnswer?: number | undefined;
}

function request(
  url: URL,
  timeoutMs: number,
  state: RequestState,
  signal: AbortSignal | undefined,
): Promise<http.IncomingMessage> {
  const proxy = proxyFor(url);
  state.proxy = proxy;
  state.proxyAnswer = undefined;
  return new Promise((resolvePromise, reject) => {
    const headers = { 'user-agent': 'qqp-cli', 'accept-encoding': 'identity' };
    const mod = url.protocol === 'https:' ? https : http;
    let req: http.ClientRequest;
    if (proxy === undefined) {
      req = mod.get(url, { headers, signal }, resolvePromise);
    } else {
      // Until the agent hands the request its socket (the proxy connected and, for https, answered
      // CONNECT), req.setTimeout has nothing to watch: this timer ends that phase instead.
      const connecting = new AbortController();
      const timer = setTimeout(() => {
        state.timedOut = true;
        connecting.abort(new Timeout(`the proxy ${proxy.host} sent nothing for ${timeoutMs} ms`));
      }, timeoutMs);
      const agent = proxyAgent(
        url,
        proxy,
        signal ? AbortSignal.any([signal, connecting.signal]) : connecting.signal,
      );
      req = mod.get(url, { headers, signal, agent }, resolvePromise);
      req.once('socket', () => clearTimeout(timer));
      req.once('close', () => clearTimeout(timer));
      req.on('proxyConnect', (answer: { statusCode?: number }) => {
        if (answer.statusCode !== undefined) state.proxyAnswer = answer.statusCode;
      });
    }
    // The socket timeout stays armed while the body streams, so it also catches a stalled transfer.
    req.setTimeout(timeoutMs, () => {
      state.timedOut = true;
      req.destroy(new Timeout(`no data for ${timeoutMs} ms`));
    });
    req.on('error', reject);
  });
}

/** A proxy that would not pass the request on: its CONNECT answer, or a 407 to a plain request. */
function proxyRefusal(url: URL, res: http.IncomingMessage, state: RequestState): NetworkError | undefined {
  const proxy = state.proxy;
  if (proxy === undefined) return undefined;
  const status = res.statusCode ?? 0;
  const tunnelRefused = state.proxyAnswer !== undefined && state.proxyAnswer !== 200;
  if (!tunnelRefused && status !== 407) return undefined;
  const statusText = `${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`;
  const asked = tunnelRefused
    ? `CONNECT ${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`
    : `GET ${url.href}`;
  return new NetworkError(
    'DOWNLOAD_PROXY_REFUSED',
    `the proxy ${proxy.host} answered ${statusText} to ${asked}; nothing was downloaded`,
    {
      suggestions:
        status === 407
          ? ['the proxy wants credentials: put them in the proxy address, http://USER:PASSWORD@HOST:PORT']
          : ['check HTTPS_PROXY / HTTP_PROXY, or add the host to NO_PROXY to connect directly'],
    },
  );
}

function transportError(
  err: unknown,
  url: URL,
  state: {
    timedOut: boolean;
    received: number;
    total: number | undefined;
    responded: boolean;
    proxy?: URL | undefined;
  },
  timeoutMs: number,
  signal: AbortSignal | undefined,
): QqpError {
  if (err instanceof QqpError) return err;
  const progress = state.responded
    ? ` after ${fmtBytes(state.received)}${state.total === undefined ? '' : ` of ${fmtBytes(state.total)}`} bytes`
    : '';
  if (signal?.aborted) {
    return new NetworkError(
      'DOWNLOAD_ABORTED',
      `the download from ${url.href} was interrupted${progress}; nothing was kept`,
      {
        cause: err,
      },
    );
  }
  if (state.timedOut || err instanceof Timeout) {
    return new NetworkError(
      'DOWNLOAD_TIMEOUT',
      `${url.host} sent nothing for ${Math.round(timeoutMs / 1000)} s${progress}; the download was abandoned and nothing was kept`,
      { cause: err, suggestions: ['retry later, or pass a mirror with --url'] },
    );
  }
  const code = (err as NodeJS.ErrnoException).code;
  const why = code ? `${code}: ${(err as Error).message}` : String((err as Error)?.message ?? err);
  if (!state.responded) {
    const via = state.proxy ? ` through the proxy ${state.proxy.host}` : '';
    return new NetworkError(
      'DOWNLOAD_CONNECT_FAILED',
      `could not reach ${url.host}${via} for ${url.href} (${why}); nothing was downloaded`,
      {
        cause: err,
        suggestions: [
          state.proxy
            ? 'check the proxy (HTTPS_PROXY, HTTP_PROXY) and retry, or add the host to NO_PROXY'
            : 'check the network connection and retry, or pass a mirror with --url',
        ],
      },
    );
  }
  return new NetworkError(
    'DOWNLOAD_INTERRUPTED',
    `the connection to ${url.host} broke${progress} (${why}); the partial download was deleted and nothing was kept`,
    { cause: err, suggestions: ['retry; if it keeps failing, pass a mirror with --url'] },
  );
}

export interface ExtractOptions {
  /** Replace files that already exist (else they are kept as they are). */
  overwrite?: boolean;
  /** Archive paths that must be present; the archive is rejected without them. */
  required?: string[];
  /** Where the archive came from, for messages; default its path. */
  source?: string;
  /**
   * Most bytes the files may hold unpacked (default DEFAULT_MAX_UNPACKED_BYTES): an archive whose
   * entries say more is refused before the entry that passes it is written (a zip bomb fills no
   * disk; yauzl checks each entry's bytes against the size it declares).
   */
  maxBytes?: number;
  signal?: AbortSignal;
  onEvent?: (event: DownloadEvent) => void;
}

const UNSAFE_NAME_RE = /absolute path|invalid relative path|invalid characters in fileName/;

/** Why an entry name is not safe to write under the destination, or undefined when it is. */
function unsafeName(name: string): string | undefined {
  if (name.length === 0) return 'empty name';
  if (name.includes('\0')) return 'NUL in name';
  if (name.includes('\\')) return 'backslash in name';
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) return 'absolute path';
  if (name.split('/').some((seg) => seg === '..')) return '".." in path';
  return undefined;
}

/**
 * Unpacks `zipPath` into `destDir`. Every file is written under a temporary name and renamed only
 * once the whole archive has been read, so a corrupt or unsafe archive leaves no file under a
 * final name. Entries outside `destDir` (absolute, `..`) or symbolic links are refused.
 */
export async function extractZip(
  zipPath: string,
  destDir: string,
  options: ExtractOptions = {},
): Promise<DownloadedFile[]> {
  const source = options.source ?? zipPath;
  const root = resolve(destDir);
  const scratch = new Scratch();
  const staged: { name: string; temp: string; final: string; bytes: number }[] = [];
  const kept: DownloadedFile[] = [];
  const seen = new Set<string>();
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_UNPACKED_BYTES;
  let unpacked = 0;
  let zip: yauzl.ZipFile | undefined;
  try {
    zip = await yauzl.openPromise(zipPath, { validateEntrySizes: true });
    let index = 0;
    for await (const entry of zip.eachEntry()) {
      if (options.signal?.aborted)
        throw new NetworkError('DOWNLOAD_ABORTED', 'interrupted while unpacking; nothing was kept');
      const name = entry.fileName;
      const bad = unsafeName(name);
      if (bad) throw unsafeEntry(source, name, bad);
      // macOS archive metadata, not data.
      if (name.startsWith('__MACOSX/')) continue;
      const final = join(root, ...name.split('/').filter((s) => s !== '' && s !== '.'));
      const rel = relative(root, final);
      if (rel.startsWith('..') || resolve(root, rel) !== final)
        throw unsafeEntry(source, name, 'outside the destination');
      if (name.endsWith('/')) {
        await scratch.ensureDir(final);
        continue;
      }
      // Unix mode lives in the top 16 bits of the external attributes; 0o120000 is a symbolic link.
      if (((entry.externalFileAttributes >>> 16) & 0o170000) === 0o120000) {
        throw unsafeEntry(source, name, 'symbolic link');
      }
      if (seen.has(final)) throw unsafeEntry(source, name, 'appears twice');
      seen.add(final);
      if (entry.isEncrypted()) {
        throw new DataError(
          'ARCHIVE_UNSUPPORTED',
          `${source}: entry ${name} is encrypted; qqp cannot unpack it`,
        );
      }
      const display = join(destDir, ...name.split('/'));
      if (!options.overwrite) {
        const existing = await lstat(final).catch(() => undefined);
        if (existing) {
          kept.push({ path: display, bytes: existing.size, action: 'kept' });
          continue;
        }
      }
      unpacked += entry.uncompressedSize;
      if (unpacked > maxBytes) {
        throw new DataError(
          'ARCHIVE_TOO_LARGE',
          `${source} would unpack to more than the ${fmtBytes(maxBytes)} bytes allowed (--max-unpacked-bytes; ${fmtBytes(unpacked)} by entry ${name}); nothing was unpacked`,
          {
            suggestions: [
              'do not use this archive: it seems not to be the expected one',
              'if its files really are that large, raise --max-unpacked-bytes',
            ],
          },
        );
      }
      await scratch.ensureDir(dirname(final));
      const temp = join(dirname(final), `.${basename(final)}.${tempSuffix()}`);
      scratch.addFile(temp);
      const stream = await zip.openReadStreamPromise(entry);
      const out = createWriteStream(temp, { flags: 'wx' });
      await pipeline(stream, out);
      staged.push({ name, temp, final, bytes: out.bytesWritten });
      options.onEvent?.({ type: 'extract', file: display, index: index++ });
    }
    const have = new Set([...staged.map((s) => s.final), ...kept.map((k) => resolve(k.path))]);
    const missing = (options.required ?? []).filter((p) => !have.has(join(root, ...p.split('/'))));
    if (missing.length > 0) {
      throw new DataError(
        'ARCHIVE_MISSING_FILE',
        `${source} does not contain ${missing.join(', ')}; it is not the expected archive, and nothing was kept`,
        { suggestions: ['check the address given with --url'] },
      );
    }
    for (const s of staged) {
      await rename(s.temp, s.final);
      scratch.forgetFile(s.temp);
    }
  } catch (err) {
    zip?.close();
    await scratch.clean();
    throw archiveError(err, source);
  }
  return [
    ...staged.map((s) => ({
      path: join(destDir, ...s.name.split('/')),
      bytes: s.bytes,
      action: 'extracted' as const,
    })),
    ...kept,
  ];
}

function unsafeEntry(source: string, name: string, why: string): DataError {
  return new DataError(
    'ARCHIVE_UNSAFE_ENTRY',
    `${source} holds an entry that would be written outside the destination or is not a plain file (${JSON.stringify(name)}: ${why}); nothing was unpacked`,
    { suggestions: ['do not use this archive; check where it came from'] },
  );
}

function archiveError(err: unknown, source: string): QqpError {
  if (err instanceof QqpError) return err;
  const e = err as NodeJS.ErrnoException;
  const message = e?.message ?? String(err);
  // yauzl checks entry names itself before handing them over; its message is "<why>: <name>".
  const unsafe = UNSAFE_NAME_RE.exec(message);
  if (unsafe) return unsafeEntry(source, message.slice(message.indexOf(': ') + 2), unsafe[0]);
  if (e?.syscall !== undefined) {
    return new DataError('WRITE_FAILED', `could not unpack ${source}: ${message}; nothing was kept`, {
      cause: err,
    });
  }
  return new DataError(
    'ARCHIVE_CORRUPT',
    `${source} is not a readable zip archive (${message}); nothing was unpacked`,
    {
      cause: err,
      suggestions: [
        'retry the download; if it keeps failing, the file on the server is damaged: try a mirror with --url',
      ],
    },
  );
}
