import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
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
});
