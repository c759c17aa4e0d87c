/**
 * All of qqp's benchmarks: `npm run bench` (= node --import tsx bench/index.ts).
 *   --json         one JSON document on stdout ({ data, train, matching }); progress stays on stderr
 *   --skip-data    skip bench/data.ts (data library speed and memory)
 *   --skip-train   skip bench/train.ts (training and prediction speed of the reference model with
 *                  fused and with tfjs-layers recurrent layers, each in its own process, beside PyTorch)
 *   --skip-startup skip bench/startup.ts (start-up times of the built CLI against `node -e 0`)
 *   --skip-matching  skip bench/matching.ts (training speed of configs/decatt, esim and re2 beside a
 *                  PyTorch twin of each, one thread each)
 *   --matching-only  run bench/matching.ts alone (the same as --skip-data --skip-train)
 *   --no-torch     do not run the PyTorch reference nor the twins
 *   --quick        bench/train.ts and bench/matching.ts time about 1/8 of their examples (a smoke run)
 * The data bench runs first: it reports the process's peak RSS, which training would inflate.
 * Figures are printed, never asserted. `qqp serve` under load (bench/serve.ts: it needs the built CLI
 * and a run) runs on its own: `npm run bench:serve`.
 */
import { parseArgs } from 'node:util';
import { type DataBenchResult, runDataBench } from './data.js';
import { type MatchingBenchResult, printMatchingBench, runMatchingBench } from './matching.js';
import { printStartupBench, runStartupBench, type StartupBenchResult } from './startup.js';
import { printTrainBench, runTrainBench, type TrainBenchResult } from './train.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean' },
    'skip-data': { type: 'boolean' },
    'skip-train': { type: 'boolean' },
    'skip-startup': { type: 'boolean' },
    'skip-matching': { type: 'boolean' },
    'matching-only': { type: 'boolean' },
    'no-torch': { type: 'boolean' },
    quick: { type: 'boolean' },
  },
});

const results: {
  data?: DataBenchResult;
  startup?: StartupBenchResult;
  train?: TrainBenchResult;
  matching?: MatchingBenchResult;
} = {};
const only = !!values['matching-only'];
const log = (line: string) => process.stderr.write(`${line}\n`);
// With --json, stdout carries only the JSON document.
const out = values.json ? log : (line: string) => console.log(line);

if (!values['skip-data'] && !only) {
  log('== data: read, tokenize, vocabulary, encode (bench/data.ts)');
  results.data = await runDataBench();
  out(`Data library:\n${JSON.stringify(results.data, null, 2)}`);
}

if (!values['skip-startup'] && !only) {
  log('== start-up of the built CLI (bench/startup.ts)');
  results.startup = runStartupBench();
  printStartupBench(results.startup, out);
}

if (!values['skip-train'] && !only) {
  log('== training speed: fused, layers, pytorch (bench/train.ts)');
  results.train = await runTrainBench({ torch: !values['no-torch'], quick: !!values.quick, log });
  printTrainBench(results.train, out);
}

if (!values['skip-matching']) {
  log('== matching configs beside their PyTorch twins (bench/matching.ts)');
  results.matching = await runMatchingBench({ torch: !values['no-torch'], quick: !!values.quick, log });
  printMatchingBench(results.matching, out);
}

if (values.json) console.log(JSON.stringify(results, null, 2));
