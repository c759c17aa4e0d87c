/**
 * Speed of `qqp serve` under load: the built CLI serving a run on 127.0.0.1 (a child process, so
 * the load generator does not share its thread), and autocannon sending a bounded number of
 * requests:
 *   single   one pair per request, --connections concurrent clients (default 50): requests/s
 *            (= pairs/s), p50/p99 latency
 *   batched  --batch pairs per request (default 64), --batch-connections clients (default 8):
 *            pairs/s, p50/p99 latency
 * Each scenario is warmed up first (--warmup requests, not counted). The pairs are the bundled
 * synthetic data's, in turn. Then, with the server stopped, the ceiling: the same predictor
 * in this process, time per `probabilities()` call at batch sizes 1 to 256 (pairs/s), which says
 * how much of a request's time is the model's.
 * The run: a run id or folder (with --experiments-dir), or else configs/bilstm.yaml (the reference
 * model) trained here for one epoch (`--set training.epochs=1`; speed does not depend on the weights)
 * into a temporary folder.
 * Run: `npm run build && node --import tsx bench/serve.ts [RUN] [--experiments-dir D] [--requests N]
 *   [--batch-requests N] [--connections N] [--batch N] [--batch-connections N] [--max-batch N] [--json]`
 *   (npm run bench:serve). Figures are printed, never asserted; the last line of stdout is the JSON.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { table } from '../src/cli/render.js';
import { loadConfig } from '../src/config/load.js';
import { readPairs } from '../src/data/read.js';
import { openPredictor } from '../src/eval/predictor.js';
import { train } from '../src/train/trainer.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (line: string) => process.stderr.write(`${line}\n`);

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'experiments-dir': { type: 'string', default: 'experiments' },
    requests: { type: 'string', default: '20000' },
    'batch-requests': { type: 'string', default: '1500' },
    warmup: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '50' },
    batch: { type: 'string', default: '64' },
    'batch-connections': { type: 'string', default: '8' },
    'max-batch': { type: 'string', default: '256' },
    json: { type: 'boolean' },
  },
});
const int = (name: keyof typeof values) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be an integer >= 1`);
  return n;
};

interface Scenario {
  name: string;
  pairsPerRequest: number;
  connections: number;
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  pairsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Model calls the server made for the measured requests, and pairs per call. */
  modelCalls: number;
  pairsPerCall: number;
  non2xx: number;
  errors: number;
}

async function startServer(run: string, experimentsDir: string, maxBatch: number) {
  const bin = join(ROOT, 'bin', 'run.js');
  if (!existsSync(join(ROOT, 'dist', 'commands', 'serve.js')))
    throw new Error('dist/ has no serve: npm run build');
  const child: ChildProcess = spawn(
    process.execPath,
    [bin, 'serve', run, '--port', '0', '--experiments-dir', experimentsDir, '--max-batch', String(maxBatch)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`qqp serve exited ${code} before listening`)));
  });
  return { child, url };
}

/**
 * autocannon's result, and the seconds from the start to the last response: autocannon notices
 * that `amount` requests are done only on its next 1-second tick, so its own start-to-finish time
 * is rounded up to whole seconds, which on a 3-to-5-second run understates requests/s by up to a
 * quarter.
 */
async function load(
  url: string,
  bodies: readonly string[],
  options: { connections: number; amount: number },
): Promise<{ result: autocannon.Result; seconds: number }> {
  let i = 0;
  const t0 = performance.now();
  let last = t0;
  // Without a callback autocannon returns its tracker (an EventEmitter) made thenable; its types
  // say only Promise.
  const instance = autocannon({
    url: `${url}/predict`,
    connections: options.connections,
    amount: options.amount,
    timeout: 30,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length]! }),
      },
    ],
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  instance.on('response', () => {
    last = performance.now();
  });
  const result = await instance;
  return { result, seconds: (last - t0) / 1000 };
}

async function served(url: string): Promise<{ requests: number; pairs: number; calls: number }> {
  return (
    (await (await fetch(`${url}/health`)).json()) as {
      served: { requests: number; pairs: number; calls: number };
    }
  ).served;
}

