import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yazl from 'yazl';
import { type DatasetEntry, datasetNames, getDataset, listDatasets } from '../../src/data/datasets.js';
import { type DownloadEvent, downloadDataset, extractZip } from '../../src/data/download.js';
import { DataError, NetworkError, type QqpError, UsageError } from '../../src/errors.js';
import { type FixtureServer, startFixtureServer } from '../fixtures/download/server.js';
import { PROJECT_ROOT, runCli, runCliJson } from '../helpers/cli.js';

// Made-up rows in GLUE's QQP layout (not real QQP text).
const TRAIN = [
  'id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate',
  ...Array.from(
    { length: 300 },
    (_, i) =>
      `${i}\t${2 * i}\t${2 * i + 1}\tHow do I water fern number ${i}?\tHow often should fern ${i} be watered?\t${i % 3 === 0 ? 1 : 0}`,
  ),
].join('\n');
const DEV = [
  'id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate',
  '1\t10\t11\tWhat is a teapot for?\tWhy do people own teapots?\t1',
  '2\t12\t13\tCan a kite fly at night?\tWhich glue fixes a mug?\t0',
].join('\n');
const TEST = ['id\tquestion1\tquestion2', '0\tIs the moon made of cheese?\tWhat is the moon made of?'].join(
  '\n',
);

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

// Small made-up vector files in the layouts of glove.6B.zip and crawl-300d-2M.vec.zip.
const GLOVE_FILES = ['glove.6B.100d.txt', 'glove.6B.200d.txt', 'glove.6B.300d.txt', 'glove.6B.50d.txt'];
const glove = (dim: number) =>
  ['the', 'how', 'fern']
    .map((w, i) => `${w} ${Array.from({ length: dim }, (_, j) => ((i + j) % 7) / 10).join(' ')}\n`)
    .join('');
const FASTTEXT = `2 3\nthe 0.1 0.2 0.3\nfern -0.1 0 0.5\n`;
const TIMEOUT = { timeout: 30_000 };

function makeZip(entries: [name: string, content: string, compress?: boolean][]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content, compress = true] of entries) {
    zip.addBuffer(Buffer.from(content), name, { mtime: new Date(2020, 0, 1), compress });
  }
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/** Replaces every occurrence of `from` by `to` (same length) in a zip's headers. */
function patchName(zip: Buffer, from: string, to: string): Buffer {
  assert.equal(from.length, to.length);
  const out = Buffer.from(zip);
  let at = out.indexOf(from);
  let n = 0;
  while (at !== -1) {
    out.write(to, at, 'latin1');
    at = out.indexOf(from, at + 1);
    n++;
  }
  assert.ok(n >= 2, 'name found in local header and central directory');
  return out;
}

/** Breaks the deflate data of entry `name` (its first block header becomes an invalid block type). */
function breakEntryData(zip: Buffer, name: string): Buffer {
  const out = Buffer.from(zip);
  const nameAt = out.indexOf(name); // first hit: the local file header
  const header = nameAt - 30;
  assert.equal(out.readUInt32LE(header), 0x04034b50, 'local file header signature');
  const dataAt = nameAt + out.readUInt16LE(header + 26) + out.readUInt16LE(header + 28);
  out.fill(0xff, dataAt, dataAt + 4);
  return out;
}

/** Every file under `dir` (dot-files included), relative, sorted; [] when `dir` does not exist. */
function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

const QQP_FILES = ['QQP/dev.tsv', 'QQP/test.tsv', 'QQP/train.tsv'];

let root: string;
let fixtures: Record<string, Buffer>;
let server: FixtureServer;
let n = 0;
const freshDir = () => join(root, `dest-${++n}`);

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'qqp-download-'));
  const good = await makeZip([
    ['QQP/train.tsv', TRAIN],
    ['QQP/dev.tsv', DEV, false],
    ['QQP/test.tsv', TEST],
  ]);
  fixtures = {
    'ok.zip': good,
    'not-a-zip.zip': Buffer.from(
      'this is not a zip archive, just some text that is long enough\n'.repeat(20),
    ),
    'broken-entry.zip': breakEntryData(
      await makeZip([
        ['QQP/dev.tsv', DEV, false],
        ['QQP/train.tsv', TRAIN],
        ['QQP/test.tsv', TEST],
      ]),
      'QQP/train.tsv',
    ),
    'traversal.zip': patchName(
      await makeZip([
        ['QQP/train.tsv', TRAIN],
        ['QQP/zz/evil.txt', 'gotcha'],
      ]),
      'QQP/zz/evil.txt',
      'QQP/../../e.txt',
    ),
    'absolute.zip': patchName(
      await makeZip([
        ['QQP/train.tsv', TRAIN],
        ['AQQP/evil.txt', 'gotcha'],
      ]),
      'AQQP/evil.txt',
      '/QQP/evil.txt',
    ),
    'no-test.zip': await makeZip([
      ['QQP/train.tsv', TRAIN],
      ['QQP/dev.tsv', DEV],
    ]),
    'glove.zip': await makeZip(GLOVE_FILES.map((f) => [f, glove(Number(/(\d+)d/.exec(f)![1]))])),
    'fasttext.zip': await makeZip([['crawl-300d-2M.vec', FASTTEXT]]),
  };
  server = await startFixtureServer(fixtures);
});

