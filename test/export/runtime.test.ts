import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createContext, runInContext } from 'node:vm';
import { STOCK_EQUIVALENTS } from '../../src/export/export.js';
import { EXPORTED_LAYER_CLASSES } from '../../src/export/runtime.js';
import { layerClasses } from '../../src/layers/index.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

describe('export runtime', () => {
  it('knows every qqp layer class: registered by predict.js, or written as a stock tfjs class', () => {
    const qqp = layerClasses.map((c) => c.className).sort();
    const exported = [
      ...EXPORTED_LAYER_CLASSES.map((c) => c.className),
      ...Object.keys(STOCK_EQUIVALENTS),
    ].sort();
    assert.deepEqual(exported, qqp);
  });

  it('dist/export/predict.js is built from src/export/runtime.ts and holds no qqp file or wasm code', () => {
    const js = readFileSync(join(PROJECT_ROOT, 'dist', 'export', 'predict.js'), 'utf8');
    assert.match(js, /\/\/ src\/export\/runtime\.ts/);
    assert.match(js, /\/\/ src\/data\/tokenizer\.ts/);
    // No tfjs of its own (it runs on the caller's), and no fused kernels.
    assert.doesNotMatch(js, /node_modules\/@tensorflow/);
    assert.doesNotMatch(js, /src\/backend\//);
    assert.doesNotMatch(js, /WebAssembly/);
  });

  it('dist/export/tf.min.js is a browser TensorFlow.js with the chained methods and gradients tfjs-layers uses', async () => {
    // Run as a page's <script> would, in a context of its own with `self` as the global object.
    const page = createContext({ console, setTimeout, clearTimeout, TextEncoder, TextDecoder, performance });
    Object.assign(page, { self: page, window: page, document: {}, navigator: { userAgent: 'test' } });
    runInContext(readFileSync(join(PROJECT_ROOT, 'dist', 'export', 'tf.min.js'), 'utf8'), page);
    // biome-ignore lint/suspicious/noExplicitAny: the bundle's global, untyped here
    const tf = page.tf as any;
    await tf.ready();
    assert.equal(tf.getBackend(), 'cpu');
    assert.match(String(tf.version.tfjs), /^\d+\.\d+\.\d+$/); // the demo page shows it
    for (const m of ['flatten', 'reshape', 'mul', 'sum', 'transpose', 'asType']) {
      assert.equal(typeof tf.Tensor.prototype[m], 'function', `Tensor.prototype.${m}`);
    }
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 1, inputShape: [2], kernelInitializer: 'ones' })],
    });
    assert.equal(JSON.stringify(model.predict(tf.tensor2d([[1, 2]])).arraySync()), '[[3]]');
    const grad = tf.grad((x: unknown) => tf.square(x))(tf.scalar(3));
    assert.equal(grad.arraySync(), 6);
  });
});
