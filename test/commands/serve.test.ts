import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { connect, createServer as createNetServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTinyRun, type TinyRun } from '../eval/fixture.js';
import { PROJECT_ROOT, runCli, runCliJson } from '../helpers/cli.js';

// These spawn the built CLI: run `npm run build` first (npm test does).

let run: TinyRun;

before(async () => {
  run = await makeTinyRun();
});

after(() => {
  if (run) rmSync(run.tmp, { recursive: true, force: true });
});

const Q1 = 'How do I learn Go?';
const Q2 = 'What is the best way to learn Go?';

interface Served {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when stderr has `count` (default 1) matches of `re` (now or later). */
  stderrLine: (re: RegExp, count?: number) => Promise<void>;
  exit: Promise<number | null>;
}

/**
 * Starts `qqp serve` on a free port and waits for its "listening on" line, on stdout (or on
 * stderr, where --json puts it).
 */
async function serve(extra: string[] = [], listeningOn: 'stdout' | 'stderr' = 'stdout'): Promise<Served> {
  const child = spawn(
    process.execPath,
    [
      join(PROJECT_ROOT, 'bin', 'run.js'),
      'serve',
      run.id,
      '--port',
      '0',
      '--experiments-dir',
      run.experimentsDir,
      ...extra,
    ],
    { cwd: PROJECT_ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  const waiters: { test: () => boolean; resolve: () => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    for (const w of [...waiters]) if (w.test()) w.resolve();
  });
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  const url = await new Promise<string>((resolve, reject) => {
    const stream = child[listeningOn]!;
    const onData = () => {
      const m = /^listening on (http:\/\/\S+)\n/m.exec(listeningOn === 'stdout' ? out : err);
      if (m) {
        stream.off('data', onData);
        resolve(m[1]!);
      }
    };
    stream.on('data', onData);
    exit.then((code) => reject(new Error(`serve exited ${code} before listening:\n${err}`)));
  });
  return {
    child,
    url,
    stdout: () => out,
    stderr: () => err,
    stderrLine: (re, count = 1) => {
      const test = () => (err.match(new RegExp(re.source, 'g')) ?? []).length >= count;
      return test() ? Promise.resolve() : new Promise((resolve) => waiters.push({ test, resolve }));
    },
    exit,
  };
}

/** Sends the head and the first part of a POST /predict on a raw socket: a request in flight. */
async function startRequest(url: string, body: string, sent: number) {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  await once(socket, 'connect');
  let response = '';
  socket.setEncoding('utf8').on('data', (d: string) => {
    response += d;
  });
  const ended = once(socket, 'end').then(() => response);
  socket.write(
    `POST /predict HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, sent)}`,
  );
  return { finish: () => socket.write(body.slice(sent)), response: ended };
}

describe('qqp serve', () => {
  it('answers curl-style requests, then on SIGTERM finishes the request in flight and exits 0', async () => {
    // --log: fastify logs each request as it arrives, which tells when the server has the one in flight.
    const s = await serve(['--log']);
    try {
      assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${s.url}/health`);
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { run: string }).run, run.id);

      // curl -d '{...}' URL/predict: form-urlencoded, JSON inside.
      const body = JSON.stringify({ question1: Q1, question2: Q2 });
      const r = await fetch(`${s.url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      assert.equal(r.status, 200);
      const p = (await r.json()) as { probability: number; prediction: number; label: string };
      assert.ok(p.probability > 0 && p.probability < 1);
      assert.equal(p.label, p.prediction === 1 ? 'duplicate' : 'not duplicate');
      // The same pair as `qqp predict` scores it.
      const predicted = runCliJson<{ probability: number }>([
        'predict',
        run.id,
        '--q1',
        Q1,
        '--q2',
        Q2,
        '--experiments-dir',
        run.experimentsDir,
      ]);
      assert.equal(p.probability, predicted.json.probability);

      const bad = await fetch(`${s.url}/predict`, { method: 'POST', body: '{"question1": "only one"}' });
      assert.equal(bad.status, 400);
      assert.match(
        ((await bad.json()) as { error: { message: string } }).error.message,
        /question2 is missing/,
      );

      // A request in flight: its head and half its body sent before SIGTERM, the rest after.
      const inFlight = await startRequest(s.url, body, Math.floor(body.length / 2));
      await s.stderrLine(/"msg":"incoming request"/, 4); // /health, two POSTs, and this one
      s.child.kill('SIGTERM');
      await s.stderrLine(/SIGTERM: finishing the requests in flight/);
      inFlight.finish();
      const raw = await inFlight.response;
      assert.match(raw, /^HTTP\/1\.1 200 /);
      assert.match(raw, /\r\nconnection: close\r\n/i);
      assert.equal(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).probability, p.probability);

      assert.equal(await s.exit, 0, s.stderr());
      assert.equal(s.stdout(), `listening on ${s.url}\n`, 'stdout is the one line');
      // The malformed request never reached the model.
      assert.match(s.stderr(), /stopped: 2 requests, 2 pairs/);
      assert.doesNotMatch(s.stderr(), /^\s+at /m);
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it('with --json prints the listening line on stderr and the result on stdout at the end', async () => {
    const s = await serve(['--json'], 'stderr');
    assert.equal((await fetch(`${s.url}/health`)).status, 200);
    s.child.kill('SIGTERM');
    assert.equal(await s.exit, 0, s.stderr());
    const result = JSON.parse(s.stdout()) as { url: string; stoppedBy: string; served: { requests: number } };
    assert.equal(result.url, s.url);
    assert.equal(result.stoppedBy, 'SIGTERM');
    assert.equal(result.served.requests, 0, 'a health check is not a prediction');
  });

  it('refuses a port in use with a clear message and exit 2, no stack trace', async () => {
    const blocker: Server = createNetServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = String((blocker.address() as { port: number }).port);
    try {
      const args = ['serve', run.id, '--port', port, '--experiments-dir', run.experimentsDir];
      const r = runCli(args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`));
      assert.match(r.stderr, /hint: give another --port, or --port 0 for any free port/);
      assert.doesNotMatch(r.stderr, /^\s+at /m);
      assert.equal(r.stdout, '');
      const j = runCliJson<{ error: { code: string } }>(args);
      assert.equal(j.code, 2);
      assert.equal(j.json.error.code, 'SERVE_PORT_IN_USE');
    } finally {
      blocker.close();
    }
  });
});
