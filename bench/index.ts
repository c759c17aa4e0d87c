/**
 * All of qqp's benchmarks: `npm run bench` (= node --import tsx bench/index.ts).
 *   --json         one JSON document on stdout ({ data, train }); progress stays on stderr
 *   --skip-data    skip bench/data.ts (data library speed and memory)
 *   --skip-train   skip bench/train.ts (training and prediction speed of the reference model with
 *                  fused and with tfjs-layers recurrent layers, each in its own process, beside PyTorch)
 *   --no-torch     do not run the PyTorch reference
 *   --quick        bench/train.ts times about 1/8 of its examples (a smoke run)
 * The data bench runs first: it reports the process's peak RSS, which training would inflate.
 * Figures are printed, never asserted.
 */
import { parseArgs } from 'node:util';
import { type DataBenchResult, runDataBench } from './data.js';
import { printTrainBench, runTrainBench, type TrainBenchResult } from './train.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean' },
    'skip-data': { type: 'boolean' },
    'skip-train': { type: 'boolean' },
    'no-torch': { type: 'boolean' },
    quick: { type: 'boolean' },
  },
});

const results: { data?: DataBenchResult; train?: TrainBenchResult } = {};
const log = (line: string) => process.stderr.write(`${line}\n`);
// With --json, stdout carries only the JSON document.
const out = values.json ? log : (line: string) => console.log(line);

if (!values['skip-data']) {
  log('== data: read, tokenize, vocabulary, encode (bench/data.ts)');
  results.data = await runDataBench();
  out(`Data library:\n${JSON.stringify(results.data, null, 2)}`);
}

if (!values['skip-train']) {
  log('== training speed: fused, layers, pytorch (bench/train.ts)');
  results.train = await runTrainBench({ torch: !values['no-torch'], quick: !!values.quick, log });
  printTrainBench(results.train, out);
}

if (values.json) console.log(JSON.stringify(results, null, 2));
