import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as tfc from '@tensorflow/tfjs-core';
import { useInspectionBackend } from '../../src/backend/index.js';
import { checkConfig } from '../../src/config/checks.js';
import { checkConfigText, loadConfig } from '../../src/config/load.js';
import type { ResolvedConfig } from '../../src/config/schema.js';
import { validateConfig } from '../../src/config/validate.js';
import { ConfigError } from '../../src/errors.js';
import { buildModel } from '../../src/model/build.js';
import { summarizeConfig } from '../../src/model/summary.js';
import { formatPath } from '../../src/util/paths.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

const SEPARATE = { source: 'x.csv', encoding: { pair: 'separate', maxLength: 6 } };
const OUT = { type: 'dense', units: 1, activation: 'sigmoid' };

function resolve(raw: Record<string, unknown>): ResolvedConfig {
  const { config, issues } = validateConfig(structuredClone(raw));
  assert.deepEqual(issues, []);
  return config;
}

/** The cross-field issues of a graph config, as `path: message`. */
function issuesOf(nodes: object[], extra: Record<string, unknown> = {}): string[] {
  const config = resolve({ data: SEPARATE, model: { type: 'graph', nodes, ...extra } });
  return checkConfig(config).map((i) => `${formatPath(i.path)}: ${i.message}`);
}

/** A valid siamese-like graph to break in one place. */
const base = (): Record<string, unknown>[] => [
  { name: 'e1', type: 'embedding', outputDim: 4, inputs: ['question1'] },
  { name: 'e2', share: 'e1', inputs: ['question2'] },
  { name: 'r1', type: 'lstm', units: 3, inputs: ['e1'] },
  { name: 'r2', share: 'r1', inputs: ['e2'] },
  { name: 'd', type: 'absDiff', inputs: ['r1', 'r2'] },
  { name: 'out', ...OUT, inputs: ['d'] },
];

