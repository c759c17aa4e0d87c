import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, runCliJson } from '../helpers/cli.js';

const BAD = [
  'extends: CONFIGS/bilstm.yaml',
  'experiment:',
  '  seeed: 3', //                                  3: misspelt key
  'model:',
  '  type: sequential',
  '  layers:',
  '    - { type: embedding, outputDim: 64 }',
  '    - { type: lstmm, units: 32 }', //            8: unknown layer type
  '    - { type: dense, units: one, activation: sigmoid }', // 9: wrong type
  'training:',
  '  epochs: 2',
  '  epochs: 3', //                                 12: duplicate key
  '  optimizer: [adam', //                          13: YAML syntax error
  '',
].join('\n');

describe('qqp validate', () => {
  it('accepts every shipped config', () => {
    const r = runCli([
      'validate',
      'configs/bilstm.yaml',
      'configs/siamese-bilstm.yaml',
      'configs/gru.yaml',
      'configs/cnn.yaml',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /4 valid/);
  });

  it('reports every problem of a broken config with line, column and suggestion, and exits 3', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qqp-validate-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, BAD.replace('CONFIGS', join(process.cwd(), 'configs')));
    const r = runCli(['validate', file]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    const out = r.stdout;
    assert.match(
      out,
      new RegExp(`${file}:3:3 experiment.seeed: unknown key "seeed" \\(did you mean "seed"\\?\\)`),
    );
    assert.match(
      out,
      new RegExp(
        `${file}:8:15 model.layers\\[1\\].type: unknown layer type "lstmm" \\(did you mean "lstm"\\?\\)`,
      ),
    );
    assert.match(
      out,
      new RegExp(`${file}:9:29 model.layers\\[2\\].units: must be an integer >= 1 \\(got "one"\\)`),
    );
    assert.match(out, new RegExp(`${file}:12:3: YAML: Map keys must be unique \\("epochs" appears twice\\)`));
    assert.match(out, new RegExp(`${file}:1[34]:\\d+: YAML: `));
    assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('prints one JSON document with --json, and exits 3 when invalid', () => {
    const r = runCliJson<{
      valid: boolean;
      files: { file: string; valid: boolean; problems: { line: number }[] }[];
    }>(['validate', 'configs/bilstm.yaml', '--set', 'training.batchSize=many']);
    assert.equal(r.code, 3);
    assert.equal(r.json.valid, false);
    assert.equal(r.json.files[0]?.problems.length, 1);
  });

  it('refuses a --set value of the wrong type with the path and the expected type', () => {
    const r = runCli(['validate', 'configs/bilstm.yaml', '--set', 'training.epochs=ten']);
    assert.equal(r.code, 3);
    assert.match(
      r.stdout,
      /--set training.epochs=ten training.epochs: must be an integer >= 1 \(got "ten"\)/,
    );
  });

  it('names a missing file', () => {
    const r = runCli(['validate', 'configs/nope.yaml']);
    assert.equal(r.code, 3);
    assert.match(r.stdout, /configs\/nope.yaml: cannot read config: no such file/);
  });
});
