import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli, runCliJson } from '../../helpers/cli.js';

interface Summary {
  vocabSize: number;
  layers: { className: string; params: number; outputShape: unknown }[];
  totalParams: number;
}

describe('qqp model summary', () => {
  it('gives exactly Keras counts for the reference stack (--json)', () => {
    const r = runCliJson<Summary>(['model', 'summary', 'configs/bilstm.yaml']);
    assert.equal(r.code, 0, r.stderr);
    const params = r.json.layers.filter((l) => l.className !== 'InputLayer').map((l) => l.params);
    assert.deepEqual(params, [r.json.vocabSize * 64, 66048, 41216, 4160, 0, 65]);
    assert.equal(r.json.totalParams, r.json.vocabSize * 64 + 66048 + 41216 + 4160 + 65);
    assert.equal(r.stderr, '', 'no tfjs banner or warnings');
  });

  it('draws a table with totals, and takes --vocab-size', () => {
    const r = runCli(['model', 'summary', 'configs/bilstm.yaml', '--vocab-size', '500']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /embedding \(Embedding\)\s+│ \(None, 41, 64\)\s+│\s+32,000 │/);
    assert.match(r.stdout, /Total params: 143,489/);
  });

  it('reports a config error without a stack trace', () => {
    const r = runCli(['model', 'summary', 'configs/bilstm.yaml', '--set', 'model.layers[1].type=lstmm']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /unknown layer type "lstmm" \(did you mean "lstm"\?\)/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});
