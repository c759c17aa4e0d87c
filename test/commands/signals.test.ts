import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FixtureServer, startFixtureServer } from '../fixtures/download/server.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

// Ctrl-C as the commands handle it (src/cli/base.ts, QqpCommand.interruptible): each test sends the
// signal once the command has said it is at work (an output line, never a delay).

const tmp = mkdtempSync(join(tmpdir(), 'qqp-signals-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Starts the CLI, sends `signal` once stderr matches `when`, and resolves with the exit. */
function interrupt(
  args: string[],
  when: RegExp,
  signal: NodeJS.Signals = 'SIGINT',
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string; sent: boolean }> {
  return new Promise((resolvePromise, reject) => {
    const child: ChildProcess = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'run.js'), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit within 120 s:\n${stderr}`));
    }, 120_000);
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && when.test(stderr)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, sent });
    });
  });
}

describe('qqp data download on SIGINT or SIGTERM', () => {
  let server: FixtureServer;
  before(async () => {
    // A transfer that announces its size, sends a few bytes, then waits: Ctrl-C comes mid-transfer.
    server = await startFixtureServer({ 'big.zip': Buffer.alloc(100_000, 1) });
  });
  after(() => server?.close());

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal}: stops the transfer, removes the partial download and exits 130`, {
      timeout: 60_000,
    }, async () => {
      const dir = join(tmp, `download-${signal}`);
      const r = await interrupt(
        [
          'data',
          'download',
          'glue-qqp',
          '--url',
          `${server.url}/stall/big.zip`,
          '--sha256',
          'c'.repeat(64),
          '--dir',
          dir,
        ],
        /size: /,
        signal,
      );
      assert.ok(r.sent, r.stderr);
      assert.equal(r.code, 130, r.stderr);
      assert.match(r.stderr, /interrupted: the partial download was removed/);
      assert.deepEqual(existsSync(dir) ? readdirSync(dir, { recursive: true }) : [], []);
    });
  }
});

describe('qqp data download through a proxy on SIGTERM', () => {
  let server: FixtureServer;
  let proxy: http.Server;
  const seen: string[] = [];
  before(async () => {
    server = await startFixtureServer({ 'big.zip': Buffer.alloc(100_000, 1) });
    // A forwarding proxy for http URLs (absolute-form requests).
    proxy = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const up = http.request(new URL(req.url ?? ''), { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
    await server?.close();
  });

  it('stops the proxied transfer, removes the partial download and exits 130', {
    timeout: 60_000,
  }, async () => {
    const dir = join(tmp, 'download-proxied');
    const url = `${server.url}/stall/big.zip`;
    const r = await interrupt(
      ['data', 'download', 'glue-qqp', '--url', url, '--sha256', 'c'.repeat(64), '--dir', dir],
      /size: /,
      'SIGTERM',
      {
        HTTP_PROXY: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        http_proxy: '',
        NO_PROXY: '',
        no_proxy: '',
      },
    );
    assert.ok(r.sent, r.stderr);
    assert.equal(r.code, 130, r.stderr);
    assert.deepEqual(seen, [`GET ${url}`]);
    assert.deepEqual(existsSync(dir) ? readdirSync(dir, { recursive: true }) : [], []);
  });
});

describe('qqp sweep on SIGINT', () => {
  it('stops starting trials, saves the manifest as interrupted and exits 130', {
    timeout: 150_000,
  }, async () => {
    const exp = join(tmp, 'sweep');
    const r = await interrupt(
      ['sweep', 'configs/sweeps/tiny.yaml', '--parallel', '1', '--experiments-dir', exp],
      /trial 1 run /,
    );
    assert.ok(r.sent, r.stderr);
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /SIGINT: finishing the running trials' batches, then saving \(SIGINT again/);
    const [id] = readdirSync(join(exp, 'sweeps'));
    const manifest = JSON.parse(readFileSync(join(exp, 'sweeps', id as string, 'manifest.json'), 'utf8'));
    assert.equal(manifest.status, 'interrupted');
    assert.ok(manifest.trials.some((t: { status: string }) => t.status === 'pending'));
    assert.match(r.stdout, new RegExp(`continue: qqp sweep --resume ${id}`));
  });
});
