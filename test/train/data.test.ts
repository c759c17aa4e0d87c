import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfigText } from '../../src/config/load.js';
import { Tokenizer } from '../../src/data/tokenizer.js';
import { RUN_FILES, RunFolder } from '../../src/runs/folder.js';
import { type TrainEvent, train } from '../../src/train/trainer.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

const DATA = join(PROJECT_ROOT, 'data', 'qqp-synthetic.csv');
const DIM = 4;

/** A GloVe text file with vectors for every other word of the first rows of the synthetic data. */
function vectorsFile(dir: string): { path: string; vectors: Map<string, Float32Array> } {
  const tokenizer = new Tokenizer();
  const words = new Set<string>();
  for (const line of readFileSync(DATA, 'utf8').split('\n').slice(1, 400)) {
    for (const t of tokenizer.tokenize(line)) words.add(t);
  }
  const vectors = new Map<string, Float32Array>();
  [...words].sort().forEach((w, i) => {
    if (i % 2 === 0)
      vectors.set(
        w,
        Float32Array.from({ length: DIM }, (_, j) => ((i * 7 + j) % 13) / 13 - 0.5),
      );
  });
  const path = join(dir, 'vectors.txt');
  writeFileSync(path, [...vectors].map(([w, v]) => `${w} ${[...v].join(' ')}`).join('\n'));
  return { path, vectors };
}

function config(
  dir: string,
  embedding: string,
  vocabulary = '{ maxSize: 400 }',
): ReturnType<typeof loadConfigText> {
  const text = `
experiment: { name: vectors, seed: 3 }
data:
  source: ${DATA}
  limit: 300
  split: { train: 0.8, validation: 0, test: 0.2, seed: 1 }
  encoding: { pair: concat, maxLength: 6 }
  vocabulary: ${vocabulary}
model:
  type: sequential
  layers:
    - ${embedding}
    - { type: globalAveragePooling1d }
    - { type: dense, units: 1, activation: sigmoid }
training: { epochs: 1, batchSize: 32, backend: cpu, optimizer: { type: adam, learningRate: 0.05 } }
`;
  return loadConfigText(text, { name: 'vectors.yaml', baseDir: dir });
}