after(async () => {
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const qqp = (): DatasetEntry => getDataset('glue-qqp');

async function rejectsWith(
  p: Promise<unknown>,
  type: abstract new (...args: never[]) => QqpError,
  code: string,
): Promise<QqpError> {
  const err = await p.then(
    () => assert.fail(`expected ${code}, but it succeeded`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
  assert.equal((err as QqpError).code, code, (err as Error).message);
  return err as QqpError;
}

describe('dataset registry', () => {
  it('knows glue-qqp with its pinned size, checksum and files', () => {
    assert.deepEqual(datasetNames(), ['glue-qqp', 'glove-6b', 'fasttext-crawl']);
    const d = listDatasets()[0]!;
    assert.equal(d.url, 'https://dl.fbaipublicfiles.com/glue/data/QQP-clean.zip');
    assert.equal(d.bytes, 41_696_084);
    assert.match(d.sha256 ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual(d.files.map((f) => f.path).sort(), QQP_FILES);
  });

  it('knows glove-6b (size and published MD5) and fasttext-crawl (size only, no checksum)', () => {
    const g = getDataset('glove-6b');
    assert.equal(g.url, 'https://nlp.stanford.edu/data/glove.6B.zip');
    assert.equal(g.bytes, 862_182_613);
    assert.equal(g.md5, '056ea991adb4740ac6bf1b6d9b50408b');
    assert.equal(g.sha256, undefined);
    assert.deepEqual(g.files.map((f) => f.path).sort(), GLOVE_FILES);
    assert.ok(g.files.every((f) => f.format === 'glove-text'));
    const f = getDataset('fasttext-crawl');
    assert.equal(f.url, 'https://dl.fbaipublicfiles.com/fasttext/vectors-english/crawl-300d-2M.vec.zip');
    assert.equal(f.bytes, 1_523_785_255);
    assert.equal(f.sha256, undefined);
    assert.equal(f.md5, undefined);
    assert.deepEqual(f.files, [
      { path: 'crawl-300d-2M.vec', format: 'fasttext-vec', description: 'word vectors (fastText .vec)' },
    ]);
  });

  it('an unknown name is a usage error that lists the known ones and suggests the closest', () => {
    for (const name of ['glue-qpq', 'qqp', 'GLUE-QQP']) {
      assert.throws(
        () => getDataset(name),
        (e: unknown) =>
          e instanceof UsageError &&
          e.code === 'DATASET_UNKNOWN' &&
          e.message.includes('glue-qqp') &&
          e.suggestions.includes('did you mean "glue-qqp"?'),
        name,
      );
    }
    assert.throws(
      () => getDataset('imagenet'),
      (e: unknown) => e instanceof UsageError && e.suggestions.length === 0 && e.message.includes('glue-qqp'),
    );
  });
});

describe('downloadDataset', () => {
  it(
    'downloads, verifies and unpacks, reporting progress, leaving only the final files',
    TIMEOUT,
    async () => {
      const dir = freshDir();
      const events: DownloadEvent[] = [];
      const r = await downloadDataset(qqp(), {
        dir,
        url: `${server.url}/files/ok.zip`,
        sha256: sha256(fixtures['ok.zip']!).toUpperCase(),
        timeoutMs: 5_000,
        onEvent: (e) => events.push(e),
      });
      assert.equal(r.status, 'downloaded');
      assert.equal(r.sha256, sha256(fixtures['ok.zip']!));
      assert.equal(r.archiveBytes, fixtures['ok.zip']!.length);
      assert.equal(r.verified, true);
      assert.equal(r.verifiedAgainst, '--sha256');
      assert.deepEqual(listFiles(dir), QQP_FILES);
      assert.equal(readFileSync(join(dir, 'QQP/train.tsv'), 'utf8'), TRAIN);
      assert.equal(readFileSync(join(dir, 'QQP/dev.tsv'), 'utf8'), DEV);
      assert.equal(readFileSync(join(dir, 'QQP/test.tsv'), 'utf8'), TEST);
      assert.deepEqual(r.files.map((f) => [f.path, f.bytes, f.action]).sort(), [
        [join(dir, 'QQP/dev.tsv'), Buffer.byteLength(DEV), 'extracted'],
        [join(dir, 'QQP/test.tsv'), Buffer.byteLength(TEST), 'extracted'],
        [join(dir, 'QQP/train.tsv'), Buffer.byteLength(TRAIN), 'extracted'],
      ]);
      const progress = events.filter((e) => e.type === 'progress');
      assert.ok(progress.length > 0);
      assert.deepEqual(progress.at(-1), {
        type: 'progress',
        receivedBytes: fixtures['ok.zip']!.length,
        totalBytes: fixtures['ok.zip']!.length,
      });
      assert.equal(events.filter((e) => e.type === 'extract').length, 3);
    },
  );

  it('follows a redirect', TIMEOUT, async () => {
    const dir = freshDir();
    const events: DownloadEvent[] = [];
    const r = await downloadDataset(qqp(), {
      dir,
      url: `${server.url}/redirect/ok.zip`,
      sha256: sha256(fixtures['ok.zip']!),
      timeoutMs: 5_000,
      onEvent: (e) => events.push(e),
    });
    assert.equal(r.url, `${server.url}/files/ok.zip`);
    assert.ok(events.some((e) => e.type === 'redirect'));
    assert.deepEqual(listFiles(dir), QQP_FILES);
  });

  it('gives up on a redirect loop', TIMEOUT, async () => {
    const dir = freshDir();
    await rejectsWith(
      downloadDataset(qqp(), { dir, url: `${server.url}/loop`, maxRedirects: 3, timeoutMs: 5_000 }),
      NetworkError,
      'DOWNLOAD_TOO_MANY_REDIRECTS',
    );
    assert.equal(existsSync(dir), false);
  });

  it(
    'a mirror is checked against the known size and checksum when no --sha256 is given',
    TIMEOUT,
    async () => {
      const dir = freshDir();
      const before = server.requests.length;
      const err = await rejectsWith(
        downloadDataset(qqp(), { dir, url: `${server.url}/files/ok.zip`, timeoutMs: 5_000 }),
        DataError,
        'DOWNLOAD_SIZE_MISMATCH',
      );
      assert.match(err.message, /41,696,084 bytes/);
      assert.equal(server.requests.length, before + 1);
      assert.equal(existsSync(dir), false);
    },
  );

  it('a checksum mismatch keeps nothing', TIMEOUT, async () => {
    const dir = freshDir();
    const err = await rejectsWith(
      downloadDataset(qqp(), {
        dir,
        url: `${server.url}/files/ok.zip`,
        sha256: '0'.repeat(64),
        timeoutMs: 5_000,
      }),
      DataError,
      'DOWNLOAD_CHECKSUM_MISMATCH',
    );
    assert.ok(err.message.includes(sha256(fixtures['ok.zip']!)), err.message);
    assert.ok(err.message.includes('0'.repeat(64)));
    assert.equal(existsSync(dir), false);
  });

  it('a failure leaves an existing folder and its other files alone', TIMEOUT, async () => {
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    await rejectsWith(
      downloadDataset(qqp(), {
        dir,
        url: `${server.url}/files/ok.zip`,
        sha256: 'a'.repeat(64),
        timeoutMs: 5_000,
      }),
      DataError,
      'DOWNLOAD_CHECKSUM_MISMATCH',
    );
    assert.deepEqual(listFiles(dir), ['notes.txt']);
  });

  it('a connection dropped mid-body is a network error and keeps nothing', TIMEOUT, async () => {
    const dir = freshDir();
    const err = await rejectsWith(
      downloadDataset(qqp(), {
        dir,
        url: `${server.url}/drop/ok.zip`,
        sha256: sha256(fixtures['ok.zip']!),
        timeoutMs: 5_000,
      }),
      NetworkError,
      'DOWNLOAD_INTERRUPTED',
    );
    assert.match(err.message, /broke after [\d,]+ of [\d,]+ bytes/);
    assert.equal(existsSync(dir), false);
  });

  it('an HTTP 404 is a network error naming the status', TIMEOUT, async () => {
    const dir = freshDir();
    const err = await rejectsWith(
      downloadDataset(qqp(), {
        dir,
        url: `${server.url}/status/404`,
        sha256: 'b'.repeat(64),
        timeoutMs: 5_000,
      }),
      NetworkError,
      'DOWNLOAD_HTTP_STATUS',
    );
    assert.match(err.message, /404/);
    assert.ok(err.suggestions.some((s) => s.includes('--url')));
    assert.equal(existsSync(dir), false);
  });

  it('a refused connection is a network error', TIMEOUT, async () => {
    // Port 1 on loopback: nothing listens there.
    const dir = freshDir();
    await rejectsWith(
      downloadDataset(qqp(), {
        dir,
        url: 'http://127.0.0.1:1/x.zip',
        sha256: 'b'.repeat(64),
        timeoutMs: 5_000,
      }),
      NetworkError,
      'DOWNLOAD_CONNECT_FAILED',
    );
    assert.equal(existsSync(dir), false);
  });

  it('a stalled transfer times out and keeps nothing', TIMEOUT, async () => {
    const dir = freshDir();
    await rejectsWith(
      downloadDataset(qqp(), {
        dir,
        url: `${server.url}/stall/ok.zip`,
        sha256: 'c'.repeat(64),
        timeoutMs: 300,
      }),
      NetworkError,
      'DOWNLOAD_TIMEOUT',
    );
    assert.equal(existsSync(dir), false);
  });

  it('an abort (Ctrl-C) mid-transfer keeps nothing', TIMEOUT, async () => {
    const dir = freshDir();
    const controller = new AbortController();
    await rejectsWith(
      downloadDataset(qqp(), {
        dir,
        url: `${server.url}/stall/ok.zip`,
        sha256: 'c'.repeat(64),
        timeoutMs: 10_000,
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'progress') controller.abort();
        },
      }),
      NetworkError,
      'DOWNLOAD_ABORTED',
    );
    assert.equal(existsSync(dir), false);
  });

  it('an endless body is cut off at maxBytes, a data error, and keeps nothing', TIMEOUT, async () => {
    const dir = freshDir();
    let received = 0;
    const err = await rejectsWith(
      downloadDataset(qqp(), {
        dir,
        url: `${server.url}/endless`,
        sha256: 'c'.repeat(64),
        maxBytes: 100_000,
        timeoutMs: 10_000,
        onEvent: (e) => {
          if (e.type === 'progress') received = e.receivedBytes;
        },
      }),
      DataError,
      'DOWNLOAD_TOO_LARGE',
    );
    assert.match(
      err.message,
      /sent more than the 100,000 bytes allowed \(--max-bytes\); the partial download was deleted/,
    );
    assert.ok(received <= 100_000, `${received} bytes taken`);
    assert.equal(existsSync(dir), false);
  });

  it('a Content-Length above maxBytes is refused before the transfer', TIMEOUT, async () => {
    const dir = freshDir();
    const events: DownloadEvent[] = [];
    const err = await rejectsWith(
      downloadDataset(qqp(), {
        dir,
        url: `${server.url}/huge`,
        sha256: 'c'.repeat(64),
        timeoutMs: 10_000,
        onEvent: (e) => events.push(e),
      }),
      DataError,
      'DOWNLOAD_TOO_LARGE',
    );
    assert.match(err.message, /announces 1,000,000,000,000 bytes, more than the 2,147,483,648 bytes allowed/);
    assert.equal(events.filter((e) => e.type === 'progress').length, 0);
    assert.equal(existsSync(dir), false);
  });

  it('a file that is not a zip is a data error and keeps nothing', TIMEOUT, async () => {
    const dir = freshDir();
    const err = await rejectsWith(
      downloadDataset(qqp(), {
        dir,
        url: `${server.url}/files/not-a-zip.zip`,
        sha256: sha256(fixtures['not-a-zip.zip']!),
        timeoutMs: 5_000,
      }),
      DataError,
      'ARCHIVE_CORRUPT',
    );
    assert.match(err.message, /not a readable zip/);
    assert.equal(existsSync(dir), false);
  });

  it('a zip whose second entry is damaged leaves not even the first entry', TIMEOUT, async () => {
    const dir = freshDir();
    await rejectsWith(
      downloadDataset(qqp(), {
        dir,
        url: `${server.url}/files/broken-entry.zip`,
        sha256: sha256(fixtures['broken-entry.zip']!),
        timeoutMs: 5_000,
      }),
      DataError,
      'ARCHIVE_CORRUPT',
    );
    assert.equal(existsSync(dir), false);
  });

  for (const name of ['traversal.zip', 'absolute.zip']) {
    it(`refuses an archive with an unsafe entry name (${name})`, TIMEOUT, async () => {
      const dir = freshDir();
      await rejectsWith(
        downloadDataset(qqp(), {
          dir,
          url: `${server.url}/files/${name}`,
          sha256: sha256(fixtures[name]!),
          timeoutMs: 5_000,
        }),
        DataError,
        'ARCHIVE_UNSAFE_ENTRY',
      );
      assert.equal(existsSync(dir), false);
      assert.equal(existsSync(join(root, 'e.txt')), false);
      assert.equal(existsSync('/QQP/evil.txt'), false);
    });
  }

  it('an archive without an expected file is refused', TIMEOUT, async () => {
    const dir = freshDir();
    const err = await rejectsWith(
      downloadDataset(qqp(), {
        dir,
        url: `${server.url}/files/no-test.zip`,
        sha256: sha256(fixtures['no-test.zip']!),
        timeoutMs: 5_000,
      }),
      DataError,
      'ARCHIVE_MISSING_FILE',
    );
    assert.match(err.message, /QQP\/test\.tsv/);
    assert.equal(existsSync(dir), false);
  });

  it('does nothing when the files are there, and downloads again with force', TIMEOUT, async () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'QQP'), { recursive: true });
    for (const f of QQP_FILES) writeFileSync(join(dir, f), 'old');
    const before = server.requests.length;
    const opts = {
      dir,
      url: `${server.url}/files/ok.zip`,
      sha256: sha256(fixtures['ok.zip']!),
      timeoutMs: 5_000,
    };
    const r = await downloadDataset(qqp(), opts);
    assert.equal(r.status, 'present');
    assert.deepEqual(
      r.files.map((f) => [f.bytes, f.action]),
      [
        [3, 'present'],
        [3, 'present'],
        [3, 'present'],
      ],
    );
    assert.equal(server.requests.length, before, 'no request made');
    assert.equal(readFileSync(join(dir, 'QQP/train.tsv'), 'utf8'), 'old');

    const forced = await downloadDataset(qqp(), { ...opts, force: true });
    assert.equal(forced.status, 'downloaded');
    assert.equal(server.requests.length, before + 1);
    assert.equal(readFileSync(join(dir, 'QQP/train.tsv'), 'utf8'), TRAIN);
    assert.deepEqual(listFiles(dir), QQP_FILES);
  });

  it('when only some files are there, keeps them and adds the missing ones', TIMEOUT, async () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'QQP'), { recursive: true });
    writeFileSync(join(dir, 'QQP/train.tsv'), 'my own');
    const r = await downloadDataset(qqp(), {
      dir,
      url: `${server.url}/files/ok.zip`,
      sha256: sha256(fixtures['ok.zip']!),
      timeoutMs: 5_000,
    });
    assert.equal(r.status, 'downloaded');
    assert.deepEqual(Object.fromEntries(r.files.map((f) => [relative(dir, f.path), f.action])), {
      'QQP/train.tsv': 'kept',
      'QQP/dev.tsv': 'extracted',
      'QQP/test.tsv': 'extracted',
    });
    assert.equal(readFileSync(join(dir, 'QQP/train.tsv'), 'utf8'), 'my own');
    assert.equal(readFileSync(join(dir, 'QQP/dev.tsv'), 'utf8'), DEV);
    assert.deepEqual(listFiles(dir), QQP_FILES);
  });

  it(
    'without a known checksum it unpacks, reports the computed SHA-256 and says it is unverified',
    TIMEOUT,
    async () => {
      const dir = freshDir();
      const { sha256: _s, bytes: _b, ...rest } = qqp();
      const unpinned: DatasetEntry = { ...rest, name: 'unpinned', url: `${server.url}/chunked/ok.zip` };
      const events: DownloadEvent[] = [];
      const r = await downloadDataset(unpinned, { dir, timeoutMs: 5_000, onEvent: (e) => events.push(e) });
      assert.equal(r.verified, false);
      assert.equal(r.verifiedAgainst, null);
      assert.equal(r.expectedSha256, null);
      assert.equal(r.sha256, sha256(fixtures['ok.zip']!));
      assert.ok(events.some((e) => e.type === 'response' && e.totalBytes === undefined));
      assert.deepEqual(listFiles(dir), QQP_FILES);
    },
  );

  it('rejects a malformed --sha256 and a non-http --url before any request', TIMEOUT, async () => {
    const before = server.requests.length;
    await rejectsWith(
      downloadDataset(qqp(), { dir: freshDir(), sha256: 'xyz' }),
      UsageError,
      'SHA256_INVALID',
    );
    await rejectsWith(
      downloadDataset(qqp(), { dir: freshDir(), url: 'ftp://x/y.zip' }),
      UsageError,
      'URL_INVALID',
    );
    await rejectsWith(
      downloadDataset(qqp(), { dir: freshDir(), url: 'not a url' }),
      UsageError,
      'URL_INVALID',
    );
    assert.equal(server.requests.length, before);
  });
});

