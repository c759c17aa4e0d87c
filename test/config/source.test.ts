import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkConfigText } from '../../src/config/load.js';
import { parseConfigText } from '../../src/config/source.js';
import { formatProblem } from '../../src/errors.js';

const MODEL = `model:
  type: sequential
  layers:
    - { type: embedding, outputDim: 8 }
    - { type: globalAveragePooling1d }
    - { type: dense, units: 1, activation: sigmoid }
`;

describe('parseConfigText on a large mapping', () => {
  // 50,000 keys: yaml's own duplicate check and a look-up per located problem were quadratic in the
  // size of a mapping (minutes for 300,000 keys); the results must stay the same.
  const N = 50_000;
  const keys = Array.from({ length: N }, (_, i) => `  k${i}: ${i}`);
  const text = `experiment:\n${keys.join('\n')}\n  k17: again\n${MODEL}`;

  it('finds a duplicate key, at its second occurrence', () => {
    const src = parseConfigText('big.yaml', text);
    assert.deepEqual(src.problems.map(formatProblem), [
      `big.yaml:${N + 2}:3: YAML: Map keys must be unique ("k17" appears twice) (a key may appear once per mapping; remove or rename one of them)`,
    ]);
    assert.equal((src.value!.experiment as Record<string, unknown>).k49999, 49999);
  });

  it('locates every one of its unknown keys at its own line', () => {
    const { problems } = checkConfigText(text, { name: 'big.yaml', cwd: '/tmp' });
    const unknown = problems.filter((p) => p.message.startsWith('unknown key'));
    assert.equal(unknown.length, N);
    for (const i of [0, 1, 12_345, N - 1]) {
      const p = unknown.find((u) => u.path === `experiment.k${i}`);
      assert.equal(p?.line, i + 2, `k${i}`);
      assert.equal(p?.col, 3);
    }
  });
});

describe('aliases', () => {
  it('more than 100 alias uses: the alias limit is named, at the alias past it; no "missing key" noise', () => {
    const uses = Array.from({ length: 101 }, (_, i) => `  k${i}: *v`).join('\n');
    const text = `${MODEL}experiment:\n  description: &v text\n  tags: []\nextra:\n${uses}\n`;
    const { problems } = checkConfigText(text, { name: 'aliases.yaml', cwd: '/tmp' });
    assert.equal(problems.length, 1, problems.map(formatProblem).join('\n'));
    const [p] = problems;
    assert.match(
      p!.message,
      /the aliases \(\*name\) of this file expand to more than 100 copies: the alias limit was hit/,
    );
    // Line 10 holds extra:, then k0 on 11, ..., k100 (the 101st use) on 111.
    assert.equal(p!.line, 111);
    assert.equal(p!.col, 9);
  });

  it('nested aliases that expand exponentially: the alias limit, at the first alias', () => {
    const text = `${MODEL}a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
`;
    const { problems } = checkConfigText(text, { name: 'bomb.yaml', cwd: '/tmp' });
    assert.equal(problems.length, 1, problems.map(formatProblem).join('\n'));
    assert.match(problems[0]!.message, /alias limit was hit/);
    assert.deepEqual([problems[0]!.line, problems[0]!.col], [8, 8]);
  });

  it('up to 100 uses are fine', () => {
    const uses = Array.from({ length: 3 }, (_, i) => `    - { type: dense, units: *u, name: d${i} }`).join(
      '\n',
    );
    const src = parseConfigText('ok.yaml', `x: &u 4\nlist:\n${uses}\n`);
    assert.deepEqual(src.problems, []);
    assert.equal(((src.value!.list as unknown[])[2] as { units: number }).units, 4);
  });
});

describe('numbers out of range in a file', () => {
  it('are reported where they are written, as written', () => {
    const src = parseConfigText(
      'huge.yaml',
      'training:\n  epochs: 1e400\n  learningRate: -2e308\n  x: .inf\n',
    );
    assert.deepEqual(src.problems.map(formatProblem), [
      'huge.yaml:2:11: the number is out of range (got 1e400): numbers beyond about ±1.8e308 cannot be represented',
      'huge.yaml:3:17: the number is out of range (got -2e308): numbers beyond about ±1.8e308 cannot be represented',
    ]);
  });
});
