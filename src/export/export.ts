/**
 * `qqp export`: a trained run's final model as a folder that works without qqp, in plain
 * TensorFlow.js in Node and in a browser (ARCHITECTURE.md, "Exports").
 *
 * - model.json + weights.bin: tfjs' layers format. qqp's fused LSTM and GRU are written as tfjs'
 *   own LSTM and GRU (the same weights, names and gate order: src/layers/fused-rnn.ts); the other
 *   qqp layer classes stay, and predict.js registers them with the tfjs it is given.
 * - vocabulary.json (the tokenizer's settings and the tokens), features.json and
 *   feature-vectors.bin (with pair features), qqp.json (the manifest: src/export/manifest.ts).
 * - predict.js: qqp's own tokenizer, encoding, features and layers (src/export/runtime.ts), built
 *   by scripts/build-export-runtime.mjs; index.html, a demo page that runs offline from the folder
 *   (model-data.js holds every file's contents for it, since browsers refuse to read files beside a
 *   page opened from file://), and tf.min.js, the TensorFlow.js the page runs on (tfjs-core,
 *   tfjs-layers and the cpu backend, bundled by the same script).
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunError, UsageError } from '../errors.js';
import { openRun, runRef } from '../eval/run.js';
import { RUN_FILES } from '../runs/folder.js';
import { readModelFiles } from '../runs/model-io.js';
import { versions } from '../runs/provenance.js';
import type { RunRef, RunSummary } from '../runs/records.js';
import { replaceDirAtomic } from '../util/atomic.js';
import { EXPORT_FILE_KIND, EXPORT_FILE_VERSION, type ExportManifest } from './manifest.js';
import { DEFAULT_EXPORT_THRESHOLD } from './options.js';

/** qqp's layer classes that are tfjs' own classes with the same weights, and the class each becomes. */
export const STOCK_EQUIVALENTS: Readonly<Record<string, string>> = {
  QqpFusedLSTM: 'LSTM',
  QqpFusedGRU: 'GRU',
};

export { DEFAULT_EXPORT_THRESHOLD };

const BATCH_SIZE = 256;

export interface ExportOptions {
  run: string;
  experimentsDir: string;
  /** The folder to write (replaced as a whole, atomically, with `force`). */
  out: string;
  force?: boolean;
  /** The threshold predict.js labels with (default 0.5, as `qqp predict`). */
  threshold?: number;
}

export interface ExportResult {
  run: RunRef;
  out: string;
  files: { name: string; bytes: number }[];
  /** Layer classes written as tfjs' own: qqp class → tfjs class, with how many layers. */
  stock: Record<string, number>;
  /** qqp layer classes the model still names (predict.js registers them). */
  custom: string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The topology with qqp's fused recurrent layers renamed to tfjs' own; counts what was renamed and what is left. */
export function stockTopology(topology: Json): {
  topology: Json;
  stock: Record<string, number>;
  custom: string[];
} {
  const stock: Record<string, number> = {};
  const custom = new Set<string>();
  const walk = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const out: { [key: string]: Json } = {};
    for (const [k, x] of Object.entries(v)) out[k] = walk(x);
    const cls = out.class_name;
    if (typeof cls === 'string' && cls.startsWith('Qqp')) {
      const to = STOCK_EQUIVALENTS[cls];
      if (to) {
        out.class_name = to;
        stock[cls] = (stock[cls] ?? 0) + 1;
      } else custom.add(cls);
    }
    return out;
  };
  return { topology: walk(topology), stock, custom: [...custom].sort() };
}

const HERE = dirname(fileURLToPath(import.meta.url));

/** A file the build makes (dist/export/…), found from dist/ or from src/ (tests run the source). */
function builtFile(name: string): string {
  for (const p of [join(HERE, name), resolve(HERE, '..', '..', 'dist', 'export', name)]) {
    if (existsSync(p)) return p;
  }
  throw new RunError('EXPORT_RUNTIME_MISSING', `dist/export/${name} is missing: qqp is not built`, {
    suggestions: ['run `npm run build` in the qqp checkout'],
  });
}