describe('extractZip', () => {
  it('unpacks a local archive and refuses an unsafe one without writing outside', TIMEOUT, async () => {
    const zipPath = join(root, 'local.zip');
    writeFileSync(zipPath, fixtures['ok.zip']!);
    const dir = freshDir();
    const files = await extractZip(zipPath, dir, { required: QQP_FILES });
    assert.equal(files.length, 3);
    assert.deepEqual(listFiles(dir), QQP_FILES);

    const evil = join(root, 'evil.zip');
    writeFileSync(evil, fixtures['traversal.zip']!);
    const dir2 = freshDir();
    await rejectsWith(extractZip(evil, dir2), DataError, 'ARCHIVE_UNSAFE_ENTRY');
    assert.equal(existsSync(dir2), false);
    assert.equal(existsSync(join(root, 'e.txt')), false);
  });

  it(
    'refuses an archive that would unpack to more than the cap (a zip bomb), writing nothing',
    TIMEOUT,
    async () => {
      // Three entries of 400,000 zeros each: a few kB packed, 1.2 MB unpacked.
      const zeros = '\0'.repeat(400_000);
      const bomb = join(root, 'bomb.zip');
      writeFileSync(
        bomb,
        await makeZip([
          ['a.txt', zeros],
          ['b.txt', zeros],
          ['c.txt', zeros],
        ]),
      );
      const dir = freshDir();
      await rejectsWith(extractZip(bomb, dir, { maxBytes: 1_000_000 }), DataError, 'ARCHIVE_TOO_LARGE');
      assert.deepEqual(existsSync(dir) ? listFiles(dir) : [], []);
      // Under the cap it unpacks.
      const files = await extractZip(bomb, freshDir(), { maxBytes: 1_200_000 });
      assert.equal(files.length, 3);
    },
  );
});

