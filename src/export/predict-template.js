/*
 * predict.js of a model exported by `qqp export` (https://www.npmjs.com/package/qqp): loads the
 * model beside it into plain TensorFlow.js and answers P(duplicate) for question pairs, tokenized
 * exactly as qqp tokenizes them. It needs nothing but TensorFlow.js.
 *
 * Node (with `npm install @tensorflow/tfjs`):
 *   const tf = require('@tensorflow/tfjs');
 *   const qqp = require('./predict.js');
 *   const model = await qqp.load(tf);    // or, in an ES module: import { load } from './predict.js'
 *   console.log(model.predict('How do I learn Go?', 'What is the best way to learn Go?'));
 *
 * Browser: <script src="tf.min.js"></script> <script src="model-data.js"></script>
 *   <script src="predict.js"></script>, then `const model = await qqp.load(tf)` (index.html does).
 *
 * The code between the markers below is generated from qqp's own source (src/export/runtime.ts,
 * bundled by scripts/build-export-runtime.mjs); this wrapper is src/export/predict-template.js.
 */
((root, factory) => {
  if (typeof module === 'object' && module.exports) {
    const api = factory(root, true);
    // Spelled out so that Node's ES module loader sees the names: import { load } from './predict.js'.
    module.exports.load = api.load;
    module.exports.registerLayers = api.registerLayers;
  } else root.qqp = factory(root, false);
})(typeof self !== 'undefined' ? self : this, (root, inNode) => {
  /** qqp's runtime, bound to one TensorFlow.js instance (its layer classes extend that tfjs'). */
  function runtimeFor(__qqpTf) {
    // qqp-runtime-start
    // qqp-runtime-end
    return qqpRuntime;
  }

  const runtimes = new Map();
  function runtime(tf) {
    if (!runtimes.has(tf)) runtimes.set(tf, runtimeFor(tf));
    return runtimes.get(tf);
  }

  function defaultTf() {
    if (inNode) return require('@tensorflow/tfjs');
    if (root.tf) return root.tf;
    throw new Error('qqp: TensorFlow.js is not loaded: add <script src="tf.min.js"></script> first');
  }

  function bufferOf(bytes) {
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }

  function readFolder(dir) {
    const fs = require('node:fs');
    const path = require('node:path');
    const json = (name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
    const binary = (name) => bufferOf(fs.readFileSync(path.join(dir, name)));
    const manifest = json('qqp.json');
    return {
      manifest,
      model: json('model.json'),
      weights: binary('weights.bin'),
      vocabulary: json('vocabulary.json'),
      features: manifest.features ? json('features.json') : null,
      featureVectors: manifest.features?.vectors ? binary('feature-vectors.bin') : null,
    };
  }

  function fromBase64(text) {
    const s = atob(text);
    const bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    return bytes.buffer;
  }

  /** In a browser: model-data.js's contents when it was loaded (works from file://), else over HTTP. */
  async function readBrowser(base) {
    const data = root.QQP_EXPORT;
    if (data) {
      return {
        manifest: data.manifest,
        model: data.model,
        weights: fromBase64(data.weights),
        vocabulary: data.vocabulary,
        features: data.features || null,
        featureVectors: data.featureVectors ? fromBase64(data.featureVectors) : null,
      };
    }
    const get = async (name, kind) => {
      const r = await fetch(base + name);
      if (!r.ok) throw new Error(`qqp: ${base + name}: HTTP ${r.status}`);
      return kind === 'json' ? r.json() : r.arrayBuffer();
    };
    const manifest = await get('qqp.json', 'json');
    return {
      manifest,
      model: await get('model.json', 'json'),
      weights: await get('weights.bin', 'binary'),
      vocabulary: await get('vocabulary.json', 'json'),
      features: manifest.features ? await get('features.json', 'json') : null,
      featureVectors: manifest.features?.vectors ? await get('feature-vectors.bin', 'binary') : null,
    };
  }

  /**
   * Loads the exported model. `tf`: the TensorFlow.js to run on (default: require('@tensorflow/tfjs')
   * in Node, the global `tf` in a browser). `options.dir` (Node): the export folder (default: this
   * file's); `options.base` (browser): the URL prefix of the files when model-data.js is not loaded.
   */
  async function load(tf, options) {
    const t = tf || defaultTf();
    const o = options || {};
    const files = inNode ? readFolder(o.dir || __dirname) : await readBrowser(o.base || '');
    return runtime(t).createModel(files);
  }

  /** Registers qqp's layer classes with `tf`, for loading model.json with tf.loadLayersModel yourself. */
  function registerLayers(tf) {
    runtime(tf || defaultTf()).registerLayers();
  }

  return { load, registerLayers };
});