function checkOut(out: string, force: boolean): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) {
    throw new UsageError('EXPORT_OUT_NOT_DIRECTORY', `--out ${out} is a file: name a folder to write`, {
      suggestions: ['e.g. --out exported/my-model'],
    });
  }
  if (readdirSync(out).length > 0 && !force) {
    throw new UsageError('EXPORT_OUT_EXISTS', `${out} already exists and is not empty; not overwriting it`, {
      suggestions: ['name a new folder, or add --force to replace it'],
    });
  }
}

function testMetrics(summary: Partial<RunSummary> | null): Record<string, number> | null {
  const t = summary?.test;
  if (!t) return null;
  return {
    pairs: t.count,
    accuracy: t.atHalf.accuracy,
    f1: t.atHalf.f1,
    logLoss: t.logLoss,
    rocAuc: t.rocAuc,
  };
}

/** Writes the export folder of a run's final model (the one `qqp predict` uses). */
export async function exportRun(options: ExportOptions): Promise<ExportResult> {
  const threshold = options.threshold ?? DEFAULT_EXPORT_THRESHOLD;
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
    throw new UsageError(
      'EXPORT_BAD_THRESHOLD',
      `the threshold must be a number from 0 to 1, got ${threshold}`,
    );
  }
  const out = resolve(options.out);
  checkOut(out, options.force === true);
  const run = await openRun(options.run, options.experimentsDir);
  const files = readModelFiles(
    run.folder.path(run.weights === 'best' ? RUN_FILES.bestModel : RUN_FILES.lastModel),
  );
  const { topology, stock, custom } = stockTopology(files.modelTopology as Json);
  const inputs = modelInputs(topology);
  const featureStats = run.features ? run.features.stats : null;
  const vectors =
    featureStats?.vectors !== undefined && featureStats !== null
      ? (await run.folder.readFeatureVectors(featureStats)).vectors
      : null;
  const summary = run.completed ? (run.folder.readSummary() as Partial<RunSummary>) : null;
  const manifest: ExportManifest = {
    kind: EXPORT_FILE_KIND,
    version: EXPORT_FILE_VERSION,
    run: {
      id: run.id,
      experiment: run.config.experiment.name,
      shape: run.config.model.type,
      weights: run.weights,
      completed: run.completed,
    },
    exportedAt: new Date().toISOString(),
    qqpVersion: versions().qqp ?? 'unknown',
    metrics: testMetrics(summary),
    encoding: run.encoding,
    inputs,
    threshold,
    batchSize: BATCH_SIZE,
    features: featureStats
      ? {
          pair: featureStats.pair,
          exactMatch: featureStats.exactMatch,
          vectors: vectors ? { dim: vectors.dim, words: [...vectors.words] } : null,
        }
      : null,
    files: [],
  };
  const modelJson = {
    modelTopology: topology,
    format: files.format ?? 'layers-model',
    generatedBy: files.generatedBy,
    convertedBy: `qqp export ${manifest.qqpVersion}`,
    weightsManifest: [{ paths: ['weights.bin'], weights: files.weightSpecs }],
  };
  const vocabulary = run.vocabulary.toJSON();
  const weights = new Uint8Array(files.weightData);
  const vectorBytes = vectors
    ? new Uint8Array(vectors.values.buffer, vectors.values.byteOffset, vectors.values.byteLength)
    : null;
  const base64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

  const names = [
    'model.json',
    'weights.bin',
    'vocabulary.json',
    ...(featureStats ? ['features.json'] : []),
    ...(vectorBytes ? ['feature-vectors.bin'] : []),
    'qqp.json',
    'predict.js',
    'model-data.js',
    'tf.min.js',
    'index.html',
    'package.json',
    'README.md',
  ];
  manifest.files = names;
  const json = (v: unknown) => `${JSON.stringify(v)}\n`;
  const browserData = {
    manifest,
    model: modelJson,
    weights: base64(weights),
    vocabulary,
    features: featureStats,
    featureVectors: vectorBytes ? base64(vectorBytes) : null,
  };
  replaceDirAtomic(out, (dir) => {
    const put = (name: string, data: string | Uint8Array) => writeFileSync(join(dir, name), data);
    put('model.json', json(modelJson));
    put('weights.bin', weights);
    put('vocabulary.json', json(vocabulary));
    if (featureStats) put('features.json', json(featureStats));
    if (vectorBytes) put('feature-vectors.bin', vectorBytes);
    put('qqp.json', `${JSON.stringify(manifest, null, 2)}\n`);
    put('predict.js', readFileSync(builtFile('predict.js')));
    put(
      'model-data.js',
      `// The export's files for index.html opened from file:// (written by qqp export).\nself.QQP_EXPORT = ${JSON.stringify(browserData)};\n`,
    );
    put('tf.min.js', readFileSync(builtFile('tf.min.js')));
    put(
      'index.html',
      readFileSync(builtFile('index.html'), 'utf8').replaceAll('{{RUN_ID}}', escapeHtml(run.id)),
    );
    put(
      'package.json',
      `${JSON.stringify({ name: 'qqp-export', private: true, type: 'commonjs', main: 'predict.js', peerDependencies: { '@tensorflow/tfjs': `^${versions()['@tensorflow/tfjs-core'] ?? '4'}` } }, null, 2)}\n`,
    );
    put('README.md', exportReadme(manifest, custom));
  });
  return {
    run: runRef(run),
    out,
    files: manifest.files.map((name) => ({ name, bytes: statSync(join(out, name)).size })),
    stock,
    custom,
  };
}