describe('downloadDataset: word vectors', () => {
  const gloveZip = () => fixtures['glove.zip']!;

  it('glove-6b: checks the size and the published MD5, unpacks the four files', TIMEOUT, async () => {
    const dir = freshDir();
    // The registry entry with the fixture's size and MD5 in place of the real archive's.
    const entry: DatasetEntry = { ...getDataset('glove-6b'), bytes: gloveZip().length, md5: md5(gloveZip()) };
    const r = await downloadDataset(entry, { dir, url: `${server.url}/files/glove.zip`, timeoutMs: 5_000 });
    assert.equal(r.status, 'downloaded');
    assert.equal(r.verified, true);
    assert.equal(r.verifiedAgainst, 'registry');
    assert.equal(r.verifiedBy, 'md5');
    assert.equal(r.md5, md5(gloveZip()));
    assert.equal(r.sha256, sha256(gloveZip()));
    assert.equal(r.expectedSha256, null);
    assert.deepEqual(listFiles(dir), GLOVE_FILES);
    assert.equal(readFileSync(join(dir, 'glove.6B.100d.txt'), 'utf8'), glove(100));
  });

  it('glove-6b: an archive whose MD5 differs is deleted and nothing is unpacked', TIMEOUT, async () => {
    const dir = freshDir();
    // The size matches; the MD5 is the real archive's, which the fixture does not have.
    const entry: DatasetEntry = { ...getDataset('glove-6b'), bytes: gloveZip().length };
    const err = await rejectsWith(
      downloadDataset(entry, { dir, url: `${server.url}/files/glove.zip`, timeoutMs: 5_000 }),
      DataError,
      'DOWNLOAD_CHECKSUM_MISMATCH',
    );
    assert.match(
      err.message,
      new RegExp(`has MD5 ${md5(gloveZip())}.*should have 056ea991adb4740ac6bf1b6d9b50408b`),
    );
    assert.deepEqual(listFiles(dir), []);
  });

  it('glove-6b as registered: a file of another size is refused before the transfer', TIMEOUT, async () => {
    const dir = freshDir();
    const err = await rejectsWith(
      downloadDataset(getDataset('glove-6b'), {
        dir,
        url: `${server.url}/files/glove.zip`,
        timeoutMs: 5_000,
      }),
      DataError,
      'DOWNLOAD_SIZE_MISMATCH',
    );
    assert.match(err.message, /862,182,613 bytes/);
    assert.equal(existsSync(dir), false);
  });

  it('glove-6b with --sha256: the SHA-256 given is checked instead of the MD5', TIMEOUT, async () => {
    const r = await downloadDataset(getDataset('glove-6b'), {
      dir: freshDir(),
      url: `${server.url}/files/glove.zip`,
      sha256: sha256(gloveZip()),
      timeoutMs: 5_000,
    });
    assert.equal(r.verifiedBy, 'sha256');
    assert.equal(r.verifiedAgainst, '--sha256');
    assert.equal(r.expectedMd5, null);
  });

  it(
    'fasttext-crawl: no published checksum, so the SHA-256 is computed and reported unverified',
    TIMEOUT,
    async () => {
      const dir = freshDir();
      const zip = fixtures['fasttext.zip']!;
      const entry: DatasetEntry = { ...getDataset('fasttext-crawl'), bytes: zip.length };
      const r = await downloadDataset(entry, {
        dir,
        url: `${server.url}/files/fasttext.zip`,
        timeoutMs: 5_000,
      });
      assert.equal(r.verified, false);
      assert.equal(r.verifiedBy, null);
      assert.equal(r.verifiedAgainst, null);
      assert.equal(r.sha256, sha256(zip));
      assert.deepEqual(listFiles(dir), ['crawl-300d-2M.vec']);
      assert.equal(readFileSync(join(dir, 'crawl-300d-2M.vec'), 'utf8'), FASTTEXT);
    },
  );
});