async function scenario(
  name: string,
  url: string,
  bodies: readonly string[],
  pairsPerRequest: number,
  connections: number,
  requests: number,
  warmup: number,
): Promise<Scenario> {
  log(
    `${name}: warm-up ${warmup} requests, then ${requests} (${connections} connections, ${pairsPerRequest} pair(s) each)`,
  );
  await load(url, bodies, { connections, amount: warmup });
  const before = await served(url);
  const { result: r, seconds } = await load(url, bodies, { connections, amount: requests });
  const after = await served(url);
  const modelCalls = after.calls - before.calls;
  const done = r['2xx'];
  // The whole measured run's figures (not autocannon's per-second samples, few on a short run),
  // to the last response (see load).
  return {
    name,
    pairsPerRequest,
    connections,
    requests: done,
    seconds,
    requestsPerSecond: done / seconds,
    pairsPerSecond: (done * pairsPerRequest) / seconds,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
    modelCalls,
    pairsPerCall: (after.pairs - before.pairs) / modelCalls,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

/** Time per predictor call at each batch size, in this process (the server stopped). */
async function ceiling(
  run: string,
  experimentsDir: string,
  pairs: { question1: string; question2: string }[],
) {
  const predictor = await openPredictor({ run, experimentsDir });
  const out: { batch: number; msPerCall: number; pairsPerSecond: number }[] = [];
  try {
    for (const batch of [1, 8, 32, 64, 128, 256]) {
      const calls = Math.max(20, Math.ceil(4096 / batch));
      const slice = (k: number) =>
        Array.from({ length: batch }, (_, j) => pairs[(k * batch + j) % pairs.length]!);
      for (let k = 0; k < 5; k++) predictor.probabilities(slice(k), batch); // warm-up
      const t0 = performance.now();
      for (let k = 0; k < calls; k++) predictor.probabilities(slice(k), batch);
      const ms = (performance.now() - t0) / calls;
      out.push({ batch, msPerCall: ms, pairsPerSecond: (1000 * batch) / ms });
    }
    return { backend: predictor.backend, calls: out };
  } finally {
    predictor.dispose();
  }
}

let tmp: string | null = null;
let run = positionals[0];
let experimentsDir = values['experiments-dir']!;
if (run === undefined) {
  tmp = mkdtempSync(join(tmpdir(), 'qqp-bench-serve-'));
  experimentsDir = join(tmp, 'experiments');
  log('no run given: training configs/bilstm.yaml for one epoch (--set training.epochs=1)');
  const r = await train({
    experimentsDir,
    loaded: loadConfig(join(ROOT, 'configs', 'bilstm.yaml'), { overrides: ['training.epochs=1'] }),
  });
  if (r.status !== 'completed') throw new Error(`training did not complete: ${r.status}`);
  run = r.dir;
}

const pairs = (await readPairs(join(ROOT, 'data', 'qqp-synthetic.csv'))).rows
  .slice(0, 4096)
  .map((p) => ({ question1: p.question1, question2: p.question2 }));
const batch = int('batch');
const singleBodies = pairs.slice(0, 1024).map((p) => JSON.stringify(p));
const batchBodies = Array.from({ length: 64 }, (_, k) =>
  JSON.stringify({ pairs: Array.from({ length: batch }, (_, j) => pairs[(k * batch + j) % pairs.length]) }),
);

const load0 = loadavg()[0]!;
const { child, url } = await startServer(run, experimentsDir, int('max-batch'));
let scenarios: Scenario[];
let health: { backend: string; served: { requests: number; pairs: number; calls: number } };
try {
  scenarios = [
    await scenario('single', url, singleBodies, 1, int('connections'), int('requests'), int('warmup')),
    await scenario(
      'batched',
      url,
      batchBodies,
      batch,
      int('batch-connections'),
      int('batch-requests'),
      Math.ceil(int('warmup') / 10),
    ),
  ];
  health = (await (await fetch(`${url}/health`)).json()) as typeof health;
} finally {
  child.kill('SIGTERM');
  await once(child, 'exit');
}
log('ceiling: predictor calls in this process');
const model = await ceiling(run, experimentsDir, pairs);
if (tmp) rmSync(tmp, { recursive: true, force: true });

const machine = {
  cpus: availableParallelism(),
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  loadAverageAtStart: Number(load0.toFixed(2)),
};
const result = {
  machine,
  backend: health.backend,
  maxBatch: int('max-batch'),
  served: health.served,
  scenarios,
  model,
};

const f = (n: number, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const out = values.json ? log : (line: string) => console.log(line);
out(
  `qqp serve on ${health.backend}, ${machine.cpus} cores (${machine.cpu}), load average ${machine.loadAverageAtStart} at start`,
);
out(
  table(
    [
      'scenario',
      'pairs/request',
      'connections',
      'requests',
      'requests/s',
      'pairs/s',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'pairs/model call',
      'non-2xx',
    ],
    scenarios.map((s) => [
      s.name,
      String(s.pairsPerRequest),
      String(s.connections),
      f(s.requests),
      f(s.requestsPerSecond),
      f(s.pairsPerSecond),
      f(s.latencyMs.p50, 1),
      f(s.latencyMs.p90, 1),
      f(s.latencyMs.p99, 1),
      f(s.pairsPerCall, 1),
      String(s.non2xx + s.errors),
    ]),
  ),
);
out(
  `model calls: ${f(health.served.calls)} for ${f(health.served.requests)} requests (${f(health.served.pairs / health.served.calls, 1)} pairs per call)`,
);
out('the model alone (this process, one probabilities() call at a time):');
out(
  table(
    ['batch', 'ms per call', 'pairs/s'],
    model.calls.map((c) => [String(c.batch), f(c.msPerCall, 2), f(c.pairsPerSecond)]),
  ),
);
console.log(JSON.stringify(result));