/** The model's input names, in order, from its topology (`input_layers`). */
function modelInputs(topology: Json): string[] {
  const config = (topology as { config?: { input_layers?: [string, number, number][] } }).config;
  return (config?.input_layers ?? []).map((l) => l[0]);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function exportReadme(m: ExportManifest, custom: string[]): string {
  const metrics = m.metrics
    ? `Test metrics of the run (threshold 0.5, ${m.metrics.pairs} pairs): accuracy ${m.metrics.accuracy?.toFixed(4)}, F1 ${m.metrics.f1?.toFixed(4)}, log loss ${m.metrics.logLoss?.toFixed(4)}, ROC AUC ${m.metrics.rocAuc?.toFixed(4)}.`
    : 'The run has no test metrics.';
  return `# qqp model ${m.run.id}

Exported by qqp ${m.qqpVersion} on ${m.exportedAt} from run \`${m.run.id}\` (${m.run.shape} model, its ${m.run.weights} weights). ${metrics}

It needs only TensorFlow.js (\`npm install @tensorflow/tfjs\`, or tfjs-node):

\`\`\`js
const tf = require('@tensorflow/tfjs');
const qqp = require('./predict.js'); // this folder
qqp.load(tf).then((model) => {
  console.log(model.predict('How do I learn Go?', 'What is the best way to learn Go?')); // P(duplicate)
  console.log(model.predictPairs([{ question1: 'a?', question2: 'b?' }])); // with labels at ${m.threshold}
});
\`\`\`

Open \`index.html\` in a browser for a demo page; it runs offline from this folder.

| file | what |
| --- | --- |
| model.json, weights.bin | the model in TensorFlow.js' layers format |
| vocabulary.json | the tokenizer's settings and the vocabulary |
${m.features ? '| features.json | pair-feature statistics fitted on the training split |\n' : ''}${m.features?.vectors ? '| feature-vectors.bin | word vectors of the vector pair features (float32, words in qqp.json) |\n' : ''}| qqp.json | what this model is: encoding, inputs, threshold, files |
| predict.js | tokenizes as qqp does and predicts, with the TensorFlow.js it is given |
| index.html, model-data.js, tf.min.js | the offline demo page |

${
  custom.length > 0
    ? `The model uses qqp layer classes that TensorFlow.js lacks (${custom.join(', ')}). predict.js registers them; to load model.json with \`tf.loadLayersModel\` yourself, call \`qqp.registerLayers(tf)\` first.`
    : 'Every layer is a stock TensorFlow.js layer: `tf.loadLayersModel` loads model.json as it is.'
}
`;
}
