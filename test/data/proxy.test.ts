import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { downloadToFile } from '../../src/data/download.js';
import { proxyFor } from '../../src/data/proxy.js';
import { DataError, NetworkError, UsageError } from '../../src/errors.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

const TLS = join(PROJECT_ROOT, 'test', 'fixtures', 'download', 'tls');
const BODY = Buffer.from('not a zip, but bytes that went through a proxy\n'.repeat(50));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const PROXY_VARS = [
  'http_proxy',
  'HTTP_PROXY',
  'https_proxy',
  'HTTPS_PROXY',
  'all_proxy',
  'ALL_PROXY',
  'no_proxy',
  'NO_PROXY',
];

const u = (s: string) => new URL(s);

/** Runs `fn` with exactly these proxy variables set (proxy-from-env reads process.env only). */
function withEnv<T>(vars: Record<string, string>, fn: () => T): T {
  const saved = Object.fromEntries(PROXY_VARS.map((n) => [n, process.env[n]]));
  for (const n of PROXY_VARS) delete process.env[n];
  Object.assign(process.env, vars);
  try {
    return fn();
  } finally {
    for (const [n, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
    }
  }
}

describe('proxyFor (proxy-from-env)', () => {
  it('takes https_proxy for https and http_proxy for http, lower case first, then all_proxy', () => {
    const env = {
      HTTPS_PROXY: 'http://upper:1',
      https_proxy: 'http://lower:2',
      HTTP_PROXY: 'http://plain:3',
    };
    withEnv(env, () => {
      assert.equal(proxyFor(u('https://example.org/x'))?.href, 'http://lower:2/');
      assert.equal(proxyFor(u('http://example.org/x'))?.href, 'http://plain:3/');
    });
    withEnv({ HTTPS_PROXY: 'http://p:1' }, () =>
      assert.equal(proxyFor(u('http://example.org/x')), undefined),
    );
    withEnv({}, () => assert.equal(proxyFor(u('https://example.org/x')), undefined));
    withEnv({ ALL_PROXY: 'http://every:4' }, () =>
      assert.equal(proxyFor(u('https://example.org/x'))?.href, 'http://every:4/'),
    );
    // proxy-from-env's documented rule: an address without a scheme takes the URL's scheme.
    withEnv({ HTTP_PROXY: 'plain:3' }, () =>
      assert.equal(proxyFor(u('http://example.org/x'))?.href, 'http://plain:3/'),
    );
  });

  it('connects directly to hosts NO_PROXY names', () => {
    const env = {
      HTTPS_PROXY: 'http://p:1',
      NO_PROXY: 'localhost, .internal.example,10.0.0.1 other.org:8443',
    };
    withEnv(env, () => {
      assert.equal(proxyFor(u('https://localhost/x')), undefined);
      assert.equal(proxyFor(u('https://a.internal.example/x')), undefined);
      assert.equal(proxyFor(u('https://10.0.0.1/x')), undefined);
      assert.equal(proxyFor(u('https://other.org:8443/x')), undefined);
      assert.ok(proxyFor(u('https://other.org/x')), 'another port still goes through the proxy');
      assert.ok(proxyFor(u('https://notinternal.example/x')), 'a suffix is not a subdomain');
      // proxy-from-env: ".internal.example" matches subdomains only, and a plain name only itself.
      assert.ok(proxyFor(u('https://internal.example/x')));
      assert.ok(proxyFor(u('https://www.localhost/x')));
      assert.ok(proxyFor(u('https://example.org/x')));
    });
    withEnv({ ...env, NO_PROXY: '*' }, () => assert.equal(proxyFor(u('https://example.org/x')), undefined));
  });

  it('takes an https:// proxy, refuses another scheme and a malformed address by name', () => {
    withEnv({ HTTPS_PROXY: 'https://p:1' }, () =>
      assert.equal(proxyFor(u('https://example.org/'))?.href, 'https://p:1/'),
    );
    withEnv({ HTTPS_PROXY: 'socks5://p:1' }, () =>
      assert.throws(
        () => proxyFor(u('https://example.org/')),
        (e: unknown) =>
          e instanceof UsageError &&
          e.code === 'PROXY_UNSUPPORTED' &&
          /HTTPS_PROXY="socks5:\/\/p:1" uses socks5:/.test(e.message),
      ),
    );
    withEnv({ https_proxy: 'http://[bad' }, () =>
      assert.throws(
        () => proxyFor(u('https://example.org/')),
        (e: unknown) =>
          e instanceof UsageError && e.code === 'PROXY_INVALID' && e.message.includes('https_proxy='),
      ),
    );
  });
});

/** A proxy on 127.0.0.1: plain requests in absolute form and CONNECT tunnels, each recorded. */
interface TestProxy {
  url: string;
  seen: string[];
  close(): Promise<void>;
}

async function startProxy(options: { refuse?: number } = {}): Promise<TestProxy> {
  const seen: string[] = [];
  // Tunnels are not the server's connections any more: closed by hand at the end.
  const tunnels = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (options.refuse) {
      res.writeHead(options.refuse).end();
      return;
    }
    const target = new URL(req.url ?? '');
    const up = http.request(target, { method: req.method, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    tunnels.add(socket);
    if (options.refuse) {
      socket.end(`HTTP/1.1 ${options.refuse} Proxy Authentication Required\r\n\r\n`);
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const up = net.connect(Number(port), host, () => {
      tunnels.add(up);
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of tunnels) t.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function serveBody(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-length': BODY.length }).end(BODY);
}

let root = '';
let saved: Record<string, string | undefined> = {};
before(() => {
  root = mkdtempSync(join(tmpdir(), 'qqp-proxy-'));
  saved = Object.fromEntries(PROXY_VARS.map((n) => [n, process.env[n]]));
  for (const n of PROXY_VARS) delete process.env[n];
});
after(() => {
  for (const [n, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[n];
    else process.env[n] = v;
  }
  rmSync(root, { recursive: true, force: true });
});

let files = 0;
const dest = () => join(root, `file-${++files}`);

describe('downloadToFile through HTTP_PROXY (http URLs)', () => {
  let target: http.Server;
  let targetUrl = '';
  let proxy: TestProxy;
  before(async () => {
    target = http.createServer((req, res) => {
      if (req.url !== '/stall') return serveBody(res);
      // The full length announced, a few bytes sent, then nothing.
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.subarray(0, 4));
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/data.zip`;
    proxy = await startProxy();
  });
  after(async () => {
    await proxy.close();
    target.closeAllConnections();
    await new Promise((resolve) => target.close(resolve));
  });

  it('asks the proxy for the whole URL', { timeout: 30_000 }, async () => {
    process.env.HTTP_PROXY = proxy.url;
    try {
      const r = await downloadToFile(targetUrl, dest(), { timeoutMs: 10_000 });
      assert.equal(r.sha256, sha256(BODY));
      assert.deepEqual(proxy.seen, [`GET ${targetUrl}`]);
    } finally {
      delete process.env.HTTP_PROXY;
    }
  });

  it('goes direct for a host in NO_PROXY', { timeout: 30_000 }, async () => {
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = 'example.org,127.0.0.1';
    const before = proxy.seen.length;
    try {
      const r = await downloadToFile(targetUrl, dest(), { timeoutMs: 10_000 });
      assert.equal(r.sha256, sha256(BODY));
      assert.equal(proxy.seen.length, before);
    } finally {
      delete process.env.HTTP_PROXY;
      delete process.env.NO_PROXY;
    }
  });

  it('the --max-bytes cap holds through the proxy', { timeout: 30_000 }, async () => {
    process.env.HTTP_PROXY = proxy.url;
    const file = dest();
    try {
      await assert.rejects(
        downloadToFile(targetUrl, file, { timeoutMs: 10_000, maxBytes: 10 }),
        (e: unknown) => e instanceof DataError && e.code === 'DOWNLOAD_TOO_LARGE',
      );
      assert.equal(existsSync(file), false);
    } finally {
      delete process.env.HTTP_PROXY;
    }
  });

  it('a transfer that stalls behind the proxy times out', { timeout: 30_000 }, async () => {
    process.env.HTTP_PROXY = proxy.url;
    try {
      await assert.rejects(
        downloadToFile(new URL('/stall', targetUrl).href, dest(), { timeoutMs: 300 }),
        (e: unknown) =>
          e instanceof NetworkError && e.code === 'DOWNLOAD_TIMEOUT' && /after 4 of/.test(e.message),
      );
    } finally {
      delete process.env.HTTP_PROXY;
    }
  });

  it('a proxy that wants credentials (407) is named, with the hint', { timeout: 30_000 }, async () => {
    const refusing = await startProxy({ refuse: 407 });
    process.env.HTTP_PROXY = refusing.url;
    try {
      await assert.rejects(
        downloadToFile(targetUrl, dest(), { timeoutMs: 10_000 }),
        (e: unknown) =>
          e instanceof NetworkError &&
          e.code === 'DOWNLOAD_PROXY_REFUSED' &&
          e.message.includes(`the proxy ${new URL(refusing.url).host} answered 407`) &&
          e.suggestions.some((s) => s.includes('http://USER:PASSWORD@HOST:PORT')),
      );
    } finally {
      delete process.env.HTTP_PROXY;
      await refusing.close();
    }
  });

  it('a proxy that cannot be reached is a network error naming it', { timeout: 30_000 }, async () => {
    const closed = await startProxy();
    await closed.close();
    process.env.HTTP_PROXY = closed.url;
    const file = dest();
    try {
      await assert.rejects(
        downloadToFile(targetUrl, file, { timeoutMs: 10_000 }),
        (e: unknown) =>
          e instanceof NetworkError &&
          e.code === 'DOWNLOAD_CONNECT_FAILED' &&
          e.message.includes(`through the proxy ${new URL(closed.url).host}`),
      );
    } finally {
      delete process.env.HTTP_PROXY;
    }
  });
});

describe('downloadToFile through a proxy that never answers CONNECT', () => {
  it('times out and closes its connection to the proxy', { timeout: 30_000 }, async () => {
    let closed: Promise<void> | undefined;
    const silent = net.createServer((socket) => {
      closed = new Promise((resolve) => socket.on('close', () => resolve()));
      socket.on('error', () => {});
      // Reads (and ignores) the CONNECT request, so that the client's close is seen.
      socket.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    process.env.HTTPS_PROXY = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const file = dest();
    try {
      await assert.rejects(
        downloadToFile('https://example.invalid/x.zip', file, { timeoutMs: 300 }),
        (e: unknown) => e instanceof NetworkError && e.code === 'DOWNLOAD_TIMEOUT',
      );
      assert.equal(existsSync(file), false);
      assert.ok(closed, 'the proxy was reached');
      // Resolves only once qqp has closed the connection; else the test's own timeout fails it.
      await closed;
    } finally {
      delete process.env.HTTPS_PROXY;
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

/** Runs the CLI without blocking this process (the servers live here) and resolves with its exit. */
function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'run.js'), ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', ...env },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('qqp data download through HTTPS_PROXY (https URLs, a CONNECT tunnel)', () => {
  let target: https.Server;
  let targetUrl = '';
  before(async () => {
    target = https.createServer(
      { key: readFileSync(join(TLS, 'key.pem')), cert: readFileSync(join(TLS, 'cert.pem')) },
      (_req, res) => serveBody(res),
    );
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `https://127.0.0.1:${(target.address() as AddressInfo).port}/data.zip`;
  });
  after(async () => {
    target.closeAllConnections();
    await new Promise((resolve) => target.close(resolve));
  });

  /** The download reaches the server: the bytes arrive, and their checksum is not the one asked for. */
  const args = (dir: string) => [
    'data',
    'download',
    'glue-qqp',
    '--url',
    targetUrl,
    '--sha256',
    '0'.repeat(64),
    '--dir',
    dir,
  ];
  const tls = { NODE_EXTRA_CA_CERTS: join(TLS, 'cert.pem') };

  it('tunnels through the proxy, with TLS to the server inside', { timeout: 60_000 }, async () => {
    const proxy = await startProxy();
    try {
      const dir = join(root, 'tunnel');
      const r = await cli(args(dir), { ...tls, HTTPS_PROXY: proxy.url, NO_PROXY: '' });
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, new RegExp(`has SHA-256 ${sha256(BODY)}`));
      assert.deepEqual(proxy.seen, [`CONNECT ${new URL(targetUrl).host}`]);
      assert.equal(existsSync(dir), false);
    } finally {
      await proxy.close();
    }
  });

  it('a proxy that refuses the tunnel: exit 7, the proxy and its answer named', {
    timeout: 60_000,
  }, async () => {
    const proxy = await startProxy({ refuse: 407 });
    try {
      const dir = join(root, 'refused');
      const r = await cli(args(dir), { ...tls, HTTPS_PROXY: proxy.url, NO_PROXY: '' });
      assert.equal(r.code, 7, r.stderr);
      assert.match(r.stderr, /the proxy 127\.0\.0\.1:\d+ answered 407 .*to CONNECT 127\.0\.0\.1:\d+/);
      assert.match(r.stderr, /http:\/\/USER:PASSWORD@HOST:PORT/);
      assert.doesNotMatch(r.stderr, /^ {4}at /m);
      assert.equal(existsSync(dir), false);
    } finally {
      await proxy.close();
    }
  });

  it('NO_PROXY: straight to the server, the proxy untouched', { timeout: 60_000 }, async () => {
    const proxy = await startProxy({ refuse: 403 });
    try {
      const r = await cli(args(join(root, 'direct')), {
        ...tls,
        HTTPS_PROXY: proxy.url,
        NO_PROXY: '127.0.0.1',
      });
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, new RegExp(`has SHA-256 ${sha256(BODY)}`));
      assert.deepEqual(proxy.seen, []);
    } finally {
      await proxy.close();
    }
  });
});