describe('training with pretrained vectors', () => {
  it('trains with a frozen table: its rows unchanged byte for byte, no optimizer slots for it, coverage recorded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qqp-pretrained-'));
    const { vectors } = vectorsFile(dir);
    const loaded = config(dir, '{ type: embedding, pretrained: { source: vectors.txt } }');
    const events: TrainEvent[] = [];
    const env = process.env.QQP_CACHE_DIR;
    process.env.QQP_CACHE_DIR = join(dir, 'cache');
    try {
      const r = await train({
        experimentsDir: join(dir, 'experiments'),
        loaded,
        backend: 'cpu',
        onEvent: (e) => events.push(e),
      });
      assert.equal(r.status, 'completed');
      const folder = RunFolder.open(r.dir, '.');
      const meta = folder.readMeta();
      const rec = meta.embeddings?.[0];
      assert.ok(rec, 'run.json records the vectors');
      assert.equal(rec.dim, DIM);
      assert.equal(rec.trainable, false);
      assert.match(rec.sha256, /^[0-9a-f]{64}$/);
      assert.ok(rec.vocabularyCoverage > 0.3 && rec.vocabularyCoverage < 0.7, String(rec.vocabularyCoverage));
      assert.ok(rec.trainTokenCoverage > 0 && rec.trainTokenCoverage < 1);
      assert.equal(rec.cached, false);
      const data = events.find((e) => e.type === 'data');
      assert.ok(data?.type === 'data' && data.embeddings?.length === 1);
      assert.match(
        readFileSync(join(r.dir, RUN_FILES.log), 'utf8'),
        /embeddings: .*vectors\.txt .*of training tokens/,
      );

      const vocab = JSON.parse(readFileSync(join(r.dir, RUN_FILES.vocabulary), 'utf8')) as {
        tokens: string[];
      };
      const model = await folder.loadModel('last');
      const layer = model.getLayer('embedding');
      assert.equal(layer.getClassName(), 'QqpPretrainedEmbedding');
      assert.equal(layer.nonTrainableWeights.length, 1);
      const trained = layer.nonTrainableWeights[0]!.read().dataSync() as Float32Array;
      let checked = 0;
      vocab.tokens.forEach((t, id) => {
        const v = vectors.get(t);
        if (!v) return;
        const row = trained.subarray(id * DIM, (id + 1) * DIM);
        assert.equal(
          Buffer.compare(Buffer.from(row.buffer, row.byteOffset, row.byteLength), Buffer.from(v.buffer)),
          0,
          t,
        );
        checked++;
      });
      assert.ok(checked > 10);
      model.dispose();

      const slots = JSON.parse(readFileSync(join(r.dir, 'checkpoint', 'optimizer.json'), 'utf8')) as {
        slots: { name: string }[];
      };
      const names = slots.slots.map((s) => s.name);
      assert.ok(
        names.some((n) => n.includes('embedding/tuned')),
        names.join(', '),
      );
      assert.ok(!names.some((n) => n.includes('embedding/embeddings')), names.join(', '));

      // A second run of the same config reads the cache.
      const again = await train({ experimentsDir: join(dir, 'experiments'), loaded, backend: 'cpu' });
      assert.equal(RunFolder.open(again.dir, '.').readMeta().embeddings?.[0]?.cached, true);
    } finally {
      if (env === undefined) delete process.env.QQP_CACHE_DIR;
      else process.env.QQP_CACHE_DIR = env;
    }
  });

  it('oov: shared leaves words without vectors out of the vocabulary; trainable: true fine-tunes a plain table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qqp-pretrained-'));
    const { vectors } = vectorsFile(dir);
    const loaded = config(
      dir,
      '{ type: embedding, pretrained: { source: vectors.txt, oov: shared, trainable: true } }',
    );
    const env = process.env.QQP_CACHE_DIR;
    process.env.QQP_CACHE_DIR = join(dir, 'cache');
    const r = await train({ experimentsDir: join(dir, 'experiments'), loaded, backend: 'cpu' }).finally(
      () => {
        if (env === undefined) delete process.env.QQP_CACHE_DIR;
        else process.env.QQP_CACHE_DIR = env;
      },
    );
    const vocab = JSON.parse(readFileSync(join(r.dir, RUN_FILES.vocabulary), 'utf8')) as { tokens: string[] };
    assert.ok(vocab.tokens.slice(3).every((t) => vectors.has(t)));
    const meta = RunFolder.open(r.dir, '.').readMeta();
    assert.equal(meta.embeddings?.[0]?.vocabularyCoverage, 1);
    const model = await RunFolder.open(r.dir, '.').loadModel('last');
    assert.equal(model.getLayer('embedding').getClassName(), 'Embedding');
    assert.equal(model.getLayer('embedding').trainableWeights.length, 1);
    model.dispose();
  });

  it('vocabulary.pretrainedWords adds the first N words of the source that training lacks, with their vectors, beyond maxSize', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qqp-pretrained-'));
    const { path, vectors } = vectorsFile(dir);
    // Three words no training question holds, first in the file, and one far down it.
    const extra = ['zzfirst', 'zzsecond', 'zzthird'];
    const vec = (i: number) => Float32Array.from({ length: DIM }, (_, j) => 0.25 * (i + 1) + j / 100);
    const lines = readFileSync(path, 'utf8').split('\n');
    const trainingWord = lines[0]!.split(' ')[0]!;
    writeFileSync(
      path,
      [
        ...extra.map((w, i) => `${w} ${[...vec(i)].join(' ')}`),
        ...lines,
        `zzlast ${[...vec(9)].join(' ')}`,
      ].join('\n'),
    );
    const env = process.env.QQP_CACHE_DIR;
    process.env.QQP_CACHE_DIR = join(dir, 'cache');
    const run = (vocabulary: string) =>
      train({
        experimentsDir: join(dir, 'experiments'),
        loaded: config(dir, '{ type: embedding, pretrained: { source: vectors.txt } }', vocabulary),
        backend: 'cpu',
      });
    try {
      const plain = await run('{ maxSize: 40 }');
      const withWords = await run('{ maxSize: 40, pretrainedWords: 4 }');
      const tokensOf = (d: string) =>
        (JSON.parse(readFileSync(join(d, RUN_FILES.vocabulary), 'utf8')) as { tokens: string[] }).tokens;
      const before = tokensOf(plain.dir);
      const after = tokensOf(withWords.dir);
      assert.equal(before.length, 40);
      // The training words as before, then the file's first 4 words that are not among them (in
      // the file's order; the fourth is a training word, added only if maxSize had cut it).
      const added = after.slice(before.length);
      assert.deepEqual(after.slice(0, before.length), before);
      assert.deepEqual(added.slice(0, 3), extra);
      assert.deepEqual(added.slice(3), before.includes(trainingWord) ? [] : [trainingWord]);
      assert.ok(!after.includes('zzlast'));
      // Their rows of the frozen table are the file's vectors.
      const model = await RunFolder.open(withWords.dir, '.').loadModel('last');
      const table = model.getLayer('embedding').nonTrainableWeights[0]!.read().dataSync() as Float32Array;
      extra.forEach((w, i) => {
        const id = after.indexOf(w);
        assert.deepEqual(Array.from(table.subarray(id * DIM, (id + 1) * DIM)), Array.from(vec(i)), w);
      });
      assert.ok(vectors.size > 0);
      model.dispose();
    } finally {
      if (env === undefined) delete process.env.QQP_CACHE_DIR;
      else process.env.QQP_CACHE_DIR = env;
    }
  });

  it('vocabulary.pretrainedWords without pretrained vectors is refused at its line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qqp-pretrained-'));
    assert.throws(
      () => config(dir, '{ type: embedding, outputDim: 4 }', '{ maxSize: 40, pretrainedWords: 4 }'),
      (err: unknown) => {
        const e = err as { problems?: { path: string; line?: number; message: string }[] };
        const p = e.problems?.find((x) => x.path.includes('pretrainedWords'));
        assert.ok(p, JSON.stringify(e.problems));
        assert.equal(p.line, 8);
        assert.match(p.message, /no embedding of the model has pretrained vectors/);
        return true;
      },
    );
  });
});
