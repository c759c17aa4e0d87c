// Builds dist/export/predict.js, the predict.js that `qqp export` writes into an export folder:
// src/export/runtime.ts (qqp's tokenizer, encoding, features, prediction loop and layer classes)
// bundled by esbuild into src/export/predict-template.js. Every tfjs import of the bundled code is
// the `tf` the wrapper is given; the Node built-ins that files of src/data import for saving are
// empty (nothing in the runtime reads or writes files); the fused align kernel reports itself
// unavailable, so the align layer runs on plain tfjs ops. The demo page src/export/index.html is
// copied beside it. Run by `npm run build`.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const START = '// qqp-runtime-start';
const END = '// qqp-runtime-end';

const stubs = {
  name: 'qqp-export-stubs',
  setup(b) {
    b.onResolve({ filter: /^@tensorflow\/tfjs-(core|layers)$/ }, () => ({ path: 'tf', namespace: 'qqp-tf' }));
    b.onLoad({ filter: /.*/, namespace: 'qqp-tf' }, () => ({
      contents: 'module.exports = __qqpTf;',
      loader: 'js',
    }));
    b.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path, namespace: 'qqp-empty' }));
    b.onLoad({ filter: /.*/, namespace: 'qqp-empty' }, () => ({
      contents: 'module.exports = {};',
      loader: 'js',
    }));
    b.onResolve({ filter: /\/backend\/kernels\/align\.js$/ }, () => ({
      path: 'align',
      namespace: 'qqp-align',
    }));
    b.onLoad({ filter: /.*/, namespace: 'qqp-align' }, () => ({
      contents:
        'export function fusedAlignAvailable() { return false; }\n' +
        "export function fusedAlign() { throw new Error('no fused align kernel in an export'); }\n",
      loader: 'js',
    }));
  },
};

const result = await build({
  entryPoints: [join(root, 'src', 'export', 'runtime.ts')],
  bundle: true,
  write: false,
  format: 'iife',
  globalName: 'qqpRuntime',
  platform: 'neutral',
  target: 'es2020',
  mainFields: ['module', 'main'],
  legalComments: 'none',
  plugins: [stubs],
  logLevel: 'warning',
});
const code = result.outputFiles[0].text;
const template = readFileSync(join(root, 'src', 'export', 'predict-template.js'), 'utf8');
const at = template.indexOf(START);
const end = template.indexOf(END);
if (at < 0 || end < at) throw new Error('src/export/predict-template.js: the runtime markers are missing');
const out = `${template.slice(0, at + START.length)}\n${code}${template.slice(end)}`;
mkdirSync(join(root, 'dist', 'export'), { recursive: true });
writeFileSync(join(root, 'dist', 'export', 'predict.js'), out);
copyFileSync(join(root, 'src', 'export', 'index.html'), join(root, 'dist', 'export', 'index.html'));

// dist/export/tf.min.js, the TensorFlow.js the demo page runs on: the ES-module builds of
// tfjs-core (with its chained tensor methods and gradients), tfjs-layers and the cpu backend,
// bundled into one script that sets the global `tf` (what `<script src="tf.min.js">` of the
// @tensorflow/tfjs bundle gives, without the converter, tfjs-data and WebGL, which the page does
// not use). Apache-2.0, like tfjs: its license comments are kept at the end of the file.
const browser = await build({
  stdin: {
    contents:
      "import '@tensorflow/tfjs-backend-cpu';\n" +
      // Named here, as the @tensorflow/tfjs bundle names them: tfjs-core's index does not import
      // them, so a bundler leaves them out (the chained methods are what tfjs-layers calls).
      "import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';\n" +
      "import '@tensorflow/tfjs-core/dist/register_all_gradients.js';\n" +
      "export * from '@tensorflow/tfjs-core';\n" +
      "export * from '@tensorflow/tfjs-layers';\n" +
      // tf.version as the @tensorflow/tfjs bundle has it (the demo page shows tf.version.tfjs).
      "import { version_core } from '@tensorflow/tfjs-core';\n" +
      "import { version_layers } from '@tensorflow/tfjs-layers';\n" +
      "import { version_cpu } from '@tensorflow/tfjs-backend-cpu';\n" +
      "export const version = { 'tfjs-core': version_core, 'tfjs-backend-cpu': version_cpu, 'tfjs-layers': version_layers, tfjs: version_core };\n",
    resolveDir: root,
    loader: 'js',
  },
  bundle: true,
  write: false,
  format: 'iife',
  globalName: 'tf',
  platform: 'browser',
  target: 'es2020',
  mainFields: ['module', 'main'],
  minify: true,
  legalComments: 'eof',
  logLevel: 'warning',
});
writeFileSync(join(root, 'dist', 'export', 'tf.min.js'), browser.outputFiles[0].text);