describe('graph checks', () => {
  it('accepts a sound graph', () => {
    assert.deepEqual(issuesOf(base()), []);
  });

  it('refuses an unknown input, with a suggestion', () => {
    const nodes = base();
    nodes[4]!.inputs = ['r1', 'r3'];
    assert.deepEqual(issuesOf(nodes), [
      'model.nodes[4].inputs[1]: unknown input "r3": not a graph input (pair, question1, question2, features, exactMatch1, exactMatch2) nor a node',
    ]);
  });

  it('refuses a cycle where it closes', () => {
    const nodes = base();
    nodes[2]!.inputs = ['d'];
    const issues = issuesOf(nodes);
    assert.equal(issues.length, 1, issues.join('\n'));
    assert.match(issues[0]!, /^model\.nodes\[\d\]\.inputs\[\d\]: cycle: (\w+ → )+\w+/);
    assert.match(issues[0]!, /r1 → d → r1|d → r1 → d/);
  });

  it('refuses a duplicate name and a node named like a graph input', () => {
    const nodes = base();
    nodes[3]!.name = 'r1';
    assert.match(
      issuesOf(nodes).join('\n'),
      /model\.nodes\[3\]\.name: node name "r1" is used twice \(first at model\.nodes\[2\]\)/,
    );
    const again = base();
    again[0]!.name = 'question2';
    assert.match(
      issuesOf(again).join('\n'),
      /model\.nodes\[0\]\.name: "question2" is the name of a graph input/,
    );
  });

  it('refuses a flow mismatch and a merge of a sequence with a vector', () => {
    const nodes = base();
    nodes[2]!.inputs = ['question1']; // an lstm on token ids
    assert.deepEqual(issuesOf(nodes), [
      'model.nodes[2].inputs[0]: "lstm" needs a sequence as input, but "question1" gives token ids',
      `model.nodes[0].name: node "e1" is not used: nothing reads its output and it is not the model's output`,
    ]);
    const mixed = base();
    mixed[4]!.inputs = ['e1', 'r2'];
    assert.deepEqual(issuesOf(mixed), [
      'model.nodes[4].inputs: "absDiff": its inputs must be all sequences or all vectors (got sequence, vector)',
      `model.nodes[2].name: node "r1" is not used: nothing reads its output and it is not the model's output`,
    ]);
  });

  it('refuses a node that reads one input twice', () => {
    const nodes = base();
    nodes[4]!.inputs = ['r1', 'r1'];
    assert.deepEqual(issuesOf(nodes), [
      `model.nodes[4].inputs[1]: reads "r1" a second time (first at inputs[0]): tfjs' executor frees a tensor one node reads twice too early`,
    ]);
  });

  it('refuses the wrong number of inputs', () => {
    const nodes = base();
    nodes[4]!.inputs = ['r1', 'r2', 'e1'];
    assert.deepEqual(issuesOf(nodes), ['model.nodes[4].inputs: "absDiff" takes 2 inputs (got 3)']);
  });

  it('refuses an unused node, and an output that is not a vector', () => {
    const nodes = base();
    nodes.splice(5, 0, { name: 'extra', type: 'multiply', inputs: ['r1', 'r2'] });
    assert.deepEqual(issuesOf(nodes), [
      `model.nodes[5].name: node "extra" is not used: nothing reads its output and it is not the model's output`,
    ]);
    const seq = [
      { name: 'e1', type: 'embedding', outputDim: 4, inputs: ['question1'] },
      { name: 'out', ...OUT, inputs: ['e1'] },
    ];
    assert.match(
      issuesOf(seq).join('\n'),
      /model\.nodes\[1\]\.type: the output node "out" returns a sequence/,
    );
  });

  it('refuses a share of an unknown node, of a share, or with other parameters', () => {
    const unknown = base();
    unknown[1]!.share = 'e9';
    assert.match(issuesOf(unknown)[0]!, /model\.nodes\[1\]\.share: shares "e9", but no node has that name/);
    const chained = base();
    chained.splice(2, 0, { name: 'e3', share: 'e2', inputs: ['question2'] });
    assert.match(issuesOf(chained).join('\n'), /model\.nodes\[2\]\.share: "e2" is itself a share of "e1"/);
    const differs = base();
    differs[3]!.units = 5;
    assert.deepEqual(issuesOf(differs), [
      'model.nodes[3].units: units differs from the shared node "r1" (3): a share reuses that layer, with its parameters',
    ]);
    const same = base();
    same[3]!.units = 3;
    same[3]!.type = 'lstm';
    assert.deepEqual(issuesOf(same), []);
  });

  it('refuses the features and exactMatch inputs unless data.features gives them', () => {
    const nodes = base();
    nodes.splice(5, 0, { name: 'c', type: 'concat', inputs: ['d', 'features'] });
    nodes[6]!.inputs = ['c'];
    assert.deepEqual(issuesOf(nodes), [
      'model.nodes[5].inputs[1]: graph input `features` needs data.features.pair (true, or a list of feature names)',
    ]);
  });

  it('reads a node of several outputs (align) as node.0 and node.1, and refuses other references', () => {
    const aligned = (refs: [string, string]) => [
      { name: 'e1', type: 'embedding', outputDim: 4, maskZero: true, inputs: ['question1'] },
      { name: 'e2', share: 'e1', inputs: ['question2'] },
      { name: 'al', type: 'align', inputs: ['e1', 'e2'] },
      { name: 'p1', type: 'pool', inputs: [refs[0]] },
      { name: 'p2', type: 'pool', inputs: [refs[1]] },
      { name: 'c', type: 'concat', inputs: ['p1', 'p2'] },
      { name: 'out', ...OUT, inputs: ['c'] },
    ];
    assert.deepEqual(issuesOf(aligned(['al.0', 'al.1'])), []);
    assert.deepEqual(issuesOf(aligned(['al', 'al.1'])), [
      'model.nodes[3].inputs[0]: "al" (align) has several outputs: name one',
    ]);
    assert.deepEqual(issuesOf(aligned(['al.0', 'al.2'])), [
      'model.nodes[4].inputs[0]: "al" has 2 outputs: al.0, al.1',
    ]);
    const single = aligned(['al.0', 'al.1']);
    single[2]!.inputs = ['e1.0', 'e2'];
    assert.deepEqual(issuesOf(single), ['model.nodes[2].inputs[0]: "e1" (embedding) has one output']);
  });

  it('declares features and exactMatch1/2 in the fixed order when data.features gives them, sized from the config', async () => {
    await useInspectionBackend();
    const nodes = [
      { name: 'x2', type: 'concat', inputs: ['e2', 'exactMatch2'] },
      { name: 'e1', type: 'embedding', outputDim: 4, maskZero: true, inputs: ['question1'] },
      { name: 'e2', share: 'e1', inputs: ['question2'] },
      { name: 'x1', type: 'concat', inputs: ['e1', 'exactMatch1'] },
      { name: 'u', type: 'lstm', units: 3, inputs: ['x1'] },
      { name: 'v', share: 'u', inputs: ['x2'] },
      { name: 'c', type: 'concat', inputs: ['features', 'u', 'v'] },
      { name: 'out', ...OUT, inputs: ['c'] },
    ];
    const data = {
      ...SEPARATE,
      features: { pair: ['jaccard', 'lengthDiff', 'wordTfidf'], exactMatch: true },
    };
    const config = resolve({ data, model: { type: 'graph', nodes } });
    assert.deepEqual(checkConfig(config), []);
    // No data: the width of `features` comes from data.features.pair (3 names).
    const model = buildModel(config, { vocabSize: 20 });
    assert.deepEqual(model.inputNames, ['question1', 'question2', 'features', 'exactMatch1', 'exactMatch2']);
    assert.deepEqual(
      model.inputs.map((x) => x.shape),
      [
        [null, 6],
        [null, 6],
        [null, 3],
        [null, 6],
        [null, 6],
      ],
    );
    model.dispose();
    // Given but not read: a mistake, at the data config.
    const unread = resolve({ data, model: { type: 'graph', nodes: base() } });
    assert.deepEqual(
      checkConfig(unread).map((i) => `${formatPath(i.path)}: ${i.message}`),
      [
        'data.features.pair: gives the model a `features` input, which no node of the graph reads',
        'data.features.exactMatch: gives the model `exactMatch1` / `exactMatch2` inputs, which no node of the graph reads',
      ],
    );
  });

  it('refuses a multi-input layer in a stack', () => {
    const config = resolve({
      data: { source: 'x.csv' },
      model: {
        type: 'sequential',
        layers: [{ type: 'embedding' }, { type: 'concat' }, { type: 'flatten' }, OUT],
      },
    });
    assert.match(
      checkConfig(config)
        .map((i) => `${formatPath(i.path)}: ${i.message}`)
        .join('\n'),
      /model\.layers\[1\]\.type: "concat" takes 2 or more inputs: it can be a node of a graph model, not a layer of a stack/,
    );
  });

  it('refuses a shape mismatch at the node when building', async () => {
    await useInspectionBackend();
    const nodes = base();
    nodes[3] = { name: 'r2', type: 'lstm', units: 5, inputs: ['e2'] };
    const config = resolve({ data: SEPARATE, model: { type: 'graph', nodes } });
    assert.deepEqual(checkConfig(config), []);
    assert.throws(
      () => buildModel(config, { vocabSize: 20, locate: (p) => ({ source: 'g.yaml', path: formatPath(p) }) }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems[0]?.path === 'model.nodes[4]' &&
        /tfjs refused the node on input shapes \[null,3\] and \[null,5\]/.test(err.problems[0].message),
    );
  });
});

/** Copies the weights of `from` into `to` (same count, order and shapes), then compares their predictions. */
function samePredictions(
  a: ReturnType<typeof buildModel>,
  b: ReturnType<typeof buildModel>,
  xs: tfc.Tensor[],
): void {
  assert.equal(a.countParams(), b.countParams());
  const wa = a.getWeights();
  assert.deepEqual(
    wa.map((w) => w.shape),
    b.getWeights().map((w) => w.shape),
  );
  // Different values, to show the outputs follow the weights and not a coincidence of seeds.
  b.setWeights(wa.map((w, i) => tfc.add(w, tfc.scalar(0.01 * (i + 1)))));
  a.setWeights(b.getWeights());
  const pa = (a.predict(xs.length === 1 ? xs[0]! : xs) as tfc.Tensor).arraySync() as number[][];
  const pb = (b.predict(xs.length === 1 ? xs[0]! : xs) as tfc.Tensor).arraySync() as number[][];
  pa.flat().forEach((p, i) => {
    assert.ok(Math.abs(p - pb.flat()[i]!) < 1e-6, `${p} vs ${pb.flat()[i]}`);
  });
}

describe('existing shapes written as graphs', () => {
  it('sequential: the same parameters, the same initial weights and the same outputs', async () => {
    await useInspectionBackend();
    const layers = [
      { type: 'embedding', outputDim: 4 },
      { type: 'bidirectional', layer: { type: 'lstm', units: 3, returnSequences: true } },
      { type: 'globalMaxPooling1d' },
      { type: 'dense', units: 4, activation: 'relu' },
      OUT,
    ];
    const data = { source: 'x.csv', encoding: { pair: 'concat', maxLength: 3 } };
    const seq = buildModel(resolve({ data, model: { type: 'sequential', layers } }), { vocabSize: 20 });
    const nodes = layers.map((l, i) => ({ ...l, name: `n${i}`, inputs: [i === 0 ? 'pair' : `n${i - 1}`] }));
    const graph = buildModel(resolve({ data, model: { type: 'graph', nodes } }), { vocabSize: 20 });
    assert.deepEqual(graph.inputNames, ['pair']);
    // Layers are built in node order, so the seeds, and the initial weights, are the sequential's.
    assert.deepEqual(
      graph.getWeights().map((w) => Array.from(w.dataSync())),
      seq.getWeights().map((w) => Array.from(w.dataSync())),
    );
    samePredictions(seq, graph, [
      tfc.tensor2d(
        [
          [1, 2, 3, 4, 5, 6, 7],
          [0, 0, 9, 1, 0, 4, 8],
        ],
        undefined,
        'int32',
      ),
    ]);
  });

  it('siamese: the same parameters and the same outputs', async () => {
    await useInspectionBackend();
    const siamese = buildModel(
      resolve({
        data: SEPARATE,
        model: {
          type: 'siamese',
          encoder: [
            { type: 'embedding', outputDim: 4 },
            { type: 'lstm', units: 3 },
          ],
          combine: ['u', 'v', 'absDiff', 'mul'],
          head: [{ type: 'dense', units: 4, activation: 'relu' }, OUT],
        },
      }),
      { vocabSize: 20 },
    );
    const nodes = [
      ...base().slice(0, 5),
      { name: 'm', type: 'multiply', inputs: ['r1', 'r2'] },
      { name: 'c', type: 'concat', inputs: ['r1', 'r2', 'd', 'm'] },
      { name: 'h', type: 'dense', units: 4, activation: 'relu', inputs: ['c'] },
      { name: 'out', ...OUT, inputs: ['h'] },
    ];
    const graph = buildModel(resolve({ data: SEPARATE, model: { type: 'graph', nodes } }), { vocabSize: 20 });
    assert.deepEqual(graph.inputNames, ['question1', 'question2']);
    const q1 = tfc.tensor2d(
      [
        [0, 0, 1, 2, 3, 4],
        [5, 6, 7, 8, 9, 10],
      ],
      undefined,
      'int32',
    );
    const q2 = tfc.tensor2d(
      [
        [0, 0, 0, 4, 3, 2],
        [11, 12, 13, 1, 2, 3],
      ],
      undefined,
      'int32',
    );
    samePredictions(siamese, graph, [q1, q2]);
  });
});

describe('masks through graph nodes', () => {
  it('an embedding with maskZero masks padding through a dense, a merge and an LSTM', async () => {
    await useInspectionBackend();
    const nodes = (maskZero: boolean) => [
      { name: 'e1', type: 'embedding', outputDim: 4, maskZero, inputs: ['question1'] },
      { name: 'e2', share: 'e1', inputs: ['question2'] },
      { name: 't', type: 'dense', units: 4, activation: 'tanh', inputs: ['e1'] },
      { name: 'a', type: 'add', inputs: ['t', 'e2'] },
      { name: 'c', type: 'concat', inputs: ['a', 'e1'] },
      { name: 'r', type: 'lstm', units: 3, inputs: ['c'] },
      { name: 'out', ...OUT, inputs: ['r'] },
    ];
    const predict = (maskZero: boolean, padding: 'pre' | 'post') => {
      const model = buildModel(
        resolve({ data: SEPARATE, model: { type: 'graph', nodes: nodes(maskZero) } }),
        {
          vocabSize: 20,
        },
      );
      // The same two words in each question, padded before or after (one padding pattern for both).
      const ids = padding === 'pre' ? [[0, 0, 0, 0, 3, 7]] : [[3, 7, 0, 0, 0, 0]];
      const other = padding === 'pre' ? [[0, 0, 0, 0, 5, 2]] : [[5, 2, 0, 0, 0, 0]];
      const y = model.predict([
        tfc.tensor2d(ids, undefined, 'int32'),
        tfc.tensor2d(other, undefined, 'int32'),
      ]);
      const p = (y as tfc.Tensor).dataSync()[0]!;
      model.dispose();
      return p;
    };
    assert.ok(
      Math.abs(predict(true, 'pre') - predict(true, 'post')) < 1e-6,
      'masked: padding does not count',
    );
    assert.ok(Math.abs(predict(false, 'pre') - predict(false, 'post')) > 1e-6, 'unmasked: padding counts');
  });
});

/** A small RE2-like block: encoder, alignment, fusion; block 2 reads an augmented residual. */
const blockNodes = (): Record<string, unknown>[] => [
  { name: 'x1', type: 'augmentedResidual', inputs: ['e1', 'input.0'], first: 'input.0' },
  { name: 'x2', type: 'augmentedResidual', inputs: ['e2', 'input.1'], first: 'input.1' },
  { name: 'enc1', type: 'dense', units: 4, activation: 'relu', inputs: ['x1'] },
  { name: 'enc2', share: 'enc1', inputs: ['x2'] },
  { name: 'al', type: 'align', inputs: ['enc1', 'enc2'] },
  { name: 'f1', type: 'enhance', inputs: ['enc1', 'al.0'] },
  { name: 'f2', type: 'enhance', inputs: ['enc2', 'al.1'] },
  { name: 'o1', type: 'dense', units: 4, activation: 'relu', inputs: ['f1'] },
  { name: 'o2', share: 'o1', inputs: ['f2'] },
];
const EMBED: Record<string, unknown>[] = [
  { name: 'e1', type: 'embedding', outputDim: 4, maskZero: true, inputs: ['question1'] },
  { name: 'e2', share: 'e1', inputs: ['question2'] },
];
const headOn = (a: string, b: string): Record<string, unknown>[] => [
  { name: 'p1', type: 'pool', mode: 'max', inputs: [a] },
  { name: 'p2', type: 'pool', mode: 'max', inputs: [b] },
  { name: 'd', type: 'absDiff', inputs: ['p1', 'p2'] },
  { name: 'out', ...OUT, inputs: ['d'] },
];
const repeated = (times: number, extra: Record<string, unknown> = {}): Record<string, unknown>[] => [
  ...EMBED,
  {
    name: 'blk',
    type: 'repeat',
    times,
    inputs: ['e1', 'e2'],
    outputs: ['o1', 'o2'],
    nodes: blockNodes(),
    ...extra,
  },
  ...headOn('blk.0', 'blk.1'),
];
/** The same blocks written out by hand. */
const byHand = (times: number) => {
  const nodes: Record<string, unknown>[] = [...EMBED];
  for (let k = 1; k <= times; k++) {
    const n = (name: string) => `b${k}${name}`;
    const ins = k === 1 ? ['e1', 'e2'] : [n('x1'), n('x2')];
    if (k > 1) {
      nodes.push({ name: n('x1'), type: 'augmentedResidual', inputs: ['e1', `b${k - 1}o1`] });
      nodes.push({ name: n('x2'), type: 'augmentedResidual', inputs: ['e2', `b${k - 1}o2`] });
    }
    nodes.push(
      { name: n('enc1'), type: 'dense', units: 4, activation: 'relu', inputs: [ins[0]] },
      { name: n('enc2'), share: n('enc1'), inputs: [ins[1]] },
      { name: n('al'), type: 'align', inputs: [n('enc1'), n('enc2')] },
      { name: n('f1'), type: 'enhance', inputs: [n('enc1'), `${n('al')}.0`] },
      { name: n('f2'), type: 'enhance', inputs: [n('enc2'), `${n('al')}.1`] },
      { name: n('o1'), type: 'dense', units: 4, activation: 'relu', inputs: [n('f1')] },
      { name: n('o2'), share: n('o1'), inputs: [n('f2')] },
    );
  }
  return [...nodes, ...headOn(`b${times}o1`, `b${times}o2`)];
};

const Q1 = () =>
  tfc.tensor2d(
    [
      [0, 0, 1, 2, 3, 4],
      [5, 6, 7, 8, 9, 10],
    ],
    undefined,
    'int32',
  );
const Q2 = () =>
  tfc.tensor2d(
    [
      [0, 0, 0, 4, 3, 2],
      [11, 12, 13, 1, 2, 3],
    ],
    undefined,
    'int32',
  );

/** The problems of a config given as YAML text, as `line:col path: message`. */
function problemsOfText(text: string): string[] {
  const { problems } = checkConfigText(text, { name: 'g.yaml', cwd: '/tmp' });
  return problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`);
}

describe('repeat blocks', () => {
  it('build the same model as the blocks written out by hand: layers, weights, predictions', async () => {
    await useInspectionBackend();
    for (const times of [1, 3]) {
      const config = resolve({ data: SEPARATE, model: { type: 'graph', nodes: repeated(times) } });
      assert.deepEqual(checkConfig(config), []);
      const block = buildModel(config, { vocabSize: 20 });
      const hand = buildModel(resolve({ data: SEPARATE, model: { type: 'graph', nodes: byHand(times) } }), {
        vocabSize: 20,
      });
      assert.equal(block.layers.length, hand.layers.length);
      assert.equal(block.countParams(), hand.countParams());
      // Built in the same order, so from the same seeds: the same initial weights.
      assert.deepEqual(
        block.getWeights().map((w) => Array.from(w.dataSync())),
        hand.getWeights().map((w) => Array.from(w.dataSync())),
      );
      const pa = (block.predict([Q1(), Q2()]) as tfc.Tensor).arraySync();
      const pb = (hand.predict([Q1(), Q2()]) as tfc.Tensor).arraySync();
      assert.deepEqual(pa, pb);
      samePredictions(block, hand, [Q1(), Q2()]);
      const names = block.layers.map((l) => l.name);
      assert.ok(!names.includes('blk.1.x1'), 'copy 1 leaves out the `first` nodes');
      for (let k = 1; k <= times; k++) assert.ok(names.includes(`blk.${k}.enc1`), names.join(' '));
      if (times > 1) assert.ok(names.includes(`blk.${times}.x1`));
      block.dispose();
      hand.dispose();
    }
  });

  it('with shareWeights, every copy uses the first copy with its layers', async () => {
    await useInspectionBackend();
    const nodes = (shareWeights: boolean) => [
      ...EMBED,
      {
        name: 'blk',
        type: 'repeat',
        times: 3,
        shareWeights,
        inputs: ['e1', 'e2'],
        outputs: ['o1', 'o2'],
        nodes: [
          { name: 'o1', type: 'dense', units: 4, activation: 'tanh', inputs: ['input.0'] },
          { name: 'o2', share: 'o1', inputs: ['input.1'] },
        ],
      },
      ...headOn('blk.0', 'blk.1'),
    ];
    const own = buildModel(resolve({ data: SEPARATE, model: { type: 'graph', nodes: nodes(false) } }), {
      vocabSize: 20,
    });
    const shared = buildModel(resolve({ data: SEPARATE, model: { type: 'graph', nodes: nodes(true) } }), {
      vocabSize: 20,
    });
    const dense = 4 * 4 + 4;
    assert.equal(own.countParams() - shared.countParams(), 2 * dense);
    // tfjs lists a layer once however often it is applied: 2 layers fewer.
    assert.equal(own.layers.length - shared.layers.length, 2);
    own.dispose();
    shared.dispose();
  });

  it('reads outer nodes and graph inputs from inside a block, and a block of one output by its name', () => {
    const nodes = [
      ...EMBED,
      { name: 'r', type: 'lstm', units: 3, inputs: ['e2'] },
      {
        name: 'blk',
        type: 'repeat',
        times: 2,
        inputs: ['e1'],
        outputs: ['s'],
        nodes: [
          { name: 'h', type: 'dense', units: 4, inputs: ['input.0'] },
          { name: 's', type: 'add', inputs: ['h', 'e1'] },
        ],
      },
      { name: 'p', type: 'pool', inputs: ['blk'] },
      { name: 'c', type: 'concat', inputs: ['p', 'r'] },
      { name: 'out', ...OUT, inputs: ['c'] },
    ];
    assert.deepEqual(issuesOf(nodes), []);
    const wrong = structuredClone(nodes);
    wrong[4]!.inputs = ['blk.0'];
    assert.deepEqual(issuesOf(wrong), ['model.nodes[4].inputs[0]: block "blk" has one output']);
  });

  it('refuses mistakes in a block where they are written (once, not once per copy)', () => {
    const at = (nodes: object[]) => issuesOf(nodes);
    const unknown = repeated(2);
    (unknown[2]!.nodes as Record<string, unknown>[])[2]!.inputs = ['xl'];
    assert.deepEqual(at(unknown), [
      'model.nodes[2].nodes[2].inputs[0]: unknown input "xl": not an input of block "blk" (input.0, input.1), a node of the block, a graph input nor a node of the graph',
    ]);
    const range = repeated(2);
    (range[2]!.nodes as Record<string, unknown>[])[2]!.inputs = ['input.2'];
    assert.deepEqual(at(range), [
      'model.nodes[2].nodes[2].inputs[0]: block "blk" has 2 inputs: input.0, input.1',
    ]);
    const outer = repeated(2);
    outer[2]!.inputs = ['e1', 'e3'];
    assert.deepEqual(at(outer), [
      'model.nodes[2].inputs[1]: unknown input "e3": not a graph input (pair, question1, question2, features, exactMatch1, exactMatch2) nor a node',
    ]);
    const outputs = repeated(2);
    outputs[2]!.outputs = ['o1', 'o3'];
    assert.deepEqual(at(outputs), ['model.nodes[2].outputs[1]: output "o3" is not a node of block "blk"']);
    const count = repeated(2);
    count[2]!.outputs = ['o1'];
    assert.match(at(count).join('\n'), /^model\.nodes\[2\]\.outputs: block "blk" has 2 inputs and 1 output/);
    const cycle = repeated(2);
    (cycle[2]!.nodes as Record<string, unknown>[])[2]!.inputs = ['o1'];
    const cycles = at(cycle);
    // Two loops close in the block (through f1 and through al); copy 2's same loops are not repeated.
    assert.equal(cycles.length, 2, cycles.join('\n'));
    for (const c of cycles)
      assert.match(c, /^model\.nodes\[2\]\.nodes\[[45]\]\.inputs\[0\]: cycle: blk\.1\.enc1 → /);
    // Copy 1 reads the embeddings (sequences); copy 2 reads copy 1's LSTM outputs (vectors).
    const flow = [
      ...EMBED,
      {
        name: 'blk',
        type: 'repeat',
        times: 2,
        inputs: ['e1', 'e2'],
        outputs: ['o1', 'o2'],
        nodes: [
          { name: 'o1', type: 'lstm', units: 3, inputs: ['input.0'] },
          { name: 'o2', share: 'o1', inputs: ['input.1'] },
        ],
      },
      { name: 'd', type: 'absDiff', inputs: ['blk.0', 'blk.1'] },
      { name: 'out', ...OUT, inputs: ['d'] },
    ];
    assert.deepEqual(at(flow), [
      'model.nodes[2].nodes[0].inputs[0]: "lstm" needs a sequence as input, but "blk.1.o1" gives one vector per pair',
      'model.nodes[2].nodes[1].inputs[0]: "lstm" needs a sequence as input, but "blk.1.o2" gives one vector per pair',
    ]);
    const name = repeated(2);
    name[3]!.name = 'blk';
    assert.deepEqual(at(name), [
      'model.nodes[3].name: node name "blk" is used twice (first at model.nodes[2])',
    ]);
    const many = repeated(2);
    many[3]!.inputs = ['blk'];
    assert.deepEqual(at(many), ['model.nodes[3].inputs[0]: block "blk" has 2 outputs: name one']);
  });

  it('reports block mistakes at their line and column in the YAML', () => {
    const yaml = (times: number, unknown: string, output: string) =>
      blockYaml([`        - { name: o1, type: dense, units: 4, inputs: [${unknown}] }`, O2], undefined, {
        times,
        outputs: `o1, ${output}`,
      });
    assert.deepEqual(problemsOfText(yaml(2, 'input.0', 'o2')), []);
    assert.deepEqual(
      problemsOfText(yaml(2, 'inptu.0', 'o2')).map((p) => p.slice(0, p.indexOf(': '))),
      ['13:55 model.nodes[2].nodes[0].inputs[0]'],
    );
    assert.deepEqual(
      problemsOfText(yaml(2, 'input.0', 'o9')).map((p) => p.slice(0, p.indexOf(': '))),
      ['11:21 model.nodes[2].outputs[1]'],
    );
    const times = problemsOfText(yaml(0, 'input.0', 'o2'));
    assert.equal(times.length, 1, times.join('\n'));
    assert.match(times[0]!, /^9:14 model\.nodes\[2\]\.times: /);
  });
});

/**
 * A config whose block `blk` (`times` copies, default 2; inputs e1, e2; `outputs`, default o1, o2) has the given node lines
 * (from line 13) and is followed by `after` (default: a node reading blk.0 and blk.1), as YAML.
 */
const blockYaml = (
  inner: string[],
  after = ['    - { name: d, type: absDiff, inputs: [blk.0, blk.1] }'],
  { times = 2, outputs = 'o1, o2' } = {},
) =>
  [
    'data: { source: x.csv, encoding: { pair: separate, maxLength: 6 } }',
    'model:',
    '  type: graph',
    '  nodes:',
    '    - { name: e1, type: embedding, outputDim: 4, inputs: [question1] }',
    '    - { name: e2, share: e1, inputs: [question2] }',
    '    - name: blk',
    '      type: repeat',
    `      times: ${times}`,
    '      inputs: [e1, e2]',
    `      outputs: [${outputs}]`,
    '      nodes:',
    ...inner,
    ...after,
    '    - { name: p, type: pool, inputs: [d] }',
    '    - { name: out, type: dense, units: 1, activation: sigmoid, inputs: [p] }',
    '',
  ].join('\n');
const O2 = '        - { name: o2, share: o1, inputs: [input.1] }';

describe('repeat blocks: references', () => {
  it('refuses a `first` that names nothing, or leads back to its node, at its line and column', () => {
    const first = (ref: string, read = 'x1') =>
      problemsOfText(
        blockYaml([
          `        - { name: x1, type: dense, units: 4, inputs: [input.0], first: ${ref} }`,
          `        - { name: o1, type: dense, units: 4, inputs: [${read}] }`,
          O2,
        ]),
      );
    assert.deepEqual(first('input.0'), []);
    assert.deepEqual(first('nope'), [
      '13:72 model.nodes[2].nodes[0].first: unknown reference "nope": not an input of block "blk" (input.0, input.1), a node of the block, a graph input nor a node of the graph',
    ]);
    // Checked as well where nothing in copy 1 reads the node (copy 2's o1 reads it).
    assert.deepEqual(
      first('nope', 'input.0').map((p) => p.slice(0, p.indexOf(': '))),
      ['13:72 model.nodes[2].nodes[0].first'],
    );
    assert.deepEqual(first('x1'), [
      '13:72 model.nodes[2].nodes[0].first: "x1" is left out of the first copy, and its `first` ("x1") leads back to it',
    ]);
  });

  it('refuses a share of an inner node that the first copy leaves out, unless the sharer is left out too', () => {
    const nodes = repeated(2);
    const inner = nodes[2]!.nodes as Record<string, unknown>[];
    inner[1] = { name: 'x2', share: 'x1', inputs: ['e2', 'input.1'] };
    assert.deepEqual(issuesOf(nodes), [
      'model.nodes[2].nodes[1].share: shares "x1", which the first copy leaves out (it has `first`)',
    ]);
    inner[1] = { ...inner[1], first: 'input.1' };
    assert.deepEqual(issuesOf(nodes), []);
  });

  it("refuses a copy's node named from outside its copy, naming the block's outputs", () => {
    const outputs =
      "the rest of the graph reads only the block's outputs, blk.0, blk.1 (its last copy's o1, o2)";
    const dense = '        - { name: o1, type: dense, units: 4, inputs: [input.0] }';
    assert.deepEqual(
      problemsOfText(blockYaml([dense, O2], ['    - { name: d, type: absDiff, inputs: [blk.2.o1, blk.1] }'])),
      [`15:42 model.nodes[3].inputs[0]: "blk.2.o1" is a node inside block "blk": ${outputs}`],
    );
    // Shared, or named as the graph's output; inside the block, by another copy's name.
    const share = repeated(2);
    share.splice(3, 0, { name: 'o3', share: 'blk.1.o1', inputs: ['e1'] });
    assert.deepEqual(issuesOf(share), [
      `model.nodes[3].share: "blk.1.o1" is a node inside block "blk": ${outputs}`,
    ]);
    assert.deepEqual(issuesOf(repeated(2), { output: 'blk.2.al.0' }), [
      `model.output: "blk.2.al.0" is a node inside block "blk": ${outputs}`,
    ]);
    const within = repeated(2);
    (within[2]!.nodes as Record<string, unknown>[])[2]!.inputs = ['blk.1.x1'];
    assert.deepEqual(issuesOf(within), [
      `model.nodes[2].nodes[2].inputs[0]: "blk.1.x1" names a copy's node; inside block "blk", each copy's nodes refer to each other by their inner names`,
    ]);
  });
});

describe('configs/re2.yaml', () => {
  it('lists the copies of its block in the model summary, with the parameters of the blocks written by hand', async () => {
    const s = await summarizeConfig(loadConfig(join(PROJECT_ROOT, 'configs', 're2.yaml')));
    const names = s.layers.map((l) => l.name);
    for (const n of ['block.1.enc1', 'block.1.align', 'block.2.x1', 'block.2.align', 'block.2.out2'])
      assert.ok(names.includes(n), names.join(' '));
    assert.ok(!names.includes('block.1.x1'));
    const row = (name: string) => s.layers.find((l) => l.name === name);
    assert.deepEqual(row('block.2.x1')?.connectedTo, ['embed1', 'block.1.out1']);
    assert.deepEqual(row('block.1.in1')?.connectedTo, ['embed1', 'block.1.enc1']);
    assert.deepEqual(row('v1')?.connectedTo, ['block.2.out1']);
    assert.equal(row('block.2.out2')?.sharedWith, 'block.2.out1');
    // The same count as the config with its two blocks written out by hand (before `repeat`).
    assert.equal(s.totalParams, 771_587);
  });
});