describe('qqp data download (CLI)', () => {
  let child: ChildProcess | undefined;
  let cliUrl = '';
  let serveDir = '';

  before(async () => {
    serveDir = join(root, 'served');
    mkdirSync(serveDir);
    for (const [name, bytes] of Object.entries(fixtures)) writeFileSync(join(serveDir, name), bytes);
    // runCli blocks this process, so the server runs in a child that exits by itself after 90 s.
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', join(PROJECT_ROOT, 'test/fixtures/download/serve.ts'), serveDir, '90000'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    child = proc;
    cliUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('fixture server did not start within 20 s')), 20_000);
      let out = '';
      proc.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        const line = out.split('\n')[0];
        if (out.includes('\n') && line) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { url: string }).url);
        }
      });
      proc.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`fixture server exited with ${code}`));
      });
    });
  });

  after(() => {
    child?.kill();
  });

  it('downloads with --url and --sha256 and reports the files as JSON', TIMEOUT, () => {
    const dir = freshDir();
    const sum = sha256(fixtures['ok.zip']!);
    const r = runCliJson<{
      status: string;
      sha256: string;
      verified: boolean;
      files: { path: string; bytes: number; action: string }[];
    }>(['data', 'download', 'glue-qqp', '--url', `${cliUrl}/files/ok.zip`, '--sha256', sum, '--dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.status, 'downloaded');
    assert.equal(r.json.sha256, sum);
    assert.equal(r.json.verified, true);
    assert.deepEqual(r.json.files.map((f) => [relative(dir, f.path), f.bytes]).sort(), [
      ['QQP/dev.tsv', Buffer.byteLength(DEV)],
      ['QQP/test.tsv', Buffer.byteLength(TEST)],
      ['QQP/train.tsv', Buffer.byteLength(TRAIN)],
    ]);
    assert.equal(readFileSync(join(dir, 'QQP/train.tsv'), 'utf8'), TRAIN);
    assert.deepEqual(listFiles(dir), QQP_FILES);
  });

  it(
    'prints a summary for people, progress lines on stderr, and does nothing the second time',
    TIMEOUT,
    () => {
      const dir = freshDir();
      const args = ['data', 'download', 'glue-qqp', '--url', `${cliUrl}/files/ok.zip`, '--dir', dir];
      const r = runCli([...args, '--sha256', sha256(fixtures['ok.zip']!)]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /verified against the --sha256 given/);
      assert.match(r.stdout, /QQP\/train\.tsv/);
      assert.match(r.stdout, /glue-test-tsv/);
      assert.match(r.stderr, /downloading http:\/\/127\.0\.0\.1/);
      assert.match(r.stderr, /100%/);

      const again = runCli([...args, '--sha256', sha256(fixtures['ok.zip']!)]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /already in .*nothing was downloaded/);
      assert.doesNotMatch(again.stderr, /downloading/);
    },
  );

  it(
    'glove-6b: unpacks the vector files and says where embedding.pretrained.source can point',
    TIMEOUT,
    () => {
      const dir = freshDir();
      const url = `${cliUrl}/files/glove.zip`;
      const r = runCli([
        'data',
        'download',
        'glove-6b',
        '--url',
        url,
        '--sha256',
        sha256(fixtures['glove.zip']!),
        '--dir',
        dir,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /glove\.6B\.100d\.txt/);
      assert.match(r.stdout, /glove-text/);
      assert.match(r.stdout, /Point embedding\.pretrained\.source at one of these files/);
      assert.deepEqual(listFiles(dir), GLOVE_FILES);
    },
  );

  it('fasttext-crawl: a mirror serving another size is refused with exit 4', TIMEOUT, () => {
    const dir = freshDir();
    const r = runCli([
      'data',
      'download',
      'fasttext-crawl',
      '--url',
      `${cliUrl}/files/fasttext.zip`,
      '--dir',
      dir,
    ]);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /1,523,785,255 bytes/);
    assert.equal(existsSync(dir), false);
  });

  const failures: {
    what: string;
    path: string;
    sha?: string;
    extra?: string[];
    exit: number;
    message: RegExp;
  }[] = [
    {
      what: 'a checksum mismatch',
      path: 'files/ok.zip',
      sha: '0'.repeat(64),
      exit: 4,
      message: /should have 0{64}/,
    },
    { what: 'a dropped connection', path: 'drop/ok.zip', exit: 7, message: /connection to .* broke after/ },
    { what: 'an HTTP 404', path: 'status/404', exit: 7, message: /answered 404/ },
    { what: 'a corrupt zip', path: 'files/not-a-zip.zip', exit: 4, message: /not a readable zip/ },
    {
      what: 'an endless body past --max-bytes',
      path: 'endless',
      sha: 'c'.repeat(64),
      extra: ['--max-bytes', '50000'],
      exit: 4,
      message: /sent more than the 50,000 bytes allowed \(--max-bytes\)/,
    },
  ];
  for (const f of failures) {
    it(`${f.what}: non-zero exit, one clear message, no stack, nothing kept`, TIMEOUT, () => {
      const dir = freshDir();
      const sum = f.sha ?? sha256(fixtures[f.path.split('/')[1]!] ?? Buffer.alloc(0));
      const r = runCli([
        'data',
        'download',
        'glue-qqp',
        '--url',
        `${cliUrl}/${f.path}`,
        '--sha256',
        sum,
        '--dir',
        dir,
        ...(f.extra ?? []),
      ]);
      assert.equal(r.code, f.exit, r.stderr);
      // oclif wraps the message over lines prefixed with " ›"; read it as one paragraph.
      assert.match(r.stderr.replace(/\s*\n\s*›\s*/g, ' '), f.message);
      assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
      assert.doesNotMatch(r.stderr, /internal error/);
      assert.equal(existsSync(dir), false, `nothing left in ${dir}: ${listFiles(dir).join(', ')}`);
    });
  }

  it('with --json a failure is one JSON error document', TIMEOUT, () => {
    const dir = freshDir();
    const r = runCliJson<{ error: { code: string; category: string; message: string } }>([
      'data',
      'download',
      'glue-qqp',
      '--url',
      `${cliUrl}/status/404`,
      '--dir',
      dir,
    ]);
    assert.equal(r.code, 7);
    assert.equal(r.json.error.code, 'DOWNLOAD_HTTP_STATUS');
    assert.equal(r.json.error.category, 'network');
    assert.equal(existsSync(dir), false);
  });

  it('an unknown dataset is a usage error with a did-you-mean', TIMEOUT, () => {
    const r = runCli(['data', 'download', 'glue-qpq', '--dir', freshDir()]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /unknown dataset "glue-qpq"/);
    assert.match(r.stderr, /did you mean "glue-qqp"\?/);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
  });

  it('--help lists the known datasets', TIMEOUT, () => {
    const r = runCli(['data', 'download', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /glue-qqp/);
    assert.match(r.stdout, /QQP-clean\.zip/);
    assert.match(r.stdout, /--sha256/);
  });
});
