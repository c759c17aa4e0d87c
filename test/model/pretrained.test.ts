import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { validateConfigFiles } from '../../src/model/check-files.js';
import { summarizeConfig } from '../../src/model/summary.js';

function project(embedding: string, vocabulary = '{ maxSize: 50 }'): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'qqp-pretrained-config-'));
  writeFileSync(join(dir, 'v.txt'), 'the 1 2 3\nwhat 4 5 6\n');
  const file = join(dir, 'c.yaml');
  writeFileSync(
    file,
    [
      `data: { source: x.csv, vocabulary: ${vocabulary} }`,
      'model:',
      '  type: sequential',
      '  layers:',
      `    - ${embedding}`,
      '    - { type: flatten }',
      '    - { type: dense, units: 1, activation: sigmoid }',
      '',
    ].join('\n'),
  );
  return { dir, file };
}

describe('pretrained vectors in a config', () => {
  it('an outputDim other than the vectors dimension is a config error at its line and column', async () => {
    const { file } = project('{ type: embedding, outputDim: 8, pretrained: { source: v.txt } }');
    const report = await validateConfigFiles([file]);
    assert.equal(report.valid, false);
    const p = report.files[0]!.problems[0]!;
    assert.equal(p.line, 5);
    assert.equal(p.col, 37); // the 8 of outputDim: 8
    assert.match(p.message, /outputDim is 8 but the vectors of .*v\.txt have 3 dimensions/);
    await assert.rejects(summarizeConfig(loadConfig(file)), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems[0]?.line, 5);
      return true;
    });
  });

  it('a missing vectors file is a problem at pretrained.source', async () => {
    const { file } = project('{ type: embedding, pretrained: { source: missing.vec } }');
    const p = (await validateConfigFiles([file])).files[0]!.problems[0]!;
    assert.equal(p.line, 5);
    assert.match(p.message, /vectors file not found: .*missing\.vec/);
  });

  it('without outputDim the table takes the vectors dimension; the summary counts it as non-trainable', async () => {
    const { file } = project('{ type: embedding, pretrained: { source: v.txt } }');
    assert.equal((await validateConfigFiles([file])).valid, true);
    const s = await summarizeConfig(loadConfig(file));
    const emb = s.layers.find((l) => l.className === 'QqpPretrainedEmbedding');
    assert.ok(emb);
    // 50 rows × 3: the frozen table; <oov> and <sep> (2 × 3) train.
    assert.equal(emb.params, 50 * 3 + 2 * 3);
    assert.equal(emb.trainableParams, 6);
    assert.equal(s.nonTrainableParams, 150);
    const fineTuned = project('{ type: embedding, pretrained: { source: v.txt, trainable: true } }');
    assert.equal((await summarizeConfig(loadConfig(fineTuned.file))).nonTrainableParams, 0);
  });

  it('with vocabulary.pretrainedWords the summary sizes the table for them too, and says so', async () => {
    const { file } = project(
      '{ type: embedding, pretrained: { source: v.txt } }',
      '{ maxSize: 50, pretrainedWords: 20 }',
    );
    const s = await summarizeConfig(loadConfig(file));
    assert.equal(s.vocabSize, 70);
    assert.match(s.vocabSizeSource, /maxSize \+ pretrainedWords \(the most it can be\)/);
    assert.equal(s.nonTrainableParams, 70 * 3);
  });
});
